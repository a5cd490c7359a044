"""« Réservations » draws one layout per screen: the list by week on a phone (the desktop grid is
not built at all), the grid of chips on a wide screen, and it follows a resize or a turned
tablet. A chip's tap shows what a tooltip cannot on a touch screen. Server clock: 05/10/2026."""

import re

from playwright.sync_api import Page, expect

from tests.e2e.conftest import hydrated
from tests.e2e.test_accounts_journey import login

WIDE = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


def test_one_layout_per_screen_and_it_follows_the_screen(server, page: Page, shoot):
    login(page, server.base_url, "audrey.noiret@example.org", "demo-cityviz-2026")
    expect(page.get_by_role("heading", name="Fil d'actualités")).to_be_visible()
    page.goto(f"{server.base_url}/reservations")
    hydrated(page)

    # The phone: the weeks' headings, and no grid behind them (no chip in the page at all).
    expect(page.get_by_role("heading", name=re.compile(r"^Semaine du lundi 05\/10"))).to_be_visible()
    expect(page.locator(".cvz-chip")).to_have_count(0)
    shoot(page, "01-telephone")
    # The list's buttons are a thumb's target (44 px), not the 32 px of a desktop button.
    assert page.get_by_role("button", name=re.compile("^Réserver : ")).first.bounding_box()["height"] >= 44

    # A toast is readable from its first frame: it slides in, it does not fade in (a half-transparent
    # message fails its contrast, and axe-core catches it when it looks at that moment).
    page.get_by_role("button", name=re.compile("^Réserver : ")).first.click()
    toast = page.locator("[data-sonner-toast]").first
    toast.wait_for(state="attached")
    assert toast.evaluate("e => getComputedStyle(e).opacity") == "1"
    expect(toast).to_contain_text("Réservation confirmée.")

    # Wider: the grid, whose chips name the activity, and a tap shows the details.
    page.set_viewport_size(WIDE)
    chip = page.get_by_role("button", name=re.compile(r"^Restauration scolaire, Léa, Jeudi 08\/10"))
    expect(chip).to_be_visible()
    expect(page.get_by_role("heading", name=re.compile("^Semaine du lundi"))).to_have_count(0)
    chip.click()
    details = page.get_by_role("dialog")
    expect(details.get_by_text("Restauration scolaire · Léa")).to_be_visible()
    expect(details.get_by_text("Jeudi 08/10")).to_be_visible()
    shoot(page, "02-grand-ecran")
    page.keyboard.press("Escape")

    # Back to the phone's width: the list again, the grid gone.
    page.set_viewport_size(PHONE)
    expect(page.get_by_role("heading", name=re.compile(r"^Semaine du lundi 05\/10"))).to_be_visible()
    expect(page.locator(".cvz-chip")).to_have_count(0)
