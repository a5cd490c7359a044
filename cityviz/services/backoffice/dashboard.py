"""Figures for the staff home page."""

from __future__ import annotations

import dataclasses

from sqlmodel import Session, func, select

from cityviz.models import Activity, Enrollment, Household, Organization, StaffMembership, User
from cityviz.services.accounts.actor import Actor


@dataclasses.dataclass(frozen=True)
class OrganizationFigures:
    id: int
    name: str
    role: str
    households: int
    dossiers_to_validate: int
    open_activities: int


def staff_overview(s: Session, *, actor: Actor) -> list[OrganizationFigures]:
    """One card per organization the actor works for (a few grouped queries)."""
    org_ids = list(actor.roles)
    if not org_ids:
        return []
    names = dict(s.exec(select(Organization.id, Organization.name)
                        .where(Organization.id.in_(org_ids))).all())
    households = dict(s.exec(
        select(Enrollment.organization_id, func.count(func.distinct(Enrollment.household_id)))
        .where(Enrollment.organization_id.in_(org_ids)).group_by(Enrollment.organization_id)).all())
    to_validate = dict(s.exec(
        select(Enrollment.organization_id, func.count())
        .where(Enrollment.organization_id.in_(org_ids), Enrollment.status == "submitted")
        .group_by(Enrollment.organization_id)).all())
    activities = dict(s.exec(
        select(Activity.organization_id, func.count())
        .where(Activity.organization_id.in_(org_ids), Activity.is_open == True)  # noqa: E712
        .group_by(Activity.organization_id)).all())
    return sorted(
        (OrganizationFigures(id=org_id, name=names.get(org_id, ""), role=actor.roles[org_id],
                             households=households.get(org_id, 0),
                             dossiers_to_validate=to_validate.get(org_id, 0),
                             open_activities=activities.get(org_id, 0))
         for org_id in org_ids),
        key=lambda f: f.name,
    )


@dataclasses.dataclass(frozen=True)
class OrganizationRow:
    id: int
    name: str
    postal_code: str
    city: str
    staff: int
    households: int


def list_organizations(s: Session, *, actor: Actor) -> list[OrganizationRow]:
    """All organizations with their staff and household counts (platform admin)."""
    actor.require_platform_admin()
    staff = dict(s.exec(select(StaffMembership.organization_id, func.count())
                        .group_by(StaffMembership.organization_id)).all())
    households = dict(s.exec(
        select(Enrollment.organization_id, func.count(func.distinct(Enrollment.household_id)))
        .group_by(Enrollment.organization_id)).all())
    return [
        OrganizationRow(id=o.id, name=o.name, postal_code=o.postal_code, city=o.city,
                        staff=staff.get(o.id, 0), households=households.get(o.id, 0))
        for o in s.exec(select(Organization).order_by(Organization.name)).all()
    ]


def platform_figures(s: Session, *, actor: Actor) -> dict[str, int]:
    actor.require_platform_admin()
    return {
        "organizations": s.exec(select(func.count()).select_from(Organization)).one(),
        "users": s.exec(select(func.count()).select_from(User)).one(),
        "households": s.exec(select(func.count()).select_from(Household)).one(),
    }
