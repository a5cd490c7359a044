"""The outbox as the platform administrator reads it (« Messages envoyés »)."""

from __future__ import annotations

import dataclasses

from sqlmodel import Session, col, func, select

from cityviz.models import OutboxEmail
from cityviz.services.accounts.actor import Actor
from cityviz.services.formatting import format_datetime


@dataclasses.dataclass(frozen=True)
class OutboxRow:
    id: int
    recipient: str
    subject: str
    body: str
    created_at: str
    status: str


def list_outbox(s: Session, *, actor: Actor, page: int = 0, per_page: int = 20) -> tuple[list[OutboxRow], int]:
    """The newest messages first (platform administrator only)."""
    actor.require_platform_admin()
    total = s.exec(select(func.count()).select_from(OutboxEmail)).one()
    rows = s.exec(
        select(OutboxEmail).order_by(col(OutboxEmail.id).desc()).offset(page * per_page).limit(per_page)
    ).all()
    return [
        OutboxRow(
            id=r.id,
            recipient=r.to_address,
            subject=r.subject,
            body=r.body,
            created_at=format_datetime(r.created_at),
            status="Envoyé" if r.sent_at else ("En attente" if not r.last_error else "Échec d'envoi"),
        )
        for r in rows
    ], total
