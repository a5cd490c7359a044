"""PostgreSQL: a pooled connection is pinged before use only after PING_AFTER_IDLE_SECONDS in the
pool (cityviz/db.py); a connection the server closed meanwhile is replaced without an error."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from cityviz import db
from tests.conftest import PG_URL

pytestmark = pytest.mark.skipif(not PG_URL, reason="PostgreSQL only (SQLite has no pool ping)")


def _backend_pid() -> int:
    with db.read() as s:
        return s.execute(text("SELECT pg_backend_pid()")).scalar_one()


@pytest.fixture
def pings(database, monkeypatch):
    calls = []
    dialect = db.get_engine().dialect
    real = dialect.do_ping
    monkeypatch.setattr(dialect, "do_ping", lambda connection: calls.append(connection) or real(connection))
    return calls


def test_a_connection_back_in_the_pool_moments_ago_is_not_pinged(pings):
    first = _backend_pid()
    assert _backend_pid() == first  # the same pooled connection
    assert pings == []


def test_an_idle_connection_is_pinged_and_replaced_when_the_server_closed_it(pings, monkeypatch):
    monkeypatch.setattr(db, "PING_AFTER_IDLE_SECONDS", 0.0)
    first = _backend_pid()
    assert len(pings) == 1  # pinged again: idle for at least 0 s
    with db.make_engine(PG_URL).connect() as other:
        other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": first})
    second = _backend_pid()  # no error: the ping failed, the pool opened a new connection
    assert second != first
    # The dead connection's ping failed, then the new one was pinged too (idle for at least 0 s).
    assert len(pings) == 3 and pings[1] is pings[0] and pings[2] is not pings[0]


def test_without_the_ping_a_connection_closed_by_the_server_fails_once_then_is_replaced(pings):
    """The trade-off of the idle window: a connection killed less than PING_AFTER_IDLE_SECONDS
    after its last use fails the one statement that finds it dead; the pool is invalidated then,
    and the next read works on a new connection."""
    first = _backend_pid()
    with db.make_engine(PG_URL).connect() as other:
        other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": first})
    with pytest.raises(Exception, match="(?i)terminat|closed|connection"):
        _backend_pid()
    assert _backend_pid() != first
    assert pings == []
