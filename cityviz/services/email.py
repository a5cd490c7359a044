"""Outgoing mail through an outbox table.

Messages are written in the same transaction as what they announce, then
delivered by SMTP once it commits. Without SMTP settings they stay in the
outbox, where the platform administrator reads them (accounts/outbox.py) and
the CLI prints them: the demo works offline.
"""

from __future__ import annotations

import smtplib
from email.message import EmailMessage

from sqlmodel import Session, col, select

from cityviz import clock, config, db
from cityviz.models import OutboxEmail

MAX_ATTEMPTS = 5


def queue_email(s: Session, *, to: str, subject: str, body: str) -> OutboxEmail:
    message = OutboxEmail(to_address=to, subject=subject, body=body, created_at=clock.now())
    s.add(message)
    if config.get().smtp_enabled:
        db.after_commit(s, deliver_pending)
    return message


def _send(message: OutboxEmail) -> None:
    settings = config.get()
    mail = EmailMessage()
    mail["From"] = settings.mail_from
    mail["To"] = message.to_address
    mail["Subject"] = message.subject
    mail.set_content(message.body)
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=20) as smtp:
        if settings.smtp_starttls:
            smtp.starttls()
        if settings.smtp_user:
            smtp.login(settings.smtp_user, settings.smtp_password)
        smtp.send_message(mail)


def deliver_pending(limit: int = 100) -> int:
    """Send what is waiting in the outbox; returns how many were sent."""
    if not config.get().smtp_enabled:
        return 0
    with db.read() as s:
        pending = s.exec(
            select(OutboxEmail)
            .where(col(OutboxEmail.sent_at).is_(None), OutboxEmail.attempts < MAX_ATTEMPTS)
            .order_by(OutboxEmail.id)
            .limit(limit)
        ).all()
    sent = 0
    for message in pending:
        error = ""
        try:
            _send(message)
        except (OSError, smtplib.SMTPException) as exc:
            error = str(exc)[:500]
        with db.transaction() as s:
            row = s.get(OutboxEmail, message.id)
            if row is None or row.sent_at is not None:
                continue
            row.attempts += 1
            row.last_error = error
            if not error:
                row.sent_at = clock.now()
                sent += 1
    return sent
