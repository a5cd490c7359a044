"""The runner of jobs without a queue server (SQLite alone, `make run`): a loop that
runs due jobs oldest first, enqueues the scheduled ones when their time comes and
retries those a dead process left running.

It runs as a thread inside the web server (started by the app's lifespan when
CITYVIZ_JOBS=thread), or in the foreground with `python -m cityviz worker`.
Several runners may share a database: a job is taken by a conditional update.
"""

from __future__ import annotations

import logging
import threading
import time

from cityviz.jobs import execution, registry

log = logging.getLogger("cityviz.jobs")

POLL_SECONDS = 2.0  # a job enqueued by another process waits at most this long
HOUSEKEEPING_SECONDS = 30.0  # scheduled jobs and dead runs looked at twice a minute

_wake = threading.Event()


def wake() -> None:
    """A job was committed in this process: look now rather than at the next poll."""
    _wake.set()


class Runner:
    def __init__(self, poll: float = POLL_SECONDS):
        self.poll = poll
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._housekeeping_at = 0.0

    def tick(self) -> int:
        """One round: housekeeping when due, then every due job; returns how many ran."""
        if time.monotonic() >= self._housekeeping_at:
            self._housekeeping_at = time.monotonic() + HOUSEKEEPING_SECONDS
            execution.reap_stale()
            execution.schedule_due()
        return sum(1 for o in execution.run_due() if o.status != "skipped")

    def run_forever(self) -> None:
        registry.discover()
        log.info("job runner started", extra={"poll_seconds": self.poll})
        while not self._stop.is_set():
            try:
                self.tick()
            except Exception:  # noqa: BLE001  (the database may be briefly away: keep running)
                log.exception("job runner round failed")
            _wake.wait(self.poll)
            _wake.clear()
        log.info("job runner stopped")

    def start(self) -> Runner:
        self._thread = threading.Thread(target=self.run_forever, name="cityviz-jobs", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 30.0) -> None:
        self._stop.set()
        _wake.set()
        if self._thread is not None:
            self._thread.join(timeout)


# --- The runner of this process (the web server with CITYVIZ_JOBS=thread) -----------------------

_current: Runner | None = None


def start_in_process() -> Runner:
    global _current
    if _current is None or not is_running():
        _current = Runner().start()
    return _current


def stop_in_process() -> None:
    global _current
    if _current is not None:
        _current.stop()
        _current = None


def is_running() -> bool:
    return _current is not None and _current._thread is not None and _current._thread.is_alive()
