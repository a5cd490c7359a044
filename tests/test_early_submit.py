"""A form sent before React takes the page over posts to a harmless address (api/early_submit.py)
and never carries its fields into an address; every form of the app is built that way."""

import re
from pathlib import Path

from starlette.applications import Starlette
from starlette.routing import Route
from starlette.testclient import TestClient

from cityviz import routes
from cityviz.api import early_submit

ROOT = Path(__file__).resolve().parents[1] / "cityviz"


def _client() -> TestClient:
    app = Starlette(routes=[Route(routes.FORM_FALLBACK, early_submit.early_submit, methods=["POST"])])
    return TestClient(app, base_url="http://familles.example.fr", follow_redirects=False)


def test_the_browser_is_sent_back_to_its_page_without_the_fields():
    response = _client().post(routes.FORM_FALLBACK, data={"email": "a@example.org", "password": "secret-phrase-123"},
                              headers={"Referer": "http://familles.example.fr/nouveau-mot-de-passe?jeton=abc"})
    assert response.status_code == 303
    assert response.headers["location"] == "/nouveau-mot-de-passe?jeton=abc"
    assert response.headers["cache-control"] == "no-store"
    assert "secret" not in response.headers["location"] and "secret" not in response.text


def test_only_a_page_of_this_site_is_a_way_back():
    host = "familles.example.fr"
    assert early_submit.same_page("http://familles.example.fr/connexion", host) == "/connexion"
    assert early_submit.same_page("https://autre.example.com/connexion", host) == routes.HOME
    assert early_submit.same_page("", host) == routes.HOME
    assert early_submit.same_page("http://familles.example.fr//autre.example.com/x", host) == routes.HOME
    assert early_submit.same_page("http://familles.example.fr/formulaire", host) == routes.HOME
    response = _client().post(routes.FORM_FALLBACK, data={"password": "x"})
    assert response.status_code == 303 and response.headers["location"] == routes.HOME


def test_every_form_of_the_app_is_a_safe_form():
    """`rx.form` alone would be sent as a GET by the browser before hydration."""
    offenders = [f"{path.relative_to(ROOT)}:{number}"
                 for path in ROOT.rglob("*.py") if path.name != "forms.py" or path.parent.name != "components"
                 for number, line in enumerate(path.read_text().splitlines(), 1)
                 if re.search(r"\brx\.(form|el\.form)\b", line)]
    assert offenders == []
