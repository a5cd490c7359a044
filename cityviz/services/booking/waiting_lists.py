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

from sqlmodel import select

from cityviz import clock, config, db, jobs
from cityviz.models import Person, User
from cityviz.services import email as mail
from cityviz.services.booking import bookings, rules
from cityviz.services.errors import NotFound
from cityviz.services.formatting import format_long_date


@jobs.job("booking.close_waiting_list", label="Clôture d'une liste d'attente")
def close_waiting_list(ctx: jobs.JobContext, *, session_id: int) -> str:
    with db.transaction() as s:
        try:
            facts = bookings.lock_session(s, session_id)
        except NotFound:
            return "Date supprimée : rien à faire."
        activity_rules = rules.ActivityRules.from_activity(facts)
        now = clock.now()
        closed = 0
        if activity_rules.can_book_in_time(now, facts.date):
            promoted = bookings.promote_waiting(s, session_id, now=now)
            still_waiting = facts.waiting_count - len(promoted)
            later = bookings.waiting_list_closes_at(activity_rules, facts.date) if still_waiting else None
        else:
            promoted, later = [], None
            closed = _tell_closed(s, facts, bookings.close_waiting_list(s, facts, now=now))
    if later is not None:
        raise jobs.RunLater(later)  # after the commit of the promotions
    if promoted:
        return f"{len(promoted)} enfant(s) inscrit(s) depuis la liste d'attente."
    if not closed:
        return "Plus personne n'attend pour cette date."
    return f"Liste d'attente close : {closed} famille(s) prévenue(s)."


def _tell_closed(s, facts, waiting) -> int:
    for booking in waiting:
        child = s.get(Person, booking.child_id)
        for address in s.exec(select(User.email).join(Person, Person.id == User.person_id)
                              .where(Person.household_id == booking.household_id, User.is_active == True)).all():  # noqa: E712
            mail.queue_email(
                s, to=address, organization_id=facts.organization_id, action_label="Voir mes réservations",
                subject=f"Pas de place – {facts.activity_name} le {facts.date:%d/%m/%Y}",
                body=(f"Bonjour,\n\nAucune place ne s'est libérée pour {child.first_name} à « {facts.activity_name} » "
                      f"le {format_long_date(facts.date)} : le délai de réservation est passé et la liste d'attente "
                      f"est close.\nVos réservations : {config.get().public_url}/reservations\n"))
    return len({b.household_id for b in waiting})
