"""The régie's journal: every money event, in order, with who and when.

Append-only: the database refuses UPDATE and DELETE (migration 0008), like issued
invoices; only the ten-year archive purge may remove rows older than its cut-off.
Names are copied (payer, actor) so that the journal reads the same years later.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Index
from sqlmodel import Field, SQLModel

from cityviz.models.types import UTCDateTime

JOURNAL_KINDS = ("invoice", "credit_note", "payment", "refund", "reversal", "direct_debit_file", "settings")


class RegieJournalEntry(SQLModel, table=True):
    __tablename__ = "regie_journal"
    __table_args__ = (
        CheckConstraint(
            "kind IN ('invoice','credit_note','payment','refund','reversal','direct_debit_file','settings')",
            name="ck_regie_journal_kind",
        ),
        CheckConstraint("amount_cents >= 0", name="ck_regie_journal_amount"),
        Index("ix_regie_journal_org_at", "organization_id", "at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    organization_id: int = Field(foreign_key="organization.id")
    at: datetime = Field(sa_type=UTCDateTime)
    actor_id: int | None = None  # no foreign key: the journal outlives accounts
    actor_name: str = Field(default="", max_length=200)
    kind: str = Field(max_length=20)
    household_id: int | None = Field(default=None, index=True)
    payer: str = Field(default="", max_length=200)
    method: str = Field(default="", max_length=15)  # payment or refund method
    reference: str = Field(default="", max_length=100)  # document number, cheque number, SEPA batch…
    amount_cents: int = 0
    label: str = Field(default="", max_length=300)  # the event in French, as the régisseur reads it
