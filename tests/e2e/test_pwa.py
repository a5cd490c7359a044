"""The portal installs on a phone: manifest, icons, service worker, offline page; pages are served
without a redirect, with the cache headers Lighthouse asks for, compressed."""

import gzip
import re
import urllib.request

from playwright.sync_api import Page, expect

from tests.e2e.test_accounts_journey import login


def _get(url: str) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers={"Accept-Encoding": "gzip"})
    with urllib.request.urlopen(request) as response:
        return response.status, {k.lower(): v for k, v in response.headers.items()}, response.read()


def test_manifest_icons_and_favicon(server, page: Page):
    page.goto(f"{server.base_url}/connexion")
    href = page.locator("link[rel=manifest]").get_attribute("href")
    assert href == "/manifest.webmanifest"
    manifest = page.request.get(server.base_url + href).json()
    assert manifest["lang"] == "fr" and manifest["short_name"] == "Cityviz Enfance"
    assert manifest["display"] == "standalone" and manifest["start_url"].startswith("/")
    assert manifest["theme_color"] == "#3e63dd" and manifest["background_color"]
    sizes = {(icon["sizes"], icon.get("purpose", "any")) for icon in manifest["icons"]}
    assert {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")} <= sizes
    for icon in manifest["icons"]:
        answer = page.request.get(server.base_url + icon["src"])
        assert answer.ok and answer.headers["content-type"] == "image/png"
    favicon = page.request.get(f"{server.base_url}/favicon.ico")
    assert favicon.ok and len(favicon.body()) > 100


def test_pages_without_redirect_cached_and_compressed(server):
    status, headers, _ = _get(f"{server.base_url}/reservations")
    assert status == 200 and headers["cache-control"] == "no-cache"  # urllib would follow a 307
    assert headers["content-encoding"] == "gzip" and "text/html" in headers["content-type"]
    _, _, html = _get(f"{server.base_url}/connexion/")
    script = re.search(rb'/assets/[\w.-]+\.js', gzip.decompress(html)).group(0).decode()
    status, headers, _ = _get(server.base_url + script)
    assert headers["cache-control"] == "public, max-age=31536000, immutable"
    assert headers["content-encoding"] == "gzip"
    _, headers, _ = _get(f"{server.base_url}/sw.js")
    assert headers["cache-control"] == "no-cache"


def test_service_worker_caches_no_personal_data_and_offline_page(server, page: Page, shoot):
    login(page, server.base_url, "audrey.noiret@example.org", "demo-cityviz-2026")
    expect(page.get_by_role("heading", name="Fil d'actualités")).to_be_visible()
    scope = page.evaluate("navigator.serviceWorker.ready.then(r => r.scope)")
    assert scope == f"{server.base_url}/"
    page.goto(f"{server.base_url}/reservations")
    expect(page.get_by_role("heading", name="Réservations", level=1)).to_be_visible()
    page.goto(f"{server.base_url}/profil")  # a page with the household's photo (/fichiers/photo/…)
    expect(page.get_by_role("heading", name="Mon profil", level=1)).to_be_visible()
    cached = page.evaluate("""async () => {
        const urls = [];
        for (const key of await caches.keys()) {
            const cache = await caches.open(key);
            for (const request of await cache.keys()) urls.push(new URL(request.url).pathname);
        }
        return urls;
    }""")
    assert "/offline.html" in cached and any(u.startswith("/assets/") for u in cached)
    shell = {"/offline.html", "/manifest.webmanifest", "/favicon.ico"}
    assert all(u in shell or u.startswith("/icons/") or u.startswith("/assets/") for u in cached), cached

    page.context.set_offline(True)
    try:
        page.goto(f"{server.base_url}/factures")
        expect(page.get_by_role("heading", name="Vous êtes hors ligne…")).to_be_visible()
        shoot(page, "hors-ligne")
    finally:
        page.context.set_offline(False)
    page.get_by_role("link", name="Réessayer").click()
    expect(page.get_by_role("heading", name="Fil d'actualités")).to_be_visible()
