"""Login throughput at bcrypt cost 12, and what it does to other users.

Runs the real Reflex handlers on one asyncio loop, as one backend worker
does: 20 users log in at once (LoginState.submit) while another, already
logged-in user keeps loading their home page (HomeState.load). Prints the
login throughput and the median/p95 latency of the bystander's events when
idle and during the logins — then the same with bcrypt called directly on
the event loop (the mistake the handlers avoid), as a baseline.

    .venv/bin/python bench/auth.py [--users 20]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
_tmp = Path(tempfile.mkdtemp(prefix="cityviz-bench-"))
os.environ.update(CITYVIZ_BCRYPT_ROUNDS="12", CITYVIZ_DATA_DIR=str(_tmp),
                  CITYVIZ_DATABASE_URL=f"sqlite:///{_tmp / 'bench.db'}", PYTEST_CURRENT_TEST="bench")

from sqlalchemy import delete  # noqa: E402
from sqlmodel import select  # noqa: E402

from cityviz import clock, db, schema  # noqa: E402
from cityviz.models import Household, LoginThrottle, Person, User  # noqa: E402
from cityviz.services.accounts import auth, passwords  # noqa: E402
from cityviz.state.home import HomeState  # noqa: E402
from cityviz.state.login import LoginState  # noqa: E402
from tests.state.harness import make_state, run, scripts  # noqa: E402

PASSWORD = "une phrase de passe pour le banc"


def setup(users: int) -> str:
    schema.migrate()
    hashed = passwords.hash_password(PASSWORD)
    with db.transaction() as s:
        for n in range(users + 1):
            household = Household(created_at=clock.now())
            s.add(household)
            s.flush()
            person = Person(household_id=household.id, role="guardian", first_name="P",
                            last_name=f"N{n}", created_at=clock.now())
            s.add(person)
            s.flush()
            s.add(User(email=f"user{n}@example.org", password_hash=hashed, must_change_password=False,
                       person_id=person.id, created_at=clock.now()))
    result = auth.login(email=f"user{users}@example.org", password=PASSWORD, ip="10.9.9.9")
    with db.transaction() as s:
        return auth.exchange_ticket(s, ticket=result.ticket)


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p * len(ordered)))]


async def bystander(token: str, stop: asyncio.Event, latencies: list[float]) -> None:
    state = make_state(HomeState, token=token, url="/")
    while not stop.is_set():
        started = time.perf_counter()
        await run(HomeState.load, state)
        latencies.append((time.perf_counter() - started) * 1000)
        await asyncio.sleep(0.01)


async def login_handler(n: int) -> float:
    state = make_state(LoginState, url="/connexion", ip=f"10.0.{n // 200}.{n % 200}")
    started = time.perf_counter()
    events = await run(LoginState.submit, state, {"email": f"user{n}@example.org", "password": PASSWORD})
    assert scripts(events), state.error
    return time.perf_counter() - started


async def login_on_the_loop(n: int) -> float:
    """The mistake: bcrypt inside the handler, on the event loop."""
    started = time.perf_counter()
    auth.login(email=f"user{n}@example.org", password=PASSWORD, ip=f"10.1.{n // 200}.{n % 200}")
    return time.perf_counter() - started


async def scenario(token: str, users: int, login) -> dict:
    idle: list[float] = []
    stop = asyncio.Event()
    task = asyncio.create_task(bystander(token, stop, idle))
    await asyncio.sleep(1.0)
    stop.set()
    await task
    busy: list[float] = []
    stop = asyncio.Event()
    task = asyncio.create_task(bystander(token, stop, busy))
    started = time.perf_counter()
    durations = await asyncio.gather(*(login(n) for n in range(users)))
    elapsed = time.perf_counter() - started
    stop.set()
    await task
    return {"elapsed": elapsed, "durations": durations, "idle": idle, "busy": busy}


def report(title: str, r: dict, users: int) -> None:
    print(f"\n{title}")
    print(f"  {users} logins in {r['elapsed']:.2f} s -> {users / r['elapsed']:.1f} logins/s; "
          f"per login median {statistics.median(r['durations']):.2f} s, max {max(r['durations']):.2f} s")
    print(f"  bystander page events, idle:         median {statistics.median(r['idle']):6.1f} ms, "
          f"p95 {pct(r['idle'], 0.95):6.1f} ms ({len(r['idle'])} events)")
    busy = r["busy"] or [float("nan")]
    print(f"  bystander page events, during login: median {statistics.median(busy):6.1f} ms, "
          f"p95 {pct(busy, 0.95):6.1f} ms, max {max(busy):6.1f} ms ({len(r['busy'])} events)")


async def main(users: int) -> None:
    token = setup(users)
    with db.read() as s:
        cost = s.exec(select(User)).first().password_hash.split("$")[2]
    print(f"bcrypt cost {cost}, {os.cpu_count()} CPU(s), SQLite, one asyncio loop (one worker)")
    good = await scenario(token, users, login_handler)
    report("Handlers as shipped (bcrypt off the event loop):", good, users)
    with db.transaction() as s:  # forget the failures/successes of the first run
        s.execute(delete(LoginThrottle))
    bad = await scenario(token, users, login_on_the_loop)
    report("Baseline, bcrypt on the event loop (what the handlers avoid):", bad, users)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=20)
    asyncio.run(main(parser.parse_args().users))
