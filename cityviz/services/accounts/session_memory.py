"""Who is behind a session token, remembered by this worker for a few seconds.

Every page event resolves its user from the session cookie (state/base.py). Read from the
database each time, that is a pool checkout, a ping and a four-table join per event. With Redis
(several workers), a worker remembers the actor per token hash for at most TTL seconds and uses it
only if all of these still hold, checked at each event:

- the actor epoch (cityviz/actor_epoch.py, one Redis GET) is the one it was read under: any
  committed change to a session, an account, a person or a role — logout, password change or
  reset, an account closed, a role taken — moves it, on every worker, before the change's own
  handler returns;
- the session's 12 h have not passed, and this worker saw it less than 30 min ago (otherwise the
  database decides: another worker may have seen it since);
- when its idle clock is due for a touch (every minute), the touch is written as before.

Anything doubtful — no Redis, Redis not answering, an old epoch, a timeout near — reads the
database, exactly as without the memory. Nothing but the positive answer is remembered: an
unknown or ended token is refused by the database every time.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from datetime import datetime

from cityviz import actor_epoch, clock, db
from cityviz.services.accounts import passwords, sessions
from cityviz.services.accounts.actor import Actor

TTL = 15.0  # seconds a remembered actor may be used (bounds a lost epoch increment)
MAX_ENTRIES = 20_000


@dataclasses.dataclass
class _Entry:
    actor: Actor
    epoch: bytes
    expires_at: datetime
    last_seen_at: datetime
    remembered_at: float  # time.monotonic()


_memory: dict[str, _Entry] = {}
_lock = threading.Lock()


def forget_all() -> None:
    with _lock:
        _memory.clear()


actor_epoch.on_bump(forget_all)  # a change committed in this process: forget at once, not only via Redis


def _usable(entry: _Entry | None, epoch: bytes | None, now: datetime) -> bool:
    return (entry is not None and epoch is not None and entry.epoch == epoch
            and time.monotonic() - entry.remembered_at < TTL
            and now < entry.expires_at and now - entry.last_seen_at < sessions.IDLE_TIMEOUT)


def resolve_token(token: str) -> Actor:
    """The actor behind a session token (NotAuthenticated otherwise), touching its idle clock
    when due; remembered for the next events of this worker when Redis carries the epoch."""
    key = passwords.token_hash(token) if token else ""
    epoch = actor_epoch.current() if key else None  # read before the database: a change after it is seen
    now = clock.now()
    entry = _memory.get(key)
    if _usable(entry, epoch, now):
        if now - entry.last_seen_at >= sessions.TOUCH_EVERY:
            with db.transaction() as s:
                sessions.touch_session(s, session_id=entry.actor.session_id)
            entry.last_seen_at = now
        return entry.actor
    with db.read() as s:
        actor, expires_at, last_seen_at = sessions.resolve_session_window(s, token=token)
    if now - last_seen_at >= sessions.TOUCH_EVERY:
        with db.transaction() as s:
            sessions.touch_session(s, session_id=actor.session_id)
        last_seen_at = now
    if epoch is not None:
        with _lock:
            if len(_memory) >= MAX_ENTRIES:
                _memory.clear()
            _memory[key] = _Entry(actor, epoch, expires_at, last_seen_at, time.monotonic())
    return actor
