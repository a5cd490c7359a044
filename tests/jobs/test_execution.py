"""The job framework: enqueued in the caller's transaction, run once, retried with
backoff, given up, scheduled, rescued from a dead worker."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlmodel import select

from cityviz import clock, db, jobs
from cityviz.jobs import execution, local, registry
from cityviz.models import Job
from cityviz.services.errors import Conflict

pytestmark = pytest.mark.usefixtures("database", "frozen")

CALLS: list[tuple[str, dict]] = []
FAILURES = {"left": 0}


@jobs.job("tests.echo", label="Écho")
def echo(ctx, *, word: str, total: int = 3) -> str:
    CALLS.append(("echo", {"word": word, "attempt": ctx.attempt}))
    for done in range(1, total + 1):
        ctx.progress(done, total, f"{done}/{total}")
    return f"{word} ×{total}"


@jobs.job("tests.flaky", label="Instable", retries=3, backoff=30)
def flaky(ctx) -> str:
    CALLS.append(("flaky", {"attempt": ctx.attempt}))
    if FAILURES["left"] > 0:
        FAILURES["left"] -= 1
        raise ConnectionError("serveur injoignable")
    return "enfin"


@jobs.job("tests.refused", label="Refusée")
def refused(ctx) -> None:
    raise Conflict("La période est déjà facturée.")


@jobs.job("tests.later", label="Plus tard")
def later(ctx, *, at: str) -> str:
    moment = datetime.fromisoformat(at)
    if clock.now() < moment:
        raise jobs.RunLater(moment)
    return "à l'heure"


@jobs.job("tests.nightly", label="Nuit", schedule="15 3 * * *")
def nightly(ctx) -> str:
    return "nuit"


@pytest.fixture(autouse=True)
def _reset():
    CALLS.clear()
    FAILURES["left"] = 0
    yield


def _job(job_id: int) -> Job:
    with db.read() as s:
        return s.get(Job, job_id)


def test_a_job_runs_after_its_transaction_commits_with_progress_and_result():
    with db.transaction() as s:
        job = jobs.enqueue(s, "tests.echo", word="bonjour", organization_id=None)
        assert CALLS == []  # not before the commit
    row = _job(job.id)
    assert CALLS == [("echo", {"word": "bonjour", "attempt": 1})]
    assert (row.status, row.result, row.attempts) == ("succeeded", "bonjour ×3", 1)
    assert (row.progress_done, row.progress_total, row.progress_message) == (3, 3, "3/3")
    assert row.label == "Écho" and row.finished_at == clock.now()


def test_a_rolled_back_transaction_leaves_no_job():
    with pytest.raises(RuntimeError), db.transaction() as s:
        jobs.enqueue(s, "tests.echo", word="jamais")
        raise RuntimeError("the change fails")
    with db.read() as s:
        assert s.exec(select(Job)).all() == []
    assert CALLS == []


def test_failures_are_retried_with_growing_backoff_then_succeed(frozen):
    FAILURES["left"] = 2
    with db.transaction() as s:
        job = jobs.enqueue(s, "tests.flaky")
    row = _job(job.id)
    assert (row.status, row.attempts) == ("retrying", 1)
    assert row.run_after == clock.now() + timedelta(seconds=30)
    assert "ConnectionError: serveur injoignable" in row.last_error
    assert jobs.run_due() == []  # not due yet
    frozen.shift(30)
    assert [o.status for o in jobs.run_due()] == ["retrying"]
    assert _job(job.id).run_after == clock.now() + timedelta(seconds=60)  # twice as long
    frozen.shift(60)
    assert [o.status for o in jobs.run_due()] == ["succeeded"]
    row = _job(job.id)
    assert (row.status, row.attempts, row.result, row.last_error) == ("succeeded", 3, "enfin", "")


def test_a_job_gives_up_after_its_attempts_and_staff_can_run_it_again(frozen):
    FAILURES["left"] = 3
    with db.transaction() as s:
        job = jobs.enqueue(s, "tests.flaky")
    frozen.shift(30)
    jobs.run_due()
    frozen.shift(60)
    assert [o.status for o in jobs.run_due()] == ["failed"]
    row = _job(job.id)
    assert (row.status, row.attempts) == ("failed", 3) and row.finished_at is not None
    frozen.shift(3600)
    assert jobs.run_due() == []  # a failed job stays failed
    with db.transaction() as s:
        jobs.retry_job(s, s.get(Job, job.id))
    row = _job(job.id)
    assert (row.status, row.attempts, row.result) == ("succeeded", 1, "enfin")


def test_a_domain_error_fails_the_job_at_once_with_its_french_message():
    with db.transaction() as s:
        job = jobs.enqueue(s, "tests.refused")
    row = _job(job.id)
    assert (row.status, row.attempts, row.last_error) == ("failed", 1, "La période est déjà facturée.")


def test_a_job_not_due_yet_asks_to_run_later_without_losing_an_attempt(frozen):
    at = clock.now() + timedelta(hours=2)
    with db.transaction() as s:
        job = jobs.enqueue(s, "tests.later", at=at.isoformat())
    row = _job(job.id)
    assert (row.status, row.attempts, row.run_after) == ("queued", 0, at)
    frozen.shift(7200)
    assert [o.status for o in jobs.run_due()] == ["succeeded"]
    assert _job(job.id).attempts == 1


def test_a_unique_key_gives_one_job_and_a_job_delivered_twice_runs_once():
    with db.transaction() as s:
        first = jobs.enqueue(s, "tests.echo", word="un", unique_key="tests:1")
        again = jobs.enqueue(s, "tests.echo", word="deux", unique_key="tests:1")
    assert again.id == first.id
    assert [c[1]["word"] for c in CALLS] == ["un"]
    assert jobs.run_job(first.id).status == "skipped"  # already done: the second delivery does nothing
    assert len(CALLS) == 1


def test_a_later_job_is_not_taken_before_its_time():
    with db.transaction() as s:
        job = jobs.enqueue(s, "tests.echo", word="demain", run_after=clock.now() + timedelta(days=1))
    assert CALLS == [] and _job(job.id).status == "queued"
    assert jobs.run_job(job.id).status == "skipped"


def test_scheduled_jobs_are_enqueued_once_per_slot_and_not_caught_up_after_a_day(frozen):
    def ours(created):
        return [j.unique_key for j in created if j.name == "tests.nightly"]

    # Frozen at Monday 14/09/2026 10:00 Paris: the 03:15 run of today is due.
    created = execution.schedule_due()
    assert ours(created) == ["tests.nightly@2026-09-14T01:15Z"]
    assert ours(execution.schedule_due()) == []  # the same slot: nothing more
    assert _job(next(j.id for j in created if j.name == "tests.nightly")).result == "nuit"
    frozen.shift(timedelta(days=1))
    assert ours(execution.schedule_due()) == ["tests.nightly@2026-09-15T01:15Z"]
    frozen.shift(timedelta(days=3))  # the server was off for three nights: only the latest runs
    assert ours(execution.schedule_due()) == ["tests.nightly@2026-09-18T01:15Z"]


def test_a_job_left_running_by_a_dead_worker_is_tried_again(frozen):
    with db.transaction() as s:
        job = jobs.enqueue(s, "tests.echo", word="x", run_after=clock.now() + timedelta(seconds=1))
    frozen.shift(1)
    with db.transaction() as s:  # a worker took it, then was killed
        row = s.get(Job, job.id)
        row.status, row.attempts, row.heartbeat_at = "running", 1, clock.now()
        s.add(row)
    assert execution.reap_stale() == []
    frozen.shift(registry.DEFAULT_TIMEOUT + 1)
    assert execution.reap_stale() == [job.id]
    row = _job(job.id)
    assert row.status == "retrying" and "Interrompue" in row.last_error
    frozen.shift(30)
    assert [o.status for o in jobs.run_due()] == ["succeeded"]


def test_a_job_whose_code_is_gone_fails_with_a_message():
    with db.transaction() as s:
        s.add(Job(name="tests.removed", label="Ancienne", status="queued", run_after=clock.now(),
                  created_at=clock.now()))
    [outcome] = jobs.run_due()
    assert outcome.status == "failed" and "Tâche inconnue" in outcome.error


def test_the_local_runner_runs_due_jobs(settings):
    settings(jobs="thread")
    with db.transaction() as s:
        job = jobs.enqueue(s, "tests.echo", word="fil")
    assert CALLS == []  # the thread backend only wakes the runner
    runner = local.Runner(poll=0.05)
    assert runner.tick() >= 1
    assert _job(job.id).status == "succeeded"


def test_the_local_runner_thread_wakes_on_commit(settings):
    settings(jobs="thread")
    runner = local.Runner(poll=30).start()
    try:
        with db.transaction() as s:
            job = jobs.enqueue(s, "tests.echo", word="réveil", total=1)
        for _ in range(200):
            if _job(job.id).status == "succeeded":
                break
            import time

            time.sleep(0.02)
        assert _job(job.id).status == "succeeded"
    finally:
        runner.stop()
