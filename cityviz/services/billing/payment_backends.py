"""The online payment backends a régie can choose (through eopayment), their
settings as the « Régie » form shows them, and amounts as the banks take them.
No database access here; see online_payment.py for the whole round trip."""

from __future__ import annotations

import dataclasses
import logging
from decimal import Decimal
from typing import Any, Literal
from urllib.parse import urlsplit

import eopayment

from cityviz.services.errors import InvalidInput
from cityviz.services.inputs import bounded

logger = logging.getLogger(__name__)


class _WithoutSettings(logging.Filter):
    """eopayment logs every setting it is given at debug level, the bank's shared secret among
    them: that record never reaches a log, whatever level a town sets."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("initializing with options")


# The logger handed to eopayment (its diagnostics under our name, without the settings).
EOPAYMENT_LOG = logging.getLogger(f"{__name__}.eopayment")
EOPAYMENT_LOG.addFilter(_WithoutSettings())

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

# Backends whose answers eopayment authenticates before it calls them signed:
# a signature checked with the régie's key (SystemPay, PayZen, Paybox) or a
# question asked to the DGFiP's web service (PayFiP). eopayment's TIPI and
# dummy backends call anything signed: a hand-made POST would pay an invoice.
VERIFYING_BACKENDS = frozenset({"payfip_ws", "systempayv2", "payzen", "paybox"})


def is_demo_backend(kind: str) -> bool:
    """True for the simulator: never to be used with real money."""
    return kind == DUMMY


def accepts_answers(kind: str, *, demo: bool) -> bool:
    """Whether a payment may be started with, and recorded from, this backend:
    one that verifies the bank's answers, or the simulator in a demonstration
    (setting CITYVIZ_DEMO_PAYMENTS)."""
    return kind in SUPPORTED_BACKENDS and (kind in VERIFYING_BACKENDS or (demo and kind == DUMMY))


def offered_backends(*, demo: bool) -> dict[str, str]:
    """The backends a régie may choose, in the order of the settings page."""
    return {k: v for k, v in SUPPORTED_BACKENDS.items() if accepts_answers(k, demo=demo)}


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


def decimal_to_cents(value: Decimal) -> int | None:
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
