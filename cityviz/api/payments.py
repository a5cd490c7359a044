"""The bank's side of online payment: its server-to-server notification and
the payer's return. What is recorded is decided by cityviz.services.billing.pay_online."""

from __future__ import annotations

import asyncio
import logging

from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response

from cityviz import routes
from cityviz.services.billing import online_payment, pay_online
from cityviz.services.errors import DomainError

logger = logging.getLogger(__name__)


def _organization(request: Request) -> int:
    try:
        return int(request.path_params["organization_id"])
    except (KeyError, ValueError):
        return 0


async def notification(request: Request) -> Response:
    payload = online_payment.notification_payload(request.method, request.url.query, await request.body())
    try:
        outcome = await asyncio.to_thread(pay_online.handle_bank_answer, organization_id=_organization(request),
                                          payload=payload, from_notification=True)
    except DomainError as exc:
        logger.warning("bank notification refused: %s", exc.message)
        return PlainTextResponse(exc.message, status_code=400)
    return PlainTextResponse(outcome.reply)


def payer_return(request: Request) -> Response:
    """Back from the bank: show the invoice with the outcome (recorded by the notification)."""
    try:
        outcome = pay_online.handle_bank_answer(organization_id=_organization(request), payload=request.url.query,
                                                from_notification=False)
    except DomainError:
        return RedirectResponse(f"{routes.INVOICES}?paiement=inconnu", status_code=303)
    return RedirectResponse(f"{routes.INVOICE}?type=facture&id={outcome.invoice_id}&paiement={outcome.status}",
                            status_code=303)
