"""Online payment through the bank: a thin adapter over eopayment.

No database access here. The service that records payments calls two
functions and stores what they return:

1. ``start_payment(...)`` when a parent clicks "Payer en ligne". It returns a
   :class:`StartedPayment`: where to send the payer's browser (a redirect
   URL, or a form to POST), and **the transaction id to store** in
   ``OnlinePayment.transaction_id`` together with ``backend=kind`` and the
   expected ``amount_cents``.
2. ``read_bank_answer(...)`` on the notification endpoint (server to server)
   and on the return page (the payer's browser). It returns a
   :class:`BankAnswer` whose ``transaction_id`` is that same stored id.

Which transaction id? eopayment's ``request()`` returns the id that its
``response()`` hands back later (as ``PaymentResponse.order_id`` for every
backend listed here); that is the id to store and to look payments up by.
The ``transaction_id`` argument of :func:`start_payment` is *our* reference
for this attempt (unique per attempt; see :func:`new_reference`). Backends
that accept a merchant id use it verbatim (SystemPay/PayZen, Paybox, TIPI
and PayFiP's ``refdet`` when it is 6 to 30 letters and digits), so the
returned id is often equal to it, but not always: the ``dummy`` backend
draws its own id and PayFiP (``payfip_ws``) answers with the ``idop`` of the
DGFiP. Always store ``StartedPayment.transaction_id``. Our reference comes
back as ``BankAnswer.order_id`` when the bank echoes it.

Amounts are integer cents in the app, and a :class:`decimal.Decimal` with two
places when given to eopayment: never a float.

What the caller must do with each answer (see also
``cityviz/api/bank_simulator.py``):

- look the payment up by ``(kind, answer.transaction_id)`` — never by
  anything the browser session says;
- act on ``answer.result == "paid"`` only when ``answer.signed`` is true (the
  notification of a signing bank, or the DGFiP web service), and when
  ``answer.amount_cents`` equals the expected amount (``None`` = the bank did
  not report it: do not record automatically);
- be idempotent: answers come several times (notification, browser return,
  retries); record the payment once (``OnlinePayment.payment_id`` is unique),
  never change a ``paid`` payment back;
- answer the bank's notification with ``answer.reply_content`` when it is
  not ``None``;
- in production, refuse answers with ``answer.test`` true and never offer the
  ``dummy`` backend: its "signature" is a plain query parameter anyone can
  add (:func:`is_demo_backend`).
"""

from __future__ import annotations

import dataclasses
import logging
import re
import secrets
import string
import unicodedata
from decimal import Decimal, InvalidOperation
from typing import Any, Literal
from urllib.parse import urlencode, urlsplit

import eopayment

from cityviz.services.errors import DomainError, InvalidInput
from cityviz.services.inputs import bounded

logger = logging.getLogger(__name__)

Result = Literal["paid", "refused", "cancelled", "error", "waiting"]

RESULT_LABELS: dict[str, str] = {
    "paid": "Paiement accepté",
    "refused": "Paiement refusé",
    "cancelled": "Paiement annulé",
    "error": "Erreur lors du paiement",
    "waiting": "Paiement en cours de traitement",
}

DUMMY = "dummy"

# The backends a régie can choose, in the order of the settings page.
_CANDIDATES: dict[str, str] = {
    "payfip_ws": "PayFiP (DGFiP)",
    "tipi": "TIPI (ancien, remplacé par PayFiP)",
    "systempayv2": "SystemPay (Caisse d'Épargne, Banque Populaire)",
    "payzen": "PayZen (Lyra)",
    "paybox": "Paybox (Verifone / Crédit Agricole)",
    DUMMY: "Simulateur (démonstration)",
}


def _importable(kind: str) -> bool:
    try:
        eopayment.get_backend(kind)
    except Exception:  # noqa: BLE001 - a missing optional dependency (zeep…)
        logger.warning("eopayment backend %s unavailable", kind, exc_info=True)
        return False
    return True


SUPPORTED_BACKENDS: dict[str, str] = {k: v for k, v in _CANDIDATES.items() if _importable(k)}

BANK_MESSAGE_MAX = 2000  # OnlinePayment.bank_message


def is_demo_backend(kind: str) -> bool:
    """True for the simulator: never to be used with real money."""
    return kind == DUMMY


def backend_label(kind: str) -> str:
    return SUPPORTED_BACKENDS.get(kind, kind)


# ---------------------------------------------------------------------------
# Settings of a backend (for the régie settings form)


@dataclasses.dataclass(frozen=True)
class OptionSpec:
    """One setting of a backend, as the régie settings form shows it."""

    name: str  # key in the options dict given to eopayment
    label: str  # French
    required: bool = False
    default: str | bool | None = None
    kind: Literal["text", "secret", "bool", "choice", "url"] = "text"
    choices: tuple[tuple[str, str], ...] = ()  # (value, French label)
    help_text: str = ""


# Filled per payment by start_payment (return and notification URLs), or
# deprecated, or eopayment's own test fields, or per transaction.
_NOT_SETTINGS = {
    "normal_return_url",
    "automatic_return_url",
    "direct_notification_url",
    "next_url (replaced by normal_return_url)",
    "callback",
    "number",
    "choice",
    "choices",
    "capture_day",
    "manual_validation",
}

_SECRETS = {"secret_test", "secret_production", "shared_secret", "cle"}

# French labels and help (eopayment's captions are partly English).
_FRENCH: dict[str, dict[str, dict[str, Any]]] = {
    DUMMY: {
        "dummy_service_url": {
            "label": "Adresse du simulateur de banque",
            "help_text": "Page « Banque simulée » de l'application, par exemple "
            "http://localhost:3000/banque-simulee.",
            "kind": "url",
            "required": True,
            "default": None,
        },
        "origin": {
            "label": "Nom affiché sur la page de paiement",
            "default": "Cityviz Enfance",
        },
        "consider_all_response_signed": {
            "label": "Considérer toutes les réponses comme signées (essais locaux uniquement)",
        },
    },
    "payfip_ws": {
        "numcli": {
            "label": "Numéro client PayFiP",
            "help_text": "6 chiffres, fourni par la DGFiP.",
        },
        "saisie": {
            "label": "Mode",
            "choices": (("T", "Test"), ("X", "Activation"), ("W", "Production")),
        },
    },
    "tipi": {
        "numcli": {"label": "Numéro client TIPI", "help_text": "6 chiffres, fourni par la DGFiP."},
        "saisie": {
            "label": "Mode",
            "choices": (("T", "Test"), ("X", "Activation"), ("A", "Production")),
        },
    },
    "systempayv2": {
        "service_url": {
            "label": "Adresse du service de paiement",
            "help_text": "Ne pas modifier sauf indication de la banque.",
            "kind": "url",
        },
        "secret_test": {"label": "Clé de test"},
        "secret_production": {"label": "Clé de production"},
        "signature_algo": {"label": "Algorithme de signature"},
        "vads_ctx_mode": {
            "label": "Mode",
            "choices": (("TEST", "Test"), ("PRODUCTION", "Production")),
        },
        "vads_site_id": {"label": "Identifiant de la boutique", "help_text": "8 chiffres."},
        "vads_payment_config": {
            "label": "Type de paiement",
            "choices": (("SINGLE", "Paiement comptant"),),
        },
    },
    "paybox": {
        "platform": {
            "label": "Plateforme",
            "choices": (("test", "Test"), ("backup", "Secours"), ("prod", "Production")),
        },
        "site": {"label": "Numéro de site", "help_text": "7 chiffres, fourni par Paybox."},
        "rang": {"label": "Numéro de rang", "help_text": "2 ou 3 chiffres, fourni par Paybox."},
        "identifiant": {"label": "Identifiant Paybox"},
        "shared_secret": {"label": "Clé secrète HMAC", "help_text": "En hexadécimal."},
        "cle": {
            "label": "Clé Paybox Direct",
            "help_text": "Uniquement pour les annulations et remboursements.",
        },
        "devise": {"label": "Devise", "choices": (("978", "Euro"),)},
        "capture_mode": {
            "label": "Encaissement",
            "choices": (("IMMEDIATE", "Immédiat"), ("AUTHOR_CAPTURE", "Autorisation seule")),
        },
        "timezone": {"label": "Fuseau horaire"},
    },
}
_FRENCH["payzen"] = _FRENCH["systempayv2"]


def _require_backend(kind: str) -> type:
    if kind not in SUPPORTED_BACKENDS:
        raise InvalidInput(
            "Ce mode de paiement en ligne n'est pas pris en charge.", field="backend"
        )
    return eopayment.get_backend(kind)


def _parameters(kind: str) -> list[dict[str, Any]]:
    backend = _require_backend(kind)
    return [
        p
        for p in backend.description["parameters"]
        if p["name"] not in _NOT_SETTINGS
        and not p.get("deprecated")
        and p.get("scope", "global") == "global"
    ]


def backend_options(kind: str) -> list[OptionSpec]:
    """The settings of a backend, from eopayment's description, in French."""
    specs = []
    for p in _parameters(kind):
        name = p["name"]
        french = _FRENCH.get(kind, {}).get(name, {})
        choices = french.get("choices")
        if choices is None and p.get("choices"):
            choices = tuple(
                (str(c[0]), str(c[1])) if isinstance(c, (tuple, list)) else (str(c), str(c))
                for c in p["choices"]
            )
        if p.get("type") is bool:
            option_kind = "bool"
        elif name in _SECRETS:
            option_kind = "secret"
        elif choices:
            option_kind = "choice"
        else:
            option_kind = french.get("kind", "text")
        default = french.get("default", p.get("default"))
        if callable(default):
            default = None
        specs.append(
            OptionSpec(
                name=name,
                label=french.get("label") or str(p.get("caption") or name),
                required=bool(french.get("required", p.get("required", False))),
                default=default,
                kind=option_kind,
                choices=tuple(choices or ()),
                help_text=french.get("help_text", str(p.get("help_text") or "")),
            )
        )
    return specs


def check_options(kind: str, options: dict[str, Any]) -> dict[str, Any]:
    """The régie's settings, cleaned (known names only, trimmed); a French
    :class:`InvalidInput` naming the field when one is missing or invalid."""
    _require_backend(kind)
    by_name = {p["name"]: p for p in _parameters(kind)}
    cleaned: dict[str, Any] = {}
    for spec in backend_options(kind):
        value = options.get(spec.name)
        if isinstance(value, str):
            value = value.strip()
        if value in (None, ""):
            if spec.default not in (None, ""):
                cleaned[spec.name] = spec.default
            elif spec.required:
                raise InvalidInput(
                    f"Paramètre « {spec.label} » manquant pour {backend_label(kind)}.",
                    field=spec.name,
                )
            continue
        if spec.kind == "bool":
            value = value is True or str(value).lower() in {"1", "true", "oui", "on", "yes"}
        else:
            value = bounded(value, 2000, f"« {spec.label} »", spec.name)
            if spec.choices and value not in {c[0] for c in spec.choices}:
                raise InvalidInput(
                    f"Valeur non valide pour « {spec.label} ».", field=spec.name
                )
            if spec.kind == "url" and urlsplit(value).scheme not in ("http", "https"):
                raise InvalidInput(
                    f"« {spec.label} » doit être une adresse http(s).", field=spec.name
                )
            validation = by_name[spec.name].get("validation")
            if validation is not None:
                try:
                    valid = bool(validation(value))
                except Exception:  # noqa: BLE001 - eopayment's lambdas raise on odd input
                    valid = False
                if not valid:
                    raise InvalidInput(
                        f"Valeur non valide pour « {spec.label} ».", field=spec.name
                    )
        cleaned[spec.name] = value
    return cleaned


# ---------------------------------------------------------------------------
# Amounts


def cents_to_decimal(amount_cents: int) -> Decimal:
    """1999 -> Decimal('19.99'), 30 -> Decimal('0.30'): exact, two places."""
    if isinstance(amount_cents, bool) or not isinstance(amount_cents, int):
        raise InvalidInput("Le montant doit être un nombre entier de centimes.", field="amount")
    return Decimal(amount_cents).scaleb(-2)


def _decimal_to_cents(value: Decimal) -> int | None:
    if not value.is_finite():
        return None
    cents = value * 100
    if cents != cents.to_integral_value():
        return None
    return int(cents)


def format_euros(amount_cents: int) -> str:
    """1240 -> '12,40 €' (no-break space before the sign; integers only)."""
    sign = "-" if amount_cents < 0 else ""
    whole, cents = divmod(abs(amount_cents), 100)
    grouped = f"{whole:,}".replace(",", "\u202f")
    return f"{sign}{grouped},{cents:02d}\u00a0€"


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
_REFERENCE_RE = re.compile(r"^[A-Za-z0-9]{6,30}$")


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
    if not _REFERENCE_RE.match(transaction_id or ""):
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

    payment = eopayment.Payment(kind, settings, logger=logger)
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
    return _decimal_to_cents(value)


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
    payment = eopayment.Payment(kind, settings, logger=logger)
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
