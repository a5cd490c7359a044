"""Pages are painted from their prerendered HTML before React's scripts run: a form sent in that
moment is sent by the browser itself. It must never put a password in an address or the history."""

import re
import urllib.request

from playwright.sync_api import Browser, expect

from cityviz import routes

PASSWORD = "phrase-secrete-du-test-42"
# Every page whose prerendered HTML holds a form (the others render theirs once React is there).
PAGES = [routes.LOGIN, routes.PASSWORD, routes.FORGOT, routes.RESET, routes.PROFILE, routes.CHILDREN,
         routes.BULK, routes.ABSENCES, routes.AUTHORIZATIONS, routes.ADMIN_FAMILIES, routes.ADMIN_TEAM,
         routes.ADMIN_REGIE, routes.ADMIN_BILLING, routes.ADMIN_JOURNAL, routes.ADMIN_CAF]


def test_login_sent_before_hydration_keeps_the_password_out_of_every_address(server, browser: Browser,
                                                                             browser_context_args):
    # React never comes: its scripts are refused (and no service worker may fetch them instead).
    context = browser.new_context(**browser_context_args, service_workers="block")
    page = context.new_page()
    page.route(re.compile(r"/assets/.*\.js$"), lambda route: route.abort())
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.method + " " + request.url))
    page.goto(f"{server.base_url}{routes.LOGIN}", hydrate=False)  # React never comes
    page.get_by_label("Adresse e-mail").fill("audrey.noiret@example.org")
    page.get_by_label("Mot de passe", exact=True).fill(PASSWORD)
    with page.expect_request(lambda request: request.is_navigation_request() and request.method == "POST"), \
            page.expect_response(lambda response: response.url == f"{server.base_url}{routes.LOGIN}"):
        page.get_by_label("Mot de passe", exact=True).press("Enter")
    page.wait_for_load_state()
    expect(page).to_have_url(f"{server.base_url}{routes.LOGIN}")  # back on the page, nothing in its address
    assert f"POST {server.base_url}{routes.FORM_FALLBACK}" in requested
    assert not [url for url in requested if PASSWORD in url or "password=" in url]
    # The tab's whole history, as Chromium keeps it.
    entries = page.context.new_cdp_session(page).send("Page.getNavigationHistory")["entries"]
    history = [entry["url"] for entry in entries]
    assert f"{server.base_url}{routes.LOGIN}" in history
    assert not [url for url in history if PASSWORD in url or "password=" in url or "?email=" in url]
    context.close()


def test_every_prerendered_form_posts_to_the_harmless_address(server):
    forms = 0
    for path in PAGES:
        with urllib.request.urlopen(f"{server.base_url}{path}") as response:
            html = response.read().decode()
        tags = re.findall(r"<form\b[^>]*>", html)
        forms += len(tags)
        for tag in tags:
            assert 'method="post"' in tag and f'action="{routes.FORM_FALLBACK}"' in tag, (path, tag)
    assert forms >= 4  # at least the login, password and reset pages' forms are in their HTML


def test_a_login_sent_before_react_is_held_then_sent_by_the_page(server, browser: Browser, browser_context_args):
    """A quick tap on a slow phone: the form is held (not sent to the harmless address, which would
    bring the page back empty without a word), then sent through the page once React is there."""
    context = browser.new_context(**browser_context_args, service_workers="block")
    page = context.new_page()
    held, released = [], []

    def scripts(route):  # React's scripts wait for the test
        route.continue_() if released else held.append(route)

    page.route(re.compile(r"/assets/.*\.js$"), scripts)
    posts: list[str] = []
    page.on("request", lambda request: posts.append(request.url) if request.method == "POST" else None)
    page.goto(f"{server.base_url}{routes.LOGIN}", hydrate=False)
    page.get_by_label("Adresse e-mail").fill("audrey.noiret@example.org")
    page.get_by_label("Mot de passe", exact=True).fill("demo-cityviz-2026")
    page.get_by_role("button", name="Se connecter").click()
    expect(page.locator("form[aria-busy=true]")).to_have_count(1)  # held, visibly busy
    page.wait_for_timeout(700)
    assert posts == [] and page.url == f"{server.base_url}{routes.LOGIN}"
    released.append(True)
    for route in held:
        route.continue_()
    expect(page.get_by_role("heading", name="Fil d'actualités")).to_be_visible()
    assert f"{server.base_url}{routes.FORM_FALLBACK}" not in posts
    context.close()
