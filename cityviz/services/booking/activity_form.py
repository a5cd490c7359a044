"""The staff activity form: strings in, a checked ActivityInput out, and back."""

from __future__ import annotations

import dataclasses
from datetime import date

from sqlmodel import Session, select

from cityviz import clock
from cityviz.models import PriceBand
from cityviz.services.accounts.actor import Actor
from cityviz.services.booking import rules
from cityviz.services.booking.activities import ActivityInput, get_activity
from cityviz.services.errors import InvalidInput
from cityviz.services.formatting import format_money
from cityviz.services.households.people import SCHOOL_LEVELS
from cityviz.services.inputs import digits, parse_euros


def _minutes(text: str, field: str) -> int:
    try:
        hours, minutes = (int(part) for part in str(text).split(":")[:2])
    except ValueError as exc:
        raise InvalidInput("Heure invalide (exemple : 12:00).", field=field) from exc
    if not (0 <= hours < 24 and 0 <= minutes < 60):  # "12:75" is not 13:15
        raise InvalidInput("Heure invalide (exemple : 12:00).", field=field)
    return hours * 60 + minutes


def _optional_int(text: str, field: str, label: str) -> int | None:
    text = str(text or "").strip()
    if not text:
        return None
    if not digits(text):
        raise InvalidInput(f"{label} : un nombre entier est attendu.", field=field)
    return int(text)


def _rule(form: dict, prefix: str) -> rules.NoticeRule:
    kind = str(form.get(f"{prefix}_kind") or "none")
    if kind not in rules.NOTICE_KINDS:
        raise InvalidInput("Type de délai inconnu.", field=f"{prefix}_kind")
    days = _optional_int(form.get(f"{prefix}_days"), f"{prefix}_days", "Nombre de jours") or 0
    if days > 60:
        raise InvalidInput("Un délai compte au plus 60 jours.", field=f"{prefix}_days")
    weekday = _optional_int(form.get(f"{prefix}_weekday"), f"{prefix}_weekday", "Jour") if kind == "previous_week" \
        else None
    if kind == "previous_week" and (weekday is None or weekday > 6):
        raise InvalidInput("Choisissez le jour de la semaine précédente.", field=f"{prefix}_weekday")
    return rules.NoticeRule(kind, days, _minutes(form.get(f"{prefix}_time") or "00:00", f"{prefix}_time"), weekday)


def parse_activity_form(form: dict) -> ActivityInput:
    """The staff form's strings, checked one by one with French messages."""
    try:
        start, end = date.fromisoformat(str(form.get("start_date"))), date.fromisoformat(str(form.get("end_date")))
    except ValueError as exc:
        raise InvalidInput("Indiquez les dates de début et de fin.", field="start_date") from exc
    bands = []
    for n in range(4):
        price = str(form.get(f"band{n}_price") or "").strip()
        if not price:
            continue
        ceiling = _optional_int(form.get(f"band{n}_qf"), f"band{n}_qf", "Plafond de quotient")
        bands.append((ceiling, parse_euros(price, f"band{n}_price")))
    capacity = _optional_int(form.get("capacity"), "capacity", "Capacité")
    return ActivityInput(
        name=str(form.get("name", "")), kind=str(form.get("kind", "")), unit=str(form.get("unit", "")),
        description=str(form.get("description", "")), start_date=start, end_date=end,
        weekdays=[d for d in range(7) if form.get(f"day-{d}")],
        start_minutes=_minutes(form.get("start_time") or "", "start_time"),
        end_minutes=_minutes(form.get("end_time") or "", "end_time"),
        capacity=capacity or 0, enrolment_mode=str(form.get("enrolment_mode", "automatic")),
        max_enrolled=_optional_int(form.get("max_enrolled"), "max_enrolled", "Nombre maximum d'inscrits"),
        min_age=_optional_int(form.get("min_age"), "min_age", "Âge minimum"),
        max_age=_optional_int(form.get("max_age"), "max_age", "Âge maximum"),
        eligible_levels=[lvl for lvl in SCHOOL_LEVELS if form.get(f"level-{lvl}")],
        horizon_days=_optional_int(form.get("horizon_days"), "horizon_days", "Ouverture des réservations"),
        booking=_rule(form, "booking"), cancel=_rule(form, "cancel"), late=_rule(form, "late"),
        late_surcharge_percent=_optional_int(form.get("late_surcharge_percent"), "late_surcharge_percent",
                                             "Majoration") or 0,
        unbooked_surcharge_percent=_optional_int(form.get("unbooked_surcharge_percent"),
                                                 "unbooked_surcharge_percent", "Majoration") or 0,
        price_bands=bands, is_open=bool(form.get("is_open")),
        school_period=str(form.get("school_period") or "all"),
        absence_policy=str(form.get("absence_policy") or "certificate"), is_food=bool(form.get("is_food")),
        absence_carence_days=_optional_int(form.get("absence_carence_days"), "absence_carence_days",
                                           "Jours de carence") or 0)


@dataclasses.dataclass(frozen=True)
class ActivityFormValues:
    """An activity as the form shows it (strings)."""

    id: int
    name: str
    kind: str
    unit: str
    description: str
    start_date: str
    end_date: str
    weekdays: list[int]
    start_time: str
    end_time: str
    capacity: str
    enrolment_mode: str
    max_enrolled: str
    min_age: str
    max_age: str
    levels: list[str]
    horizon_days: str
    rules: list[list[str]]  # per prefix: [kind, days, time, weekday]
    late_surcharge_percent: str
    unbooked_surcharge_percent: str
    bands: list[list[str]]  # [qf_max, price]
    is_open: bool
    school_period: str
    absence_policy: str
    absence_carence_days: str
    is_food: bool


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _text(value) -> str:
    return "" if value is None else str(value)


def activity_form_values(s: Session, *, actor: Actor, activity_id: int | None, organization_id: int) -> ActivityFormValues:
    actor.require_capability(organization_id, "activities")
    if not activity_id:
        today = clock.today()
        start_year = today.year if today.month >= 8 else today.year - 1
        return ActivityFormValues(
            id=0, name="", kind="canteen", unit="meal", description="", start_date=date(start_year, 9, 1).isoformat(),
            end_date=date(start_year + 1, 7, 3).isoformat(), weekdays=[0, 1, 3, 4], start_time="11:45",
            end_time="13:30", capacity="50", enrolment_mode="automatic", max_enrolled="", min_age="", max_age="",
            levels=[], horizon_days="", rules=[["working_days", "2", "12:00", ""], ["working_days", "2", "12:00", ""],
                                               ["none", "0", "00:00", ""]],
            late_surcharge_percent="0", unbooked_surcharge_percent="0",
            bands=[["500", "1,20"], ["900", "2,50"], ["", "3,60"], ["", ""]], is_open=True, school_period="school",
            absence_policy="certificate", absence_carence_days="0", is_food=True)
    activity = get_activity(s, actor, activity_id)
    bands = sorted(s.exec(select(PriceBand).where(PriceBand.activity_id == activity.id)).all(),
                   key=lambda b: (b.qf_max is None, b.qf_max or 0))
    band_rows = [[_text(b.qf_max), format_money(b.price_cents).replace("\xa0€", "").replace(" €", "")] for b in bands]
    band_rows += [["", ""]] * (4 - len(band_rows))
    return ActivityFormValues(
        id=activity.id, name=activity.name, kind=activity.kind, unit=activity.unit, description=activity.description,
        start_date=activity.start_date.isoformat(), end_date=activity.end_date.isoformat(),
        weekdays=[int(d) for d in activity.weekdays.split(",") if d], start_time=_hhmm(activity.start_minutes),
        end_time=_hhmm(activity.end_minutes), capacity=str(activity.capacity), enrolment_mode=activity.enrolment_mode,
        max_enrolled=_text(activity.max_enrolled), min_age=_text(activity.min_age), max_age=_text(activity.max_age),
        levels=[lvl for lvl in activity.eligible_levels.split(",") if lvl], horizon_days=_text(activity.horizon_days),
        rules=[[getattr(activity, f"{p}_notice_kind"), str(getattr(activity, f"{p}_notice_days")),
                _hhmm(getattr(activity, f"{p}_cutoff_minutes")), _text(getattr(activity, f"{p}_notice_weekday"))]
               for p in ("booking", "cancel", "late")],
        late_surcharge_percent=str(activity.late_surcharge_percent),
        unbooked_surcharge_percent=str(activity.unbooked_surcharge_percent), bands=band_rows[:4],
        is_open=activity.is_open, school_period=activity.school_period, absence_policy=activity.absence_policy,
        absence_carence_days=str(activity.absence_carence_days), is_food=activity.is_food)
