"""Running the service: a parent asks to delete the account, the agent confirms it;
the agent follows and retries a background job in « Tâches »; /_health, /ping and
/metrics answer on the server's machine, and the events just handled are counted."""

import json
import re
import urllib.request

from playwright.sync_api import Browser, Page, expect
from sqlmodel import select

from cityviz import clock, db
from cityviz.models import Job, Organization
from tests import factories
from tests.e2e.test_accounts_journey import login


def _get(url: str) -> tuple[int, dict, str]:
    with urllib.request.urlopen(url, timeout=10) as answer:
        return answer.status, dict(answer.headers), answer.read().decode()


def test_health_ping_and_metrics(server):
    status, headers, body = _get(f"{server.base_url}/_health")
    health = json.loads(body)
    assert status == 200 and health["db"] is True and health["queue"] is True and health["redis"] == "NA"
    assert health["queue_detail"]["backend"] == "thread" and health["queue_detail"]["runner"] is True
    assert len(headers["x-request-id"]) == 16
    assert _get(f"{server.base_url}/ping")[0] == 200
    status, _headers, metrics = _get(f"{server.base_url}/metrics")
    assert status == 200 and "cityviz_jobs_in_queue" in metrics and "cityviz_emails_pending" in metrics


def _family_and_failed_job(server) -> str:
    """A family of Démostars-sur-Mer with a known password, and a failed job of the town."""
    engine = server.engine()
    db.set_engine(engine)
    try:
        with db.transaction() as s:
            org = s.exec(select(Organization).where(Organization.name == "Démostars-sur-Mer")).one()
            factories.make_household(s, last_name="LAMBERT", email="famille.lambert@example.org", org=org)
            s.add(Job(name="mail.deliver", label="Envoi des e-mails", status="failed", organization_id=org.id,
                      attempts=5, last_error="DeliveryFailed: 1 message(s) non envoyé(s) : Connection refused",
                      run_after=clock.now(), created_at=clock.now()))
    finally:
        db.set_engine(None)
    return "famille.lambert@example.org"


def test_account_deletion_confirmed_by_the_agent_and_a_job_retried(server, page: Page, browser: Browser, shoot,
                                                                   browser_context_args):
    email = _family_and_failed_job(server)
    login(page, server.base_url, email, factories.PASSWORD)
    expect(page.get_by_role("heading", name="Fil d'actualités")).to_be_visible()
    page.goto(f"{server.base_url}/profil")
    section = page.get_by_role("heading", name="Supprimer mon compte")
    expect(section).to_be_visible()
    page.get_by_role("button", name="Supprimer mon compte").click()
    dialog = page.get_by_role("alertdialog")
    expect(dialog.get_by_text("Les factures déjà émises sont conservées dix ans")).to_be_visible()
    shoot(page, "01-confirmer-la-demande")
    dialog.get_by_role("button", name="Oui, demander la suppression").click()
    expect(page.get_by_text(re.compile("Demande envoyée le .* elle attend la confirmation"))).to_be_visible()
    shoot(page, "02-demande-envoyee")

    desk = {**browser_context_args, "viewport": {"width": 1280, "height": 900}}
    agent_context = browser.new_context(**desk)
    agent = agent_context.new_page()
    login(agent, server.base_url, "agent.demostars@example.org", "demo-cityviz-2026")
    expect(agent.get_by_role("heading", name="Tableau de bord")).to_be_visible()
    agent.get_by_role("link", name="Suppressions de compte").click()
    request = agent.get_by_text("Camille LAMBERT")
    expect(request).to_be_visible()
    shoot(agent, "03-demandes")
    agent.get_by_role("button", name="Confirmer la suppression").click()
    agent.get_by_role("alertdialog").get_by_role("button", name="Supprimer").click()
    expect(agent.get_by_text("Compte supprimé : les données personnelles de la famille sont effacées.")).to_be_visible()
    expect(agent.get_by_text("Aucune demande en attente")).to_be_visible()

    agent.get_by_role("link", name="Tâches").click()
    expect(agent.get_by_role("heading", name="Tâches")).to_be_visible()
    card = agent.locator(".rt-Card", has_text="Envoi des e-mails").first
    expect(card.get_by_text("Connection refused")).to_be_visible()
    shoot(agent, "04-taches-echec")
    card.get_by_role("button", name="Relancer").click()
    expect(agent.get_by_text("Tâche relancée.")).to_be_visible()
    expect(agent.get_by_text("0 e-mail(s) envoyé(s).").first).to_be_visible(timeout=20_000)
    shoot(agent, "05-taches-relancee")
    agent_context.close()

    page.reload()  # the family's account is gone, and its session with it
    expect(page).to_have_url(re.compile(r"/connexion"))
    _status, _headers, metrics = _get(f"{server.base_url}/metrics")
    assert re.search(r'cityviz_events_total\{handler="AccountDeletionState.ask",outcome="ok"\} [1-9]', metrics)
    assert re.search(r'cityviz_events_total\{handler="DeletionRequestsState.confirm",outcome="ok"\} [1-9]', metrics)
