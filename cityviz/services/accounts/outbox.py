"""The outbox as the platform administrator reads it (« Messages envoyés »).

Credentials in a message (temporary passwords, links carrying a token) are
masked here: only their recipient reads them (see services/email.py). The
one exception is the offline fallback, for the command line alone."""

from __future__ import annotations

import dataclasses

from sqlmodel import Session, col, func, select

from cityviz.models import OutboxEmail
from cityviz.services import email as mail
from cityviz.services.accounts.actor import Actor
from cityviz.services.accounts.auth import normalize_email
from cityviz.services.errors import AccessDenied, InvalidInput
from cityviz.services.formatting import format_datetime


@dataclasses.dataclass(frozen=True)
class OutboxRow:
    id: int
    recipient: str
    subject: str
    body: str
    created_at: str
    status: str


def _row(r: OutboxEmail, body: str) -> OutboxRow:
    return OutboxRow(
        id=r.id,
        recipient=r.to_address,
        subject=r.subject,
        body=body,
        created_at=format_datetime(r.created_at),
        status="Envoyé" if r.sent_at else ("En attente" if not r.last_error else "Échec d'envoi"),
    )


def list_outbox(s: Session, *, actor: Actor, page: int = 0, per_page: int = 20) -> tuple[list[OutboxRow], int]:
    """The newest messages first, credentials masked (platform administrator only)."""
    actor.require_platform_admin()
    total = s.exec(select(func.count()).select_from(OutboxEmail)).one()
    rows = s.exec(
        select(OutboxEmail).order_by(col(OutboxEmail.id).desc()).offset(page * per_page).limit(per_page)
    ).all()
    return [_row(r, mail.masked(r.body)) for r in rows], total


def undelivered_credentials(s: Session, *, actor: Actor, email: str) -> list[OutboxRow]:
    """The offline fallback (no SMTP): the undelivered messages to one address, asked by
    name, that carry a credential, as their recipient would read them. The command line
    only: no one logged in to the portal, not even the platform administrator."""
    if not (actor.is_platform_admin and actor.user_id is None):
        raise AccessDenied()
    address = normalize_email(email)
    if not address or "@" not in address:
        raise InvalidInput("Indiquez l'adresse e-mail du destinataire.", field="email")
    rows = s.exec(
        select(OutboxEmail)
        .where(OutboxEmail.to_address == address, col(OutboxEmail.sent_at).is_(None))
        .order_by(col(OutboxEmail.id).desc())
    ).all()
    return [_row(r, mail.revealed(r.body)) for r in rows if mail.has_secret(r.body)]
