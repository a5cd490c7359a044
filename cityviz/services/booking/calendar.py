"""The household's booking calendar and bulk booking — read with a fixed
number of queries, decided cell by cell by the rules engine."""

from __future__ import annotations

import calendar as pycalendar
import dataclasses
import functools
from collections import namedtuple
from datetime import date, timedelta

from babel.dates import format_date as babel_date
from sqlalchemy import and_, bindparam
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from cityviz import clock
from cityviz.models import Activity, ActivityRegistration, ActivitySession, Booking, Closure, Organization, Person
from cityviz.services.accounts.actor import Actor
from cityviz.services.booking import absences, bookings, feeds, menus, rules, school_calendar
from cityviz.services.errors import AccessDenied, DomainError, InvalidInput
from cityviz.services.formatting import format_short_day

MAX_BULK_DAYS = 190
LONG_DAY_NAMES = ["Lundi", "Mardi", "Mercredi", "Jeudi", "Vendredi", "Samedi", "Dimanche"]


@dataclasses.dataclass(frozen=True)
class Cell:
    child_id: int
    child_name: str
    activity_name: str
    session_id: int
    state: str
    label: str
    reason: str
    action: str  # book, cancel, join, leave, "" (nothing possible)


@dataclasses.dataclass(frozen=True)
class Day:
    iso: str
    number: int
    title: str  # "Lundi 14/09"
    in_month: bool
    is_today: bool
    cells: list[Cell]
    note: str = ""  # a weekday of the month without any session: "Vacances scolaires", "Jour férié", "Pas d'accueil"
    menu: str = ""  # the canteen menu of the day, "" when none is published


@dataclasses.dataclass(frozen=True)
class Month:
    year: int
    month: int
    title: str
    weeks: list[list[Day]]
    days_with_sessions: list[Day]


# The rows the cells are decided from, with the models' attribute names.
_Child = namedtuple("_Child", "id first_name")
_Session = namedtuple("_Session", "id activity_id date capacity booked_count closure_id")
_Booking = namedtuple("_Booking", "status waiting_position")
# The activity's columns the cells and the rules read, as a plain tuple with the model's attribute
# names (not every column: each one selected costs its description and conversion at every tap).
_ACTIVITY = Activity.__table__
_ActivityRow = namedtuple("_ActivityRow", ["id", "name", "organization_id", *rules.ActivityRules.COLUMNS])


@dataclasses.dataclass
class _Facts:
    """Everything needed to decide cells, loaded in a handful of queries (plain rows, no ORM
    objects: the calendar is read at every tap, and building ORM objects was most of its cost)."""

    children: list[_Child]
    activities: dict[int, _ActivityRow]
    registrations: dict[tuple[int, int], str]  # (activity, child) -> status
    sessions: list[_Session]
    closures: dict[int, str]
    bookings: dict[tuple[int, int], _Booking]  # (session, child) -> booking
    rules: dict[int, rules.ActivityRules] = dataclasses.field(default_factory=dict)
    zones: list[str] = dataclasses.field(default_factory=list)  # school-holiday zones of the activities' towns
    household_children: list[_Child] = dataclasses.field(default_factory=list)  # before the child filter


# Built once (the calendar is read at every tap: no statement to build and key for the cache each time).
# Core statements on the tables: rows come back as tuples, without the ORM's identity map and objects.
_PERSON, _REGISTRATION = Person.__table__, ActivityRegistration.__table__
_ORGANIZATION, _SESSION, _CLOSURE, _BOOKING = (Organization.__table__, ActivitySession.__table__,
                                               Closure.__table__, Booking.__table__)
_CHILDREN = (sa_select(_PERSON.c.id, _PERSON.c.first_name, _REGISTRATION.c.activity_id, _REGISTRATION.c.status,
                       _ORGANIZATION.c.school_zone, *(_ACTIVITY.c[name] for name in _ActivityRow._fields))
             .select_from(_PERSON)
             .outerjoin(_REGISTRATION, _REGISTRATION.c.child_id == _PERSON.c.id)
             .outerjoin(_ACTIVITY, _ACTIVITY.c.id == _REGISTRATION.c.activity_id)
             .outerjoin(_ORGANIZATION, _ORGANIZATION.c.id == _ACTIVITY.c.organization_id)
             .where(_PERSON.c.household_id == bindparam("household_id"), _PERSON.c.role == "child")
             .order_by(_PERSON.c.birth_date, _PERSON.c.id))
_SESSIONS = (sa_select(_SESSION.c.id, _SESSION.c.activity_id, _SESSION.c.date, _SESSION.c.capacity,
                       _SESSION.c.booked_count, _SESSION.c.closure_id, _CLOSURE.c.reason, _BOOKING.c.child_id,
                       _BOOKING.c.status, _BOOKING.c.waiting_position)
             .select_from(_SESSION)
             .outerjoin(_CLOSURE, _CLOSURE.c.id == _SESSION.c.closure_id)
             .outerjoin(_BOOKING, and_(_BOOKING.c.session_id == _SESSION.c.id,
                                       _BOOKING.c.child_id.in_(bindparam("child_ids", expanding=True))))
             .where(_SESSION.c.activity_id.in_(bindparam("activity_ids", expanding=True)),
                    _SESSION.c.date >= bindparam("first"), _SESSION.c.date <= bindparam("last"))
             .order_by(_SESSION.c.date, _SESSION.c.activity_id))


def _facts(s: Session, actor: Actor, child_ids: list[int] | None, first: date, last: date,
           activity_id: int | None = None) -> _Facts:
    """Two queries (the calendar is read at every tap): the household's children with their
    registrations, activities and the activities' school zones; then the sessions of the dates with
    their closures' reasons and these children's bookings."""
    household_id = actor.require_household()
    children: dict[int, _Child] = {}
    registrations, activities, zones = {}, {}, {}
    for row in s.execute(_CHILDREN, {"household_id": household_id}).all():
        child_id, first_name, reg_activity, status, zone = row[:5]
        if child_id not in children:
            children[child_id] = _Child(child_id, first_name)
        if reg_activity is None:
            continue
        registrations[(reg_activity, child_id)] = status
        if activity_id in (None, reg_activity) and reg_activity not in activities:
            activities[reg_activity], zones[reg_activity] = _ActivityRow._make(row[5:]), zone
    everyone = list(children.values())
    if child_ids:
        if not set(child_ids) <= set(children):
            raise AccessDenied()
        registrations = {key: status for key, status in registrations.items() if key[1] in child_ids}
        children = {cid: child for cid, child in children.items() if cid in child_ids}
        activities = {a: activity for a, activity in activities.items() if any(
            (a, cid) in registrations for cid in children)}
    ids = list(children)
    rows = s.execute(_SESSIONS, {"child_ids": ids, "activity_ids": list(activities), "first": first, "last": last}
                     ).all() if activities and ids else []
    sessions, closures, booked = {}, {}, {}
    for row in rows:
        session_id, closure_id, booked_child = row[0], row[5], row[7]
        if session_id not in sessions:
            sessions[session_id] = _Session._make(row[:6])
        if closure_id:
            closures[closure_id] = row[6]
        if booked_child is not None:
            booked[(session_id, booked_child)] = _Booking(row[8], row[9])
    return _Facts(list(children.values()), activities, registrations, list(sessions.values()), closures, booked,
                  zones=sorted({zones[a] for a in activities if zones[a]}), household_children=everyone)


def _decide(facts: _Facts, session: _Session, child: _Child, now) -> rules.Decision:
    activity = facts.activities[session.activity_id]
    booking = facts.bookings.get((session.id, child.id))
    if activity.id not in facts.rules:  # built once per activity, not per cell
        facts.rules[activity.id] = rules.ActivityRules.from_activity(activity)
    return rules.decide(
        rules=facts.rules[activity.id], session_date=session.date, now=now,
        closed_reason=facts.closures.get(session.closure_id) if session.closure_id else None,
        capacity=session.capacity, booked_count=session.booked_count,
        registration=facts.registrations.get((activity.id, child.id)),
        booking_status=booking.status if booking else None,
        waiting_position=booking.waiting_position if booking else None)


def _action(decision: rules.Decision) -> str:
    if decision.can_book:
        return "book"
    if decision.can_cancel:
        return "cancel"
    if decision.can_join_waiting_list:
        return "join"
    if decision.can_leave_waiting_list:
        return "leave"
    return ""


@dataclasses.dataclass(frozen=True)
class CalendarPage:
    """« Réservations » as it opens: the chips, the feed's state, the month."""

    children: list[tuple[int, str]]  # (id, first name) of every child of the household
    child_id: int  # the child shown (0: all), the one asked for if still in the household
    has_feed: bool
    month: Month


def open_calendar(s: Session, *, actor: Actor, year: int, month: int, child_id: int = 0) -> CalendarPage:
    """Everything the page shows when opened, read in one go (one connection, no extra round trip
    for the children): a child that is no longer in the household falls back to all of them."""
    if child_id:
        try:
            view, facts = _month(s, actor, year, month, child_id)
        except AccessDenied:  # not (or no longer) a child of the household
            child_id = 0
    if not child_id:
        view, facts = _month(s, actor, year, month, None)
    children = [(c.id, c.first_name) for c in facts.household_children]
    return CalendarPage(children=children, child_id=child_id, has_feed=feeds.has_feed(s, actor=actor), month=view)


def month_view(s: Session, *, actor: Actor, year: int, month: int, child_id: int | None = None) -> Month:
    """The month's grid (weeks of 7 days) and, for phones, the list of days with sessions."""
    return _month(s, actor, year, month, child_id)[0]


def _month(s: Session, actor: Actor, year: int, month: int, child_id: int | None) -> tuple[Month, _Facts]:
    if not (2000 <= year <= 2100 and 1 <= month <= 12):
        raise InvalidInput("Mois invalide.")
    first = date(year, month, 1)
    last = date(year, month, pycalendar.monthrange(year, month)[1])
    grid_start = first - timedelta(days=first.weekday())
    grid_end = last + timedelta(days=6 - last.weekday())
    facts = _facts(s, actor, [child_id] if child_id else None, grid_start, grid_end)
    now, today = clock.now(), clock.today()
    by_day: dict[date, list[Cell]] = {}
    # Absences only change booked cells: no query for a month without any booking.
    booked = {session_id for (session_id, _child), b in facts.bookings.items() if b.status == "booked"}
    absent = absences.calendar_marks(
        s, child_ids=[c.id for c in facts.children], first=grid_start, last=grid_end,
        sessions=[(x.id, x.date, facts.activities[x.activity_id].organization_id) for x in facts.sessions
                  if x.id in booked])
    for session in facts.sessions:
        activity = facts.activities[session.activity_id]
        for child in facts.children:
            if (activity.id, child.id) not in facts.registrations:
                continue
            decision = _decide(facts, session, child, now)
            state, label = decision.state, decision.label
            if decision.state == "booked" and (session.id, child.id) in absent:
                state = absent[(session.id, child.id)]
                label = absences.CALENDAR_LABELS[state]
            by_day.setdefault(session.date, []).append(Cell(
                child_id=child.id, child_name=child.first_name, activity_name=activity.name,
                session_id=session.id, state=state, label=label, reason=decision.reason,
                action=_action(decision)))
    zones = facts.zones
    day_menus = menus.household_menus(s, actor.household_id, grid_start, grid_end)
    days, day = [], grid_start
    while day <= grid_end:
        cells = by_day.get(day, [])
        in_month = day.month == month
        days.append(Day(iso=day.isoformat(), number=day.day,
                        title=f"{LONG_DAY_NAMES[day.weekday()]} {day.day:02d}/{day.month:02d}", in_month=in_month,
                        is_today=day == today, cells=cells, menu=day_menus.get(day, ""),
                        note=_no_session_note(day, zones) if in_month and not cells and facts.activities else ""))
        day += timedelta(days=1)
    return Month(year=year, month=month, title=_month_title(year, month),
                 weeks=[days[i:i + 7] for i in range(0, len(days), 7)],
                 days_with_sessions=[d for d in days if d.in_month and d.cells]), facts


@functools.lru_cache(maxsize=256)  # Babel's formatting, at every tap, for a dozen distinct months
def _month_title(year: int, month: int) -> str:
    return babel_date(date(year, month, 1), "MMMM y", locale="fr_FR").capitalize()


def _no_session_note(day: date, zones: list[str]) -> str:
    """Why a weekday has no session, so that the calendar never shows a blank day."""
    if day.weekday() >= 5:
        return ""
    if rules.is_public_holiday(day):
        return "Jour férié"
    if any(school_calendar.is_school_holiday(day, zone) for zone in zones):
        return "Vacances scolaires"
    return "Pas d'accueil"


# --- Bulk and recurring booking ----------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class BulkLine:
    child_name: str
    day: str  # "lun. 05/10/2026"
    activity_name: str
    ok: bool
    outcome: str  # what will happen / happened, or why not


@dataclasses.dataclass(frozen=True)
class BulkRequest:
    child_ids: list[int]
    activity_id: int
    date_from: date
    date_to: date
    weekdays: list[int]
    action: str = "book"  # or "cancel"
    join_waiting_list: bool = False


def _check_request(request: BulkRequest) -> None:
    # Named children and one activity: an empty list would otherwise mean "every child" below.
    if not request.activity_id:
        raise InvalidInput("Choisissez une activité.", field="activity_id")
    if not request.child_ids:
        raise InvalidInput("Choisissez au moins un enfant.", field="children")
    if request.action not in ("book", "cancel"):
        raise InvalidInput("Action inconnue.")
    if request.date_to < request.date_from:
        raise InvalidInput("La date de fin doit suivre la date de début.", field="date_to")
    if (request.date_to - request.date_from).days > MAX_BULK_DAYS:
        raise InvalidInput("Choisissez une période de six mois au plus.", field="date_to")
    if not request.weekdays:
        raise InvalidInput("Choisissez au moins un jour de la semaine.", field="weekdays")


def _planned(s: Session, actor: Actor, request: BulkRequest):
    _check_request(request)
    facts = _facts(s, actor, request.child_ids or None, request.date_from, request.date_to, request.activity_id)
    if not any((request.activity_id, child.id) in facts.registrations for child in facts.children):
        # Otherwise an empty preview, « Aucune date ne correspond », would not say why.
        names = " ni ".join(_of(child.first_name) for child in facts.children)
        raise InvalidInput(f"Pas d'inscription {names} à cette activité : passez d'abord par "
                           "« Inscrire à une activité ».", field="activity_id")
    for session in facts.sessions:
        if session.date.weekday() not in request.weekdays:
            continue
        for child in facts.children:
            if (session.activity_id, child.id) in facts.registrations:
                yield facts, session, child


def _of(name: str) -> str:
    """« de Tom », « d'Anna », « d'Hugo »."""
    return f"d'{name}" if name[:1].lower() in "aeiouyhéèêàâîïôû" else f"de {name}"


def _label(session: _Session) -> str:
    return format_short_day(session.date)


def preview_bulk(s: Session, *, actor: Actor, request: BulkRequest) -> list[BulkLine]:
    """What confirming would do, date by date, with the reason when a date cannot be done."""
    now, lines = clock.now(), []
    for facts, session, child in _planned(s, actor, request):
        decision = _decide(facts, session, child, now)
        activity = facts.activities[session.activity_id].name
        if request.action == "book":
            if decision.state == "booked":
                lines.append(BulkLine(child.first_name, _label(session), activity, False, "Déjà réservé"))
            elif decision.can_book:
                lines.append(BulkLine(child.first_name, _label(session), activity, True,
                                      "Sera réservé" + (" (majoration)" if decision.late else "")))
            elif decision.can_join_waiting_list and request.join_waiting_list:
                lines.append(BulkLine(child.first_name, _label(session), activity, True,
                                      "Complet : sera ajouté à la liste d'attente"))
            else:
                lines.append(BulkLine(child.first_name, _label(session), activity, False,
                                      decision.reason or decision.label))
        elif decision.can_cancel or decision.can_leave_waiting_list:
            lines.append(BulkLine(child.first_name, _label(session), activity, True, "Sera annulé"))
        elif decision.state in ("booked", "waiting"):
            lines.append(BulkLine(child.first_name, _label(session), activity, False,
                                  decision.reason or decision.label))
    return lines


def apply_bulk(s: Session, *, actor: Actor, request: BulkRequest) -> list[BulkLine]:
    """Do it in one transaction; each date is re-decided under its lock, so the
    answer says exactly what was booked (or cancelled) and what was refused."""
    household_id = actor.require_household()
    planned = list(_planned(s, actor, request))
    now, done = clock.now(), []
    for facts, session, child in sorted(planned, key=lambda p: p[1].id):  # lock order: no deadlock
        current = bookings.lock_facts(s, household_id=household_id, child_id=child.id, session_id=session.id)
        activity = facts.activities[session.activity_id]
        try:
            if request.action == "book" and current.booking_status == "booked":
                ok, text = False, "Déjà réservé"
            elif request.action == "book":
                outcome = bookings.book_locked(s, current, actor=actor, join_waiting_list=request.join_waiting_list,
                                               now=now)
                ok = True
                text = "Réservé" if outcome.status == "booked" else f"Liste d'attente : n° {outcome.position}"
            elif current.booking_status in ("booked", "waiting"):
                bookings.cancel_locked(s, current, now=now)
                ok, text = True, "Annulé"
            else:
                continue
        except DomainError as exc:
            ok, text = False, exc.message
        done.append((session.date, child.first_name,
                     BulkLine(child.first_name, _label(session), activity.name, ok, text)))
    return [line for _day, _child, line in sorted(done, key=lambda item: item[:2])]


def household_activities(s: Session, *, actor: Actor) -> list[tuple[int, str]]:
    """(id, name) of the activities the household's children are registered to."""
    household_id = actor.require_household()
    return [(a, n) for a, n in s.exec(
        select(Activity.id, Activity.name).join(ActivityRegistration, ActivityRegistration.activity_id == Activity.id)
        .where(ActivityRegistration.household_id == household_id,
               col(ActivityRegistration.status).in_(["validated"])).distinct().order_by(Activity.name)).all()]
