"""Paying an invoice online: start at the bank, then record what the bank says.

Like login, these functions manage their own transactions: the bank may be
called over the network (PayFiP asks the DGFiP), which must not happen while
a write transaction is held. A payment counts only from an answer that
eopayment verified (a backend that signs, or the simulator in a
demonstration: online_payment.accepts_answers), whose amount matches, once
per transaction (repeated or replayed notifications change nothing); a
mismatch is refused and logged.
"""

from __future__ import annotations

import dataclasses
import json
import logging

from sqlmodel import select

from cityviz import clock, config, db
from cityviz.models import Invoice, OnlinePayment, Organization, Payment
from cityviz.services import audit
from cityviz.services.accounts.actor import Actor
from cityviz.services.billing import credits, direct_debits, journal, ledger, online_payment
from cityviz.services.errors import Conflict, InvalidInput, NotFound

logger = logging.getLogger(__name__)
SIMULATOR_PATH = "/banque-simulee"


def backend_settings(org: Organization) -> tuple[str, dict]:
    options = json.loads(org.payment_options or "{}")
    if org.payment_backend == online_payment.DUMMY:
        # The simulator is a page of this very application, wherever it runs.
        options.setdefault("dummy_service_url", f"{config.get().public_url}{SIMULATOR_PATH}")
    return org.payment_backend, options


def _accepted(kind: str) -> bool:
    return online_payment.accepts_answers(kind, demo=config.get().demo_payments)


def return_url(organization_id: int) -> str:
    return f"{config.get().public_url}/paiement/retour/{organization_id}"


def notification_url(organization_id: int) -> str:
    return f"{config.get().public_url}/paiement/notification/{organization_id}"


def start_online_payment(*, actor: Actor, invoice_id: int) -> online_payment.StartedPayment:
    """Ask the bank for the invoice's remaining amount; where to send the payer."""
    household_id = actor.require_household()
    with db.read() as s:
        invoice = s.get(Invoice, invoice_id)
        if invoice is None or invoice.household_id != household_id:
            raise NotFound("Facture introuvable.")
        org = s.get(Organization, invoice.organization_id)
        due = ledger.remaining_by_invoice(s, [invoice])[invoice.id]
        debited = bool(direct_debits.on_direct_debit(s, [invoice.id]))
    if not org.payment_backend or not _accepted(org.payment_backend):
        raise Conflict("Votre organisation ne propose pas le paiement en ligne.")
    if debited:
        raise Conflict("Cette facture sera prélevée : il n'y a rien à payer en ligne.")
    if due <= 0:
        raise Conflict("Cette facture est déjà réglée.")
    kind, options = backend_settings(org)
    started = online_payment.start_payment(
        kind=kind, options=options, amount_cents=due, transaction_id=online_payment.new_reference(),
        email=actor.email, subject=f"Facture {invoice.number} - {org.name}", return_url=return_url(org.id),
        notification_url=notification_url(org.id))
    with db.transaction() as s:
        s.add(OnlinePayment(organization_id=org.id, household_id=household_id, invoice_id=invoice.id, backend=kind,
                            transaction_id=started.transaction_id, amount_cents=due, status="pending",
                            created_at=clock.now()))
    return started


@dataclasses.dataclass(frozen=True)
class Outcome:
    invoice_id: int
    status: str  # paid, refused, cancelled, error, waiting, pending
    reply: str  # body for the bank's notification


def handle_bank_answer(*, organization_id: int, payload: str, from_notification: bool) -> Outcome:
    with db.read() as s:
        org = s.get(Organization, organization_id)
        if org is None or not org.payment_backend:
            raise NotFound("Organisation inconnue.")
        kind, options = backend_settings(org)
    if not _accepted(kind):
        # The simulator outside a demonstration, or a backend whose answers nobody verifies:
        # a hand-made notification must not pay an invoice.
        logger.warning("bank answer refused: backend %s not accepted for organization %s", kind, organization_id)
        raise Conflict("Avis de paiement refusé : ce service de paiement n'est pas accepté.")
    answer = online_payment.read_bank_answer(kind=kind, options=options, query_string=payload,
                                             from_notification=from_notification)
    with db.transaction() as s:
        payment = s.exec(select(OnlinePayment).where(OnlinePayment.backend == kind,
                                                     OnlinePayment.transaction_id == answer.transaction_id,
                                                     OnlinePayment.organization_id == organization_id)
                         .with_for_update()).first()
        if payment is None:
            logger.warning("bank answer for an unknown transaction %s", answer.transaction_id)
            raise NotFound("Paiement inconnu.")
        _record(s, org, payment, answer)
        status, invoice_id = payment.status, payment.invoice_id
    return Outcome(invoice_id, status, answer.reply_content or "OK")


def _record(s, org: Organization, payment: OnlinePayment, answer: online_payment.BankAnswer) -> None:
    """Apply a bank answer to a pending payment, exactly once."""
    if payment.status != "pending":
        return  # already settled: a repeated or replayed answer changes nothing
    if answer.result == "waiting":
        return
    if not answer.signed:
        return  # only the bank's signed answer (its notification) settles the payment
    if answer.test and org.payment_backend != online_payment.DUMMY:
        raise InvalidInput("Transaction de test refusée.")
    now = clock.now()
    payment.bank_message = answer.bank_message
    if answer.result != "paid":
        payment.status, payment.completed_at = ("refused" if answer.result in ("refused", "cancelled") else "error"), now
        s.add(payment)
        return
    if answer.amount_cents != payment.amount_cents:
        payment.status, payment.completed_at = "error", now
        payment.bank_message = f"Montant annoncé par la banque : {answer.amount_cents} centimes ; attendu : " \
                               f"{payment.amount_cents}."
        s.add(payment)
        audit.record(s, actor=_bank(), action="payment.amount_mismatch", organization_id=org.id,
                     object_type="online_payment", object_id=payment.id, expected=payment.amount_cents,
                     announced=answer.amount_cents, transaction=answer.transaction_id)
        logger.error("online payment %s: amount mismatch", payment.id)
        return
    method = "payfip" if payment.backend in ("payfip_ws", "tipi") else "card"
    money = Payment(organization_id=org.id, household_id=payment.household_id, method=method,
                    amount_cents=payment.amount_cents, received_on=clock.today(),
                    reference=answer.bank_transaction_id[:100] or answer.transaction_id[:100], recorded_at=now)
    ledger.lock(s, payment.household_id)
    s.add(money)
    s.flush()
    credits.allocate_payment(s, money, [payment.invoice_id])
    journal.record(s, actor=_bank(), organization_id=org.id, kind="payment", amount_cents=money.amount_cents,
                   household_id=payment.household_id, method=method, reference=money.reference,
                   label=f"Paiement en ligne ({payment.backend}), transaction {answer.transaction_id}")
    payment.status, payment.completed_at, payment.payment_id = "paid", now, money.id
    s.add(payment)
    audit.record(s, actor=_bank(), action="payment.online", organization_id=org.id, object_type="online_payment",
                 object_id=payment.id, amount_cents=payment.amount_cents, transaction=answer.transaction_id)


def _bank() -> Actor:
    return Actor(user_id=None, display_name="Banque")
