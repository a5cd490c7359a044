"""Inscriptions aux activités: what a child may join, requests, staff decisions."""

from __future__ import annotations

import dataclasses
from datetime import date

from sqlalchemy import update
from sqlmodel import Session, col, func, select

from cityviz import clock
from cityviz.models import Activity, ActivityRegistration, Enrollment, Organization, Person, PriceBand
from cityviz.services import audit
from cityviz.services.accounts.actor import Actor
from cityviz.services.booking import activities
from cityviz.services.booking.bookings import own_child
from cityviz.services.booking.registration_notices import tell_family, validated_count
from cityviz.services.errors import Conflict, InvalidInput, NotFound
from cityviz.services.formatting import format_date, format_money
from cityviz.services.households.scope import knows_household, require_some_staff
from cityviz.services.inputs import bounded

STATUS_LABELS = {"pending": "En attente de validation", "validated": "Inscrit", "refused": "Refusée",
                 "waiting": "Liste d'attente", "cancelled": "Annulée"}


def age_on(birth: date, on: date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def ineligibility(activity: Activity, child: Person) -> str:
    """Why the child cannot join the activity ("" when eligible)."""
    if activity.eligible_levels:
        levels = activity.eligible_levels.split(",")
        if child.school_level not in levels:
            return f"Activité réservée aux classes : {', '.join(levels)}."
    if child.birth_date is not None and (activity.min_age is not None or activity.max_age is not None):
        age = age_on(child.birth_date, max(activity.start_date, clock.today()))
        if activity.min_age is not None and age < activity.min_age:
            return f"Activité à partir de {activity.min_age} ans."
        if activity.max_age is not None and age > activity.max_age:
            return f"Activité jusqu'à {activity.max_age} ans."
    return ""


@dataclasses.dataclass(frozen=True)
class OfferedActivity:
    id: int
    organization: str
    name: str
    description: str
    dates: str
    weekdays: str
    price: str
    rules: str
    needs_validation: bool
    status: str  # "" when not registered
    status_label: str
    ineligible: str


def offered_activities(s: Session, *, actor: Actor, child_id: int) -> list[OfferedActivity]:
    """Open activities of the organizations where the child's dossier is validated."""
    child = own_child(s, actor, child_id)
    org_ids = s.exec(select(Enrollment.organization_id).where(
        Enrollment.person_id == child.id, Enrollment.status == "validated")).all()
    if not org_ids:
        return []
    today = clock.today()
    rows = s.exec(select(Activity, Organization.name).join(Organization, Organization.id == Activity.organization_id)
                  .where(col(Activity.organization_id).in_(org_ids), Activity.is_open == True,  # noqa: E712
                         Activity.end_date >= today).order_by(Organization.name, Activity.name)).all()
    ids = [a.id for a, _ in rows]
    bands: dict[int, list[PriceBand]] = {}
    for band in s.exec(select(PriceBand).where(col(PriceBand.activity_id).in_(ids))).all():
        bands.setdefault(band.activity_id, []).append(band)
    statuses = dict(s.exec(select(ActivityRegistration.activity_id, ActivityRegistration.status).where(
        ActivityRegistration.child_id == child.id, col(ActivityRegistration.activity_id).in_(ids))).all())
    quotient = activities.family_quotient_on(s, child.household_id, today)
    offered = []
    for activity, org_name in rows:
        price = activities.band_price(bands[activity.id], quotient) if bands.get(activity.id) else 0
        status = statuses.get(activity.id, "")
        offered.append(OfferedActivity(
            id=activity.id, organization=org_name, name=activity.name, description=activity.description,
            dates=f"du {format_date(max(activity.start_date, today))} au {format_date(activity.end_date)}",
            weekdays=activities.weekdays_label(activity.weekdays),
            price=f"{format_money(price)} par {activities.UNITS[activity.unit]}",
            rules=activities.describe_rules(activity), needs_validation=activity.enrolment_mode == "validation",
            status=status, status_label=STATUS_LABELS.get(status, ""), ineligible=ineligibility(activity, child)))
    return offered


def _next_waiting_position(s: Session, activity_id: int) -> int:
    last = s.exec(select(func.max(ActivityRegistration.waiting_position)).where(
        ActivityRegistration.activity_id == activity_id)).one()
    return (last or 0) + 1


def register_child(s: Session, *, actor: Actor, activity_id: int, child_id: int) -> str:
    """Ask for a child's place in an activity; returns the resulting status."""
    child = own_child(s, actor, child_id)
    activity = s.exec(select(Activity).where(Activity.id == activity_id).with_for_update()).first()
    if activity is None or not activity.is_open or activity.end_date < clock.today():
        raise NotFound("Activité introuvable ou fermée aux inscriptions.")
    if not s.exec(select(Enrollment.id).where(Enrollment.person_id == child.id, Enrollment.status == "validated",
                                              Enrollment.organization_id == activity.organization_id)).first():
        raise Conflict("Le dossier d'inscription de votre enfant doit d'abord être validé par l'organisation.")
    reason = ineligibility(activity, child)
    if reason:
        raise InvalidInput(reason)
    registration = s.exec(select(ActivityRegistration).where(
        ActivityRegistration.activity_id == activity.id, ActivityRegistration.child_id == child.id)).first()
    if registration is not None and registration.status in ("pending", "validated", "waiting"):
        raise Conflict(f"{child.first_name} est déjà inscrit(e) : {STATUS_LABELS[registration.status].lower()}.")
    if activity.enrolment_mode == "validation":
        status, position = "pending", None
    elif activity.max_enrolled is not None and validated_count(s, activity.id) >= activity.max_enrolled:
        status, position = "waiting", _next_waiting_position(s, activity.id)
    else:
        status, position = "validated", None
    registration = registration or ActivityRegistration(activity_id=activity.id, child_id=child.id,
                                                        household_id=child.household_id, status=status,
                                                        requested_at=clock.now())
    registration.status, registration.waiting_position = status, position
    registration.requested_at, registration.refusal_reason = clock.now(), ""
    registration.decided_at = clock.now() if status == "validated" else None
    s.add(registration)
    s.flush()
    return status


@dataclasses.dataclass(frozen=True)
class RegistrationRow:
    id: int
    child: str
    level: str
    activity: str
    requested: str
    status: str
    status_label: str
    position: int


def list_registrations(s: Session, *, actor: Actor, organization_id: int, status: str = "pending",
                       page: int = 0, per_page: int = 30) -> tuple[list[RegistrationRow], int]:
    actor.require_capability(organization_id, "activities")
    conditions = [Activity.organization_id == organization_id]
    if status in STATUS_LABELS:
        conditions.append(ActivityRegistration.status == status)
    base = (select(ActivityRegistration, Activity.name, Person)
            .join(Activity, Activity.id == ActivityRegistration.activity_id)
            .join(Person, Person.id == ActivityRegistration.child_id).where(*conditions))
    total = s.exec(select(func.count()).select_from(ActivityRegistration)
                   .join(Activity, Activity.id == ActivityRegistration.activity_id).where(*conditions)).one()
    rows = s.exec(base.order_by(ActivityRegistration.requested_at, ActivityRegistration.id)
                  .offset(page * per_page).limit(per_page)).all()
    return [RegistrationRow(id=r.id, child=f"{p.last_name} {p.first_name}", level=p.school_level, activity=name,
                            requested=format_date(r.requested_at.astimezone(clock.PARIS).date()), status=r.status,
                            status_label=STATUS_LABELS[r.status], position=r.waiting_position or 0)
            for r, name, p in rows], total


def decide_registration(s: Session, *, actor: Actor, registration_id: int, accept: bool, reason: str = "") -> str:
    """Accept (or queue when the maximum is reached, by order of request) or refuse."""
    require_some_staff(actor, "activities")
    registration = s.get(ActivityRegistration, registration_id) if isinstance(registration_id, int) else None
    activity = registration and s.exec(select(Activity).where(Activity.id == registration.activity_id)
                                       .with_for_update()).one()
    if activity is None or not actor.can(activity.organization_id, "activities") or not knows_household(
            s, activity.organization_id, registration.household_id):
        raise NotFound("Inscription introuvable dans votre organisation.")
    if registration.status not in ("pending", "waiting"):
        raise Conflict("Cette inscription a déjà été traitée.")
    reason = bounded(reason, 1000, "Motif du refus", "reason", multiline=True)
    if not accept and not reason:
        raise InvalidInput("Indiquez le motif du refus : la famille le lira.", field="reason")
    old_position = registration.waiting_position
    if not accept:
        status, position = "refused", None
    elif activity.max_enrolled is not None and validated_count(s, activity.id) >= activity.max_enrolled:
        status, position = "waiting", old_position or _make_room_by_request_order(s, registration)
    else:
        status, position = "validated", None
    registration.status, registration.waiting_position = status, position
    registration.refusal_reason = reason if status == "refused" else ""
    registration.decided_at, registration.decided_by_id = clock.now(), actor.user_id
    s.add(registration)
    s.flush()
    if old_position and position is None:
        _close_gap(s, activity.id, old_position)
    audit.record(s, actor=actor, action=f"registration.{status}", organization_id=activity.organization_id,
                 object_type="activity_registration", object_id=registration.id, reason=reason,
                 household_id=registration.household_id)
    tell_family(s, registration, activity, status, reason)
    return status


def _make_room_by_request_order(s: Session, registration: ActivityRegistration) -> int:
    """The waiting-list position this request earns by its date, the later ones moving down one."""
    earlier = s.exec(select(func.count()).select_from(ActivityRegistration).where(
        ActivityRegistration.activity_id == registration.activity_id, ActivityRegistration.status == "waiting",
        (ActivityRegistration.requested_at < registration.requested_at)
        | ((ActivityRegistration.requested_at == registration.requested_at)
           & (ActivityRegistration.id < registration.id)))).one()
    position = earlier + 1
    # Two steps through negative values: both databases check the unique position row by row.
    later = ((col(ActivityRegistration.activity_id) == registration.activity_id)
             & (col(ActivityRegistration.waiting_position) >= position))
    s.execute(update(ActivityRegistration).where(later)
              .values(waiting_position=-(ActivityRegistration.waiting_position + 1)))
    s.execute(update(ActivityRegistration).where(col(ActivityRegistration.activity_id) == registration.activity_id,
                                                 col(ActivityRegistration.waiting_position) < 0)
              .values(waiting_position=-ActivityRegistration.waiting_position))
    return position


def _close_gap(s: Session, activity_id: int, after: int) -> None:
    behind = (col(ActivityRegistration.activity_id) == activity_id) & (col(ActivityRegistration.waiting_position) > after)
    s.execute(update(ActivityRegistration).where(behind)
              .values(waiting_position=-(ActivityRegistration.waiting_position - 1)))
    s.execute(update(ActivityRegistration).where(col(ActivityRegistration.activity_id) == activity_id,
                                                 col(ActivityRegistration.waiting_position) < 0)
              .values(waiting_position=-ActivityRegistration.waiting_position))
