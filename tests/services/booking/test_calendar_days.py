"""Every weekday of the calendar says something: its sessions, or why there is none."""

import pytest

from cityviz import db
from cityviz.services.booking import calendar
from tests import factories

pytestmark = pytest.mark.usefixtures("database", "frozen")


@pytest.fixture
def home():
    """Léo registered to the canteen (Mon, Tue, Thu, Fri in term time, zone C)."""
    with db.transaction() as s:
        org = factories.make_organization(s)
        org.school_zone = "C"
        s.add(org)
        s.flush()
        canteen = factories.make_activity(s, org, school_period="school")
        household, _g, user = factories.make_household(s, email="martin@example.org", org=org)
        leo = factories.make_child(s, household, "Léo", org=org)
        factories.register(s, canteen, leo)
        return {"parent": factories.actor(s, user)}


def _days(home, year, month):
    with db.read() as s:
        view = calendar.month_view(s, actor=home["parent"], year=year, month=month)
    return {d.iso: d for week in view.weeks for d in week}


def test_weekdays_without_session_say_why(home):
    october = _days(home, 2026, 10)
    assert october["2026-10-05"].cells and october["2026-10-05"].note == ""
    assert october["2026-10-07"].note == "Pas d'accueil"  # a Wednesday: no canteen that day
    assert october["2026-10-10"].note == ""  # a Saturday: nothing to say
    assert october["2026-10-19"].note == "Vacances scolaires" and not october["2026-10-19"].cells  # Toussaint, zone C
    assert october["2026-09-28"].note == ""  # the grid's days of another month stay quiet
    november = _days(home, 2026, 11)
    assert november["2026-11-11"].note == "Jour férié"


def test_a_household_with_no_activity_has_no_notes():
    with db.transaction() as s:
        _h, _g, user = factories.make_household(s, email="new@example.org")
        parent = factories.actor(s, user)
    with db.read() as s:
        view = calendar.month_view(s, actor=parent, year=2026, month=10)
    assert {d.note for week in view.weeks for d in week} == {""}
