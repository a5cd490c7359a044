"""Enqueue a job in the caller's transaction; run it, record its progress, its
result or its failure, and try it again with backoff.

Whatever transports a job to a worker (see backends.py) only says "job n is
due"; everything else is decided here, from the `job` row, so that every way of
running jobs follows the same retry policy. Running a job starts with a
conditional update (queued or retrying → running): a job delivered twice runs
once.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from datetime import datetime, timedelta
from typing import Any

from croniter import croniter
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from cityviz import clock, db, observability
from cityviz.jobs import backends, registry
from cityviz.models import Job
from cityviz.services.errors import DomainError

log = logging.getLogger("cityviz.jobs")

WAITING = ("queued", "retrying")
ACTIVE = ("queued", "retrying", "running")
# A scheduled run missed by more than this (the server was off) is skipped, not caught up.
CATCH_UP = timedelta(hours=24)


class RunLater(Exception):  # noqa: N818 (not an error: a request)
    """Raised by a job that is not due yet (a deadline moved): run again at `at`, no attempt lost."""

    def __init__(self, at: datetime):
        super().__init__(at.isoformat())
        self.at = at


def enqueue(s: Session, name: str, *, organization_id: int | None = None, created_by_id: int | None = None,
            label: str | None = None, unique_key: str | None = None, run_after: datetime | None = None,
            **args: Any) -> Job:
    """Add a job to the current transaction: it exists (and runs) only if the transaction commits.

    With `unique_key`, a job already holding that key is returned as it is (whatever its state;
    `retry_job` runs a failed one again). `args` must be JSON values.
    """
    spec = registry.get(name)
    if unique_key:
        existing = s.exec(select(Job).where(Job.unique_key == unique_key)).first()
        if existing is not None:
            return existing
    now = clock.now()
    row = Job(name=name, label=(label or spec.label)[:200], organization_id=organization_id,
              created_by_id=created_by_id, args=json.dumps(args, ensure_ascii=False, sort_keys=True),
              unique_key=unique_key, status="queued", attempts=0, max_attempts=spec.retries,
              run_after=run_after or now, created_at=now)
    try:
        with s.begin_nested():  # two transactions enqueueing the same key: one wins, the other reads it
            s.add(row)
            s.flush()
    except IntegrityError:
        if not unique_key:
            raise
        return s.exec(select(Job).where(Job.unique_key == unique_key)
                      .execution_options(populate_existing=True)).one()
    backends.dispatch(s, row)
    return row


def retry_job(s: Session, job: Job, *, run_after: datetime | None = None) -> Job:
    """Run a finished (failed, cancelled) job again, from a fresh count of attempts."""
    job.status, job.attempts, job.last_error = "queued", 0, ""
    job.run_after, job.finished_at = run_after or clock.now(), None
    s.add(job)
    s.flush()
    backends.dispatch(s, job)
    return job


@dataclasses.dataclass(frozen=True)
class JobContext:
    """What a running job knows about itself, and how it reports progress."""

    job_id: int
    name: str
    organization_id: int | None
    created_by_id: int | None
    attempt: int  # 1 on the first try

    def progress(self, done: int, total: int | None = None, message: str | None = None,
                 s: Session | None = None) -> None:
        """Record progress (shown in « Tâches »; also proves the job is alive).

        Called between the job's transactions it writes in its own; inside one, pass it as `s`
        (on SQLite a second writer would wait for the first).
        """
        values: dict[str, Any] = {"progress_done": max(0, int(done)), "heartbeat_at": clock.now()}
        if total is not None:
            values["progress_total"] = max(0, int(total))
        if message is not None:
            values["progress_message"] = message[:200]
        statement = update(Job).where(col(Job.id) == self.job_id).values(**values)
        if s is not None:
            s.execute(statement)
            return
        with db.transaction() as own:
            own.execute(statement)


@dataclasses.dataclass(frozen=True)
class Outcome:
    status: str  # succeeded, retrying, failed, queued (run later), skipped (not due / taken)
    job_id: int
    error: str = ""


def _spec_or_none(name: str) -> registry.JobSpec | None:
    try:
        return registry.get(name)
    except LookupError:
        return None


def run_job(job_id: int) -> Outcome:
    """Run one job if it is due and nobody else runs it; record what happened."""
    now = clock.now()
    with db.transaction() as s:
        row = s.get(Job, job_id)
        if row is not None and row.status in WAITING and _spec_or_none(row.name) is None:
            # Its code is gone (a job renamed or removed by an upgrade): say so instead of looping.
            row.status, row.finished_at, row.last_error = "failed", now, f"Tâche inconnue : {row.name}"
            s.add(row)
            return Outcome("failed", job_id, row.last_error)
        taken = s.execute(update(Job).where(col(Job.id) == job_id, col(Job.status).in_(WAITING),
                                            col(Job.run_after) <= now)
                          .values(status="running", attempts=Job.attempts + 1, started_at=now, heartbeat_at=now,
                                  finished_at=None)).rowcount
        if taken != 1:
            return Outcome("skipped", job_id)
        row = s.get(Job, job_id)
        ctx = JobContext(job_id=row.id, name=row.name, organization_id=row.organization_id,
                         created_by_id=row.created_by_id, attempt=row.attempts)
        args = json.loads(row.args or "{}")
    spec = registry.get(ctx.name)
    with observability.job_context(ctx) as watch:
        try:
            result = spec.fn(ctx, **args)
        except RunLater as later:
            watch("rescheduled")
            # Never "now" again: a job that keeps asking for now would run in a loop.
            at = max(later.at, clock.now() + timedelta(seconds=1))
            return _finish(ctx, spec, "queued", run_after=at, attempts_delta=-1)
        except DomainError as exc:
            watch("failed")
            log.warning("job refused", extra={"job": ctx.name, "job_id": job_id, "error": exc.message})
            return _finish(ctx, spec, "failed", error=exc.message)
        except Exception as exc:  # noqa: BLE001  (any failure is recorded, then retried or failed)
            error = f"{type(exc).__name__}: {exc}"[:2000]
            log.error("job failed", exc_info=True,
                      extra={"job": ctx.name, "job_id": job_id, "attempt": ctx.attempt})
            last = ctx.attempt >= spec.retries
            watch("failed" if last else "retrying")
            if last:
                return _finish(ctx, spec, "failed", error=error)
            return _finish(ctx, spec, "retrying", error=error,
                           run_after=clock.now() + spec.delay_after(ctx.attempt))
        watch("succeeded")
    return _finish(ctx, spec, "succeeded", result="" if result is None else str(result))


def _finish(ctx: JobContext, spec: registry.JobSpec, status: str, *, error: str = "", result: str = "",
            run_after: datetime | None = None, attempts_delta: int = 0) -> Outcome:
    now = clock.now()
    values: dict[str, Any] = {"status": status, "heartbeat_at": now}
    if status in ("succeeded", "failed"):
        values["finished_at"] = now
    if status == "succeeded":
        values["result"], values["last_error"] = result[:500], ""
    if error:
        values["last_error"] = error[:2000]
    if run_after is not None:
        values["run_after"] = run_after
    if attempts_delta:
        values["attempts"] = Job.attempts + attempts_delta
    with db.transaction() as s:
        # Only a job still marked running (staff may have cancelled it meanwhile).
        s.execute(update(Job).where(col(Job.id) == ctx.job_id, col(Job.status) == "running").values(**values))
        row = s.get(Job, ctx.job_id)
        if row is not None and row.status in WAITING:
            backends.dispatch(s, row)
    return Outcome(status, ctx.job_id, error)


def due_job_ids(limit: int = 50) -> list[int]:
    with db.read() as s:
        return list(s.exec(select(Job.id).where(col(Job.status).in_(WAITING), col(Job.run_after) <= clock.now())
                           .order_by(Job.run_after, Job.id).limit(limit)).all())


def run_due(limit: int = 1000) -> list[Outcome]:
    """Run the jobs that are due, oldest first (the local runner, tests, `cityviz jobs run`)."""
    outcomes: list[Outcome] = []
    while len(outcomes) < limit:
        batch = due_job_ids(min(50, limit - len(outcomes)))
        ran = [run_job(job_id) for job_id in batch]
        outcomes.extend(ran)
        if not batch or all(o.status == "skipped" for o in ran):
            break
    return outcomes


def schedule_due(now: datetime | None = None) -> list[Job]:
    """Enqueue the latest run of every scheduled job, once (its slot is its unique key)."""
    now = now or clock.now()
    local = now.astimezone(clock.PARIS)
    registry.discover()
    created = []
    for spec in registry.scheduled():
        slot = croniter(spec.schedule, local).get_prev(datetime)
        if now - slot > CATCH_UP:
            continue
        key = f"{spec.name}@{slot.astimezone(clock.UTC):%Y-%m-%dT%H:%MZ}"
        with db.transaction() as s:
            if s.exec(select(Job.id).where(Job.unique_key == key)).first() is None:
                created.append(enqueue(s, spec.name, unique_key=key))
    return created


def reap_stale(now: datetime | None = None) -> list[int]:
    """Jobs left "running" by a worker that died: counted as a failed attempt, then retried."""
    now = now or clock.now()
    reaped = []
    with db.transaction() as s:
        for row in s.exec(select(Job).where(Job.status == "running")).all():
            spec = _spec_or_none(row.name)
            seen = row.heartbeat_at or row.started_at or row.created_at
            timeout = spec.timeout if spec else registry.DEFAULT_TIMEOUT
            if now - seen < timedelta(seconds=timeout):
                continue
            row.last_error = "Interrompue (le processus qui l'exécutait s'est arrêté) : nouvel essai."
            if row.attempts >= row.max_attempts:
                row.status, row.finished_at = "failed", now
            else:
                delay = spec.delay_after(row.attempts) if spec else timedelta(0)
                row.status, row.run_after = "retrying", now + delay
            s.add(row)
            s.flush()
            if row.status == "retrying":
                backends.dispatch(s, row)
            reaped.append(row.id)
    return reaped
