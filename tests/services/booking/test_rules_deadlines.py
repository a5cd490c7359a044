"""The booking rules engine: working days, the deadline of each notice rule,
daylight saving, the French wording of rules and deadlines.

Pure functions: no database, no frozen clock; every test passes its own `now`.
2026 calendar: Easter Monday 06/04, 1 May a Friday, 8 May a Friday,
Ascension Thursday 14/05, 14 July a Tuesday; DST changes on Sundays 29/03
(spring forward) and 25/10 (fall back).
"""

from __future__ import annotations

from datetime import date, datetime

import pytest

from cityviz.clock import UTC
from cityviz.services.booking import rules as r
from cityviz.services.booking.rules import NoticeRule
from tests.services.booking.rules_helpers import NOON, deadline_of, offset_hours, paris

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
