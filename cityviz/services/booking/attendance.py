"""Occupancy, daily lists and attendance (pointage) for staff."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta

from sqlmodel import Session, col, func, select

from cityviz import clock
from cityviz.models import (
    Activity,
    ActivityRegistration,
    ActivitySession,
    Attendance,
    Booking,
    Closure,
    Person,
    StaffActivity,
)
from cityviz.services import audit
from cityviz.services.accounts.actor import Actor
from cityviz.services.errors import AccessDenied, Conflict, InvalidInput, NotFound
from cityviz.services.exports import csv_bytes
from cityviz.services.formatting import format_date, format_short_day
from cityviz.services.households import authorizations
from cityviz.services.households.people import DIETS

ATTENDANCE_LABELS = {"present": "Présent", "absent": "Absent", "justified": "Absent justifié",
                     "unbooked_present": "Présent sans réservation"}


def _require_activity_attendance(s: Session, actor: Actor, activity: Activity) -> None:
    """Attendance and daily lists: staff whose role allows it; an animateur only for the
    activities assigned to them (« Équipe »)."""
    role = actor.require_capability(activity.organization_id, "attendance")
    if role == "animateur" and activity.id not in _assigned(s, actor):
        raise AccessDenied("Cette activité ne vous est pas confiée.")


def _assigned(s: Session, actor: Actor) -> set[int]:
    return set(s.exec(select(StaffActivity.activity_id).where(StaffActivity.user_id == actor.user_id)).all())


def attendance_scope(s: Session, actor: Actor, organization_id: int) -> list:
    """Conditions limiting a list to the activities the actor may see for attendance."""
    role = actor.require_capability(organization_id, "attendance")
    return [col(Activity.id).in_(_assigned(s, actor))] if role == "animateur" else []


def attendance_activities(s: Session, *, actor: Actor, organization_id: int) -> list[list[str]]:
    """[id, name] of the activities whose lists the actor may open (for a select)."""
    rows = s.exec(select(Activity.id, Activity.name).where(Activity.organization_id == organization_id,
                                                           *attendance_scope(s, actor, organization_id))
                  .order_by(col(Activity.is_open).desc(), Activity.name)).all()
    return [[str(i), name] for i, name in rows]


def _session(s: Session, actor: Actor, session_id: int) -> tuple[ActivitySession, Activity]:
    session = s.get(ActivitySession, session_id)
    if session is None:
        raise NotFound("Séance introuvable.")
    activity = s.get(Activity, session.activity_id)
    _require_activity_attendance(s, actor, activity)
    return session, activity


@dataclasses.dataclass(frozen=True)
class OccupancyRow:
    session_id: int
    day: str
    iso: str
    booked: int
    capacity: int
    waiting: int
    closed: str  # reason, "" when open
    ratio: int  # percent, for the gauge
    diets: str  # canteen: booked children per diet and PAI, "Sans porc : 3 · PAI : 1" ("" none)


def occupancy(s: Session, *, actor: Actor, activity_id: int, start: date, days: int = 14) -> list[OccupancyRow]:
    activity = s.get(Activity, activity_id)
    if activity is None:
        raise NotFound("Activité introuvable.")
    _require_activity_attendance(s, actor, activity)
    rows = s.exec(select(ActivitySession, Closure.reason).outerjoin(Closure, Closure.id == ActivitySession.closure_id)
                  .where(ActivitySession.activity_id == activity_id, ActivitySession.date >= start,
                         ActivitySession.date < start + timedelta(days=days)).order_by(ActivitySession.date)).all()
    diets = _diet_counts(s, [x.id for x, _r in rows]) if activity.kind == "canteen" else {}
    return [OccupancyRow(session_id=x.id, day=format_short_day(x.date),
                         iso=x.date.isoformat(), booked=x.booked_count, capacity=x.capacity,
                         waiting=x.waiting_count, closed=reason or "",
                         ratio=round(100 * x.booked_count / x.capacity) if x.capacity else 0,
                         diets=diets.get(x.id, "")) for x, reason in rows]


def _diet_counts(s: Session, session_ids: list[int]) -> dict[int, str]:
    """Per session, the booked children per diet, then those with a PAI: the kitchen orders by these."""
    if not session_ids:
        return {}
    rows = s.exec(select(Booking.session_id, Person.diet, Person.has_pai, func.count())
                  .join(Person, Person.id == Booking.child_id)
                  .where(col(Booking.session_id).in_(session_ids), Booking.status == "booked",
                         (Person.diet != "") | (Person.has_pai == True))  # noqa: E712
                  .group_by(Booking.session_id, Person.diet, Person.has_pai)).all()
    counts: dict[int, dict[str, int]] = {}
    for session_id, diet, has_pai, n in rows:
        per = counts.setdefault(session_id, {})
        if diet:
            per[DIETS[diet]] = per.get(DIETS[diet], 0) + n
        if has_pai:
            per["PAI"] = per.get("PAI", 0) + n
    order = [*DIETS.values(), "PAI"]
    return {sid: " · ".join(f"{label} : {per[label]}" for label in order if label in per)
            for sid, per in counts.items()}


@dataclasses.dataclass(frozen=True)
class RosterLine:
    child_id: int
    name: str
    level: str
    allergies: str
    diet: str  # "Sans porc"…, "" none
    pai: bool
    authorizations: str  # this school year's « Autorisations », in one line
    booked: bool
    status: str  # attendance status, "" when not yet marked
    status_label: str


@dataclasses.dataclass(frozen=True)
class Roster:
    session_id: int
    activity: str
    day: str
    is_canteen: bool
    closed: bool
    capacity: int
    lines: list[RosterLine]
    marked: int
    others: list[list[str]]  # [child id, name]: registered but not booked (for "présent sans réservation")


def roster(s: Session, *, actor: Actor, session_id: int) -> Roster:
    """The children expected (booked) with their attendance; allergies for the canteen."""
    session, activity = _session(s, actor, session_id)
    booked = s.exec(select(Person).join(Booking, Booking.child_id == Person.id).where(
        Booking.session_id == session.id, Booking.status == "booked")).all()
    marks = {a.child_id: a.status for a in s.exec(select(Attendance).where(Attendance.session_id == session.id)).all()}
    extra_ids = [cid for cid, st in marks.items() if st == "unbooked_present"]
    extra = s.exec(select(Person).where(col(Person.id).in_(extra_ids))).all() if extra_ids else []
    people = sorted({p.id: p for p in [*booked, *extra]}.values(), key=lambda p: (p.last_name, p.first_name))
    booked_ids = {p.id for p in booked}
    signed = authorizations.current(s, [p.id for p in people])
    asked = authorizations.asked_by(s, activity.organization_id)
    others = s.exec(select(Person.id, Person.last_name, Person.first_name)
                    .join(ActivityRegistration, ActivityRegistration.child_id == Person.id)
                    .where(ActivityRegistration.activity_id == activity.id, ActivityRegistration.status == "validated",
                           col(Person.id).not_in(booked_ids | set(extra_ids)))
                    .order_by(Person.last_name, Person.first_name)).all()
    return Roster(
        session_id=session.id, activity=activity.name,
        day=format_short_day(session.date), is_canteen=activity.kind == "canteen",
        closed=session.closure_id is not None, capacity=session.capacity,
        lines=[RosterLine(child_id=p.id, name=f"{p.last_name} {p.first_name}", level=p.school_level,
                          allergies=p.allergies, diet=DIETS.get(p.diet, ""), pai=p.has_pai,
                          authorizations=authorizations.summary(signed.get(p.id), asked), booked=p.id in booked_ids, status=marks.get(p.id, ""),
                          status_label=ATTENDANCE_LABELS.get(marks.get(p.id, ""), "À pointer")) for p in people],
        marked=sum(1 for p in people if p.id in marks),
        others=[[str(i), f"{last} {first}"] for i, last, first in others])


def mark_attendance(s: Session, *, actor: Actor, session_id: int, child_id: int, status: str) -> None:
    """Record what happened; a child without booking can only be "présent sans réservation"."""
    session, activity = _session(s, actor, session_id)
    if status not in ATTENDANCE_LABELS:
        raise InvalidInput("Statut de pointage inconnu.")
    if session.closure_id is not None:
        raise Conflict("Cette séance est fermée.")
    if session.date > clock.today():
        raise Conflict("Le pointage se fait le jour même ou après.")
    booked = s.exec(select(Booking.id).where(Booking.session_id == session.id, Booking.child_id == child_id,
                                             Booking.status == "booked")).first() is not None
    if booked == (status == "unbooked_present"):
        raise InvalidInput("Sans réservation, seul « Présent sans réservation » est possible."
                           if not booked else "Cet enfant a une réservation : choisissez présent ou absent.")
    child = s.get(Person, child_id)
    registered = s.exec(select(ActivityRegistration.id).where(
        ActivityRegistration.activity_id == activity.id, ActivityRegistration.child_id == child_id,
        ActivityRegistration.status == "validated")).first()
    if child is None or (not booked and registered is None):
        raise NotFound("Enfant inconnu de cette activité.")
    mark = s.exec(select(Attendance).where(Attendance.session_id == session.id,
                                           Attendance.child_id == child_id)).first()
    mark = mark or Attendance(session_id=session.id, child_id=child_id, household_id=child.household_id,
                              status=status, marked_at=clock.now())
    mark.status, mark.marked_at, mark.marked_by_id = status, clock.now(), actor.user_id
    s.add(mark)
    audit.record(s, actor=actor, action="attendance.mark", organization_id=activity.organization_id,
                 object_type="attendance", object_id=session.id, child_id=child_id, status=status,
                 household_id=child.household_id)


@dataclasses.dataclass(frozen=True)
class DaySession:
    session_id: int
    activity: str
    booked: int
    marked: int
    closed: bool


def sessions_of_day(s: Session, *, actor: Actor, organization_id: int, day: date) -> list[DaySession]:
    scope = attendance_scope(s, actor, organization_id)
    rows = s.exec(select(ActivitySession, Activity.name).join(Activity, Activity.id == ActivitySession.activity_id)
                  .where(Activity.organization_id == organization_id, ActivitySession.date == day, *scope)
                  .order_by(Activity.start_minutes, Activity.name)).all()
    marked = dict(s.exec(select(Attendance.session_id, func.count()).where(
        col(Attendance.session_id).in_([x.id for x, _ in rows])).group_by(Attendance.session_id)).all())
    return [DaySession(session_id=x.id, activity=name, booked=x.booked_count, marked=marked.get(x.id, 0),
                       closed=x.closure_id is not None) for x, name in rows]


def daily_counts_csv(s: Session, *, actor: Actor, organization_id: int, start: date, end: date) -> bytes:
    """Booked children per day and activity (e.g. meals for the kitchen), for a spreadsheet."""
    scope = attendance_scope(s, actor, organization_id)
    if end < start or (end - start).days > 370:
        raise InvalidInput("Choisissez une période d'un an au plus.")
    rows = s.exec(select(ActivitySession.date, Activity.name, ActivitySession.booked_count, ActivitySession.capacity,
                         ActivitySession.waiting_count, ActivitySession.closure_id)
                  .join(Activity, Activity.id == ActivitySession.activity_id)
                  .where(Activity.organization_id == organization_id, ActivitySession.date >= start,
                         ActivitySession.date <= end, *scope).order_by(ActivitySession.date, Activity.name)).all()
    return csv_bytes(["Date", "Activité", "Réservés", "Capacité", "Liste d'attente", "Fermé"],
                     ([format_date(day), name, booked, capacity, waiting, "oui" if closure else ""]
                      for day, name, booked, capacity, waiting, closure in rows))
