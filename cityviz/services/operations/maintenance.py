"""Nightly maintenance: what has served its purpose is deleted.

- Login sessions ended or expired for more than 90 days (their address and
  browser are personal data kept that long for security), login tickets never
  exchanged, password-reset links and failed-login counters past their use.
- Sent e-mails after 90 days (an invitation carries a temporary password),
  e-mails never delivered after a year.
- Finished jobs after 90 days (failed ones stay until someone retries or they
  age out too); on PostgreSQL, procrastinate's own finished rows after 7 days.
- Uploaded files that no row refers to any more (a crash between writing a file
  and committing its row), once a day old.
"""

from __future__ import annotations

import time
from datetime import timedelta

from sqlalchemy import delete, or_, text, update
from sqlmodel import col, select

from cityviz import clock, config, db, jobs
from cityviz.models import (
    AbsenceReport,
    AuthSession,
    CampaignDocument,
    Document,
    Job,
    LoginThrottle,
    NewsPost,
    Organization,
    OutboxEmail,
    PasswordReset,
    Person,
)

SESSIONS_KEPT = timedelta(days=90)
MAIL_KEPT = timedelta(days=90)
UNSENT_KEPT = timedelta(days=365)
JOBS_KEPT = timedelta(days=90)
ORPHAN_FILE_AGE = 24 * 3600


def purge_expired(now=None) -> dict[str, int]:
    """One transaction; returns how many rows of each kind were removed."""
    now = now or clock.now()
    old = now - SESSIONS_KEPT
    counts: dict[str, int] = {}
    with db.transaction() as s:
        counts["sessions"] = s.execute(delete(AuthSession).where(or_(
            col(AuthSession.ended_at) < old, col(AuthSession.expires_at) < old, col(AuthSession.last_seen_at) < old,
            # A login ticket never exchanged for a cookie: useless a minute later.
            col(AuthSession.token_hash).is_(None) & (col(AuthSession.ticket_expires_at) < now - timedelta(days=1)),
        ))).rowcount
        counts["password_resets"] = s.execute(delete(PasswordReset).where(
            col(PasswordReset.expires_at) < now - timedelta(days=1))).rowcount
        counts["login_throttles"] = s.execute(delete(LoginThrottle).where(
            col(LoginThrottle.blocked_until) < now - timedelta(days=1),
            col(LoginThrottle.last_failure_at) < now - timedelta(days=1))).rowcount
        counts["emails"] = s.execute(delete(OutboxEmail).where(or_(
            col(OutboxEmail.sent_at) < now - MAIL_KEPT,
            col(OutboxEmail.sent_at).is_(None) & (col(OutboxEmail.created_at) < now - UNSENT_KEPT)))).rowcount
        finished = select(Job.id).where(col(Job.status).in_(["succeeded", "cancelled", "failed"]),
                                        col(Job.finished_at) < now - JOBS_KEPT)
        s.execute(update(OutboxEmail).where(col(OutboxEmail.job_id).in_(finished)).values(job_id=None))
        counts["jobs"] = s.execute(delete(Job).where(col(Job.id).in_(finished))).rowcount
        if config.get().jobs_backend == "procrastinate" and s.get_bind().dialect.name == "postgresql":
            counts["procrastinate_jobs"] = s.execute(text(
                "DELETE FROM procrastinate.procrastinate_jobs j WHERE j.status IN "
                "('succeeded', 'failed', 'cancelled', 'aborted') AND NOT EXISTS (SELECT 1 FROM "
                "procrastinate.procrastinate_events e WHERE e.job_id = j.id AND e.at > now() - interval '7 days')"
            )).rowcount
    return counts


def referenced_files() -> set[str]:
    with db.read() as s:
        keys = set(s.exec(select(Document.storage_key)).all())
        for column in (Person.avatar_key, NewsPost.image_key, Organization.logo_key, OutboxEmail.attachment_key,
                       AbsenceReport.certificate_key, Person.pai_key, CampaignDocument.storage_key):
            keys |= {k for k in s.exec(select(column).where(col(column).is_not(None))).all() if k}
    return keys


def delete_orphan_files() -> int:
    """Files under data/uploads that no row refers to, older than a day (never one being uploaded)."""
    root = config.get().upload_dir
    if not root.exists():
        return 0
    keep = referenced_files()
    limit = time.time() - ORPHAN_FILE_AGE
    removed = 0
    for path in root.glob("*/*"):
        if path.is_file() and path.name not in keep and path.stat().st_mtime < limit:
            path.unlink(missing_ok=True)
            removed += 1
    return removed


@jobs.job("operations.nightly_purge", label="Entretien de nuit (sessions, liens, e-mails, fichiers)",
          schedule="15 3 * * *", retries=3)
def nightly_purge(ctx: jobs.JobContext) -> str:
    counts = purge_expired()
    files = delete_orphan_files()
    return (f"{counts['sessions']} session(s), {counts['password_resets']} lien(s) de réinitialisation, "
            f"{counts['emails']} e-mail(s), {counts['jobs']} tâche(s) et {files} fichier(s) orphelin(s) supprimés.")
