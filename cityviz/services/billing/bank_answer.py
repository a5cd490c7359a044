"""Reading the bank's answer (notification or payer's return), and the
simulator's side of the dummy protocol. No database access here; see
online_payment.py for what the caller must do with an answer."""

from __future__ import annotations

import dataclasses
import logging
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

import eopayment

from cityviz.services.billing.payment_backends import (
    DUMMY,
    EOPAYMENT_LOG,
    _require_backend,
    check_options,
    decimal_to_cents,
)
from cityviz.services.errors import DomainError, InvalidInput

logger = logging.getLogger(__name__)

Result = Literal["paid", "refused", "cancelled", "error", "waiting"]

RESULT_LABELS: dict[str, str] = {
    "paid": "Paiement accepté",
    "refused": "Paiement refusé",
    "cancelled": "Paiement annulé",
    "error": "Erreur lors du paiement",
    "waiting": "Paiement en cours de traitement",
}

BANK_MESSAGE_MAX = 2000  # OnlinePayment.bank_message


# ---------------------------------------------------------------------------
# Reading the bank's answer


@dataclasses.dataclass(frozen=True)
class BankAnswer:
    """What the bank says about one payment (notification or browser return)."""

    transaction_id: str  # = StartedPayment.transaction_id: look the payment up by it
    order_id: str  # our reference (start_payment's transaction_id) if echoed, else ""
    result: Result
    signed: bool  # authenticated by the bank (signature, or asked to the DGFiP)
    amount_cents: int | None  # as reported by the bank; None if it did not say
    bank_message: str  # for OnlinePayment.bank_message (≤ 2000 characters)
    test: bool = False  # a test transaction (never accept in production)
    bank_transaction_id: str = ""  # the bank's own id (authorization…), for the logs
    reply_content: str | None = None  # body to return to a server-to-server notification
    raw: dict[str, str] = dataclasses.field(default_factory=dict)  # to log for audit

    @property
    def label(self) -> str:
        return RESULT_LABELS[self.result]


_RESULTS: dict[int, Result] = {
    eopayment.PAID: "paid",
    eopayment.ACCEPTED: "waiting",  # authorized, not captured yet
    eopayment.RECEIVED: "waiting",
    eopayment.WAITING: "waiting",
    eopayment.DENIED: "refused",
    eopayment.CANCELLED: "cancelled",
    eopayment.EXPIRED: "cancelled",  # the payer never paid
    eopayment.ERROR: "error",
}

# Where each backend reports the amount: (key in bank_data, unit).
_AMOUNT_FIELDS: dict[str, tuple[str, Literal["euros", "cents"]]] = {
    DUMMY: ("amount", "euros"),
    "tipi": ("montant", "cents"),
    "payfip_ws": ("montant", "cents"),
    "systempayv2": ("vads_amount", "cents"),
    "payzen": ("vads_amount", "cents"),
    "paybox": ("montant", "cents"),
}


def _first(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return value[0] if value else None
    return value


def _flat(bank_data: Any) -> dict[str, str]:
    try:
        items = dict(bank_data).items()
    except (TypeError, ValueError):
        return {}
    return {str(k): "" if _first(v) is None else str(_first(v)) for k, v in items}


def _amount_cents(kind: str, data: dict[str, str]) -> int | None:
    key, unit = _AMOUNT_FIELDS.get(kind, ("", "cents"))
    raw = data.get(key, "").strip()
    if not raw:
        return None
    try:
        value = Decimal(raw)
    except InvalidOperation:
        return None
    if unit == "cents":
        if not value.is_finite() or value != value.to_integral_value():
            return None
        return int(value)
    return decimal_to_cents(value)


def _our_reference(kind: str, data: dict[str, str], bank_id: str) -> str:
    if kind == DUMMY:
        return data.get("orderid", "")
    if kind in ("tipi", "payfip_ws"):
        return data.get("refdet", "")
    if kind in ("systempayv2", "payzen"):
        return data.get("vads_ext_info_eopayment_trans_id", "")
    if kind == "paybox":
        return bank_id.split("!", 1)[0]
    return ""


def notification_payload(method: str, query_string: str, body: bytes | str) -> str:
    """The string to give to :func:`read_bank_answer` for an HTTP request:
    the form body of a POST (SystemPay, PayFiP, the simulator), else the query
    string (Paybox, browser returns)."""
    if isinstance(body, bytes):
        body = body.decode("utf-8", "replace")
    if method.upper() == "POST" and body.strip():
        return body
    return query_string


def read_bank_answer(
    *,
    kind: str,
    options: dict[str, Any],
    query_string: str,
    from_notification: bool = False,
    **extra: Any,
) -> BankAnswer:
    """Parse the bank's answer (URL-encoded, from a notification or a return).

    `from_notification`: the answer comes server to server (Paybox checks its
    signature differently then). `extra` goes to eopayment's ``response()``.
    Raises a French :class:`InvalidInput` when the answer cannot be read.
    """
    _require_backend(kind)
    settings = check_options(kind, options)
    if kind == "paybox" and from_notification:
        extra.setdefault("callback", True)
    payment = eopayment.Payment(kind, settings, logger=EOPAYMENT_LOG)
    try:
        response = payment.response(query_string or "", **extra)
    except (eopayment.ResponseError, ValueError, KeyError, TypeError) as exc:
        logger.warning("unreadable %s bank answer: %s", kind, exc)
        raise InvalidInput("Réponse de la banque illisible ou incomplète.") from exc
    except Exception as exc:  # noqa: BLE001 - PayFiP asks the DGFiP web service
        logger.exception("eopayment %s response failed", kind)
        raise DomainError(
            "Le service de paiement de la banque ne répond pas. Réessayez dans quelques minutes."
        ) from exc

    data = _flat(response.bank_data)
    result: Result = _RESULTS.get(response.result, "error")
    if kind == DUMMY and result == "error":
        # eopayment's dummy only knows "ok" (paid) or not (error); our
        # simulator adds "refused" / "cancelled" markers for a precise result.
        if "refused" in data:
            result = "refused"
        elif "cancelled" in data:
            result = "cancelled"

    bank_id = str(response.order_id or response.transaction_id or "")
    if not bank_id:
        raise InvalidInput("Réponse de la banque sans numéro de transaction.")
    bank_message = str(_first(response.bank_status) or "") or RESULT_LABELS[result]
    return BankAnswer(
        transaction_id=bank_id,
        order_id=_our_reference(kind, data, bank_id),
        result=result,
        signed=bool(response.signed),
        amount_cents=_amount_cents(kind, data),
        bank_message=bank_message[:BANK_MESSAGE_MAX],
        test=bool(response.test),
        bank_transaction_id=str(response.transaction_id or ""),
        reply_content=None if response.return_content is None else str(response.return_content),
        raw={k: v for k, v in data.items() if not k.startswith("__")},
    )


# ---------------------------------------------------------------------------
# The simulator's side of the dummy protocol (used by cityviz/api/bank_simulator.py)


def dummy_answer(
    *,
    transaction_id: str,
    amount: Decimal,
    accepted: bool,
    signed: bool,
    order_id: str = "",
) -> list[tuple[str, str]]:
    """The query string fields of a dummy bank's answer, as eopayment's
    ``dummy`` backend reads them: ``transaction_id``, ``amount``, ``ok`` when
    paid (else ``refused`` and a ``reason``), ``signed`` on the
    server-to-server notification."""
    fields = [("transaction_id", transaction_id), ("amount", f"{amount:.2f}")]
    if order_id:
        fields.append(("orderid", order_id))
    if accepted:
        fields.append(("ok", "1"))
    else:
        fields += [("refused", "1"), ("reason", "Paiement refusé par la banque simulée")]
    if signed:
        fields.append(("signed", "1"))
    return fields
