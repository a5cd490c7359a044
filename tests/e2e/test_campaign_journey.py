"""« Campagne d'inscription » at phone size: the Démostars agent opens 2027-2028; Audrey NOIRET
re-enrols her family — corrects her phone, gives Léa the « droit à l'image », sends the
insurance certificate again (valid for one school year) — and sends the dossier; the agent sees
the change « avant / après » and validates. Server clock: Monday 05/10/2026, 10:00."""

import re
import secrets
from datetime import date

from playwright.sync_api import Page, expect
from sqlalchemy import update
from sqlmodel import Session, select

from cityviz import clock
from cityviz.models import CampaignDossier, ChildAuthorization, Document, DocumentRequirement, Organization, Person
from tests import factories
from tests.e2e.conftest import PHONE
from tests.e2e.test_accessibility import AXE, _violations
from tests.e2e.test_accounts_journey import login
from tests.e2e.test_school_year_journey import PASSWORD, _agent

INSURANCE = "Attestation d'assurance responsabilité civile"


def _documents_on_file(server) -> None:
    """Every document of the NOIRET dossiers accepted: without limit, but the insurance (one school year)."""
    engine = server.engine()
    with Session(engine) as s:
        org_id = s.exec(select(Organization.id).where(Organization.name == "Démostars-sur-Mer")).one()
        children = s.exec(select(Person).where(Person.last_name == "NOIRET", Person.role == "child")).all()
        household_id = children[0].household_id
        s.execute(update(Document).where(Document.household_id == household_id).values(superseded_at=clock.now()))
        for requirement in s.exec(select(DocumentRequirement).where(DocumentRequirement.organization_id == org_id)):
            for person_id in ([c.id for c in children] if requirement.scope == "child" else [None]):
                s.add(Document(requirement_id=requirement.id, household_id=household_id, person_id=person_id,
                               storage_key=secrets.token_hex(16), original_name="piece.pdf",
                               content_type="application/pdf", size_bytes=100, status="accepted",
                               uploaded_at=clock.now(), decided_at=clock.now(),
                               valid_until=date(2027, 8, 31) if requirement.name == INSURANCE else None))
        s.commit()
    engine.dispose()


def _axe(page: Page) -> None:
    """axe-core finds nothing critical or serious, once the toasts (fading in and out) are gone."""
    expect(page.locator("[data-sonner-toast]")).to_have_count(0, timeout=20_000)
    problems = _violations(page, AXE)
    for css in sorted({c for p in problems for c in re.findall(r"\.css-[a-z0-9]+", p)}):  # which element
        problems.append(page.evaluate("s => document.querySelector(s)?.outerHTML.slice(0, 300)", css))
    assert not problems, "\n".join(map(str, problems))


def _desktop(page: Page, shoot, step: str) -> None:
    """The same page on a desktop screen (1280×800), then back to the phone."""
    page.set_viewport_size({"width": 1280, "height": 800})
    shoot(page, step)
    page.set_viewport_size(PHONE)


def _confirm(page: Page, part: str) -> None:
    page.get_by_role("button", name="Confirmer cette étape").click()
    expect(page.get_by_text(f"« {part} » confirmé.")).to_be_visible()


def test_agent_opens_the_campaign_a_family_re_enrols_and_the_agent_validates(server, page: Page, browser, shoot,
                                                                             browser_context_args):
    _documents_on_file(server)
    agent_context, agent = _agent(server, browser, browser_context_args)
    agent.get_by_role("button", name="Menu", exact=True).click()
    agent.get_by_role("menuitem", name="Campagne d'inscription").click()
    expect(agent.get_by_role("heading", name="Ouvrir la campagne 2027-2028")).to_be_visible()
    _axe(agent)
    agent.get_by_label("Date d'ouverture").fill("2026-10-05")
    agent.get_by_label("Date de clôture").fill("2027-06-30")
    agent.get_by_role("button", name="Ouvrir la campagne").click()
    expect(agent.get_by_text("Campagne 2027-2028 du 05/10/2026 au 30/06/2027", exact=False)).to_be_visible()
    row = agent.get_by_role("row", name="Audrey NOIRET et Philippe NOIRET")
    expect(row).to_contain_text("Pas commencé")
    shoot(agent, "01-campagne-ouverte")
    _axe(agent)

    login(page, server.base_url, "audrey.noiret@example.org", PASSWORD)
    expect(page.get_by_text("Réinscription pour l'année 2027-2028")).to_be_visible()
    shoot(page, "02-carte-reinscription")
    _desktop(page, shoot, "02b-carte-reinscription-bureau")
    page.get_by_role("link", name="Réinscrire ma famille").click()
    expect(page.get_by_role("heading", name="Réinscription pour l'année 2027-2028")).to_be_visible()
    page.get_by_label("Audrey NOIRET — Téléphone portable").fill("+33611112222")
    shoot(page, "03-etape-responsables")
    _axe(page)
    _confirm(page, "Responsables et adresse")
    expect(page.get_by_text("Tom NOIRET : CP → CE1")).to_be_visible()
    expect(page.get_by_text("Léa NOIRET : CM1 → CM2")).to_be_visible()
    expect(page.get_by_label("Léa — Classe à la rentrée")).to_have_value("CM2")
    _confirm(page, "Enfants et classes")
    expect(page.get_by_label("Léa — Allergies")).to_have_value("Arachides")
    _confirm(page, "Santé et régime")
    page.get_by_label("Léa — Droit à l'image").check()
    _confirm(page, "Autorisations")
    expect(page.get_by_text(f"{INSURANCE} (Foyer)", exact=True)).to_be_visible()
    expect(page.get_by_text("Valable une année scolaire : à renouveler")).to_be_visible()
    page.locator("#campagne input[type=file]").set_input_files(
        {"name": "assurance-2027-2028.pdf", "mimeType": "application/pdf", "buffer": factories.pdf_bytes("RC")})
    expect(page.get_by_text(f"« {INSURANCE} » envoyé.")).to_be_visible()
    expect(page.get_by_text("Envoyé : assurance-2027-2028.pdf")).to_be_visible()
    shoot(page, "04-etape-pieces")
    _axe(page)
    _desktop(page, shoot, "04b-etape-pieces-bureau")
    page.get_by_role("button", name="Confirmer les pièces").click()
    page.get_by_role("button", name="Envoyer mon dossier de réinscription").click()
    expect(page.get_by_role("heading", name="Fil d'actualités")).to_be_visible()
    expect(page.get_by_text("Réinscription pour l'année 2027-2028")).to_have_count(0)

    agent.reload()
    agent.get_by_role("button", name="Envoyé (1)").click()
    agent.get_by_role("link", name="Audrey NOIRET et Philippe NOIRET").click()
    change = agent.get_by_role("group", name="Audrey NOIRET — Téléphone portable")
    expect(change).to_contain_text("Avant : +33612345678")
    expect(change).to_contain_text("Après : +33611112222")
    expect(agent.get_by_role("group", name="Léa — Droit à l'image")).to_contain_text("Avant : Non")
    expect(agent.get_by_text("assurance-2027-2028.pdf")).to_be_visible()
    shoot(agent, "05-reinscription-a-valider")
    _axe(agent)
    agent.get_by_role("button", name="Valider la réinscription").click()
    expect(agent.get_by_text("Réinscription validée : la famille en est informée.")).to_be_visible()
    expect(agent.get_by_text("Validé", exact=True)).to_be_visible()
    shoot(agent, "06-reinscription-validee")
    _desktop(agent, shoot, "06b-reinscription-validee-bureau")
    agent.get_by_role("link", name="← Campagne d'inscription").click()
    expect(agent.get_by_role("button", name="Validé (1)")).to_be_visible()
    _desktop(agent, shoot, "07-campagne-bureau")
    agent_context.close()

    engine = server.engine()
    with Session(engine) as s:
        assert s.exec(select(CampaignDossier.status).where(CampaignDossier.family == "Audrey NOIRET et "
                                                                                       "Philippe NOIRET")).one() \
            == "validated"
        signed = s.exec(select(ChildAuthorization).join(Person, Person.id == ChildAuthorization.child_id)
                        .where(Person.first_name == "Léa", ChildAuthorization.school_year == 2027)).one()
        assert (signed.image, signed.signed_by_name) == (True, "Audrey NOIRET")
    engine.dispose()
