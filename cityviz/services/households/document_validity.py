"""Documents that expire: each required document says how long it stays valid.

- `school_year`: until the 31 August that ends the school year the document was sent
  for — from June on, a document counts for the year starting in September (re-enrolment);
- `calendar_year`: until the 31 December of the year it was sent;
- `months`: N months from its date (the day it was sent), e.g. a proof of address of
  less than 3 months;
- `unlimited`: no limit.
An accepted document past its last day is « expirée »: the dossier needs it again from
that day. Families are told 30 days before (a card on the home page and an e-mail),
and may send the new one from then on.
"""

from __future__ import annotations

import calendar
import dataclasses
from datetime import date, datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, col, func, select

from cityviz import clock, config, db, jobs
from cityviz.models import Document, DocumentRequirement, Enrollment, Household, Person, User
from cityviz.services import email as mail
from cityviz.services.accounts.actor import Actor
from cityviz.services.formatting import format_date

VALIDITIES = {"unlimited": "Sans limite", "school_year": "L'année scolaire", "calendar_year": "L'année civile",
              "months": "Un nombre de mois à partir de sa date"}
MAX_MONTHS = 120
RENEW_WINDOW = timedelta(days=30)  # the family is told, and may renew, this long before


def add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def last_valid_day(validity: str, months: int, document_date: date) -> date | None:
    if validity == "school_year":
        return date(document_date.year + (1 if document_date.month >= 6 else 0), 8, 31)
    if validity == "calendar_year":
        return date(document_date.year, 12, 31)
    if validity == "months":
        return add_months(document_date, months) - timedelta(days=1)
    return None


def document_date(uploaded_at: datetime) -> date:
    return uploaded_at.astimezone(clock.PARIS).date()


def valid_until_for(requirement: DocumentRequirement, document: Document) -> date | None:
    return last_valid_day(requirement.validity, requirement.validity_months, document_date(document.uploaded_at))


def describe(validity: str, months: int) -> str:
    if validity == "months":
        return f"Valable {months} mois à partir de sa date"
    return {"unlimited": "Sans limite de validité", "school_year": "Valable l'année scolaire",
            "calendar_year": "Valable l'année civile"}[validity]


def is_expired(document: Document | None, today: date) -> bool:
    return (document is not None and document.status == "accepted" and document.valid_until is not None
            and document.valid_until < today)


def renewable(document: Document | None, today: date) -> bool:
    """Expired, or expiring within the window: the family may send the new one."""
    return (document is not None and document.status == "accepted" and document.valid_until is not None
            and document.valid_until < today + RENEW_WINDOW)


def refresh_requirement(s: Session, requirement: DocumentRequirement) -> None:
    """A requirement's validity changed: its accepted documents' last day follows."""
    accepted = s.exec(select(Document).where(Document.requirement_id == requirement.id,
                                             Document.status == "accepted",
                                             col(Document.superseded_at).is_(None))).all()
    for document in accepted:
        until = valid_until_for(requirement, document)
        if until != document.valid_until:
            document.valid_until, document.expiry_notice_at = until, None
            s.add(document)


# --- What is about to expire ------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class ExpiringDocument:
    document_id: int
    household_id: int
    family: str  # the household's guardians
    person: str  # the child, or "" for a household document
    requirement: str
    valid_until: str
    expired: bool


def _expiring_query(today: date, within: timedelta):
    return (select(Document, DocumentRequirement)
            .join(DocumentRequirement, DocumentRequirement.id == Document.requirement_id)
            .where(Document.status == "accepted", col(Document.superseded_at).is_(None),
                   col(Document.valid_until).is_not(None), col(Document.valid_until) < today + within,
                   DocumentRequirement.active == True))  # noqa: E712


def expiring_documents(s: Session, *, actor: Actor, organization_id: int, days: int = 60, page: int = 0,
                       per_page: int = 30) -> tuple[list[ExpiringDocument], int]:
    """Staff: the organization's accepted documents that expired or will within `days`, soonest first,
    for families still enrolled."""
    actor.require_capability(organization_id, "documents")
    if not 1 <= days <= 366:
        days = 60
    enrolled = select(Enrollment.household_id).where(Enrollment.organization_id == organization_id)
    query = _expiring_query(clock.today(), timedelta(days=days)).where(
        DocumentRequirement.organization_id == organization_id, col(Document.household_id).in_(enrolled))
    total = s.exec(select(func.count()).select_from(query.subquery())).one()
    rows = s.exec(query.order_by(Document.valid_until, Document.id).offset(page * per_page).limit(per_page)).all()
    household_ids = {d.household_id for d, _r in rows}
    person_ids = {d.person_id for d, _r in rows if d.person_id}
    people = s.exec(select(Person).where(col(Person.household_id).in_(household_ids) | col(Person.id).in_(person_ids))
                    .order_by(Person.id)).all() if rows else []
    names = {p.id: f"{p.last_name} {p.first_name}" for p in people}
    families: dict[int, list[str]] = {}
    for p in people:
        if p.role == "guardian":
            families.setdefault(p.household_id, []).append(f"{p.first_name} {p.last_name}")
    today = clock.today()
    return [ExpiringDocument(
        document_id=d.id, household_id=d.household_id, family=" et ".join(families.get(d.household_id, [])[:2]),
        person=names.get(d.person_id, "") if d.person_id else "", requirement=r.name,
        valid_until=format_date(d.valid_until), expired=d.valid_until < today) for d, r in rows], total


def household_expiring(s: Session, household_id: int, today: date) -> list[tuple[Document, DocumentRequirement]]:
    """The household's documents to renew now (expired or within the window)."""
    return list(s.exec(_expiring_query(today, RENEW_WINDOW).where(Document.household_id == household_id)
                       .order_by(Document.valid_until)).all())


def expiry_sentence(requirement: DocumentRequirement, document: Document, today: date,
                    person_name: str = "") -> str:
    whose = f" ({person_name})" if person_name else ""
    verb = "a expiré le" if document.valid_until < today else "expire le"
    return f"« {requirement.name} »{whose} {verb} {format_date(document.valid_until)}"


# --- The e-mail, 30 days before -----------------------------------------------------------------

def send_expiry_notices(s: Session, *, limit: int = 500) -> int:
    """One e-mail per household listing its documents entering the window; each document once."""
    today = clock.today()
    rows = s.exec(_expiring_query(today, RENEW_WINDOW).where(col(Document.expiry_notice_at).is_(None),
                                                             col(Document.valid_until) >= today)
                  .order_by(Document.household_id, Document.valid_until).limit(limit)).all()
    by_household: dict[int, list[tuple[Document, DocumentRequirement]]] = {}
    for document, requirement in rows:
        by_household.setdefault(document.household_id, []).append((document, requirement))
    children = dict(s.exec(select(Person.id, Person.first_name).where(
        col(Person.id).in_({d.person_id for d, _r in rows if d.person_id}))).all()) if rows else {}
    anonymised = set(s.exec(select(Household.id).where(col(Household.id).in_(by_household),
                                                       col(Household.anonymised_at).is_not(None))).all())
    for household_id, items in by_household.items():
        if household_id in anonymised:
            continue
        lines = "\n".join("- " + expiry_sentence(r, d, today, children.get(d.person_id, "")) for d, r in items)
        for address in s.exec(select(User.email).join(Person, Person.id == User.person_id)
                              .where(Person.household_id == household_id, User.is_active == True)).all():  # noqa: E712
            mail.queue_email(s, to=address, subject="Pièces justificatives à renouveler",
                             organization_id=items[0][1].organization_id,
                             body=(f"Bonjour,\n\nCes pièces de votre dossier arrivent à expiration :\n{lines}\n\n"
                                   "Envoyez la nouvelle version depuis votre dossier d'inscription :\n"
                                   f"{config.get().public_url}/\n"))
    if rows:
        s.execute(update(Document).where(col(Document.id).in_([d.id for d, _r in rows]))
                  .values(expiry_notice_at=clock.now()))
    return len(rows)


@jobs.job("households.document_expiry", label="Pièces justificatives bientôt expirées (e-mails)",
          schedule="0 7 * * *", retries=3)
def document_expiry_job(ctx: jobs.JobContext) -> str:
    with db.transaction() as s:
        sent = send_expiry_notices(s)
    return f"{sent} pièce(s) signalée(s) aux familles."
