"""The jobs the application knows: declared with one decorator, next to the
services they drive.

```python
from cityviz.jobs import job

@job("billing.issue_period", label="Émission des factures", retries=3)
def issue_period(ctx, *, period_id: int) -> str:
    ...
    ctx.progress(done, total)
    return f"{done} facture(s) émise(s)"
```

A worker finds every job by importing every module of `cityviz.services`
(`discover()`), so a new job needs nothing more than its decorator.
"""

from __future__ import annotations

import dataclasses
import importlib
import pkgutil
from collections.abc import Callable
from datetime import timedelta
from typing import Any

# The retry policy, the same whatever runs the job: `retries` attempts in all, waiting
# `backoff` seconds after the first failure, twice as long after each next one, never more than
# MAX_BACKOFF.
DEFAULT_RETRIES = 5
DEFAULT_BACKOFF = 30
MAX_BACKOFF = 6 * 3600
# A running job that has not reported progress for this long is taken to be dead (its worker
# was killed) and is tried again.
DEFAULT_TIMEOUT = 30 * 60


@dataclasses.dataclass(frozen=True)
class JobSpec:
    name: str
    fn: Callable[..., Any]
    label: str
    retries: int = DEFAULT_RETRIES
    backoff: int = DEFAULT_BACKOFF
    timeout: int = DEFAULT_TIMEOUT
    schedule: str = ""  # cron expression, Paris time ("15 3 * * *": every night at 03:15)

    def delay_after(self, attempts: int) -> timedelta:
        """How long to wait before the next try, after `attempts` failed ones (≥ 1)."""
        return timedelta(seconds=min(self.backoff * 2 ** max(attempts - 1, 0), MAX_BACKOFF))

    def enqueue(self, s, **kwargs):
        """Shortcut for `cityviz.jobs.enqueue(s, spec.name, **kwargs)`."""
        from cityviz.jobs.execution import enqueue

        return enqueue(s, self.name, **kwargs)

    def __call__(self, *args, **kwargs):
        return self.fn(*args, **kwargs)


_REGISTRY: dict[str, JobSpec] = {}


def job(name: str, *, label: str, retries: int = DEFAULT_RETRIES, backoff: int = DEFAULT_BACKOFF,
        timeout: int = DEFAULT_TIMEOUT, schedule: str = "") -> Callable[[Callable[..., Any]], JobSpec]:
    """Declare a job. The function receives a `JobContext` then its keyword arguments (plain
    JSON values); it runs its own transactions and returns a short French summary (or None).
    A `DomainError` fails the job at once (a refusal is not worth retrying); any other
    exception is retried with backoff."""
    if retries < 1:
        raise ValueError("a job is tried at least once")

    def register(fn: Callable[..., Any]) -> JobSpec:
        spec = JobSpec(name=name, fn=fn, label=label, retries=retries, backoff=backoff, timeout=timeout,
                       schedule=schedule)
        known = _REGISTRY.get(name)
        if known is not None and known.fn.__qualname__ != fn.__qualname__:
            raise ValueError(f"two jobs are named {name!r}")
        _REGISTRY[name] = spec
        return spec

    return register


def get(name: str) -> JobSpec:
    if name not in _REGISTRY:
        discover()
    try:
        return _REGISTRY[name]
    except KeyError:
        raise LookupError(f"unknown job {name!r}") from None


def all_jobs() -> list[JobSpec]:
    return sorted(_REGISTRY.values(), key=lambda spec: spec.name)


def scheduled() -> list[JobSpec]:
    return [spec for spec in all_jobs() if spec.schedule]


_discovered = False


def discover() -> None:
    """Import every service module, which registers every job (once per process)."""
    global _discovered
    if _discovered:
        return
    import cityviz.services

    for module in pkgutil.walk_packages(cityviz.services.__path__, "cityviz.services."):
        importlib.import_module(module.name)
    _discovered = True
