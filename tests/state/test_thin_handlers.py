"""The handler decorators: who may run a handler, the actor handed to it, and
domain errors turned into French toasts — the shape every page relies on."""

import inspect

import pytest
import reflex as rx

from cityviz import db
from cityviz.services.accounts import auth
from cityviz.services.errors import Conflict, InvalidInput, NotAuthenticated
from cityviz.state.base import AuthState, as_back_office, as_parent, as_staff, errors_in
from cityviz.state.paging import Paged
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

    def _show_again(self, actor):
        self.seen = f"shown again for {actor.household_id}"

    @rx.event
    @as_parent(recover=_show_again)
    async def refused_then_shown(self, actor):
        self.seen = "changed"
        raise Conflict("Cette date n'est plus disponible.")

    @rx.event
    @as_parent
    async def session_gone(self, actor):
        raise NotAuthenticated()

    @rx.event
    @as_back_office
    async def back_office(self, actor):
        self.seen = "back office"


class FormProbeState(AuthState):
    error: str = ""
    detail: str = "shown"
    loading: bool = False
    done: bool = False

    @rx.event
    @as_parent
    @errors_in("error", detail="")
    async def save(self, actor, form: dict):
        if form.get("name") != "ok":
            raise InvalidInput("Indiquez le nom.")
        self.done = True
        return rx.toast.success("Enregistré.")

    @rx.event
    @as_parent
    @errors_in("error", then=rx.scroll_to("form-top"), toast=True)
    async def save_far_away(self, actor):
        raise InvalidInput("Montant invalide (exemple : 2,50).")

    @rx.event
    @errors_in("error", loading=False)
    async def submit(self, form: dict):
        self.loading = True
        yield
        if form.get("gone"):
            raise NotAuthenticated()
        raise InvalidInput("Adresse e-mail ou mot de passe incorrect.")


class PagedProbeState(Paged, AuthState):
    rows: list[int] = []
    per_page: int = 2
    reads: int = 0

    @as_parent
    async def _show_page(self, actor):
        self.reads += 1
        self.total = 5
        self.rows = list(range(5))[self.page * self.per_page:(self.page + 1) * self.per_page]


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


async def test_recover_runs_after_a_refusal_before_the_toast(people):
    state = make_state(ProbeState, token=_token("parent@example.org"))
    events = await run(ProbeState.refused_then_shown, state)
    assert state.seen == f"shown again for {people['household']}"
    assert len(events) == 1 and "Cette date n'est plus disponible." in str(events[0])


async def test_a_session_ended_meanwhile_sends_to_login(people):
    state = make_state(ProbeState, token=_token("parent@example.org"), url="/profil")
    assert redirects(await run(ProbeState.session_gone, state)) == ["/connexion?suite=/profil"]
    form = make_state(FormProbeState, url="/mot-de-passe")
    events = await run(FormProbeState.submit, form, {"gone": "1"})
    assert redirects(events) == ["/connexion?suite=/mot-de-passe"]
    assert form.error == "" and not form.loading


async def test_back_office_lets_staff_and_the_platform_administrator_in(people):
    with db.transaction() as s:
        factories.make_user(s, email="admin@example.org", is_platform_admin=True)
    for email in ("agent@example.org", "admin@example.org"):
        state = make_state(ProbeState, token=_token(email))
        assert redirects(await run(ProbeState.back_office, state)) == []
        assert state.seen == "back office"
    parent = make_state(ProbeState, token=_token("parent@example.org"))
    assert redirects(await run(ProbeState.back_office, parent)) == ["/"] and parent.seen == ""


async def test_inline_errors_stay_in_the_form(people):
    state = make_state(FormProbeState, token=_token("parent@example.org"))
    events = await run(FormProbeState.save, state, {"name": ""})
    assert events == [] and state.error == "Indiquez le nom." and state.detail == "" and not state.done
    state.detail = "shown"
    events = await run(FormProbeState.save, state, {"name": "ok"})
    assert state.error == "" and state.detail == "shown" and state.done
    assert len(events) == 1 and "Enregistré." in str(events[0])


async def test_inline_error_can_also_toast_and_scroll(people):
    state = make_state(FormProbeState, token=_token("parent@example.org"))
    events = await run(FormProbeState.save_far_away, state)
    assert state.error == "Montant invalide (exemple : 2,50)."
    assert len(events) == 2 and "Montant invalide" in str(events[0]) and "form-top" in str(events[1])


async def test_inline_errors_in_a_handler_that_yields():
    state = make_state(FormProbeState, url="/connexion")
    state.error = "ancienne erreur"
    events = await run(FormProbeState.submit, state, {})
    assert events == [] and state.error == "Adresse e-mail ou mot de passe incorrect." and not state.loading


async def test_pages_turn_within_the_total_and_each_turn_checks_the_user(people):
    state = make_state(PagedProbeState, token=_token("parent@example.org"))
    assert await state._first_page() is None  # what a page's load does: the total is known after it
    assert (state.page, state.rows, state.total) == (0, [0, 1], 5)
    await run(PagedProbeState.next_page, state)
    await run(PagedProbeState.next_page, state)
    assert (state.page, state.rows) == (2, [4])
    await run(PagedProbeState.next_page, state)
    assert (state.page, state.rows, state.reads) == (2, [4], 4)
    for _ in range(3):
        await run(PagedProbeState.previous_page, state)
    assert (state.page, state.rows) == (0, [0, 1])
    anonymous = make_state(PagedProbeState, url="/liste")
    assert redirects(await run(PagedProbeState.next_page, anonymous)) == ["/connexion?suite=/liste"]
    assert anonymous.reads == 0 and anonymous.rows == []
