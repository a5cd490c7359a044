"""The booking rules engine: worked examples, daylight saving, properties.

Pure functions: no database, no frozen clock; every test passes its own `now`.
2026 calendar: Easter Monday 06/04, 1 May a Friday, 8 May a Friday,
Ascension Thursday 14/05, 14 July a Tuesday; DST changes on Sundays 29/03
(spring forward) and 25/10 (fall back).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from types import SimpleNamespace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cityviz.clock import PARIS, UTC
from cityviz.models.activities import Activity
from cityviz.services.booking import rules as r
from cityviz.services.booking.rules import ActivityRules, NoticeRule, decide

NOON = 12 * 60


def paris(y, m, d, hh=0, mm=0, ss=0, us=0):
    return datetime(y, m, d, hh, mm, ss, us, tzinfo=PARIS)


def deadline_of(rule: NoticeRule, session: date, start_minutes: int = 8 * 60 + 30) -> datetime:
    return rule.deadline(session, r.paris_at(session, start_minutes))


def offset_hours(moment: datetime) -> float:
    return moment.astimezone(PARIS).utcoffset().total_seconds() / 3600


# --- Working days -------------------------------------------------------------


def test_working_days_exclude_weekends_and_public_holidays():
    assert r.is_working_day(date(2026, 9, 14))  # Monday
    assert not r.is_working_day(date(2026, 9, 19))  # Saturday
    assert not r.is_working_day(date(2026, 9, 20))  # Sunday
    for holiday in (date(2026, 4, 6), date(2026, 5, 1), date(2026, 5, 8), date(2026, 5, 14),
                    date(2026, 7, 14), date(2026, 11, 11), date(2026, 12, 25)):
        assert not r.is_working_day(holiday), holiday


def test_working_days_before():
    assert r.working_days_before(date(2026, 9, 21), 0) == date(2026, 9, 21)
    assert r.working_days_before(date(2026, 9, 21), 1) == date(2026, 9, 18)  # Monday -> Friday
    assert r.working_days_before(date(2026, 9, 21), 2) == date(2026, 9, 17)
    assert r.working_days_before(date(2026, 4, 7), 1) == date(2026, 4, 3)  # over Easter Monday
    assert r.working_days_before(date(2026, 5, 4), 1) == date(2026, 4, 30)  # over 1 May
    assert r.working_days_before(date(2026, 7, 15), 1) == date(2026, 7, 13)  # over 14 July
    assert r.working_days_before(date(2026, 5, 18), 2) == date(2026, 5, 13)  # over Ascension
    assert r.working_days_before(date(2026, 5, 11), 1) == date(2026, 5, 7)  # over 8 May
    with pytest.raises(ValueError):
        r.working_days_before(date(2026, 5, 11), -1)


# --- Deadlines of each rule kind --------------------------------------------------


def test_calendar_days_j_minus_2_at_noon():
    rule = NoticeRule("calendar_days", 2, NOON)
    assert deadline_of(rule, date(2026, 9, 17)) == paris(2026, 9, 15, 12)  # Thursday -> Tuesday
    # Calendar days count the weekend: Monday -> Saturday.
    assert deadline_of(rule, date(2026, 9, 21)) == paris(2026, 9, 19, 12)


def test_working_days_skip_weekend_and_holidays():
    rule = NoticeRule("working_days", 2, NOON)
    assert deadline_of(rule, date(2026, 9, 21)) == paris(2026, 9, 17, 12)  # Monday -> Thursday
    one = NoticeRule("working_days", 1, NOON)
    assert deadline_of(one, date(2026, 4, 7)) == paris(2026, 4, 3, 12)  # after Easter Monday
    assert deadline_of(one, date(2026, 5, 15)) == paris(2026, 5, 13, 12)  # after Ascension
    assert deadline_of(one, date(2026, 7, 15)) == paris(2026, 7, 13, 12)  # after 14 July


def test_working_days_zero_is_the_session_day_itself():
    rule = NoticeRule("working_days", 0, 7 * 60)
    assert deadline_of(rule, date(2026, 9, 17)) == paris(2026, 9, 17, 7)


def test_previous_week_tuesday_2359():
    rule = NoticeRule("previous_week", cutoff_minutes=23 * 60 + 59, weekday=1)
    expected = paris(2026, 9, 8, 23, 59)
    for session in (date(2026, 9, 14), date(2026, 9, 17), date(2026, 9, 20)):  # Mon, Thu, Sun
        assert deadline_of(rule, session) == expected
    assert deadline_of(rule, date(2026, 9, 21)) == paris(2026, 9, 15, 23, 59)


def test_none_means_until_the_session_starts():
    session = date(2026, 9, 17)
    assert deadline_of(NoticeRule(), session, 11 * 60 + 30) == paris(2026, 9, 17, 11, 30)


def test_deadline_is_clipped_to_the_session_start():
    rule = NoticeRule("calendar_days", 0, 18 * 60)
    assert deadline_of(rule, date(2026, 9, 17), 16 * 60 + 30) == paris(2026, 9, 17, 16, 30)


def test_cutoff_minute_is_inclusive():
    rule = NoticeRule("calendar_days", 2, NOON)
    session, start = date(2026, 9, 17), paris(2026, 9, 17, 8, 30)
    assert rule.is_open(paris(2026, 9, 15, 12, 0, 0), session, start)
    assert rule.is_open(paris(2026, 9, 15, 12, 0, 59, 999999), session, start)
    assert not rule.is_open(paris(2026, 9, 15, 12, 1, 0), session, start)
    # The same instants given in UTC.
    assert rule.is_open(datetime(2026, 9, 15, 10, 0, 59, tzinfo=UTC), session, start)
    assert not rule.is_open(datetime(2026, 9, 15, 10, 1, tzinfo=UTC), session, start)


def test_nothing_is_open_once_the_session_has_started():
    session, start = date(2026, 9, 17), paris(2026, 9, 17, 8, 30)
    assert NoticeRule().is_open(paris(2026, 9, 17, 8, 29, 59), session, start)
    assert not NoticeRule().is_open(paris(2026, 9, 17, 8, 30), session, start)


def test_naive_now_is_refused():
    with pytest.raises(ValueError):
        NoticeRule().is_open(datetime(2026, 9, 15, 12), date(2026, 9, 17), paris(2026, 9, 17, 8))


@pytest.mark.parametrize("kwargs", [
    {"kind": "fortnight"}, {"kind": "calendar_days", "days": -1},
    {"kind": "calendar_days", "cutoff_minutes": 1440}, {"kind": "previous_week"},
    {"kind": "previous_week", "weekday": 7},
])
def test_invalid_rules_fail_loudly(kwargs):
    with pytest.raises(ValueError):
        NoticeRule(**kwargs)


# --- Daylight saving ----------------------------------------------------------------


def test_deadline_before_spring_forward_keeps_wall_clock_time():
    # Session Tuesday 31/03 (summer time), deadline Sunday 29/03, the day of the change.
    deadline = deadline_of(NoticeRule("calendar_days", 2, NOON), date(2026, 3, 31))
    assert deadline == paris(2026, 3, 29, 12)
    assert deadline.astimezone(UTC) == datetime(2026, 3, 29, 10, tzinfo=UTC)
    # Monday after the change, deadline the Friday before, still winter time.
    start = r.paris_at(date(2026, 3, 30), 8 * 60 + 30)
    friday = NoticeRule("working_days", 1, NOON).deadline(date(2026, 3, 30), start)
    assert friday.astimezone(UTC) == datetime(2026, 3, 27, 11, tzinfo=UTC)
    assert (offset_hours(friday), offset_hours(start)) == (1, 2)
    assert start.astimezone(UTC) == datetime(2026, 3, 30, 6, 30, tzinfo=UTC)


def test_deadline_before_fall_back_keeps_wall_clock_time():
    start = r.paris_at(date(2026, 10, 26), 8 * 60 + 30)  # Monday after the change
    friday = NoticeRule("working_days", 1, NOON).deadline(date(2026, 10, 26), start)
    assert friday.astimezone(UTC) == datetime(2026, 10, 23, 10, tzinfo=UTC)
    assert (offset_hours(friday), offset_hours(start)) == (2, 1)
    tuesday = NoticeRule("previous_week", cutoff_minutes=23 * 60 + 59, weekday=1).deadline(
        date(2026, 10, 29), r.paris_at(date(2026, 10, 29), 8 * 60 + 30))
    assert tuesday.astimezone(UTC) == datetime(2026, 10, 20, 21, 59, tzinfo=UTC)
    # Sunday of the change itself: noon is in winter time.
    sunday = deadline_of(NoticeRule("calendar_days", 1, NOON), date(2026, 10, 26))
    assert sunday.astimezone(UTC) == datetime(2026, 10, 25, 11, tzinfo=UTC)


def test_cutoff_minute_is_inclusive_across_dst():
    rule = NoticeRule("working_days", 1, NOON)
    session = date(2026, 3, 30)
    start = r.paris_at(session, 8 * 60 + 30)
    assert rule.is_open(datetime(2026, 3, 27, 11, 0, 59, tzinfo=UTC), session, start)
    assert not rule.is_open(datetime(2026, 3, 27, 11, 1, tzinfo=UTC), session, start)


def test_cutoff_in_the_skipped_hour_designates_a_real_instant():
    # 2h30 does not exist on 29/03/2026: it is read as 2h30 winter time = 3h30 summer time.
    deadline = deadline_of(NoticeRule("calendar_days", 1, 2 * 60 + 30), date(2026, 3, 30))
    assert deadline.astimezone(UTC) == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)


# --- Wording ----------------------------------------------------------------------


@pytest.mark.parametrize("rule, action, text", [
    (NoticeRule("working_days", 2, NOON), "Réservation",
     "Réservation au plus tard 2 jours ouvrés avant, 12h00"),
    (NoticeRule("working_days", 1, NOON), "Réservation",
     "Réservation au plus tard 1 jour ouvré avant, 12h00"),
    (NoticeRule("calendar_days", 2, NOON), "Réservation",
     "Réservation au plus tard 2 jours avant, 12h00"),
    (NoticeRule("calendar_days", 1, 18 * 60), "Annulation",
     "Annulation au plus tard la veille, 18h00"),
    (NoticeRule("calendar_days", 0, 9 * 60 + 30), "Réservation",
     "Réservation au plus tard le jour même, 9h30"),
    (NoticeRule("working_days", 0, 0), "Annulation", "Annulation au plus tard le jour même, 0h00"),
    (NoticeRule("previous_week", 0, 23 * 60 + 59, 1), "Réservation",
     "Réservation au plus tard le mardi de la semaine précédente, 23h59"),
    (NoticeRule(), "Réservation", "Réservation possible jusqu'au début de l'activité"),
    (NoticeRule(), "Annulation", "Annulation possible jusqu'au début de l'activité"),
])
def test_describe(rule, action, text):
    assert rule.describe(action) == text


def test_format_deadline_in_paris_time():
    assert r.format_deadline(datetime(2026, 9, 15, 10, tzinfo=UTC)) == "mardi 15/09/2026 à 12h00"
    assert r.format_deadline(paris(2026, 3, 1, 9, 5)) == "dimanche 01/03/2026 à 9h05"
    assert r.format_deadline(datetime(2026, 12, 31, 23, 30, tzinfo=UTC)) == "vendredi 01/01/2027 à 0h30"


# --- Activity rules ---------------------------------------------------------------


def canteen(**overrides) -> ActivityRules:
    """Mon, Tue, Thu, Fri at 11h30; book 1 working day before at noon (surcharged
    from 3 working days before), cancel the day before at 18h00; 30 days ahead."""
    values = dict(
        weekdays=frozenset({0, 1, 3, 4}), start_date=date(2026, 9, 1), end_date=date(2027, 7, 3),
        start_minutes=11 * 60 + 30, end_minutes=13 * 60 + 30, horizon_days=30,
        booking=NoticeRule("working_days", 1, NOON), cancel=NoticeRule("calendar_days", 1, 18 * 60),
        late=NoticeRule("working_days", 3, NOON), late_surcharge_percent=50,
    )
    values.update(overrides)
    return ActivityRules(**values)


def test_from_activity_reads_the_model_columns():
    activity = Activity(
        organization_id=1, name="Cantine", kind="canteen", unit="meal", capacity=80,
        start_date=date(2026, 9, 1), end_date=date(2027, 7, 3), weekdays="0,1,3,4",
        start_minutes=690, end_minutes=810, horizon_days=30,
        booking_notice_kind="working_days", booking_notice_days=1, booking_cutoff_minutes=NOON,
        cancel_notice_kind="calendar_days", cancel_notice_days=1, cancel_cutoff_minutes=1080,
        late_notice_kind="working_days", late_notice_days=3, late_cutoff_minutes=NOON,
        late_surcharge_percent=50, created_at=datetime(2026, 6, 1, tzinfo=UTC),
    )
    assert ActivityRules.from_activity(activity) == canteen()
    holder = SimpleNamespace(booking_notice_kind="previous_week",
                             booking_notice_days=0, booking_cutoff_minutes=1439,
                             booking_notice_weekday=1)
    assert NoticeRule.from_activity(holder, "booking") == NoticeRule("previous_week", 0, 1439, 1)
    with pytest.raises(ValueError):
        NoticeRule.from_activity(holder, "other")


def test_session_days_and_start():
    rules = canteen()
    assert rules.is_session_day(date(2026, 9, 17))  # Thursday
    assert not rules.is_session_day(date(2026, 9, 16))  # Wednesday
    assert not rules.is_session_day(date(2026, 8, 31))  # before the activity
    assert not rules.is_session_day(date(2027, 7, 5))  # after it
    assert rules.session_start(date(2026, 9, 17)) == paris(2026, 9, 17, 11, 30)
    assert ActivityRules(frozenset(), date(2026, 9, 1), date(2026, 9, 30)).weekdays == frozenset()


def test_horizon_uses_the_paris_date():
    rules = canteen()
    session = date(2026, 10, 15)
    assert rules.opens_on(session) == date(2026, 9, 15)
    assert not rules.is_within_horizon(paris(2026, 9, 14, 23, 59), session)
    assert rules.is_within_horizon(datetime(2026, 9, 14, 22, 30, tzinfo=UTC), session)  # 0h30
    assert canteen(horizon_days=None).opens_on(session) is None
    assert canteen(horizon_days=None).is_within_horizon(paris(2020, 1, 1), session)


def test_convenience_deadlines():
    rules = canteen()
    assert r.booking_deadline(rules, date(2026, 9, 24)) == paris(2026, 9, 23, 12)
    assert r.cancel_deadline(rules, date(2026, 9, 24)) == paris(2026, 9, 23, 18)


# --- Decisions --------------------------------------------------------------------

THURSDAY = date(2026, 9, 24)  # booking until Wed 23 12h00, surcharged after Mon 21 12h00
MONDAY_MORNING = paris(2026, 9, 14, 10)


def cell(**overrides):
    values = dict(rules=canteen(), session_date=THURSDAY, now=MONDAY_MORNING, closed_reason=None,
                  capacity=10, booked_count=3, registration="validated", booking_status=None,
                  waiting_position=None)
    values.update(overrides)
    return decide(**values)


def allowed(decision) -> tuple[bool, ...]:
    return (decision.can_book, decision.can_cancel, decision.can_join_waiting_list,
            decision.can_leave_waiting_list)


def test_available():
    d = cell()
    assert (d.state, d.label, d.reason, d.late) == ("available", "Disponible", "", False)
    assert allowed(d) == (True, False, False, False)
    assert d.deadline == paris(2026, 9, 23, 12)


def test_available_with_late_surcharge():
    d = cell(now=paris(2026, 9, 21, 12, 1))
    assert (d.state, d.label, d.late, d.can_book) == ("available", "Disponible (majoré)", True, True)
    assert d.reason == "Réservation tardive : majoration de 50 %"
    assert not cell(now=paris(2026, 9, 21, 12, 0, 59)).late


def test_late_rule_none_means_no_surcharge():
    d = cell(rules=canteen(late=NoticeRule()), now=paris(2026, 9, 23, 11, 59))
    assert (d.state, d.label, d.late) == ("available", "Disponible", False)


def test_closed_wins_over_everything():
    for status in (None, "booked", "waiting"):
        d = cell(closed_reason="grève", booking_status=status, waiting_position=1)
        assert (d.state, d.label, d.reason) == ("closed", "Fermé", "Fermé : grève")
        assert allowed(d) == (False, False, False, False) and not d.late


@pytest.mark.parametrize("registration, label, reason", [
    (None, "Non inscrit", "Votre enfant n'est pas inscrit à cette activité."),
    ("cancelled", "Non inscrit", "Votre enfant n'est pas inscrit à cette activité."),
    ("refused", "Non inscrit", "L'inscription de votre enfant à cette activité a été refusée."),
    ("pending", "Inscription en attente",
     "Inscription à l'activité en attente de validation par votre organisation."),
    ("waiting", "Inscription en attente",
     "Inscription à l'activité sur liste d'attente : en attente d'une place."),
])
def test_not_enrolled(registration, label, reason):
    d = cell(registration=registration, booking_status="cancelled")
    assert (d.state, d.label, d.reason) == ("not_enrolled", label, reason)
    assert allowed(d) == (False, False, False, False)
    # Even for a past or full session, the registration is what needs explaining.
    assert cell(registration=registration, now=paris(2026, 9, 25), booked_count=10).state == "not_enrolled"


def test_booked_can_cancel_until_the_cancel_deadline():
    d = cell(booking_status="booked")
    assert (d.state, d.label, d.reason) == ("booked", "Réservé", "")
    assert allowed(d) == (False, True, False, False)
    assert d.deadline == paris(2026, 9, 23, 18)
    assert cell(booking_status="booked", now=paris(2026, 9, 23, 18, 0, 59)).can_cancel
    late = cell(booking_status="booked", now=paris(2026, 9, 23, 18, 1))
    assert (late.state, late.can_cancel) == ("booked", False)
    assert late.reason == "Annulation impossible : délai dépassé (mercredi 23/09/2026 à 18h00)"


def test_booking_wins_over_registration_and_past():
    d = cell(booking_status="booked", registration="cancelled", now=paris(2026, 9, 25))
    assert (d.state, d.label, d.can_cancel, d.reason) == ("booked", "Réservé", False, "")


def test_cancelled_booking_counts_as_no_booking():
    assert cell(booking_status="cancelled").state == "available"


def test_waiting_list():
    d = cell(booking_status="waiting", waiting_position=3, booked_count=10, registration="pending")
    assert (d.state, d.label) == ("waiting", "Liste d'attente : n° 3")
    assert allowed(d) == (False, False, False, True)
    after = cell(booking_status="waiting", waiting_position=3, now=paris(2026, 9, 24, 11, 30))
    assert (after.state, after.can_leave_waiting_list) == ("waiting", False)


def test_past_wins_over_deadline_and_full():
    d = cell(now=paris(2026, 9, 24, 11, 30), booked_count=10)
    assert (d.state, d.label) == ("past", "Passé")
    assert allowed(d) == (False, False, False, False)
    assert cell(now=paris(2026, 9, 24, 11, 29, 59)).state == "deadline_passed"


def test_not_open_yet_wins_over_full():
    d = cell(session_date=date(2026, 11, 5), booked_count=10)
    assert (d.state, d.label) == ("not_open_yet", "Pas encore ouvert")
    assert d.reason == "Réservation possible à partir du 06/10/2026"
    assert allowed(d) == (False, False, False, False)
    assert cell(session_date=date(2026, 11, 5), now=paris(2026, 10, 6)).state == "available"


def test_deadline_passed_wins_over_full():
    d = cell(now=paris(2026, 9, 23, 12, 1), booked_count=10)
    assert (d.state, d.label) == ("deadline_passed", "Délai dépassé")
    assert d.reason == "Délai dépassé : réservation possible jusqu'au mercredi 23/09/2026 à 12h00"
    assert allowed(d) == (False, False, False, False)
    assert cell(now=paris(2026, 9, 23, 12, 0, 59)).state == "available"


def test_full_offers_the_waiting_list():
    d = cell(booked_count=10)
    assert (d.state, d.label) == ("full", "Complet")
    assert d.reason == "Complet : vous pouvez rejoindre la liste d'attente."
    assert allowed(d) == (False, False, True, False)


def test_unknown_statuses_are_refused():
    with pytest.raises(ValueError):
        cell(registration="validée")
    with pytest.raises(ValueError):
        cell(booking_status="present")


# --- Properties -------------------------------------------------------------------

DATES = st.dates(date(2024, 1, 1), date(2028, 12, 31))
MINUTES = st.integers(0, 1439)
KINDS = st.sampled_from(r.NOTICE_KINDS)


@st.composite
def notice_rules(draw, kinds=KINDS):
    kind = draw(kinds)
    weekday = draw(st.integers(0, 6)) if kind == "previous_week" else None
    return NoticeRule(kind, draw(st.integers(0, 10)), draw(MINUTES), weekday)


def instants_around(session: date, days_before: int = 20):
    """UTC instants from `days_before` days before to 2 days after the session date."""
    base = datetime(session.year, session.month, session.day, tzinfo=UTC)
    return st.integers(-days_before * 86_400_000_000, 2 * 86_400_000_000).map(
        lambda us: base + timedelta(microseconds=us))


def wall_time_exists(d: date, minutes: int) -> bool:
    local = r.paris_at(d, minutes)
    return (local.date(), local.hour * 60 + local.minute) == (d, minutes)


PROPS = settings(max_examples=200, deadline=None)


@PROPS
@given(rule=notice_rules(), session=DATES, start_minutes=MINUTES)
def test_deadline_never_after_session_start_and_keeps_the_cutoff(rule, session, start_minutes):
    start = r.paris_at(session, start_minutes)
    deadline = rule.deadline(session, start)
    assert deadline.astimezone(UTC) <= start.astimezone(UTC)
    clipped = deadline.astimezone(UTC) == start.astimezone(UTC)
    local = deadline.astimezone(PARIS)
    if not clipped and wall_time_exists(local.date(), rule.cutoff_minutes):
        assert local.hour * 60 + local.minute == rule.cutoff_minutes


@PROPS
@given(n=st.integers(0, 10), cutoff=MINUTES, session=DATES, start_minutes=MINUTES)
def test_working_days_deadline_counts_exactly_n_working_days(n, cutoff, session, start_minutes):
    start = r.paris_at(session, start_minutes)
    day = NoticeRule("working_days", n, cutoff).deadline(session, start).astimezone(PARIS).date()
    if n == 0:
        assert day == session
        return
    assert r.is_working_day(day)
    between = [day + timedelta(days=i) for i in range((session - day).days)]
    assert sum(r.is_working_day(x) for x in between) == n


@PROPS
@given(kind=st.sampled_from(["calendar_days", "working_days"]), n=st.integers(0, 10),
       more=st.integers(1, 10), cutoff=MINUTES, session=DATES, start_minutes=MINUTES)
def test_more_notice_never_gives_a_later_deadline(kind, n, more, cutoff, session, start_minutes):
    start = r.paris_at(session, start_minutes)
    short = NoticeRule(kind, n, cutoff).deadline(session, start)
    long = NoticeRule(kind, n + more, cutoff).deadline(session, start)
    assert long.astimezone(UTC) <= short.astimezone(UTC)


@PROPS
@given(data=st.data(), rule=notice_rules(), session=DATES, start_minutes=MINUTES)
def test_is_open_is_monotonic_and_matches_the_deadline_minute(data, rule, session, start_minutes):
    start = r.paris_at(session, start_minutes)
    first, second = sorted(data.draw(st.lists(instants_around(session), min_size=2, max_size=2)))
    if rule.is_open(second, session, start):
        assert rule.is_open(first, session, start)
    deadline = rule.deadline(session, start).astimezone(UTC)
    expected = first < deadline + timedelta(minutes=1) and first < start.astimezone(UTC)
    assert rule.is_open(first, session, start) == expected


@st.composite
def activity_rules(draw):
    start_date = draw(DATES)
    return ActivityRules(
        weekdays=frozenset(draw(st.sets(st.integers(0, 6), min_size=1))),
        start_date=start_date, end_date=start_date + timedelta(days=draw(st.integers(0, 60))),
        start_minutes=draw(MINUTES), end_minutes=draw(MINUTES),
        horizon_days=draw(st.none() | st.integers(0, 40)), booking=draw(notice_rules()),
        cancel=draw(notice_rules()), late=draw(notice_rules()),
        late_surcharge_percent=draw(st.integers(0, 100)),
    )


@PROPS
@given(data=st.data(), rules=activity_rules())
def test_decide_invariants(data, rules):
    session = data.draw(st.dates(rules.start_date, rules.end_date))
    capacity = data.draw(st.integers(1, 3))
    # Weighted towards the common case so that every state shows up.
    status = data.draw(st.sampled_from((None, None, None, "booked", "waiting", "cancelled")))
    d = decide(
        rules=rules, session_date=session, now=data.draw(instants_around(session, 45)),
        closed_reason=data.draw(st.sampled_from((None, None, None, None, "travaux"))),
        capacity=capacity, booked_count=data.draw(st.integers(0, capacity)),
        registration=data.draw(st.sampled_from(("validated",) * 4 + r.REGISTRATION_STATUSES)),
        booking_status=status,
        waiting_position=data.draw(st.integers(1, 5)) if status == "waiting" else None,
    )
    assert not (d.can_book and d.can_cancel)
    assert not d.can_book or d.state == "available"
    assert not d.can_join_waiting_list or d.state == "full"
    assert not d.can_cancel or d.state == "booked"
    assert not d.can_leave_waiting_list or d.state == "waiting"
    assert not d.late or d.can_book
    assert d.label
    if d.state == "closed":
        assert not any(allowed(d)) and not d.late
    if d.state == "available":
        assert d.can_book and bool(d.reason) == d.late
