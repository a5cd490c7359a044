"""Across two workers sharing one port, PostgreSQL, the Redis state manager and a
procrastinate worker: the agent issues September's invoices (a job run by the jobs worker),
Audrey NOIRET books and cancels a date on her phone, reloads the page (her tab's state comes
back from Redis, whichever worker answers), then pays her invoice online. The server's log
shows both workers handled events. Server clock: Monday 05/10/2026 (CITYVIZ_FAKE_NOW)."""

from __future__ import annotations

import json
import os
import re
import urllib.request
from pathlib import Path

from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import hydrated
from tests.e2e.test_accounts_journey import login

URL = os.environ.get("CITYVIZ_PROD_URL", "")
PASSWORD = "demo-cityviz-2026"


def _pids_that_handled_events() -> set[int]:
    pids = set()
    for line in Path(os.environ["CITYVIZ_PROD_LOG"]).read_text(errors="replace").splitlines():
        if line.startswith("{"):
            entry = json.loads(line)
            if entry.get("logger") == "cityviz.events" and "pid" in entry:
                pids.add(entry["pid"])
    return pids


def test_health_sees_database_redis_and_a_live_jobs_worker():
    with urllib.request.urlopen(f"{URL}/_health", timeout=10) as answer:
        assert answer.status == 200
        body = json.loads(answer.read())
    assert body["status"] is True and body["db"] is True and body["redis"] is True, body
    assert body["queue"] is True and body["queue_detail"]["workers"] >= 1, body


def test_issue_book_reload_and_pay_across_workers(page: Page, browser: Browser, shoot, browser_context_args):
    desk = browser.new_context(**{**browser_context_args, "viewport": {"width": 1280, "height": 900}})
    agent = desk.new_page()
    login(agent, URL, "agent.demostars@example.org", PASSWORD)
    expect(agent.get_by_role("heading", name="Tableau de bord")).to_be_visible()
    agent.goto(f"{URL}/admin/facturation")
    expect(agent.get_by_role("heading", name="Aperçu des factures")).to_be_visible()
    agent.get_by_role("button", name="Émettre les factures").click()
    # Run by the procrastinate worker, not by the web workers.
    expect(agent.get_by_text(re.compile(r"Période facturée : \d+ facture\(s\) émise\(s\)"))).to_be_visible(
        timeout=120_000)
    shoot(agent, "01-factures-emises")
    desk.close()

    login(page, URL, "audrey.noiret@example.org", PASSWORD)
    expect(page.get_by_role("heading", name="Fil d'actualités")).to_be_visible()
    hydrated(page)  # painted before React takes over: a click in that instant would be a plain link
    page.get_by_role("navigation", name="Navigation principale").get_by_role("link", name="Réservations").click()
    expect(page.get_by_role("heading", name="Réservations")).to_be_visible()
    hydrated(page)
    page.get_by_role("button", name="Mois suivant").click()
    expect(page.get_by_role("heading", name="Novembre 2026")).to_be_visible()
    book = page.get_by_role("button", name=re.compile(r"^Réserver : ")).first
    expect(book).to_be_visible()
    cell = book.get_attribute("aria-label").removeprefix("Réserver : ")
    book.click()
    expect(page.get_by_text("Réservation confirmée.")).to_be_visible()
    cancel = page.get_by_role("button", name=f"Annuler : {cell}")
    expect(cancel).to_be_visible()
    shoot(page, "02-reserve")

    # Each reload opens a new websocket, answered by either worker: the tab's month comes back
    # from Redis, the booking from PostgreSQL.
    for _ in range(4):
        page.reload()
        expect(page.get_by_role("heading", name="Novembre 2026")).to_be_visible()
        expect(page.get_by_role("button", name=f"Annuler : {cell}")).to_be_visible()
    page.get_by_role("button", name=f"Annuler : {cell}").click()
    expect(page.get_by_text("Réservation annulée.")).to_be_visible()
    expect(page.get_by_role("button", name=f"Réserver : {cell}")).to_be_visible()

    page.goto(f"{URL}/factures")
    invoice = page.get_by_role("link", name=re.compile(r"^Facture n°")).first
    expect(invoice).to_contain_text("À payer")
    invoice.click()
    expect(page.get_by_role("heading", name=re.compile(r"^Facture n°"))).to_be_visible()
    page.get_by_role("button", name=re.compile(r"^Payer ")).click()
    # The demo towns pay through the bank simulator (switched on by scripts/test-prod).
    expect(page.get_by_text("Banque simulée — aucun paiement réel")).to_be_visible()
    page.get_by_role("button", name="Accepter le paiement").click()
    expect(page.get_by_text("Paiement reçu, merci ! Votre facture est réglée.")).to_be_visible()
    expect(page.get_by_text("Payée", exact=True)).to_be_visible()
    shoot(page, "03-payee")

    pids = _pids_that_handled_events()
    assert len(pids) >= 2, f"events handled by one worker only: {pids}"
