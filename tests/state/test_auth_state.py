"""State handlers derive the user from the server-side session, every time."""

import pytest
from sqlmodel import select

from cityviz import db
from cityviz.models import AuthSession
from cityviz.services.accounts import auth
from cityviz.state.admin import AdminHomeState, OrganizationsState, OutboxState
from cityviz.state.home import HomeState
from cityviz.state.login import LoginState, PasswordState
from tests import factories
from tests.state.harness import make_state, redirects, run, scripts

pytestmark = [pytest.mark.usefixtures("database", "frozen"), pytest.mark.anyio]


def _token(email, password=factories.PASSWORD):
    result = auth.login(email=email, password=password)
    with db.transaction() as s:
        return auth.exchange_ticket(s, ticket=result.ticket)


@pytest.fixture
def people():
    with db.transaction() as s:
        org = factories.make_organization(s, name="Bretteville")
        factories.make_household(s, email="parent@example.org", org=org)
        factories.make_staff(s, org, email="agent@example.org")
        factories.make_user(s, email="admin@example.org", is_platform_admin=True)
    return org


async def test_login_hands_over_a_ticket_for_the_cookie(people):
    state = make_state(LoginState, url="/connexion?suite=/reservations")
    events = await run(LoginState.submit, state, {"email": "parent@example.org",
                                                  "password": factories.PASSWORD})
    assert state.error == ""
    [script] = scripts(events)
    assert "/auth/session?ticket=" in script and "suite=/reservations" in script
    ticket = script.split("ticket=")[1].split("&")[0]
    with db.transaction() as s:
        assert auth.exchange_ticket(s, ticket=ticket)


async def test_login_error_is_shown_and_no_session_opens(people):
    state = make_state(LoginState, url="/connexion")
    events = await run(LoginState.submit, state, {"email": "parent@example.org", "password": "faux"})
    assert state.error == "Adresse e-mail ou mot de passe incorrect."
    assert scripts(events) == [] and not state.loading
    with db.read() as s:
        assert s.exec(select(AuthSession)).all() == []


async def test_login_never_redirects_to_another_site(people):
    state = make_state(LoginState, url="/connexion?suite=//evil.example.com/")
    [script] = scripts(await run(LoginState.submit, state, {"email": "parent@example.org",
                                                            "password": factories.PASSWORD}))
    assert "suite=/&" not in script and script.endswith("suite=/')")


async def test_pages_without_a_session_send_to_login(people):
    state = make_state(HomeState, url="/")
    assert redirects(await run(HomeState.load, state)) == ["/connexion?suite=/"]
    assert state.feed == []
    state = make_state(HomeState, token="forged-token", url="/")
    assert redirects(await run(HomeState.load, state)) == ["/connexion?suite=/"]


async def test_parent_never_reaches_the_staff_pages(people):
    token = _token("parent@example.org")
    for cls in (AdminHomeState, OrganizationsState, OutboxState):
        state = make_state(cls, token=token, url="/admin")
        # What the client could forge in its own state changes nothing.
        state.is_staff = True
        state.is_platform_admin = True
        assert redirects(await run(cls.load, state)) == ["/"]
    state = make_state(OutboxState, token=token, url="/admin/outbox")
    await run(OutboxState.load, state)
    assert state.rows == []


async def test_agent_is_sent_to_the_staff_area_and_not_to_platform_pages(people):
    token = _token("agent@example.org")
    state = make_state(HomeState, token=token, url="/")
    assert redirects(await run(HomeState.load, state)) == ["/admin"]
    state = make_state(AdminHomeState, token=token, url="/admin")
    assert redirects(await run(AdminHomeState.load, state)) == []
    assert [o.name for o in state.organizations] == ["Bretteville"]
    state = make_state(OrganizationsState, token=token, url="/admin/organisations")
    assert redirects(await run(OrganizationsState.load, state)) == ["/admin"]
    events = await run(OrganizationsState.create, state, {"name": "Pirate", "postal_code": "12345",
                                                          "city": "Pirate"})
    assert redirects(events) == ["/admin"] and state.rows == []


async def test_session_ended_elsewhere_is_refused_at_the_next_event(people):
    token = _token("parent@example.org")
    state = make_state(HomeState, token=token, url="/")
    assert redirects(await run(HomeState.load, state)) == []
    with db.transaction() as s:
        auth.logout(s, token=token)
    assert redirects(await run(HomeState.load, state)) == ["/connexion?suite=/"]


async def test_first_login_must_change_the_password_first(people):
    from cityviz.services.accounts import invitations

    with db.transaction() as s:
        invited = invitations.invite_guardian(s, actor=factories.actor(s, factories.make_user(
            s, email="root@example.org", is_platform_admin=True)), email="new@example.org",
            first_name="Nina", last_name="Durand")
    token = _token("new@example.org", invited.temporary_password)
    state = make_state(HomeState, token=token, url="/")
    assert redirects(await run(HomeState.load, state)) == ["/mot-de-passe"]
    state = make_state(PasswordState, token=token, url="/mot-de-passe")
    await run(PasswordState.load, state)
    assert state.forced
    events = await run(PasswordState.submit, state, {"password": "ma phrase de passe", "confirm": "autre"})
    assert state.error == "Les deux mots de passe ne sont pas identiques."
    events = await run(PasswordState.submit, state, {"password": "ma phrase de passe",
                                                     "confirm": "ma phrase de passe"})
    assert redirects(events) == ["/"]
    state = make_state(HomeState, token=token, url="/")
    assert redirects(await run(HomeState.load, state)) == []
