"""Billing of reported absences over random absences, carences and certificates (hypothesis):
the rule alone, then the whole path — report, certificate, decision, attendance — against
what the month's invoice bills, compared with a model written independently here."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cityviz import db
from cityviz.services.billing import period_lines
from cityviz.services.booking import absence_review, absences, bookings, rules
from cityviz.services.booking.absence_rules import MAX_CARENCE, POLICIES, REASONS, AbsenceRule
from tests import factories

POLICY = st.sampled_from(sorted(POLICIES))
REASON = st.sampled_from(sorted(REASONS))
CARENCE = st.integers(0, MAX_CARENCE)
DAYS = st.sets(st.dates(date(2026, 9, 1), date(2026, 10, 31)), max_size=20)


@given(POLICY, CARENCE, REASON, st.booleans(), st.booleans(), DAYS)
def test_billed_days_are_some_of_the_absence_days(policy, carence, reason, certificate, accepted, days):
    billed = AbsenceRule(policy, carence).billed_days(accepted=accepted, reason=reason, has_certificate=certificate,
                                                     days=days)
    assert billed <= days
    excused = accepted and reason == "illness" and (policy == "illness" or (policy == "certificate" and certificate))
    if excused:  # the carence: the first days, in date order
        assert billed == set(sorted(days)[:carence])
    else:
        assert billed == days


@given(POLICY, CARENCE, REASON, st.booleans(), DAYS)
def test_refusing_never_bills_less_and_a_certificate_never_bills_more(policy, carence, reason, certificate, days):
    rule = AbsenceRule(policy, carence)
    accepted = rule.billed_days(accepted=True, reason=reason, has_certificate=certificate, days=days)
    assert accepted <= rule.billed_days(accepted=False, reason=reason, has_certificate=certificate, days=days)
    with_certificate = rule.billed_days(accepted=True, reason=reason, has_certificate=True, days=days)
    assert with_certificate <= rule.billed_days(accepted=True, reason=reason, has_certificate=False, days=days)


@given(POLICY, st.integers(0, MAX_CARENCE - 1), REASON, st.booleans(), DAYS)
def test_more_carence_never_bills_less(policy, carence, reason, certificate, days):
    fewer = AbsenceRule(policy, carence).billed_days(accepted=True, reason=reason, has_certificate=certificate,
                                                     days=days)
    assert fewer <= AbsenceRule(policy, carence + 1).billed_days(accepted=True, reason=reason,
                                                                 has_certificate=certificate, days=days)


def test_rules_refuse_what_a_town_cannot_set():
    with pytest.raises(ValueError):
        AbsenceRule("gratuit", 0)
    with pytest.raises(ValueError):
        AbsenceRule("certificate", MAX_CARENCE + 1)


# --- The whole path -------------------------------------------------------------------------------

# The canteen's September days from Tuesday 15 (Mon, Tue, Thu, Fri), all bookable on Monday 14.
SEPTEMBER = [date(2026, 9, d) for d in (15, 17, 18, 21, 22, 24, 25, 28, 29)]
_towns = itertools.count(1)


@st.composite
def absences_plan(draw):
    """Consecutive, non-overlapping absences over the days, each with its reason,
    certificate and decision; some days stay without absence."""
    booked = sorted(draw(st.sets(st.sampled_from(SEPTEMBER), min_size=1)))
    cuts = sorted(draw(st.sets(st.integers(0, len(SEPTEMBER)), max_size=8)) | {0, len(SEPTEMBER)})
    plan = []
    for start, end in itertools.pairwise(cuts):
        if draw(st.booleans()):
            plan.append((SEPTEMBER[start], SEPTEMBER[end - 1], draw(REASON), draw(st.booleans()),
                         draw(st.booleans())))
    return booked, plan


def expected_billed(policy, carence, booked, plan):
    """The model: every booked day is billed unless an accepted illness excuses it (the
    certificate when the town asks for one), past the carence counted in booked days."""
    billed = set(booked)
    for first, last, reason, certificate, accepted in plan:
        covered = [d for d in booked if first <= d <= last]
        needs_certificate = policy == "certificate"
        if accepted and reason == "illness" and policy != "billed" and (certificate or not needs_certificate):
            billed -= set(covered[carence:])
    return sorted(billed)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(POLICY, st.integers(0, 3), absences_plan())
def test_the_invoice_bills_what_the_rule_says(database, frozen, policy, carence, plan):
    booked, absences_list = plan
    with db.transaction() as s:
        org = factories.make_organization(s, name=f"Ville {next(_towns)}")
        staff = factories.actor(s, factories.make_staff(s, org))
        canteen = factories.make_activity(s, org, staff, absence_policy=policy, absence_carence_days=carence,
                                          booking=rules.NoticeRule("none"), end_date=date(2026, 9, 30),
                                          price_bands=[(None, 310)])
        household, _g, user = factories.make_household(s, email=f"f{org.id}@example.org", org=org)
        child = factories.make_child(s, household, org=org)
        factories.register(s, canteen, child)
        parent = factories.actor(s, user)
        sessions = {d: factories.session_on(s, canteen, d).id for d in booked}
    with db.transaction() as s:
        for d in booked:
            bookings.book_session(s, actor=parent, child_id=child.id, session_id=sessions[d])
    live = []
    for first, last, reason, certificate, accepted in absences_list:
        if not any(first <= d <= last for d in booked):
            continue  # nothing booked: the report is refused, nothing to decide
        with db.transaction() as s:
            report_id = absences.report_absence(s, actor=parent, child_id=child.id, date_from=first,
                                                date_to=last, reason=reason)[0]
            if certificate:
                absences.attach_certificate(s, actor=parent, report_id=report_id, filename="c.pdf",
                                            data=factories.pdf_bytes())
        with db.transaction() as s:
            absence_review.decide_absence(s, actor=staff, report_id=report_id, accept=accepted,
                                          reason="" if accepted else "Non justifiée")
        live.append((first, last, reason, certificate, accepted))
    with db.read() as s:
        facts = period_lines.load_facts(s, org.id, date(2026, 9, 1), date(2026, 9, 30))
        drafts = period_lines.drafts_for(s, org.id, date(2026, 9, 1), date(2026, 9, 30))
    want = expected_billed(policy, carence, booked, live)
    assert sorted(f.day for f in facts if period_lines.is_billed(f)) == want
    assert sum(d.total_cents for d in drafts) == 310 * len(want)
    assert not want or [line.quantity for d in drafts for line in d.lines] == [len(want)]


def test_the_model_agrees_on_a_worked_example():
    booked = SEPTEMBER[:4]  # 15, 17, 18, 21
    plan = [(SEPTEMBER[0], SEPTEMBER[2], "illness", True, True)]
    assert expected_billed("certificate", 1, booked, plan) == [SEPTEMBER[0], SEPTEMBER[3]]
    assert expected_billed("certificate", 0, booked, [(*plan[0][:3], False, True)]) == booked
    assert SEPTEMBER[3] - SEPTEMBER[0] == timedelta(days=6)
