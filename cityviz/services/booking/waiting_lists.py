"""Waiting lists when the booking deadline passes.

Until the deadline a freed place goes to the first child waiting (bookings.
promote_waiting); after it nobody can be promoted any more, so the list is
closed: the children still waiting are taken off it (`cancel_reason='waitlist'`,
never billed) and their families told, so that they can make other arrangements
rather than hope until the morning itself. A job per session runs at its
deadline (enqueued when the first child joins the list); if the activity's notice
rules moved the deadline later, it promotes whoever it can and waits again.
"""

from __future__ import annotations

from sqlalchemy import update
from sqlmodel import col, select

from cityviz import clock, config, db, jobs
from cityviz.models import Activity, ActivitySession, Booking, Person, User
from cityviz.services import email as mail
from cityviz.services.booking import bookings, rules
from cityviz.services.formatting import format_long_date


@jobs.job("booking.close_waiting_list", label="Clôture d'une liste d'attente")
def close_waiting_list(ctx: jobs.JobContext, *, session_id: int) -> str:
    with db.transaction() as s:
        session = s.get(ActivitySession, session_id)
        if session is None:
            return "Date supprimée : rien à faire."
        session = bookings.lock_session(s, session_id)
        activity = s.get(Activity, session.activity_id)
        activity_rules = rules.ActivityRules.from_activity(activity)
        now = clock.now()
        closed = 0
        if activity_rules.can_book_in_time(now, session.date):
            promoted = bookings.promote_waiting(s, session, now=now)
            later = bookings.waiting_list_closes_at(activity_rules, session.date) if session.waiting_count else None
        else:
            promoted, later = [], None
            closed = _close(s, session, activity, now)
    if later is not None:
        raise jobs.RunLater(later)  # after the commit of the promotions
    if promoted:
        return f"{len(promoted)} enfant(s) inscrit(s) depuis la liste d'attente."
    if not closed:
        return "Plus personne n'attend pour cette date."
    return f"Liste d'attente close : {closed} famille(s) prévenue(s)."


def _close(s, session: ActivitySession, activity: Activity, now) -> int:
    waiting = list(s.exec(select(Booking).where(Booking.session_id == session.id, Booking.status == "waiting")
                          .order_by(Booking.waiting_position)).all())
    for booking in waiting:
        booking.status, booking.waiting_position = "cancelled", None
        booking.cancelled_at, booking.cancel_reason, booking.updated_at = now, "waitlist", now
        s.add(booking)
    s.flush()
    s.execute(update(ActivitySession).where(col(ActivitySession.id) == session.id).values(waiting_count=0))
    for booking in waiting:
        child = s.get(Person, booking.child_id)
        for address in s.exec(select(User.email).join(Person, Person.id == User.person_id)
                              .where(Person.household_id == booking.household_id, User.is_active == True)).all():  # noqa: E712
            mail.queue_email(
                s, to=address, organization_id=activity.organization_id,
                subject=f"Pas de place – {activity.name} le {session.date:%d/%m/%Y}",
                body=(f"Bonjour,\n\nAucune place ne s'est libérée pour {child.first_name} à « {activity.name} » le "
                      f"{format_long_date(session.date)} : le délai de réservation est passé et la liste d'attente "
                      f"est close.\nVos réservations : {config.get().public_url}/reservations\n"))
    return len({b.household_id for b in waiting})
