"""Database engine and transactions.

`transaction()` is the write transaction every public service call runs in:
on SQLite it starts with BEGIN IMMEDIATE, so that two writers never both read
a stale count and then both write (pysqlite's default deferred BEGIN lets
them, and overbooks); on PostgreSQL services take row locks or conditional
updates. `read()` is for pages that only read: a deferred transaction that
never blocks writers (WAL).
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator

from sqlalchemy import event, exc
from sqlalchemy.engine import Engine
from sqlmodel import Session, create_engine

from cityviz import actor_epoch, config  # noqa: F401 - actor_epoch: its session events, in every process

_lock = threading.Lock()
_engine: Engine | None = None
_WRITE = "cityviz_write"
# The engine with the options of a write or of a read, made once per engine: building an
# OptionEngine at every page event is measurable CPU (events dispatch, options merged).
_variants: dict[str, tuple[Engine, Engine]] = {}


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # Let SQLAlchemy's "begin" event emit BEGIN itself (SQLAlchemy's
        # documented recipe for pysqlite).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        # FULL: a committed payment or invoice survives a power cut.
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=60000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        if conn.get_execution_options().get(_WRITE):
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            conn.exec_driver_sql("BEGIN")


# A pooled PostgreSQL connection is pinged before use only when it sat unused in the pool this
# long: under load a connection comes back within milliseconds and a ping per page event (a
# round trip, and work for the database) bought nothing; after a pause it is pinged as before.
PING_AFTER_IDLE_SECONDS = 2.0
_RETURNED = "cityviz_returned"


def _configure_postgresql(engine: Engine) -> None:
    """SQLAlchemy's pre-ping (a dead connection is replaced, the pool invalidated), but only
    for a connection idle for PING_AFTER_IDLE_SECONDS or more (SQLAlchemy's documented recipe
    for pessimistic disconnect handling with a checkout event)."""

    @event.listens_for(engine, "connect")
    def _new(_dbapi_connection, record):
        record.info[_RETURNED] = time.monotonic()  # just opened: alive

    @event.listens_for(engine, "checkin")
    def _returned(_dbapi_connection, record):
        if record is not None:
            record.info[_RETURNED] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping_if_idle(dbapi_connection, record, _proxy):
        returned = record.info.get(_RETURNED)
        if returned is not None and time.monotonic() - returned < PING_AFTER_IDLE_SECONDS:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as error:
            if engine.dialect.is_disconnect(error, dbapi_connection, None):  # the server went away
                raise exc.InvalidatePoolError() from error  # the pool retries with a new connection
            raise


def make_engine(url: str, **options) -> Engine:
    """The engine for `url`; `options` go to create_engine (tests pass poolclass)."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 60}, **options)
        _configure_sqlite(engine)
    else:
        if "poolclass" not in options:
            options = {"pool_size": 10, "max_overflow": 20, **options}
        engine = create_engine(url, **options)
        _configure_postgresql(engine)
    return engine


def get_engine() -> Engine:
    global _engine
    with _lock:
        if _engine is None:
            _engine = make_engine(config.get().database_url)
        return _engine


def set_engine(engine: Engine | None) -> None:
    """Use another engine (tests, CLI with another URL)."""
    global _engine
    with _lock:
        if _engine is not None and _engine is not engine:
            _engine.dispose()
        _engine = engine
        _variants.clear()


def _with_options(kind: str) -> Engine:
    """The current engine with the options of `kind` (write, read), the same object while the engine is."""
    engine = get_engine()
    base, variant = _variants.get(kind, (None, None))
    if base is not engine:
        if kind == "write":
            variant = engine.execution_options(**{_WRITE: True})
        elif engine.dialect.name == "postgresql":
            variant = engine.execution_options(isolation_level="AUTOCOMMIT")
        else:
            variant = engine
        _variants[kind] = (engine, variant)
    return variant


@contextlib.contextmanager
def transaction() -> Iterator[Session]:
    """One write transaction: commit on success, roll back on any error.

    Callbacks registered with `after_commit(session, fn)` run once the
    transaction is durable (mail delivery, for instance).
    """
    with Session(_with_options("write"), expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
    for callback in session.info.pop("after_commit", []):
        callback()


@contextlib.contextmanager
def read() -> Iterator[Session]:
    """A read-only transaction, ended when the block exits.

    Closing (not rolling back) keeps the loaded objects readable afterwards. On PostgreSQL
    the statements run in autocommit: under READ COMMITTED each statement of a transaction takes
    its own snapshot anyway, so BEGIN and ROLLBACK would only add two round trips to every page
    event. A read must not write (in autocommit a write would stay).
    """
    with Session(_with_options("read"), expire_on_commit=False) as session:
        yield session


def after_commit(session: Session, callback: Callable[[], None]) -> None:
    callbacks = session.info.setdefault("after_commit", [])
    if callback not in callbacks:
        callbacks.append(callback)
