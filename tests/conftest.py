"""Test fixtures: a fresh database per test, a frozen clock, factories.

The database is SQLite (a copy of a migrated template file per test) unless
CITYVIZ_TEST_DATABASE_URL points at PostgreSQL: then the same tests run
there, each starting from emptied tables. If that server cannot be reached
the run fails instead of skipping (CI must prove the PostgreSQL run).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from datetime import datetime
from pathlib import Path

# Before anything reads the settings: fast bcrypt in tests (a test checks
# that the default is 12), a private data directory, no SMTP.
_TMP = Path(tempfile.mkdtemp(prefix="cityviz-tests-"))
os.environ["CITYVIZ_BCRYPT_ROUNDS"] = "4"
os.environ["CITYVIZ_DATA_DIR"] = str(_TMP / "data")
os.environ.pop("CITYVIZ_SMTP_HOST", None)
os.environ.pop("CITYVIZ_FAKE_NOW", None)
# Jobs run right after the commit that enqueues them, in the test's thread (cityviz/jobs/backends.py).
os.environ["CITYVIZ_JOBS"] = "eager"

import pytest  # noqa: E402
import time_machine  # noqa: E402
from sqlalchemy import text  # noqa: E402
from sqlmodel import SQLModel  # noqa: E402

import cityviz.models  # noqa: E402,F401  (registers the tables)
from cityviz import clock, config, db, schema  # noqa: E402

PG_URL = os.environ.get("CITYVIZ_TEST_DATABASE_URL", "")
# A Monday in term time, 10:00 in Paris.
FROZEN_NOW = datetime(2026, 9, 14, 10, 0, tzinfo=clock.PARIS)


def pytest_collection_modifyitems(config, items):
    """Tests that use the database carry the `db` mark (run again on PostgreSQL).

    Browser journeys run last: Playwright's sync API keeps an event loop
    running for the rest of the session, which async handler tests need free.
    """
    for item in items:
        if "database" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.db)
    items.sort(key=lambda item: ("/e2e/" in str(item.fspath), _mutation_rank(item)))


# scripts/mutation sets CITYVIZ_MUTATION: mutmut stops at a mutant's first failing test, so the
# focused exact tests go first and the slow state machine and concurrency runs last.
_MUTATION_FIRST = ("test_credit_rules", "test_ledger_figures", "test_payment_rules", "test_statement_unpaid",
                   "test_bank_answer_reading", "test_online_payment", "test_periods_rules", "test_period_lines_rules",
                   "test_bank_request_rules")
_MUTATION_LAST = ("test_ledger_state_machine", "concurrency", "test_billing_reference", "test_billing_integrity")


def _mutation_rank(item) -> int:
    if not os.environ.get("CITYVIZ_MUTATION"):
        return 0
    name = Path(str(item.fspath)).stem
    return 0 if name in _MUTATION_FIRST else 2 if any(x in name for x in _MUTATION_LAST) else 1


@pytest.fixture(scope="session")
def _template() -> str:
    """A migrated database: a file to copy (SQLite) or the emptied schema (PostgreSQL)."""
    if PG_URL:
        engine = db.make_engine(PG_URL)
        try:
            with engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
        except Exception as exc:  # noqa: BLE001
            pytest.exit(f"PostgreSQL demandé mais injoignable ({PG_URL}) : {exc}", returncode=3)
        schema.migrate(engine)
        engine.dispose()
        return PG_URL
    # scripts/mutation runs a pytest session per mutant: it migrates once per module run.
    kept = os.environ.get("CITYVIZ_MUTATION_TEMPLATE")
    if kept and Path(kept).exists():
        return kept
    path = _TMP / "template.db"
    engine = db.make_engine(f"sqlite:///{path}")
    schema.migrate(engine)
    engine.dispose()
    if kept:
        shutil.copyfile(path, f"{kept}.{os.getpid()}")
        os.replace(f"{kept}.{os.getpid()}", kept)
    return str(path)


_TABLES = ", ".join(
    f'"{t.name}"' for t in SQLModel.metadata.sorted_tables
)


@pytest.fixture
def database(_template, tmp_path, monkeypatch):
    """An empty, migrated database used by `cityviz.db` for this test (and
    its own directory for uploaded files)."""
    monkeypatch.setenv("CITYVIZ_DATA_DIR", str(tmp_path / "data"))
    config.reload()
    if PG_URL:
        engine = db.make_engine(PG_URL)
        with engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {_TABLES} RESTART IDENTITY CASCADE"))
        url = PG_URL
    else:
        path = tmp_path / "test.db"
        shutil.copyfile(_template, path)
        url = f"sqlite:///{path}"
        engine = db.make_engine(url)
    db.set_engine(engine)
    yield url
    db.set_engine(None)
    monkeypatch.undo()
    config.reload()


@pytest.fixture(autouse=True)
def _fresh_deadline_caches():
    """Deadlines are cached per rule and date (pure functions, rules.py): each test computes its own.
    Under `make mutation` this matters: mutmut forks each mutant's run from a process whose tests
    already filled the caches with the unmutated code's answers, which would hide the mutant."""
    from cityviz.services.booking import rules

    for cached in (rules._public_holidays, rules.paris_at, rules.NoticeRule.deadline):
        cached.cache_clear()


@pytest.fixture
def frozen(request):
    """Freeze the clock at FROZEN_NOW; `frozen.shift(seconds)` / `frozen.move_to(dt)`."""
    with time_machine.travel(FROZEN_NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def settings(monkeypatch):
    """Change settings for one test: settings(smtp_host="127.0.0.1", ...)."""

    def apply(**values):
        for key, value in values.items():
            monkeypatch.setenv(f"CITYVIZ_{key.upper()}", str(value))
        return config.reload()

    yield apply
    monkeypatch.undo()
    config.reload()


@pytest.fixture
def anyio_backend():
    return "asyncio"
