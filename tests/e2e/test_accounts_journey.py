"""Invited parent: temporary password, forced change, logout, login again."""

import re

from playwright.sync_api import Page, expect

from tests.e2e.conftest import hydrated, quick_menu


def login(page: Page, base_url: str, email: str, password: str, *, refused: bool = False) -> None:
    """Sign in, then wait until React has taken the page the login leads to: the login page stays
    an instant after its click, already React's, and what is typed next would land there."""
    page.goto(f"{base_url}/connexion")
    hydrated(page)
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe", exact=True).fill(password)
    page.get_by_role("button", name="Se connecter").click()
    if not refused:
        expect(page).not_to_have_url(re.compile(r"/connexion"), timeout=30_000)
        hydrated(page)


def test_invited_parent_first_login(server, page: Page, shoot):
    out = server.cli("invite", "emma.leroy@example.org", "Emma", "Leroy", "--organization",
                     "Démostars-sur-Mer")
    temporary = re.search(r"Mot de passe temporaire : (\S+)", out).group(1)

    page.goto(f"{server.base_url}/")
    expect(page).to_have_url(re.compile(r"/connexion"))
    expect(page.get_by_role("heading", name="Connexion")).to_be_visible()
    shoot(page, "1-connexion")
    login(page, server.base_url, "emma.leroy@example.org", temporary)

    expect(page.get_by_role("heading", name="Choisir votre mot de passe")).to_be_visible()
    shoot(page, "2-mot-de-passe")
    hydrated(page)
    page.get_by_label("Nouveau mot de passe", exact=True).fill("court")
    page.get_by_label("Confirmer le nouveau mot de passe").fill("court")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_role("alert")).to_contain_text("au moins 12 caractères")
    hydrated(page)
    page.get_by_label("Nouveau mot de passe", exact=True).fill("les mouettes de la plage")
    page.get_by_label("Confirmer le nouveau mot de passe").fill("les mouettes de la plage")
    page.get_by_role("button", name="Enregistrer").click()

    expect(page.get_by_role("heading", name="Fil d'actualités")).to_be_visible()
    expect(page.get_by_text("Bienvenue sur votre portail familles")).to_be_visible()
    shoot(page, "3-accueil")

    page.goto(f"{server.base_url}/admin")  # the staff area is not for parents
    expect(page.get_by_role("heading", name="Fil d'actualités")).to_be_visible()

    quick_menu(page, "Se déconnecter")
    expect(page.get_by_text("Vous êtes déconnecté.")).to_be_visible()

    login(page, server.base_url, "emma.leroy@example.org", temporary, refused=True)  # works only once
    expect(page.get_by_role("alert")).to_have_text("Adresse e-mail ou mot de passe incorrect.")
    login(page, server.base_url, "emma.leroy@example.org", "les mouettes de la plage")
    expect(page.get_by_role("heading", name="Fil d'actualités")).to_be_visible()


def test_wrong_passwords_slow_down(server, page: Page, shoot):
    page.goto(f"{server.base_url}/connexion")
    # An account no other journey uses: the slow-down is per account.
    page.get_by_label("Adresse e-mail").fill("agent.bretteville@example.org")
    alert = page.get_by_role("alert")
    for attempt in range(8):
        page.get_by_label("Mot de passe", exact=True).fill(f"mauvais essai numéro {attempt}")
        page.get_by_role("button", name="Se connecter").click()
        expect(alert).to_have_text(re.compile("incorrect|Trop de tentatives"))
        expect(page.get_by_role("button", name="Se connecter")).to_be_enabled()
        if "Trop de tentatives" in alert.inner_text():
            break
    expect(alert).to_have_text(re.compile(r"Trop de tentatives\. Réessayez dans \d+ secondes?\."))
    assert attempt >= 4  # three free mistakes first
    shoot(page, "ralenti")
