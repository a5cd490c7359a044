"""Slowing down password guessing: failed logins per account and per address.

Each attempt is counted in the database *before* bcrypt runs, by a
conditional UPDATE that succeeds only while the key is not blocked: twelve
parallel attempts cannot all read "not blocked" and then all check a
password, because each one takes its turn on the counter row (SQLite's
BEGIN IMMEDIATE, PostgreSQL's row lock on UPDATE) and the attempt that
blocks the key makes the next ones fail the condition. A login that
succeeds gives its attempt back (:func:`forgive`).
"""

from __future__ import annotations

import dataclasses
import math
from datetime import datetime, timedelta

from sqlalchemy import case, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from cityviz.models import LoginThrottle
from cityviz.services.errors import LoginThrottled

_T = LoginThrottle.__table__


@dataclasses.dataclass(frozen=True)
class ThrottlePolicy:
    """`free_failures` failures without delay, then 1 s, 2 s, 4 s … up to `max_delay`."""

    free_failures: int
    max_delay: int
    forget_after: timedelta = timedelta(minutes=15)

    def delay(self, failures: int) -> int:
        if failures <= self.free_failures:
            return 0
        return min(2 ** (failures - self.free_failures - 1), self.max_delay)


# An address may hide a whole town hall behind one NAT: more lenient.
ACCOUNT_POLICY = ThrottlePolicy(free_failures=3, max_delay=300)
ADDRESS_POLICY = ThrottlePolicy(free_failures=10, max_delay=300)

Keys = list[tuple[str, ThrottlePolicy]]


def account_key(email: str) -> str:
    return f"account:{email}"[:300]


def throttle_keys(email: str, ip: str) -> Keys:
    keys = [(account_key(email), ACCOUNT_POLICY)]
    if ip:
        keys.append((f"ip:{ip}"[:300], ADDRESS_POLICY))
    return keys


def _insert_missing(s: Session, key: str, now: datetime) -> None:
    dialect = s.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    s.execute(insert(_T).values(key=key, failures=0, last_failure_at=now, blocked_until=now)
              .on_conflict_do_nothing(index_elements=["key"]))


def _wait(s: Session, keys: Keys, now: datetime) -> int:
    rows = s.execute(select(_T.c.blocked_until).where(_T.c.key.in_([k for k, _ in keys]))).scalars().all()
    seconds = max(((until - now).total_seconds() for until in rows), default=0)
    return max(1, math.ceil(seconds))


def count_attempt(s: Session, keys: Keys, now: datetime) -> None:
    """Count one login attempt as a failure on every key, or raise
    :class:`LoginThrottled` (and count nothing) when one of them is blocked.

    Call it in its own write transaction, committed before the password is
    checked. Keys are taken in a fixed order so that two attempts never wait
    for each other's rows (PostgreSQL deadlocks).
    """
    ordered = sorted(keys, key=lambda item: item[0])
    for key, _policy in ordered:
        _insert_missing(s, key, now)
    for key, policy in ordered:
        counted = s.execute(
            update(_T)
            .where(_T.c.key == key, _T.c.blocked_until <= now)
            .values(failures=case((_T.c.last_failure_at < now - policy.forget_after, 1),
                                  else_=_T.c.failures + 1),
                    last_failure_at=now)
            .returning(_T.c.failures)
        ).scalar_one_or_none()
        if counted is None:  # blocked: the transaction is rolled back, nothing is counted
            raise LoginThrottled(_wait(s, keys, now))
        s.execute(update(_T).where(_T.c.key == key)
                  .values(blocked_until=now + timedelta(seconds=policy.delay(counted))))


def forgive(s: Session, keys: Keys, *, email: str) -> None:
    """A successful login: the account starts afresh, the address gets its attempt back."""
    account = account_key(email)
    s.execute(delete(_T).where(_T.c.key == account))
    for key, policy in keys:
        if key == account:
            continue
        row = s.execute(
            update(_T).where(_T.c.key == key, _T.c.failures > 0)
            .values(failures=_T.c.failures - 1)
            .returning(_T.c.failures, _T.c.last_failure_at)
        ).first()
        if row is not None:
            s.execute(update(_T).where(_T.c.key == key)
                      .values(blocked_until=row.last_failure_at + timedelta(seconds=policy.delay(row.failures))))
