"""Outgoing mail through an outbox table, delivered by a job.

Each message is stored as its plain text; when it is sent, both its parts are rendered from
templates (email_render.py): a plain-text alternative and an HTML part headed by the town's name
and logo, with one button. An attached file (an invoice's PDF) is stored under `attachment_key`.

Messages are written in the same transaction as what they announce, together
with the job that delivers them (one per transaction, « Envoi des e-mails »):
rolled back, neither exists; committed, a worker sends them by SMTP, and the
job retries what failed with backoff. Without SMTP settings they stay in the
outbox, where the platform administrator reads them (accounts/outbox.py) and
the CLI prints them: the demo works offline.

Credentials (temporary passwords, links carrying a token) are wrapped with
:func:`secret` when a body is written. Only the recipient ever reads them:
the SMTP message carries them, the outbox page and the CLI's listing show
them masked, a delivered message's stored body keeps none (scrubbed in the
transaction that records the delivery), and without SMTP only the command
line prints them, for one address asked by name (`python -m cityviz
credentials ADRESSE`).
"""

from __future__ import annotations

import re
import smtplib
from email.message import EmailMessage

import filetype
from sqlalchemy import ColumnElement
from sqlmodel import Session, col, select

from cityviz import clock, config, db, jobs
from cityviz.models import Organization, OutboxEmail
from cityviz.services import email_render

MAX_ATTEMPTS = 5
_JOB_KEY = "cityviz_mail_job"
_OPEN, _CLOSE = "\u27e6", "\u27e7"  # ⟦ ⟧ around a credential in a stored body
_SECRET = re.compile("\u27e6(.*?)\u27e7", re.S)
MASKED = "•••••••• (masqué : seul le destinataire le lit)"
SCRUBBED = "[effacé après l'envoi]"


def secret(value: str) -> str:
    """A credential inside a message body (see the module docstring)."""
    return _OPEN + value.replace(_OPEN, "").replace(_CLOSE, "") + _CLOSE


def has_secret(body: str) -> bool:
    return _SECRET.search(body) is not None


def masked(body: str, replacement: str = MASKED) -> str:
    """The body as anyone but its recipient may read it."""
    return _SECRET.sub(replacement, body)


def revealed(body: str) -> str:
    """The body as its recipient reads it."""
    return body.replace(_OPEN, "").replace(_CLOSE, "")


def delivery_job_id(s: Session, *, organization_id: int | None = None) -> int | None:
    """The delivery job of this transaction, created with its first message (None without SMTP).

    Code inserting messages in bulk sets their `job_id` to this."""
    if not config.get().smtp_enabled:
        return None
    job_id = s.info.get(_JOB_KEY)
    if job_id is None:
        job = jobs.enqueue(s, "mail.deliver", organization_id=organization_id)
        job_id = s.info[_JOB_KEY] = job.id
    return job_id


def queue_email(s: Session, *, to: str, subject: str, body: str, organization_id: int | None = None,
                action_label: str = "", attachment: tuple[str, str] | None = None) -> OutboxEmail:
    """`organization_id`: the town whose name and logo head the message; `action_label`: the label
    of the button opening the body's first link; `attachment`: (file name, stored file key)."""
    name, key = attachment or ("", None)
    message = OutboxEmail(to_address=to, subject=subject, body=body, created_at=clock.now(),
                          organization_id=organization_id, action_label=action_label,
                          attachment_name=name, attachment_key=key,
                          job_id=delivery_job_id(s, organization_id=organization_id))
    s.add(message)
    return message


def _stored(key: str) -> bytes:
    """A stored file's bytes (the layout of households/files.py, which sits above this module)."""
    return (config.get().upload_dir / key[:2] / key).read_bytes()


def compose(message: OutboxEmail, organization: Organization | None = None) -> EmailMessage:
    """The MIME message: plain text and HTML alternatives (the logo inline), then the attachment."""
    logo = _stored(organization.logo_key) if organization is not None and organization.logo_key else None
    text, html = email_render.render(subject=message.subject, body=revealed(message.body),
                                     organization=organization.name if organization else "",
                                     action_label=message.action_label, has_logo=logo is not None)
    mail = EmailMessage()
    mail["From"] = config.get().mail_from
    mail["To"] = message.to_address
    mail["Subject"] = message.subject
    mail.set_content(text)
    mail.add_alternative(html, subtype="html")
    if logo is not None:
        kind = filetype.guess(logo)
        maintype, subtype = (kind.mime if kind else "image/png").split("/")
        mail.get_payload()[1].add_related(logo, maintype, subtype, cid=f"<{email_render.LOGO_CID}>")
    if message.attachment_key:
        mail.add_attachment(_stored(message.attachment_key), maintype="application", subtype="pdf",
                            filename=message.attachment_name or "document.pdf")
    return mail


def _send(message: OutboxEmail, organization: Organization | None) -> None:
    settings = config.get()
    mail = compose(message, organization)
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=20) as smtp:
        if settings.smtp_starttls:
            smtp.starttls()
        if settings.smtp_user:
            smtp.login(settings.smtp_user, settings.smtp_password)
        smtp.send_message(mail)


def _deliver(where: ColumnElement[bool], limit: int, ctx: jobs.JobContext | None = None) -> tuple[int, list[str]]:
    """Send the unsent messages matching `where`; (how many were sent, the errors)."""
    with db.read() as s:
        pending = s.exec(select(OutboxEmail).where(col(OutboxEmail.sent_at).is_(None), where)
                         .order_by(OutboxEmail.id).limit(limit)).all()
        ids = {m.organization_id for m in pending if m.organization_id}
        towns = {o.id: o for o in s.exec(select(Organization).where(col(Organization.id).in_(ids))).all()}
    sent, errors = 0, []
    for number, message in enumerate(pending, start=1):
        error = ""
        try:
            _send(message, towns.get(message.organization_id))
        except (OSError, smtplib.SMTPException) as exc:
            error = str(exc)[:500] or type(exc).__name__
        with db.transaction() as s:
            row = s.get(OutboxEmail, message.id)
            if row is None or row.sent_at is not None:
                continue
            row.attempts += 1
            row.last_error = error
            if error:
                errors.append(error)
            else:
                row.sent_at = clock.now()
                row.body = masked(row.body, SCRUBBED)  # delivered: the secret lives only in the recipient's inbox
                sent += 1
            if ctx is not None and (number % 20 == 0 or number == len(pending)):
                ctx.progress(number, len(pending), s=s)
    return sent, errors


class DeliveryFailed(Exception):
    """Some messages could not be handed to the SMTP server (the job tries again later)."""


@jobs.job("mail.deliver", label="Envoi des e-mails", retries=MAX_ATTEMPTS, backoff=60)
def deliver_job(ctx: jobs.JobContext) -> str:
    """The messages of one transaction; those that fail are tried again by the job's retries."""
    sent, errors = _deliver(col(OutboxEmail.job_id) == ctx.job_id, limit=100_000, ctx=ctx)
    if errors:
        raise DeliveryFailed(f"{len(errors)} message(s) non envoyé(s) ({sent} envoyé(s)) : {errors[-1]}")
    return f"{sent} e-mail(s) envoyé(s)."


def deliver_pending(limit: int = 100) -> int:
    """Send what is waiting in the outbox, whatever its job (`cityviz send-mail`); returns how many
    were sent."""
    if not config.get().smtp_enabled:
        return 0
    sent, _errors = _deliver(OutboxEmail.attempts < MAX_ATTEMPTS, limit)
    return sent
