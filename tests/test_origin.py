"""Pages of another origin cannot act as the logged-in user: Reflex's
websocket accepts only our origin (rxconfig's `cors_allowed_origins`, from
CITYVIZ_PUBLIC_URL), every HTTP route that changes something refuses a
foreign Origin, and logging out is a POST. On main, the websocket accepted
any origin ("*") and a GET or an image on any page logged the user out."""

import importlib

import pytest
from sqlmodel import select
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import WebSocketRoute
from starlette.testclient import TestClient
from starlette.websockets import WebSocket, WebSocketDisconnect

from cityviz import db, routes
from cityviz.api import build_api
from cityviz.api.origin import OriginCheck
from cityviz.models import AuthSession
from cityviz.services.accounts import auth
from tests import factories

OURS = "https://enfance.mairie.test"
FOREIGN = ("https://autre.mairie.test", "https://enfance.mairie.test:8443", "http://enfance.mairie.test",
           "https://evil.example", "null")


@pytest.fixture
def public(settings):
    return settings(public_url=OURS)


def test_allowed_origins_come_from_the_public_url(settings):
    assert settings(public_url="https://enfance.mairie.test/").allowed_origins == (OURS,)
    local = settings(public_url="http://localhost:3000").allowed_origins
    assert set(local) == {"http://localhost:3000", "http://127.0.0.1:3000", "http://[::1]:3000"}
    assert "http://localhost:3001" not in local


def test_reflex_websocket_accepts_only_our_origin(public):
    import rxconfig

    reloaded = importlib.reload(rxconfig)
    assert list(reloaded.config.cors_allowed_origins) == [OURS]


def _logged_in_client() -> tuple[TestClient, str]:
    with db.transaction() as s:
        factories.make_household(s, email="camille@example.org")
    ticket = auth.login(email="camille@example.org", password=factories.PASSWORD).ticket
    with db.transaction() as s:
        token = auth.exchange_ticket(s, ticket=ticket)
    client = TestClient(build_api(), base_url=OURS, follow_redirects=False)
    client.cookies.set(routes.SESSION_COOKIE, token)
    return client, token


def _ended() -> bool:
    with db.read() as s:
        return s.exec(select(AuthSession)).one().ended_at is not None


@pytest.mark.usefixtures("database", "frozen")
def test_logout_is_a_post_from_our_own_pages(public):
    client, _token = _logged_in_client()
    assert client.get(routes.LOGOUT_ENDPOINT).status_code == 405  # a link or an image logs nobody out
    for origin in FOREIGN:
        refused = client.post(routes.LOGOUT_ENDPOINT, headers={"origin": origin})
        assert refused.status_code == 403 and refused.text == "Origine refusée."
    assert not _ended()
    done = client.post(routes.LOGOUT_ENDPOINT, headers={"origin": OURS})
    assert done.status_code == 303 and done.headers["location"] == f"{routes.LOGIN}?deconnecte=1"
    assert 'cityviz_session=""' in done.headers["set-cookie"] or "Max-Age=0" in done.headers["set-cookie"]
    assert _ended()


@pytest.mark.usefixtures("database", "frozen")
def test_another_sites_page_cannot_log_a_visitor_into_an_account(public):
    """The session cookie exchange is a GET (a navigation: no Origin); the browser's Sec-Fetch-Site says who sent it."""
    with db.transaction() as s:
        factories.make_household(s, email="camille@example.org")
    client = TestClient(build_api(), base_url=OURS, follow_redirects=False)
    for site in ("cross-site", "same-site"):
        ticket = auth.login(email="camille@example.org", password=factories.PASSWORD).ticket
        refused = client.get(f"{routes.SESSION_ENDPOINT}?ticket={ticket}", headers={"sec-fetch-site": site})
        assert refused.headers["location"].startswith(routes.LOGIN) and "set-cookie" not in refused.headers
    ticket = auth.login(email="camille@example.org", password=factories.PASSWORD).ticket
    ours = client.get(f"{routes.SESSION_ENDPOINT}?ticket={ticket}", headers={"sec-fetch-site": "same-origin"})
    assert routes.SESSION_COOKIE in ours.headers["set-cookie"]


@pytest.mark.usefixtures("database", "frozen")
def test_every_changing_route_refuses_a_foreign_origin(public):
    client = TestClient(build_api(), base_url=OURS, follow_redirects=False)
    for path in ("/paiement/notification/1", "/banque-simulee", "/_upload", routes.LOGOUT_ENDPOINT):
        for method in ("POST", "PUT", "DELETE", "PATCH"):
            response = client.request(method, path, headers={"origin": FOREIGN[0]})
            assert response.status_code == 403, (method, path)
    # A bank's server-to-server notification carries no Origin: it is checked by what it says.
    assert client.post("/paiement/notification/1", content="x=1").status_code == 400
    # Reading stays open to links from anywhere (the session cookie decides what is shown).
    assert client.get(routes.HEALTH, headers={"origin": FOREIGN[0]}).status_code != 403


def test_a_websocket_from_a_foreign_origin_is_refused(public):
    async def echo(websocket: WebSocket):
        await websocket.accept()
        await websocket.send_text(await websocket.receive_text())
        await websocket.close()

    app = Starlette(routes=[WebSocketRoute("/_event", echo)], middleware=[Middleware(OriginCheck)])
    client = TestClient(app, base_url=OURS)
    with client.websocket_connect("/_event", headers={"origin": OURS}) as ws:
        ws.send_text("bonjour")
        assert ws.receive_text() == "bonjour"
    for origin in FOREIGN:
        with pytest.raises(WebSocketDisconnect) as refused:
            with client.websocket_connect("/_event", headers={"origin": origin}):
                pass
        assert refused.value.code == 1008
