"""Step 4: closing a month, numbering, credit notes, payments, online payment, direct debit."""

from datetime import date, datetime
from decimal import Decimal
from urllib.parse import urlencode

import pytest
from sqlmodel import select

from cityviz import clock, db
from cityviz.models import (
    ActivitySession,
    Attendance,
    AuditEntry,
    Booking,
    DirectDebit,
    FamilyQuotient,
    Invoice,
    InvoiceLine,
    OnlinePayment,
    Organization,
    OutboxEmail,
)
from cityviz.services.billing import (
    credits,
    direct_debits,
    invoices,
    ledger,
    online_payment,
    pay_online,
    payments,
    periods,
)
from cityviz.services.booking import rules
from cityviz.services.errors import Conflict, InvalidInput
from tests import factories

pytestmark = pytest.mark.usefixtures("database")
SEPT = "2026-09"


def _book(s, session, child, mark=None, late=False):
    """A booking (and its attendance mark); "unbooked_present" marks a child who came without one."""
    now = clock.now()
    if mark != "unbooked_present":
        s.add(Booking(session_id=session.id, child_id=child.id, household_id=child.household_id, status="booked",
                      is_late=late, created_at=now, updated_at=now))
        session.booked_count += 1
        s.add(session)
    if mark:
        s.add(Attendance(session_id=session.id, child_id=child.id, household_id=child.household_id, status=mark,
                         marked_at=now))


@pytest.fixture
def town(frozen):
    """September 2026 in a town: a canteen and an evening care, two families."""
    frozen.move_to(datetime(2026, 9, 1, 8, 0, tzinfo=clock.PARIS))
    with db.transaction() as s:
        org = factories.make_organization(s, name="Démostars")
        org.payment_backend = "dummy"
        org.legal_name, org.siret = "Régie de Démostars", "21179999900011"
        staff_user = factories.make_staff(s, org, role="admin")
        staff = factories.actor(s, staff_user)
        canteen = factories.make_activity(s, org, staff, capacity=50)
        care = factories.make_activity(s, org, staff, name="Garderie du soir", kind="evening_care", unit="hour",
                                       start_minutes=16 * 60 + 30, end_minutes=18 * 60 + 30, capacity=20,
                                       booking=rules.NoticeRule("none"), unbooked_surcharge_percent=50,
                                       price_bands=[(None, 160)])
        families = []
        for name, qf in (("NOIRET", 720), ("DURAND", None)):
            household, _g, user = factories.make_household(s, last_name=name, email=f"{name.lower()}@example.org",
                                                           org=org)
            if qf:
                s.add(FamilyQuotient(household_id=household.id, value=qf, valid_from=date(2026, 1, 1),
                                     created_at=clock.now()))
            child = factories.make_child(s, household, first_name=f"Enfant{name}", org=org)
            families.append((factories.actor(s, user), household, child))
        lea = families[0][2]
        days = {d: factories.session_on(s, canteen, date(2026, 9, d)) for d in (14, 15, 17, 18)}
        _book(s, days[14], lea, "present")
        _book(s, days[15], lea, "absent")  # unjustified: billed
        _book(s, days[17], lea, "justified")  # not billed
        _book(s, days[18], lea, None, late=False)  # not marked: billed, anomaly
        _book(s, factories.session_on(s, care, date(2026, 9, 17)), lea, "unbooked_present")
        _book(s, days[14], families[1][2], "present")
    frozen.move_to(datetime(2026, 10, 5, 10, 0, tzinfo=clock.PARIS))
    return {"org": org.id, "staff": staff, "families": families}


def _issue(town, month=SEPT):
    return periods.issue_all(db.transaction, actor=town["staff"], organization_id=town["org"], month=month)


def test_preview_groups_lines_per_child_with_the_right_prices_and_lists_anomalies(town):
    with db.read() as s:
        preview = periods.preview_period(s, actor=town["staff"], organization_id=town["org"], month=SEPT)
    assert (preview.households, preview.label) == (2, "sept. 2026")
    noiret = next(i for i in preview.invoices if i.payer == "Camille NOIRET")
    assert [(x.label, x.dates, x.quantity, x.unit_price, x.surcharge, x.total) for x in noiret.lines] == [
        ("Restauration scolaire (par repas)", "du 14/09/2026 au 18/09/2026", 3, "2,50\xa0€", "", "7,50\xa0€"),
        ("Garderie du soir (par heure) – présence sans réservation (+50 %)", "le 17/09/2026", 2, "1,60\xa0€",
         "1,60\xa0€", "4,80\xa0€")]
    assert noiret.total == "12,30\xa0€"
    durand = next(i for i in preview.invoices if i.payer == "Camille DURAND")
    assert durand.lines[0].unit_price == "3,60\xa0€"  # no QF on file: the highest band
    assert any("Pointage incomplet : 1 réservation" in a for a in preview.anomalies)
    assert any("sans quotient familial" in a and "DURAND" in a for a in preview.anomalies)


def test_issue_numbers_without_gap_freezes_payer_and_emails_each_household(town):
    result = _issue(town)
    assert (result.status, result.done, result.total) == ("issued", 2, 2)
    with db.read() as s:
        issued = s.exec(select(Invoice).order_by(Invoice.counter_value)).all()
        mails = s.exec(select(OutboxEmail).where(OutboxEmail.subject.like("Votre facture%"))).all()
        lines = s.exec(select(InvoiceLine)).all()
    assert [i.number for i in issued] == ["20260900001", "20260900002"]
    assert all(i.total_cents == sum(x.total_cents for x in lines if x.invoice_id == i.id) for i in issued)
    assert issued[0].payer_name == "Camille NOIRET" and issued[0].payer_address.startswith("1 rue de la Paix")
    assert issued[0].label == "Facture post-paiement pour sept. 2026"
    assert issued[0].due_date == date(2026, 11, 4)
    assert len(mails) == 2 and "12,30" in next(m.body for m in mails if m.to_address == "noiret@example.org")
    with pytest.raises(Conflict, match="déjà facturée"), db.transaction() as s:
        periods.start_issue(s, actor=town["staff"], organization_id=town["org"], month=SEPT)


def test_a_month_not_over_cannot_be_closed(town):
    with pytest.raises(Conflict, match="une fois terminée"), db.transaction() as s:
        periods.start_issue(s, actor=town["staff"], organization_id=town["org"], month="2026-10")


def test_interrupted_issue_resumes_without_duplicate_or_gap(town):
    with db.transaction() as s:
        period_id = periods.start_issue(s, actor=town["staff"], organization_id=town["org"], month=SEPT)
    with db.transaction() as s:
        first = periods.issue_chunk(s, actor=town["staff"], period_id=period_id, limit=1)
    assert (first.done, first.status) == (1, "issuing")
    with pytest.raises(RuntimeError), db.transaction() as s:  # a crash inside the second chunk
        periods.issue_chunk(s, actor=town["staff"], period_id=period_id, limit=1)
        raise RuntimeError("power cut")
    result = _issue(town)
    with db.read() as s:
        numbers = sorted(i.counter_value for i in s.exec(select(Invoice)).all())
    assert result.done == 2 and numbers == [1, 2]


def test_credit_note_whole_invoice_and_reste(town):
    _issue(town)
    with db.read() as s:
        invoice = s.exec(select(Invoice).where(Invoice.number == "20260900001")).one()
    with pytest.raises(InvalidInput, match="motif"), db.transaction() as s:
        credits.issue_credit_note(s, actor=town["staff"], invoice_id=invoice.id, reason=" ")
    with db.transaction() as s:
        note = credits.issue_credit_note(s, actor=town["staff"], invoice_id=invoice.id, reason="Erreur de pointage")
    assert note.number == "A20261000001" and note.total_cents == 1230
    parent = town["families"][0][0]
    with db.read() as s:
        rows = invoices.household_documents(s, actor=parent)
        detail = invoices.detail(s, actor=parent, kind="invoice", document_id=invoice.id)
    assert rows[0].title.startswith("Avoir n°A20261000001 émis le 05/10/2026")
    assert (rows[0].amount, rows[0].remaining) == ("12,30\xa0€", "-")  # all applied to the invoice
    assert (rows[1].remaining, rows[1].status_label) == ("-", "Payée")
    assert detail.remaining == "-" and detail.credited == "12,30\xa0€"
    with pytest.raises(Conflict, match="déjà été entièrement annulées"), db.transaction() as s:
        credits.issue_credit_note(s, actor=town["staff"], invoice_id=invoice.id, reason="Encore")


def test_partial_credit_then_payment_and_overpayment_credit_applies_to_the_next_invoice(town, frozen):
    _issue(town)
    staff, (_parent, household, child) = town["staff"], town["families"][0]
    with db.read() as s:
        invoice = s.exec(select(Invoice).where(Invoice.household_id == household.id)).one()
        care_line = s.exec(select(InvoiceLine).where(InvoiceLine.invoice_id == invoice.id,
                                                     InvoiceLine.label.like("Garderie%"))).one()
    with db.transaction() as s:
        credits.issue_credit_note(s, actor=staff, invoice_id=invoice.id, reason="Majoration annulée",
                                  line_ids=[care_line.id])
        payments.record_payment(s, actor=staff, organization_id=town["org"], household_id=household.id,
                                method="cheque", amount="10,00", received_on=date(2026, 10, 5), reference="1234567",
                                invoice_ids=[invoice.id])
    with db.read() as s:
        assert ledger.remaining_by_invoice(s, [invoice])[invoice.id] == 0
        assert ledger.available_credit(s, household.id) == 250  # 10,00 − 7,50 paid too much
        statement = payments.statement(s, actor=staff, organization_id=town["org"], household_id=household.id)
    assert [x.label for x in statement.lines] == ["Facture n°20260900001", "Avoir n°A20261000001", "Chèque n° 1234567"]
    assert statement.balance == "-2,50\xa0€" and statement.available_credit == "2,50\xa0€"
    assert [label for _key, label in statement.sources] == [
        "Trop-perçu : Chèque n° 1234567 du 05/10/2026 — 2,50\xa0€ disponibles"]
    with pytest.raises(InvalidInput, match="ne peut dépasser ce qui reste sur cette source"), db.transaction() as s:
        payments.refund(s, actor=staff, organization_id=town["org"], household_id=household.id,
                        source=statement.sources[0][0], amount="3", method="cheque", reason="trop-perçu")
    # October: the 2,50 € left are used on the next invoice.
    with db.transaction() as s:
        session = s.exec(select(ActivitySession).where(ActivitySession.date == date(2026, 10, 1))).first()
        _book(s, session, child, "present")
    frozen.move_to(datetime(2026, 11, 2, 9, 0, tzinfo=clock.PARIS))
    _issue(town, "2026-10")
    with db.read() as s:
        october = s.exec(select(Invoice).where(Invoice.number == "20261000003")).one()
        assert october.total_cents == 250 and ledger.remaining_by_invoice(s, [october])[october.id] == 0


def test_online_payment_round_trip_is_counted_once(town, settings):
    settings(public_url="http://portail.test", demo_payments=1)  # the simulator: a demonstration
    _issue(town)
    parent, household, _child = town["families"][0]
    with db.read() as s:
        invoice = s.exec(select(Invoice).where(Invoice.household_id == household.id)).one()
    started = pay_online.start_online_payment(actor=parent, invoice_id=invoice.id)
    assert started.url.startswith("http://portail.test/banque-simulee?")
    with db.read() as s:
        pending = s.exec(select(OnlinePayment)).one()
    answer = urlencode(online_payment.dummy_answer(transaction_id=pending.transaction_id, amount=Decimal("12.30"),
                                                   accepted=True, signed=True))
    for _ in range(3):  # the notification, then replays
        outcome = pay_online.handle_bank_answer(organization_id=town["org"], payload=answer, from_notification=True)
        assert outcome.status == "paid"
    with db.read() as s:
        detail = invoices.detail(s, actor=parent, kind="invoice", document_id=invoice.id)
        assert detail.remaining == "-" and detail.settlements[0].label.startswith("Carte bancaire")
        assert len(s.exec(select(OnlinePayment.payment_id)).all()) == 1
    with pytest.raises(Conflict, match="déjà réglée"):
        pay_online.start_online_payment(actor=parent, invoice_id=invoice.id)


def test_online_payment_with_a_wrong_amount_is_refused_and_logged(town, settings):
    settings(demo_payments=1)  # the simulator: a demonstration
    _issue(town)
    parent, household, _child = town["families"][0]
    with db.read() as s:
        invoice = s.exec(select(Invoice).where(Invoice.household_id == household.id)).one()
    pay_online.start_online_payment(actor=parent, invoice_id=invoice.id)
    with db.read() as s:
        pending = s.exec(select(OnlinePayment)).one()
    forged = urlencode(online_payment.dummy_answer(transaction_id=pending.transaction_id, amount=Decimal("0.01"),
                                                   accepted=True, signed=True))
    assert pay_online.handle_bank_answer(organization_id=town["org"], payload=forged,
                                         from_notification=True).status == "error"
    with db.read() as s:
        assert ledger.remaining_by_invoice(s, [invoice])[invoice.id] == 1230
        assert s.exec(select(AuditEntry).where(AuditEntry.action == "payment.amount_mismatch")).one()
    unsigned = urlencode(online_payment.dummy_answer(transaction_id=pending.transaction_id, amount=Decimal("12.30"),
                                                     accepted=True, signed=False))
    assert pay_online.handle_bank_answer(organization_id=town["org"], payload=unsigned,
                                         from_notification=False).status == "error"  # no change


def test_direct_debit_marked_at_issue_exported_then_rejected_reopens(town):
    staff, (parent, household, _child) = town["staff"], town["families"][0]
    with db.transaction() as s:
        org = s.get(Organization, town["org"])
        org.sepa_creditor_id, org.sepa_iban, org.sepa_bic = "FR72ZZZ123456", "FR7630006000011234567890189", "AGRIFRPP"
        direct_debits.save_mandate(s, actor=staff, organization_id=org.id, household_id=household.id,
                                   holder_name="Camille Noiret", iban="FR76 3000 6000 0112 3456 7890 189", bic="",
                                   reference="RUM-NOIRET-1", signed_on=date(2026, 9, 1))
    _issue(town)
    with db.read() as s:
        invoice = s.exec(select(Invoice).where(Invoice.household_id == household.id)).one()
        rows = invoices.household_documents(s, actor=parent)
    assert invoice.direct_debit_on == date(2026, 11, 10)
    assert rows[0].status_label == "Prélèvement le 10/11/2026"
    with db.transaction() as s:
        xml, name, _count, _cents = direct_debits.export_file(s, actor=staff, organization_id=town["org"])
    assert b'<InstdAmt Ccy="EUR">12.30</InstdAmt>' in xml and b"RUM-NOIRET-1" in xml and name.endswith(".xml")
    with db.read() as s:
        debit = s.exec(select(DirectDebit)).one()
    with db.transaction() as s:
        direct_debits.settle(s, actor=staff, debit_id=debit.id, paid=True)
    with db.read() as s:
        assert ledger.remaining_by_invoice(s, [invoice])[invoice.id] == 0
    with db.transaction() as s:
        direct_debits.settle(s, actor=staff, debit_id=debit.id, paid=False, reason="Provision insuffisante")
    with db.read() as s:
        assert ledger.remaining_by_invoice(s, [invoice])[invoice.id] == 1230
        detail = invoices.detail(s, actor=parent, kind="invoice", document_id=invoice.id)
    assert detail.can_pay_online  # the rejected debit reopens the invoice


def test_unpaid_list_csv_and_reminders(town, frozen):
    _issue(town)
    frozen.move_to(datetime(2026, 11, 20, 9, 0, tzinfo=clock.PARIS))
    with db.read() as s:
        rows, total = payments.unpaid(s, actor=town["staff"], organization_id=town["org"])
        csv = payments.unpaid_csv(s, actor=town["staff"], organization_id=town["org"]).decode("utf-8-sig")
    assert [r.number for r in rows] == ["20260900001", "20260900002"] and rows[0].days_late == 16
    assert total == "15,90\xa0€" and "20260900001;Camille NOIRET;04/11/2026;16" in csv
    with db.transaction() as s:
        sent = payments.send_reminders(s, actor=town["staff"], organization_id=town["org"],
                                       invoice_ids=[rows[0].invoice_id])
    with db.read() as s:
        assert sent == 1 and payments.unpaid(s, actor=town["staff"], organization_id=town["org"])[0][0].reminders == 1
        assert s.exec(select(OutboxEmail).where(OutboxEmail.subject == "Rappel : facture n° 20260900001 à régler")).one()


def test_pdf_carries_the_same_figures_as_the_screen(town):
    from cityviz.services.billing import invoice_pdf

    _issue(town)
    parent, household, _child = town["families"][0]
    with db.read() as s:
        invoice = s.exec(select(Invoice).where(Invoice.household_id == household.id)).one()
        detail = invoices.detail(s, actor=parent, kind="invoice", document_id=invoice.id)
        data, name = invoices.pdf(s, actor=parent, kind="invoice", document_id=invoice.id)
        printed = invoice_pdf.document_lines(invoices._invoice_document(s, invoice))
    assert data[:4] == b"%PDF" and name == "facture-20260900001.pdf"
    text = " ".join(printed)
    for figure in (detail.total, detail.remaining if detail.remaining != "-" else "0,00", *[x.total for x in detail.lines]):
        assert figure.replace("\xa0", " ").split(" ")[0] in text
    assert "20260900001" in text and "Camille NOIRET" in text


def test_a_household_owing_nothing_does_not_stall_the_issue(town, frozen):
    """Only justified absences: listed at the start, owes 0 €, gets no invoice — and the run ends."""
    frozen.move_to(datetime(2026, 9, 1, 8, 0, tzinfo=clock.PARIS))
    with db.transaction() as s:
        org = s.get(Organization, town["org"])
        household, _g, _u = factories.make_household(s, last_name="ABSENT", email="absent@example.org", org=org)
        child = factories.make_child(s, household, first_name="Zoé", org=org)
        session = s.exec(select(ActivitySession).where(ActivitySession.date == date(2026, 9, 21))).first()
        _book(s, session, child, "justified")
    frozen.move_to(datetime(2026, 10, 5, 10, 0, tzinfo=clock.PARIS))
    result = _issue(town)
    assert (result.status, result.done, result.total) == ("issued", 3, 3)
    with db.read() as s:
        assert s.exec(select(Invoice).where(Invoice.household_id == household.id)).all() == []
        assert len(s.exec(select(Invoice)).all()) == 2


def test_the_quotient_in_force_on_each_date_is_used(town):
    """A new QF from the 16th: the canteen line splits at that date, with each band's price."""
    household = town["families"][0][1]
    with db.transaction() as s:
        s.add(FamilyQuotient(household_id=household.id, value=400, valid_from=date(2026, 9, 16),
                             created_at=clock.now()))
    with db.read() as s:
        preview = periods.preview_period(s, actor=town["staff"], organization_id=town["org"], month=SEPT)
    noiret = next(i for i in preview.invoices if i.payer == "Camille NOIRET")
    canteen = [(x.dates, x.quantity, x.unit_price) for x in noiret.lines if x.label.startswith("Restauration")]
    assert canteen == [("du 14/09/2026 au 15/09/2026", 2, "2,50\xa0€"), ("le 18/09/2026", 1, "1,20\xa0€")]
    assert noiret.total == "11,00\xa0€"  # 2 × 2,50 + 1,20 + garderie 4,80 (single band)


def test_band_lookup_agrees_with_band_price():
    """The issuing run's bisect over sorted ceilings gives band_price's answer for every quotient."""
    from cityviz.models import PriceBand
    from cityviz.services.billing.period_lines import Prices
    from cityviz.services.booking.activities import band_price

    bands = [PriceBand(activity_id=1, qf_max=900, price_cents=250), PriceBand(activity_id=1, qf_max=500,
                                                                               price_cents=120),
             PriceBand(activity_id=1, qf_max=None, price_cents=360)]
    prices = Prices.__new__(Prices)
    prices.bands = {1: bands}
    prices.quotients = {}
    prices._ladders = {1: ([500, 900], [120, 250], 360)}
    for quotient in [None, 0, 499, 500, 501, 899, 900, 901, 5000]:
        prices.quotients = {7: [(date(2026, 1, 1), quotient)]} if quotient is not None else {}
        assert prices.unit_price(1, 7, date(2026, 9, 1)) == band_price(bands, quotient), quotient
