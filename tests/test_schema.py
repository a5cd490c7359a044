"""The database itself refuses what must never happen."""

from datetime import date

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlmodel import select

from cityviz import clock, db
from cityviz.models import Activity, ActivitySession, BillingPeriod, Booking, Invoice, InvoiceLine
from tests import factories

pytestmark = pytest.mark.usefixtures("database", "frozen")


def _session_with_child(s, capacity=1):
    org = factories.make_organization(s)
    household, _g, _u = factories.make_household(s, org=org)
    child = factories.make_child(s, household, org=org)
    activity = Activity(organization_id=org.id, name="Cantine", kind="canteen", unit="meal",
                        start_date=date(2026, 9, 1), end_date=date(2027, 7, 3), capacity=capacity,
                        created_at=clock.now())
    s.add(activity)
    s.flush()
    session = ActivitySession(activity_id=activity.id, date=date(2026, 9, 15), capacity=capacity)
    s.add(session)
    s.flush()
    return org, household, child, session


def _booking(session, child, household, **kw):
    now = clock.now()
    return Booking(session_id=session.id, child_id=child.id, household_id=household.id,
                   created_at=now, updated_at=now, **{"status": "booked", **kw})


def test_one_booking_per_child_and_session():
    with pytest.raises(IntegrityError), db.transaction() as s:
        _org, household, child, session = _session_with_child(s, capacity=5)
        s.add(_booking(session, child, household))
        s.flush()
        s.add(_booking(session, child, household))
        s.flush()


def test_booked_count_never_exceeds_capacity():
    with pytest.raises(IntegrityError), db.transaction() as s:
        _org, _household, _child, session = _session_with_child(s, capacity=1)
        session.booked_count = 2
        s.add(session)
        s.flush()


def test_waiting_positions_are_unique_and_only_for_waiting_bookings():
    with pytest.raises(IntegrityError), db.transaction() as s:
        _org, household, child, session = _session_with_child(s)
        s.add(_booking(session, child, household, status="booked", waiting_position=1))
        s.flush()
    with pytest.raises(IntegrityError), db.transaction() as s:
        org, household, child, session = _session_with_child(s)
        other = factories.make_child(s, household, first_name="Zoé", org=org)
        s.add(_booking(session, child, household, status="waiting", waiting_position=1))
        s.add(_booking(session, other, household, status="waiting", waiting_position=1))
        s.flush()


def _issued_invoice(s):
    org, household, child, _session = _session_with_child(s)
    period = BillingPeriod(organization_id=org.id, start_date=date(2026, 9, 1),
                           end_date=date(2026, 9, 30))
    s.add(period)
    s.flush()
    invoice = Invoice(organization_id=org.id, household_id=household.id, billing_period_id=period.id,
                      number="20260900001", counter_year=2026, counter_value=1,
                      label="Facture post-paiement pour sept. 2026", issued_at=clock.now(),
                      due_date=date(2026, 10, 31), payer_name="Camille MARTIN", payer_address="",
                      total_cents=360)
    s.add(invoice)
    s.flush()
    s.add(InvoiceLine(invoice_id=invoice.id, position=1, child_id=child.id, child_name="Léo MARTIN",
                      label="Cantine", date_from=date(2026, 9, 1), date_to=date(2026, 9, 30),
                      quantity=1, unit_price_cents=360, total_cents=360))
    s.flush()
    return org, household, period, invoice


def test_issued_invoices_cannot_be_updated_or_deleted():
    with db.transaction() as s:
        org, household, period, invoice = _issued_invoice(s)
    for statement in ("UPDATE invoice SET total_cents = 0", "DELETE FROM invoice",
                      "UPDATE invoice_line SET total_cents = 0", "DELETE FROM invoice_line"):
        with pytest.raises(DBAPIError, match="cannot be changed"), db.transaction() as s:
            s.execute(text(statement))
    with db.read() as s:
        assert s.exec(select(Invoice)).one().total_cents == 360


def test_invoice_numbers_are_unique_per_organization_and_line_totals_add_up():
    with db.transaction() as s:
        org, household, period, invoice = _issued_invoice(s)
    with pytest.raises(IntegrityError), db.transaction() as s:
        s.add(Invoice(organization_id=org.id, household_id=household.id, billing_period_id=period.id,
                      number="20260900001", counter_year=2026, counter_value=2, label="x",
                      issued_at=clock.now(), due_date=date(2026, 10, 31), payer_name="x",
                      payer_address="", total_cents=1))
        s.flush()
    with pytest.raises(IntegrityError), db.transaction() as s:
        s.add(InvoiceLine(invoice_id=invoice.id, position=2, child_name="x", label="x",
                          date_from=date(2026, 9, 1), date_to=date(2026, 9, 1), quantity=2,
                          unit_price_cents=100, total_cents=150))
        s.flush()


def test_migrations_match_the_models():
    """Every model change comes with its migration (what `alembic check` verifies)."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlmodel import SQLModel

    with db.get_engine().connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), SQLModel.metadata)
    assert differences == []
