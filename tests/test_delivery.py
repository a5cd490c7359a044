"""Pages without a redirect, cache headers and compression (cityviz/api/delivery.py), on a small
static site laid out like Reflex's build."""

import pytest
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.testclient import TestClient

from cityviz.api import delivery


@pytest.fixture
def client(tmp_path, monkeypatch):
    (tmp_path / "reservations").mkdir()
    (tmp_path / "reservations" / "index.html").write_text("<html>" + "calendrier " * 200 + "</html>")
    (tmp_path / "assets").mkdir()
    (tmp_path / "assets" / "root-CgAo41M5.js").write_text("console.log(1);" * 200)
    (tmp_path / "sw.js").write_text("self.x = 1;")
    monkeypatch.setattr(delivery, "_static_dir", lambda: tmp_path)
    delivery._is_page_directory.cache_clear()

    def private(request):
        return JSONResponse({"ok": True}, headers={"Cache-Control": "no-store"})

    app = Starlette(routes=[Route("/fichiers/pdf", private),
                            Mount("/", app=StaticFiles(directory=tmp_path, html=True))])
    yield TestClient(delivery.wrap(app), follow_redirects=False)
    delivery._is_page_directory.cache_clear()


def test_a_page_is_served_without_redirect_and_revalidated(client):
    response = client.get("/reservations", headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200 and "calendrier" in response.text
    assert response.headers["cache-control"] == "no-cache"
    assert response.headers["content-encoding"] == "gzip"


def test_hashed_assets_are_immutable_for_a_year_other_files_revalidated(client):
    assert client.get("/assets/root-CgAo41M5.js").headers["cache-control"] == "public, max-age=31536000, immutable"
    assert client.get("/sw.js").headers["cache-control"] == "no-cache"


def test_answers_keep_their_own_cache_control_and_unknown_paths_stay_unknown(client):
    assert client.get("/fichiers/pdf").headers["cache-control"] == "no-store"
    missing = client.get("/inconnue")
    assert missing.status_code == 404 and "cache-control" not in missing.headers
    assert delivery.page_path("/../etc") == "/../etc" and delivery.page_path("/sw.js") == "/sw.js"
