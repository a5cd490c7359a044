"""What the web server does besides serving pages: structured logs, the hook that
times every Reflex event, and — without a queue server (CITYVIZ_JOBS=thread,
SQLite alone) — the job runner in a thread for the server's lifetime."""

from __future__ import annotations

import asyncio
import contextlib

import reflex as rx

from cityviz import observability
from cityviz.jobs import backends, local
from cityviz.observability import reflex_events


@contextlib.asynccontextmanager
async def _job_runner():
    runner = local.start_in_process() if backends.backend() == "thread" else None
    try:
        yield
    finally:
        if runner is not None:
            await asyncio.to_thread(local.stop_in_process)


def setup(app: rx.App) -> None:
    observability.configure()
    reflex_events.instrument()
    app.register_lifespan_task(_job_runner)
