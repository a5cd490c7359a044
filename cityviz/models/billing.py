"""Billing periods, gap-free counters, invoices and credit notes.

Invoices and credit notes are inserted complete, number included, and never
updated or deleted afterwards (database triggers refuse it, see the initial
migration). What changes over time — payments, credits applied — lives in
allocation tables.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from cityviz.models.types import UTCDateTime


class BillingPeriod(SQLModel, table=True):
    __tablename__ = "billing_period"
    __table_args__ = (
        UniqueConstraint("organization_id", "start_date", name="uq_period_org_start"),
        CheckConstraint("status IN ('open','issuing','issued')", name="ck_period_status"),
        CheckConstraint("end_date >= start_date", name="ck_period_dates"),
    )

    id: int | None = Field(default=None, primary_key=True)
    organization_id: int = Field(foreign_key="organization.id")
    start_date: date
    end_date: date
    status: str = Field(default="open", max_length=10)
    household_total: int = 0
    started_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    started_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    completed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class BillingPeriodHousehold(SQLModel, table=True):
    """The households of a period, frozen when issuing starts; `done` once its
    invoice is issued (or it turned out to owe nothing) — in the same transaction."""

    __tablename__ = "billing_period_household"

    billing_period_id: int = Field(foreign_key="billing_period.id", primary_key=True)
    household_id: int = Field(foreign_key="household.id", primary_key=True)
    done: bool = False


class DocumentCounter(SQLModel, table=True):
    """Last number used per (organization, year, kind); locked to take the next."""

    __tablename__ = "document_counter"
    __table_args__ = (
        UniqueConstraint("organization_id", "year", "kind", name="uq_counter"),
        CheckConstraint("kind IN ('invoice','credit_note')", name="ck_counter_kind"),
        CheckConstraint("last_value >= 0", name="ck_counter_value"),
    )

    id: int | None = Field(default=None, primary_key=True)
    organization_id: int = Field(foreign_key="organization.id")
    year: int
    kind: str = Field(max_length=12)
    last_value: int = 0


class Invoice(SQLModel, table=True):
    __table_args__ = (
        UniqueConstraint("organization_id", "number", name="uq_invoice_number"),
        UniqueConstraint(
            "organization_id", "counter_year", "counter_value", name="uq_invoice_counter"
        ),
        UniqueConstraint("billing_period_id", "household_id", name="uq_invoice_period_household"),
        CheckConstraint("total_cents >= 0", name="ck_invoice_total"),
        CheckConstraint("counter_value > 0", name="ck_invoice_counter_value"),
        Index("ix_invoice_household", "household_id", "issued_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    organization_id: int = Field(foreign_key="organization.id")
    household_id: int = Field(foreign_key="household.id")
    billing_period_id: int = Field(foreign_key="billing_period.id")
    number: str = Field(max_length=12)
    counter_year: int
    counter_value: int
    label: str = Field(max_length=120)  # "Facture post-paiement pour sept. 2024"
    issued_at: datetime = Field(sa_type=UTCDateTime)
    due_date: date
    payer_name: str = Field(max_length=200)
    payer_address: str = Field(max_length=400)
    total_cents: int
    direct_debit_on: date | None = None


class InvoiceLine(SQLModel, table=True):
    __tablename__ = "invoice_line"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="ck_line_quantity"),
        CheckConstraint("unit_price_cents >= 0 AND surcharge_cents >= 0", name="ck_line_prices"),
        CheckConstraint(
            "total_cents = quantity * unit_price_cents + surcharge_cents", name="ck_line_total"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    invoice_id: int = Field(foreign_key="invoice.id", index=True)
    position: int
    child_id: int | None = Field(default=None, foreign_key="person.id")
    child_name: str = Field(max_length=170)
    activity_id: int | None = Field(default=None, foreign_key="activity.id")
    label: str = Field(max_length=200)
    date_from: date
    date_to: date
    quantity: int
    unit_price_cents: int
    surcharge_cents: int = 0
    total_cents: int


class CreditNote(SQLModel, table=True):
    """Avoir: cancels all or part of an issued invoice."""

    __tablename__ = "credit_note"
    __table_args__ = (
        UniqueConstraint("organization_id", "number", name="uq_credit_note_number"),
        UniqueConstraint(
            "organization_id", "counter_year", "counter_value", name="uq_credit_note_counter"
        ),
        CheckConstraint("total_cents > 0", name="ck_credit_note_total"),
        Index("ix_credit_note_household", "household_id", "issued_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    organization_id: int = Field(foreign_key="organization.id")
    household_id: int = Field(foreign_key="household.id")
    invoice_id: int = Field(foreign_key="invoice.id", index=True)
    number: str = Field(max_length=13)
    counter_year: int
    counter_value: int
    reason: str = Field(max_length=500)
    issued_at: datetime = Field(sa_type=UTCDateTime)
    issued_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    payer_name: str = Field(max_length=200)
    payer_address: str = Field(max_length=400)
    total_cents: int


class CreditNoteLine(SQLModel, table=True):
    __tablename__ = "credit_note_line"
    __table_args__ = (CheckConstraint("total_cents > 0", name="ck_credit_line_total"),)

    id: int | None = Field(default=None, primary_key=True)
    credit_note_id: int = Field(foreign_key="credit_note.id", index=True)
    invoice_line_id: int | None = Field(default=None, foreign_key="invoice_line.id", index=True)
    label: str = Field(max_length=200)
    total_cents: int


class CreditAllocation(SQLModel, table=True):
    """Part of a credit note applied to an open invoice."""

    __tablename__ = "credit_allocation"
    __table_args__ = (CheckConstraint("amount_cents > 0", name="ck_credit_allocation_amount"),)

    id: int | None = Field(default=None, primary_key=True)
    credit_note_id: int = Field(foreign_key="credit_note.id", index=True)
    invoice_id: int = Field(foreign_key="invoice.id", index=True)
    amount_cents: int
    allocated_at: datetime = Field(sa_type=UTCDateTime)


class TaxCertificateNotice(SQLModel, table=True):
    """A family told that its « Attestation fiscale » of a year is ready (one per organization,
    household and year: a run that resumes never tells a family twice)."""

    __tablename__ = "tax_certificate_notice"
    __table_args__ = (
        UniqueConstraint("organization_id", "household_id", "year", name="uq_tax_notice"),
        CheckConstraint("total_cents >= 0", name="ck_tax_notice_total"),
    )

    id: int | None = Field(default=None, primary_key=True)
    organization_id: int = Field(foreign_key="organization.id")
    household_id: int = Field(foreign_key="household.id", index=True)
    year: int
    total_cents: int
    created_at: datetime = Field(sa_type=UTCDateTime)
