"""Booking and cancelling a session, waiting lists — safe under concurrency.

Counters move only through SQL updates; SQLAlchemy applies the same change to
the loaded session object (synchronize_session), so code reads them after.

Every write starts by locking the session row (SQLite: the transaction is
BEGIN IMMEDIATE, so writers are serialised; PostgreSQL: SELECT … FOR UPDATE),
then asks the rules engine (the same one the calendar shows), then moves the
counters with conditional updates. The database refuses the rest:
booked ≤ capacity, one booking per child and session, unique waiting positions.
"""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, timedelta

from sqlalchemy import and_, bindparam, insert, update
from sqlmodel import Session, col, select

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


def lock_session(s: Session, session_id: int) -> ActivitySession:
    session = s.exec(select(ActivitySession).where(ActivitySession.id == session_id)
                     .with_for_update()).first()
    if session is None:
        raise NotFound("Date introuvable.")
    return session


def own_child(s: Session, actor: Actor, child_id: int) -> Person:
    household_id = actor.require_household()
    child = s.get(Person, child_id)
    if child is None or child.household_id != household_id or child.role != "child":
        raise AccessDenied()
    return child


def registration_status(s: Session, activity_id: int, child_id: int) -> str | None:
    return s.exec(select(ActivityRegistration.status).where(
        ActivityRegistration.activity_id == activity_id, ActivityRegistration.child_id == child_id)).first()


def closure_reason(s: Session, session: ActivitySession) -> str | None:
    if session.closure_id is None:
        return None
    closure = s.get(Closure, session.closure_id)
    return closure.reason if closure else "fermeture"


def decision_for(s: Session, session: ActivitySession, activity: Activity, child_id: int,
                 booking: Booking | None, now: datetime) -> rules.Decision:
    return rules.decide(
        rules=rules.ActivityRules.from_activity(activity), session_date=session.date, now=now,
        closed_reason=closure_reason(s, session), capacity=session.capacity,
        booked_count=session.booked_count, registration=registration_status(s, activity.id, child_id),
        booking_status=booking.status if booking else None,
        waiting_position=booking.waiting_position if booking else None)


def _booking(s: Session, session_id: int, child_id: int) -> Booking | None:
    return s.exec(select(Booking).where(Booking.session_id == session_id, Booking.child_id == child_id)).first()


def book_locked(s: Session, *, actor: Actor, session: ActivitySession, activity: Activity, child: Person,
                join_waiting_list: bool, now: datetime) -> Outcome:
    """Book (or queue) once the session row is locked. Raises with the engine's reason."""
    booking = _booking(s, session.id, child.id)
    decision = decision_for(s, session, activity, child.id, booking, now)
    if decision.can_book:
        moved = s.execute(update(ActivitySession).where(
            col(ActivitySession.id) == session.id,
            col(ActivitySession.booked_count) < col(ActivitySession.capacity))
            .values(booked_count=ActivitySession.booked_count + 1))
        if moved.rowcount != 1:  # cannot happen under the lock; the guard stays
            raise SessionFull()
        _save_booking(s, booking, session, child, actor, now, status="booked", late=decision.late)
        return Outcome("booked", late=decision.late)
    if decision.can_join_waiting_list and join_waiting_list:
        position = session.waiting_count + 1
        s.execute(update(ActivitySession).where(col(ActivitySession.id) == session.id)
                  .values(waiting_count=position))
        _save_booking(s, booking, session, child, actor, now, status="waiting", position=position)
        watch_waiting_list(s, session.id, activity.organization_id, activity.name, session.date,
                           rules.ActivityRules.from_activity(activity))
        return Outcome("waiting", position=position)
    if decision.state == "full":
        raise SessionFull(decision.reason)
    if decision.state in ("booked", "waiting"):
        raise BookingRefused(f"{child.first_name} est déjà inscrit(e) ce jour-là ({decision.label}).")
    raise BookingRefused(decision.reason or f"Réservation impossible : {decision.label.lower()}.")


def _save_booking(s: Session, booking: Booking | None, session: ActivitySession, child: Person,
                  actor: Actor, now: datetime, *, status: str, late: bool = False,
                  position: int | None = None) -> None:
    if booking is None:
        booking = Booking(session_id=session.id, child_id=child.id, household_id=child.household_id,
                          created_at=now, created_by_id=actor.user_id, status=status)
    booking.status, booking.waiting_position, booking.is_late = status, position, late
    booking.updated_at = now
    booking.cancelled_at = booking.cancel_reason = None
    s.add(booking)
    s.flush()


# The hot path (the morning the canteen opens): everything the decision needs
# in one locked query, then the writes as prepared Core statements — the
# write lock is held for as little Python work as possible.
_NOTICE = [f"{p}_{c}" for p in ("booking", "cancel", "late")
           for c in ("notice_kind", "notice_days", "cutoff_minutes", "notice_weekday")]
_FACTS = (
    select(ActivitySession.id, ActivitySession.date, ActivitySession.capacity, ActivitySession.booked_count,
           ActivitySession.waiting_count, ActivitySession.closure_id, ActivitySession.activity_id,
           Activity.organization_id, Activity.name.label("activity_name"),
           Activity.weekdays, Activity.start_date, Activity.end_date, Activity.start_minutes,
           Activity.end_minutes, Activity.horizon_days, Activity.late_surcharge_percent,
           *[getattr(Activity, name) for name in _NOTICE],
           Person.household_id.label("child_household_id"), Person.first_name.label("child_first_name"),
           ActivityRegistration.status.label("registration"), Booking.id.label("booking_id"),
           Booking.status.label("booking_status"), Booking.waiting_position.label("booking_position"))
    .select_from(ActivitySession)
    .join(Activity, Activity.id == ActivitySession.activity_id)
    .outerjoin(Person, and_(Person.id == bindparam("child_id"), Person.role == "child"))
    .outerjoin(ActivityRegistration, and_(ActivityRegistration.activity_id == ActivitySession.activity_id,
                                          ActivityRegistration.child_id == bindparam("child_id")))
    .outerjoin(Booking, and_(Booking.session_id == ActivitySession.id, Booking.child_id == bindparam("child_id")))
    .where(ActivitySession.id == bindparam("session_id"))
    .with_for_update(of=ActivitySession.__table__)
)
_TAKE_PLACE = (update(ActivitySession.__table__)
               .where(ActivitySession.__table__.c.id == bindparam("sid"),
                      ActivitySession.__table__.c.booked_count < ActivitySession.__table__.c.capacity)
               .values(booked_count=ActivitySession.__table__.c.booked_count + 1))
_QUEUE = (update(ActivitySession.__table__).where(ActivitySession.__table__.c.id == bindparam("sid"))
          .values(waiting_count=bindparam("position")))
_INSERT_BOOKING = insert(Booking.__table__)
_REUSE_BOOKING = (update(Booking.__table__).where(Booking.__table__.c.id == bindparam("bid"))
                  .values(status=bindparam("status"), waiting_position=bindparam("position"),
                          is_late=bindparam("late"), updated_at=bindparam("now"), cancelled_at=None,
                          cancel_reason=None))


def book_session(s: Session, *, actor: Actor, child_id: int, session_id: int,
                 join_waiting_list: bool = False) -> Outcome:
    household_id = actor.require_household()
    connection = s.connection()
    facts = connection.execute(_FACTS, {"child_id": child_id, "session_id": session_id}).first()
    if facts is None:
        raise NotFound("Date introuvable.")
    if facts.child_household_id != household_id:
        raise AccessDenied()
    now = clock.now()
    closed = None
    if facts.closure_id is not None:
        closed = s.get(Closure, facts.closure_id).reason
    decision = rules.decide(
        rules=rules.ActivityRules.from_activity(facts), session_date=facts.date, now=now, closed_reason=closed,
        capacity=facts.capacity, booked_count=facts.booked_count, registration=facts.registration,
        booking_status=facts.booking_status, waiting_position=facts.booking_position)
    if decision.can_book:
        if connection.execute(_TAKE_PLACE, {"sid": session_id}).rowcount != 1:
            raise SessionFull()  # cannot happen under the lock; the guard stays
        _write_booking(connection, facts, actor, child_id, now, "booked", None, decision.late)
        return Outcome("booked", late=decision.late)
    if decision.can_join_waiting_list and join_waiting_list:
        position = facts.waiting_count + 1
        connection.execute(_QUEUE, {"sid": session_id, "position": position})
        _write_booking(connection, facts, actor, child_id, now, "waiting", position, False)
        watch_waiting_list(s, session_id, facts.organization_id, facts.activity_name, facts.date,
                           rules.ActivityRules.from_activity(facts))
        return Outcome("waiting", position=position)
    if decision.state == "full":
        raise SessionFull(decision.reason)
    if decision.state in ("booked", "waiting"):
        raise BookingRefused(f"{facts.child_first_name} est déjà inscrit(e) ce jour-là ({decision.label}).")
    raise BookingRefused(decision.reason or f"Réservation impossible : {decision.label.lower()}.")


def _write_booking(connection, facts, actor: Actor, child_id: int, now: datetime, status: str,
                   position: int | None, late: bool) -> None:
    if facts.booking_id is None:
        connection.execute(_INSERT_BOOKING, {
            "session_id": facts.id, "child_id": child_id, "household_id": facts.child_household_id,
            "status": status, "waiting_position": position, "is_late": late, "created_at": now, "updated_at": now,
            "created_by_id": actor.user_id, "cancelled_at": None, "cancel_reason": None})
    else:
        connection.execute(_REUSE_BOOKING, {"bid": facts.booking_id, "status": status, "position": position,
                                            "late": late, "now": now})


def waiting_list_closes_at(activity_rules: rules.ActivityRules, day: date) -> datetime:
    """When nobody can be promoted any more: the minute after the booking deadline (that minute
    itself still allows booking, see rules.NoticeRule.is_open)."""
    deadline = rules.booking_deadline(activity_rules, day)
    return deadline.replace(second=0, microsecond=0) + timedelta(minutes=1)


def watch_waiting_list(s: Session, session_id: int, organization_id: int, activity_name: str, day: date,
                       activity_rules: rules.ActivityRules) -> None:
    """A waiting list is closed when the booking deadline passes (booking/waiting_lists.py): one job
    per session, due at that moment."""
    deadline = waiting_list_closes_at(activity_rules, day)
    job = jobs.enqueue(s, "booking.close_waiting_list", organization_id=organization_id, run_after=deadline,
                       label=f"Clôture de la liste d'attente : {activity_name} du {day:%d/%m/%Y}"[:200],
                       unique_key=f"booking.close_waiting_list:{session_id}", session_id=session_id)
    if job.status in ("succeeded", "failed", "cancelled"):  # closed once, then the deadline moved later
        jobs.retry_job(s, job, run_after=deadline)


def cancel_locked(s: Session, *, actor: Actor, session: ActivitySession, activity: Activity, child: Person,
                  now: datetime) -> Outcome:
    booking = _booking(s, session.id, child.id)
    decision = decision_for(s, session, activity, child.id, booking, now)
    if booking is not None and booking.status == "booked" and decision.can_cancel:
        s.execute(update(ActivitySession).where(col(ActivitySession.id) == session.id)
                  .values(booked_count=ActivitySession.booked_count - 1))
        _cancel(s, booking, now, "parent")
        promote_waiting(s, session, now=now)
        return Outcome("cancelled")
    if booking is not None and booking.status == "waiting" and decision.can_leave_waiting_list:
        _leave_waiting_list(s, session, booking, now)
        return Outcome("cancelled")
    raise BookingRefused(decision.reason or "Il n'y a pas de réservation à annuler pour cette date.")


def cancel_booking(s: Session, *, actor: Actor, child_id: int, session_id: int) -> Outcome:
    child = own_child(s, actor, child_id)
    session = lock_session(s, session_id)
    activity = s.get(Activity, session.activity_id)
    return cancel_locked(s, actor=actor, session=session, activity=activity, child=child, now=clock.now())


def _cancel(s: Session, booking: Booking, now: datetime, reason: str) -> None:
    booking.status, booking.waiting_position = "cancelled", None
    booking.cancelled_at, booking.cancel_reason, booking.updated_at = now, reason, now
    s.add(booking)
    s.flush()


def _shift_waiting_list(s: Session, session_id: int, after: int) -> None:
    """Close the gap left at `after`. Two steps, through negative values, because
    both databases check the unique position row by row."""
    behind = (col(Booking.session_id) == session_id) & (col(Booking.waiting_position) > after)
    s.execute(update(Booking).where(behind).values(waiting_position=-(Booking.waiting_position - 1)))
    s.execute(update(Booking).where(col(Booking.session_id) == session_id, col(Booking.waiting_position) < 0)
              .values(waiting_position=-Booking.waiting_position))


def _leave_waiting_list(s: Session, session: ActivitySession, booking: Booking, now: datetime) -> None:
    position = booking.waiting_position or 0
    _cancel(s, booking, now, "parent")
    _shift_waiting_list(s, session.id, position)
    s.execute(update(ActivitySession).where(col(ActivitySession.id) == session.id)
              .values(waiting_count=ActivitySession.waiting_count - 1))


def promote_waiting(s: Session, session: ActivitySession, *, now: datetime | None = None) -> list[int]:
    """Give freed places to the first children waiting, while the booking
    deadline still allows; each household is told by e-mail."""
    now = now or clock.now()
    activity = s.get(Activity, session.activity_id)
    activity_rules = rules.ActivityRules.from_activity(activity)
    promoted = []
    while (session.booked_count < session.capacity and session.waiting_count > 0
           and session.closure_id is None and activity_rules.can_book_in_time(now, session.date)):
        first = s.exec(select(Booking).where(Booking.session_id == session.id, Booking.waiting_position == 1)
                       .execution_options(populate_existing=True)).first()
        if first is None:
            break
        first.status, first.waiting_position, first.updated_at, first.is_late = "booked", None, now, False
        s.add(first)
        s.flush()
        _shift_waiting_list(s, session.id, 1)
        s.execute(update(ActivitySession).where(col(ActivitySession.id) == session.id).values(
            booked_count=ActivitySession.booked_count + 1, waiting_count=ActivitySession.waiting_count - 1))
        promoted.append(first.child_id)
        _tell_promoted(s, first, activity, session)
    return promoted


def _tell_promoted(s: Session, booking: Booking, activity: Activity, session: ActivitySession) -> None:
    child = s.get(Person, booking.child_id)
    recipients = s.exec(select(User.email).join(Person, Person.id == User.person_id)
                        .where(Person.household_id == booking.household_id)).all()
    for address in recipients:
        mail.queue_email(
            s, to=address, subject=f"Place obtenue – {activity.name} le {session.date:%d/%m/%Y}",
            body=(f"Bonjour,\n\nUne place s'est libérée : {child.first_name} est inscrit(e) à "
                  f"« {activity.name} » le {format_long_date(session.date)}.\nSi vous n'en avez plus "
                  f"besoin, pensez à annuler depuis le portail : {config.get().public_url}/reservations\n"))


def cancel_for_closure(s: Session, session: ActivitySession, closure_id: int, now: datetime) -> list[Booking]:
    """A closure cancels the session's bookings and waiting list (never billed)."""
    affected = list(s.exec(select(Booking).where(Booking.session_id == session.id,
                                                 col(Booking.status).in_(["booked", "waiting"]))).all())
    for booking in affected:
        _cancel(s, booking, now, "closure")
    s.execute(update(ActivitySession).where(col(ActivitySession.id) == session.id)
              .values(closure_id=closure_id, booked_count=0, waiting_count=0))
    return affected

