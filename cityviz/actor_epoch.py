"""The epoch of actors: a counter in Redis that moves whenever what a logged-in user *is* changes.

An actor (services/accounts/actor.py) is made of four tables: auth_session (ended, timeouts,
password step), user_account (active, e-mail, platform administrator), person (name, photo,
household) and staff_membership (roles). Any transaction that writes one of them — logout,
password change or reset, an account closed or anonymised, a role given or taken, a name
changed — increments the epoch once it has committed. A worker that remembers actors
(services/accounts/session_memory.py) uses one only while the epoch it was read under is still
the current one, so nothing remembered outlives a change, on any worker.

No write path can forget it: SQLAlchemy's session events see every ORM change and every
statement run through a Session (bulk `update()`, `insert()`) on those tables. The only writes
left out are the ones that change no actor: a session's idle clock moving (`last_seen_at` alone)
and a new session row (its token is not remembered anywhere yet).

Without Redis there is no epoch (`current()` is None) and nothing is remembered.
"""

from __future__ import annotations

import logging
import threading

import redis
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from cityviz import config

log = logging.getLogger(__name__)

KEY = "cityviz:actor-epoch"
TABLES = frozenset({"auth_session", "user_account", "person", "staff_membership"})
_FLAG = "cityviz.actors_changed"
_TOUCH_ONLY = frozenset({"last_seen_at"})

_clients: dict[str, redis.Redis] = {}
_clients_lock = threading.Lock()
_listeners: list = []  # called with no argument after each bump (the local memory forgets at once)


def _client() -> redis.Redis | None:
    url = config.get().redis_url
    if not url:
        return None
    with _clients_lock:
        client = _clients.get(url)
        if client is None:
            # Short timeouts: a Redis that does not answer makes the caller read the database.
            client = _clients[url] = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
        return client


def current() -> bytes | None:
    """The epoch now, or None (no Redis, or Redis not answering: remember nothing)."""
    client = _client()
    if client is None:
        return None
    try:
        return client.get(KEY) or b"0"
    except redis.RedisError:
        log.warning("actor epoch unavailable: sessions resolved from the database")
        return None


def bump() -> None:
    """Something an actor is made of changed (and committed): every worker forgets what it remembers."""
    for listener in _listeners:
        listener()
    client = _client()
    if client is None:
        return
    try:
        client.incr(KEY)
    except redis.RedisError:
        # The other workers' memories still hold for at most their time to live (session_memory.TTL).
        log.error("actor epoch not incremented: other workers may use a remembered actor for a few seconds")


def on_bump(listener) -> None:
    if listener not in _listeners:
        _listeners.append(listener)


# --- Which writes move it ----------------------------------------------------------------------

def _changes_an_actor(obj, new: bool) -> bool:
    table = getattr(type(obj), "__tablename__", None)
    if table not in TABLES:
        return False
    if table != "auth_session":
        return True
    if new:
        return False  # a new session: its token is remembered nowhere yet
    changed = {attr.key for attr in inspect(obj).attrs if attr.history.has_changes()}
    return not changed <= _TOUCH_ONLY


@event.listens_for(Session, "before_flush")
def _before_flush(session, _context, _instances) -> None:
    if session.info.get(_FLAG):
        return
    if (any(_changes_an_actor(obj, True) for obj in session.new)
            or any(_changes_an_actor(obj, False) for obj in session.dirty)
            or any(getattr(type(obj), "__tablename__", None) in TABLES for obj in session.deleted)):
        session.info[_FLAG] = True


@event.listens_for(Session, "do_orm_execute")
def _statement(state) -> None:
    if state.session.info.get(_FLAG) or not (state.is_update or state.is_delete or state.is_insert):
        return
    table = getattr(state.statement, "table", None)
    name = getattr(table, "name", None)
    if name not in TABLES:
        return
    if name == "auth_session":
        if state.is_insert:
            return
        if state.is_update:
            values = {getattr(column, "key", str(column)) for column in (state.statement._values or {})}
            if values and values <= _TOUCH_ONLY:
                return  # the idle clock moving
    state.session.info[_FLAG] = True


@event.listens_for(Session, "after_commit")
def _after_commit(session) -> None:
    if session.info.pop(_FLAG, False):
        bump()
