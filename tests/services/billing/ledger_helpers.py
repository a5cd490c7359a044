"""Builders for ledger tests: an issued invoice without a whole month's run."""

from __future__ import annotations

import contextlib
import itertools
import typing
from datetime import date, timedelta

from sqlmodel import Session

from cityviz import clock, db
from cityviz.models import BillingPeriod, Invoice, InvoiceLine
from cityviz.services.billing import credits
from cityviz.services.billing.numbering import next_number
from tests import factories

_days = itertools.count()


def issue_invoice(s: Session, org_id: int, household_id: int, total_cents: int, payer: str = "Camille MARTIN",
                  lines: list[tuple] | None = None, apply_credit: bool = True) -> Invoice:
    """An issued invoice, numbered from the organization's counter: one line, or `lines`
    (child, label, cents[, position]) adding up to `total_cents`; the household's credit is applied to
    it as a month's run does (unless `apply_credit` is False)."""
    lines = lines or [("Léo", "Restauration scolaire", total_cents)]
    assert sum(line[2] for line in lines) == total_cents
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
    for position, (child, label, cents, *at) in enumerate(lines, start=1):
        s.add(InvoiceLine(invoice_id=invoice.id, position=at[0] if at else position, child_name=child, label=label,
                          date_from=start, date_to=start, quantity=1, unit_price_cents=cents, total_cents=cents))
    s.flush()
    if apply_credit:
        credits.apply_available_credit(s, household_ids=[household_id], organization_id=org_id)
    return invoice


def two_towns_books(s: Session, families: tuple[str, ...] = ("MARTIN", "DURAND")) -> dict:
    """Two towns (Bretteville, Démostars) with an administrator each, and the given families
    (`family@example.org` accounts): the ids the money tests pass to the services."""
    towns = [factories.make_organization(s, name=n) for n in ("Bretteville", "Démostars")]
    books = {"orgs": [t.id for t in towns],
             "staff": [factories.actor(s, factories.make_staff(s, t, role="admin")) for t in towns]}
    for name in families:
        household, _g, _u = factories.make_household(s, name, f"{name.lower()}@example.org")
        books[name.lower()] = household.id
    return books


def invoice_in(books: dict, cents: int, org: int = 0, household: str = "martin", **kwargs) -> Invoice:
    """`issue_invoice` in its own transaction, for the town `org` and the family named in `books`."""
    with db.transaction() as s:
        return issue_invoice(s, books["orgs"][org], books[household], cents, **kwargs)



class Rush(typing.NamedTuple):  # unpacked by the tests that add to the arrangement
    s: Session
    org: object
    household: object
    invoice: Invoice
    staff: list


@contextlib.contextmanager
def money_rush(database: str, staff: int, cents: int):
    """The money concurrency tests' arrangement: a town with `staff` administrators and a
    household owing one issued invoice of `cents`, in one transaction the caller may add to
    (`rush.s`); once it is committed every connection is its own (NullPool), one per writer."""
    from sqlalchemy.pool import NullPool

    with db.transaction() as s:
        org = factories.make_organization(s)
        actors = [factories.actor(s, factories.make_staff(s, org, role="admin")) for _ in range(staff)]
        household, _g, _u = factories.make_household(s)
        yield Rush(s, org, household, issue_invoice(s, org.id, household.id, cents), actors)
    db.set_engine(db.make_engine(database, poolclass=NullPool))
