"""Gap-free document counters: one locked row per (organization, year, kind)."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from cityviz.models import DocumentCounter


def next_number(s: Session, organization_id: int, year: int, kind: str, count: int = 1) -> int:
    """Reserve `count` numbers; returns the first. The counter row is locked until commit."""
    counter = s.exec(select(DocumentCounter).where(DocumentCounter.organization_id == organization_id,
                                                   DocumentCounter.year == year, DocumentCounter.kind == kind)
                     .with_for_update().execution_options(populate_existing=True)).first()
    if counter is None:
        try:
            with s.begin_nested():
                s.add(DocumentCounter(organization_id=organization_id, year=year, kind=kind, last_value=0))
        except IntegrityError:  # created by a concurrent run meanwhile
            pass
        counter = s.exec(select(DocumentCounter).where(DocumentCounter.organization_id == organization_id,
                                                       DocumentCounter.year == year, DocumentCounter.kind == kind)
                         .with_for_update()).one()
    first = counter.last_value + 1
    s.execute(update(DocumentCounter).where(col(DocumentCounter.id) == counter.id)
              .values(last_value=DocumentCounter.last_value + count))
    return first
