"""The local bank simulator: the dummy backend's whole round trip, offline.

A Starlette app mounts the simulator's routes; a second tiny Starlette app
(reached through an httpx ASGI transport) receives the server-to-server
notification, as the real app's notification endpoint will."""

from __future__ import annotations

import html
import re
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from cityviz import config
from cityviz.api import bank_simulator
from cityviz.services.billing import online_payment as op

SIMULATOR = "http://testserver/banque-simulee"
RETURN = "http://testserver/factures/retour-paiement?facture=12"
NOTIFY = "http://localhost:3000/paiement/notification"  # CITYVIZ_PUBLIC_URL's host
OPTIONS = {"dummy_service_url": SIMULATOR, "origin": "Mairie de Démostars"}


class Receiver:
    """The app's notification endpoint, recording what the bank sent."""

    def __init__(self, status: int = 200):
        self.calls: list[tuple[str, str, str]] = []
        self.status = status

        async def notification(request: Request):
            body = (await request.body()).decode()
            self.calls.append((request.method, request.headers.get("content-type", ""), body))
            payload = op.notification_payload(request.method, request.url.query, body)
            answer = op.read_bank_answer(kind="dummy", options=OPTIONS, query_string=payload,
                                         from_notification=True)
            return PlainTextResponse(answer.reply_content or "", status_code=self.status)

        self.app = Starlette(routes=[Route("/paiement/notification", notification, methods=["GET", "POST"])])


@pytest.fixture
def receiver():
    return Receiver()


@pytest.fixture
def client(receiver, settings, monkeypatch):
    monkeypatch.delenv("CITYVIZ_PUBLIC_URL", raising=False)
    settings(demo_payments=1)
    app = Starlette(routes=bank_simulator.routes(
        transport_factory=lambda: httpx.ASGITransport(app=receiver.app)))
    with TestClient(app, follow_redirects=False) as test_client:
        yield test_client


def _start(amount_cents=1240, subject="Facture n°20240900005", **kwargs):
    return op.start_payment(
        kind="dummy", options=OPTIONS, amount_cents=amount_cents,
        transaction_id=kwargs.pop("reference", None) or op.new_reference(),
        email="audrey.noiret@example.org", subject=subject,
        return_url=kwargs.pop("return_url", RETURN),
        notification_url=kwargs.pop("notification_url", NOTIFY), **kwargs,
    )


def _path(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def _hidden_fields(page: str) -> dict[str, str]:
    return {
        html.unescape(name): html.unescape(value)
        for name, value in re.findall(r'<input type="hidden" name="([^"]*)" value="([^"]*)">', page)
    }


def _pay(client, started, decision):
    page = client.get(_path(started.url))
    assert page.status_code == 200
    return client.post(bank_simulator.PATH, data={**_hidden_fields(page.text), "decision": decision})


def test_the_page_shows_the_amount_in_french_and_both_buttons(client):
    started = _start(amount_cents=1240)
    response = client.get(_path(started.url))

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    page = response.text
    assert "Banque simulée — aucun paiement réel" in page
    assert "12,40\u00a0€" in page
    assert started.transaction_id in page
    assert "Facture n°20240900005" in page and "Mairie de Démostars" in page
    assert '<form method="post" action="/banque-simulee">' in page
    assert '<button type="submit" name="decision" value="accept" class="accept">Accepter le paiement</button>' in page
    assert '<button type="submit" name="decision" value="refuse" class="refuse">Refuser le paiement</button>' in page
    assert '<html lang="fr">' in page and 'name="viewport"' in page
    head = page.split("<body>")[0]
    assert "<script" not in page and "<link" not in page and "src=" not in page  # self-contained
    assert "<style>" in head and "http" not in head
    assert response.headers["cache-control"] == "no-store"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]


def test_accepting_notifies_once_then_redirects_to_the_return_url(client, receiver):
    reference = op.new_reference()
    started = _start(amount_cents=1240, reference=reference)

    response = _pay(client, started, "accept")

    assert response.status_code == 303
    location = response.headers["location"]
    assert location.startswith(RETURN + "&")  # the return URL's own query is kept
    returned = op.read_bank_answer(kind="dummy", options=OPTIONS, query_string=urlsplit(location).query)
    assert returned.result == "paid"
    assert returned.amount_cents == 1240
    assert returned.transaction_id == started.transaction_id
    assert returned.order_id == reference
    assert returned.signed is False  # through the payer's browser: not authenticated
    assert parse_qs(urlsplit(location).query)["facture"] == ["12"]

    assert len(receiver.calls) == 1
    method, content_type, body = receiver.calls[0]
    assert method == "POST" and content_type == "application/x-www-form-urlencoded"
    notified = op.read_bank_answer(kind="dummy", options=OPTIONS, query_string=body)
    assert (notified.result, notified.amount_cents, notified.transaction_id, notified.order_id) == (
        returned.result, returned.amount_cents, returned.transaction_id, returned.order_id)
    assert notified.signed is True and notified.reply_content == "signature ok"
    assert response.headers["x-banque-simulee-notification"] == "ok"


def test_refusing_gives_refused(client, receiver):
    started = _start(amount_cents=1999)
    response = _pay(client, started, "refuse")

    assert response.status_code == 303
    returned = op.read_bank_answer(kind="dummy", options=OPTIONS,
                                   query_string=urlsplit(response.headers["location"]).query)
    assert returned.result == "refused" and returned.amount_cents == 1999
    (_, _, body) = receiver.calls[0]
    notified = op.read_bank_answer(kind="dummy", options=OPTIONS, query_string=body)
    assert notified.result == "refused" and notified.signed
    assert notified.transaction_id == started.transaction_id


@pytest.mark.parametrize("cents", [30, 1, 123456])
def test_amounts_survive_the_round_trip(client, receiver, cents):
    started = _start(amount_cents=cents)
    response = _pay(client, started, "accept")
    returned = op.read_bank_answer(kind="dummy", options=OPTIONS,
                                   query_string=urlsplit(response.headers["location"]).query)
    assert returned.amount_cents == cents


def test_a_failed_notification_is_logged_and_the_payer_still_returns(settings, caplog):
    settings(demo_payments=1)

    def unreachable():
        def handler(request):
            raise httpx.ConnectError("connexion refusée", request=request)
        return httpx.MockTransport(handler)

    app = Starlette(routes=bank_simulator.routes(transport_factory=unreachable))
    with TestClient(app, follow_redirects=False) as client:
        response = _pay(client, _start(), "accept")
    assert response.status_code == 303 and response.headers["location"].startswith(RETURN)
    assert response.headers["x-banque-simulee-notification"] == "echec"
    assert "notification" in caplog.text and "impossible" in caplog.text


def test_a_notification_answered_with_an_error_is_recorded(settings):
    settings(demo_payments=1)
    failing = Receiver(status=500)
    app = Starlette(routes=bank_simulator.routes(
        transport_factory=lambda: httpx.ASGITransport(app=failing.app)))
    with TestClient(app, follow_redirects=False) as client:
        response = _pay(client, _start(), "accept")
    assert response.status_code == 303
    assert len(failing.calls) == 1
    assert response.headers["x-banque-simulee-notification"] == "echec"


@pytest.mark.parametrize("flag", ["0", "false", "non"])
def test_disabled_simulator_is_not_found(client, settings, receiver, flag):
    started = _start()
    page = client.get(_path(started.url))
    settings(demo_payments=flag)

    assert client.get(_path(started.url)).status_code == 404
    response = client.post(bank_simulator.PATH, data={**_hidden_fields(page.text), "decision": "accept"})
    assert response.status_code == 404
    assert receiver.calls == []


def test_off_unless_a_demonstration_asks_for_it(settings, monkeypatch):
    """Off by default, even on a development address (main served it whenever the URL was not https)."""
    monkeypatch.delenv("CITYVIZ_DEMO_PAYMENTS", raising=False)
    monkeypatch.delenv("CITYVIZ_PUBLIC_URL", raising=False)
    config.reload()
    assert not bank_simulator.simulator_enabled()
    settings(public_url="http://localhost:3000")
    assert not bank_simulator.simulator_enabled()
    settings(demo_payments=1)
    assert bank_simulator.simulator_enabled()
    app = Starlette(routes=bank_simulator.routes())
    settings(demo_payments=0)
    with TestClient(app) as client:
        assert client.get(_path(_start().url)).status_code == 404


def test_a_malicious_subject_is_escaped(client, receiver):
    evil = '"><script>alert("x")</script><img src=x onerror=alert(1)>'
    started = _start(subject=evil, reference="CVEVIL000001")
    page = client.get(_path(started.url)).text

    assert "<script>" not in page and "<img" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    assert _hidden_fields(page)["subject"] == evil  # carried intact, escaped
    response = client.post(bank_simulator.PATH, data={**_hidden_fields(page), "decision": "accept"})
    assert response.status_code == 303


def test_an_escaped_origin_and_email(client):
    query = ("transaction_id=abc123&amount=5.00&origin=%3Cb%3EMairie%3C%2Fb%3E"
             "&email=%22%3E%3Cscript%3E&return_url=" + RETURN.replace("?", "%3F").replace("=", "%3D"))
    page = client.get(f"{bank_simulator.PATH}?{query}").text
    assert "<b>Mairie" not in page and "&lt;b&gt;Mairie&lt;/b&gt;" in page
    assert '"><script>' not in page


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("return_url", "https://evil.example/vol", "doit désigner cette application"),
        ("direct_notification_url", "http://169.254.169.254/latest", "doit désigner cette application"),
        # the Host header is the client's word: not enough for a server-side call
        ("direct_notification_url", "http://testserver/paiement/notification", "doit désigner"),
        ("return_url", "javascript:alert(1)", "non valide"),
        ("return_url", "http://x;script-src *@localhost/", "non valide"),
        ("return_url", "http://localhost:99999/", "non valide"),
        ("amount", "12.345", "deux décimales"),
        ("amount", "-5", "Montant non valide"),
        ("amount", "NaN", "Montant non valide"),
        ("transaction_id", "", "Numéro de transaction"),
    ],
)
def test_bad_requests_are_refused_without_redirect_or_notification(client, receiver, field, value, message):
    page = client.get(_path(_start().url))
    fields = {**_hidden_fields(page.text), field: value, "decision": "accept"}

    response = client.post(bank_simulator.PATH, data=fields)

    assert response.status_code == 400
    assert "location" not in response.headers
    assert html.escape(message, quote=True) in response.text or message in response.text
    assert receiver.calls == []
    get = client.get(bank_simulator.PATH, params={k: v for k, v in fields.items() if k != "decision"})
    assert get.status_code == 400


def test_the_public_url_host_may_receive_notifications(client, receiver, settings):
    settings(public_url="http://enfance.mairie.test")
    started = _start(notification_url="http://enfance.mairie.test/paiement/notification")
    response = _pay(client, started, "accept")
    assert response.status_code == 303 and len(receiver.calls) == 1


def test_an_unknown_decision_is_refused(client, receiver):
    page = client.get(_path(_start().url))
    response = client.post(bank_simulator.PATH, data={**_hidden_fields(page.text), "decision": "maybe"})
    assert response.status_code == 400 and receiver.calls == []


def test_without_return_url_the_payer_sees_a_final_page(client, receiver):
    started = _start()
    fields = {**_hidden_fields(client.get(_path(started.url)).text), "decision": "accept"}
    del fields["return_url"]
    response = client.post(bank_simulator.PATH, data=fields)
    assert response.status_code == 200 and "Paiement accepté" in response.text
    assert len(receiver.calls) == 1


def test_routes_are_exported_for_mounting():
    paths = {(route.path, tuple(sorted(route.methods))) for route in bank_simulator.routes()}
    assert paths == {("/banque-simulee", ("GET", "HEAD")), ("/banque-simulee", ("POST",))}
