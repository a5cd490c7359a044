"""« Journal de la régie »: filters, takings per method, CSV and PDF, who may read it."""

from datetime import date, timedelta
from io import BytesIO

import pytest
from pypdf import PdfReader

from cityviz import clock, db
from cityviz.services.billing import journal_report, payments
from cityviz.services.billing.journal_report import JournalFilter
from cityviz.services.errors import AccessDenied, InvalidInput
from tests import factories
from tests.services.billing.ledger_helpers import issue_invoice

pytestmark = pytest.mark.usefixtures("database", "frozen")


@pytest.fixture
def day():
    with db.transaction() as s:
        org = factories.make_organization(s, name="Démostars")
        other = factories.make_organization(s, name="Ailleurs")
        staff = factories.actor(s, factories.make_staff(s, org, role="admin"))
        outsider = factories.actor(s, factories.make_staff(s, other, role="admin"))
        agent = factories.actor(s, factories.make_staff(s, org, role="agent"))
        martin, _g, _u = factories.make_household(s, "MARTIN", "martin@example.org")
        durand, _g, _u = factories.make_household(s, "DURAND", "durand@example.org")
        invoices = {h.id: issue_invoice(s, org.id, h.id, 5000) for h in (martin, durand)}
    today = clock.today()

    def pay(household, method, amount, reference="1"):
        with db.transaction() as s:
            return payments.record_payment(s, actor=staff, organization_id=org.id, household_id=household.id,
                                           method=method, amount=amount, received_on=today, reference=reference,
                                           invoice_ids=[invoices[household.id].id])
    cheque = pay(martin, "cheque", "60,00", "=CHQ-77")
    pay(durand, "cash", "50,00")
    bounced = pay(durand, "cheque", "10,00", "CHQ-78")
    with db.transaction() as s:
        payments.refund(s, actor=staff, organization_id=org.id, household_id=martin.id, source=f"payment:{cheque}",
                        amount="10,00", method="cash", reason="Trop-perçu")
        payments.reverse_payment(s, actor=staff, organization_id=org.id, payment_id=bounced, reason="Sans provision")
    return {"org": org.id, "staff": staff, "outsider": outsider, "agent": agent, "today": today}


def _read(day, **kw):
    f = JournalFilter(kw.pop("date_from", day["today"]), kw.pop("date_to", day["today"]), **kw)
    with db.read() as s:
        return journal_report.journal(s, actor=day["staff"], organization_id=day["org"], filters=f)


def test_takings_per_method_are_received_minus_reversed_minus_refunded(day):
    page = _read(day)
    totals = {t.method: (t.received, t.reversed, t.refunded, t.net) for t in page.totals}
    assert totals == {"Espèces": ("50,00\xa0€", "0,00\xa0€", "10,00\xa0€", "40,00\xa0€"),
                      "Chèque": ("70,00\xa0€", "10,00\xa0€", "0,00\xa0€", "60,00\xa0€")}
    assert page.net == "100,00\xa0€"
    assert [r.kind for r in page.rows] == ["Encaissement"] * 3 + ["Remboursement", "Rejet / annulation d'encaissement"]


def test_filters_by_kind_family_and_dates(day):
    assert [r.reference for r in _read(day, kind="reversal").rows] == ["CHQ-78"]
    assert {r.payer for r in _read(day, family="durand").rows} == {"Camille DURAND"}
    yesterday = day["today"] - timedelta(days=1)
    assert _read(day, date_from=yesterday, date_to=yesterday).rows == []
    with pytest.raises(InvalidInput, match="précède"):
        _read(day, date_from=day["today"], date_to=yesterday)
    with pytest.raises(InvalidInput, match="un an"):
        _read(day, date_from=date(2020, 1, 1))
    with pytest.raises(InvalidInput, match="inconnu"):
        _read(day, kind="cadeau")


def test_csv_neutralises_formulas_and_pdf_carries_the_totals(day):
    f = JournalFilter(day["today"], day["today"])
    with db.read() as s:
        csv = journal_report.journal_csv(s, actor=day["staff"], organization_id=day["org"], filters=f).decode()
        pdf = journal_report.journal_pdf(s, actor=day["staff"], organization_id=day["org"], filters=f)
    assert ";'=CHQ-77;" in csv and ";=CHQ-77" not in csv
    text = "".join(p.extract_text() for p in PdfReader(BytesIO(pdf)).pages)
    assert "Journal de la régie" in text and "100,00" in text and "CHQ-78" in text


@pytest.mark.parametrize("who", ["outsider", "agent"])
def test_only_the_towns_regie_reads_its_journal(day, who):
    f = JournalFilter(day["today"], day["today"])
    for fn in (journal_report.journal, journal_report.journal_csv, journal_report.journal_pdf):
        with pytest.raises(AccessDenied), db.read() as s:
            fn(s, actor=day[who], organization_id=day["org"], filters=f)
