"""The menus' « Messagerie » counters are read by the page's own load, in the same event: one
websocket event per page view instead of two. A page whose load is not a guarded handler keeps
the separate `AuthState.load_counters` event."""

import pytest

from cityviz import db, routes
from cityviz.cityviz import app
from cityviz.services.households import messaging, messaging_staff
from cityviz.state.base import AuthState, counts_after
from cityviz.state.invoices import InvoiceListState
from cityviz.state.reservations import CalendarState
from tests import factories
from tests.state.harness import make_state, run

pytestmark = [pytest.mark.usefixtures("database", "frozen"), pytest.mark.anyio]


@pytest.fixture
def family():
    with db.transaction() as s:
        org = factories.make_organization(s, name="Bretteville-sur-Odon")
        agent = factories.make_staff(s, org, role="agent", email="agent@mairie.example.org")
        household, _g, parent = factories.make_household(s, email="camille@example.org", org=org)
        child = factories.make_child(s, household, org=org)
        ids = dict(org=org.id, child=child.id, parent=factories.actor(s, parent), agent=factories.actor(s, agent))
    with db.transaction() as s:
        thread_id = messaging.start_thread(s, actor=ids["parent"], organization_id=ids["org"], subject="Cantine",
                                           body="Bonjour", child_id=ids["child"], attachments=[])
    with db.transaction() as s:
        messaging_staff.reply_as_staff(s, actor=ids["agent"], thread_id=thread_id, body="Bien noté.")
    from tests.state.test_booking_state import _token
    return _token("camille@example.org")


@pytest.mark.parametrize("page_state, url", [(CalendarState, routes.BOOKINGS), (InvoiceListState, routes.INVOICES)])
async def test_a_page_load_brings_the_counters_in_the_same_event(family, page_state, url):
    state = make_state(page_state, token=family, url=url)
    assert state.unread_messages == 0
    await run(page_state.load, state)
    assert state.unread_messages == 1  # the parent's var, set by the page's own load
    assert state.parent_state.unread_messages == 1


def test_pages_with_a_guarded_load_send_one_event():
    pages = app._unevaluated_pages
    calendar = pages[routes.BOOKINGS.strip("/")].on_load
    assert not isinstance(calendar, list) or AuthState.load_counters not in calendar
    separate = [route for route, page in pages.items()
                if isinstance(page.on_load, list) and AuthState.load_counters in page.on_load]
    single = [route for route, page in pages.items() if page.on_load is not None and route not in separate]
    assert len(single) > 40 and all(route.startswith("admin/") for route in separate)


def test_an_unguarded_handler_is_left_alone():
    assert counts_after(AuthState.load_counters) is False
    assert counts_after(CalendarState.load) is True
