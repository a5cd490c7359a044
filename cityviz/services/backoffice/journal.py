"""« Journal »: the staff's decisions, read from the audit log (who, when, what), filtered and
exported; and the history on a family's page. Each kind of decision is shown only to the roles
whose work it is (the régisseur sees money, an agent families and activities, the
administrator everything). The régie's money journal is another page."""

from __future__ import annotations

import dataclasses
import json
from datetime import date, datetime, time, timedelta

from sqlalchemy import or_
from sqlmodel import Session, col, func, select

from cityviz import clock
from cityviz.models import AuditEntry, Person, User
from cityviz.services.accounts.actor import Actor
from cityviz.services.errors import InvalidInput
from cityviz.services.exports import csv_bytes
from cityviz.services.formatting import format_datetime, format_money
from cityviz.services.households import families

# category -> (label, capability needed to read it, action prefixes)
CATEGORIES: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "dossier": ("Dossiers et familles", "families",
                ("enrollment.", "family.", "account.deletion", "household.", "account.invite")),  # a family's
    "document": ("Documents", "documents", ("document.", "requirement.")),
    "inscription": ("Inscriptions aux activités", "activities", ("registration.",)),
    "reservation": ("Réservations et pointage", "bookings", ("booking.", "attendance.")),
    "fermeture": ("Activités et fermetures", "activities", ("closure.", "activity.", "session.")),
    "argent": ("Argent", "billing", ("billing.", "invoice.", "credit_note.", "payment.", "direct_debit.",
                                     "mandate.", "regie.")),
    "role": ("Équipe", "team", ("staff.",)),
    "import": ("Imports", "families", ("import.",)),
    "message": ("Messagerie", "messages", ("message.",)),
}

ACTION_LABELS = {
    "enrollment.validate": "Dossier validé", "enrollment.reject": "Dossier refusé",
    "family.create": "Famille créée", "account.invite": "Invitation envoyée",
    "account.deletion_confirmed": "Suppression de compte confirmée",
    "account.deletion_refused": "Suppression de compte refusée",
    "account.deletion_requested": "Suppression de compte demandée", "household.anonymised": "Données effacées",
    "document.accept": "Pièce acceptée", "document.refuse": "Pièce refusée",
    "requirement.save": "Pièce demandée enregistrée", "requirement.activate": "Pièce demandée réactivée",
    "requirement.retire": "Pièce demandée retirée",
    "registration.validated": "Inscription validée", "registration.refused": "Inscription refusée",
    "registration.waiting": "Inscription en liste d'attente",
    "attendance.mark": "Pointage", "session.capacity": "Places d'une date modifiées",
    "closure.create": "Fermeture", "closure.lift": "Fermeture levée", "activity.save": "Activité enregistrée",
    "billing.start": "Émission des factures lancée", "billing.issued": "Factures émises",
    "invoice.reminder": "Relance d'impayé", "credit_note.issue": "Avoir émis",
    "payment.record": "Paiement enregistré", "payment.refund": "Remboursement", "payment.online": "Paiement en ligne",
    "payment.amount_mismatch": "Paiement en ligne refusé (montant)", "direct_debit.export": "Fichier SEPA exporté",
    "direct_debit.paid": "Prélèvement payé", "direct_debit.rejected": "Prélèvement rejeté",
    "mandate.save": "Mandat SEPA enregistré", "regie.save": "Réglages de la régie",
    "staff.invite": "Collègue invité", "staff.role": "Rôle modifié", "staff.remove": "Collègue retiré",
    "import.families": "Familles importées",
    "message.activity": "Message à toutes les familles d'une activité",
}
_DETAIL_LABELS = {"reason": "motif", "role": "rôle", "before": "avant", "capacity": "places", "email": "e-mail",
                  "month": "mois", "number": "n°", "invoice": "facture", "name": "nom", "dates": "dates",
                  "status": "état", "reference": "référence", "created": "créées", "updated": "mises à jour", "method": "mode",
                  "activity": "activité", "subject": "objet", "families": "familles"}
PER_PAGE = 50


def _visible(actor: Actor, organization_id: int) -> list[str]:
    return [key for key, (_label, capability, _p) in CATEGORIES.items() if actor.can(organization_id, capability)]


def categories(s: Session, *, actor: Actor, organization_id: int) -> list[list[str]]:
    """[key, label] of the categories the actor may read (for the filter)."""
    actor.require_capability(organization_id, "journal")
    return [[key, CATEGORIES[key][0]] for key in _visible(actor, organization_id)]


# An invitation is a family's business when it concerns a household, the team's otherwise.
_TEAM_INVITE = (AuditEntry.action == "account.invite") & col(AuditEntry.household_id).is_(None)


def _conditions(keys: list[str]) -> list:
    prefixes = [p for key in keys for p in CATEGORIES[key][2]]
    if not prefixes:
        return [AuditEntry.id < 0]
    matches = or_(*[col(AuditEntry.action).startswith(p) for p in prefixes])
    if "role" in keys:
        matches = matches | _TEAM_INVITE
    if "dossier" in keys and "role" not in keys:
        matches = matches & ~_TEAM_INVITE
    return [matches]


@dataclasses.dataclass(frozen=True)
class JournalRow:
    id: int
    at: str
    who: str
    category: str
    what: str
    family: str
    household_id: int
    details: str


def _details(raw: str) -> str:
    try:
        values = json.loads(raw or "{}")
    except ValueError:
        return ""
    parts = []
    for key, value in values.items():
        if value in (None, "", [], {}) or key not in _DETAIL_LABELS and not key.endswith("_cents"):
            continue
        shown = format_money(value) if key.endswith("_cents") and isinstance(value, int) else value
        parts.append(f"{_DETAIL_LABELS.get(key, 'montant')} : {shown}")
    return " · ".join(str(p) for p in parts)


def _category_of(action: str, household_id: int | None) -> str:
    if action == "account.invite" and household_id is None:
        return CATEGORIES["role"][0]
    return next((label for label, _c, prefixes in CATEGORIES.values() if action.startswith(prefixes)), "")


def _rows(s: Session, entries: list[AuditEntry]) -> list[JournalRow]:
    users = dict(s.exec(select(User.id, User.display_name).where(
        col(User.id).in_({e.actor_id for e in entries if e.actor_id}))).all()) if entries else {}
    families = dict(s.exec(select(Person.household_id, func.min(Person.last_name)).where(
        col(Person.household_id).in_({e.household_id for e in entries if e.household_id}),
        Person.role == "guardian").group_by(Person.household_id)).all()) if entries else {}
    return [JournalRow(
        id=e.id, at=format_datetime(e.at), who=users.get(e.actor_id, "") or ("Système" if e.actor_id is None else ""),
        category=_category_of(e.action, e.household_id), what=ACTION_LABELS.get(e.action, e.action),
        family=families.get(e.household_id, "") if e.household_id else "", household_id=e.household_id or 0,
        details=_details(e.details)) for e in entries]


def _period(start: date | None, end: date | None) -> list:
    if start and end and end < start:
        raise InvalidInput("La date de fin doit suivre la date de début.", field="end")
    conditions = []
    if start:
        conditions.append(AuditEntry.at >= datetime.combine(start, time(), clock.PARIS))
    if end:
        conditions.append(AuditEntry.at < datetime.combine(end + timedelta(days=1), time(), clock.PARIS))
    return conditions


def _query(actor: Actor, organization_id: int, category: str, start: date | None, end: date | None,
           who: int) -> list:
    visible = _visible(actor, organization_id)
    if category and category not in visible:
        raise InvalidInput("Catégorie inconnue.", field="category")
    conditions = [AuditEntry.organization_id == organization_id, *_conditions([category] if category else visible),
                  *_period(start, end)]
    if who:
        conditions.append(AuditEntry.actor_id == who)
    return conditions


def list_entries(s: Session, *, actor: Actor, organization_id: int, category: str = "", start: date | None = None,
                 end: date | None = None, who: int = 0, page: int = 0) -> tuple[list[JournalRow], int]:
    """The newest decisions first, one page, filtered by category, period and author."""
    actor.require_capability(organization_id, "journal")
    conditions = _query(actor, organization_id, category, start, end, who)
    total = s.exec(select(func.count()).select_from(AuditEntry).where(*conditions)).one()
    entries = s.exec(select(AuditEntry).where(*conditions).order_by(col(AuditEntry.at).desc(),
                                                                    col(AuditEntry.id).desc())
                     .offset(max(page, 0) * PER_PAGE).limit(PER_PAGE)).all()
    return _rows(s, list(entries)), total


def authors(s: Session, *, actor: Actor, organization_id: int) -> list[list[str]]:
    """[user id, name] of those who appear in the organization's journal (for the filter)."""
    actor.require_capability(organization_id, "journal")
    rows = s.exec(select(User.id, User.display_name, User.email).where(col(User.id).in_(
        select(AuditEntry.actor_id).where(AuditEntry.organization_id == organization_id).distinct()))
        .order_by(User.display_name)).all()
    return [[str(i), name or email] for i, name, email in rows]


def entries_csv(s: Session, *, actor: Actor, organization_id: int, category: str = "", start: date | None = None,
                end: date | None = None, who: int = 0) -> bytes:
    """The filtered journal for a spreadsheet (at most 50,000 lines, newest first)."""
    actor.require_capability(organization_id, "journal")
    conditions = _query(actor, organization_id, category, start, end, who)
    entries = s.exec(select(AuditEntry).where(*conditions).order_by(col(AuditEntry.at).desc(),
                                                                    col(AuditEntry.id).desc()).limit(50_000)).all()
    return csv_bytes(["Date", "Qui", "Catégorie", "Décision", "Famille", "Détails"],
                     ([r.at, r.who, r.category, r.what, r.family, r.details] for r in _rows(s, list(entries))))


def household_history(s: Session, *, actor: Actor, organization_id: int, household_id: int) -> list[JournalRow]:
    """A family's page: the decisions about this household in this organization, newest first."""
    families.family_name(s, actor=actor, organization_id=organization_id, household_id=household_id)  # known to it
    entries = s.exec(select(AuditEntry).where(
        AuditEntry.organization_id == organization_id, AuditEntry.household_id == household_id,
        *_conditions(_visible(actor, organization_id))).order_by(col(AuditEntry.at).desc(), col(AuditEntry.id).desc())
        .limit(200)).all()
    return _rows(s, list(entries))
