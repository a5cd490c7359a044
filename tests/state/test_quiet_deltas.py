"""An event sends the browser only what it changed. Reflex sends every var a handler assigns,
equal or not, and the browser re-renders everything that reads the state it belongs to: the
guard's user, capabilities and counters, set again at every event, must not travel again."""

import pytest
from sqlmodel import select

from cityviz import db, routes
from cityviz.models import Person
from cityviz.state.base import AuthState
from cityviz.state.reservations import CalendarState
from tests import factories
from tests.state.harness import make_state, run

pytestmark = [pytest.mark.usefixtures("database", "frozen"), pytest.mark.anyio]


@pytest.fixture
def parent_token():
    with db.transaction() as s:
        org = factories.make_organization(s, name="Bretteville-sur-Odon")
        household, _g, _parent = factories.make_household(s, email="camille@example.org", org=org)
        factories.make_child(s, household, org=org)
    from tests.state.test_booking_state import _token
    return _token("camille@example.org")


def _delta(state) -> dict:
    root = state._get_root_state()
    delta = root.get_delta()
    root._clean()
    return delta


async def test_a_second_event_sends_only_what_it_changed(parent_token):
    state = make_state(CalendarState, token=parent_token, url=routes.BOOKINGS)
    await run(CalendarState.load, state)
    first = _delta(state)
    auth = AuthState.get_full_name()
    assert first[auth]["user_name_rx_state_"] == state.user_name != ""  # the first time, everything
    assert any(key.startswith("children") for key in first[CalendarState.get_full_name()])

    await run(CalendarState.shift_month, state, 1)
    moved = _delta(state)
    assert auth not in moved  # same user, same menus: nothing of theirs re-sent
    calendar = moved[CalendarState.get_full_name()]
    assert any(key.startswith("view") for key in calendar)
    assert not any(key.startswith(("children", "today_iso", "has_feed")) for key in calendar)

    await run(CalendarState.shift_month, state, -1)
    _delta(state)
    await run(CalendarState.load, state)  # the page opened again in the same tab, on the same month
    again = _delta(state)
    assert auth not in again and CalendarState.get_full_name() not in again  # the same month: nothing at all


async def test_a_changed_value_is_still_sent(parent_token):
    state = make_state(CalendarState, token=parent_token, url=routes.BOOKINGS)
    await run(CalendarState.load, state)
    _delta(state)
    with db.transaction() as s:
        person = s.exec(select(Person).where(Person.email == "camille@example.org")).one()
        person.first_name = "Camilla"
    await run(CalendarState.load, state)
    delta = _delta(state)[AuthState.get_full_name()]
    assert "Camilla" in delta["user_name_rx_state_"]
