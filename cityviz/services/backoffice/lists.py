"""Exports staff open in a spreadsheet (CSV or Excel), with filters: families, children with
their allergies, registrations, invoices, payments. Each list needs the capability of the work
it belongs to; every cell goes through services/exports.py."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlmodel import Session, col, func, select

from cityviz import clock
from cityviz.models import Activity, ActivityRegistration, Household, Invoice, Payment, Person
from cityviz.services.accounts.actor import Actor
from cityviz.services.billing import invoices, ledger
from cityviz.services.billing.periods import month_bounds
from cityviz.services.booking.registrations import STATUS_LABELS as REGISTRATION_LABELS
from cityviz.services.errors import InvalidInput
from cityviz.services.exports import csv_bytes, xlsx_bytes
from cityviz.services.formatting import format_date
from cityviz.services.households import scope

# what -> (label, capability)
LISTS = {
    "families": ("Familles", "families"),
    "children": ("Enfants, allergies et régimes", "families"),
    "registrations": ("Inscriptions aux activités", "activities"),
    "invoices": ("Factures", "billing"),
    "payments": ("Paiements", "billing"),
}
MAX_ROWS = 50_000


def _families(s: Session, org: int, search: str, **_f) -> tuple[Sequence[str], Iterable]:
    conditions = [scope.known_to(org)]
    if search:
        conditions.append(col(Household.id).in_(select(Person.household_id).where(
            func.lower(Person.last_name).like(f"%{search.lower()}%"))))
    rows = s.exec(select(Household, Person).join(Person, Person.household_id == Household.id)
                  .where(*conditions, Person.role == "guardian").order_by(Person.last_name, Person.first_name)
                  .limit(MAX_ROWS)).all()
    return (["Nom", "Prénom", "E-mail", "Téléphone", "Adresse", "Code postal", "Ville"],
            ([p.last_name, p.first_name, p.email, p.phone_mobile, h.street, h.postal_code, h.city] for h, p in rows))


def _children(s: Session, org: int, search: str, allergies_only: bool, **_f) -> tuple[Sequence[str], Iterable]:
    conditions = [col(Person.household_id).in_(select(Household.id).where(scope.known_to(org))),
                  Person.role == "child"]
    if search:
        conditions.append(func.lower(Person.last_name).like(f"%{search.lower()}%"))
    if allergies_only:
        conditions.append(Person.allergies != "")
    rows = s.exec(select(Person).where(*conditions).order_by(Person.last_name, Person.first_name)
                  .limit(MAX_ROWS)).all()
    return (["Nom", "Prénom", "Date de naissance", "Classe", "Allergies et régime", "Informations médicales"],
            ([p.last_name, p.first_name, format_date(p.birth_date) if p.birth_date else "", p.school_level,
              p.allergies, p.medical_notes] for p in rows))


def _registrations(s: Session, org: int, search: str, status: str, **_f) -> tuple[Sequence[str], Iterable]:
    conditions = [Activity.organization_id == org]
    if status:
        if status not in REGISTRATION_LABELS:
            raise InvalidInput("Filtre d'état inconnu.", field="status")
        conditions.append(ActivityRegistration.status == status)
    if search:
        conditions.append(func.lower(Activity.name).like(f"%{search.lower()}%"))
    rows = s.exec(select(ActivityRegistration, Activity.name, Person)
                  .join(Activity, Activity.id == ActivityRegistration.activity_id)
                  .join(Person, Person.id == ActivityRegistration.child_id).where(*conditions)
                  .order_by(Activity.name, Person.last_name, Person.first_name).limit(MAX_ROWS)).all()
    return (["Activité", "Nom", "Prénom", "Classe", "État", "Demandée le"],
            ([name, p.last_name, p.first_name, p.school_level, REGISTRATION_LABELS[r.status],
              format_date(r.requested_at.astimezone(clock.PARIS).date())] for r, name, p in rows))


def _invoices(s: Session, org: int, search: str, status: str, month: str, **_f) -> tuple[Sequence[str], Iterable]:
    rows = s.exec(select(Invoice).where(*invoices.list_conditions(org, search, status, month))
                  .order_by(Invoice.number).limit(MAX_ROWS)).all()
    remaining = ledger.remaining_by_invoice(s, rows)
    return (["Numéro", "Libellé", "Payeur", "Émise le", "Échéance", "Montant (€)", "Reste à payer (€)"],
            ([i.number, i.label, i.payer_name, format_date(i.issued_at.astimezone(clock.PARIS).date()), format_date(i.due_date),
              i.total_cents / 100, remaining[i.id] / 100] for i in rows))


def _payments(s: Session, org: int, month: str, **_f) -> tuple[Sequence[str], Iterable]:
    conditions = [Payment.organization_id == org]
    if month:
        start, end = month_bounds(month)
        conditions += [Payment.received_on >= start, Payment.received_on <= end]
    rows = s.exec(select(Payment, func.min(Person.last_name)).join(Person, Person.household_id == Payment.household_id)
                  .where(*conditions, Person.role == "guardian").group_by(Payment.id)
                  .order_by(Payment.received_on, Payment.id).limit(MAX_ROWS)).all()
    return (["Reçu le", "Famille", "Mode", "Référence", "Montant (€)", "Annulé"],
            ([format_date(p.received_on), name, invoices.METHOD_LABELS.get(p.method, p.method), p.reference,
              p.amount_cents / 100, "oui" if p.reversed_at else ""] for p, name in rows))


_BUILDERS = {"families": _families, "children": _children, "registrations": _registrations, "invoices": _invoices,
             "payments": _payments}


def export_list(s: Session, *, actor: Actor, organization_id: int, what: str, file_format: str = "csv",
                search: str = "", status: str = "", month: str = "", allergies_only: bool = False) -> tuple[bytes, str]:
    """(file content, file name) of one list, filtered."""
    if what not in LISTS:
        raise InvalidInput("Liste inconnue.", field="what")
    actor.require_capability(organization_id, LISTS[what][1])
    if file_format not in ("csv", "xlsx"):
        raise InvalidInput("Format inconnu (CSV ou Excel).", field="file_format")
    header, rows = _BUILDERS[what](s, organization_id, search=" ".join(str(search or "").split()), status=status,
                                   month=month, allergies_only=allergies_only)
    name = f"{what}-{clock.today().isoformat()}.{file_format}"
    if file_format == "xlsx":
        return xlsx_bytes(header, rows, title=LISTS[what][0]), name
    return csv_bytes(header, rows), name
