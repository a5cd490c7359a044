"""Payments, refunds, SEPA mandates and direct debits, online payments."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, UniqueConstraint
from sqlmodel import Field, SQLModel

from cityviz.models.types import UTCDateTime

PAYMENT_METHODS = ("cash", "cheque", "cesu", "transfer", "card", "payfip", "direct_debit")


class Payment(SQLModel, table=True):
    __table_args__ = (
        CheckConstraint("amount_cents > 0", name="ck_payment_amount"),
        CheckConstraint(
            "method IN ('cash','cheque','cesu','transfer','card','payfip','direct_debit')",
            name="ck_payment_method",
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    organization_id: int = Field(foreign_key="organization.id", index=True)
    household_id: int = Field(foreign_key="household.id", index=True)
    method: str = Field(max_length=15)
    amount_cents: int
    received_on: date
    reference: str = Field(default="", max_length=100)  # cheque number, transfer label…
    recorded_at: datetime = Field(sa_type=UTCDateTime)
    recorded_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    reversed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    reversal_reason: str = Field(default="", max_length=300)


class PaymentAllocation(SQLModel, table=True):
    __tablename__ = "payment_allocation"
    __table_args__ = (CheckConstraint("amount_cents > 0", name="ck_payment_allocation_amount"),)

    id: int | None = Field(default=None, primary_key=True)
    payment_id: int = Field(foreign_key="payment.id", index=True)
    invoice_id: int = Field(foreign_key="invoice.id", index=True)
    amount_cents: int


class Refund(SQLModel, table=True):
    """Money given back to a household from one source of credit: a credit note, or a
    payment larger than what it settled (see services/billing/ledger.py)."""

    __table_args__ = (
        CheckConstraint("amount_cents > 0", name="ck_refund_amount"),
        CheckConstraint("(credit_note_id IS NULL) <> (payment_id IS NULL)", name="ck_refund_one_source"),
    )

    id: int | None = Field(default=None, primary_key=True)
    organization_id: int = Field(foreign_key="organization.id")
    household_id: int = Field(foreign_key="household.id", index=True)
    credit_note_id: int | None = Field(default=None, foreign_key="credit_note.id", index=True)
    payment_id: int | None = Field(default=None, foreign_key="payment.id", index=True)
    amount_cents: int
    method: str = Field(max_length=15)
    refunded_on: date
    reason: str = Field(default="", max_length=300)
    recorded_at: datetime = Field(sa_type=UTCDateTime)
    recorded_by_id: int | None = Field(default=None, foreign_key="user_account.id")


class SepaMandate(SQLModel, table=True):
    __tablename__ = "sepa_mandate"

    id: int | None = Field(default=None, primary_key=True)
    organization_id: int = Field(foreign_key="organization.id")
    household_id: int = Field(foreign_key="household.id", index=True)
    holder_name: str = Field(max_length=140)
    iban: str = Field(max_length=34)
    bic: str = Field(max_length=11)
    reference: str = Field(max_length=35, unique=True)
    signed_on: date
    created_at: datetime = Field(sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class DirectDebit(SQLModel, table=True):
    __tablename__ = "direct_debit"
    __table_args__ = (
        CheckConstraint("status IN ('pending','exported','paid','rejected')", name="ck_dd_status"),
        CheckConstraint("amount_cents > 0", name="ck_dd_amount"),
    )

    id: int | None = Field(default=None, primary_key=True)
    organization_id: int = Field(foreign_key="organization.id", index=True)
    invoice_id: int = Field(foreign_key="invoice.id", unique=True)
    mandate_id: int = Field(foreign_key="sepa_mandate.id")
    amount_cents: int
    due_date: date
    status: str = Field(default="pending", max_length=10)
    batch_reference: str = Field(default="", max_length=35)
    exported_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    settled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    payment_id: int | None = Field(default=None, foreign_key="payment.id")
    rejection_reason: str = Field(default="", max_length=300)


class OnlinePayment(SQLModel, table=True):
    """A payment started through the bank (eopayment); counted once, when the bank says so."""

    __tablename__ = "online_payment"
    __table_args__ = (
        UniqueConstraint("backend", "transaction_id", name="uq_online_payment_transaction"),
        CheckConstraint(
            "status IN ('pending','paid','refused','error')", name="ck_online_payment_status"
        ),
        CheckConstraint("amount_cents > 0", name="ck_online_payment_amount"),
    )

    id: int | None = Field(default=None, primary_key=True)
    organization_id: int = Field(foreign_key="organization.id")
    household_id: int = Field(foreign_key="household.id", index=True)
    invoice_id: int = Field(foreign_key="invoice.id", index=True)
    backend: str = Field(max_length=20)
    transaction_id: str = Field(max_length=64)
    amount_cents: int
    status: str = Field(default="pending", max_length=10)
    created_at: datetime = Field(sa_type=UTCDateTime)
    completed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    payment_id: int | None = Field(default=None, foreign_key="payment.id", unique=True)
    bank_message: str = Field(default="", max_length=2000)
