"""A school year, at phone size: Audrey NOIRET reports Léa ill on Tuesday 06/10 with a medical
certificate and absent on Thursday 08/10 for another reason; the agent accepts both; the
calendar shows « Absence justifiée » and « Absence facturée », and October's invoice bills
only the second. Server clock: Monday 05/10/2026, 10:00."""

import secrets
from datetime import date

from playwright.sync_api import Browser, Page, expect
from pypdf import PdfReader
from sqlmodel import Session, func, select

from cityviz import clock
from cityviz.models import Activity, Document, DocumentRequirement, Invoice, InvoiceLine, Organization, Person, User
from cityviz.services.accounts import auth
from cityviz.services.billing import ledger, payments, period_lines
from cityviz.services.formatting import format_money
from tests import factories
from tests.e2e.conftest import quick_menu
from tests.e2e.test_accounts_journey import login

PASSWORD = "demo-cityviz-2026"


def _agent(server, browser: Browser, context_args):
    """The Démostars agent, logged in, at phone size: (context, page)."""
    context = browser.new_context(**context_args)
    agent = context.new_page()
    login(agent, server.base_url, "agent.demostars@example.org", PASSWORD)
    expect(agent.get_by_role("heading", name="Tableau de bord")).to_be_visible()
    return context, agent


def _canteen_occupancy(server, agent: Page) -> None:
    agent.goto(f"{server.base_url}/admin/frequentation")
    agent.get_by_label("Activité").select_option(label="Restauration scolaire")
    agent.get_by_role("button", name="Afficher").click()


def _report(page: Page, day: str, reason: str) -> None:
    page.get_by_label("Enfant").select_option(label="Léa")
    page.get_by_label("Du", exact=True).fill(day)
    page.get_by_label(reason, exact=True).check()
    page.get_by_role("button", name="Signaler l'absence").click()
    expect(page.get_by_text("Absence signalée : votre mairie va la traiter.").last).to_be_visible()


def test_parent_reports_absences_and_the_invoice_follows(server, page: Page, browser: Browser, shoot,
                                                        browser_context_args, tmp_path):
    login(page, server.base_url, "audrey.noiret@example.org", PASSWORD)
    expect(page.get_by_role("heading", name="Fil d'actualités")).to_be_visible()
    quick_menu(page, "Signaler une absence")
    expect(page.get_by_role("heading", name="Signaler une absence")).to_be_visible()

    _report(page, "2026-10-06", "Maladie")
    certificate = tmp_path / "certificat.pdf"
    certificate.write_bytes(factories.pdf_bytes("Certificat médical"))
    page.locator("#certificat input[type=file]").set_input_files(str(certificate))
    expect(page.get_by_text("Certificat médical joint", exact=True)).to_be_visible()
    _report(page, "2026-10-08", "Autre")
    expect(page.get_by_text("Autre motif · le 08/10/2026")).to_be_visible()
    shoot(page, "01-absences-signalees")

    page.get_by_role("link", name="← Retour au calendrier").click()
    tuesday = page.locator(".rt-Card", has_text="Mardi 06/10")
    expect(tuesday).to_contain_text("Absence signalée")
    shoot(page, "02-calendrier-signalee")

    agent_context, agent = _agent(server, browser, browser_context_args)
    agent.get_by_role("button", name="Menu", exact=True).click()
    agent.get_by_role("menuitem", name="Absences").click()
    expect(agent.get_by_role("heading", name="Absences signalées")).to_be_visible()
    expect(agent.get_by_text("Certificat médical : certificat.pdf")).to_be_visible()
    shoot(agent, "03-agent-absences")
    agent.get_by_role("button", name="Accepter l'absence de NOIRET Léa le 06/10/2026").click()
    expect(agent.get_by_text("Absence acceptée : 2 séance(s) non facturée(s), 0 facturée(s).")).to_be_visible()
    agent.get_by_role("button", name="Accepter l'absence de NOIRET Léa le 08/10/2026").click()
    expect(agent.get_by_text("Absence acceptée : 0 séance(s) non facturée(s), 2 facturée(s).")).to_be_visible()
    expect(agent.get_by_text("Rien à traiter")).to_be_visible()
    agent_context.close()

    page.reload()
    expect(tuesday).to_contain_text("Absence justifiée")
    expect(page.locator(".rt-Card", has_text="Jeudi 08/10")).to_contain_text("Absence facturée")
    shoot(page, "04-calendrier-justifiee")

    # October's invoice, computed as the month's closing will: Tuesday not billed, Thursday billed.
    engine = server.engine()
    with Session(engine) as s:
        org_id = s.exec(select(Organization.id).where(Organization.name == "Démostars-sur-Mer")).one()
        lea_id = s.exec(select(Person.id).where(Person.first_name == "Léa", Person.last_name == "NOIRET")).one()
        facts = period_lines.load_facts(s, org_id, date(2026, 10, 1), date(2026, 10, 31))
    engine.dispose()
    lea = [f for f in facts if f.child_id == lea_id and f.day in (date(2026, 10, 6), date(2026, 10, 8))]
    assert {(f.day, period_lines.is_billed(f)) for f in lea} == {(date(2026, 10, 6), False),
                                                                 (date(2026, 10, 8), True)}
    assert len(lea) == 4  # the canteen and the evening care, both days



def test_a_document_about_to_expire_is_renewed(server, page: Page, browser: Browser, shoot, browser_context_args):
    """The NOIRET dossier is complete; its insurance certificate ends on 20/10/2026: the agent sees it
    in « Pièces à renouveler », Audrey gets the card on her home page and sends the new one."""
    engine = server.engine()
    with Session(engine) as s:
        household_id, lea_id = s.exec(select(Person.household_id, Person.id).where(
            Person.first_name == "Léa", Person.last_name == "NOIRET")).one()
        org_id = s.exec(select(Organization.id).where(Organization.name == "Démostars-sur-Mer")).one()
        for requirement in s.exec(select(DocumentRequirement).where(DocumentRequirement.organization_id == org_id)):
            insurance = requirement.name == "Attestation d'assurance responsabilité civile"
            s.add(Document(requirement_id=requirement.id, household_id=household_id,
                           person_id=lea_id if requirement.scope == "child" else None,
                           storage_key=secrets.token_hex(16), original_name=f"{requirement.id}.pdf",
                           content_type="application/pdf", size_bytes=100, status="accepted",
                           uploaded_at=clock.now(), decided_at=clock.now(),
                           valid_until=date(2026, 10, 20) if insurance else None))
        s.commit()
    engine.dispose()

    agent_context, agent = _agent(server, browser, browser_context_args)
    agent.goto(f"{server.base_url}/admin/pieces")
    agent.get_by_role("link", name="Pièces à renouveler").click()
    row = agent.get_by_role("row", name="Attestation d'assurance responsabilité civile")
    expect(row).to_contain_text("Audrey NOIRET et Philippe NOIRET")
    expect(row).to_contain_text("Expire le 20/10/2026")
    shoot(agent, "05-pieces-a-renouveler")
    agent_context.close()

    login(page, server.base_url, "audrey.noiret@example.org", PASSWORD)
    expect(page.get_by_text("Pièce à renouveler : Attestation d'assurance responsabilité civile")).to_be_visible()
    expect(page.get_by_text("Elle expire le 20/10/2026", exact=False)).to_be_visible()
    shoot(page, "06-carte-renouveler")
    page.get_by_role("link", name="Envoyer la nouvelle pièce").click()
    expect(page.get_by_role("heading", name="Attestation d'assurance responsabilité civile")).to_be_visible()
    expect(page.get_by_text("Acceptée, expire le 20/10/2026 : à renouveler")).to_be_visible()
    page.locator("#dossier input[type=file]").set_input_files(
        {"name": "assurance-2026-2027.pdf", "mimeType": "application/pdf", "buffer": factories.pdf_bytes("RC")})
    expect(page.get_by_text("« Attestation d'assurance responsabilité civile » envoyé.")).to_be_visible()
    shoot(page, "07-renouvelee")


def test_parent_downloads_a_tax_certificate_equal_to_the_care_paid(server, page: Page, shoot, tmp_path):
    """Léa (made 5 here) had evening care in September; the invoice is paid in 2026: her 2026 tax
    certificate is the care lines paid, meals (the canteen) left out."""
    engine = server.engine()
    with Session(engine) as s:
        lea = s.exec(select(Person).where(Person.first_name == "Léa", Person.last_name == "NOIRET")).one()
        lea.birth_date = date(2021, 3, 14)
        s.add(lea)
        s.commit()
        org_id = s.exec(select(Organization.id).where(Organization.name == "Démostars-sur-Mer")).one()
        issued = s.exec(select(Invoice.id).where(Invoice.household_id == lea.household_id)).first()
    if issued is None:  # alone, without the billing journey before it
        server.cli("issue-period", "Démostars-sur-Mer", "2026-09")
    with Session(engine) as s:
        invoice = s.exec(select(Invoice).where(Invoice.household_id == lea.household_id)).one()
        due = ledger.remaining_by_invoice(s, [invoice])[invoice.id]
        if due:  # the billing journey may have paid it online already
            agent = s.exec(select(User).where(User.email == "agent.demostars@example.org")).one()
            payments.record_payment(s, actor=auth.actor_for_user(s, user_id=agent.id), organization_id=org_id,
                                    household_id=lea.household_id, method="cash", amount=format_money(due)[:-2],
                                    received_on=date(2026, 10, 5))
            s.commit()
        care = s.exec(select(func.sum(InvoiceLine.total_cents)).join(Activity, Activity.id == InvoiceLine.activity_id)
                      .where(InvoiceLine.invoice_id == invoice.id, InvoiceLine.child_id == lea.id,
                             Activity.is_food == False)).one()  # noqa: E712
    engine.dispose()
    assert care > 0

    login(page, server.base_url, "audrey.noiret@example.org", PASSWORD)
    expect(page.get_by_role("heading", name="Fil d'actualités")).to_be_visible()
    quick_menu(page, "Attestations")
    expect(page.get_by_role("heading", name="Attestations", exact=True)).to_be_visible()
    page.get_by_label("Année").select_option("2026")
    expect(page.get_by_text(f"Frais de garde payés en 2026 : {format_money(care)}")).to_be_visible()
    shoot(page, "08-attestations")
    with page.expect_download() as download:
        page.get_by_role("link", name="Télécharger l'attestation fiscale de Léa").click()
    assert download.value.suggested_filename == "attestation-fiscale-2026-léa-noiret.pdf"
    text = " ".join(p.extract_text() for p in PdfReader(download.value.path()).pages)
    assert "Attestation fiscale 2026" in text and format_money(care).replace("\xa0", " ") in text.replace("\xa0", " ")


def test_diet_and_pai_reach_the_kitchen_counts(server, page: Page, browser: Browser, shoot, browser_context_args):
    """Audrey gives Léa a vegetarian diet and a PAI with its document; the agent's occupancy page
    counts them on each canteen day and the daily list shows them."""
    login(page, server.base_url, "audrey.noiret@example.org", PASSWORD)
    expect(page.get_by_role("heading", name="Fil d'actualités")).to_be_visible()
    page.goto(f"{server.base_url}/enfants")
    page.get_by_role("button", name="Modifier la fiche de Léa").click()
    page.get_by_label("Régime à la cantine").select_option(label="Végétarien")
    page.get_by_label("PAI (projet d'accueil individualisé)").check()
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_text("Fiche de Léa enregistrée.")).to_be_visible()
    expect(page.get_by_text("Cantine : Végétarien")).to_be_visible()
    page.get_by_role("button", name="Joindre le PAI de Léa").click()
    page.locator("#pai input[type=file]").set_input_files(
        {"name": "pai-lea.pdf", "mimeType": "application/pdf", "buffer": factories.pdf_bytes("PAI")})
    expect(page.get_by_text("PAI : pai-lea.pdf")).to_be_visible()
    shoot(page, "09-fiche-enfant")

    agent_context, agent = _agent(server, browser, browser_context_args)
    _canteen_occupancy(server, agent)
    monday = agent.get_by_role("row", name="lun. 12/10/2026")
    expect(monday).to_contain_text("Végétarien : 1 · PAI : 1")
    shoot(agent, "10-frequentation-regimes")
    monday.get_by_role("button", name="lun. 12/10/2026").click()
    expect(agent.get_by_role("row", name="NOIRET Léa")).to_contain_text("Végétarien")
    expect(agent.get_by_role("row", name="NOIRET Léa")).to_contain_text("PAI")
    agent_context.close()


def test_the_agent_publishes_the_menu_and_families_read_it(server, page: Page, browser: Browser, shoot,
                                                           browser_context_args):
    agent_context, agent = _agent(server, browser, browser_context_args)
    agent.get_by_role("button", name="Menu", exact=True).click()
    agent.get_by_role("menuitem", name="Menus").click()
    expect(agent.get_by_role("heading", name="Menus")).to_be_visible()
    agent.get_by_role("button", name="Modifier le menu du lun. 05/10/2026").click()
    agent.get_by_label("Plat", exact=True).fill("Lasagnes")
    agent.get_by_label("Entrée", exact=True).fill("Carottes râpées")
    agent.locator("#f-main_gluten").check()
    agent.locator("#f-main_milk").check()
    agent.locator("#f-main_homemade").check()
    agent.locator("#f-starter_organic").check()
    agent.get_by_role("button", name="Publier le menu").click()
    expect(agent.get_by_text("Menu publié (2 plat(s)).")).to_be_visible()
    expect(agent.get_by_text("Allergènes : Gluten, Lait")).to_be_visible()
    shoot(agent, "11-menus-agent")
    with agent.expect_download() as download:
        agent.get_by_role("link", name="PDF de la semaine").click()
    assert download.value.suggested_filename == "menus-2026-10-05.pdf"
    agent_context.close()

    login(page, server.base_url, "julie.martin@example.org", PASSWORD)
    expect(page.get_by_role("heading", name="Menu du jour")).to_be_visible()
    expect(page.get_by_text("Plat : Lasagnes (fait maison ; allergènes : gluten, lait)", exact=False)).to_be_visible()
    shoot(page, "12-menu-accueil")


def test_a_guardian_signs_the_authorizations_and_the_daily_list_shows_them(server, page: Page, browser: Browser,
                                                                           shoot, browser_context_args):
    login(page, server.base_url, "audrey.noiret@example.org", PASSWORD)
    expect(page.get_by_role("heading", name="Fil d'actualités")).to_be_visible()
    quick_menu(page, "Autorisations")
    page.get_by_role("button", name="Autorisations de Léa").click()
    page.get_by_label("Droit à l'image", exact=False).check()
    page.get_by_label("Sortie seul(e) autorisée").check()
    page.get_by_label("À partir de").fill("17:15")
    page.get_by_label("Nom", exact=True).fill("Jeanne NOIRET")
    page.get_by_label("Téléphone").first.fill("06 11 22 33 44")
    page.get_by_label("Lien avec l'enfant").first.fill("Grand-mère")
    page.get_by_role("button", name="Signer les autorisations").click()
    expect(page.get_by_text("Autorisations de Léa signées.")).to_be_visible()
    expect(page.get_by_text("Signé par Audrey NOIRET le 05/10/2026")).to_be_visible()
    shoot(page, "13-autorisations")

    agent_context, agent = _agent(server, browser, browser_context_args)
    _canteen_occupancy(server, agent)
    agent.get_by_role("row", name="lun. 12/10/2026").get_by_role("button", name="lun. 12/10/2026").click()
    expect(agent.get_by_role("row", name="NOIRET Léa")).to_contain_text(
        "Sortie seul(e) dès 17h15 · Autorisés : Jeanne NOIRET")
    shoot(agent, "14-liste-du-jour")
    agent_context.close()
