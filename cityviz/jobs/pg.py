"""procrastinate on PostgreSQL: carries job ids to the workers.

procrastinate (https://procrastinate.readthedocs.io) keeps its queue in the same
PostgreSQL database, in its own schema (`procrastinate`, out of the way of our
migrations), wakes workers with LISTEN/NOTIFY and hands each job to one worker
(FOR UPDATE SKIP LOCKED). We defer through the connection of the transaction that
wrote the job row, so both commit or neither does. Our `job` row keeps the
attempts, progress and failures (execution.py); a retry is a new deferral at the
time our backoff says.
"""

from __future__ import annotations

import functools
import logging
import threading
from datetime import datetime

import psycopg
from procrastinate import App, PsycopgConnector, SyncPsycopgConnector, exceptions
from procrastinate.schema import SchemaManager
from sqlalchemy.engine import make_url
from sqlmodel import Session, col, select

from cityviz import clock, config, db
from cityviz.jobs import execution, registry

log = logging.getLogger("cityviz.jobs")

SCHEMA = "procrastinate"
QUEUE = "cityviz"
TASK = "cityviz.run_job"
HOUSEKEEPING_SECONDS = 30.0


def conninfo(url: str | None = None) -> str:
    """libpq connection string of a SQLAlchemy URL (postgresql+psycopg://… → postgresql://…);
    by default the database the application uses."""
    parsed = (make_url(url) if url else db.get_engine().url).set(drivername="postgresql")
    return parsed.render_as_string(hide_password=False)


def _run(job_id: int) -> None:
    execution.run_job(job_id)


def _app(connector) -> App:
    application = App(connector=connector)
    application.task(name=TASK, queue=QUEUE, pass_context=False)(_run)
    return application


@functools.cache
def app() -> App:
    """The workers' app (asynchronous connector, its own pool)."""
    return _app(PsycopgConnector(conninfo=conninfo(), kwargs={"options": f"-c search_path={SCHEMA}"},
                                 min_size=1, max_size=config.get().worker_concurrency + 2))


@functools.cache
def _deferrer() -> App:
    """The app that defers through our own connections (synchronous, so that it also works from
    a job running in a worker, whose app is opened asynchronously; its pool is never opened)."""
    return _app(SyncPsycopgConnector(conninfo=conninfo()))


def defer(s: Session, *, job_id: int, run_after: datetime) -> None:
    """Defer `job_id` inside the transaction of `s` (its commit publishes it)."""
    connection = s.connection()
    raw = connection.connection.driver_connection
    # procrastinate's functions and types live in its schema: visible for this call only.
    previous = connection.exec_driver_sql("SELECT current_setting('search_path')").scalar()
    connection.exec_driver_sql("SELECT set_config('search_path', %s, true)", (f"{previous}, {SCHEMA}",))
    options = {"connection": raw, "queueing_lock": f"cityviz-job-{job_id}"}
    if run_after > clock.now():
        options["schedule_at"] = run_after
    # A duplicate deferral must fail alone, not the whole transaction: a savepoint of our own
    # (procrastinate writes through the raw connection, which the Session does not see).
    connection.exec_driver_sql("SAVEPOINT cityviz_defer")
    try:
        _deferrer().configure_task(TASK, **options).defer(job_id=job_id)
        connection.exec_driver_sql("RELEASE SAVEPOINT cityviz_defer")
    except exceptions.AlreadyEnqueued:
        connection.exec_driver_sql("ROLLBACK TO SAVEPOINT cityviz_defer")  # already waiting for a worker
    finally:
        connection.exec_driver_sql("SELECT set_config('search_path', %s, true)", (previous,))


def ensure_schema(url: str | None = None) -> bool:
    """Create procrastinate's schema once (`cityviz migrate` calls it); True if created now."""
    with psycopg.connect(conninfo(url), autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}")
        exists = conn.execute("SELECT to_regclass(%s)", (f"{SCHEMA}.procrastinate_jobs",)).fetchone()[0]
        if not exists:
            conn.execute(f"SET search_path TO {SCHEMA}")
            conn.execute(SchemaManager.get_schema())
        # Its functions and triggers find their tables whoever calls them (our transactions
        # run with the default search_path).
        conn.execute(_PIN_FUNCTIONS)
    return not exists


_PIN_FUNCTIONS = f"""
DO $$ DECLARE f record; BEGIN
  FOR f IN SELECT p.oid::regprocedure AS signature FROM pg_proc p
           JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = '{SCHEMA}' AND p.prokind = 'f'
  LOOP
    EXECUTE format('ALTER FUNCTION %s SET search_path = {SCHEMA}', f.signature);
  END LOOP;
END $$
"""


def redispatch_waiting() -> int:
    """Defer again the jobs waiting in our table (after a switch of backend, a restored backup):
    the queueing lock refuses duplicates and a job runs once anyway."""
    count = 0
    with db.transaction() as s:
        from cityviz.models import Job

        for job in s.exec(select(Job).where(col(Job.status).in_(execution.WAITING))).all():
            defer(s, job_id=job.id, run_after=job.run_after)
            count += 1
    return count


def _housekeeping(stop: threading.Event) -> None:
    while not stop.is_set():
        try:
            execution.reap_stale()
            execution.schedule_due()
        except Exception:  # noqa: BLE001  (keep the worker alive through a database restart)
            log.exception("job housekeeping failed")
        stop.wait(HOUSEKEEPING_SECONDS)


def run_worker(*, concurrency: int | None = None, wait: bool = True) -> None:
    """A procrastinate worker for our jobs, plus the scheduler of nightly jobs (every worker
    runs it; the unique key of each slot keeps one run)."""
    registry.discover()
    ensure_schema()
    redispatch_waiting()
    stop = threading.Event()
    keeper = threading.Thread(target=_housekeeping, args=(stop,), name="cityviz-housekeeping", daemon=True)
    if wait:
        keeper.start()
    try:
        app().run_worker(queues=[QUEUE], concurrency=concurrency or config.get().worker_concurrency, wait=wait,
                         install_signal_handlers=wait, name="cityviz")
    finally:
        stop.set()
        if wait:
            keeper.join(5)
