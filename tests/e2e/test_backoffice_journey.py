"""The town hall's back office: the administrator invites an animateur, who then sees only the
attendance of his activities and is refused elsewhere; 20 families imported from an Excel file,
then one invited; a closure lifted; the journal and the dashboard."""

import io
import re

from openpyxl import Workbook
from playwright.sync_api import Browser, Page, expect

from cityviz.services.households import import_files
from tests.e2e.conftest import hydrated
from tests.e2e.test_accounts_journey import login

ADMIN = "agent.demostars@example.org"  # the demo town's administrator
DEMO_PASSWORD = "demo-cityviz-2026"
DESK = {"width": 1280, "height": 900}


def _temporary_password(server, email: str) -> str:
    """The outbox masks credentials: only `credentials ADDRESS` on the command line prints them."""
    return re.search(r"Mot de passe temporaire : (\S+)", server.cli("credentials", email)).group(1)


def _families_file() -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(import_files.COLUMNS.values()))
    for n in range(1, 21):
        sheet.append(["Mme", "Claire", f"IMPORT{n:02d}", f"famille.import{n:02d}@example.org", "", "5 rue du Port",
                      "17999", "Démostars-sur-Mer", "Noé", "", f"0{1 + n % 9}/03/2018", "M", "CE1", ""])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def test_the_administrator_invites_an_animateur_who_sees_only_his_attendance(server, page: Page, browser: Browser,
                                                                            shoot, browser_context_args):
    login(page, server.base_url, ADMIN, DEMO_PASSWORD)
    expect(page.get_by_role("heading", name="Tableau de bord")).to_be_visible()
    expect(page.get_by_text("pointages à faire aujourd'hui")).to_be_visible()
    shoot(page, "01-tableau-de-bord")
    page.goto(f"{server.base_url}/admin/equipe")
    expect(page.get_by_role("heading", name="Inviter un collègue")).to_be_visible()
    page.get_by_label("Nom et prénom").fill("Paul Animateur")
    page.get_by_label("Adresse e-mail").fill("paul.animateur@example.org")
    page.get_by_label("Rôle", exact=True).select_option("animateur")
    page.get_by_label("Restauration scolaire").check()
    shoot(page, "02-equipe-invitation")
    page.get_by_role("button", name="Envoyer l'invitation").click()
    expect(page.get_by_text("Invitation envoyée à paul.animateur@example.org.")).to_be_visible()
    expect(page.get_by_text("Activités : Restauration scolaire")).to_be_visible()
    shoot(page, "03-equipe")

    desk = browser.new_context(**{**browser_context_args, "viewport": DESK})
    animateur = desk.new_page()
    login(animateur, server.base_url, "paul.animateur@example.org",
          _temporary_password(server, "paul.animateur@example.org"))
    # The login page stays an instant after its click, already React's: wait for the next one.
    expect(animateur).to_have_url(re.compile(r"/mot-de-passe"))
    expect(animateur.get_by_role("heading", name="Choisir votre mot de passe")).to_be_visible()
    hydrated(animateur)
    animateur.get_by_label("Nouveau mot de passe", exact=True).fill("le sifflet du moniteur")
    animateur.get_by_label("Confirmer le nouveau mot de passe").fill("le sifflet du moniteur")
    animateur.get_by_role("button", name="Enregistrer").click()
    expect(animateur.get_by_role("heading", name="Tableau de bord")).to_be_visible()
    menu = animateur.get_by_role("navigation", name="Navigation de l'espace agents")
    expect(menu.get_by_role("link", name="Pointage")).to_be_visible()
    for hidden in ("Factures", "Familles", "Dossiers", "Équipe", "Journal"):
        expect(menu.get_by_role("link", name=hidden, exact=True)).to_have_count(0)
    menu.get_by_role("link", name="Pointage").click()
    expect(animateur.get_by_role("button", name=re.compile("Restauration scolaire"))).to_be_visible()
    expect(animateur.get_by_role("button", name=re.compile("Garderie"))).to_have_count(0)
    shoot(animateur, "04-animateur-pointage")
    animateur.goto(f"{server.base_url}/admin/factures")
    expect(animateur.get_by_text("Vous n'avez pas accès à cette information.")).to_be_visible()
    animateur.goto(f"{server.base_url}/admin/familles")
    expect(animateur.get_by_text("Vous n'avez pas accès à cette information.")).to_be_visible()
    desk.close()


def test_twenty_families_imported_from_excel_then_one_invited(server, page: Page, shoot):
    login(page, server.base_url, ADMIN, DEMO_PASSWORD)
    expect(page.get_by_role("heading", name="Tableau de bord")).to_be_visible()
    page.goto(f"{server.base_url}/admin/import")
    expect(page.get_by_role("heading", name="Importer des familles")).to_be_visible()
    page.locator("input[type=file]").set_input_files({
        "name": "familles.xlsx", "buffer": _families_file(),
        "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"})
    expect(page.get_by_text(re.compile(r"20 ligne\(s\) dans « familles.xlsx » : 20 nouvelle\(s\) famille\(s\)"))) \
        .to_be_visible()
    expect(page.get_by_text("Aucune erreur. Rien n'est encore enregistré")).to_be_visible()
    shoot(page, "01-apercu")
    page.get_by_role("button", name="Importer").click()
    expect(page.get_by_text(re.compile(r"20 famille\(s\) créée\(s\), 0 mise\(s\) à jour, 20 enfant\(s\) ajouté"))) \
        .to_be_visible()
    shoot(page, "02-importe")
    page.goto(f"{server.base_url}/admin/familles")
    page.get_by_label("Nom de famille").fill("IMPORT07")
    page.get_by_role("button", name="Rechercher").click()
    expect(page.get_by_role("button", name="Inviter")).to_have_count(1)
    page.get_by_role("row", name=re.compile("IMPORT07")).get_by_role("button", name="Inviter").click()
    expect(page.get_by_text("Invitation envoyée à famille.import07@example.org.")).to_be_visible()
    page.get_by_role("link", name=re.compile("IMPORT07")).click()
    expect(page.get_by_role("heading", name="Historique")).to_be_visible()
    expect(page.get_by_text("Invitation envoyée", exact=True)).to_be_visible()  # the history line, not the toast
    shoot(page, "03-famille")
    page.goto(f"{server.base_url}/admin/journal")
    expect(page.get_by_text("Familles importées")).to_be_visible()
    shoot(page, "04-journal")


def test_a_closure_is_created_then_lifted(server, page: Page, shoot):
    login(page, server.base_url, ADMIN, DEMO_PASSWORD)
    expect(page.get_by_role("heading", name="Tableau de bord")).to_be_visible()
    page.get_by_role("button", name="Menu", exact=True).click()
    page.get_by_role("menuitem", name="Fermetures").click()
    expect(page.get_by_role("heading", name="Nouvelle fermeture")).to_be_visible()
    page.get_by_label("Du", exact=True).fill("2026-10-22")
    page.get_by_label("Motif (lu par les familles)").fill("Formation des équipes")
    page.get_by_role("button", name="Fermer ces dates").click()
    expect(page.get_by_text(re.compile("Fermeture enregistrée"))).to_be_visible()
    page.get_by_role("button", name="Lever la fermeture : 22/10/2026").click()
    page.get_by_role("alertdialog").get_by_role("button", name="Lever la fermeture").click()
    expect(page.get_by_text(re.compile("Fermeture levée : .* séance\\(s\\) rouverte\\(s\\)"))).to_be_visible()
    expect(page.get_by_text("Levée le 05/10/2026")).to_be_visible()
    shoot(page, "01-fermetures")


def test_the_caf_statistics_of_a_month_exported(server, page: Page, shoot):
    login(page, server.base_url, ADMIN, DEMO_PASSWORD)
    expect(page.get_by_role("heading", name="Tableau de bord")).to_be_visible()
    page.get_by_role("button", name="Menu", exact=True).click()
    page.get_by_role("menuitem", name="Statistiques CAF").click()
    expect(page.get_by_role("heading", name="Statistiques CAF")).to_be_visible()
    expect(page.get_by_label("Mois")).to_have_value("2026-09")  # last month
    expect(page.get_by_role("rowheader", name="Restauration scolaire")).to_be_visible()
    shoot(page, "01-statistiques")
    with page.expect_download() as download:
        page.get_by_role("button", name="Exporter (Excel)").click()
    assert download.value.suggested_filename == "statistiques-caf-2026-09.xlsx"
    with page.expect_download() as download:
        page.get_by_role("button", name="Exporter (PDF)").click()
    assert download.value.suggested_filename == "statistiques-caf-2026-09.pdf"
