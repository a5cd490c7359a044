"""How a job reaches a worker once its transaction commits (CITYVIZ_JOBS).

- `procrastinate` (PostgreSQL, production): the job id is deferred to
  procrastinate *in the same transaction* (its tables live in the same database,
  schema `procrastinate`), so a job exists for a worker exactly when its row
  does. Workers: `python -m cityviz worker` (several, on several machines).
- `thread` (SQLite alone, `make run`): the runner inside the server process
  (local.py) polls the job table; a commit in the same process wakes it at once.
  `python -m cityviz worker` runs the same loop in a process of its own.
- `eager` (tests): the job runs in the calling thread right after the commit,
  when it is due; later tries wait for `run_due()`.

All three run the same job functions through `execution.run_job`, hence the same
attempts and backoff.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from cityviz import clock, config, db

if TYPE_CHECKING:
    from sqlmodel import Session

    from cityviz.models import Job


def backend() -> str:
    return config.get().jobs_backend


def dispatch(s: Session, job: Job) -> None:
    kind = backend()
    if kind == "procrastinate":
        from cityviz.jobs import pg

        pg.defer(s, job_id=job.id, run_after=job.run_after)
    elif kind == "eager":
        if job.run_after <= clock.now():
            from cityviz.jobs.execution import run_job

            db.after_commit(s, functools.partial(run_job, job.id))
    else:
        from cityviz.jobs import local

        db.after_commit(s, local.wake)
