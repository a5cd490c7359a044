"""The handler decorators: who may run a handler, the actor handed to it, and
domain errors turned into French toasts — the shape every page relies on."""

import inspect

import pytest
import reflex as rx

from cityviz import db
from cityviz.services.accounts import auth
from cityviz.services.errors import Conflict
from cityviz.state.base import AuthState, as_parent, as_staff
from tests import factories
from tests.state.harness import make_state, redirects, run

pytestmark = [pytest.mark.usefixtures("database", "frozen"), pytest.mark.anyio]


class ProbeState(AuthState):
    seen: str = ""

    @rx.event
    @as_parent
    async def parent_only(self, actor, value: int):
        self.seen = f"{actor.household_id}:{int(value)}"
        return rx.toast.success("ok")

    @rx.event
    @as_parent
    async def refused(self, actor):
        raise Conflict("Cette date n'est plus disponible.")

    @rx.event
    @as_staff
    async def staff_only(self, actor, org_id, label: str):
        self.seen = f"{org_id}:{label}"

    @rx.event
    @as_parent
    async def steps(self, actor):
        self.seen = "busy"
        yield
        raise Conflict("Refusé en cours de route.")


def _token(email):
    result = auth.login(email=email, password=factories.PASSWORD)
    with db.transaction() as s:
        return auth.exchange_ticket(s, ticket=result.ticket)


@pytest.fixture
def people():
    with db.transaction() as s:
        org = factories.make_organization(s)
        factories.make_staff(s, org, email="agent@example.org")
        household, _g, _u = factories.make_household(s, email="parent@example.org", org=org)
        return {"org": org.id, "household": household.id}


def test_reflex_sees_only_the_events_own_arguments():
    assert list(inspect.signature(ProbeState.parent_only.fn).parameters) == ["self", "value"]
    assert list(inspect.signature(ProbeState.staff_only.fn).parameters) == ["self", "label"]
    assert "actor" not in ProbeState.parent_only.fn.__annotations__


async def test_parent_handler_gets_the_actor_from_the_cookie(people):
    state = make_state(ProbeState, token=_token("parent@example.org"))
    events = await run(ProbeState.parent_only, state, "7")
    assert state.seen == f"{people['household']}:7"
    assert events


async def test_anonymous_and_wrong_role_are_redirected(people):
    anonymous = make_state(ProbeState, url="/reservations")
    events = await run(ProbeState.parent_only, anonymous, 1)
    assert redirects(events) and redirects(events)[0].startswith("/connexion")
    assert anonymous.seen == ""
    staff = make_state(ProbeState, token=_token("agent@example.org"))
    assert redirects(await run(ProbeState.parent_only, staff, 1)) == ["/admin"]
    assert staff.seen == ""
    parent = make_state(ProbeState, token=_token("parent@example.org"))
    assert redirects(await run(ProbeState.staff_only, parent, "x")) == ["/"]


async def test_staff_handler_gets_its_organization(people):
    state = make_state(ProbeState, token=_token("agent@example.org"))
    await run(ProbeState.staff_only, state, "x")
    assert state.seen == f"{people['org']}:x"


async def test_domain_error_becomes_a_french_toast(people):
    state = make_state(ProbeState, token=_token("parent@example.org"))
    events = await run(ProbeState.refused, state)
    assert len(events) == 1 and "Cette date n'est plus disponible." in str(events[0])
    events = await run(ProbeState.steps, state)
    assert state.seen == "busy" and "Refusé en cours de route." in str(events[-1])
