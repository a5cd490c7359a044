"""Capacity set for one date (a trip with fewer seats, an extra helper one day)."""

from __future__ import annotations

from sqlmodel import Session, select

from cityviz.models import Activity, ActivitySession
from cityviz.services import audit
from cityviz.services.accounts.actor import Actor
from cityviz.services.booking import bookings
from cityviz.services.errors import InvalidInput, NotFound
from cityviz.services.formatting import format_date

MAX_CAPACITY = 2000


def set_session_capacity(s: Session, *, actor: Actor, session_id: int, capacity: int) -> int:
    """Change the places of one date: never below the children already booked; a raise gives
    the new places to the waiting list, in order. The activity's capacity no longer changes
    this date afterwards. Returns how many waiting children got a place."""
    session = s.exec(select(ActivitySession).where(ActivitySession.id == session_id).with_for_update()).first()
    if session is None:
        raise NotFound("Séance introuvable.")
    activity = s.get(Activity, session.activity_id)
    actor.require_capability(activity.organization_id, "activities")
    if not isinstance(capacity, int) or not 0 <= capacity <= MAX_CAPACITY:
        raise InvalidInput(f"Le nombre de places est compris entre 0 et {MAX_CAPACITY}.", field="capacity")
    if capacity < session.booked_count:
        raise InvalidInput(f"{session.booked_count} enfant(s) déjà réservé(s) le {format_date(session.date)} : "
                           "le nombre de places ne peut pas descendre en dessous.", field="capacity")
    before = session.capacity
    session.capacity, session.capacity_custom = capacity, True
    s.add(session)
    s.flush()
    promoted = bookings.promote_waiting(s, session.id) if capacity > before else []
    audit.record(s, actor=actor, action="session.capacity", organization_id=activity.organization_id,
                 object_type="activity_session", object_id=session.id, activity=activity.name,
                 date=session.date, before=before, capacity=capacity, promoted=len(promoted))
    return len(promoted)
