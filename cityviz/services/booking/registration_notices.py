"""Registrations: the families' e-mails, and the waiting list moving up when places open."""

from __future__ import annotations

from sqlmodel import Session, func, select

from cityviz import clock, config
from cityviz.models import Activity, ActivityRegistration, Person, User
from cityviz.services import email as mail


def tell_family(s: Session, registration: ActivityRegistration, activity: Activity, status: str, reason: str) -> None:
    child = s.get(Person, registration.child_id)
    text = {
        "validated": f"l'inscription de {child.first_name} à « {activity.name} » est validée. Vous pouvez "
                     f"réserver des dates : {config.get().public_url}/reservations",
        "waiting": f"l'activité « {activity.name} » est complète : {child.first_name} est sur la liste "
                   f"d'attente (n° {registration.waiting_position}). Vous serez prévenu(e) dès qu'une place se libère.",
        "refused": f"l'inscription de {child.first_name} à « {activity.name} » n'a pas été acceptée. Motif : {reason}",
    }[status]
    for address in s.exec(select(User.email).join(Person, Person.id == User.person_id)
                          .where(Person.household_id == registration.household_id)).all():
        mail.queue_email(s, to=address, subject=f"Inscription à « {activity.name} » – {child.first_name}",
                         body=f"Bonjour,\n\n{text}\n")


def validated_count(s: Session, activity_id: int) -> int:
    return s.exec(select(func.count()).select_from(ActivityRegistration).where(
        ActivityRegistration.activity_id == activity_id, ActivityRegistration.status == "validated")).one()


def promote_waiting_registrations(s: Session, activity: Activity, *, decided_by_id: int | None) -> int:
    """Places under the activity's maximum go to the waiting registrations, first come first
    served; each family is told. The caller holds the activity's lock. Returns how many."""
    waiting = s.exec(select(ActivityRegistration).where(
        ActivityRegistration.activity_id == activity.id, ActivityRegistration.status == "waiting")
        .order_by(ActivityRegistration.waiting_position)).all()
    if not waiting:
        return 0
    free = len(waiting) if activity.max_enrolled is None else activity.max_enrolled - validated_count(s, activity.id)
    chosen = waiting[:max(free, 0)]
    if not chosen:
        return 0
    now = clock.now()
    for registration in chosen:
        registration.status, registration.waiting_position = "validated", None
        registration.decided_at, registration.decided_by_id = now, decided_by_id
        s.add(registration)
    s.flush()
    # The others move up by as many places, keeping their order (positions stay unique).
    for position, registration in enumerate(waiting[len(chosen):], start=1):
        registration.waiting_position = -position
        s.add(registration)
    s.flush()
    rest = waiting[len(chosen):]
    for registration in rest:
        registration.waiting_position = -registration.waiting_position
        s.add(registration)
    s.flush()
    for registration in chosen:
        tell_family(s, registration, activity, "validated", "")
    return len(chosen)

