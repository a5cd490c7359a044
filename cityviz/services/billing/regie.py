"""The régie: what an organization's invoices carry (legal mentions, due
period) and how they are paid (online payment backend, SEPA creditor), plus
the school zone its term-time activities follow."""

from __future__ import annotations

import dataclasses
import json

from sqlmodel import Session, select

from cityviz import config
from cityviz.models import Activity, Organization
from cityviz.services import audit
from cityviz.services.accounts.actor import Actor
from cityviz.services.billing import journal, online_payment, sepa
from cityviz.services.booking import activities
from cityviz.services.errors import InvalidInput
from cityviz.services.inputs import bounded


@dataclasses.dataclass(frozen=True)
class RegieSettings:
    legal_name: str
    legal_address: str
    siret: str
    invoice_due_days: int
    payment_backend: str
    payment_options: dict[str, str]
    sepa_creditor_id: str
    sepa_iban: str
    sepa_bic: str
    direct_debit_day: int
    school_zone: str
    reminder_every_days: int = 0  # automatic reminders of unpaid invoices (0: none)
    email_invoice_pdf: bool = False  # invoice and credit note e-mails carry the PDF
    backend_choices: tuple[tuple[str, str], ...] = ()  # (value, French label) the form offers
    on_simulator: bool = False  # the town is on the bank simulator: the page warns in red


SIMULATOR_REFUSED = ("Le simulateur de banque ne sert qu'aux démonstrations : n'importe qui pourrait y simuler "
                     "un paiement. Choisissez le service de paiement de votre banque ou de la DGFiP.")
UNVERIFIED_REFUSED = ("Ce service de paiement ne signe pas ses réponses : un faux avis de paiement ne pourrait "
                      "pas être reconnu. Choisissez PayFiP ou le service de votre banque.")


def backend_choices(current: str) -> tuple[tuple[str, str], ...]:
    """What the « Paiement en ligne » list offers: none, the backends allowed here, and the
    current one even when it is no longer allowed (the page warns; saving it is refused)."""
    offered = online_payment.offered_backends(demo=config.get().demo_payments)
    if current and current not in offered:
        offered = {**offered, current: online_payment.backend_label(current) + " — non autorisé"}
    return (("", "Pas de paiement en ligne"), *offered.items())


def regie_settings(s: Session, *, actor: Actor, organization_id: int) -> RegieSettings:
    actor.require_capability(organization_id, "regie")
    org = s.get(Organization, organization_id)
    options = {k: str(v) for k, v in json.loads(org.payment_options or "{}").items()}
    return RegieSettings(org.legal_name, org.legal_address, org.siret, org.invoice_due_days, org.payment_backend,
                         options, org.sepa_creditor_id, org.sepa_iban, org.sepa_bic, org.direct_debit_day,
                         org.school_zone, org.reminder_every_days, org.email_invoice_pdf,
                         backend_choices(org.payment_backend), online_payment.is_demo_backend(org.payment_backend))


def save_regie(s: Session, *, actor: Actor, organization_id: int, legal_name: str, legal_address: str, siret: str,
               invoice_due_days: int, payment_backend: str, payment_options: dict, sepa_creditor_id: str = "",
               sepa_iban: str = "", sepa_bic: str = "", direct_debit_day: int = 10, school_zone: str = "",
               reminder_every_days: int | None = None, email_invoice_pdf: bool | None = None) -> None:
    """The organization's legal mentions and payment settings (its administrators only)."""
    actor.require_capability(organization_id, "regie")
    org = s.get(Organization, organization_id)
    legal_name = bounded(legal_name, 200, "Nom de la régie", "legal_name")
    legal_address = bounded(legal_address, 300, "Adresse de la régie", "legal_address", multiline=True)
    if not legal_name:
        raise InvalidInput("Indiquez le nom de la régie tel qu'il figure sur les factures.", field="legal_name")
    siret = siret.replace(" ", "")
    if siret and (not siret.isdigit() or len(siret) != 14):
        raise InvalidInput("Le SIRET compte 14 chiffres.", field="siret")
    if not 0 <= invoice_due_days <= 90:
        raise InvalidInput("Le délai de paiement est compris entre 0 et 90 jours.", field="invoice_due_days")
    if not 1 <= direct_debit_day <= 28:
        raise InvalidInput("Le jour de prélèvement est compris entre 1 et 28.", field="direct_debit_day")
    if reminder_every_days is not None and not (reminder_every_days == 0 or 7 <= reminder_every_days <= 90):
        raise InvalidInput("Les relances automatiques ont lieu tous les 7 à 90 jours (0 : aucune).",
                           field="reminder_every_days")
    if school_zone not in ("", "A", "B", "C"):
        raise InvalidInput("Zone de vacances scolaires inconnue.", field="school_zone")
    if payment_backend and payment_backend not in online_payment.SUPPORTED_BACKENDS:
        raise InvalidInput("Service de paiement inconnu.", field="payment_backend")
    if payment_backend and not online_payment.accepts_answers(payment_backend, demo=config.get().demo_payments):
        raise InvalidInput(SIMULATOR_REFUSED if online_payment.is_demo_backend(payment_backend)
                           else UNVERIFIED_REFUSED, field="payment_backend")
    options: dict = {}
    if payment_backend:
        checked = dict(payment_options)
        if payment_backend == online_payment.DUMMY and not checked.get("dummy_service_url"):
            # The simulator is a page of this application: its address is known at run time.
            checked["dummy_service_url"] = f"{config.get().public_url}/banque-simulee"
            options = {k: v for k, v in online_payment.check_options(payment_backend, checked).items()
                       if k != "dummy_service_url"}
        else:
            options = online_payment.check_options(payment_backend, checked)
    before = _money_settings(org)
    org.legal_name, org.legal_address, org.siret = legal_name, legal_address, siret
    org.invoice_due_days, org.direct_debit_day = invoice_due_days, direct_debit_day
    if reminder_every_days is not None:
        org.reminder_every_days = reminder_every_days
    if email_invoice_pdf is not None:
        org.email_invoice_pdf = bool(email_invoice_pdf)
    zone_changed = org.school_zone != school_zone
    org.school_zone = school_zone
    org.payment_backend, org.payment_options = payment_backend, json.dumps(options, default=str)
    org.sepa_creditor_id = sepa.normalize_creditor_id(sepa_creditor_id) if sepa_creditor_id.strip() else ""
    org.sepa_iban = sepa.normalize_iban(sepa_iban) if sepa_iban.strip() else ""
    org.sepa_bic = sepa.normalize_bic(sepa_bic) if sepa_bic.strip() else ""
    s.add(org)
    if zone_changed:  # term-time activities follow the zone's holidays
        s.flush()
        for activity in s.exec(select(Activity).where(Activity.organization_id == organization_id,
                                                      Activity.school_period != "all")).all():
            activities.sync_sessions(s, activity)
    audit.record(s, actor=actor, action="regie.save", organization_id=organization_id, object_type="organization",
                 object_id=organization_id, payment_backend=payment_backend)
    changed = [label for label, value in _money_settings(org).items() if before.get(label) != value]
    if changed:
        journal.record(s, actor=actor, organization_id=organization_id, kind="settings",
                       label="Modifié : " + ", ".join(changed))


def _money_settings(org: Organization) -> dict[str, str]:
    """The settings a régisseur answers for, as the journal names them."""
    return {"nom de la régie": org.legal_name, "adresse": org.legal_address, "SIRET": org.siret,
            "délai de paiement": str(org.invoice_due_days), "service de paiement en ligne": org.payment_backend,
            "paramètres du paiement en ligne": org.payment_options, "identifiant créancier SEPA": org.sepa_creditor_id,
            "IBAN de la régie": org.sepa_iban, "BIC de la régie": org.sepa_bic,
            "jour de prélèvement": str(org.direct_debit_day), "relances automatiques": str(org.reminder_every_days)}
