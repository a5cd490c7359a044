"""Money stays with its household and organization; a bounced payment is no money.

Written against the public services only (record a payment, reject a direct
debit, refund, available credit, what remains due), so they keep their meaning
whatever the ledger looks like inside.
"""

from datetime import date

import pytest
from sqlmodel import func, select

from cityviz import db
from cityviz.models import BillingPeriod, DirectDebit, Invoice, Payment, Refund
from cityviz.services.billing import credits, direct_debits, ledger, payments, periods
from cityviz.services.errors import DomainError, NotFound

pytestmark = pytest.mark.usefixtures("database")


def _issue(towns, town: int, month: str):
    periods.issue_all(db.transaction, actor=towns["staff"][town], organization_id=towns["orgs"][town], month=month)


def _invoice(household_id: int, org_id: int, month: str) -> Invoice:
    with db.read() as s:
        return s.exec(select(Invoice).join(BillingPeriod).where(
            Invoice.household_id == household_id, Invoice.organization_id == org_id,
            BillingPeriod.start_date == periods.month_bounds(month)[0])).one()


def _remaining(invoice: Invoice) -> int:
    with db.read() as s:
        return ledger.remaining_by_invoice(s, [invoice])[invoice.id]


def _payment_of(household_id: int) -> int:
    with db.read() as s:
        return s.exec(select(Payment.id).where(Payment.household_id == household_id).order_by(Payment.id)).first()


def _available(household_id: int) -> int:
    with db.read() as s:
        return ledger.available_credit(s, household_id)


def _pay(towns, town: int, household_id: int, amount: str, **kw) -> int:
    with db.transaction() as s:
        return payments.record_payment(s, actor=towns["staff"][town], organization_id=towns["orgs"][town],
                                       household_id=household_id, method="cash", amount=amount,
                                       received_on=date(2026, 11, 5), **kw)


def _payment_count() -> int:
    with db.read() as s:
        return s.exec(select(func.count()).select_from(Payment)).one()


def test_a_payment_naming_another_household_s_invoice_is_refused_and_changes_nothing(towns):
    _issue(towns, 0, "2026-09")
    _issue(towns, 0, "2026-10")
    noiret_sept, durand_oct = _invoice(towns["noiret"], towns["orgs"][0], "2026-09"), \
        _invoice(towns["durand"], towns["orgs"][0], "2026-10")
    assert (noiret_sept.total_cents, durand_oct.total_cents) == (500, 360)
    for ids in ([durand_oct.id], [noiret_sept.id, durand_oct.id]):
        with pytest.raises(DomainError, match="Facture introuvable"):
            _pay(towns, 0, towns["noiret"], "3,60", invoice_ids=ids)
    assert _payment_count() == 0
    assert (_remaining(noiret_sept), _remaining(durand_oct)) == (500, 360)


def test_a_payment_and_its_excess_settle_only_their_household_in_their_town(towns):
    _issue(towns, 0, "2026-09")
    noiret_sept = _invoice(towns["noiret"], towns["orgs"][0], "2026-09")
    _pay(towns, 0, towns["noiret"], "20,00")  # 5,00 € due: 15,00 € of credit
    assert (_remaining(noiret_sept), _available(towns["noiret"])) == (0, 1500)
    _issue(towns, 1, "2026-09")  # the other town's invoice: not paid by the first town's credit
    assert _remaining(_invoice(towns["noiret"], towns["orgs"][1], "2026-09")) == 250
    _issue(towns, 0, "2026-10")  # the credit pays NOIRET's next invoice, never DURAND's
    assert _remaining(_invoice(towns["noiret"], towns["orgs"][0], "2026-10")) == 0
    assert _remaining(_invoice(towns["durand"], towns["orgs"][0], "2026-10")) == 360
    assert (_available(towns["noiret"]), _available(towns["durand"])) == (1250, 0)
    with pytest.raises(NotFound), db.transaction() as s:  # NOIRET's overpayment is no source of DURAND's
        payments.refund(s, actor=towns["staff"][0], organization_id=towns["orgs"][0], household_id=towns["durand"],
                        source=f"payment:{_payment_of(towns['noiret'])}", amount="1,00", method="cash",
                        reason="Trop-perçu")
    with db.read() as s:
        assert s.exec(select(func.count()).select_from(Refund)).one() == 0


def test_staff_of_another_town_cannot_record_a_payment_for_its_families(towns):
    _issue(towns, 0, "2026-09")
    _issue(towns, 1, "2026-09")  # NOIRET is known in both towns
    invoice = _invoice(towns["noiret"], towns["orgs"][0], "2026-09")
    for org_id in towns["orgs"]:  # town 2's staff, for town 1 or in town 2's name for a town-1 invoice
        with pytest.raises(DomainError), db.transaction() as s:
            payments.record_payment(s, actor=towns["staff"][1], organization_id=org_id,
                                    household_id=towns["noiret"], method="cash", amount="5,00",
                                    received_on=date(2026, 11, 5), invoice_ids=[invoice.id])
    assert _payment_count() == 0 and _remaining(invoice) == 500


def _debit_exported(towns) -> tuple[Invoice, int]:
    """NOIRET pays town 1 by direct debit; the September invoice's debit is sent to the bank."""
    staff, org_id = towns["staff"][0], towns["orgs"][0]
    with db.transaction() as s:
        direct_debits.save_mandate(s, actor=staff, organization_id=org_id, household_id=towns["noiret"],
                                   holder_name="Camille Noiret", iban="FR76 3000 6000 0112 3456 7890 189", bic="",
                                   reference="RUM-NOIRET-1", signed_on=date(2026, 9, 1))
    _issue(towns, 0, "2026-09")
    with db.transaction() as s:
        direct_debits.export_file(s, actor=staff, organization_id=org_id)
    with db.read() as s:
        debit = s.exec(select(DirectDebit)).one()
    return _invoice(towns["noiret"], org_id, "2026-09"), debit.id


def _settle(towns, debit_id: int, paid: bool) -> None:
    with db.transaction() as s:
        direct_debits.settle(s, actor=towns["staff"][0], debit_id=debit_id, paid=paid,
                             reason="" if paid else "Provision insuffisante")


def test_a_rejected_debit_settles_nothing_and_leaves_no_credit(towns):
    invoice, debit_id = _debit_exported(towns)
    _settle(towns, debit_id, paid=True)
    assert (_remaining(invoice), _available(towns["noiret"])) == (0, 0)
    _settle(towns, debit_id, paid=False)
    assert (_remaining(invoice), _available(towns["noiret"])) == (500, 0)
    _issue(towns, 0, "2026-10")  # nothing of the bounced money pays the next invoice either
    assert _remaining(_invoice(towns["noiret"], towns["orgs"][0], "2026-10")) == 250


def test_a_bounced_payment_that_had_become_credit_is_credit_no_more(towns):
    invoice, debit_id = _debit_exported(towns)
    with db.transaction() as s:  # the invoice is cancelled while the bank collects it
        credits.issue_credit_note(s, actor=towns["staff"][0], invoice_id=invoice.id, reason="Erreur de pointage")
    _settle(towns, debit_id, paid=True)
    assert (_remaining(invoice), _available(towns["noiret"])) == (0, 500)  # the debit paid nothing due: credit
    _settle(towns, debit_id, paid=False)
    assert _available(towns["noiret"]) == 0
    with pytest.raises(NotFound), db.transaction() as s:  # a bounced payment is no source of credit
        payments.refund(s, actor=towns["staff"][0], organization_id=towns["orgs"][0],
                        household_id=towns["noiret"], source=f"payment:{_payment_of(towns['noiret'])}",
                        amount="5,00", method="transfer", reason="Trop-perçu")
    _issue(towns, 0, "2026-10")
    assert _remaining(_invoice(towns["noiret"], towns["orgs"][0], "2026-10")) == 250

