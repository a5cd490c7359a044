"""The preview's anomaly notes and the period lookups of periods.py, exactly (French sentences)."""

from __future__ import annotations

from datetime import date, datetime
from types import SimpleNamespace

import pytest
from sqlmodel import select

from cityviz import clock, db
from cityviz.models import (
    AbsenceReport,
    Activity,
    DirectDebit,
    Household,
    Invoice,
    InvoiceLine,
    Organization,
    Person,
    SepaMandate,
)
from cityviz.services.billing import ledger, periods
from cityviz.services.errors import AccessDenied, NotFound
from tests import factories
from tests.services.billing.test_period_lines_rules import _fact, _person, town  # noqa: F401  (the fixture)

pytestmark = pytest.mark.usefixtures("database")


def _report(s, org_id, household, date_from, date_to, status="reported"):
    s.add(AbsenceReport(organization_id=org_id, household_id=household.id, child_id=household.child.id,
                        date_from=date_from, date_to=date_to, reason="illness", status=status,
                        decision_reason="Non" if status == "refused" else "", created_at=clock.now()))


def test_preview_notes_unmarked_bookings_pending_absences_and_missing_quotients(town, frozen):  # noqa: F811
    with db.transaction() as s:
        canteen, care = s.get(Activity, town.canteen), s.get(Activity, town.care)
        durand = town.durand
        _fact(s, factories.session_on(s, canteen, date(2026, 8, 31)), durand.child)  # before the month
        _fact(s, factories.session_on(s, canteen, date(2026, 10, 1)), durand.child)  # after it
        _fact(s, factories.session_on(s, care, date(2026, 9, 29)), durand.child)  # closed day
        _fact(s, factories.session_on(s, care, date(2026, 9, 1)), durand.child, status="cancelled")
        _fact(s, factories.session_on(s, s.get(Activity, town.elsewhere), date(2026, 9, 21)), durand.child)
        _report(s, town.org, durand, date(2026, 9, 30), date(2026, 10, 2))  # overlaps the month's end
        _report(s, town.org, durand, date(2026, 8, 28), date(2026, 9, 1))  # and its start
        _report(s, town.org, durand, date(2026, 10, 1), date(2026, 10, 2))  # after
        _report(s, town.org, durand, date(2026, 8, 1), date(2026, 8, 31))  # before
        _report(s, town.org, durand, date(2026, 9, 7), date(2026, 9, 8), status="accepted")
        _report(s, town.other, durand, date(2026, 9, 7), date(2026, 9, 8))  # another town
    frozen.move_to(datetime(2026, 10, 5, 10, 0, tzinfo=clock.PARIS))
    with db.read() as s:
        preview = periods.preview_period(s, actor=town.staff, organization_id=town.org, month="2026-09")
    assert preview.anomalies == [
        "Pointage incomplet : 2 réservation(s) sans pointage (14/09, 18/09) — facturées comme réservées.",
        "2 absence(s) signalée(s) par les familles à traiter (Absences) : tant qu'elles ne sont pas acceptées, "
        "les séances sont facturées comme réservées.",
        "1 foyer(s) sans quotient familial (tarif le plus élevé) : Camille DURAND et Marc PETIT"]
    assert (preview.households, preview.lines, preview.total, preview.not_over) == (3, 12, "57,20\xa0€", "")


def test_unknown_period(town):  # noqa: F811
    with db.transaction() as s:
        with pytest.raises(NotFound, match=r"^Période introuvable\.$"):
            periods.progress(s, actor=town.staff, period_id=999_999)
        with pytest.raises(NotFound, match=r"^Période introuvable\.$"):
            periods.issue_chunk(s, actor=town.staff, period_id=999_999)


def test_unmarked_days_from_the_first_to_the_last_of_the_month_twelve_named_at_most(town, frozen):  # noqa: F811
    """The month's bounds count; twelve days are named, then « … »; a household without any
    address is named by its number (ROUX has no guardian, hence no payer name)."""
    frozen.move_to(datetime(2026, 10, 5, 10, 0, tzinfo=clock.PARIS))
    with db.transaction() as s:
        care = s.get(Activity, town.care)
        for day in (1, 2, 4, 7, 8, 9, 10, 11, 22, 30):  # with NOIRET's 14/09 and PETIT's 18/09: twelve days
            _fact(s, factories.session_on(s, care, date(2026, 9, day)), town.roux.child)

    def notes():
        with db.read() as s:
            return periods.preview_period(s, actor=town.staff, organization_id=town.org, month="2026-09").anomalies

    twelve = notes()
    assert twelve[0] == ("Pointage incomplet : 12 réservation(s) sans pointage (01/09, 02/09, 04/09, 07/09, 08/09, "
                         "09/09, 10/09, 11/09, 14/09, 18/09, 22/09, 30/09) — facturées comme réservées.")
    assert twelve[1:] == [f"1 foyer(s) sans adresse : foyer n° {town.roux.id}",
                          "1 foyer(s) sans quotient familial (tarif le plus élevé) : Camille DURAND et Marc PETIT"]
    with db.transaction() as s:
        _fact(s, factories.session_on(s, s.get(Activity, town.care), date(2026, 9, 23)), town.roux.child)
    assert notes()[0] == ("Pointage incomplet : 13 réservation(s) sans pointage (01/09, 02/09, 04/09, 07/09, "
                          "08/09, 09/09, 10/09, 11/09, 14/09, 18/09, 22/09, 23/09 …) — facturées comme réservées.")


def _add_family(town, n):  # noqa: F811  (no address, no quotient, one meal)
    with db.transaction() as s:
        home = Household(street="", postal_code="", city="", created_at=clock.now())
        s.add(home)
        s.flush()
        _person(s, home, "guardian", "Anne", f"NOM{n}")
        child = _person(s, home, "child", "Léo", f"NOM{n}")
        _fact(s, factories.session_on(s, s.get(Activity, town.canteen), date(2026, 9, 14)), child, mark="present")


def test_households_without_address_or_quotient_eight_named_at_most(town, frozen):  # noqa: F811
    frozen.move_to(datetime(2026, 10, 5, 10, 0, tzinfo=clock.PARIS))

    def add_family(n):
        _add_family(town, n)

    def notes():
        with db.read() as s:
            return periods.preview_period(s, actor=town.staff, organization_id=town.org, month="2026-09").anomalies

    for n in range(1, 8):
        add_family(n)
    names = [f"Anne NOM{n}" for n in range(1, 10)]
    assert notes()[1:] == [f"7 foyer(s) sans adresse : {', '.join(names[:7])}",
                           f"8 foyer(s) sans quotient familial (tarif le plus élevé) : Camille DURAND et Marc PETIT, "
                           f"{', '.join(names[:7])}"]
    add_family(8)
    assert notes()[1:] == [f"8 foyer(s) sans adresse : {', '.join(names[:8])}",
                           f"9 foyer(s) sans quotient familial (tarif le plus élevé) : Camille DURAND et Marc PETIT, "
                           f"{', '.join(names[:7])} …"]
    add_family(9)
    assert notes()[1:] == [f"9 foyer(s) sans adresse : {', '.join(names[:8])} …",
                           f"10 foyer(s) sans quotient familial (tarif le plus élevé) : Camille DURAND et Marc PETIT, "
                           f"{', '.join(names[:7])} …"]


def _preview(town, month="2026-09", page=None, org=None):  # noqa: F811
    with db.read() as s:
        extra = {} if page is None else {"page": page}
        return periods.preview_period(s, actor=town.staff, organization_id=org or town.org, month=month, **extra)


def test_the_preview_by_pages_of_twenty_then_what_issuing_left(town, frozen):  # noqa: F811
    frozen.move_to(datetime(2026, 10, 5, 10, 0, tzinfo=clock.PARIS))
    for n in range(1, 20):
        _add_family(town, n)  # with NOIRET, DURAND and PETIT: 22 households to bill
    first, second = _preview(town), _preview(town, page=1)
    assert (first.month, first.label, first.households, first.status, first.already_issued, first.not_over) == (
        "2026-09", "sept. 2026", 22, "open", 0, "")
    assert (len(first.invoices), len(second.invoices)) == (20, 2)
    assert len({i.household_id for i in first.invoices + second.invoices}) == 22
    with db.transaction() as s:
        neighbour = factories.actor(s, factories.make_staff(s, s.get(Organization, town.other), role="admin"))
    periods.issue_all(db.transaction, actor=neighbour, organization_id=town.other, month="2026-09")  # NOIRET's meal
    assert (_preview(town).status, _preview(town).already_issued) == ("open", 0)  # the neighbour's period only
    periods.issue_all(db.transaction, actor=town.staff, organization_id=town.org, month="2026-09")
    issued = _preview(town)
    assert (issued.status, issued.already_issued, issued.households) == ("issued", 22, 22)
    august = _preview(town, month="2026-08")
    assert (august.month, august.status, august.already_issued) == ("2026-08", "open", 0)
    assert _preview(town, month="2026-10").not_over == (
        "Une période se clôt une fois terminée : attendez le lendemain de sa dernière journée. "
        "Émission possible à partir du 01/11/2026.")


def test_a_month_can_be_issued_from_the_day_after_its_last_day(town, frozen):  # noqa: F811
    frozen.move_to(datetime(2026, 9, 30, 23, 59, tzinfo=clock.PARIS))  # its last evening
    assert _preview(town).not_over == ("Une période se clôt une fois terminée : attendez le lendemain de sa dernière "
                                       "journée. Émission possible à partir du 01/10/2026.")
    frozen.move_to(datetime(2026, 10, 1, 0, 1, tzinfo=clock.PARIS))
    assert _preview(town).not_over == ""


@pytest.mark.parametrize("debit_day, issued, expected", [
    (5, date(2026, 9, 27), date(2026, 10, 5)),  # a week later is the 4th: this month's 5th
    (5, date(2026, 9, 28), date(2026, 10, 5)),  # a week later is the 5th itself
    (5, date(2026, 9, 29), date(2026, 11, 5)),  # a week later is past the 5th: next month
    (5, date(2026, 12, 20), date(2027, 1, 5)),  # across the new year
    (31, date(2027, 2, 10), date(2027, 2, 28)),  # the 31st of a short month is its last day
    (31, date(2027, 1, 28), date(2027, 2, 28)),  # past the 31st of January: February's last day
])
def test_the_direct_debit_day_is_at_least_a_week_after_issue(debit_day, issued, expected):
    assert periods._debit_day(SimpleNamespace(direct_debit_day=debit_day), issued) == expected


def test_progress_counts_this_period_only_and_needs_the_billing_role(town, frozen):  # noqa: F811
    frozen.move_to(datetime(2026, 10, 5, 10, 0, tzinfo=clock.PARIS))
    with db.transaction() as s:
        neighbour = factories.actor(s, factories.make_staff(s, s.get(Organization, town.other), role="admin"))
        agent = factories.actor(s, factories.make_staff(s, s.get(Organization, town.org), role="agent",
                                                        email="agent@example.org"))
        ours = periods.start_issue(s, actor=town.staff, organization_id=town.org, month="2026-09")
        theirs = periods.start_issue(s, actor=neighbour, organization_id=town.other, month="2026-09")
    with db.transaction() as s:
        assert periods.issue_chunk(s, actor=neighbour, period_id=theirs) == periods.Progress(theirs, "issuing", 1, 1)
    with db.read() as s:
        assert periods.progress(s, actor=town.staff, period_id=ours) == periods.Progress(ours, "issuing", 0, 4)
        assert periods.progress(s, actor=neighbour, period_id=theirs).percent == 100
        for stranger in (neighbour, agent):
            with pytest.raises(AccessDenied):
                periods.progress(s, actor=stranger, period_id=ours)


def test_issue_all_goes_chunk_by_chunk_and_says_each_step(town, frozen):  # noqa: F811
    frozen.move_to(datetime(2026, 10, 5, 10, 0, tzinfo=clock.PARIS))
    seen = []
    done = periods.issue_all(db.transaction, actor=town.staff, organization_id=town.org, month="2026-09",
                             on_progress=seen.append, chunk=1)
    # Four households have something booked (ROUX only a justified absence: no invoice, but done).
    assert [(p.status, p.done, p.total) for p in seen] == [
        ("issuing", 1, 4), ("issuing", 2, 4), ("issuing", 3, 4), ("issuing", 4, 4), ("issued", 4, 4)]
    assert done == seen[-1] and done.percent == 100


def test_issued_rows_lines_and_debits_of_this_town_mandates_only(town, frozen):  # noqa: F811
    """Only this town's mandates in force debit its invoices; each line keeps its child, activity and
    place; the debit waits to be sent."""
    frozen.move_to(datetime(2026, 10, 5, 10, 0, tzinfo=clock.PARIS))
    with db.transaction() as s:
        for org, home, reference, revoked in ((town.other, town.noiret, "CVZ-OTHER", None),
                                              (town.org, town.petit, "CVZ-OURS", None),
                                              (town.org, town.durand, "CVZ-OLD", clock.now())):
            s.add(SepaMandate(organization_id=org, household_id=home.id, holder_name="X", bic="AGRIFRPP",
                              iban="FR7630006000011234567890189", reference=reference, signed_on=date(2026, 6, 1),
                              created_at=clock.now(), revoked_at=revoked))
    periods.issue_all(db.transaction, actor=town.staff, organization_id=town.org, month="2026-09")
    with db.read() as s:
        invoices = {i.household_id: i for i in s.exec(select(Invoice).where(Invoice.organization_id == town.org))}
        debits = s.exec(select(DirectDebit)).all()
        lines = s.exec(select(InvoiceLine).where(InvoiceLine.invoice_id == invoices[town.noiret.id].id)
                       .order_by(InvoiceLine.position)).all()
    assert {h: i.direct_debit_on for h, i in invoices.items()} == {
        town.noiret.id: None, town.durand.id: None, town.petit.id: date(2026, 11, 10)}
    petit = invoices[town.petit.id]
    assert [(d.organization_id, d.invoice_id, d.amount_cents, d.due_date, d.status) for d in debits] == [
        (town.org, petit.id, petit.total_cents, date(2026, 11, 10), "pending")]
    assert [x.position for x in lines] == list(range(1, len(lines) + 1)) and len(lines) >= 3
    assert {(x.child_id, x.activity_id) for x in lines} == {(town.noiret.child.id, town.canteen),
                                                             (town.noiret.child.id, town.care)}


def test_each_month_lines_go_to_that_month_invoice(town, frozen):  # noqa: F811
    frozen.move_to(datetime(2026, 10, 5, 10, 0, tzinfo=clock.PARIS))
    for month in ("2026-08", "2026-09"):  # NOIRET's 31/08 meal, then September
        periods.issue_all(db.transaction, actor=town.staff, organization_id=town.org, month=month)
    with db.read() as s:
        rows = s.exec(select(Invoice.label, InvoiceLine.date_from).join(Invoice, Invoice.id == InvoiceLine.invoice_id)
                      .where(Invoice.household_id == town.noiret.id)).all()
    assert {(label, day.month) for label, day in rows} == {("Facture post-paiement pour août 2026", 8),
                                                          ("Facture post-paiement pour sept. 2026", 9)}


def test_issuing_writes_the_journal_applies_this_town_credit_and_mails_active_accounts(town, frozen, settings):  # noqa: F811
    from cityviz.models import Job, OutboxEmail, Payment, RegieJournalEntry

    settings(smtp_host="127.0.0.1")  # deliveries are jobs of the town
    frozen.move_to(datetime(2026, 10, 5, 10, 0, tzinfo=clock.PARIS))
    with db.transaction() as s:
        s.get(Organization, town.org).email_invoice_pdf = True
        audrey, philippe = s.exec(select(Person).where(Person.household_id == town.noiret.id,
                                                       Person.role == "guardian").order_by(Person.id)).all()
        factories.make_user(s, email="audrey@example.org", person_id=audrey.id)
        factories.make_user(s, email="philippe@example.org", person_id=philippe.id, is_active=False)
        petit = s.exec(select(Person).where(Person.household_id == town.petit.id, Person.role == "guardian")).one()
        factories.make_user(s, email="jean@example.org", person_id=petit.id)
        s.add(SepaMandate(organization_id=town.org, household_id=town.petit.id, holder_name="X", bic="AGRIFRPP",
                          iban="FR7630006000011234567890189", reference="CVZ-PETIT", signed_on=date(2026, 6, 1),
                          created_at=clock.now()))
        for org, cents in ((town.other, 5000), (town.org, 100)):  # NOIRET's credit: 50 € there, 1 € here
            s.add(Payment(organization_id=org, household_id=town.noiret.id, method="cash", amount_cents=cents,
                          received_on=date(2026, 9, 1), recorded_at=clock.now()))
    periods.issue_all(db.transaction, actor=town.staff, organization_id=town.org, month="2026-09")
    with db.read() as s:
        invoices = {i.household_id: i for i in s.exec(select(Invoice).where(Invoice.organization_id == town.org))}
        journal = s.exec(select(RegieJournalEntry).where(RegieJournalEntry.kind == "invoice")
                         .order_by(RegieJournalEntry.id)).all()
        mails = {m.to_address: m for m in s.exec(select(OutboxEmail)).all()}
        jobs = {j.organization_id for j in s.exec(select(Job).where(Job.name == "mail.deliver")).all()}
        paid = {i: ledger.remaining_by_invoice(s, [x])[x.id] for i, x in invoices.items()}
    noiret, petit_invoice = invoices[town.noiret.id], invoices[town.petit.id]
    assert [(j.household_id, j.payer, j.reference, j.amount_cents, j.label) for j in journal] == [
        (i.household_id, i.payer_name, i.number, i.total_cents, f"Facture n°{i.number} — {i.label}")
        for i in sorted(invoices.values(), key=lambda i: i.counter_value)]
    assert paid[town.noiret.id] == noiret.total_cents - 100  # this town's euro, not the other town's 50 €
    assert sorted(mails) == ["audrey@example.org", "jean@example.org"] and jobs == {town.org}
    assert "Elle sera prélevée le 10/11/2026." in mails["jean@example.org"].body
    assert f"À régler avant le {noiret.due_date:%d/%m/%Y}, en ligne" in mails["audrey@example.org"].body
    assert all(m.attachment_name.endswith(".pdf") and m.attachment_key for m in mails.values())
    assert mails["audrey@example.org"].subject == f"Votre facture n° {noiret.number} – Démostars"
    assert petit_invoice.number in mails["jean@example.org"].subject


def _audit(action):
    import json

    from cityviz.models import AuditEntry

    with db.read() as s:
        return [(a.organization_id, a.object_type, a.object_id, a.actor_id, json.loads(a.details))
                for a in s.exec(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id))]


def test_starting_an_issue_is_refused_before_the_month_is_over_and_once_issued(town, frozen):  # noqa: F811
    from cityviz.models import BillingPeriod
    from cityviz.services.errors import Conflict

    frozen.move_to(datetime(2026, 9, 30, 23, 59, tzinfo=clock.PARIS))
    with pytest.raises(Conflict) as early, db.transaction() as s:
        periods.start_issue(s, actor=town.staff, organization_id=town.org, month="2026-09")
    assert str(early.value).endswith("Émission possible à partir du 01/10/2026.")
    frozen.move_to(datetime(2026, 10, 1, 0, 1, tzinfo=clock.PARIS))
    with db.transaction() as s:
        period_id = periods.start_issue(s, actor=town.staff, organization_id=town.org, month="2026-09")
    assert _audit("billing.start") == [(town.org, "billing_period", period_id, town.staff.user_id,
                                        {"month": "2026-09", "households": 4})]
    with db.transaction() as s:  # started again (a second click, a retry): the same period, not twice
        assert periods.start_issue(s, actor=town.staff, organization_id=town.org, month="2026-09") == period_id
    assert len(_audit("billing.start")) == 1
    periods.issue_all(db.transaction, actor=town.staff, organization_id=town.org, month="2026-09")
    assert _audit("billing.issued") == [(town.org, "billing_period", period_id, town.staff.user_id, {})]
    with pytest.raises(Conflict, match=r"^La période de sept\. 2026 est déjà facturée\.$"), db.transaction() as s:
        periods.start_issue(s, actor=town.staff, organization_id=town.org, month="2026-09")
    with db.transaction() as s:  # a period opened by the preview, never started
        s.add(BillingPeriod(organization_id=town.org, start_date=date(2026, 8, 1), end_date=date(2026, 8, 31)))
    with db.read() as s:
        august = s.exec(select(BillingPeriod).where(BillingPeriod.start_date == date(2026, 8, 1))).one().id
    with pytest.raises(Conflict, match=r"^Lancez d'abord l'émission de la période\.$"), db.transaction() as s:
        periods.issue_chunk(s, actor=town.staff, period_id=august)


def test_a_chunk_takes_its_own_period_households_only(town, frozen):  # noqa: F811
    """Two towns issue September at once: a chunk of one never takes the other's waiting households."""
    frozen.move_to(datetime(2026, 10, 5, 10, 0, tzinfo=clock.PARIS))
    with db.transaction() as s:
        neighbour = factories.actor(s, factories.make_staff(s, s.get(Organization, town.other), role="admin"))
        home = Household(street="1 rue Haute", postal_code="14000", city="Caen", created_at=clock.now())
        s.add(home)
        s.flush()
        child = _person(s, home, "child", "Léo", "HAUT")
        _fact(s, factories.session_on(s, s.get(Activity, town.elsewhere), date(2026, 9, 14)), child, mark="present")
        ours = periods.start_issue(s, actor=town.staff, organization_id=town.org, month="2026-09")
        theirs = periods.start_issue(s, actor=neighbour, organization_id=town.other, month="2026-09")
    with db.transaction() as s:  # NOIRET, first of both lists: done in our period only
        assert periods.issue_chunk(s, actor=town.staff, period_id=ours, limit=1).done == 1
    with db.read() as s:
        assert periods.progress(s, actor=neighbour, period_id=theirs).done == 0
    for done in (1, 2):  # NOIRET then HAUT, never one of our waiting households
        with db.transaction() as s:
            assert periods.issue_chunk(s, actor=neighbour, period_id=theirs, limit=1) == periods.Progress(
                theirs, "issuing", done, 2)


def test_the_invoice_mail_without_pdf_by_default(town, frozen):  # noqa: F811
    from cityviz.models import OutboxEmail

    frozen.move_to(datetime(2026, 10, 5, 10, 0, tzinfo=clock.PARIS))
    with db.transaction() as s:
        audrey = s.exec(select(Person).where(Person.household_id == town.noiret.id, Person.role == "guardian")
                        .order_by(Person.id)).first()
        factories.make_user(s, email="audrey@example.org", person_id=audrey.id)
    periods.issue_all(db.transaction, actor=town.staff, organization_id=town.org, month="2026-09")
    with db.read() as s:
        mail = s.exec(select(OutboxEmail)).one()
        invoice = s.exec(select(Invoice).where(Invoice.household_id == town.noiret.id,
                                               Invoice.organization_id == town.org)).one()
    amount = f"{invoice.total_cents // 100},{invoice.total_cents % 100:02d}\xa0€"
    assert (mail.organization_id, mail.action_label, mail.attachment_name, mail.attachment_key, mail.attempts,
            mail.last_error) == (town.org, "Voir ma facture", "", None, 0, "")
    assert mail.body.startswith(f"Bonjour,\n\nDémostars a émis votre facture n° {invoice.number} (facture "
                                f"post-paiement pour sept. 2026) d'un montant de {amount}.\n")


def test_one_cent_is_invoiced_nothing_is_not(town, frozen):  # noqa: F811
    frozen.move_to(datetime(2026, 8, 20, 8, 0, tzinfo=clock.PARIS))
    with db.transaction() as s:
        snack = factories.make_activity(s, s.get(Organization, town.org), town.staff, name="Goûter",
                                        start_date=date(2026, 8, 24), price_bands=[(None, 1)])
        _fact(s, factories.session_on(s, snack, date(2026, 9, 14)), town.roux.child, mark="present")
        free = factories.make_activity(s, s.get(Organization, town.org), town.staff, name="Conte",
                                       start_date=date(2026, 8, 24), price_bands=[(None, 0)])
        home = Household(street="2 rue Basse", postal_code="14000", city="Caen", created_at=clock.now())
        s.add(home)
        s.flush()
        _fact(s, factories.session_on(s, free, date(2026, 9, 14)), _person(s, home, "child", "Zoé", "BAS"),
              mark="present")  # a free activity only: no invoice of 0,00 €
    frozen.move_to(datetime(2026, 10, 5, 10, 0, tzinfo=clock.PARIS))
    periods.issue_all(db.transaction, actor=town.staff, organization_id=town.org, month="2026-09")
    with db.read() as s:
        totals = {i.household_id: i.total_cents for i in s.exec(select(Invoice).where(
            Invoice.organization_id == town.org))}
    assert totals[town.roux.id] == 1 and len(totals) == 4
