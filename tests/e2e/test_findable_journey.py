"""On a phone, every page can be found: a family the town created, a child added later, a refused
document; « Mon foyer » from the quick menu; the calendar by week. The agent (desktop) finds
« Lefèvre » by typing "lefevre" and refuses the document."""

import re

from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import hydrated, quick_menu
from tests.e2e.test_accounts_journey import login
from tests.e2e.test_onboarding_journey import _upload
from tests.factories import pdf_bytes, png_bytes

DESKTOP = {"width": 1280, "height": 800}
AGENT = "agent.demostars@example.org"
PARENT = "ines.lefevre@example.org"


def _agent(browser: Browser, server, browser_context_args) -> Page:
    context = browser.new_context(**{**browser_context_args, "viewport": DESKTOP})
    page = context.new_page()
    login(page, server.base_url, AGENT, "demo-cityviz-2026")
    expect(page.get_by_role("heading", name="Tableau de bord")).to_be_visible()
    return page


def test_a_staff_created_family_finds_every_page(server, page: Page, browser: Browser, shoot, browser_context_args):
    # The town creates the family (no child yet) and finds it again without typing the accent.
    agent = _agent(browser, server, browser_context_args)
    agent.goto(f"{server.base_url}/admin/familles")
    agent.get_by_role("button", name="Nouvelle famille").click()
    agent.get_by_label("Civilité du responsable").select_option("Mme")
    agent.get_by_label("Prénom").first.fill("Inès")  # the guardian's fields come before the children's
    agent.get_by_label("Nom", exact=True).first.fill("Lefèvre")
    agent.get_by_label("Adresse e-mail").fill(PARENT)
    agent.get_by_role("button", name="Créer la famille").click()
    agent.get_by_label("Nom de famille").fill("LEFEVRE")
    agent.get_by_role("button", name="Rechercher").click()
    expect(agent.get_by_role("rowheader", name=re.compile("LEFÈVRE"))).to_be_visible()
    expect(agent.get_by_text("1 au total")).to_be_visible()
    shoot(agent, "01-agent-recherche-lefevre")

    # The outbox masks credentials: only `credentials ADDRESS` on the command line prints them.
    temporary = re.search(r"Mot de passe temporaire : (\S+)", server.cli("credentials", PARENT)).group(1)
    login(page, server.base_url, PARENT, temporary)
    expect(page).to_have_url(re.compile(r"/mot-de-passe"))  # not the login page, still there an instant
    hydrated(page)
    page.get_by_label("Nouveau mot de passe", exact=True).fill("un grand jardin fleuri")
    page.get_by_label("Confirmer le nouveau mot de passe").fill("un grand jardin fleuri")
    page.get_by_role("button", name="Enregistrer").click()
    page.get_by_role("link", name="Compléter mon profil").click()
    page.get_by_label("Civilité").select_option("Mme")
    page.get_by_label("Adresse (numéro et rue)").fill("5 allée des Dunes")
    page.get_by_label("Code postal").fill("17999")
    page.get_by_label("Commune").fill("Démostars-sur-Mer")
    page.get_by_label("Téléphone portable").fill("0611223344")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_text("Vos informations sont enregistrées.")).to_be_visible()

    # Home: the children come next (the town created the family without any); « Mon foyer » is one tap away.
    page.get_by_role("navigation", name="Navigation principale").last.get_by_role("link", name="Accueil").click()
    expect(page.get_by_role("heading", name="Ajouter un ou plusieurs enfants")).to_be_visible()
    expect(page.get_by_role("heading", name="Mon foyer")).to_be_visible()
    page.get_by_role("link", name="Mes enfants").click()
    expect(page.get_by_role("heading", name="Mes enfants")).to_be_visible()
    page.get_by_label("Prénom").fill("Lou")
    page.get_by_label("Date de naissance").fill("2018-04-12")
    page.get_by_label("Sexe").select_option("F")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_text("Fiche de Lou enregistrée.")).to_be_visible()

    # The child added later is offered the organization step, straight to the town.
    page.get_by_role("link", name="Retour à l'accueil").click()
    expect(page.get_by_role("heading", name="Inscrire Lou auprès d'une organisation")).to_be_visible()
    expect(page.get_by_role("link", name="Finaliser le dossier d'inscription de Inès LEFÈVRE")).to_be_visible()
    shoot(page, "02-accueil-nouvel-enfant")
    page.get_by_role("link", name="Inscrire Lou auprès de Démostars-sur-Mer").click()
    expect(page.get_by_role("heading", name="Qui inscrire auprès de Démostars-sur-Mer ?")).to_be_visible()
    expect(page.get_by_label("Lou LEFÈVRE (Enfant)")).to_be_checked()
    page.get_by_role("button", name="Inscrire").click()

    # Lou's dossier: a .txt says which formats are accepted; then the documents, sent.
    page.get_by_role("link", name="Finaliser le dossier d'inscription de Lou LEFÈVRE").click()
    expect(page.get_by_role("heading", name="Justificatif de domicile")).to_be_visible()
    _upload(page, "notes.txt", b"pas un justificatif", "text/plain")
    expect(page.get_by_text("Ce fichier n'est pas accepté : envoyez un fichier PDF, JPEG ou PNG de 10 Mo au plus."
                            )).to_be_visible()
    shoot(page, "03-format-refuse")
    _upload(page, "facture-edf.pdf", pdf_bytes("edf"), "application/pdf")
    expect(page.get_by_role("heading", name="Attestation de quotient familial (CAF)")).to_be_visible()
    page.get_by_role("button", name="Suivant").click()
    for title, name in [("Attestation d'assurance responsabilité civile", "assurance.pdf"),
                        ("Carnet de vaccination", "vaccins.png"), ("Fiche sanitaire de liaison", "fiche.pdf")]:
        expect(page.get_by_role("heading", name=title)).to_be_visible()
        data, mime = (png_bytes(), "image/png") if name.endswith(".png") else (pdf_bytes(name), "application/pdf")
        _upload(page, name, data, mime)
    page.get_by_role("button", name="Envoyer le dossier").click()
    expect(page.get_by_text("Dossier envoyé : votre organisation va le vérifier.")).to_be_visible()

    # The agent refuses the vaccination record; the family gets a card and an e-mail.
    agent.goto(f"{server.base_url}/admin/dossiers")
    agent.get_by_role("link", name="LEFÈVRE Lou").click()
    vaccination = agent.locator(".rt-Card", has_text="Carnet de vaccination").last  # the innermost: its own card
    vaccination.get_by_role("button", name="Refuser").click()
    agent.get_by_label("Motif du refus", exact=True).fill("Photo floue : la page des vaccins est illisible.")
    agent.get_by_role("button", name="Confirmer le refus").click()
    expect(agent.get_by_text("Motif : Photo floue : la page des vaccins est illisible.")).to_be_visible()
    agent.context.close()
    assert "Objet : Pièce refusée : Carnet de vaccination (Lou) à remplacer" in server.cli("outbox")

    page.reload()
    expect(page.get_by_role("heading", name="Pièce refusée : Carnet de vaccination (Lou) à remplacer")).to_be_visible()
    shoot(page, "04-accueil-piece-refusee")

    # « Mon foyer » from the quick menu: guardians, children, dossiers, documents.
    quick_menu(page, "Mon foyer")
    expect(page.get_by_role("heading", name="Mon foyer")).to_be_visible()
    for section in ("Responsables", "Enfants", "Organisations et dossiers", "Pièces justificatives"):
        expect(page.get_by_role("heading", name=section, exact=True)).to_be_visible()
    expect(page.get_by_text("Motif : Photo floue : la page des vaccins est illisible.")).to_be_visible()
    shoot(page, "05-mon-foyer")
    page.get_by_role("link", name="Envoyer un nouveau fichier").click()
    expect(page.get_by_role("heading", name="Carnet de vaccination")).to_be_visible()
    quick_menu(page, "Inscrire à une organisation")
    expect(page.get_by_role("heading", name="Inscrire à une organisation")).to_be_visible()
    quick_menu(page, "Mes enfants")
    expect(page.get_by_role("heading", name="Mes enfants")).to_be_visible()
    quick_menu(page, "Mon profil")
    expect(page.get_by_role("heading", name="Mon profil")).to_be_visible()
    # The password page chosen from the profile is no dead end: « Annuler » goes back to it.
    page.get_by_role("link", name="Changer mon mot de passe").click()
    expect(page.get_by_label("Mot de passe actuel")).to_be_visible()
    page.get_by_role("link", name="Annuler").click()
    expect(page.get_by_role("heading", name="Mon profil")).to_be_visible()


def test_the_phone_calendar_goes_by_week(server, page: Page, shoot):
    login(page, server.base_url, "audrey.noiret@example.org", "demo-cityviz-2026")
    page.get_by_role("navigation", name="Navigation principale").last.get_by_role("link", name="Réservations").click()
    expect(page.get_by_role("heading", name="Semaine du lundi 05/10")).to_be_visible()
    expect(page.get_by_text("Cette semaine")).to_be_visible()
    # Weekdays without a session say why (which ones depends on what earlier journeys changed in the town).
    expect(page.get_by_text(re.compile("^(Pas d'accueil|Jour férié|Vacances scolaires)")).first).to_be_visible()
    expect(page.get_by_text("Vacances scolaires").first).to_be_attached()
    shoot(page, "06-calendrier-semaines", full_page=False)
    page.get_by_role("button", name="Mois suivant").click()
    expect(page.get_by_role("heading", name="Novembre 2026")).to_be_visible()
    page.get_by_role("button", name="Aujourd'hui", exact=True).click()
    expect(page.get_by_role("heading", name="Octobre 2026")).to_be_visible()
    expect(page.get_by_role("heading", name="Semaine du lundi 05/10")).to_be_in_viewport()
