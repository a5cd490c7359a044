"""Starting an online payment: where to send the payer, and the id to store.
No database access here; see online_payment.py for the whole round trip."""

from __future__ import annotations

import dataclasses
import logging
import re
import secrets
import string
import unicodedata
from decimal import Decimal
from typing import Any, Literal
from urllib.parse import urlencode, urlsplit

import eopayment

from cityviz.services.billing.payment_backends import (
    DUMMY,
    EOPAYMENT_LOG,
    _require_backend,
    cents_to_decimal,
    check_options,
    format_euros,
)
from cityviz.services.errors import DomainError, InvalidInput

logger = logging.getLogger(__name__)


# ---------------------------------------------------------------------------
# Starting a payment


@dataclasses.dataclass(frozen=True)
class StartedPayment:
    """Where to send the payer, and the id to store on the OnlinePayment."""

    transaction_id: str  # store it: read_bank_answer() gives it back
    method: Literal["GET", "POST"]  # GET: redirect to url; POST: auto-submitted form
    url: str
    form_fields: tuple[tuple[str, str], ...] = ()  # hidden fields, in order (POST only)

    @property
    def is_redirect(self) -> bool:
        return self.method == "GET"


REFERENCE_ALPHABET = string.ascii_uppercase + string.digits
_REFERENCE_RE = re.compile(r"^[A-Za-z0-9]{6,30}\Z")  # \Z, not $: "$" lets a final newline in


def new_reference(prefix: str = "CV") -> str:
    """A fresh reference for one payment attempt: 30 letters and digits, the
    format every backend accepts as is (PayFiP/TIPI ``refdet``)."""
    prefix = re.sub(r"[^A-Za-z0-9]", "", prefix)[:8]
    return prefix + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(30 - len(prefix)))


def _ascii_subject(subject: str, limit: int) -> str:
    text = unicodedata.normalize("NFKD", subject).encode("ascii", "ignore").decode()
    text = re.sub(r"[^A-Za-z0-9 ]", " ", text)
    return re.sub(r"\s+", " ", text).strip()[:limit]


def _request_kwargs(kind: str, reference: str, email: str, subject: str) -> dict[str, Any]:
    """How each backend takes our reference and the subject."""
    if kind == DUMMY:
        return {"email": email, "orderid": reference, "subject": subject}
    if kind == "payfip_ws":
        # refdet = our reference; the subject goes in "objet" (normalized by eopayment).
        return {"email": email, "transaction_id": reference, "subject": subject}
    if kind == "tipi":
        return {"email": email, "orderid": reference, "objet": _ascii_subject(subject, 100) or None}
    if kind in ("systempayv2", "payzen"):
        return {"email": email, "transaction_id": reference, "info1": subject[:255]}
    if kind == "paybox":
        return {"email": email, "transaction_id": reference}
    return {"email": email, "orderid": reference}


def _with_service_url(url: str, service_url: str) -> str:
    """eopayment 3.15's dummy backend ignores its `dummy_service_url` option
    and always builds https://dummy-payment.entrouvert.com/?…; send the payer
    to the configured simulator instead (never to a third party's site)."""
    query = urlsplit(url).query
    separator = "&" if "?" in service_url else "?"
    return f"{service_url}{separator}{query}"


def start_payment(
    *,
    kind: str,
    options: dict[str, Any],
    amount_cents: int,
    transaction_id: str,
    email: str,
    subject: str,
    return_url: str,
    notification_url: str,
    **extra: Any,
) -> StartedPayment:
    """Ask the bank for a payment of `amount_cents`.

    `transaction_id` is our reference for this attempt (6 to 30 letters and
    digits, unique: :func:`new_reference`). `return_url` is where the payer's
    browser comes back, `notification_url` the endpoint the bank calls server
    to server. `extra` goes to eopayment's ``request()`` as is (``exer``,
    ``refdet``, ``first_name``…). Store the returned ``transaction_id``.
    PayFiP (``payfip_ws``) calls the DGFiP's web service here: network, up
    to 15 s; its failures become a French :class:`DomainError`.
    """
    backend = _require_backend(kind)
    settings = check_options(kind, options)
    amount = cents_to_decimal(amount_cents)
    if amount_cents <= 0:
        raise InvalidInput("Le montant à payer doit être positif.", field="amount")
    minimal = getattr(backend, "minimal_amount", None)
    if minimal is not None and amount < Decimal(minimal):
        raise InvalidInput(
            "Le paiement en ligne n'est possible qu'à partir de "
            f"{format_euros(int(Decimal(minimal) * 100))}.",
            field="amount",
        )
    maximal = getattr(backend, "maximal_amount", None)
    if maximal is not None and amount > Decimal(maximal):
        raise InvalidInput(
            f"Le paiement en ligne est limité à {format_euros(int(Decimal(maximal) * 100))}.",
            field="amount",
        )
    if not _REFERENCE_RE.fullmatch(transaction_id or ""):
        raise InvalidInput(
            "La référence du paiement doit compter de 6 à 30 lettres ou chiffres.",
            field="transaction_id",
        )
    email = (email or "").strip()
    if getattr(backend, "email_is_required", False) or email:
        if "@" not in email or not 6 <= len(email) <= 80:
            raise InvalidInput(
                "Une adresse e-mail valide est nécessaire pour payer en ligne.", field="email"
            )
    for name, url in (("return_url", return_url), ("notification_url", notification_url)):
        if urlsplit(url or "").scheme not in ("http", "https"):
            raise InvalidInput(
                "Adresse de retour du paiement en ligne non valide.", field=name
            )

    settings["normal_return_url"] = return_url
    settings["automatic_return_url"] = notification_url
    kwargs = _request_kwargs(kind, transaction_id, email, subject or "")
    kwargs = {k: v for k, v in kwargs.items() if v not in (None, "")}
    kwargs.update(extra)

    payment = eopayment.Payment(kind, settings, logger=EOPAYMENT_LOG)
    try:
        bank_id, answer_kind, data = payment.request(amount, **kwargs)
    except (ValueError, AssertionError) as exc:  # eopayment checks inputs with both
        logger.warning("eopayment %s request refused: %s", kind, exc)
        raise InvalidInput(
            "Le paiement en ligne n'a pas pu être préparé : vérifiez la configuration "
            "de la régie et les informations du payeur."
        ) from exc
    except Exception as exc:  # noqa: BLE001 - network / SOAP errors (PayFiP)
        logger.exception("eopayment %s request failed", kind)
        raise DomainError(
            "Le service de paiement de la banque ne répond pas. Réessayez dans quelques minutes."
        ) from exc

    if answer_kind == eopayment.URL:
        url = str(data)
        if kind == DUMMY:
            url = _with_service_url(url, settings["dummy_service_url"])
        return StartedPayment(transaction_id=str(bank_id), method="GET", url=url)
    if answer_kind == eopayment.FORM:
        if str(data.method).upper() != "POST":
            # A GET form is a redirect with its fields in the query string.
            query = urlencode([(f["name"], f["value"]) for f in data.fields])
            return StartedPayment(
                transaction_id=str(bank_id), method="GET", url=f"{data.url}?{query}"
            )
        return StartedPayment(
            transaction_id=str(bank_id),
            method="POST",
            url=str(data.url),
            form_fields=tuple((str(f["name"]), str(f["value"])) for f in data.fields),
        )
    raise DomainError("Ce mode de paiement en ligne n'est pas pris en charge.")
