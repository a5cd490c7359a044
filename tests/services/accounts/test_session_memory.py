"""A worker remembers who is behind a token for a few seconds (services/accounts/session_memory.py),
and nothing it remembers outlives a logout, a password change, a timeout or a role taken away —
on this worker or on another one (the actor epoch in Redis, cityviz/actor_epoch.py)."""

import os
import subprocess
import sys
from datetime import timedelta

import pytest
import redis
from sqlalchemy import event, update
from sqlmodel import col, select

from cityviz import actor_epoch, clock, config, db
from cityviz.models import AuthSession, Person, StaffMembership
from cityviz.services.accounts import auth, session_memory
from cityviz.services.errors import NotAuthenticated
from tests import factories

pytestmark = pytest.mark.usefixtures("database", "frozen")
REDIS_URL = os.environ.get("CITYVIZ_TEST_REDIS_URL", "redis://127.0.0.1:6379/5")


@pytest.fixture
def with_redis(settings):
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=0.5).ping()
    except redis.RedisError:
        pytest.skip("Redis injoignable")
    settings(redis_url=REDIS_URL)
    session_memory.forget_all()
    yield
    session_memory.forget_all()


def _login(email="camille@example.org"):
    result = auth.login(email=email, password=factories.PASSWORD)
    with db.transaction() as s:
        return auth.exchange_ticket(s, ticket=result.ticket)


def _parent(email="camille@example.org"):
    with db.transaction() as s:
        factories.make_household(s, email=email)
    return _login(email)


def statements(fn):
    """(fn's result, the SQL statements it sent)."""
    sent = []

    def count(*_args, **_kw):
        sent.append(1)

    engine = db.get_engine()
    event.listen(engine, "before_cursor_execute", count)
    try:
        return fn(), len(sent)
    finally:
        event.remove(engine, "before_cursor_execute", count)


def test_with_redis_the_next_events_of_a_session_read_no_database(with_redis):
    token = _parent()
    first, sent_first = statements(lambda: session_memory.resolve_token(token))
    again, sent_again = statements(lambda: session_memory.resolve_token(token))
    assert sent_first >= 1 and sent_again == 0
    assert again == first and again.email == "camille@example.org"


def test_without_redis_every_event_reads_the_database():
    token = _parent()
    session_memory.resolve_token(token)
    _actor, sent = statements(lambda: session_memory.resolve_token(token))
    assert sent >= 1


def test_logout_ends_a_remembered_session_at_once(with_redis):
    token = _parent()
    session_memory.resolve_token(token)
    with db.transaction() as s:
        auth.logout(s, token=token)
    with pytest.raises(NotAuthenticated):
        session_memory.resolve_token(token)


def test_a_password_change_ends_the_other_remembered_sessions(with_redis):
    phone = _parent()
    laptop = _login()
    session_memory.resolve_token(phone)
    actor = session_memory.resolve_token(laptop)
    auth.change_password(actor=actor, current_password=factories.PASSWORD, new_password="une autre phrase longue")
    assert session_memory.resolve_token(laptop).user_id == actor.user_id
    with pytest.raises(NotAuthenticated):
        session_memory.resolve_token(phone)


def test_idle_and_absolute_timeouts_hold_for_a_remembered_session(with_redis, frozen):
    token = _parent()
    actor = session_memory.resolve_token(token)
    frozen.shift(59)
    session_memory.resolve_token(token)
    frozen.shift(2)  # the idle clock is touched once a minute, remembered or not
    _again, sent = statements(lambda: session_memory.resolve_token(token))
    assert sent >= 1
    with db.read() as s:
        row = s.get(AuthSession, actor.session_id)
        assert row.last_seen_at - row.created_at == timedelta(seconds=61)
    frozen.shift(30 * 60)
    with pytest.raises(NotAuthenticated):
        session_memory.resolve_token(token)
    # Absolute: 12 hours even when active, whatever the memory holds.
    token = _login()
    for _ in range(24):
        frozen.shift(30 * 60 - 1)
        if _ < 23:
            session_memory.resolve_token(token)
    frozen.shift(120)
    with pytest.raises(NotAuthenticated):
        session_memory.resolve_token(token)


def test_a_role_taken_away_is_seen_at_the_next_event(with_redis):
    with db.transaction() as s:
        org = factories.make_organization(s)
        factories.make_staff(s, org, email="agent@example.org")
    token = _login("agent@example.org")
    assert session_memory.resolve_token(token).roles == {org.id: "agent"}
    with db.transaction() as s:
        s.delete(s.exec(select(StaffMembership).where(StaffMembership.organization_id == org.id)).one())
    assert session_memory.resolve_token(token).roles == {}


def test_a_change_committed_by_another_process_is_seen_at_the_next_event(with_redis, database):
    """Another worker (here another Python process) logs the user out: this one's memory is not
    told directly, only through the epoch in Redis."""
    token = _parent()
    session_memory.resolve_token(token)
    env = {**os.environ, "CITYVIZ_DATABASE_URL": database, "CITYVIZ_REDIS_URL": REDIS_URL}
    subprocess.run([sys.executable, "-c", (
        "from cityviz import db; from cityviz.services.accounts import auth\n"
        f"with db.transaction() as s: auth.logout(s, token={token!r})")], check=True, env=env,
        cwd=config.ROOT)
    with pytest.raises(NotAuthenticated):
        session_memory.resolve_token(token)


def test_what_moves_the_epoch(with_redis):
    token = _parent()
    actor = session_memory.resolve_token(token)

    def moved(fn) -> bool:
        before = actor_epoch.current()
        with db.transaction() as s:
            fn(s)
        return actor_epoch.current() != before

    # The idle clock moving and a new login change no actor; anything else on the four tables does.
    assert not moved(lambda s: auth.touch_session(s, session_id=actor.session_id))
    assert not moved(lambda s: s.add(AuthSession(user_id=actor.user_id, token_hash="x" * 64,
                                                 created_at=clock.now(), last_seen_at=clock.now(),
                                                 expires_at=clock.now())))
    assert not moved(lambda s: s.execute(select(Person)))
    assert moved(lambda s: setattr(s.get(Person, actor.person_id), "first_name", "Camille-Anne"))
    assert moved(lambda s: s.execute(update(AuthSession).where(col(AuthSession.id) == actor.session_id)
                                     .values(password_change_only=True)))
    assert session_memory.resolve_token(token).password_change_only
