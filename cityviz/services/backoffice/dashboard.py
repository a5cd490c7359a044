"""Figures for the staff home page."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta

from sqlalchemy import case
from sqlmodel import Session, col, func, select

from cityviz import clock
from cityviz.models import (
    Activity,
    ActivityRegistration,
    ActivitySession,
    Attendance,
    Booking,
    DirectDebit,
    Enrollment,
    Household,
    Organization,
    StaffMembership,
    User,
)
from cityviz.services.accounts.actor import Actor
from cityviz.services.billing import ledger
from cityviz.services.booking import attendance
from cityviz.services.formatting import format_long_date, format_money
from cityviz.services.households import messaging_staff


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


# --- « Tableau de bord »: today and tomorrow in one organization -----------------------------------

@dataclasses.dataclass(frozen=True)
class Figure:
    page: str  # the list behind the figure: "attendance", "dossiers", "registrations", "messages", "invoices"
    query: str  # that list's filter ("etat=late")
    label: str
    value: str
    urgent: bool  # something to do


@dataclasses.dataclass(frozen=True)
class ActivityDay:
    activity_id: int
    name: str
    today: str  # "12 / 30", "Fermé", "—" (no session)
    tomorrow: str
    waiting: int  # today and tomorrow
    query: str  # the occupancy page of that activity from today


@dataclasses.dataclass(frozen=True)
class Board:
    today: str
    tomorrow: str
    activities: list[ActivityDay]
    figures: list[Figure]


def _session_label(row) -> str:
    if row is None:
        return "—"
    return "Fermé" if row.closure_id is not None else f"{row.booked_count} / {row.capacity}"


def _activities(s: Session, actor: Actor, organization_id: int, today: date) -> list[ActivityDay]:
    tomorrow = today + timedelta(days=1)
    scope = attendance.attendance_scope(s, actor, organization_id)
    rows = s.exec(select(Activity.id, Activity.name, ActivitySession.date, ActivitySession.booked_count,
                         ActivitySession.capacity, ActivitySession.waiting_count, ActivitySession.closure_id)
                  .join(ActivitySession, ActivitySession.activity_id == Activity.id)
                  .where(Activity.organization_id == organization_id, col(ActivitySession.date).in_([today, tomorrow]),
                         *scope).order_by(Activity.start_minutes, Activity.name)).all()
    by_activity: dict[int, dict] = {}
    for row in rows:
        by_activity.setdefault(row.id, {"name": row.name})[row.date] = row
    return [ActivityDay(activity_id=activity_id, name=days["name"], today=_session_label(days.get(today)),
                        tomorrow=_session_label(days.get(tomorrow)),
                        waiting=sum(r.waiting_count for d, r in days.items() if d != "name"),
                        query=f"activite={activity_id}&du={today.isoformat()}")
            for activity_id, days in by_activity.items()]


def _to_mark(s: Session, actor: Actor, organization_id: int, today: date) -> int:
    scope = attendance.attendance_scope(s, actor, organization_id)
    return s.exec(select(func.count()).select_from(Booking)
                  .join(ActivitySession, ActivitySession.id == Booking.session_id)
                  .join(Activity, Activity.id == ActivitySession.activity_id)
                  .outerjoin(Attendance, (Attendance.session_id == Booking.session_id)
                             & (Attendance.child_id == Booking.child_id))
                  .where(Activity.organization_id == organization_id, ActivitySession.date == today,
                         col(ActivitySession.closure_id).is_(None), Booking.status == "booked",
                         col(Attendance.id).is_(None), *scope)).one()


def _count(s: Session, model, *conditions) -> int:
    return s.exec(select(func.count()).select_from(model).where(*conditions)).one()


def _waiting(s: Session, actor: Actor, organization_id: int) -> list[Figure]:
    figures = []
    if actor.can(organization_id, "families"):
        dossiers = _count(s, Enrollment, Enrollment.organization_id == organization_id,
                          Enrollment.status == "submitted")
        figures.append(Figure("dossiers", "", "dossiers à valider", str(dossiers), dossiers > 0))
    if actor.can(organization_id, "activities"):
        pending = _count(s, ActivityRegistration, ActivityRegistration.status == "pending",
                         col(ActivityRegistration.activity_id).in_(
                             select(Activity.id).where(Activity.organization_id == organization_id)))
        figures.append(Figure("registrations", "", "inscriptions à valider", str(pending), pending > 0))
    if actor.can(organization_id, "messages"):
        waiting = messaging_staff.staff_waiting_count(s, actor=actor, organization_id=organization_id)
        figures.append(Figure("messages", "", "messages en attente", str(waiting), waiting > 0))
    return figures


def _money(s: Session, organization_id: int) -> list[Figure]:
    # One pass over the open invoices, not on direct debit (the list's "due"); "late" is "due" past its date.
    left = ledger.remaining_table(organization_id)
    late_case = case((left.c.due_date < clock.today(), 1), else_=0)
    due_count, due_cents, late = s.exec(
        select(func.count(), func.coalesce(func.sum(left.c.left_cents), 0), func.coalesce(func.sum(late_case), 0))
        .where(left.c.left_cents > 0, col(left.c.invoice_id).not_in(select(DirectDebit.invoice_id).where(
            DirectDebit.organization_id == organization_id, DirectDebit.status != "rejected")))).one()
    return [Figure("invoices", "etat=due", f"à encaisser ({due_count} facture(s))", format_money(due_cents), False),
            Figure("invoices", "etat=late", "factures échues non payées", str(late), late > 0)]


def today_board(s: Session, *, actor: Actor, organization_id: int) -> Board:
    """What the day asks of this member of staff: today's and tomorrow's bookings per activity,
    attendance still to mark, what waits for a decision, what is unpaid — each as their role allows,
    each figure opening the list behind it."""
    actor.require_staff(organization_id)
    today = clock.today()
    activities_, figures = [], []
    if actor.can(organization_id, "attendance"):
        activities_ = _activities(s, actor, organization_id, today)
        to_mark = _to_mark(s, actor, organization_id, today)
        figures.append(Figure("attendance", f"jour={today.isoformat()}", "pointages à faire aujourd'hui",
                              str(to_mark), to_mark > 0))
    figures += _waiting(s, actor, organization_id)
    if actor.can(organization_id, "billing"):
        figures += _money(s, organization_id)
    return Board(today=format_long_date(today), tomorrow=format_long_date(today + timedelta(days=1)),
                 activities=activities_, figures=figures)
