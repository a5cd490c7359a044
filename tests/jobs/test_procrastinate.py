"""The production backend: procrastinate on PostgreSQL carries job ids, deferred in the
transaction that writes the job, and a worker runs them (PostgreSQL run only)."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlmodel import select

from cityviz import clock, db, jobs
from cityviz.jobs import pg
from cityviz.models import Job
from tests.jobs import test_execution as sample

pytestmark = pytest.mark.usefixtures("frozen")


@pytest.fixture
def procrastinate(database, settings):
    if not database.startswith("postgresql"):
        pytest.skip("procrastinate needs PostgreSQL (the CI's PostgreSQL run covers it)")
    settings(jobs="procrastinate", worker_concurrency=2)
    pg.app.cache_clear()
    pg._deferrer.cache_clear()
    pg.ensure_schema(database)
    with db.transaction() as s:
        s.execute(text(f"TRUNCATE {pg.SCHEMA}.procrastinate_jobs CASCADE"))
    sample.CALLS.clear()
    sample.FAILURES["left"] = 0
    yield
    pg.app.cache_clear()
    pg._deferrer.cache_clear()


def _queued() -> list[tuple[int, str, object]]:
    with db.read() as s:
        return [tuple(r) for r in s.execute(text(
            f"SELECT (args->>'job_id')::int, status::text, scheduled_at FROM {pg.SCHEMA}.procrastinate_jobs "
            "ORDER BY id")).all()]


def test_a_job_is_deferred_in_the_same_transaction_and_run_by_a_worker(procrastinate):
    with pytest.raises(RuntimeError), db.transaction() as s:
        jobs.enqueue(s, "tests.echo", word="annulé")
        raise RuntimeError("rolled back")
    assert _queued() == []  # neither our row nor procrastinate's
    with db.transaction() as s:
        job = jobs.enqueue(s, "tests.echo", word="bonjour")
    assert _queued() == [(job.id, "todo", None)]
    assert sample.CALLS == []  # the web process only defers
    pg.run_worker(wait=False)
    with db.read() as s:
        row = s.get(Job, job.id)
    assert (row.status, row.result) == ("succeeded", "bonjour ×3")
    assert sample.CALLS == [("echo", {"word": "bonjour", "attempt": 1})]
    assert [status for _id, status, _at in _queued()] == ["succeeded"]


def test_a_failed_run_is_deferred_again_at_the_time_of_the_backoff(procrastinate, frozen):
    sample.FAILURES["left"] = 1
    with db.transaction() as s:
        job = jobs.enqueue(s, "tests.flaky")
    pg.run_worker(wait=False)
    with db.read() as s:
        row = s.get(Job, job.id)
    assert (row.status, row.attempts) == ("retrying", 1)
    retry = [(job_id, status, at) for job_id, status, at in _queued() if status == "todo"]
    assert [(job_id, at) for job_id, _status, at in retry] == [(job.id, row.run_after)]
    # Thirty seconds later (for us and for the database's clock):
    frozen.shift(30)
    with db.transaction() as s:
        s.execute(text(f"UPDATE {pg.SCHEMA}.procrastinate_jobs SET scheduled_at = now() WHERE status = 'todo'"))
    pg.run_worker(wait=False)
    with db.read() as s:
        row = s.get(Job, job.id)
    assert (row.status, row.attempts, row.result) == ("succeeded", 2, "enfin")


def test_health_wants_a_live_worker(procrastinate):
    from starlette.testclient import TestClient

    from cityviz import routes
    from cityviz.api import build_api

    with db.transaction() as s:
        s.execute(text(f"DELETE FROM {pg.SCHEMA}.procrastinate_workers"))
    answer = TestClient(build_api()).get(routes.HEALTH).json()
    assert answer["queue"] is False and answer["queue_detail"]["workers"] == 0
    with db.transaction() as s:
        s.execute(text(f"INSERT INTO {pg.SCHEMA}.procrastinate_workers DEFAULT VALUES"))
    answer = TestClient(build_api()).get(routes.HEALTH).json()
    assert answer["queue"] is True and answer["queue_detail"]["workers"] == 1


def test_a_second_deferral_of_a_waiting_job_is_refused_quietly(procrastinate):
    with db.transaction() as s:
        job = jobs.enqueue(s, "tests.echo", word="une fois", run_after=clock.now())
    assert pg.redispatch_waiting() == 1  # still waiting: the queueing lock keeps one
    assert len(_queued()) == 1
    pg.run_worker(wait=False)
    with db.read() as s:
        assert s.exec(select(Job.status).where(Job.id == job.id)).one() == "succeeded"
    assert len(sample.CALLS) == 1
