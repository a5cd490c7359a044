"""The booking rules engine's properties (hypothesis): deadlines never after the
session start, working days counted exactly, more notice never later, `is_open`
monotonic, and the invariants of every decision.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from cityviz.clock import PARIS, UTC
from cityviz.services.booking import rules as r
from cityviz.services.booking.rules import ActivityRules, NoticeRule, decide
from tests.services.booking.rules_helpers import allowed

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
