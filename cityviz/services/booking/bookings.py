"""Booking and cancelling a session, waiting lists — safe under concurrency.

One path for every write that moves a place: a parent's booking or
cancellation, bulk booking (calendar), waiting-list promotion (a cancellation,
a raised capacity) and a closure. It starts with one query that locks the
session row (SQLite: the transaction is BEGIN IMMEDIATE, so writers are
serialised; PostgreSQL: SELECT … FOR UPDATE OF activity_session) and reads
everything the decision needs; then the rules engine decides (the same one the
calendar shows); then prepared Core statements move the counters and the
booking rows. The database refuses the rest: booked ≤ capacity, one booking
per child and session, unique waiting positions.

Core statements bypass the ORM: copies of these rows loaded earlier in the
same transaction are expired (`_forget`), so code that reads them after sees
the new values.
"""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, timedelta

from sqlalchemy import and_, bindparam, insert, inspect, update
from sqlalchemy.engine import Row
from sqlmodel import Session, select

from cityviz import clock, config, jobs
from cityviz.models import Activity, ActivityRegistration, ActivitySession, Booking, Closure, Person, User
from cityviz.services import email as mail
from cityviz.services.accounts.actor import Actor
from cityviz.services.booking import rules
from cityviz.services.errors import AccessDenied, DomainError, NotFound
from cityviz.services.formatting import format_long_date


class BookingRefused(DomainError):
    code = "booking_refused"


class SessionFull(DomainError):
    code = "session_full"
    default_message = "Complet : il n'y a plus de place pour cette date."


@dataclasses.dataclass(frozen=True)
class Outcome:
    status: str  # booked, waiting, cancelled
    position: int | None = None
    late: bool = False


def own_child(s: Session, actor: Actor, child_id: int) -> Person:
    household_id = actor.require_household()
    child = s.get(Person, child_id)
    if child is None or child.household_id != household_id or child.role != "child":
        raise AccessDenied()
    return child


def registration_status(s: Session, activity_id: int, child_id: int) -> str | None:
    return s.exec(select(ActivityRegistration.status).where(
        ActivityRegistration.activity_id == activity_id, ActivityRegistration.child_id == child_id)).first()


# --- The statements (built once) -------------------------------------------------------------

_SESSION, _BOOKING = ActivitySession.__table__, Booking.__table__
_NOTICE = [f"{p}_{c}" for p in ("booking", "cancel", "late")
           for c in ("notice_kind", "notice_days", "cutoff_minutes", "notice_weekday")]
# Everything the decision needs, the session row locked. Without a child
# (child_id NULL) it still gives the session and its activity's rules.
_FACTS = (
    select(ActivitySession.id, ActivitySession.date, ActivitySession.capacity, ActivitySession.booked_count,
           ActivitySession.waiting_count, ActivitySession.closure_id, ActivitySession.activity_id,
           Activity.organization_id, Activity.name.label("activity_name"), Activity.weekdays, Activity.start_date, Activity.end_date,
           Activity.start_minutes, Activity.end_minutes, Activity.horizon_days, Activity.late_surcharge_percent,
           *[getattr(Activity, name) for name in _NOTICE], Closure.reason.label("closure_reason"),
           Person.id.label("child_id"), Person.household_id.label("child_household_id"),
           Person.first_name.label("child_first_name"), ActivityRegistration.status.label("registration"),
           Booking.id.label("booking_id"), Booking.status.label("booking_status"),
           Booking.waiting_position.label("booking_position"))
    .select_from(ActivitySession)
    .join(Activity, Activity.id == ActivitySession.activity_id)
    .outerjoin(Closure, Closure.id == ActivitySession.closure_id)
    .outerjoin(Person, and_(Person.id == bindparam("child_id"), Person.role == "child"))
    .outerjoin(ActivityRegistration, and_(ActivityRegistration.activity_id == ActivitySession.activity_id,
                                          ActivityRegistration.child_id == bindparam("child_id")))
    .outerjoin(Booking, and_(Booking.session_id == ActivitySession.id, Booking.child_id == bindparam("child_id")))
    .where(ActivitySession.id == bindparam("session_id"))
    .with_for_update(of=_SESSION)
)
_TAKE_PLACE = (update(_SESSION).where(_SESSION.c.id == bindparam("sid"), _SESSION.c.booked_count < _SESSION.c.capacity)
               .values(booked_count=_SESSION.c.booked_count + 1))
_FREE_PLACE = update(_SESSION).where(_SESSION.c.id == bindparam("sid")).values(booked_count=_SESSION.c.booked_count - 1)
_QUEUE = update(_SESSION).where(_SESSION.c.id == bindparam("sid")).values(waiting_count=bindparam("position"))
_UNQUEUE = (update(_SESSION).where(_SESSION.c.id == bindparam("sid"))
            .values(waiting_count=_SESSION.c.waiting_count - 1))
_PROMOTED = (update(_SESSION).where(_SESSION.c.id == bindparam("sid"))
             .values(booked_count=_SESSION.c.booked_count + bindparam("n"),
                     waiting_count=_SESSION.c.waiting_count - bindparam("n")))
_CLOSE = (update(_SESSION).where(_SESSION.c.id == bindparam("sid"))
          .values(closure_id=bindparam("closure_id"), booked_count=0, waiting_count=0))
_INSERT_BOOKING = insert(_BOOKING)
_REUSE_BOOKING = (update(_BOOKING).where(_BOOKING.c.id == bindparam("bid"))
                  .values(status=bindparam("status"), waiting_position=bindparam("position"),
                          is_late=bindparam("late"), updated_at=bindparam("now"), cancelled_at=None,
                          cancel_reason=None))
_CANCELLED = dict(status="cancelled", waiting_position=None, cancelled_at=bindparam("now"),
                  cancel_reason=bindparam("reason"), updated_at=bindparam("now"))
_CANCEL_ONE = update(_BOOKING).where(_BOOKING.c.id == bindparam("bid")).values(**_CANCELLED)
_HELD = and_(_BOOKING.c.session_id == bindparam("sid"), _BOOKING.c.status.in_(["booked", "waiting"]))
_WAITING = and_(_BOOKING.c.session_id == bindparam("sid"), _BOOKING.c.status == "waiting")
_WAITING_BOOKINGS = (select(_BOOKING.c.id, _BOOKING.c.child_id, _BOOKING.c.household_id).where(_WAITING)
                     .order_by(_BOOKING.c.waiting_position))
_CANCEL_WAITING = update(_BOOKING).where(_WAITING).values(**_CANCELLED)
_NO_WAITING = update(_SESSION).where(_SESSION.c.id == bindparam("sid")).values(waiting_count=0)
_HELD_BOOKINGS = select(_BOOKING.c.id, _BOOKING.c.child_id, _BOOKING.c.household_id).where(_HELD)
_CANCEL_HELD = update(_BOOKING).where(_HELD).values(**_CANCELLED)
_FIRST_WAITING = (select(_BOOKING.c.id, _BOOKING.c.child_id, _BOOKING.c.household_id)
                  .where(_BOOKING.c.session_id == bindparam("sid"), _BOOKING.c.waiting_position <= bindparam("last"))
                  .order_by(_BOOKING.c.waiting_position))
_PROMOTE = (update(_BOOKING).where(_BOOKING.c.id.in_(bindparam("ids", expanding=True)))
            .values(status="booked", waiting_position=None, is_late=False, updated_at=bindparam("now")))
# Closing a gap goes through negative values: both databases check the
# unique waiting position row by row.
_SHIFT_OUT = (update(_BOOKING).where(_BOOKING.c.session_id == bindparam("sid"),
                                     _BOOKING.c.waiting_position > bindparam("after"))
              .values(waiting_position=-(_BOOKING.c.waiting_position - bindparam("by"))))
_SHIFT_BACK = (update(_BOOKING).where(_BOOKING.c.session_id == bindparam("sid"), _BOOKING.c.waiting_position < 0)
               .values(waiting_position=-_BOOKING.c.waiting_position))
_SESSION_COUNTERS = ("booked_count", "waiting_count", "closure_id")
_BOOKING_STATE = ("status", "waiting_position", "is_late", "updated_at", "cancelled_at", "cancel_reason")


# --- Lock, decide ------------------------------------------------------------------------------

def lock_facts(s: Session, *, household_id: int, child_id: int, session_id: int) -> Row:
    """Lock the session and read what deciding for this child needs; the child
    must be one of `household_id`'s children (the household the actor acts for)."""
    facts = s.connection().execute(_FACTS, {"child_id": child_id, "session_id": session_id}).first()
    if facts is None:
        raise NotFound("Date introuvable.")
    if facts.child_household_id != household_id:
        raise AccessDenied()
    return facts


def _session_facts(s: Session, session_id: int) -> Row | None:
    """The locked session with its activity's rules, no child."""
    return s.connection().execute(_FACTS, {"child_id": None, "session_id": session_id}).first()


def decide(facts: Row, now: datetime) -> rules.Decision:
    """The rules engine's answer for the locked facts (what the calendar cell shows)."""
    closed = None
    if facts.closure_id is not None:
        closed = facts.closure_reason or "fermeture"
    return rules.decide(
        rules=rules.ActivityRules.from_activity(facts), session_date=facts.date, now=now, closed_reason=closed,
        capacity=facts.capacity, booked_count=facts.booked_count, registration=facts.registration,
        booking_status=facts.booking_status, waiting_position=facts.booking_position)


def _refusal(decision: rules.Decision, first_name: str) -> DomainError:
    if decision.state == "full":
        return SessionFull(decision.reason)
    if decision.state in ("booked", "waiting"):
        return BookingRefused(f"{first_name} est déjà inscrit(e) ce jour-là ({decision.label}).")
    return BookingRefused(decision.reason or f"Réservation impossible : {decision.label.lower()}.")


# --- Book ------------------------------------------------------------------------------------

def book_session(s: Session, *, actor: Actor, child_id: int, session_id: int,
                 join_waiting_list: bool = False) -> Outcome:
    facts = lock_facts(s, household_id=actor.require_household(), child_id=child_id, session_id=session_id)
    return book_locked(s, facts, actor=actor, join_waiting_list=join_waiting_list, now=clock.now())


def book_locked(s: Session, facts: Row, *, actor: Actor, join_waiting_list: bool, now: datetime) -> Outcome:
    """Book (or queue) on facts from `lock_facts`; raises with the engine's reason."""
    decision = decide(facts, now)
    connection = s.connection()
    if decision.can_book:
        if connection.execute(_TAKE_PLACE, {"sid": facts.id}).rowcount != 1:
            raise SessionFull()  # cannot happen under the lock; the guard stays
        _write_booking(connection, facts, actor, now, "booked", None, decision.late)
        outcome = Outcome("booked", late=decision.late)
    elif decision.can_join_waiting_list and join_waiting_list:
        position = facts.waiting_count + 1
        connection.execute(_QUEUE, {"sid": facts.id, "position": position})
        _write_booking(connection, facts, actor, now, "waiting", position, False)
        watch_waiting_list(s, facts)
        outcome = Outcome("waiting", position=position)
    else:
        raise _refusal(decision, facts.child_first_name)
    _forget(s, facts.id)
    return outcome


def _write_booking(connection, facts: Row, actor: Actor, now: datetime, status: str, position: int | None,
                   late: bool) -> None:
    if facts.booking_id is None:
        connection.execute(_INSERT_BOOKING, {
            "session_id": facts.id, "child_id": facts.child_id, "household_id": facts.child_household_id,
            "status": status, "waiting_position": position, "is_late": late, "created_at": now, "updated_at": now,
            "created_by_id": actor.user_id, "cancelled_at": None, "cancel_reason": None})
    else:
        connection.execute(_REUSE_BOOKING, {"bid": facts.booking_id, "status": status, "position": position,
                                            "late": late, "now": now})


# --- Cancel ----------------------------------------------------------------------------------

def cancel_booking(s: Session, *, actor: Actor, child_id: int, session_id: int) -> Outcome:
    household_id = actor.require_household()
    try:
        facts = lock_facts(s, household_id=household_id, child_id=child_id, session_id=session_id)
    except NotFound:
        own_child(s, actor, child_id)  # another household's child is refused first, date or not
        raise
    return cancel_locked(s, facts, now=clock.now())


def cancel_locked(s: Session, facts: Row, *, now: datetime) -> Outcome:
    """Cancel a booking (the place goes to the waiting list) or leave the
    waiting list, on facts from `lock_facts`."""
    decision = decide(facts, now)
    connection = s.connection()
    if facts.booking_status == "booked" and decision.can_cancel:
        connection.execute(_FREE_PLACE, {"sid": facts.id})
        connection.execute(_CANCEL_ONE, {"bid": facts.booking_id, "now": now, "reason": "parent"})
        _promote(s, facts, free=facts.capacity - facts.booked_count + 1, waiting=facts.waiting_count, now=now)
    elif facts.booking_status == "waiting" and decision.can_leave_waiting_list:
        connection.execute(_CANCEL_ONE, {"bid": facts.booking_id, "now": now, "reason": "parent"})
        _shift_waiting_list(connection, facts.id, after=facts.booking_position or 0, by=1)
        connection.execute(_UNQUEUE, {"sid": facts.id})
    else:
        raise BookingRefused(decision.reason or "Il n'y a pas de réservation à annuler pour cette date.")
    _forget(s, facts.id)
    return Outcome("cancelled")


def _shift_waiting_list(connection, session_id: int, *, after: int, by: int) -> None:
    """Move every position above `after` down by `by` (a gap closed)."""
    connection.execute(_SHIFT_OUT, {"sid": session_id, "after": after, "by": by})
    connection.execute(_SHIFT_BACK, {"sid": session_id})


# --- Waiting list ------------------------------------------------------------------------------

def promote_waiting(s: Session, session_id: int, *, now: datetime | None = None) -> list[int]:
    """Give the session's free places to the first children waiting (after a
    capacity raise); the caller holds the session's lock or takes it here."""
    facts = _session_facts(s, session_id)
    if facts is None:
        raise NotFound("Date introuvable.")
    promoted = _promote(s, facts, free=facts.capacity - facts.booked_count, waiting=facts.waiting_count,
                        now=now or clock.now())
    _forget(s, session_id)
    return promoted


def _promote(s: Session, facts: Row, *, free: int, waiting: int, now: datetime) -> list[int]:
    """Promote while the booking deadline still allows and the session is open.
    Promotion is never a late booking, whatever the time: the family asked in time.
    Each household is told by e-mail. Returns the promoted children's ids."""
    places = min(free, waiting)
    if (places <= 0 or facts.closure_id is not None
            or not rules.ActivityRules.from_activity(facts).can_book_in_time(now, facts.date)):
        return []
    connection = s.connection()
    first = connection.execute(_FIRST_WAITING, {"sid": facts.id, "last": places}).all()
    if not first:
        return []
    connection.execute(_PROMOTE, {"ids": [b.id for b in first], "now": now})
    # The promoted rows left the list (positions 1..n): the others move down by n.
    _shift_waiting_list(connection, facts.id, after=0, by=len(first))
    connection.execute(_PROMOTED, {"sid": facts.id, "n": len(first)})
    for booking in first:
        _tell_promoted(s, booking, facts)
    return [b.child_id for b in first]


def _tell_promoted(s: Session, booking: Row, facts: Row) -> None:
    child = s.get(Person, booking.child_id)
    recipients = s.exec(select(User.email).join(Person, Person.id == User.person_id)
                        .where(Person.household_id == booking.household_id)).all()
    for address in recipients:
        mail.queue_email(
            s, to=address, subject=f"Place obtenue – {facts.activity_name} le {facts.date:%d/%m/%Y}",
            organization_id=facts.organization_id, action_label="Voir mes réservations",
            body=(f"Bonjour,\n\nUne place s'est libérée : {child.first_name} est inscrit(e) à "
                  f"« {facts.activity_name} » le {format_long_date(facts.date)}.\nSi vous n'en avez plus "
                  f"besoin, pensez à annuler depuis le portail : {config.get().public_url}/reservations\n"))


def waiting_list_closes_at(activity_rules: rules.ActivityRules, day: date) -> datetime:
    """When nobody can be promoted any more: the minute after the booking deadline (that minute
    itself still allows booking, see rules.NoticeRule.is_open)."""
    deadline = rules.booking_deadline(activity_rules, day)
    return deadline.replace(second=0, microsecond=0) + timedelta(minutes=1)


def watch_waiting_list(s: Session, facts: Row) -> None:
    """A waiting list is closed when the booking deadline passes (booking/waiting_lists.py): one job
    per session, due at that moment."""
    deadline = waiting_list_closes_at(rules.ActivityRules.from_activity(facts), facts.date)
    job = jobs.enqueue(s, "booking.close_waiting_list", organization_id=facts.organization_id, run_after=deadline,
                       label=f"Clôture de la liste d'attente : {facts.activity_name} du {facts.date:%d/%m/%Y}"[:200],
                       unique_key=f"booking.close_waiting_list:{facts.id}", session_id=facts.id)
    if job.status in ("succeeded", "failed", "cancelled"):  # closed once, then the deadline moved later
        jobs.retry_job(s, job, run_after=deadline)


def lock_session(s: Session, session_id: int) -> Row:
    """The locked session with its activity's rules (no child): for jobs and staff work."""
    facts = _session_facts(s, session_id)
    if facts is None:
        raise NotFound("Date introuvable.")
    return facts


def close_waiting_list(s: Session, facts: Row, *, now: datetime) -> list[Row]:
    """The deadline has passed: the children still waiting leave the list (`waitlist`, never
    billed). The caller holds the lock (`lock_session`). Returns their (id, child_id, household_id)."""
    connection = s.connection()
    waiting = connection.execute(_WAITING_BOOKINGS, {"sid": facts.id}).all()
    if waiting:
        connection.execute(_CANCEL_WAITING, {"sid": facts.id, "now": now, "reason": "waitlist"})
    connection.execute(_NO_WAITING, {"sid": facts.id})
    _forget(s, facts.id)
    return list(waiting)


# --- Closure (staff) ---------------------------------------------------------------------------

def cancel_for_closure(s: Session, session_id: int, closure_id: int, now: datetime) -> list[Row]:
    """A closure cancels the session's bookings and waiting list (never billed),
    whatever the cancellation deadline; the caller holds the session's lock.
    Returns (id, child_id, household_id) of the cancelled bookings."""
    connection = s.connection()
    affected = connection.execute(_HELD_BOOKINGS, {"sid": session_id}).all()
    if affected:
        connection.execute(_CANCEL_HELD, {"sid": session_id, "now": now, "reason": "closure"})
    connection.execute(_CLOSE, {"sid": session_id, "closure_id": closure_id})
    _forget(s, session_id)
    return list(affected)


def _forget(s: Session, session_id: int) -> None:
    """Expire the loaded ORM copies of the session row and its bookings that
    the Core statements above may have changed (the hot path loads none)."""
    if not s.identity_map:
        return
    loaded = s.identity_map.get(Session.identity_key(ActivitySession, session_id))
    if loaded is not None:
        s.expire(loaded, _SESSION_COUNTERS)
    for key, obj in list(s.identity_map.items()):
        if key[0] is Booking and inspect(obj).dict.get("session_id") == session_id:
            s.expire(obj, _BOOKING_STATE)
