"""What testers hit in billing: the invoice list filtered by status and billed month, « Émettre
les factures » only for a month that is over, the SEPA export's feedback."""

from datetime import date, datetime

import pytest

from cityviz import clock, db
from cityviz.models import Organization
from cityviz.services.billing import direct_debits, invoices, payments, periods
from cityviz.services.errors import Conflict, InvalidInput
from tests.services.billing import test_billing
from tests.services.billing.test_billing import SEPT, _issue

pytestmark = pytest.mark.usefixtures("database")
town = test_billing.town  # the same September town


def _payers(town, **filters):
    with db.read() as s:
        rows, total = invoices.list_documents(s, actor=town["staff"], organization_id=town["org"], **filters)
    assert total == len(rows)
    return sorted(r.payer for r in rows)


def test_the_month_not_over_shows_when_it_can_be_issued_and_the_service_refuses(town):
    with db.read() as s:
        october = periods.preview_period(s, actor=town["staff"], organization_id=town["org"], month="2026-10")
        september = periods.preview_period(s, actor=town["staff"], organization_id=town["org"], month=SEPT)
    assert "Émission possible à partir du 01/11/2026" in october.not_over
    assert september.not_over == ""
    with pytest.raises(Conflict, match="à partir du 01/11/2026"), db.transaction() as s:
        periods.start_issue(s, actor=town["staff"], organization_id=town["org"], month="2026-10")


def test_invoice_list_filters_by_status_and_billed_month(town, frozen):
    _issue(town)
    (_p, durand, _c) = town["families"][1]
    with db.transaction() as s:
        payments.record_payment(s, actor=town["staff"], organization_id=town["org"], household_id=durand.id,
                                method="cash", amount="3,60", received_on=date(2026, 10, 5))
    assert _payers(town) == ["Camille DURAND", "Camille NOIRET"]
    assert _payers(town, status="paid") == ["Camille DURAND"]
    assert _payers(town, status="due") == ["Camille NOIRET"]
    assert _payers(town, status="late") == []  # due on 04/11/2026
    assert _payers(town, status="debit") == []
    assert _payers(town, month=SEPT) == ["Camille DURAND", "Camille NOIRET"]
    assert _payers(town, month="2026-08") == []
    assert _payers(town, month=SEPT, status="due", search="noiret") == ["Camille NOIRET"]
    frozen.move_to(datetime(2026, 11, 5, 9, 0, tzinfo=clock.PARIS))
    assert _payers(town, status="late") == ["Camille NOIRET"]
    with pytest.raises(InvalidInput, match="Filtre d'état inconnu"):
        _payers(town, status="everything")
    with pytest.raises(InvalidInput, match="Mois invalide"):
        _payers(town, month="septembre")


def test_sepa_export_says_what_it_sends_and_when_there_is_nothing(town):
    staff, (_parent, household, _child) = town["staff"], town["families"][0]
    with db.transaction() as s:
        org = s.get(Organization, town["org"])
        org.sepa_creditor_id, org.sepa_iban, org.sepa_bic = "FR72ZZZ123456", "FR7630006000011234567890189", "AGRIFRPP"
    with db.read() as s:
        assert direct_debits.pending_summary(s, actor=staff, organization_id=town["org"]) == ""
    with pytest.raises(Conflict, match="Aucun prélèvement à transmettre : les prélèvements naissent"), \
            db.transaction() as s:
        direct_debits.export_file(s, actor=staff, organization_id=town["org"])
    with db.transaction() as s:
        direct_debits.save_mandate(s, actor=staff, organization_id=town["org"], household_id=household.id,
                                   holder_name="Camille Noiret", iban="FR76 3000 6000 0112 3456 7890 189", bic="",
                                   reference="RUM-NOIRET-1", signed_on=date(2026, 9, 1))
    _issue(town)
    with db.read() as s:
        summary = direct_debits.pending_summary(s, actor=staff, organization_id=town["org"])
    assert summary == "1 prélèvement(s) à transmettre, 12,30\xa0€ au total."
    assert _payers(town, status="debit") == ["Camille NOIRET"]
    with db.transaction() as s:
        _xml, _name, count, cents = direct_debits.export_file(s, actor=staff, organization_id=town["org"])
    assert (count, cents) == (1, 1230)
    with db.read() as s:
        assert direct_debits.pending_summary(s, actor=staff, organization_id=town["org"]) == ""
