"""Dossiers d'inscription, parent side: find an organization, register
household members, send the documents, submit."""

from __future__ import annotations

import dataclasses
import unicodedata

from sqlmodel import Session, col, select

from cityviz import clock
from cityviz.models import Document, DocumentRequirement, Enrollment, EnrollmentEvent, Organization, Person
from cityviz.services.accounts.actor import Actor
from cityviz.services.errors import AccessDenied, Conflict, InvalidInput, NotFound
from cityviz.services.formatting import format_date
from cityviz.services.households import document_validity, documents

STATUS_LABELS = {
    "draft": "À compléter",
    "submitted": "En attente de validation par votre organisation",
    "validated": "Validé",
    "rejected": "Refusé",
}


@dataclasses.dataclass(frozen=True)
class OrganizationHit:
    id: int
    name: str
    postal_code: str
    city: str


def _fold(text: str) -> str:
    """Lower case without accents, for forgiving searches ("demostars" finds "Démostars")."""
    return "".join(c for c in unicodedata.normalize("NFKD", text.lower()) if not unicodedata.combining(c))


def search_organizations(s: Session, *, actor: Actor, query: str) -> list[OrganizationHit]:
    """By postal code (5 digits) or by name or town."""
    actor.require_household()
    query = " ".join(str(query or "").split())
    if len(query) < 2:
        raise InvalidInput("Tapez le code postal (5 chiffres) ou le nom de votre commune.", field="query")
    if query.isdigit():
        if len(query) != 5:
            raise InvalidInput("Un code postal compte 5 chiffres, par exemple 14760.", field="query")
        rows = s.exec(select(Organization).where(Organization.postal_code == query)
                      .order_by(Organization.name)).all()
    else:
        # Few organizations: folding accents in Python keeps the query portable.
        needle = _fold(query)
        rows = [o for o in s.exec(select(Organization).order_by(Organization.name)).all()
                if needle in _fold(o.name) or needle in _fold(o.city)][:20]
    return [OrganizationHit(id=o.id, name=o.name, postal_code=o.postal_code, city=o.city) for o in rows]


def organization_hit(s: Session, *, actor: Actor, organization_id: int) -> OrganizationHit:
    """One organization, as a search would list it (a home card leads straight to it)."""
    actor.require_household()
    org = s.get(Organization, organization_id)
    if org is None:
        raise NotFound("Organisation introuvable.")
    return OrganizationHit(id=org.id, name=org.name, postal_code=org.postal_code, city=org.city)


@dataclasses.dataclass(frozen=True)
class MemberChoice:
    person_id: int
    name: str
    role: str
    already_registered: bool


def members_for_registration(s: Session, *, actor: Actor, organization_id: int) -> list[MemberChoice]:
    household_id = actor.require_household()
    if s.get(Organization, organization_id) is None:
        raise NotFound("Organisation introuvable.")
    people = s.exec(select(Person).where(Person.household_id == household_id)
                    .order_by(col(Person.role).desc(), Person.id)).all()
    registered = set(s.exec(select(Enrollment.person_id).where(
        Enrollment.household_id == household_id, Enrollment.organization_id == organization_id)).all())
    return [MemberChoice(person_id=p.id, name=f"{p.first_name} {p.last_name}",
                         role="Enfant" if p.role == "child" else "Responsable",
                         already_registered=p.id in registered) for p in people]


def register_members(s: Session, *, actor: Actor, organization_id: int, person_ids: list[int]) -> list[int]:
    """Open a dossier with the organization for each chosen member (idempotent)."""
    household_id = actor.require_household()
    if s.get(Organization, organization_id) is None:
        raise NotFound("Organisation introuvable.")
    if not person_ids:
        raise InvalidInput("Choisissez au moins une personne à inscrire.", field="person_ids")
    people = s.exec(select(Person).where(col(Person.id).in_(person_ids))).all()
    if len(people) != len(set(person_ids)) or any(p.household_id != household_id for p in people):
        raise AccessDenied()
    now = clock.now()
    ids = []
    for person in people:
        enrollment = s.exec(select(Enrollment).where(Enrollment.person_id == person.id,
                                                     Enrollment.organization_id == organization_id)).first()
        if enrollment is None:
            enrollment = Enrollment(person_id=person.id, household_id=household_id,
                                    organization_id=organization_id, status="draft", created_at=now,
                                    updated_at=now)
            s.add(enrollment)
            s.flush()
            s.add(EnrollmentEvent(enrollment_id=enrollment.id, at=now, actor_id=actor.user_id,
                                  to_status="draft"))
        ids.append(enrollment.id)
    return ids


@dataclasses.dataclass(frozen=True)
class RequirementStatus:
    requirement_id: int
    name: str
    description: str
    mandatory: bool
    person_id: int  # 0 for a household document
    document_id: int  # 0 when nothing was sent
    file_name: str
    status: str  # missing, pending, accepted, refused
    status_label: str
    refusal_reason: str
    can_upload: bool


@dataclasses.dataclass(frozen=True)
class DossierView:
    id: int
    person_name: str
    is_child: bool
    organization: str
    status: str
    status_label: str
    rejection_reason: str
    household_documents: list[RequirementStatus]
    person_documents: list[RequirementStatus]
    missing: list[str]
    can_submit: bool


def _requirements(s: Session, organization_id: int) -> list[DocumentRequirement]:
    return list(s.exec(select(DocumentRequirement).where(
        DocumentRequirement.organization_id == organization_id, DocumentRequirement.active == True)  # noqa: E712
        .order_by(DocumentRequirement.position, DocumentRequirement.id)).all())


def _status(requirement: DocumentRequirement, person_id: int | None, document: Document | None,
            editable: bool) -> RequirementStatus:
    status = document.status if document else "missing"
    # A validated dossier takes no file: "À fournir" would ask for what the page cannot take (the
    # town may have had the piece on paper).
    label = ("À fournir" if editable else "Non déposée en ligne") if document is None \
        else documents.STATUS_LABELS[status]
    if document is None and not requirement.mandatory:
        label = "Facultatif"
    today = clock.today()
    renew = document_validity.renewable(document, today)
    if document_validity.is_expired(document, today):
        status, label = "expired", f"Expirée le {format_date(document.valid_until)} : à renouveler"
    elif renew:
        label = f"Acceptée, expire le {format_date(document.valid_until)} : à renouveler"
    elif status == "accepted" and document.valid_until is not None:
        label = f"Acceptée, valable jusqu'au {format_date(document.valid_until)}"
    return RequirementStatus(
        requirement_id=requirement.id, name=requirement.name, description=requirement.description,
        mandatory=requirement.mandatory, person_id=person_id or 0,
        document_id=document.id if document else 0, file_name=document.original_name if document else "",
        status=status, status_label=label,
        refusal_reason=document.refusal_reason if document and status == "refused" else "",
        can_upload=(editable and status != "accepted") or renew)


def missing_documents(requirements: list[DocumentRequirement], person: Person, current: dict) -> list[str]:
    """Mandatory documents not sent, refused, or expired, for this person's dossier."""
    missing, today = [], clock.today()
    for r in requirements:
        if not r.mandatory or (r.scope == "child" and person.role != "child"):
            continue
        doc = current.get((r.id, person.id if r.scope == "child" else None))
        if doc is None or doc.status == "refused":
            missing.append(r.name)
        elif document_validity.is_expired(doc, today):
            missing.append(f"{r.name} (expirée)")
    return missing


def _own_enrollment(s: Session, actor: Actor, enrollment_id: int) -> Enrollment:
    household_id = actor.require_household()
    enrollment = s.get(Enrollment, enrollment_id)
    if enrollment is None:
        raise NotFound("Dossier introuvable.")
    if enrollment.household_id != household_id:
        raise AccessDenied()
    return enrollment


def dossier(s: Session, *, actor: Actor, enrollment_id: int) -> DossierView:
    enrollment = _own_enrollment(s, actor, enrollment_id)
    person = s.get(Person, enrollment.person_id)
    org = s.get(Organization, enrollment.organization_id)
    requirements = _requirements(s, org.id)
    current = documents.current_documents(s, enrollment.household_id, [r.id for r in requirements])
    editable = enrollment.status in documents.EDITABLE_STATUSES
    household_docs = [_status(r, None, current.get((r.id, None)), editable)
                      for r in requirements if r.scope == "household"]
    person_docs = [_status(r, person.id, current.get((r.id, person.id)), editable)
                   for r in requirements if r.scope == "child" and person.role == "child"]
    missing = missing_documents(requirements, person, current)
    return DossierView(
        id=enrollment.id, person_name=f"{person.first_name} {person.last_name}",
        is_child=person.role == "child", organization=org.name, status=enrollment.status,
        status_label=STATUS_LABELS[enrollment.status], rejection_reason=enrollment.rejection_reason,
        household_documents=household_docs, person_documents=person_docs, missing=missing,
        can_submit=enrollment.status in ("draft", "rejected") and not missing)


def submit_dossier(s: Session, *, actor: Actor, enrollment_id: int) -> None:
    enrollment = _own_enrollment(s, actor, enrollment_id)
    s.refresh(enrollment, with_for_update=True)
    if enrollment.status not in ("draft", "rejected"):
        raise Conflict("Ce dossier a déjà été envoyé.")
    person = s.get(Person, enrollment.person_id)
    requirements = _requirements(s, enrollment.organization_id)
    current = documents.current_documents(s, enrollment.household_id, [r.id for r in requirements])
    missing = missing_documents(requirements, person, current)
    if missing:
        raise InvalidInput("Il manque : " + ", ".join(missing) + ".")
    now = clock.now()
    s.add(EnrollmentEvent(enrollment_id=enrollment.id, at=now, actor_id=actor.user_id,
                          from_status=enrollment.status, to_status="submitted"))
    enrollment.status = "submitted"
    enrollment.submitted_at = enrollment.updated_at = now
    s.add(enrollment)


@dataclasses.dataclass(frozen=True)
class DossierSummary:
    id: int
    person_id: int
    person_name: str
    organization: str
    status: str
    status_label: str
    rejection_reason: str


def household_dossiers(s: Session, *, actor: Actor) -> list[DossierSummary]:
    household_id = actor.require_household()
    rows = s.exec(select(Enrollment, Person, Organization.name)
                  .join(Person, Person.id == Enrollment.person_id)
                  .join(Organization, Organization.id == Enrollment.organization_id)
                  .where(Enrollment.household_id == household_id)
                  .order_by(Organization.name, col(Person.role).desc(), Person.birth_date, Person.id)).all()
    return [DossierSummary(id=e.id, person_id=p.id, person_name=f"{p.first_name} {p.last_name}",
                           organization=org, status=e.status, status_label=STATUS_LABELS[e.status],
                           rejection_reason=e.rejection_reason) for e, p, org in rows]


def dossier_for_document(enrollments: list[Enrollment], organization_id: int, person_id: int | None) -> int:
    """The dossier where a document of this organization is sent (again): the child's own,
    or for a household document (`person_id` None) one still open to files, oldest first."""
    mine = [e for e in enrollments if e.organization_id == organization_id
            and (person_id is None or e.person_id == person_id)]
    return min(mine, key=lambda e: (e.status == "validated", e.id)).id if mine else 0
