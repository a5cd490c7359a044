"""What the running application tells its operators: structured logs with an id per
request, Reflex event and job run (logs.py), Prometheus metrics (metrics.py, served
at /metrics), and the health check (/_health) — the endpoints are in http.py, the
hook on every Reflex event in reflex_events.py.
"""

from __future__ import annotations

import contextlib
import contextvars
import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from cityviz.observability import logs, metrics
from cityviz.observability.logs import bind, configure, get_logger, new_id

if TYPE_CHECKING:
    from cityviz.jobs.execution import JobContext

__all__ = ["bind", "configure", "event_scope", "get_logger", "job_context", "new_id", "note_outcome"]

_outcome: contextvars.ContextVar[list[str] | None] = contextvars.ContextVar("cityviz_outcome", default=None)
_events_log = get_logger("cityviz.events")
_jobs_log = get_logger("cityviz.jobs")


def note_outcome(outcome: str, **fields) -> None:
    """Tell the current event how it ended when it did not raise: "refused" (a domain error
    shown as a toast), "redirect" (the user may not run it). Called by state/base.py."""
    holder = _outcome.get()
    if holder is not None:
        holder[0] = outcome
    if fields:
        bind(**fields)


@contextlib.contextmanager
def event_scope(handler: str, **fields) -> Iterator[None]:
    """One Reflex event: an id in every log line it causes, a line when it ends, its metrics."""
    holder = ["ok"]
    token = _outcome.set(holder)
    started = time.perf_counter()
    with logs.bound(event_id=new_id(), handler=handler, **fields):
        try:
            yield
        except BaseException as exc:
            holder[0] = "cancelled" if isinstance(exc, (KeyboardInterrupt, SystemExit)) else "error"
            _events_log.exception("event failed")
            raise
        finally:
            elapsed = time.perf_counter() - started
            metrics.EVENTS.labels(handler, holder[0]).inc()
            metrics.EVENT_SECONDS.labels(handler).observe(elapsed)
            if holder[0] != "error":
                _events_log.info("event", outcome=holder[0], duration_ms=round(elapsed * 1000, 1))
            _outcome.reset(token)


@contextlib.contextmanager
def job_context(ctx: JobContext) -> Iterator[Callable[[str], None]]:
    """One run of a job: its ids in every log line, a line and metrics when it ends.
    The caller says how it ended with the function it receives."""
    outcome = ["succeeded"]
    started = time.perf_counter()
    with logs.bound(job_run_id=new_id(), job_id=ctx.job_id, job=ctx.name, attempt=ctx.attempt,
                    organization_id=ctx.organization_id):
        try:
            yield lambda value: outcome.__setitem__(0, value)
        finally:
            elapsed = time.perf_counter() - started
            metrics.JOBS.labels(ctx.name, outcome[0]).inc()
            metrics.JOB_SECONDS.labels(ctx.name).observe(elapsed)
            _jobs_log.info("job run", outcome=outcome[0], duration_ms=round(elapsed * 1000, 1))
