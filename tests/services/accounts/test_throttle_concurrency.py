"""Parallel failed logins cannot overtake the throttle: twelve attempts on one
account at the same instant, each on its own database connection, lead to
exactly four password checks (three free failures, the fourth blocks) — on
SQLite and (with `make test-pg`) on PostgreSQL. A negative control replays
main's old order (check, then bcrypt, then count) under the same load and
must let more through, which shows the test is able to fail."""

import threading
import time

import pytest
from sqlalchemy.pool import NullPool
from sqlmodel import select

from cityviz import clock, db
from cityviz.models import LoginThrottle
from cityviz.services.accounts import auth, passwords, throttle
from cityviz.services.errors import InvalidCredentials, LoginThrottled
from tests import factories
from tests.test_booking_concurrency import _fire as fire_together

pytestmark = pytest.mark.usefixtures("frozen")
ATTEMPTS = 12
EMAIL = "camille@example.org"


@pytest.fixture
def crowd(database, monkeypatch):
    with db.transaction() as s:
        factories.make_household(s, email=EMAIL)
    db.set_engine(db.make_engine(database, poolclass=NullPool))
    checks = []
    lock = threading.Lock()
    real_verify = passwords.verify_password

    def slow_verify(password, password_hash):
        with lock:
            checks.append(password)
        time.sleep(0.1)  # bcrypt at cost 12 takes about this long: the window main left open
        return real_verify(password, password_hash)

    monkeypatch.setattr(passwords, "verify_password", slow_verify)
    return checks


def _attempts(count: int, email=lambda n: EMAIL, ip=lambda n: f"10.9.0.{n}") -> list:
    """`count` failed logins at the same instant, each in its own thread and connection."""
    return fire_together([
        lambda n=n: auth.login(email=email(n), password=f"mauvais mot de passe {n}", ip=ip(n))
        for n in range(count)])


def test_parallel_failures_on_one_account_get_four_password_checks(crowd):
    results = _attempts(ATTEMPTS)
    assert len(crowd) == 4
    assert sum(isinstance(r, InvalidCredentials) for r in results) == 4
    assert sum(isinstance(r, LoginThrottled) for r in results) == ATTEMPTS - 4
    with db.read() as s:
        row = s.exec(select(LoginThrottle).where(LoginThrottle.key == f"account:{EMAIL}")).one()
    assert row.failures == 4
    assert (row.blocked_until - clock.now()).total_seconds() == 1


def test_parallel_failures_from_one_address_get_eleven_password_checks(crowd):
    """Per address: ten free failures, the eleventh blocks (different accounts, one address)."""
    results = _attempts(15, email=lambda n: f"x{n}@example.org", ip=lambda n: "192.0.2.1")
    assert len(crowd) == 11
    assert sum(isinstance(r, LoginThrottled) for r in results) == 4


def test_negative_control_main_order_lets_parallel_attempts_through(crowd, monkeypatch):
    """Main's order: a read-only check before bcrypt, the failure counted after it."""
    counted = throttle.count_attempt

    def check_only(s, keys, now):
        blocked = [r for r in s.exec(select(LoginThrottle).where(
            LoginThrottle.key.in_([k for k, _ in keys]))).all() if r.blocked_until > now]
        if blocked:
            raise LoginThrottled(1)

    def verify_then_count(password, password_hash):
        result = crowd_verify(password, password_hash)
        n = password.rsplit(" ", 1)[-1]
        with db.transaction() as s:
            counted(s, throttle.throttle_keys(EMAIL, f"10.9.0.{n}"), clock.now())
        return result

    crowd_verify = passwords.verify_password
    monkeypatch.setattr(throttle, "count_attempt", check_only)
    monkeypatch.setattr(passwords, "verify_password", verify_then_count)
    _attempts(ATTEMPTS)
    assert len(crowd) > 4  # the throttle was overtaken: the test above can fail
