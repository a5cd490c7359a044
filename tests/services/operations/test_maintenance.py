"""Nightly maintenance: old sessions, links, e-mails, jobs and orphan files go; the rest stays."""

import os
import time
from datetime import timedelta

import pytest
from sqlmodel import select

from cityviz import clock, db, jobs
from cityviz.models import AuthSession, Job, OutboxEmail
from cityviz.services.households import files
from cityviz.services.operations import maintenance
from tests import factories

pytestmark = pytest.mark.usefixtures("database", "frozen")


def test_expired_rows_are_purged_and_recent_ones_kept():
    now = clock.now()
    with db.transaction() as s:
        user = factories.make_user(s)
        for days, token in ((100, "a"), (10, "b")):
            s.add(AuthSession(user_id=user.id, token_hash=token * 64, created_at=now - timedelta(days=days),
                              last_seen_at=now - timedelta(days=days), expires_at=now - timedelta(days=days - 1),
                              ended_at=now - timedelta(days=days)))
        s.add(AuthSession(user_id=user.id, ticket_hash="c" * 64, ticket_expires_at=now - timedelta(days=2),
                          created_at=now, last_seen_at=now, expires_at=now + timedelta(hours=1)))
        s.add(OutboxEmail(to_address="x@example.org", subject="vieux", body="", created_at=now - timedelta(days=120),
                          sent_at=now - timedelta(days=119)))
        s.add(OutboxEmail(to_address="x@example.org", subject="récent", body="", created_at=now,
                          sent_at=now))
        s.add(Job(name="tests.old", label="Ancienne", status="succeeded", run_after=now, created_at=now,
                  finished_at=now - timedelta(days=91)))
    counts = maintenance.purge_expired()
    assert (counts["sessions"], counts["emails"], counts["jobs"]) == (2, 1, 1)
    with db.read() as s:
        assert [a.token_hash[0] for a in s.exec(select(AuthSession))] == ["b"]
        assert [m.subject for m in s.exec(select(OutboxEmail))] == ["récent"]


def test_orphan_files_older_than_a_day_are_removed():
    kept, orphan, fresh = (files._write(factories.png_bytes()) for _ in range(3))
    with db.transaction() as s:
        household, _g, _u = factories.make_household(s)
        child = factories.make_child(s, household)
        child.avatar_key = kept
        s.add(child)
    day_old = time.time() - 2 * 86400
    for key in (kept, orphan):
        os.utime(files._path(key), (day_old, day_old))
    assert maintenance.delete_orphan_files() == 1
    assert files._path(kept).exists() and files._path(fresh).exists() and not files._path(orphan).exists()


def test_the_nightly_job_reports_what_it_removed():
    with db.transaction() as s:
        job = jobs.enqueue(s, "operations.nightly_purge")
    with db.read() as s:
        row = s.get(Job, job.id)
    assert row.status == "succeeded" and row.result.startswith("0 session(s)")
