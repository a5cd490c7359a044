"""Steps 2 and 3 on a phone: enrolment (automatic and with validation), booking
every Monday and Thursday of next month for both children, a date past its
deadline, a full date and its waiting list, a cancellation; the agent takes
attendance. The server's clock is Monday 05/10/2026 10:00."""

import re

from playwright.sync_api import Browser, Page, expect
from sqlalchemy import text

from tests.e2e.test_accounts_journey import login

FULL_DAY = "2026-11-12"  # a Thursday the town has no place left


def test_enrol_book_wait_cancel_and_attendance(server, page: Page, browser: Browser, shoot, browser_context_args):
    engine = server.engine()
    with engine.begin() as conn:  # arrangement: the canteen is full that Thursday
        conn.execute(text("UPDATE activity_session SET capacity = 0 WHERE date = :day AND activity_id IN "
                          "(SELECT a.id FROM activity a JOIN organization o ON o.id = a.organization_id "
                          "WHERE o.name = 'Démostars-sur-Mer' AND a.kind = 'canteen')"), {"day": FULL_DAY})
    engine.dispose()

    login(page, server.base_url, "audrey.noiret@example.org", "demo-cityviz-2026")
    expect(page.get_by_role("heading", name="Fil d'actualités")).to_be_visible()
    page.get_by_role("navigation", name="Navigation principale").get_by_role("link", name="Réservations").click()
    expect(page.get_by_role("heading", name="Réservations")).to_be_visible()
    shoot(page, "01-calendrier")

    # Tom: the canteen (automatic) and Wednesdays (with validation).
    page.get_by_role("button", name="Inscrire à une activité").click()
    page.get_by_role("button", name="Tom").click()
    page.get_by_role("button", name="S'inscrire à Restauration scolaire").click()
    expect(page.get_by_text("Inscription enregistrée : vous pouvez réserver des dates.")).to_be_visible()
    page.get_by_role("button", name="S'inscrire à Accueil de loisirs du mercredi").click()
    expect(page.get_by_text("En attente de validation").first).to_be_visible()
    shoot(page, "02-inscription")

    agent_context = browser.new_context(**browser_context_args)
    agent = agent_context.new_page()
    login(agent, server.base_url, "agent.demostars@example.org", "demo-cityviz-2026")
    expect(agent.get_by_role("heading", name="Tableau de bord")).to_be_visible()
    agent.goto(f"{server.base_url}/admin/inscriptions")
    agent.get_by_role("button", name="Accepter NOIRET Tom").click()
    expect(agent.get_by_text("Inscription validée ; la famille est prévenue.")).to_be_visible()

    # Every Monday and Thursday of November, both children, in one go.
    page.goto(f"{server.base_url}/reservations/plusieurs-dates")
    expect(page.get_by_label("Léa")).to_be_checked()
    expect(page.get_by_label("Tom")).to_be_checked()
    page.get_by_label("Activité").select_option(label="Restauration scolaire")
    expect(page.get_by_label("Du", exact=True)).to_have_value("2026-11-01")
    for day in ("mardi", "vendredi"):
        page.get_by_label(day, exact=True).uncheck()
    # The presets change the dates only: the activity and the days unticked stay as chosen.
    page.get_by_role("button", name="La semaine prochaine").click()
    expect(page.get_by_label("Du", exact=True)).not_to_have_value("2026-11-01")
    page.get_by_role("button", name="Le mois prochain").click()
    expect(page.get_by_label("Du", exact=True)).to_have_value("2026-11-01")
    expect(page.get_by_label("Activité").locator("option:checked")).to_have_text("Restauration scolaire")
    expect(page.get_by_label("mercredi", exact=True)).not_to_be_checked()
    for day in ("mardi", "vendredi"):
        expect(page.get_by_label(day, exact=True)).not_to_be_checked()
    expect(page.get_by_label("lundi", exact=True)).to_be_checked()
    page.get_by_role("button", name="Voir ce qui sera fait").click()
    expect(page.get_by_text("16 date(s) possible(s) sur 18.")).to_be_visible()
    expect(page.get_by_text(re.compile("Restauration scolaire — Complet")).first).to_be_visible()
    shoot(page, "03-apercu")
    page.get_by_role("button", name="Confirmer").click()
    expect(page.get_by_text("16 date(s) traitée(s) sur 18.")).to_be_visible()
    shoot(page, "04-resultat")

    # This week: Tuesday is past its deadline, with the reason.
    page.get_by_role("link", name="Voir le calendrier").click()
    tuesday = page.get_by_text("Délai dépassé : réservation possible jusqu'au vendredi 02/10/2026 à 12h00")
    expect(tuesday.first).to_be_visible()
    shoot(page, "05-delai-depasse")

    # November: the full Thursday offers the waiting list; one Monday is cancelled.
    page.get_by_role("button", name="Mois suivant").click()
    expect(page.get_by_role("heading", name="Novembre 2026")).to_be_visible()
    page.get_by_role("button", name="Liste d'attente : Restauration scolaire, Tom, Jeudi 12/11").click()
    expect(page.get_by_text("Liste d'attente : n° 1").first).to_be_visible()
    page.get_by_role("button", name="Annuler : Restauration scolaire, Tom, Lundi 16/11").click()
    expect(page.get_by_text("Réservation annulée.")).to_be_visible()
    expect(page.get_by_role("button", name="Réserver : Restauration scolaire, Tom, Lundi 16/11")).to_be_visible()
    shoot(page, "06-novembre")

    # The agent takes today's attendance at the canteen.
    agent.goto(f"{server.base_url}/admin/pointage")
    agent.get_by_role("button", name=re.compile("Restauration scolaire")).click()
    agent.get_by_role("button", name="Présent : NOIRET Léa").click()
    expect(agent.get_by_role("button", name="Présent : NOIRET Léa")).to_have_attribute("aria-pressed", "true")
    shoot(agent, "07-pointage")
    agent_context.close()
