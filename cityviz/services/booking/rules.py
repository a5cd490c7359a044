"""Booking rules: one pure engine for showing and for enforcing.

The calendar, the bulk-booking preview and the booking service all ask this
module, so what a parent sees is exactly what the server accepts. Nothing
here touches the database, Reflex or the clock: callers pass `now`.

Wall-clock rules are Europe/Paris. Instants are compared in UTC, because
Python compares two datetimes sharing a tzinfo by wall time, which is wrong
around daylight-saving changes.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import holidays

from cityviz.clock import PARIS, UTC
from cityviz.services.formatting import format_date

NOTICE_KINDS = ("none", "calendar_days", "working_days", "previous_week")
REGISTRATION_STATUSES = (None, "pending", "waiting", "refused", "cancelled", "validated")
BOOKING_STATUSES = (None, "booked", "waiting", "cancelled")
WEEKDAY_NAMES = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
_MINUTE = timedelta(minutes=1)


# --- Time helpers -----------------------------------------------------------


@functools.lru_cache(maxsize=32)
def _public_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.France(years=year))


def is_public_holiday(d: date) -> bool:
    return d in _public_holidays(d.year)


def is_working_day(d: date) -> bool:
    """Monday to Friday, and not a French public holiday."""
    return d.weekday() < 5 and d not in _public_holidays(d.year)


def working_days_before(d: date, n: int) -> date:
    """The n-th working day strictly before `d` (`d` itself when n = 0)."""
    if n < 0:
        raise ValueError("n doit être positif ou nul")
    day = d
    for _ in range(n):
        day -= timedelta(days=1)
        while not is_working_day(day):
            day -= timedelta(days=1)
    return day


@functools.lru_cache(maxsize=8192)  # pure; the calendar asks it for every cell of every tap
def paris_at(d: date, minutes: int) -> datetime:
    """Paris wall time `minutes` after midnight on `d`, as a real instant (see _paris_at)."""
    return _paris_at(d, minutes)


def _paris_at(d: date, minutes: int) -> datetime:
    """Paris wall time `minutes` after midnight on `d`, as a real instant. (Apart from its cache so
    that `make mutation`, which leaves decorated functions alone, checks it.)

    The UTC round trip normalises a time that does not exist (the hour
    skipped in spring) into the instant it designates; an ambiguous autumn
    time resolves to its first occurrence.
    """
    hour, minute = divmod(minutes, 60)
    naive_paris = datetime(d.year, d.month, d.day, hour, minute, tzinfo=PARIS)
    return naive_paris.astimezone(UTC).astimezone(PARIS)


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("Un instant avec fuseau horaire est attendu.")
    return moment.astimezone(UTC)


def format_hour(minutes: int) -> str:
    """570 -> '9h30', 1439 -> '23h59'."""
    hour, minute = divmod(minutes, 60)
    return f"{hour}h{minute:02d}"


def format_deadline(moment: datetime) -> str:
    """'mardi 15/09/2026 à 12h00', Paris time."""
    local = moment.astimezone(PARIS)
    name = WEEKDAY_NAMES[local.weekday()]
    return f"{name} {format_date(local.date())} à {format_hour(local.hour * 60 + local.minute)}"


# --- Notice rules -----------------------------------------------------------


@dataclass(frozen=True)
class NoticeRule:
    """How long before a session an action (booking, cancelling...) is allowed."""

    kind: str = "none"
    days: int = 0
    cutoff_minutes: int = 0
    weekday: int | None = None  # 0 = Monday, for "previous_week"

    def __post_init__(self) -> None:
        # A misconfigured rule must fail loudly rather than guess a deadline.
        if self.kind not in NOTICE_KINDS:
            raise ValueError(f"Type de délai inconnu : {self.kind!r}")
        if self.days < 0:
            raise ValueError("Le nombre de jours de délai doit être positif ou nul.")
        if not 0 <= self.cutoff_minutes < 1440:
            raise ValueError("L'heure limite doit être comprise entre 0h00 et 23h59.")
        if self.kind == "previous_week" and (self.weekday is None or not 0 <= self.weekday <= 6):
            raise ValueError("Un délai « semaine précédente » demande un jour de la semaine.")

    @classmethod
    def from_activity(cls, activity: object, prefix: str) -> NoticeRule:
        """Read the `{prefix}_notice_*` columns (prefix: booking, cancel, late)."""
        if prefix not in ("booking", "cancel", "late"):
            raise ValueError(f"Préfixe de règle inconnu : {prefix!r}")
        return cls(
            kind=getattr(activity, f"{prefix}_notice_kind"),
            days=getattr(activity, f"{prefix}_notice_days"),
            cutoff_minutes=getattr(activity, f"{prefix}_cutoff_minutes"),
            weekday=getattr(activity, f"{prefix}_notice_weekday"),
        )

    def _rule_date(self, session_date: date) -> date:
        if self.kind == "calendar_days":
            return session_date - timedelta(days=self.days)
        if self.kind == "working_days":
            return working_days_before(session_date, self.days)
        # previous_week: weekday D of the ISO week before the session's week.
        monday = session_date - timedelta(days=session_date.weekday())
        return monday - timedelta(days=7) + timedelta(days=self.weekday or 0)

    @functools.lru_cache(maxsize=8192)  # pure (the rule is frozen): computed once per rule and date, not per cell
    def deadline(self, session_date: date, session_start: datetime) -> datetime:
        """The last minute (inclusive) at which the action is allowed (see _deadline)."""
        return self._deadline(session_date, session_start)

    def _deadline(self, session_date: date, session_start: datetime) -> datetime:
        """The last minute (inclusive) at which the action is allowed. Never later than the session
        start: nothing happens once it has begun. (Apart from its cache, as _paris_at.)
        """
        start = _utc(session_start).astimezone(PARIS)
        if self.kind == "none":
            return start
        rule = paris_at(self._rule_date(session_date), self.cutoff_minutes)
        return rule if _utc(rule) <= _utc(start) else start

    def is_open(self, now: datetime, session_date: date, session_start: datetime) -> bool:
        """True while `now` is within the deadline minute and the session has not started.

        A 12h00 cut-off allows 12:00:59 and refuses 12:01:00.
        """
        instant = _utc(now)
        if instant >= _utc(session_start):
            return False
        deadline = _utc(self.deadline(session_date, session_start))
        return instant < deadline.replace(second=0, microsecond=0) + _MINUTE

    def describe(self, action: str) -> str:
        """Plain French for parents; `action` is "Réservation" or "Annulation"."""
        if self.kind == "none":
            return f"{action} possible jusqu'au début de l'activité"
        return f"{action} au plus tard {self._when()}, {format_hour(self.cutoff_minutes)}"

    def _when(self) -> str:
        if self.kind == "previous_week":
            return f"le {WEEKDAY_NAMES[self.weekday or 0]} de la semaine précédente"
        if self.days == 0:
            return "le jour même"
        if self.kind == "calendar_days":
            return "la veille" if self.days == 1 else f"{self.days} jours avant"
        plural = "s" if self.days > 1 else ""
        return f"{self.days} jour{plural} ouvré{plural} avant"


# --- Activity rules ---------------------------------------------------------


def _parse_weekdays(text: str) -> frozenset[int]:
    days = frozenset(int(part) for part in text.split(",") if part.strip())
    if not days <= set(range(7)):
        raise ValueError(f"Jours de la semaine invalides : {text!r}")
    return days


@dataclass(frozen=True)
class ActivityRules:
    """Everything about an activity that decides whether a date can be booked."""

    weekdays: frozenset[int]
    start_date: date
    end_date: date
    start_minutes: int = 0
    end_minutes: int = 0
    horizon_days: int | None = None
    booking: NoticeRule = NoticeRule()
    cancel: NoticeRule = NoticeRule()
    late: NoticeRule = NoticeRule()  # kind "none": no late surcharge at all
    late_surcharge_percent: int = 0

    # The activity's columns from_activity reads (the calendar selects only these).
    COLUMNS = ("weekdays", "start_date", "end_date", "start_minutes", "end_minutes", "horizon_days",
               *(f"{prefix}_{name}" for prefix in ("booking", "cancel", "late")
                 for name in ("notice_kind", "notice_days", "cutoff_minutes", "notice_weekday")),
               "late_surcharge_percent")

    @classmethod
    def from_activity(cls, activity: object) -> ActivityRules:
        return cls(
            weekdays=_parse_weekdays(activity.weekdays),
            start_date=activity.start_date,
            end_date=activity.end_date,
            start_minutes=activity.start_minutes,
            end_minutes=activity.end_minutes,
            horizon_days=activity.horizon_days,
            booking=NoticeRule.from_activity(activity, "booking"),
            cancel=NoticeRule.from_activity(activity, "cancel"),
            late=NoticeRule.from_activity(activity, "late"),
            late_surcharge_percent=activity.late_surcharge_percent,
        )

    def is_session_day(self, d: date) -> bool:
        return self.start_date <= d <= self.end_date and d.weekday() in self.weekdays

    def session_start(self, d: date) -> datetime:
        return paris_at(d, self.start_minutes)

    def opens_on(self, d: date) -> date | None:
        """The first Paris date on which the session of `d` can be booked."""
        if self.horizon_days is None:
            return None
        return d - timedelta(days=self.horizon_days)

    def is_within_horizon(self, now: datetime, d: date) -> bool:
        opening = self.opens_on(d)
        return opening is None or _utc(now).astimezone(PARIS).date() >= opening

    @property
    def has_late_surcharge(self) -> bool:
        # A "none" late rule would mean "late from the start": treat it as disabled.
        return self.late.kind != "none"

    def is_late(self, now: datetime, d: date) -> bool:
        """Would a booking made at `now` carry the late surcharge?"""
        return self.has_late_surcharge and not self.late.is_open(now, d, self.session_start(d))

    def can_book_in_time(self, now: datetime, d: date) -> bool:
        return self.booking.is_open(now, d, self.session_start(d))

    def can_cancel_in_time(self, now: datetime, d: date) -> bool:
        return self.cancel.is_open(now, d, self.session_start(d))


def booking_deadline(rules: ActivityRules, d: date) -> datetime:
    return rules.booking.deadline(d, rules.session_start(d))


def cancel_deadline(rules: ActivityRules, d: date) -> datetime:
    return rules.cancel.deadline(d, rules.session_start(d))


# --- Decisions ----------------------------------------------------------------


@dataclass(frozen=True)
class Decision:
    """What a parent sees in a calendar cell, and what they are allowed to do."""

    state: str
    label: str
    reason: str = ""
    can_book: bool = False
    can_cancel: bool = False
    can_join_waiting_list: bool = False
    can_leave_waiting_list: bool = False
    late: bool = False
    deadline: datetime | None = None


_NOT_ENROLLED = {
    None: ("Non inscrit", "Votre enfant n'est pas inscrit à cette activité."),
    "cancelled": ("Non inscrit", "Votre enfant n'est pas inscrit à cette activité."),
    "refused": ("Non inscrit", "L'inscription de votre enfant à cette activité a été refusée."),
    "pending": (
        "Inscription en attente",
        "Inscription à l'activité en attente de validation par votre organisation.",
    ),
    "waiting": (
        "Inscription en attente",
        "Inscription à l'activité sur liste d'attente : en attente d'une place.",
    ),
}


def decide(
    *,
    rules: ActivityRules,
    session_date: date,
    now: datetime,
    closed_reason: str | None,
    capacity: int,
    booked_count: int,
    registration: str | None,
    booking_status: str | None,
    waiting_position: int | None,
) -> Decision:
    """The state of one session for one child at `now`; the first matching state wins."""
    if registration not in REGISTRATION_STATUSES:
        raise ValueError(f"Statut d'inscription inconnu : {registration!r}")
    if booking_status not in BOOKING_STATUSES:
        raise ValueError(f"Statut de réservation inconnu : {booking_status!r}")
    if closed_reason is not None:
        return Decision("closed", "Fermé", f"Fermé : {closed_reason}")

    start = rules.session_start(session_date)
    started = _utc(now) >= _utc(start)
    deadline = booking_deadline(rules, session_date)
    # A cancelled booking is no booking: the child may book again.
    if booking_status == "booked":
        return _booked(rules, session_date, now)
    if booking_status == "waiting":
        label = "Liste d'attente"
        if waiting_position is not None:
            label = f"Liste d'attente : n° {waiting_position}"
        return Decision("waiting", label, can_leave_waiting_list=not started, deadline=deadline)
    if registration != "validated":
        label, reason = _NOT_ENROLLED[registration]
        return Decision("not_enrolled", label, reason, deadline=deadline)
    return _bookable(rules, session_date, now, started, capacity, booked_count, deadline)


def _booked(rules: ActivityRules, session_date: date, now: datetime) -> Decision:
    deadline = cancel_deadline(rules, session_date)
    if _utc(now) >= _utc(rules.session_start(session_date)):
        return Decision("booked", "Réservé", deadline=deadline)  # history: nothing to explain
    if rules.can_cancel_in_time(now, session_date):
        return Decision("booked", "Réservé", can_cancel=True, deadline=deadline)
    reason = f"Annulation impossible : délai dépassé ({format_deadline(deadline)})"
    return Decision("booked", "Réservé", reason, deadline=deadline)


def _bookable(
    rules: ActivityRules,
    session_date: date,
    now: datetime,
    started: bool,
    capacity: int,
    booked_count: int,
    deadline: datetime,
) -> Decision:
    """States of a validated child with no booking for the session."""
    if started:
        return Decision("past", "Passé", deadline=deadline)
    if not rules.is_within_horizon(now, session_date):
        opening = rules.opens_on(session_date)
        reason = f"Réservation possible à partir du {format_date(opening)}"
        return Decision("not_open_yet", "Pas encore ouvert", reason, deadline=deadline)
    if not rules.can_book_in_time(now, session_date):
        reason = f"Délai dépassé : réservation possible jusqu'au {format_deadline(deadline)}"
        return Decision("deadline_passed", "Délai dépassé", reason, deadline=deadline)
    if booked_count >= capacity:
        reason = "Complet : vous pouvez rejoindre la liste d'attente."
        return Decision("full", "Complet", reason, can_join_waiting_list=True, deadline=deadline)
    if rules.is_late(now, session_date):
        reason = f"Réservation tardive : majoration de {rules.late_surcharge_percent} %"
        return Decision(
            "available", "Disponible (majoré)", reason, can_book=True, late=True, deadline=deadline
        )
    return Decision("available", "Disponible", can_book=True, deadline=deadline)
