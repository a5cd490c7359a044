"""Sessions follow the French calendar: never on a public holiday, and term-time
activities pause during the school holidays of the organization's zone."""

from datetime import date

import pytest
from sqlmodel import select

from cityviz import db
from cityviz.models import ActivitySession, Organization
from cityviz.services.billing import regie
from cityviz.services.booking import school_calendar
from tests import factories

pytestmark = pytest.mark.usefixtures("database", "frozen")


def _days(activity_id):
    with db.read() as s:
        return {x.date for x in s.exec(select(ActivitySession).where(ActivitySession.activity_id == activity_id))}


def test_zone_b_autumn_holidays_and_public_holidays():
    assert school_calendar.is_school_holiday(date(2026, 10, 19), "B")
    assert not school_calendar.is_school_holiday(date(2026, 11, 2), "B")  # back to school
    assert not school_calendar.is_school_holiday(date(2026, 10, 19), "")  # no zone: unknown
    assert not school_calendar.runs_on(date(2026, 11, 11), "all", "B")  # Armistice


def test_term_time_canteen_pauses_in_the_holidays_and_leisure_runs_only_then():
    with db.transaction() as s:
        org = factories.make_organization(s)
        org.school_zone = "B"
        staff = factories.actor(s, factories.make_staff(s, org, role="admin"))
        canteen = factories.make_activity(s, org, staff, school_period="school").id
        camp = factories.make_activity(s, org, staff, name="Centre de loisirs des vacances", kind="leisure",
                                       unit="day", weekdays=[0, 1, 2, 3, 4], school_period="holidays").id
        wednesdays = factories.make_activity(s, org, staff, name="Mercredis", kind="leisure", unit="day",
                                             weekdays=[2], school_period="all").id
    canteen_days, camp_days, wednesday_days = _days(canteen), _days(camp), _days(wednesdays)
    assert date(2026, 10, 16) in canteen_days and date(2026, 11, 2) in canteen_days
    assert not {d for d in canteen_days if date(2026, 10, 17) <= d <= date(2026, 11, 1)}
    assert min(camp_days) == date(2026, 10, 19) and date(2026, 11, 2) not in camp_days
    assert date(2026, 11, 11) not in wednesday_days and date(2026, 11, 4) in wednesday_days


def test_setting_the_zone_later_updates_term_time_sessions():
    with db.transaction() as s:
        org = factories.make_organization(s)
        staff = factories.actor(s, factories.make_staff(s, org, role="admin"))
        canteen = factories.make_activity(s, org, staff, school_period="school").id
    assert date(2026, 10, 20) in _days(canteen)  # no zone yet: every weekday
    with db.transaction() as s:
        regie.save_regie(s, actor=staff, organization_id=s.get(Organization, org.id).id,
                                 legal_name="Régie", legal_address="", siret="", invoice_due_days=30,
                                 payment_backend="", payment_options={}, school_zone="B")
    assert date(2026, 10, 20) not in _days(canteen)
