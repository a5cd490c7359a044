"""Builders for ledger tests: an issued invoice without a whole month's run."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

from sqlmodel import Session

from cityviz import clock
from cityviz.models import BillingPeriod, Invoice, InvoiceLine
from cityviz.services.billing import credits
from cityviz.services.billing.numbering import next_number

_days = itertools.count()


def issue_invoice(s: Session, org_id: int, household_id: int, total_cents: int, payer: str = "Camille MARTIN") -> Invoice:
    """An issued invoice of one line, numbered from the organization's counter; the
    household's credit is applied to it as a month's run does."""
    start = date(2020, 1, 1) + timedelta(days=next(_days))
    period = BillingPeriod(organization_id=org_id, start_date=start, end_date=start, status="issued")
    s.add(period)
    s.flush()
    year = clock.today().year
    value = next_number(s, org_id, year, "invoice")
    invoice = Invoice(organization_id=org_id, household_id=household_id, billing_period_id=period.id,
                      number=f"{year}01{value:05d}", counter_year=year, counter_value=value, label="Facture test",
                      issued_at=clock.now(), due_date=clock.today() + timedelta(days=30), payer_name=payer,
                      payer_address="1 rue de la Paix", total_cents=total_cents)
    s.add(invoice)
    s.flush()
    s.add(InvoiceLine(invoice_id=invoice.id, position=1, child_name="Léo", label="Restauration scolaire",
                      date_from=start, date_to=start, quantity=1, unit_price_cents=total_cents,
                      total_cents=total_cents))
    s.flush()
    credits.apply_available_credit(s, household_ids=[household_id], organization_id=org_id)
    return invoice
