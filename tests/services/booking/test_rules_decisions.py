"""The booking rules engine: an activity's rules read from the model, and the
decision for one calendar cell (which state wins, what may be done).

Pure functions: no database, no frozen clock; every test passes its own `now`.
"""

from __future__ import annotations

from datetime import date, datetime
from types import SimpleNamespace

import pytest

from cityviz.clock import UTC
from cityviz.models.activities import Activity
from cityviz.services.booking import rules as r
from cityviz.services.booking.rules import ActivityRules, NoticeRule, decide
from tests.services.booking.rules_helpers import NOON, allowed, paris

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
