"""« Messagerie »: a parent (on a phone) writes to the town with an attachment; the agent (at a desk)
sees the counter, answers; the parent sees the answer and the counter, which clears once read.
Another family reaches neither the conversation nor its file. axe-core on each page."""

import re

from playwright.sync_api import Browser, Page, expect

from tests import factories
from tests.e2e.test_accessibility import AXE, _violations
from tests.e2e.test_accounts_journey import login

PARENT = "audrey.noiret@example.org"
AGENT = "agent.demostars@example.org"  # the demo town's administrator
OTHER_PARENT = "julie.martin@example.org"
PASSWORD = "demo-cityviz-2026"
DESK = {"width": 1280, "height": 800}


def _no_serious_violation(page: Page) -> None:
    assert _violations(page, AXE) == []


def test_a_parent_writes_with_an_attachment_the_agent_answers(server, page: Page, browser: Browser,
                                                               browser_context_args, shoot, tmp_path):
    base = server.base_url
    certificate = tmp_path / "certificat-medical.pdf"
    certificate.write_bytes(factories.pdf_bytes("certificat"))

    # The parent, on a phone: « Messagerie » in the bottom bar, empty at first.
    login(page, base, PARENT, PASSWORD)
    expect(page.get_by_role("heading", name="Fil d'actualités")).to_be_visible()
    page.get_by_role("link", name="Messagerie").click()
    expect(page.get_by_role("heading", name="Messagerie", exact=True)).to_be_visible()
    expect(page.get_by_text("Aucun message pour l'instant")).to_be_visible()
    _no_serious_violation(page)
    shoot(page, "01-messagerie-vide")

    page.get_by_role("link", name="Nouveau message").first.click()
    expect(page.get_by_role("heading", name="Nouveau message")).to_be_visible()
    expect(page.get_by_label("Destinataire")).to_contain_text("Démostars-sur-Mer")
    page.get_by_label("À propos de").select_option(label="Léa")
    page.get_by_label("Objet").fill("Repas de Léa jeudi")
    page.get_by_label("Message").fill("Bonjour,\nLéa a un rendez-vous jeudi midi : voici le justificatif.")
    page.locator("#pieces-jointes input[type=file]").set_input_files(str(certificate))
    expect(page.get_by_text("certificat-medical.pdf")).to_be_visible()
    _no_serious_violation(page)
    shoot(page, "02-nouveau-message")
    page.get_by_role("button", name="Envoyer").click()

    expect(page).to_have_url(re.compile(r"/messagerie/fil\?id=\d+"))
    expect(page.get_by_role("heading", name="Repas de Léa jeudi")).to_be_visible()
    expect(page.get_by_text("Léa a un rendez-vous jeudi midi", exact=False)).to_be_visible()
    attachment = page.get_by_role("link", name="certificat-medical.pdf")
    expect(attachment).to_be_visible()
    file_url = base + attachment.get_attribute("href")
    thread_url = page.url
    own = page.request.get(file_url)
    assert own.status == 200 and own.body().startswith(b"%PDF")
    shoot(page, "03-conversation-envoyee")

    # The agent, at a desk: the counter in the menu and on the dashboard, then the answer.
    desk = browser.new_context(**{**browser_context_args, "viewport": DESK})
    agent = desk.new_page()
    login(agent, base, AGENT, PASSWORD)
    expect(agent.get_by_role("heading", name="Tableau de bord")).to_be_visible()
    menu = agent.get_by_role("navigation", name="Navigation de l'espace agents")
    expect(menu.get_by_role("link", name=re.compile(r"^Messagerie\s*1"))).to_be_visible()
    figure = agent.get_by_role("link", name=re.compile("messages en attente"))
    expect(figure).to_contain_text("1")
    shoot(agent, "04-tableau-de-bord-message")
    figure.click()
    expect(agent.get_by_role("heading", name="Messagerie", exact=True)).to_be_visible()
    _no_serious_violation(agent)
    shoot(agent, "05-messages-en-attente")
    agent.get_by_role("link", name=re.compile("Repas de Léa jeudi")).click()
    expect(agent.get_by_text("Léa a un rendez-vous jeudi midi", exact=False)).to_be_visible()
    expect(agent.get_by_role("link", name="Famille NOIRET")).to_be_visible()
    assert agent.request.get(file_url).body().startswith(b"%PDF")
    agent.get_by_label("Votre réponse").fill("Bien noté : pas de repas pour Léa jeudi. Bonne journée !")
    _no_serious_violation(agent)
    agent.get_by_role("button", name="Envoyer").click()
    expect(agent.get_by_text("Réponse envoyée", exact=False)).to_be_visible()
    expect(agent.get_by_text("Bien noté : pas de repas pour Léa jeudi.", exact=False)).to_be_visible()
    expect(agent.get_by_text("Traité", exact=True)).to_be_visible()
    expect(menu.get_by_role("link", name="Messagerie", exact=True)).to_be_visible()  # no counter any more
    shoot(agent, "06-reponse-agent")
    agent.get_by_role("link", name="Famille NOIRET").click()  # its page offers to write to it
    agent.get_by_role("link", name="Écrire à la famille").click()
    expect(agent.get_by_text("À : Famille NOIRET")).to_be_visible()
    expect(agent.get_by_label("À propos de")).to_contain_text("Tom")
    shoot(agent, "07-ecrire-a-la-famille")

    # The e-mail to the family says who wrote and links the conversation, nothing of the message.
    outbox = server.cli("outbox")
    assert "Nouveau message de Démostars-sur-Mer" in outbox and "pas de repas pour Léa" not in outbox

    # The parent: the answer counted on the home page and in the bottom bar, read, then counted no more.
    page.goto(base + "/")
    expect(page.get_by_text("1 nouveau message de votre mairie")).to_be_visible()
    expect(page.get_by_role("link", name=re.compile(r"^Messagerie\s*1"))).to_be_visible()
    shoot(page, "08-accueil-nouveau-message")
    page.get_by_role("link", name="Lire").click()
    expect(page.get_by_text("Nouveau", exact=True)).to_be_visible()
    page.get_by_role("link", name=re.compile("Repas de Léa jeudi")).click()
    expect(page.get_by_text("Bien noté : pas de repas pour Léa jeudi.", exact=False)).to_be_visible()
    expect(page.get_by_role("link", name="Messagerie", exact=True)).to_be_visible()
    _no_serious_violation(page)
    shoot(page, "09-reponse-lue")
    desk.close()

    # Another family reaches neither the conversation nor its file.
    other = browser.new_context(**browser_context_args)
    stranger = other.new_page()
    login(stranger, base, OTHER_PARENT, PASSWORD)
    expect(stranger.get_by_role("heading", name="Fil d'actualités")).to_be_visible()
    stranger.goto(thread_url)
    expect(stranger.get_by_text("Conversation introuvable").first).to_be_visible()
    expect(stranger.get_by_text("Repas de Léa jeudi")).to_have_count(0)
    refused = stranger.request.get(file_url)
    assert refused.status == 404 and not refused.body().startswith(b"%PDF")
    other.close()

    # The agent writes to every family of an activity: one conversation each, and the « Journal » says so.
    desk = browser.new_context(**{**browser_context_args, "viewport": DESK})
    agent = desk.new_page()
    login(agent, base, AGENT, PASSWORD)
    expect(agent.get_by_role("heading", name="Tableau de bord")).to_be_visible()
    agent.goto(base + "/admin/messagerie/nouveau")
    agent.get_by_label("Activité").select_option(label="Restauration scolaire (2 familles)")
    agent.get_by_label("Objet").fill("Sortie annulée")
    agent.get_by_label("Message").fill("La sortie de mercredi est annulée à cause de l'orage.")
    agent.get_by_role("button", name="Envoyer").click()
    expect(agent.get_by_text("Message envoyé : 2 famille(s)", exact=False)).to_be_visible()
    expect(agent).to_have_url(re.compile(r"/admin/messagerie\?etat=tous"))
    expect(agent.get_by_role("link", name=re.compile("Sortie annulée"))).to_have_count(2)
    agent.goto(base + "/admin/journal")
    expect(agent.get_by_text("Message à toutes les familles d'une activité")).to_be_visible()
    expect(agent.get_by_text("objet : Sortie annulée · familles : 2", exact=False)).to_be_visible()
    desk.close()
