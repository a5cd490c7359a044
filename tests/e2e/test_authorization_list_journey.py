"""« Autorisations » from the town's list: an administrator of Démostars-sur-Mer keeps only
« Droit à l'image » and « Personnes autorisées » (« Pièces demandées », desktop size); a parent
of the town is asked only those two for their child and signs (phone size)."""

from playwright.sync_api import Browser, Page, expect
from sqlmodel import select

from cityviz import db
from cityviz.models import Organization
from cityviz.services.households.authorizations import ALL_ASKED
from tests import factories
from tests.e2e.conftest import quick_menu
from tests.e2e.test_accessibility import AXE, _violations
from tests.e2e.test_accounts_journey import login

DESKTOP = {"width": 1280, "height": 800}


def _town_admin_and_family(server) -> None:
    db.set_engine(server.engine())
    try:
        with db.transaction() as s:
            org = s.exec(select(Organization).where(Organization.name == "Démostars-sur-Mer")).one()
            factories.make_staff(s, org, role="admin", email="admin.liste@example.org")
            household, _g, _user = factories.make_household(s, last_name="ROUSSEL", email="famille.roussel@example.org",
                                                            org=org)
            factories.make_child(s, household, "Nina", org=org)
    finally:
        db.set_engine(None)


def _restore(server) -> None:
    """Back to the five for the other journeys of the session."""
    db.set_engine(server.engine())
    try:
        with db.transaction() as s:
            org = s.exec(select(Organization).where(Organization.name == "Démostars-sur-Mer")).one()
            org.asked_authorizations = ",".join(ALL_ASKED)
            s.add(org)
    finally:
        db.set_engine(None)


def test_a_town_asks_only_its_list_of_authorizations(server, page: Page, browser: Browser, shoot,
                                                     browser_context_args):
    _town_admin_and_family(server)
    try:
        context = browser.new_context(**{**browser_context_args, "viewport": DESKTOP})
        admin = context.new_page()
        login(admin, server.base_url, "admin.liste@example.org", factories.PASSWORD)
        expect(admin.get_by_role("heading", name="Tableau de bord")).to_be_visible()
        admin.goto(f"{server.base_url}/admin/pieces")
        expect(admin.get_by_role("heading", name="Autorisations demandées aux familles")).to_be_visible()
        expect(admin.get_by_label("Transport", exact=True)).to_be_checked()
        assert _violations(admin, AXE) == []  # before the toast (the toast library's own contrast)
        for label in ("Sortie seul(e), à partir d'une heure", "Soins d'urgence", "Transport"):
            admin.get_by_label(label, exact=True).uncheck()
        admin.get_by_role("button", name="Enregistrer les autorisations demandées").click()
        expect(admin.get_by_text("Autorisations demandées enregistrées.")).to_be_visible()
        expect(admin.get_by_label("Transport", exact=True)).not_to_be_checked()
        expect(admin.get_by_label("Droit à l'image", exact=True)).to_be_checked()
        shoot(admin, "1-liste-de-la-commune")
        context.close()

        login(page, server.base_url, "famille.roussel@example.org", factories.PASSWORD)
        expect(page.get_by_role("heading", name="Fil d'actualités")).to_be_visible()
        quick_menu(page, "Autorisations")
        page.get_by_role("button", name="Autorisations de Nina").click()
        expect(page.get_by_label("Droit à l'image", exact=False)).to_be_visible()
        expect(page.get_by_label("Sortie seul(e) autorisée")).to_have_count(0)
        expect(page.get_by_label("Transport (sorties en car, à pied)")).to_have_count(0)
        expect(page.get_by_text("Soins d'urgence", exact=False)).to_have_count(0)
        shoot(page, "2-formulaire", full_page=False)
        assert _violations(page, AXE) == []
        page.get_by_label("Droit à l'image", exact=False).check()
        page.get_by_label("Nom", exact=True).fill("Jeanne ROUSSEL")
        page.get_by_label("Téléphone").first.fill("06 11 22 33 44")
        page.get_by_label("Lien avec l'enfant").first.fill("Grand-mère")
        page.get_by_role("button", name="Signer les autorisations").click()
        expect(page.get_by_text("Autorisations de Nina signées.")).to_be_visible()
        expect(page.get_by_text("Image : oui · Autorisés : Jeanne ROUSSEL", exact=True)).to_be_visible()
        shoot(page, "3-autorisations-signees")
    finally:
        _restore(server)
