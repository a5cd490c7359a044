"""Private, revocable calendar feed (.ics) of a household's bookings."""

from __future__ import annotations

from datetime import timedelta

from icalendar import Calendar, Event
from sqlalchemy import bindparam, update
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from cityviz import clock, config
from cityviz.models import Activity, ActivitySession, Booking, CalendarFeed, Organization, Person
from cityviz.services.accounts import passwords
from cityviz.services.accounts.actor import Actor
from cityviz.services.booking import rules
from cityviz.services.errors import NotFound


def feed_url(token: str) -> str:
    return f"{config.get().public_url}/agenda/{token}.ics"


# Built once: « Réservations » asks it each time it opens.
_FEED = CalendarFeed.__table__
_HAS_FEED = sa_select(_FEED.c.id).where(_FEED.c.household_id == bindparam("household_id"),
                                        _FEED.c.revoked_at.is_(None)).limit(1)


def has_feed(s: Session, *, actor: Actor) -> bool:
    household_id = actor.require_household()
    return s.execute(_HAS_FEED, {"household_id": household_id}).first() is not None


def _revoke(s: Session, household_id: int) -> None:
    s.execute(update(CalendarFeed).where(col(CalendarFeed.household_id) == household_id,
                                         col(CalendarFeed.revoked_at).is_(None)).values(revoked_at=clock.now()))


def create_feed(s: Session, *, actor: Actor) -> str:
    """A new private link (the previous one stops working). Only its hash is kept."""
    household_id = actor.require_household()
    _revoke(s, household_id)
    token = passwords.new_token(24)
    s.add(CalendarFeed(household_id=household_id, token_hash=passwords.token_hash(token), created_at=clock.now()))
    return feed_url(token)


def revoke_feed(s: Session, *, actor: Actor) -> None:
    _revoke(s, actor.require_household())


def render_feed(s: Session, *, token: str) -> bytes:
    """The .ics for whoever holds the link (a phone's calendar app): booked sessions
    from a month ago to the end of the activities."""
    feed = s.exec(select(CalendarFeed).where(CalendarFeed.token_hash == passwords.token_hash(token),
                                             col(CalendarFeed.revoked_at).is_(None))).first()
    if feed is None:
        raise NotFound("Lien d'agenda inconnu ou révoqué.")
    since = clock.today() - timedelta(days=31)
    rows = s.exec(select(Booking, ActivitySession, Activity, Person, Organization.name)
                  .join(ActivitySession, ActivitySession.id == Booking.session_id)
                  .join(Activity, Activity.id == ActivitySession.activity_id)
                  .join(Person, Person.id == Booking.child_id)
                  .join(Organization, Organization.id == Activity.organization_id)
                  .where(Booking.household_id == feed.household_id, Booking.status == "booked",
                         ActivitySession.date >= since).order_by(ActivitySession.date)).all()
    calendar = Calendar()
    calendar.add("prodid", "-//Cityviz Enfance//Réservations//FR")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", "Réservations Cityviz Enfance")
    for booking, session, activity, child, org_name in rows:
        event = Event()
        event.add("uid", f"booking-{booking.id}@cityviz-enfance")
        event.add("summary", f"{activity.name} – {child.first_name}")
        event.add("dtstart", rules.paris_at(session.date, activity.start_minutes))
        event.add("dtend", rules.paris_at(session.date, activity.end_minutes))
        event.add("dtstamp", booking.updated_at)
        event.add("location", org_name)
        calendar.add_component(event)
    return calendar.to_ical()
