"""RGAA 4.1 AA, automated part: axe-core (npm, injected in the page) on every parent page at phone
size and every staff page at desktop size; any critical or serious violation fails."""

from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import text

from cityviz import config, routes
from cityviz.components.layout import STAFF_NAV
from tests.e2e.test_accounts_journey import login

AXE = config.ROOT / ".tools/audit/node_modules/axe-core/axe.min.js"
DESKTOP = {"width": 1280, "height": 900}
PASSWORD = "demo-cityviz-2026"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]

PUBLIC = [routes.LOGIN, routes.FORGOT, routes.ACCESSIBILITY]
PARENT = [routes.HOME, routes.BOOKINGS, routes.ENROL, routes.BULK, routes.INVOICES, routes.PROFILE,
          routes.CHILDREN, routes.ORGANIZATIONS, routes.MESSAGES, routes.MESSAGE_NEW, routes.PASSWORD]
PLATFORM = [routes.ADMIN_ORGANIZATIONS, routes.ADMIN_OUTBOX]


@pytest.fixture(scope="module")
def axe_script() -> Path:
    if not AXE.exists():
        pytest.fail("axe-core manque : lancez scripts/ensure-audit-tools")
    return AXE


def _violations(page: Page, axe: Path) -> list[str]:
    expect(page.locator("h1").first).to_be_visible()
    page.wait_for_timeout(500)  # let the page's data arrive over the websocket
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(axe))
    result = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", TAGS)
    return [f"{v['impact']} {v['id']}: {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
            for v in result["violations"] if v["impact"] in ("critical", "serious")]


def _audit(page: Page, base_url: str, paths: list[str], axe: Path) -> dict[str, list[str]]:
    found = {}
    for path in paths:
        page.goto(base_url + path)
        if problems := _violations(page, axe):
            found[path] = problems
    return found


def test_parent_and_public_pages_at_phone_size(server, page: Page, axe_script):
    found = _audit(page, server.base_url, PUBLIC, axe_script)
    login(page, server.base_url, "audrey.noiret@example.org", PASSWORD)
    expect(page.get_by_role("heading", name="Fil d'actualités")).to_be_visible()
    engine = server.engine()
    with engine.connect() as conn:
        enrollment = conn.execute(text(
            "SELECT e.id FROM enrollment e JOIN person p ON p.household_id = e.household_id "
            "WHERE p.first_name = 'Audrey' AND p.last_name = 'NOIRET' ORDER BY e.id LIMIT 1")).scalar()
    engine.dispose()
    extra = [f"{routes.DOSSIER}?id={enrollment}"] if enrollment else []
    found |= _audit(page, server.base_url, PARENT + extra, axe_script)
    assert found == {}


def test_staff_pages_at_desktop_size(server, browser: Browser, browser_context_args, axe_script):
    context = browser.new_context(**{**browser_context_args, "viewport": DESKTOP})
    page = context.new_page()
    login(page, server.base_url, "agent.demostars@example.org", PASSWORD)
    expect(page.get_by_role("heading", name="Tableau de bord")).to_be_visible()
    staff = [href for _label, href, _icon, audience in STAFF_NAV if audience != "platform"]
    found = _audit(page, server.base_url, staff + [routes.ADMIN_ACTIVITY, routes.ADMIN_CLOSURES,
                                                           routes.ADMIN_MESSAGE_NEW], axe_script)
    context.close()

    context = browser.new_context(**{**browser_context_args, "viewport": DESKTOP})
    page = context.new_page()
    login(page, server.base_url, "admin@example.org", PASSWORD)
    expect(page.get_by_role("heading", name="Tableau de bord")).to_be_visible()
    found |= _audit(page, server.base_url, PLATFORM, axe_script)
    context.close()
    assert found == {}
