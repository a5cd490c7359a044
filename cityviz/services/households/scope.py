"""What an organization's staff may reach: the households it knows, and the
people, dossiers and documents of those households. The one gate for every id
staff send (billing looks up invoices, payments and mandates in
`billing/lookups.py`, which comes through here for the household).

A household is **known** to an organization when (DOMAIN.md « Dossiers »,
« Facturation »):
- the organization created it (« Familles » → create a family), or
- one of its members has a dossier d'inscription (`Enrollment`) with it, or
- one of its children has asked to join one of its activities
  (`ActivityRegistration`), or
- the organization has invoiced it (invoices outlive dossiers: retention).

A person, a dossier or a document is reachable when its household is known to
the organization and the actor's role there allows the capability asked.

Refusal never tells an id that does not exist from one that belongs
elsewhere: both raise `NotFound` with the same French sentence, so ids cannot
be probed. Only "you are not staff of this organization" (which does not
depend on the id) is `AccessDenied`.
"""

from __future__ import annotations

from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col, or_, select

from cityviz.models import (
    Activity,
    ActivityRegistration,
    Document,
    DocumentRequirement,
    Enrollment,
    Household,
    Invoice,
    Person,
)
from cityviz.services.accounts.actor import Actor
from cityviz.services.errors import AccessDenied, NotFound

UNKNOWN_HOUSEHOLD = "Famille introuvable dans votre organisation."
UNKNOWN_PERSON = "Personne introuvable dans votre organisation."
UNKNOWN_DOSSIER = "Dossier introuvable dans votre organisation."
UNKNOWN_DOCUMENT = "Document introuvable dans votre organisation."


def known_to(organization_id: int) -> ColumnElement[bool]:
    """SQL condition on `Household` (the query selects from it): known to the organization."""
    enrolled = select(Enrollment.household_id).where(Enrollment.organization_id == organization_id)
    registered = (select(ActivityRegistration.household_id)
                  .join(Activity, Activity.id == ActivityRegistration.activity_id)
                  .where(Activity.organization_id == organization_id))
    invoiced = select(Invoice.household_id).where(Invoice.organization_id == organization_id)
    return or_(Household.created_by_organization_id == organization_id, col(Household.id).in_(enrolled),
               col(Household.id).in_(registered), col(Household.id).in_(invoiced))


def knows_household(s: Session, organization_id: int, household_id: int) -> bool:
    return s.exec(select(Household.id).where(Household.id == household_id,
                                                 known_to(organization_id))).first() is not None


def organizations_knowing(s: Session, household_id: int) -> set[int]:
    """Every organization that knows the household: `known_to`'s four links, read the other way."""
    queries = [
        select(Household.created_by_organization_id).where(Household.id == household_id),
        select(Enrollment.organization_id).where(Enrollment.household_id == household_id),
        select(Activity.organization_id).join(ActivityRegistration, ActivityRegistration.activity_id == Activity.id)
        .where(ActivityRegistration.household_id == household_id),
        select(Invoice.organization_id).where(Invoice.household_id == household_id),
    ]
    return {org_id for query in queries for org_id in s.exec(query).all() if org_id is not None}


def staff_organizations_knowing(s: Session, actor: Actor, household_id: int, capability: str) -> list[int]:
    """The actor's organizations that know the household and let them do `capability`."""
    return [org_id for org_id in sorted(actor.roles)
            if actor.can(org_id, capability) and knows_household(s, org_id, household_id)]


def require_some_staff(actor: Actor, capability: str | None = None) -> None:
    """Staff of some organization — one whose role allows `capability`, if given (refused
    before any id is looked at: the refusal says nothing of the id)."""
    if not actor.is_staff or (capability and not any(actor.can(o, capability) for o in actor.roles)):
        raise AccessDenied()


def require_known_household(s: Session, actor: Actor, organization_id: int, household_id: int,
                            capability: str = "families") -> Household:
    """Staff of `organization_id` with `capability`, and a household their organization knows."""
    actor.require_capability(organization_id, capability)
    household = s.get(Household, household_id) if isinstance(household_id, int) else None
    if household is None or not knows_household(s, organization_id, household.id):
        raise NotFound(UNKNOWN_HOUSEHOLD)
    return household


def require_known_person(s: Session, actor: Actor, organization_id: int, person_id: int,
                         capability: str = "families", role: str | None = None) -> Person:
    """A member (a guardian or a child, or only `role`) of a household the organization knows."""
    actor.require_capability(organization_id, capability)
    person = s.get(Person, person_id) if isinstance(person_id, int) else None
    if (person is None or (role is not None and person.role != role)
            or not knows_household(s, organization_id, person.household_id)):
        raise NotFound(UNKNOWN_PERSON)
    return person


def require_staff_dossier(s: Session, actor: Actor, enrollment_id: int, capability: str = "families",
                          organization_id: int | None = None) -> Enrollment:
    """A dossier of an organization where the actor may do `capability`."""
    require_some_staff(actor, capability)
    enrollment = s.get(Enrollment, enrollment_id) if isinstance(enrollment_id, int) else None
    if (enrollment is None or not actor.can(enrollment.organization_id, capability)
            or organization_id not in (None, enrollment.organization_id)):
        raise NotFound(UNKNOWN_DOSSIER)
    return enrollment


def require_staff_document(s: Session, actor: Actor, document_id: int,
                           capability: str = "documents") -> tuple[Document, DocumentRequirement]:
    """A document sent to one of the actor's organizations (its requirement's), by a household it knows."""
    require_some_staff(actor, capability)
    document = s.get(Document, document_id) if isinstance(document_id, int) else None
    requirement = s.get(DocumentRequirement, document.requirement_id) if document is not None else None
    if (requirement is None or not actor.can(requirement.organization_id, capability)
            or not knows_household(s, requirement.organization_id, document.household_id)):
        raise NotFound(UNKNOWN_DOCUMENT)
    return document, requirement
