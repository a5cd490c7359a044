"""Step 1 on a phone: invited parent → profile → two children → organization
14760 → documents (household ones once) → submitted; the agent validates."""

import re

from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import hydrated
from tests.e2e.test_accounts_journey import login
from tests.factories import pdf_bytes, png_bytes


def _upload(page: Page, name: str, data: bytes, mime: str) -> None:
    page.locator("input[type=file]").set_input_files({"name": name, "mimeType": mime, "buffer": data})


def test_parent_registers_two_children_and_the_agent_validates(server, page: Page, browser: Browser, shoot,
                                                                browser_context_args):
    out = server.cli("invite", "lucie.martin@example.org", "Lucie", "Martin")
    temporary = re.search(r"Mot de passe temporaire : (\S+)", out).group(1)
    login(page, server.base_url, "lucie.martin@example.org", temporary)
    expect(page).to_have_url(re.compile(r"/mot-de-passe"))  # not the login page, still there an instant
    hydrated(page)
    page.get_by_label("Nouveau mot de passe", exact=True).fill("un grand jardin fleuri")
    page.get_by_label("Confirmer le nouveau mot de passe").fill("un grand jardin fleuri")
    page.get_by_role("button", name="Enregistrer").click()

    # Profile first.
    expect(page.get_by_role("heading", name="Compléter vos informations personnelles")).to_be_visible()
    shoot(page, "01-accueil-profil")
    page.get_by_role("button", name="Compléter mon profil").click()
    expect(page.get_by_role("heading", name="Mon profil")).to_be_visible()
    page.get_by_label("Civilité").select_option("Mme")
    page.get_by_label("Adresse (numéro et rue)").fill("3 rue des Tilleuls")
    page.get_by_label("Code postal").fill("14760")
    page.get_by_label("Commune").fill("Bretteville-sur-Odon")
    page.get_by_label("Téléphone portable").fill("0611223344")
    shoot(page, "02-profil")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_text("Vos informations sont enregistrées.")).to_be_visible()
    expect(page.get_by_label("Téléphone portable")).to_have_value("06 11 22 33 44")

    # Two children.
    page.get_by_role("navigation", name="Navigation principale").get_by_role("link", name="Accueil").click()
    expect(page.get_by_role("heading", name="Ajouter un ou plusieurs enfants")).to_be_visible()
    page.get_by_role("button", name="Ajouter un enfant").click()
    for first_name, born, sex, level in [("Jules", "2018-06-21", "M", "CE1"), ("Inès", "2020-02-03", "F", "MS")]:
        expect(page.get_by_role("heading", name="Nouvel enfant")).to_be_visible()
        page.get_by_label("Prénom").fill(first_name)
        page.get_by_label("Date de naissance").fill(born)
        page.get_by_label("Sexe").select_option(sex)
        page.get_by_label("Classe").select_option(level)
        if first_name == "Jules":
            page.get_by_label("Allergies").fill("Lactose")
            shoot(page, "03-enfant")
        page.get_by_role("button", name="Enregistrer").click()
        expect(page.get_by_text(f"Fiche de {first_name} enregistrée.")).to_be_visible()
        if first_name == "Jules":
            page.get_by_role("button", name="Ajouter un enfant").click()
    expect(page.get_by_text("Allergies : Lactose")).to_be_visible()
    shoot(page, "04-enfants")

    # The organization, by postal code.
    page.get_by_role("link", name="Retour à l'accueil").click()
    page.get_by_role("button", name="Trouver mon organisation").click()
    page.get_by_label("Code postal ou commune").fill("14760")
    page.get_by_role("button", name="Rechercher").click()
    page.get_by_role("button", name="Choisir Bretteville-sur-Odon").click()
    expect(page.get_by_label("Jules MARTIN (Enfant)")).to_be_checked()
    expect(page.get_by_label("Lucie MARTIN (Responsable)")).not_to_be_checked()
    shoot(page, "05-organisation")
    page.get_by_role("button", name="Inscrire").click()

    # Jules's dossier: the household documents, then his own.
    page.get_by_role("link", name="Finaliser le dossier d'inscription de Jules MARTIN").click()
    expect(page.get_by_role("heading", name="Justificatif de domicile")).to_be_visible()
    shoot(page, "06-dossier-etape1")
    _upload(page, "facture-edf.pdf", pdf_bytes("edf"), "application/pdf")
    expect(page.get_by_role("heading", name="Attestation de quotient familial (CAF)")).to_be_visible()
    page.get_by_role("button", name="Suivant").click()  # optional: skipped
    for title, file_name in [("Attestation d'assurance responsabilité civile", "assurance.pdf"),
                             ("Carnet de vaccination", "vaccins.png"), ("Fiche sanitaire de liaison", "fiche.pdf")]:
        expect(page.get_by_role("heading", name=title)).to_be_visible()
        if file_name.endswith(".png"):
            _upload(page, file_name, png_bytes(), "image/png")
        else:
            _upload(page, file_name, pdf_bytes(file_name), "application/pdf")
    expect(page.get_by_role("heading", name="Récapitulatif")).to_be_visible()
    shoot(page, "07-dossier-recapitulatif")
    page.get_by_role("button", name="Envoyer le dossier").click()
    expect(page.get_by_text("Dossier envoyé : votre organisation va le vérifier.")).to_be_visible()

    # Inès: the household documents are not asked again.
    page.get_by_role("link", name="Finaliser le dossier d'inscription de Inès MARTIN").click()
    expect(page.get_by_role("heading", name="Carnet de vaccination")).to_be_visible()
    expect(page.get_by_text("Étape 4 sur 6")).to_be_visible()
    _upload(page, "vaccins-ines.pdf", pdf_bytes("ines"), "application/pdf")
    expect(page.get_by_role("heading", name="Fiche sanitaire de liaison")).to_be_visible()
    _upload(page, "fiche-ines.pdf", pdf_bytes("fiche"), "application/pdf")
    page.get_by_role("button", name="Envoyer le dossier").click()
    expect(page.get_by_text("En attente de validation par votre organisation")).to_have_count(2)
    shoot(page, "08-accueil-en-attente")

    # The agent validates both dossiers.
    agent_context = browser.new_context(**{**browser_context_args, "viewport": {"width": 1280, "height": 900}})
    agent = agent_context.new_page()
    login(agent, server.base_url, "agent.bretteville@example.org", "demo-cityviz-2026")
    expect(agent.get_by_role("heading", name="Tableau de bord")).to_be_visible()
    agent.goto(f"{server.base_url}/admin/dossiers")
    for child in ("MARTIN Jules", "MARTIN Inès"):
        agent.get_by_role("link", name=child).click()
        expect(agent.get_by_role("heading", name=re.compile("Dossier de"))).to_be_visible()
        accept = agent.get_by_role("button", name="Accepter")
        expect(accept.first).to_be_visible()
        while accept.count():
            count = accept.count()
            accept.first.click()
            expect(accept).to_have_count(count - 1)
        if child == "MARTIN Jules":
            shoot(agent, "09-agent-dossier")
        agent.get_by_role("button", name="Valider le dossier").click()
        expect(agent.get_by_text("Dossier validé ; la famille est prévenue par e-mail.").last).to_be_visible()
        agent.get_by_role("link", name="← Tous les dossiers").click()
    agent_context.close()

    page.reload()
    expect(page.get_by_text("Validé", exact=True)).to_have_count(2)
    shoot(page, "10-accueil-valide")
