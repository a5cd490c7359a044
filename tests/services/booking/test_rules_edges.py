"""Rules engine edges found by mutation testing: the deadline every decision
carries, exact labels and error messages, Monday as "previous week" day, the
whole week as weekdays, the session's very first instant."""

from __future__ import annotations

from datetime import date, datetime, tzinfo
from types import SimpleNamespace

import pytest

from cityviz.services.booking import rules as r
from cityviz.services.booking.rules import ActivityRules, NoticeRule
from tests.services.booking.rules_helpers import NOON, deadline_of, paris

THURSDAY = date(2026, 9, 17)  # a session day; 11h30
RULES = ActivityRules(weekdays=frozenset({0, 1, 3, 4}), start_date=date(2026, 9, 1), end_date=date(2027, 7, 3),
                      start_minutes=11 * 60 + 30, end_minutes=13 * 60 + 30, horizon_days=30,
                      booking=NoticeRule("working_days", 1, NOON), cancel=NoticeRule("calendar_days", 1, 18 * 60),
                      late=NoticeRule("working_days", 3, NOON), late_surcharge_percent=50)
BOOK_BY, CANCEL_BY = paris(2026, 9, 16, 12), paris(2026, 9, 16, 18)


def _decide(now, day=THURSDAY, **facts):
    values = dict(closed_reason=None, capacity=10, booked_count=0, registration="validated", booking_status=None,
                  waiting_position=None)
    values.update(facts)
    return r.decide(rules=RULES, session_date=day, now=now, **values)


@pytest.mark.parametrize(("now", "facts", "state", "deadline"), [
    (paris(2026, 9, 17, 11, 30), {}, "past", BOOK_BY),
    (paris(2026, 8, 1, 9), {}, "not_open_yet", BOOK_BY),
    (paris(2026, 9, 16, 12, 1), {}, "deadline_passed", BOOK_BY),
    (paris(2026, 9, 14, 9), {"booked_count": 10}, "full", BOOK_BY),
    (paris(2026, 9, 14, 13), {}, "available", BOOK_BY),  # late: past 3 working days before
    (paris(2026, 9, 1, 9), {}, "available", BOOK_BY),
    (paris(2026, 9, 14, 9), {"booking_status": "waiting"}, "waiting", BOOK_BY),
    (paris(2026, 9, 14, 9), {"registration": "pending"}, "not_enrolled", BOOK_BY),
    (paris(2026, 9, 14, 9), {"booking_status": "booked"}, "booked", CANCEL_BY),
    (paris(2026, 9, 16, 18, 1), {"booking_status": "booked"}, "booked", CANCEL_BY),
    (paris(2026, 9, 17, 12), {"booking_status": "booked"}, "booked", CANCEL_BY),
])
def test_every_decision_carries_its_deadline(now, facts, state, deadline):
    decision = _decide(now, **facts)
    assert (decision.state, decision.deadline) == (state, deadline)
    assert decision.late == (now == paris(2026, 9, 14, 13))


def test_exact_labels_of_a_booked_session_and_a_waiting_list_without_position():
    late = _decide(paris(2026, 9, 16, 18, 1), booking_status="booked")
    assert (late.label, late.reason) == ("Réservé", "Annulation impossible : délai dépassé (mercredi 16/09/2026 à 18h00)")
    assert _decide(paris(2026, 9, 14, 9), booking_status="waiting").label == "Liste d'attente"


def test_at_the_session_s_first_instant_a_booking_is_history():
    start = _decide(paris(2026, 9, 17, 11, 30), booking_status="booked")
    assert (start.label, start.reason, start.can_cancel) == ("Réservé", "", False)


def test_monday_of_the_previous_week():
    monday = NoticeRule("previous_week", cutoff_minutes=NOON, weekday=0)
    assert deadline_of(monday, THURSDAY) == paris(2026, 9, 7, 12)
    assert monday.describe("Réservation") == "Réservation au plus tard le lundi de la semaine précédente, 12h00"


def test_the_whole_week_is_a_valid_schedule_and_day_7_is_not():
    assert r._parse_weekdays("0,1,2,3,4,5,6") == frozenset(range(7))
    with pytest.raises(ValueError) as refused:
        r._parse_weekdays("0,7")
    assert str(refused.value) == "Jours de la semaine invalides : '0,7'"


def test_public_holidays_are_known_by_date():
    assert r.is_public_holiday(date(2026, 11, 11)) and r.is_public_holiday(date(2027, 5, 6))  # Ascension 2027
    assert not r.is_public_holiday(date(2026, 11, 12))


class _NoOffset(tzinfo):
    def utcoffset(self, dt):
        return None


@pytest.mark.parametrize(("make", "message"), [
    (lambda: r._utc(datetime(2026, 9, 17, 12)), "Un instant avec fuseau horaire est attendu."),
    (lambda: r._utc(datetime(2026, 9, 17, 12, tzinfo=_NoOffset())), "Un instant avec fuseau horaire est attendu."),
    (lambda: r.working_days_before(THURSDAY, -1), "n doit être positif ou nul"),
    (lambda: NoticeRule("weeks"), "Type de délai inconnu : 'weeks'"),
    (lambda: NoticeRule("calendar_days", -1), "Le nombre de jours de délai doit être positif ou nul."),
    (lambda: NoticeRule("calendar_days", 1, 1440), "L'heure limite doit être comprise entre 0h00 et 23h59."),
    (lambda: NoticeRule("previous_week"), "Un délai « semaine précédente » demande un jour de la semaine."),
    (lambda: NoticeRule.from_activity(SimpleNamespace(), "other"), "Préfixe de règle inconnu : 'other'"),
    (lambda: _decide(paris(2026, 9, 14, 9), registration="lost"), "Statut d'inscription inconnu : 'lost'"),
    (lambda: _decide(paris(2026, 9, 14, 9), booking_status="lost"), "Statut de réservation inconnu : 'lost'"),
])
def test_misconfigurations_fail_with_a_clear_message(make, message):
    with pytest.raises(ValueError) as refused:
        make()
    assert str(refused.value) == message

