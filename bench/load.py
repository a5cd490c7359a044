"""The morning bookings open, through the real interface: N browser tabs over Reflex's websocket.

Each simulated tab is its own parent (created here: a household, a child registered to the
canteen and evening care of Démostars-sur-Mer, a server-side session whose token travels in the
`cvz_session` cookie of the handshake). It speaks Socket.IO (engine.io v4) like the compiled
frontend: `hydrate_and_load` in the namespace CONNECT, then `42/_event,["event", {name, payload,
router_data}]`, and waits for each answer (deltas) before its next event, looping over:
calendar (open « Réservations »), month (next month, then back), book and cancel (a free date
of the month shown), invoices (open « Mes factures »). Calendar events = calendar + month.
With --mix calendar the tabs do only calendar events (open the month, change month), the
measurement of the issue's first table; in the default mix they are half of all events, so
calendar events/s there is about half the calendar-only rate at the same cost per event.

Setups: sqlite1 (SQLite, 1 worker), sqlite2 (SQLite + Redis, 2 workers), pg1, pg2 (PostgreSQL
+ Redis), each started as production does (`reflex run --env prod --single-port`,
GRANIAN_WORKERS): 1 tab, then --tabs tabs, for --seconds each. Printed: events/s, p50/p95/p99
per kind, errors (refusal toast, lost socket, timeout), the server processes' CPU per event (the
figure other programs on the machine disturb least) and bytes received per event; first, in
the same run, the baseline: the same events as service calls in this process (median ms).

    .venv/bin/python bench/load.py [--tabs 32] [--seconds 20] [--setups sqlite1,sqlite2,pg1,pg2]
        [--pg postgresql+psycopg://postgres@127.0.0.1:5432/cityviz_load] [--redis redis://…/15]
        [--port 3100] [--mix morning|calendar] [--profile DIR [--profile-raw]]   # py-spy of each worker (raw: GIL-holding stacks)

The --pg database is dropped and created again. Targets (PostgreSQL + Redis): ≥ 150 calendar
events/s per worker, p95 ≤ 250 ms at 32 tabs with 2 workers, 2 workers ≥ 1.6 × one; exit
status 1 when missed. Figures: bench/load-results.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
FAKE_NOW = "2026-10-05T10:00:00+02:00"  # a Monday in term time, the demo data's dates
os.environ.update(CITYVIZ_FAKE_NOW=FAKE_NOW, CITYVIZ_BCRYPT_ROUNDS="4", CITYVIZ_LOG_LEVEL="WARNING")

import websockets  # noqa: E402

from cityviz import config, db  # noqa: E402

S = "reflex___state____state"
CAL = f"{S}.cityviz___state___base____auth_state.cityviz___state___reservations____calendar_state"
ON_LOAD = f"{S}.reflex___state____on_load_internal_state.on_load_internal"
PAGES = {"calendar": "/reservations/", "invoices": "/factures/"}
CALENDAR_KINDS = ("calendar", "month")


def pct(values: list[float], q: float) -> float:
    return sorted(values)[min(len(values) - 1, int(q * len(values)))] if values else 0.0


# --- Data ------------------------------------------------------------------------------------

def prepare(database_url: str, data_dir: Path, tabs: int) -> list[str]:
    """Migrate, load the demo, create `tabs` parents; returns their session tokens."""
    os.environ.update(CITYVIZ_DATABASE_URL=database_url, CITYVIZ_DATA_DIR=str(data_dir))
    config.reload()
    db.set_engine(None)
    for command in ("migrate", "demo"):
        subprocess.run([sys.executable, "-m", "cityviz", command], cwd=ROOT, check=True, capture_output=True)
    from sqlmodel import select

    from cityviz import clock
    from cityviz.models import Activity, AuthSession, Organization
    from cityviz.services.accounts import auth, passwords
    from tests import factories

    tokens = []
    with db.transaction() as s:
        org = s.exec(select(Organization).where(Organization.name == "Démostars-sur-Mer")).one()
        activities = s.exec(select(Activity).where(Activity.organization_id == org.id,
                                                   Activity.kind.in_(["canteen", "evening_care"]))).all()
        now = clock.now()
        for n in range(tabs):
            household, _guardian, user = factories.make_household(
                s, last_name=f"CHARGE{n}", email=f"parent{n}@charge.example.org", org=org)
            child = factories.make_child(s, household, first_name=f"Enfant{n}", org=org)
            for activity in activities:
                factories.register(s, activity, child)
            token = passwords.new_token()
            s.add(AuthSession(user_id=user.id, token_hash=passwords.token_hash(token), created_at=now,
                              last_seen_at=now, expires_at=now + auth.ABSOLUTE_TIMEOUT))
            tokens.append(token)
    db.get_engine().dispose()
    return tokens


def baseline(tokens: list[str], rounds: int = 30) -> dict[str, float]:
    """The same events as service calls in this process: median ms (session resolved each time)."""
    from cityviz.services.billing import invoices
    from cityviz.services.booking import bookings, calendar
    from cityviz.state.base import _resolve

    times: dict[str, list[float]] = defaultdict(list)
    for token in tokens[:rounds]:
        def timed(kind, fn):
            started = time.perf_counter()
            out = fn()
            times[kind].append((time.perf_counter() - started) * 1000)
            return out

        actor = _resolve(token)
        with db.read() as s:
            view = timed("calendar", lambda: (_resolve(token), calendar.month_view(s, actor=actor, year=2026,
                                                                                  month=10)))[1]
            timed("month", lambda: (_resolve(token), calendar.month_view(s, actor=actor, year=2026, month=11)))
        cell = _free_cell(_cells(json.loads(json.dumps(view, default=lambda o: o.__dict__))))
        if cell:
            with db.transaction() as s:
                timed("book", lambda: (_resolve(token), bookings.book_session(
                    s, actor=actor, child_id=cell["child_id"], session_id=cell["session_id"]),
                    calendar.month_view(s, actor=actor, year=2026, month=10)))
            with db.transaction() as s:
                timed("cancel", lambda: (_resolve(token), bookings.cancel_booking(
                    s, actor=actor, child_id=cell["child_id"], session_id=cell["session_id"]),
                    calendar.month_view(s, actor=actor, year=2026, month=10)))
        with db.read() as s:
            timed("invoices", lambda: (_resolve(token), invoices.household_documents(s, actor=actor)))
    db.get_engine().dispose()
    return {kind: statistics.median(values) for kind, values in times.items()}


def _cells(view: dict | None) -> list[dict]:
    return [cell for week in (view or {}).get("weeks", []) for day in week if day["in_month"]
            for cell in day["cells"]]


def _free_cell(cells: list[dict]) -> dict | None:
    free = [c for c in cells if c["action"] == "book"]
    return random.choice(free) if free else None


# --- One tab ---------------------------------------------------------------------------------

class Tab:
    def __init__(self, url: str, token: str, stats: dict, errors: dict, received: list,
                 calendar_only: bool = False):
        self.url, self.token, self.calendar_only = url, token, calendar_only
        self.stats, self.errors, self.received = stats, errors, received
        self.view: dict | None = None
        self.ws = None

    async def connect(self) -> None:
        boot = self._event(f"{S}.hydrate_and_load", {}, "calendar")
        self.ws = await websockets.connect(
            f"{self.url}/_event/?token={uuid.uuid4()}&EIO=4&transport=websocket".replace("http", "ws", 1),
            additional_headers={"Cookie": f"cvz_session={self.token}"}, max_size=None, compression=None)
        await self._recv()  # engine.io open
        started = time.perf_counter()
        await self.ws.send("40/_event," + json.dumps({"event": boot}))
        await self._until(self._hydrated)
        self.stats["connect"].append(time.perf_counter() - started)

    def _event(self, name: str, payload: dict, page: str = "calendar") -> dict:
        return {"name": name, "payload": payload, "router_data": {"pathname": PAGES[page], "asPath": PAGES[page]}}

    async def _recv(self, deadline: float | None = None) -> str:
        """The next message that is not a ping; TimeoutError past `deadline` (30 s from now by
        default), engine.io pings included: an answer that never comes must not wait forever."""
        deadline = deadline or time.perf_counter() + 30
        while True:
            message = await asyncio.wait_for(self.ws.recv(), max(0.1, deadline - time.perf_counter()))
            if message == "2":  # engine.io ping
                await self.ws.send("3")
                continue
            self.received.append(len(message))
            return message

    async def _until(self, done) -> None:
        deadline = time.perf_counter() + 30
        while True:
            message = await self._recv(deadline)
            if not message.startswith("42/_event,"):
                continue
            body = json.loads(message[len("42/_event,"):])[1]
            view = body.get("delta", {}).get(CAL, {}).get("view_rx_state_")
            if view is not None:
                self.view = view
            for event in body.get("events", []):
                if "toast']?.[\"error\"]" in json.dumps(event.get("payload", {})):
                    raise RuntimeError("refus affiché")
            if done(body):
                return

    _hydrated = staticmethod(lambda body: body.get("delta", {}).get(S, {}).get("is_hydrated_rx_state_") is True)
    _toast = staticmethod(lambda body: any(e.get("name") == "_call_function" for e in body.get("events", [])))

    async def send(self, kind: str, name: str, payload: dict, page: str, done) -> None:
        started = time.perf_counter()
        try:
            await self.ws.send("42/_event," + json.dumps(["event", self._event(name, payload, page)]))
            await self._until(done)
        except Exception as exc:  # noqa: BLE001  (every failure is counted, the tab goes on)
            self.errors[f"{kind}: {type(exc).__name__} {str(exc)[:60]}"] += 1
            if isinstance(exc, (websockets.ConnectionClosed, TimeoutError)):
                await self.ws.close()
                await self.connect()
            return
        self.stats[kind].append(time.perf_counter() - started)

    async def morning(self, deadline: float) -> None:
        await self.connect()
        while time.perf_counter() < deadline:
            await self.send("calendar", ON_LOAD, {}, "calendar", self._hydrated)
            for delta in (1, -1):
                await self.send("month", f"{CAL}.shift_month", {"delta": delta}, "calendar",
                                lambda b: "view_rx_state_" in b.get("delta", {}).get(CAL, {}))
            if self.calendar_only:
                continue
            cell = _free_cell(_cells(self.view))
            if cell is not None:
                for action in ("book", "cancel"):
                    await self.send(action, f"{CAL}.act", {"session_id": cell["session_id"],
                                                           "child_id": cell["child_id"], "action": action},
                                    "calendar", self._toast)
            await self.send("invoices", ON_LOAD, {}, "invoices", self._hydrated)
        await self.ws.close()


async def run_tabs(url: str, tokens: list[str], seconds: float, mix: str = "morning") -> dict:
    stats: dict[str, list[float]] = defaultdict(list)
    errors: dict[str, int] = defaultdict(int)
    received: list[int] = []
    deadline = time.perf_counter() + seconds
    tabs = [Tab(url, token, stats, errors, received, calendar_only=mix == "calendar") for token in tokens]
    started = time.perf_counter()
    await asyncio.gather(*(tab.morning(deadline) for tab in tabs))
    wall = time.perf_counter() - started
    return {"stats": stats, "errors": errors, "wall": wall, "bytes": sum(received)}


# --- Servers ---------------------------------------------------------------------------------

class Backend:
    def __init__(self, env: dict, port: int, workers: int, profile: Path | None, raw: bool = False):
        self.env = {**env, "GRANIAN_WORKERS": str(workers), "CITYVIZ_PUBLIC_URL": f"http://localhost:{port}"}
        self.port, self.profile, self.raw, self.spies = port, profile, raw, []

    def __enter__(self) -> str:
        self.log = tempfile.NamedTemporaryFile("w", prefix="cityviz-load-", suffix=".log", delete=False)
        self.process = subprocess.Popen(
            [str(Path(sys.executable).parent / "reflex"), "run", "--env", "prod", "--single-port",
             "--frontend-port", str(self.port), "--backend-port", str(self.port)], cwd=ROOT, env=self.env, stdout=self.log,
            stderr=subprocess.STDOUT, start_new_session=True)
        url = f"http://127.0.0.1:{self.port}"
        for _ in range(600):
            try:
                urllib.request.urlopen(f"{url}/ping", timeout=2)
                return url
            except OSError:
                if self.process.poll() is not None:
                    raise SystemExit(Path(self.log.name).read_text()[-3000:]) from None
                time.sleep(0.5)
        raise SystemExit("the backend did not start")

    def _tree(self) -> list[str]:
        pids, todo = [], [str(self.process.pid)]
        while todo:
            pid = todo.pop()
            pids.append(pid)
            todo += subprocess.run(["pgrep", "-P", pid], capture_output=True, text=True).stdout.split()
        return pids

    def cpu(self) -> float:
        """CPU seconds used so far by the server's processes (the workers): noise from other
        programs on the machine changes the wall times, much less this."""
        total = 0
        for pid in self._tree():
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += int(fields[11]) + int(fields[12])  # utime, stime
        return total / os.sysconf("SC_CLK_TCK")

    def spy(self, name: str, seconds: float) -> None:
        """py-spy on each granian worker (children of the main process) for `seconds`."""
        if not self.profile:
            return
        self.profile.mkdir(parents=True, exist_ok=True)
        raw = ["--format", "raw", "--gil"] if self.raw else []  # raw: the GIL-holding stacks (the CPU)
        for n, pid in enumerate(self._tree()[1:]):  # granian's workers: children of `reflex run`
            out = self.profile / f"{name}-{n}.{raw and 'txt' or 'svg'}"
            self.spies.append(subprocess.Popen([str(Path(sys.executable).parent / "py-spy"), "record", "-p", pid, "-d",
                                                str(int(seconds)), "-o", str(out), "--nonblocking", *raw],
                                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))

    def __exit__(self, *exc) -> None:
        for spy in self.spies:
            spy.wait(timeout=120)
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.log.close()
        os.unlink(self.log.name)


def measured(process: Backend, url: str, tokens: list[str], seconds: float, mix: str) -> dict:
    before = process.cpu()
    result = asyncio.run(run_tabs(url, tokens, seconds, mix))
    return {**result, "cpu": process.cpu() - before}


def report(label: str, result: dict) -> dict:
    stats, wall = result["stats"], result["wall"]
    events = sum(len(v) for k, v in stats.items() if k != "connect")
    calendar_events = sum(len(stats[k]) for k in CALENDAR_KINDS)
    print(f"  {label}: {events / wall:6.1f} events/s ({calendar_events / wall:6.1f} calendar), "
          f"server CPU {result['cpu'] * 1000 / max(events, 1):5.1f} ms per event, "
          f"{result['bytes'] / max(events, 1) / 1024:5.1f} KiB received per event, "
          f"errors {sum(result['errors'].values())}")
    for kind in ("connect", "calendar", "month", "book", "cancel", "invoices"):
        values = [v * 1000 for v in stats.get(kind, [])]
        if values:
            print(f"      {kind:9} n={len(values):5}  p50 {pct(values, .5):6.0f} ms  p95 {pct(values, .95):6.0f} ms"
                  f"  p99 {pct(values, .99):6.0f} ms")
    for error, count in sorted(result["errors"].items()):
        print(f"      ! {count} × {error}")
    every = [v * 1000 for k in CALENDAR_KINDS for v in stats.get(k, [])]
    return {"calendar_per_s": calendar_events / wall, "p95": pct(every, .95),
            "cpu_ms": result["cpu"] * 1000 / max(events, 1), "errors": sum(result["errors"].values())}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tabs", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--setups", default="sqlite1,sqlite2,pg1,pg2")
    parser.add_argument("--pg", default="postgresql+psycopg://postgres@127.0.0.1:5432/cityviz_load")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/15")
    parser.add_argument("--port", type=int, default=3100)
    parser.add_argument("--profile", type=Path, default=None)
    parser.add_argument("--profile-raw", action="store_true")
    parser.add_argument("--mix", default="morning",
                        help="morning: the whole loop; calendar: only « Réservations » and month changes; "
                             "morning,calendar: both, one after the other on the same servers")
    args = parser.parse_args()
    setups = args.setups.split(",")
    work = Path(tempfile.mkdtemp(prefix="cityviz-load-"))
    summary: dict[tuple[str, str], dict] = {}
    for backend in ("sqlite", "pg"):
        chosen = [s for s in setups if s.startswith(backend)]
        if not chosen:
            continue
        if backend == "pg":
            import psycopg

            server, name = args.pg.replace("+psycopg", "").rsplit("/", 1)
            with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
                conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
                conn.execute(f"CREATE DATABASE {name}")
            url = args.pg
        else:
            url = f"sqlite:///{work / 'load.db'}"
        tokens = prepare(url, work / backend, args.tabs)
        print(f"\n{backend}: {args.tabs} parents; baseline (services in this process, one thread, median ms):")
        print("  " + "  ".join(f"{k} {v:.1f}" for k, v in baseline(tokens).items()))
        for setup in chosen:
            workers = int(setup[len(backend):])
            env = {**os.environ, "CITYVIZ_DATABASE_URL": url, "CITYVIZ_DATA_DIR": str(work / backend),
                   "CITYVIZ_JOBS": "thread" if backend == "sqlite" else "procrastinate",
                   "REFLEX_CHECK_LATEST_VERSION": "0", "REFLEX_TELEMETRY_ENABLED": "false",
                   "REFLEX_BUN_PATH": str(ROOT / ".tools/node_modules/.bin/bun"),
                   "NPM_CONFIG_REGISTRY": os.environ.get("NPM_CONFIG_REGISTRY", "https://registry.npmjs.org/")}
            if workers > 1 or backend == "pg":
                env["CITYVIZ_REDIS_URL"] = args.redis
            print(f"\n{setup}: {workers} worker(s){' + Redis' if 'CITYVIZ_REDIS_URL' in env else ''}")
            process = Backend(env, args.port, workers, args.profile, args.profile_raw)
            with process as base:
                asyncio.run(run_tabs(base, tokens[:1], 3))  # warm up
                for mix in args.mix.split(","):
                    print(f"  mix: {mix}")
                    report("1 tab", measured(process, base, tokens[:1], args.seconds / 2, mix))
                    process.spy(f"{setup}-{mix}", args.seconds)
                    summary[(setup, mix)] = report(f"{args.tabs} tabs",
                                                   measured(process, base, tokens, args.seconds, mix))
    return verdict(summary)


def verdict(summary: dict[tuple[str, str], dict]) -> int:
    ok = True
    for mix in dict.fromkeys(m for _, m in summary):
        if ("pg1", mix) not in summary or ("pg2", mix) not in summary:
            continue
        one, two = summary[("pg1", mix)], summary[("pg2", mix)]
        checks = [("calendar events/s per worker (1 worker) ≥ 150", one["calendar_per_s"] >= 150),
                  ("p95 ≤ 250 ms, 2 workers", two["p95"] <= 250),
                  ("2 workers ≥ 1.6 × one", two["calendar_per_s"] >= 1.6 * one["calendar_per_s"])]
        print(f"\nTargets (PostgreSQL + Redis, calendar events, mix {mix}):")
        print(f"  1 worker {one['calendar_per_s']:.0f}/s p95 {one['p95']:.0f} ms; 2 workers "
              f"{two['calendar_per_s']:.0f}/s p95 {two['p95']:.0f} ms; ratio "
              f"{two['calendar_per_s'] / max(one['calendar_per_s'], 1e-9):.2f}")
        for text, passed in checks:
            print(f"  [{'ok' if passed else 'MISSED'}] {text}")
            ok = ok and passed
    return 0 if ok and not any(s["errors"] for s in summary.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
