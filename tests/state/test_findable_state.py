"""Pages a parent can find and bugs testers hit, through the handlers: the phone calendar by
week, « Aujourd'hui », the occupancy selector, the bulk presets, « Mon foyer », an
organization chosen from a home card, a refused upload."""

from datetime import date, timedelta

import pytest

from cityviz import db
from cityviz.components.forms import empty_state
from cityviz.models import Organization
from cityviz.services.booking.calendar import Day, Month
from cityviz.services.errors import InvalidInput
from cityviz.state.family import RegisterState
from cityviz.state.home import HomeState, HouseholdState
from cityviz.state.reservations import BulkState, CalendarState, phone_weeks
from cityviz.state.staff_activities import OccupancyState
from cityviz.state.uploads import read_upload
from tests.state import test_booking_state
from tests.state.harness import make_state, run

pytestmark = [pytest.mark.usefixtures("database", "frozen"), pytest.mark.anyio]
town = test_booking_state.town
_token = test_booking_state._token
visible_weeks = test_booking_state.visible_weeks


def _week_days(days):
    return [(d.iso, bool(d.cells), d.note) for d in days]


async def test_the_phone_calendar_is_grouped_by_week_from_today(town):
    state = make_state(CalendarState, token=_token("parent@example.org"), url="/reservations")
    await run(CalendarState.load, state)
    weeks = visible_weeks(state)
    assert [(w.title, w.current) for w, _days in weeks] == [
        ("Semaine du lundi 14/09", True), ("Semaine du lundi 21/09", False), ("Semaine du lundi 28/09", False)]
    assert _week_days(weeks[0][1]) == [("2026-09-14", True, ""), ("2026-09-15", True, ""),
                                    ("2026-09-16", False, "Pas d'accueil"), ("2026-09-17", True, ""),
                                    ("2026-09-18", True, "")]
    assert [d.iso for d in weeks[2][1]] == ["2026-09-28", "2026-09-29", "2026-09-30"]  # October is next month's
    await run(CalendarState.toggle_past, state)
    assert [w.title for w, _days in visible_weeks(state)][:2] == ["Semaine du lundi 31/08", "Semaine du lundi 07/09"]
    assert [d.iso for d in visible_weeks(state)[0][1]][0] == "2026-09-01"


async def test_today_brings_the_parent_back_to_this_week(town):
    state = make_state(CalendarState, token=_token("parent@example.org"), url="/reservations")
    await run(CalendarState.load, state)
    await run(CalendarState.shift_month, state, 2)
    await run(CalendarState.refresh, state)
    await run(CalendarState.toggle_past, state)
    assert (state.year, state.month, state.show_past) == (2026, 11, True)
    events = await run(CalendarState.go_today, state)
    assert (state.year, state.month, state.show_past) == (2026, 9, False)
    assert "cette-semaine" in str(events) and "refresh" in str(events)
    await run(CalendarState.refresh, state)
    assert state.weeks[0].current
    assert "refresh" not in str(await run(CalendarState.go_today, state))  # already there: only the scroll


async def _calendar_in_zone_c(town, year: int, month: int):
    """The parent's « Réservations » on that month, the town's school holidays being zone C's."""
    with db.transaction() as s:
        org = s.get(Organization, town["org"])
        org.school_zone = "C"
        s.add(org)
    state = make_state(CalendarState, token=_token("parent@example.org"), url="/reservations")
    await run(CalendarState.load, state)
    state.year, state.month = year, month
    await run(CalendarState.refresh, state)
    return state


async def test_a_whole_week_without_session_is_one_line(town):
    state = await _calendar_in_zone_c(town, 2026, 12)  # the canteen ends on Friday 18/12
    *_, before, last = visible_weeks(state)
    assert (before[0].title, before[0].span, before[0].note) == ("Semaine du lundi 21/12", "", "")
    assert [note for _iso, _cells, note in _week_days(before[1])] == [  # two reasons: day by day
        "Vacances scolaires", "Vacances scolaires", "Vacances scolaires", "Vacances scolaires", "Jour férié"]
    # Friday 01/01 is January's: the line names the four days it covers.
    assert (last[0].title, last[0].span, last[0].note, last[1]) == (
        "Semaine du lundi 28/12", "Du lundi 28/12 au jeudi 31/12", "Vacances scolaires", [])


async def test_a_lone_holiday_does_not_speak_for_its_week(town):
    """January 2027 opens on Friday 01/01: that day alone is « Jour férié », not the whole week
    of 28/12 (December's days, in the school holidays, are not listed in January)."""
    state = await _calendar_in_zone_c(town, 2027, 1)
    first, days = visible_weeks(state)[0]
    assert (first.title, first.note, first.span) == ("Semaine du lundi 28/12", "", "")
    assert _week_days(days) == [("2027-01-01", False, "Jour férié")]


def test_five_weekdays_alike_are_the_whole_week_and_fewer_are_named():
    monday = date(2026, 10, 19)
    week = [Day(iso=(monday + timedelta(days=i)).isoformat(), number=19 + i, title=f"{name} {19 + i}/10",
                in_month=True, is_today=False, cells=[], note="Vacances scolaires" if i < 5 else "")
            for i, name in enumerate(["Lundi", "Mardi", "Mercredi", "Jeudi", "Vendredi", "Samedi", "Dimanche"])]
    view = Month(year=2026, month=10, title="Octobre 2026", weeks=[week], days_with_sessions=[])
    [whole] = phone_weeks(view, "2026-10-01", show_past=False)
    assert (whole.span, whole.note, whole.days) == ("Toute la semaine", "Vacances scolaires", [])
    [rest] = phone_weeks(view, "2026-10-21", show_past=False)  # from Wednesday on
    assert (rest.span, rest.note) == ("Du mercredi 21/10 au vendredi 23/10", "Vacances scolaires")
    [last] = phone_weeks(view, "2026-10-23", show_past=False)  # Friday alone: the day itself
    assert (last.span, last.note, last.days) == ("", "", [4])


async def test_the_occupancy_selector_keeps_the_chosen_activity(town):
    state = make_state(OccupancyState, token=_token("agent@example.org"), url="/admin/frequentation")
    await run(OccupancyState.load, state)
    first, second = [int(a[0]) for a in state.activity_choices]
    assert state.activity_id == first
    await run(OccupancyState.pick_activity, state, str(second))
    assert state.activity_id == second and state.rows
    await run(OccupancyState.choose, state, {"activity_id": str(second), "start": "2026-09-14"})
    assert state.activity_id == second


async def test_a_bulk_preset_keeps_the_rest_of_the_form(town):
    state = make_state(BulkState, token=_token("parent@example.org"), url="/reservations/plusieurs-dates")
    await run(BulkState.load, state)
    form_key, dates_key, weekdays = state.form_key, state.dates_key, list(state.weekdays)
    await run(BulkState.preset, state, "next_week")
    assert (state.date_from, state.date_to) == ("2026-09-21", "2026-09-25")
    assert state.form_key == form_key and state.dates_key == dates_key + 1  # activity and children untouched
    assert state.weekdays == weekdays == [0, 1, 3, 4]  # the days ticked too (no Wednesday added)


async def test_home_cards_and_my_household(town):
    home = make_state(HomeState, token=_token("parent@example.org"), url="/")
    await run(HomeState.load, home)
    assert [(a.key, [b.href for b in a.buttons]) for a in home.next_actions] == [("profile", ["/profil"])]
    household = make_state(HouseholdState, token=_token("parent@example.org"), url="/foyer")
    await run(HouseholdState.load, household)
    h = household.household
    assert [(g.name, g.badge) for g in h.guardians] == [("Camille MARTIN", "Vous")]
    assert [c.name for c in h.children] == ["Léo MARTIN", "Zoé MARTIN"]
    assert {d.person_name for d in h.dossiers} == {"Camille MARTIN", "Léo MARTIN", "Zoé MARTIN"}


async def test_an_organization_chosen_from_a_home_card(town):
    state = make_state(RegisterState, token=_token("parent@example.org"), url=f"/organisations?id={town['org']}")
    await run(RegisterState.load, state)
    assert state.chosen.name == "Bretteville-sur-Odon"
    assert sorted(m.name for m in state.members) == ["Camille MARTIN", "Léo MARTIN", "Zoé MARTIN"]
    missing = make_state(RegisterState, token=_token("parent@example.org"), url="/organisations?id=999999")
    await run(RegisterState.load, missing)
    assert missing.chosen is None and missing.error == "Organisation introuvable."


async def test_a_file_the_browser_refused_is_explained():
    with pytest.raises(InvalidInput, match="envoyez un fichier PDF, JPEG ou PNG de 10 Mo au plus"):
        await read_upload([])
    with pytest.raises(InvalidInput, match="fichier JPEG ou PNG"):
        await read_upload([], formats="JPEG ou PNG")


def test_an_empty_list_waits_for_the_page_data_before_saying_aucun():
    rendered = str(empty_state("users", "Aucune famille", "Créez-en une."))
    waiting, _sep, loaded = rendered.partition("?")
    assert "is_hydrated" in waiting  # Reflex turns it true once the page's on_load handlers are done
    before, after = loaded.split("Aucune famille")
    assert "Chargement" in after and "Chargement" not in before  # the spinner is the other branch
