"""« Mon foyer »: the household at a glance — guardians, children, organizations and
dossiers, documents — each line leading to the page where it is changed."""

from __future__ import annotations

import dataclasses

from sqlmodel import Session, col, select

from cityviz.models import Document, DocumentRequirement, Enrollment, Organization, Person
from cityviz.services.accounts.actor import Actor
from cityviz.services.formatting import format_datetime
from cityviz.services.households import documents, dossiers, people


@dataclasses.dataclass(frozen=True)
class MemberLine:
    id: int
    name: str
    detail: str  # e-mail and phone of a guardian; birth date and class of a child
    badge: str  # "Vous", "Compte créé", "Sans compte" (guardians); "" for a child


@dataclasses.dataclass(frozen=True)
class DocumentLine:
    id: int
    name: str
    owner: str  # "Foyer" or the child's first name
    organization: str
    status: str  # pending, accepted, refused
    status_label: str
    refusal_reason: str
    sent_on: str
    enrollment_id: int  # the dossier where it is replaced (0: none to open)


@dataclasses.dataclass(frozen=True)
class HouseholdOverview:
    address: str
    guardians: list[MemberLine]
    children: list[MemberLine]
    dossiers: list[dossiers.DossierSummary]
    documents: list[DocumentLine]


def household_overview(s: Session, *, actor: Actor) -> HouseholdOverview:
    household_id = actor.require_household()
    profile = people.get_profile(s, actor=actor)
    guardians = [MemberLine(
        id=g.id, name=f"{g.first_name} {g.last_name}",
        detail=" · ".join(x for x in (g.email, g.phone_mobile) if x),
        badge="Vous" if g.is_me else "Compte créé" if g.has_account else "Sans compte")
        for g in profile.guardians]
    children = [MemberLine(
        id=c.id, name=f"{c.first_name} {c.last_name}",
        detail=" · ".join(x for x in (f"Né(e) le {c.birth_date}" if c.birth_date else "", c.school_level) if x),
        badge="") for c in people.list_children(s, actor=actor)]
    return HouseholdOverview(
        address=" ".join(x for x in (profile.street, profile.postal_code, profile.city) if x),
        guardians=guardians, children=children,
        dossiers=dossiers.household_dossiers(s, actor=actor),
        documents=_documents(s, household_id))


def _documents(s: Session, household_id: int) -> list[DocumentLine]:
    """The files that stand (not replaced), household ones first, then per child."""
    rows = s.exec(select(Document, DocumentRequirement, Organization.name, Person.first_name)
                  .join(DocumentRequirement, DocumentRequirement.id == Document.requirement_id)
                  .join(Organization, Organization.id == DocumentRequirement.organization_id)
                  .outerjoin(Person, Person.id == Document.person_id)
                  .where(Document.household_id == household_id, col(Document.superseded_at).is_(None))
                  .order_by(col(Document.person_id).is_not(None), Person.first_name,
                            DocumentRequirement.position, Document.id)).all()
    enrollments = list(s.exec(select(Enrollment).where(Enrollment.household_id == household_id)
                              .order_by(Enrollment.id)).all())
    return [DocumentLine(
        id=d.id, name=r.name, owner=first_name or "Foyer", organization=org, status=d.status,
        status_label=documents.STATUS_LABELS[d.status], refusal_reason=d.refusal_reason,
        sent_on=format_datetime(d.uploaded_at),
        enrollment_id=dossiers.dossier_for_document(enrollments, r.organization_id, d.person_id))
        for d, r, org, first_name in rows]
