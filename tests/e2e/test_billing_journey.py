"""Step 4: the agent closes September (preview, issue, progress bar); Audrey
NOIRET finds the invoice, downloads the PDF, pays it through the bank
simulator and sees "Payée"; the agent issues a credit note on the MARTIN
invoice and Julie MARTIN sees "Reste : -". Server clock: Monday 05/10/2026."""

import re

from playwright.sync_api import Browser, Page, expect
from sqlalchemy import text

from cityviz.services.formatting import format_money
from tests.e2e.conftest import quick_menu
from tests.e2e.test_accounts_journey import login


def test_close_month_pay_online_and_credit_note(server, page: Page, browser: Browser, shoot, browser_context_args):
    desk = {**browser_context_args, "viewport": {"width": 1280, "height": 900}}
    agent_context = browser.new_context(**desk)
    agent = agent_context.new_page()
    login(agent, server.base_url, "agent.demostars@example.org", "demo-cityviz-2026")
    expect(agent.get_by_role("heading", name="Tableau de bord")).to_be_visible()
    agent.goto(f"{server.base_url}/admin/facturation")
    expect(agent.get_by_role("heading", name="Aperçu des factures")).to_be_visible()
    expect(agent.get_by_text("facture(s) pour sept. 2026")).to_be_visible()
    shoot(agent, "01-apercu")
    agent.get_by_role("button", name="Émettre les factures").click()
    expect(agent.get_by_text(re.compile(r"Période facturée : \d+ facture\(s\) émise\(s\)"))).to_be_visible(
        timeout=60_000)
    shoot(agent, "02-emise")

    engine = server.engine()
    with engine.connect() as conn:
        number, total = conn.execute(text(
            "SELECT i.number, i.total_cents FROM invoice i JOIN person p ON p.household_id = i.household_id "
            "WHERE p.first_name = 'Audrey' AND p.last_name = 'NOIRET'")).one()
    engine.dispose()
    amount = format_money(total)

    login(page, server.base_url, "audrey.noiret@example.org", "demo-cityviz-2026")
    expect(page.get_by_role("heading", name="Fil d'actualités")).to_be_visible()
    quick_menu(page, "Mes factures")
    entry = page.get_by_role("link", name=f"Facture n°{number} émise le 05/10/2026")
    expect(entry).to_contain_text(f"Montant : {amount} / À payer : {amount}")
    expect(entry).to_contain_text("Facture post-paiement pour sept. 2026")
    shoot(page, "03-mes-factures")
    entry.click()
    expect(page.get_by_role("heading", name=f"Facture n°{number}")).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("link", name="Télécharger le PDF").click()
    assert download.value.suggested_filename == f"facture-{number}.pdf"
    assert open(download.value.path(), "rb").read(4) == b"%PDF"
    shoot(page, "04-facture")

    page.get_by_role("button", name=f"Payer {amount}").click()
    expect(page.get_by_text("Banque simulée — aucun paiement réel")).to_be_visible()
    shoot(page, "05-banque")
    page.get_by_role("button", name="Accepter le paiement").click()
    expect(page.get_by_text("Paiement reçu, merci ! Votre facture est réglée.")).to_be_visible()
    expect(page.get_by_text("Payée", exact=True)).to_be_visible()
    shoot(page, "06-payee")

    # The agent cancels the MARTIN invoice with a credit note.
    agent.goto(f"{server.base_url}/admin/factures")
    agent.get_by_role("row", name=re.compile("Julie MARTIN")).get_by_role("link").click()
    agent.get_by_label("Motif (figure sur l'avoir)").fill("Sortie scolaire : repas non servis")
    agent.get_by_role("button", name="Émettre l'avoir").click()
    expect(agent.get_by_text("Avoir émis et imputé.")).to_be_visible()
    shoot(agent, "07-avoir")

    # The demo town pays through the simulator: its régie page says so, in red.
    agent.set_viewport_size({"width": 390, "height": 844})
    agent.goto(f"{server.base_url}/admin/regie")
    expect(agent.get_by_role("alert").filter(has_text="utilise le simulateur de banque")).to_be_visible()
    shoot(agent, "08-regie-simulateur")
    agent_context.close()

    julie_context = browser.new_context(**browser_context_args)
    julie = julie_context.new_page()
    login(julie, server.base_url, "julie.martin@example.org", "demo-cityviz-2026")
    expect(julie.get_by_role("heading", name="Fil d'actualités")).to_be_visible()
    julie.goto(f"{server.base_url}/factures")
    credit = julie.get_by_role("link", name="Avoir n°A20261000001 émis le 05/10/2026")
    expect(credit).to_contain_text("Reste : -")
    shoot(julie, "08-avoir-parent")
    julie_context.close()
