"""Dossiers d'inscription, staff side: list, review documents, decide."""

from __future__ import annotations

import dataclasses

from sqlmodel import Session, col, func, or_, select

from cityviz import clock, config
from cityviz.models import (
    Document,
    DocumentRequirement,
    Enrollment,
    EnrollmentEvent,
    Household,
    Organization,
    Person,
    User,
)
from cityviz.services import audit
from cityviz.services.accounts.actor import Actor
from cityviz.services.errors import Conflict, InvalidInput
from cityviz.services.formatting import format_date, format_datetime
from cityviz.services.households import authorizations, documents, scope
from cityviz.services.households.dossiers import missing_documents
from cityviz.services.households.people import format_phone
from cityviz.services.inputs import bounded

STAFF_STATUS_LABELS = {"draft": "Brouillon", "submitted": "À valider", "validated": "Validé",
                       "rejected": "Refusé"}
PER_PAGE = 20


@dataclasses.dataclass(frozen=True)
class DossierRow:
    id: int
    person_name: str
    kind: str
    status: str
    status_label: str
    when: str


def list_dossiers(s: Session, *, actor: Actor, organization_id: int, status: str = "submitted",
                  search: str = "", page: int = 0) -> tuple[list[DossierRow], int]:
    """One page of the organization's dossiers, newest first; filtered and counted in SQL."""
    actor.require_capability(organization_id, "families")
    conditions = [Enrollment.organization_id == organization_id]
    if status in STAFF_STATUS_LABELS:
        conditions.append(Enrollment.status == status)
    prefix = " ".join(str(search or "").split()).upper()
    if prefix:
        # Family names are stored in capitals: a range on the indexed column,
        # portable and fast (no lower() that would hide the index).
        conditions += [Person.last_name >= prefix, Person.last_name < prefix[:-1] + chr(ord(prefix[-1]) + 1)]
    count = select(func.count()).select_from(Enrollment)
    if prefix:  # the join only when the search needs it
        count = count.join(Person, Person.id == Enrollment.person_id)
    total = s.exec(count.where(*conditions)).one()
    rows = s.exec(select(Enrollment.id, Enrollment.status, Enrollment.updated_at, Person.first_name,
                         Person.last_name, Person.role)
                  .join(Person, Person.id == Enrollment.person_id).where(*conditions)
                  .order_by(col(Enrollment.updated_at).desc(), col(Enrollment.id).desc())
                  .offset(max(page, 0) * PER_PAGE).limit(PER_PAGE)).all()
    return [DossierRow(id=r[0], person_name=f"{r[4]} {r[3]}", kind="Enfant" if r[5] == "child" else "Responsable",
                       status=r[1], status_label=STAFF_STATUS_LABELS[r[1]],
                       when=format_date(r[2].astimezone(clock.PARIS).date())) for r in rows], total


@dataclasses.dataclass(frozen=True)
class StaffDocument:
    id: int
    requirement: str
    owner: str
    file_name: str
    status: str
    status_label: str
    refusal_reason: str
    uploaded: str
    is_image: bool


@dataclasses.dataclass(frozen=True)
class HistoryLine:
    at: str
    text: str


@dataclasses.dataclass(frozen=True)
class StaffDossier:
    id: int
    organization_id: int
    status: str
    status_label: str
    rejection_reason: str
    person_name: str
    is_child: bool
    details: list[list[str]]  # [label, value] pairs shown as a list
    guardians: list[list[str]]  # [name, contact]
    address: str
    documents: list[StaffDocument]
    missing: list[str]
    history: list[HistoryLine]


def _enrollment(s: Session, actor: Actor, enrollment_id: int) -> Enrollment:
    return scope.require_staff_dossier(s, actor, enrollment_id)


def _details(person: Person) -> list[list[str]]:
    pairs = [["Né(e) le", format_date(person.birth_date) if person.birth_date else ""],
             ["Classe", person.school_level], ["École", person.school],
             ["Allergies", person.allergies], ["Informations médicales", person.medical_notes],
             ["Personnes autorisées à venir chercher l'enfant", person.authorised_pickups]]
    return [[label, value] for label, value in pairs if value]


def _authorizations(s: Session, person: Person, organization_id: int) -> list[list[str]]:
    """This school year's « Autorisations » of a child (those the town asks), with their signature."""
    asked = authorizations.asked_by(s, organization_id)
    if person.role != "child" or not asked:
        return []
    row = authorizations.current(s, [person.id]).get(person.id)
    signature = f" ({row.signed_by_name}, {format_datetime(row.signed_at)})" if row else ""
    pairs = [["Autorisations", authorizations.summary(row, asked) + signature]]
    if row and row.pickups and "pickups" in asked:
        pairs.append(["Personnes autorisées (nom ; téléphone ; lien)", row.pickups.replace("\n", " · ")])
    return pairs


def staff_dossier(s: Session, *, actor: Actor, enrollment_id: int) -> StaffDossier:
    enrollment = _enrollment(s, actor, enrollment_id)
    person = s.get(Person, enrollment.person_id)
    household = s.get(Household, enrollment.household_id)
    guardians = s.exec(select(Person).where(Person.household_id == household.id,
                                            Person.role == "guardian").order_by(Person.id)).all()
    requirements = {r.id: r for r in s.exec(select(DocumentRequirement).where(
        DocumentRequirement.organization_id == enrollment.organization_id)).all()}
    docs = s.exec(select(Document).where(
        Document.household_id == household.id, col(Document.requirement_id).in_(list(requirements)),
        col(Document.superseded_at).is_(None),
        or_(col(Document.person_id).is_(None), Document.person_id == person.id))
        .order_by(Document.requirement_id)).all()
    current = {(d.requirement_id, d.person_id): d for d in docs}
    active = [r for r in requirements.values() if r.active]
    events = s.exec(select(EnrollmentEvent, User.display_name, User.email)
                    .outerjoin(User, User.id == EnrollmentEvent.actor_id)
                    .where(EnrollmentEvent.enrollment_id == enrollment.id)
                    .order_by(EnrollmentEvent.at, EnrollmentEvent.id)).all()
    return StaffDossier(
        id=enrollment.id, organization_id=enrollment.organization_id, status=enrollment.status,
        status_label=STAFF_STATUS_LABELS[enrollment.status], rejection_reason=enrollment.rejection_reason,
        person_name=f"{person.first_name} {person.last_name}", is_child=person.role == "child",
        details=_details(person) + _authorizations(s, person, enrollment.organization_id),
        guardians=[[f"{g.civility or ''} {g.first_name} {g.last_name}".strip(),
                    " · ".join(x for x in (g.email, format_phone(g.phone_mobile),
                                           format_phone(g.phone_other)) if x)] for g in guardians],
        address=" ".join(x for x in (household.street, household.postal_code, household.city) if x),
        documents=[StaffDocument(
            id=d.id, requirement=requirements[d.requirement_id].name,
            owner="Foyer" if d.person_id is None else person.first_name, file_name=d.original_name,
            status=d.status, status_label=documents.STATUS_LABELS[d.status],
            refusal_reason=d.refusal_reason, uploaded=format_datetime(d.uploaded_at),
            is_image=d.content_type.startswith("image/")) for d in docs],
        missing=missing_documents(active, person, current),
        history=[HistoryLine(at=format_datetime(e.at),
                             text=f"{STAFF_STATUS_LABELS.get(e.to_status, e.to_status)}"
                                  + (f" par {name or email}" if (name or email) else "")
                                  + (f" : {e.reason}" if e.reason else ""))
                 for e, name, email in events],
    )


def _decide(s: Session, actor: Actor, enrollment: Enrollment, status: str, reason: str) -> None:
    now = clock.now()
    s.add(EnrollmentEvent(enrollment_id=enrollment.id, at=now, actor_id=actor.user_id,
                          from_status=enrollment.status, to_status=status, reason=reason))
    enrollment.status = status
    enrollment.rejection_reason = reason
    enrollment.decided_at = enrollment.updated_at = now
    enrollment.decided_by_id = actor.user_id
    s.add(enrollment)
    audit.record(s, actor=actor, action=f"enrollment.{'validate' if status == 'validated' else 'reject'}",
                 organization_id=enrollment.organization_id, object_type="enrollment",
                 object_id=enrollment.id, reason=reason, household_id=enrollment.household_id)


def validate_dossier(s: Session, *, actor: Actor, enrollment_id: int) -> None:
    enrollment = _enrollment(s, actor, enrollment_id)
    s.refresh(enrollment, with_for_update=True)
    if enrollment.status != "submitted":
        raise Conflict("Seul un dossier envoyé par la famille peut être validé.")
    person = s.get(Person, enrollment.person_id)
    requirements = list(s.exec(select(DocumentRequirement).where(
        DocumentRequirement.organization_id == enrollment.organization_id,
        DocumentRequirement.active == True, DocumentRequirement.mandatory == True)).all())  # noqa: E712
    current = documents.current_documents(s, enrollment.household_id, [r.id for r in requirements])
    not_accepted = [r.name for r in requirements
                    if (r.scope == "household" or person.role == "child")
                    and getattr(current.get((r.id, person.id if r.scope == "child" else None)),
                                "status", None) != "accepted"]
    if not_accepted:
        raise Conflict("Acceptez d'abord les pièces obligatoires : " + ", ".join(not_accepted) + ".")
    _decide(s, actor, enrollment, "validated", "")
    org = s.get(Organization, enrollment.organization_id)
    documents.notify_household(
        s, enrollment.household_id, f"Dossier d'inscription validé – {person.first_name}",
        f"Bonjour,\n\n{org.name} a validé le dossier d'inscription de {person.first_name} "
        f"{person.last_name}.\nVous pouvez maintenant l'inscrire aux activités depuis le portail : "
        f"{config.get().public_url}/reservations\n")


def reject_dossier(s: Session, *, actor: Actor, enrollment_id: int, reason: str) -> None:
    enrollment = _enrollment(s, actor, enrollment_id)
    s.refresh(enrollment, with_for_update=True)
    reason = bounded(reason, 1000, "Motif du refus", "reason", multiline=True)
    if not reason:
        raise InvalidInput("Indiquez le motif du refus : la famille le lira.", field="reason")
    if enrollment.status not in ("submitted", "validated"):
        raise Conflict("Ce dossier n'est pas en attente de décision.")
    _decide(s, actor, enrollment, "rejected", reason)
    person = s.get(Person, enrollment.person_id)
    org = s.get(Organization, enrollment.organization_id)
    documents.notify_household(
        s, enrollment.household_id, f"Dossier d'inscription à compléter – {person.first_name}",
        f"Bonjour,\n\n{org.name} n'a pas pu valider le dossier d'inscription de {person.first_name} "
        f"{person.last_name}.\nMotif : {reason}\n\nVous pouvez le compléter et le renvoyer depuis le "
        f"portail : {config.get().public_url}/\n")

