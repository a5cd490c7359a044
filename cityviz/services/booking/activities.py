"""Activities set up by staff: rules, prices, and the sessions generated from them."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta

from sqlalchemy import delete
from sqlmodel import Session, col, func, select

from cityviz import clock
from cityviz.models import (
    Activity,
    ActivityRegistration,
    ActivitySession,
    Attendance,
    Booking,
    Closure,
    FamilyQuotient,
    Organization,
    PriceBand,
)
from cityviz.services import audit
from cityviz.services.accounts.actor import Actor
from cityviz.services.booking import absence_rules, bookings, registration_notices, rules, school_calendar
from cityviz.services.errors import Conflict, InvalidInput, NotFound
from cityviz.services.formatting import SHORT_DAY_NAMES, format_date, format_money
from cityviz.services.households.people import SCHOOL_LEVELS
from cityviz.services.inputs import bounded

KINDS = {"canteen": "Restauration scolaire", "morning_care": "Garderie du matin",
         "evening_care": "Garderie du soir", "leisure": "Accueil de loisirs", "other": "Autre"}
UNITS = {"meal": "repas", "half_day": "demi-journée", "day": "journée", "hour": "heure"}
MAX_SPAN = timedelta(days=400)


@dataclasses.dataclass
class ActivityInput:
    """What the staff form sends (validated by `save_activity`)."""

    name: str
    kind: str
    unit: str
    start_date: date
    end_date: date
    weekdays: list[int]
    start_minutes: int
    end_minutes: int
    capacity: int
    enrolment_mode: str = "automatic"
    description: str = ""
    max_enrolled: int | None = None
    min_age: int | None = None
    max_age: int | None = None
    eligible_levels: list[str] = dataclasses.field(default_factory=list)
    horizon_days: int | None = None
    booking: rules.NoticeRule = rules.NoticeRule()
    cancel: rules.NoticeRule = rules.NoticeRule()
    late: rules.NoticeRule = rules.NoticeRule()
    late_surcharge_percent: int = 0
    unbooked_surcharge_percent: int = 0
    price_bands: list[tuple[int | None, int]] = dataclasses.field(default_factory=list)
    is_open: bool = True
    school_period: str = "all"
    absence_policy: str = "certificate"
    absence_carence_days: int = 0
    is_food: bool | None = None  # None: a canteen is food


def _check(data: ActivityInput) -> None:
    def bad(message: str, field: str):
        raise InvalidInput(message, field=field)

    if not bounded(data.name, 120, "Nom de l'activité", "name"):
        bad("Indiquez le nom de l'activité (120 caractères au plus).", "name")
    bounded(data.description, 2000, "Description", "description", multiline=True)
    if data.kind not in KINDS:
        bad("Type d'activité inconnu.", "kind")
    if data.unit not in UNITS:
        bad("Unité de facturation inconnue.", "unit")
    if data.end_date < data.start_date:
        bad("La date de fin doit suivre la date de début.", "end_date")
    if data.end_date - data.start_date > MAX_SPAN:
        bad("Une activité couvre au plus une année scolaire.", "end_date")
    if not data.weekdays or not set(data.weekdays) <= set(range(7)):
        bad("Choisissez au moins un jour de la semaine.", "weekdays")
    if not 0 <= data.start_minutes < data.end_minutes <= 24 * 60:
        bad("L'heure de fin doit suivre l'heure de début.", "end_minutes")
    if not 1 <= data.capacity <= 2000:
        bad("La capacité par séance doit être comprise entre 1 et 2000.", "capacity")
    if data.school_period not in school_calendar.PERIODS:
        bad("Période inconnue.", "school_period")
    if data.enrolment_mode not in ("automatic", "validation"):
        bad("Mode d'inscription inconnu.", "enrolment_mode")
    if data.max_enrolled is not None and data.max_enrolled < 1:
        bad("Le nombre maximum d'enfants inscrits doit être positif.", "max_enrolled")
    if data.min_age is not None and data.max_age is not None and data.min_age > data.max_age:
        bad("L'âge minimum dépasse l'âge maximum.", "max_age")
    if any(level not in SCHOOL_LEVELS for level in data.eligible_levels):
        bad("Classe inconnue.", "eligible_levels")
    if data.horizon_days is not None and not 1 <= data.horizon_days <= 400:
        bad("L'ouverture des réservations doit être comprise entre 1 et 400 jours.", "horizon_days")
    if not 0 <= data.late_surcharge_percent <= 300 or not 0 <= data.unbooked_surcharge_percent <= 300:
        bad("Une majoration est comprise entre 0 et 300 %.", "late_surcharge_percent")
    if data.absence_policy not in absence_rules.POLICIES:
        bad("Règle des absences signalées inconnue.", "absence_policy")
    if not 0 <= data.absence_carence_days <= absence_rules.MAX_CARENCE:
        bad(f"Les jours de carence vont de 0 à {absence_rules.MAX_CARENCE}.", "absence_carence_days")
    if not data.price_bands:
        bad("Indiquez au moins un tarif.", "price_bands")
    if sum(1 for qf_max, _ in data.price_bands if qf_max is None) != 1:
        bad("Il faut exactement un tarif « au-delà » (sans plafond de quotient).", "price_bands")
    ceilings = [qf for qf, _ in data.price_bands if qf is not None]
    if len(set(ceilings)) != len(ceilings) or any(qf <= 0 for qf in ceilings):
        bad("Les plafonds de quotient familial doivent être positifs et différents.", "price_bands")
    if any(cents < 0 or cents > 100_000 for _, cents in data.price_bands):
        bad("Un tarif est compris entre 0 et 1 000 €.", "price_bands")


def _apply(activity: Activity, data: ActivityInput) -> None:
    activity.name = bounded(data.name, 120, "Nom de l'activité", "name")
    activity.description = bounded(data.description, 2000, "Description", "description", multiline=True)
    activity.weekdays = ",".join(str(d) for d in sorted(set(data.weekdays)))
    activity.eligible_levels = ",".join(data.eligible_levels)
    for key in ("kind", "unit", "start_date", "end_date", "start_minutes", "end_minutes", "capacity",
                "enrolment_mode", "max_enrolled", "min_age", "max_age", "horizon_days",
                "late_surcharge_percent", "unbooked_surcharge_percent", "is_open", "school_period",
                "absence_policy", "absence_carence_days"):
        setattr(activity, key, getattr(data, key))
    activity.is_food = data.is_food if data.is_food is not None else data.kind == "canteen"
    for prefix in ("booking", "cancel", "late"):
        rule: rules.NoticeRule = getattr(data, prefix)
        setattr(activity, f"{prefix}_notice_kind", rule.kind)
        setattr(activity, f"{prefix}_notice_days", rule.days)
        setattr(activity, f"{prefix}_cutoff_minutes", rule.cutoff_minutes)
        setattr(activity, f"{prefix}_notice_weekday", rule.weekday)


def get_activity(s: Session, actor: Actor, activity_id: int) -> Activity:
    activity = s.get(Activity, activity_id)
    if activity is None:
        raise NotFound("Activité introuvable.")
    actor.require_capability(activity.organization_id, "activities")
    return activity


def save_activity(s: Session, *, actor: Actor, organization_id: int, activity_id: int | None,
                  data: ActivityInput) -> int:
    """Create or change an activity, then bring its sessions in line with its rules."""
    actor.require_capability(organization_id, "activities")
    _check(data)
    if activity_id:
        activity = get_activity(s, actor, activity_id)
        if activity.organization_id != organization_id:
            raise NotFound("Activité introuvable.")
        s.refresh(activity, with_for_update=True)
    else:
        activity = Activity(organization_id=organization_id, created_at=clock.now(), name="", kind="other",
                            unit="meal", start_date=data.start_date, end_date=data.end_date,
                            capacity=data.capacity)
    _apply(activity, data)
    s.add(activity)
    s.flush()
    promoted = registration_notices.promote_waiting_registrations(s, activity, decided_by_id=actor.user_id) \
        if activity_id else 0
    s.execute(delete(PriceBand).where(col(PriceBand.activity_id) == activity.id))
    for qf_max, cents in data.price_bands:
        s.add(PriceBand(activity_id=activity.id, qf_max=qf_max, price_cents=cents))
    sync_sessions(s, activity)
    audit.record(s, actor=actor, action="activity.save", organization_id=organization_id,
                 object_type="activity", object_id=activity.id, name=activity.name,
                 capacity=activity.capacity, max_enrolled=activity.max_enrolled, promoted=promoted)
    return activity.id


def session_days(activity: Activity, school_zone: str = "") -> list[date]:
    """The activity's days: its weekdays within its dates, never a public holiday,
    in or out of the school holidays of the organization's zone as chosen."""
    activity_rules = rules.ActivityRules.from_activity(activity)
    days, day = [], activity.start_date
    while day <= activity.end_date:
        if activity_rules.is_session_day(day) and school_calendar.runs_on(day, activity.school_period, school_zone):
            days.append(day)
        day += timedelta(days=1)
    return days


def sync_sessions(s: Session, activity: Activity) -> None:
    """Sessions = the activity's days; closed days keep their (closed) session.

    A day that leaves the schedule loses its session only if nobody booked
    it; capacity follows the activity, never below what is already booked,
    and a raise gives places to the waiting lists.
    """
    zone = s.get(Organization, activity.organization_id).school_zone
    wanted = set(session_days(activity, zone))
    existing = {x.date: x for x in s.exec(select(ActivitySession).where(
        ActivitySession.activity_id == activity.id).with_for_update()).all()}
    stale = [x for d, x in existing.items() if d not in wanted]
    marked = set(s.exec(select(Attendance.session_id).where(
        col(Attendance.session_id).in_([x.id for x in stale])).distinct()).all()) if stale else set()
    busy = [x for x in stale if x.booked_count or x.waiting_count or x.id in marked]
    if busy:
        raise Conflict("Des enfants sont inscrits le " + ", ".join(format_date(x.date) for x in busy[:5])
                       + " : fermez plutôt ces dates (Fermetures) avant de les retirer du calendrier.")
    if stale:
        # Only cancelled bookings remain on these days: they go with their session.
        stale_ids = [x.id for x in stale]
        s.execute(delete(Booking).where(col(Booking.session_id).in_(stale_ids), Booking.status == "cancelled"))
        s.execute(delete(ActivitySession).where(col(ActivitySession.id).in_(stale_ids)))
    too_small = [x for x in existing.values()
                 if x.date in wanted and not x.capacity_custom and x.booked_count > activity.capacity]
    if too_small:
        raise Conflict(f"Capacité trop faible : {too_small[0].booked_count} enfants déjà réservés le "
                       f"{format_date(too_small[0].date)}.")
    closures = _closure_index(s, activity)
    for day in sorted(wanted):
        session = existing.get(day)
        if session is None:
            s.add(ActivitySession(activity_id=activity.id, date=day, capacity=activity.capacity,
                                  closure_id=closures.get(day)))
        elif session.capacity != activity.capacity and not session.capacity_custom:  # a date set by hand stays
            raised = activity.capacity > session.capacity
            session.capacity = activity.capacity
            s.add(session)
            if raised:
                s.flush()
                bookings.promote_waiting(s, session.id)
    s.flush()


def _closure_index(s: Session, activity: Activity) -> dict[date, int]:
    closures = s.exec(select(Closure).where(
        Closure.organization_id == activity.organization_id, col(Closure.lifted_at).is_(None),
        (col(Closure.activity_id).is_(None)) | (Closure.activity_id == activity.id),
        Closure.end_date >= activity.start_date, Closure.start_date <= activity.end_date)).all()
    index: dict[date, int] = {}
    for closure in closures:
        day = closure.start_date
        while day <= closure.end_date:
            index.setdefault(day, closure.id)
            day += timedelta(days=1)
    return index


# --- Prices --------------------------------------------------------------------------------

def family_quotient_on(s: Session, household_id: int, on: date) -> int | None:
    return s.exec(select(FamilyQuotient.value).where(
        FamilyQuotient.household_id == household_id, FamilyQuotient.valid_from <= on)
        .order_by(col(FamilyQuotient.valid_from).desc())).first()


def band_price(bands: list[PriceBand], quotient: int | None) -> int:
    """The band of the QF; no QF on file: the highest band (the one without a ceiling)."""
    ordered = sorted(bands, key=lambda b: (b.qf_max is None, b.qf_max or 0))
    if quotient is not None:
        for band in ordered:
            if band.qf_max is not None and quotient <= band.qf_max:
                return band.price_cents
    return ordered[-1].price_cents



def describe_bands(bands: list[PriceBand], unit: str) -> str:
    ordered = sorted(bands, key=lambda b: (b.qf_max is None, b.qf_max or 0))
    parts = []
    for band in ordered:
        limit = f"QF ≤ {band.qf_max}" if band.qf_max is not None else "au-delà"
        parts.append(f"{limit} : {format_money(band.price_cents)}")
    return f"par {UNITS[unit]} — " + " ; ".join(parts)


# --- Listing --------------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class ActivityRow:
    id: int
    name: str
    kind: str
    dates: str
    weekdays: str
    capacity: int
    enrolment: str
    rules: str
    prices: str
    is_open: bool
    enrolled: int
    absences: str  # the rule for reported absences


def weekdays_label(weekdays: str) -> str:
    return ", ".join(SHORT_DAY_NAMES[int(d)] for d in weekdays.split(",") if d)


def list_activities(s: Session, *, actor: Actor, organization_id: int) -> list[ActivityRow]:
    actor.require_capability(organization_id, "activities")
    activities = s.exec(select(Activity).where(Activity.organization_id == organization_id)
                        .order_by(col(Activity.is_open).desc(), Activity.name)).all()
    ids = [a.id for a in activities]
    bands: dict[int, list[PriceBand]] = {}
    for band in s.exec(select(PriceBand).where(col(PriceBand.activity_id).in_(ids))).all():
        bands.setdefault(band.activity_id, []).append(band)
    enrolled = dict(s.exec(select(ActivityRegistration.activity_id, func.count())
                           .where(col(ActivityRegistration.activity_id).in_(ids),
                                  ActivityRegistration.status == "validated")
                           .group_by(ActivityRegistration.activity_id)).all())
    return [ActivityRow(
        id=a.id, name=a.name, kind=KINDS[a.kind],
        dates=f"du {format_date(a.start_date)} au {format_date(a.end_date)}", weekdays=weekdays_label(a.weekdays),
        capacity=a.capacity, enrolment="Sur validation" if a.enrolment_mode == "validation" else "Automatique",
        rules=describe_rules(a), prices=describe_bands(bands.get(a.id, []), a.unit) if bands.get(a.id) else "",
        is_open=a.is_open, enrolled=enrolled.get(a.id, 0),
        absences="Absences signalées : " + absence_rules.AbsenceRule.from_activity(a).describe()) for a in activities]


def describe_rules(activity: Activity) -> str:
    activity_rules = rules.ActivityRules.from_activity(activity)
    text = [activity_rules.booking.describe("Réservation"), activity_rules.cancel.describe("Annulation")]
    if activity.horizon_days:
        text.append(f"Réservations ouvertes {activity.horizon_days} jours à l'avance")
    if activity_rules.has_late_surcharge and activity.late_surcharge_percent:
        text.append(f"{activity_rules.late.describe('Réservation sans majoration')} "
                    f"(sinon +{activity.late_surcharge_percent} %)")
    return ". ".join(text) + "."
