"""Staff dossier list and parent home on a town of 5,000 households.

Builds an organization of N households (a guardian with an account, 1-3
children, a dossier per child and for some guardians, documents, 50 news) next
to one of 300 households, then runs the real Reflex handlers as one backend
worker does (tests/state/harness.py, a real session cookie):

  dossiers, 1st page    DossiersState.load     (default filter: "submitted")
  dossiers, validated   DossiersState.filter   {"status": "validated", "search": ""}
  dossiers, all 'mar'   DossiersState.filter   {"status": "all", "search": "mar"}
  parent home           HomeState.load         (a household with a draft dossier)

All is measured at N/10 households, then once the same database has grown
to N. Per page: median / p95 / max ms of the whole handler (session check,
staff guard, the page's queries, thread hops) and "SQL", the statements one
render sends (counted on the engine, BEGIN left out so SQLite and PostgreSQL
compare). "floor" is the machine's minimum: SELECT 1 through db.read(), and
auth.resolve_session alone. "result" is what the page got (totals checked
against what was built). At the end "x" = median at N / median at N/10: near
1, the page does not slow down as the town grows. Exit status 1, naming the
page, if a statement count differs between the sizes or a median passes 50 ms.

    .venv/bin/python bench/onboarding.py [--households 5000] [--database-url URL]

A PostgreSQL URL's public schema is DROPPED and recreated, then migrated (and
VACUUM ANALYZEd after each load, as autovacuum would): use a scratch database.
SQLite gets no ANALYZE, as in production.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
parser.add_argument("--households", type=int, default=5000)
parser.add_argument("--database-url", default="", help="default: a temporary SQLite file")
ARGS = parser.parse_args()
_tmp = Path(tempfile.mkdtemp(prefix="cityviz-bench-"))
# bcrypt is not what is measured here: cost 4 keeps the logins quick.
os.environ.update(CITYVIZ_BCRYPT_ROUNDS="4", CITYVIZ_DATA_DIR=str(_tmp), PYTEST_CURRENT_TEST="bench",
                  CITYVIZ_DATABASE_URL=ARGS.database_url or f"sqlite:///{_tmp / 'bench.db'}")
for _name in ("CITYVIZ_SMTP_HOST", "CITYVIZ_FAKE_NOW"):
    os.environ.pop(_name, None)

from sqlalchemy import event, insert, text  # noqa: E402

from cityviz import clock, db, routes, schema  # noqa: E402
from cityviz.models import (  # noqa: E402
    Document,
    DocumentRequirement,
    Enrollment,
    Household,
    NewsPost,
    Organization,
    Person,
    StaffMembership,
    User,
)
from cityviz.services.accounts import auth, passwords  # noqa: E402
from cityviz.state.home import HomeState  # noqa: E402
from cityviz.state.staff_families import DossiersState  # noqa: E402
from tests.state.harness import make_state, run  # noqa: E402

PASSWORD = "une phrase de passe pour le banc"
STAFF_EMAIL = "agent@bretteville.example.org"
BUDGET_MS, WARMUP, REPEAT, SECOND_ORG = 50.0, 5, 60, 300
SURNAMES = """MARTIN BERNARD THOMAS PETIT ROBERT RICHARD DURAND DUBOIS MOREAU LAURENT SIMON MICHEL LEFEBVRE LEROY
ROUX DAVID BERTRAND MOREL FOURNIER GIRARD BONNET DUPONT LAMBERT FONTAINE ROUSSEAU VINCENT MULLER LEFEVRE FAURE
ANDRE MERCIER BLANC GUERIN BOYER GARNIER CHEVALIER FRANCOIS LEGRAND GAUTHIER GARCIA PERRIN ROBIN CLEMENT MORIN
NICOLAS HENRY ROUSSEL MATHIEU GAUTIER MASSON MARCHAND DUVAL DENIS DUMONT MARIE LEMAIRE NOEL MEYER DUFOUR MEUNIER
BRUN BLANCHARD GIRAUD JOLY RIVIERE LUCAS BRUNET GAILLARD BARBIER ARNAUD MARTINEZ GERARD ROCHE RENARD SCHMITT ROY
LEROUX COLIN VIDAL CARON PICARD ROGER FABRE AUBERT LEMOINE RENAUD DUMAS LACROIX OLIVIER PHILIPPE BOURGEOIS
PIERRE BENOIT REY LECLERC PAYET ROLLAND GUILLAUME LECOMTE MARECHAL""".split()
WEIGHTS = [1 / (rank + 8) for rank in range(len(SURNAMES))]  # MARTIN most common, as in France
WOMEN = "Marie Nathalie Isabelle Sylvie Julie Camille Aurélie Sophie Céline Audrey Émilie Laure Marine".split()
MEN = "Thomas Nicolas Julien Sébastien Marc Pierre David Laurent Christophe Mathieu Olivier Kevin".split()
CHILDREN = "Léo Gabriel Raphaël Arthur Louis Jules Adam Marius Maël Jade Louise Emma Ambre Alice Rose Lina " \
           "Mia Chloé Margaux Manon Martin Inès Hugo Zoé".split()
STATUSES, STATUS_WEIGHTS = ("draft", "submitted", "validated", "rejected"), (15, 20, 55, 10)
HOUSEHOLD_DOCS = ("Justificatif de domicile", "Attestation d'assurance", "Attestation CAF")
CHILD_DOCS = ("Carnet de vaccination", "Fiche sanitaire de liaison")
STATEMENTS = [0]  # SQL statements sent so far, by every thread


def _count(_conn, _cursor, statement, *_args) -> None:
    if statement.lstrip()[:5].upper() != "BEGIN":
        STATEMENTS[0] += 1


@dataclasses.dataclass
class Town:
    hashed: str  # one bcrypt hash, reused by every account
    rng: random.Random = dataclasses.field(default_factory=lambda: random.Random(2026))
    orgs: list[int] = dataclasses.field(default_factory=list)
    reqs: dict = dataclasses.field(default_factory=dict)  # org -> (household requirement ids, child ones)
    tally: Counter = dataclasses.field(default_factory=Counter)  # what organization 1 holds
    parent_email: str = ""


def ids(conn, model, rows: list[dict]) -> list[int]:
    """One executemany (multi-row INSERT … RETURNING); the new ids, in row order."""
    table = model.__table__
    return [r[0] for r in conn.execute(insert(table).returning(table.c.id, sort_by_parameter_order=True), rows)]


def create_organizations(conn, town: Town) -> None:
    now = clock.now()
    town.orgs = ids(conn, Organization, [dict(name=n, slug=n.lower(), postal_code=p, city=n, created_at=now)
                                         for n, p in (("Bretteville-sur-Odon", "14760"), ("Verson", "14790"))])
    staff = ids(conn, User, [dict(email=STAFF_EMAIL, password_hash=town.hashed, must_change_password=False,
                                  display_name="Agent Banc", created_at=now)])[0]
    conn.execute(insert(StaffMembership.__table__),  # staff of both: the pages must pick and filter
                 [dict(user_id=staff, organization_id=o, role="agent", created_at=now) for o in town.orgs])
    for org in town.orgs:
        kinds = [(n, "household") for n in HOUSEHOLD_DOCS] + [(n, "child") for n in CHILD_DOCS]
        req = ids(conn, DocumentRequirement, [dict(organization_id=org, name=n, scope=scope, position=i,
                                                   created_at=now) for i, (n, scope) in enumerate(kinds)])
        town.reqs[org] = (req[:len(HOUSEHOLD_DOCS)], req[len(HOUSEHOLD_DOCS):])
        conn.execute(insert(NewsPost.__table__), [
            dict(organization_id=org, title=f"Actualité n°{i}", body="Le centre de loisirs ouvre ses portes… " * 8,
                 published_at=None if i % 10 == 9 else now - timedelta(days=3 * i),
                 created_at=now - timedelta(days=3 * i + 1), author_id=staff)
            for i in range(50 if org == town.orgs[0] else 10)])


def add_households(conn, town: Town, org: int, count: int) -> None:
    """`count` more households for `org`, in five executemany statements."""
    rng, now, first_org = town.rng, clock.now(), org == town.orgs[0]
    ago = lambda days: now - timedelta(minutes=rng.randint(0, days * 1440))  # noqa: E731
    households = ids(conn, Household, [dict(street=f"{rng.randint(1, 90)} rue des Écoles", created_at=ago(900),
                                            postal_code="14760" if first_org else "14790",
                                            city="Bretteville-sur-Odon" if first_org else "Verson",
                                            created_by_organization_id=org if rng.random() < .3 else None)
                                       for _ in range(count)])
    names = rng.choices(SURNAMES, WEIGHTS, k=count)
    people = []  # guardians (complete profile, one account each), then children
    for h, name in zip(households, names):
        sex = rng.choice("FM")
        people.append(dict(household_id=h, role="guardian", civility="Mme" if sex == "F" else "M.",
                           first_name=rng.choice(WOMEN if sex == "F" else MEN), last_name=name,
                           email=f"parent{uuid.uuid4().hex[:12]}@example.org", birth_date=None, sex=sex,
                           phone_mobile=f"+336{rng.randrange(10**8):08d}", school_level="", created_at=ago(900)))
    for h, name in zip(households, names):
        for _ in range(rng.choice((1, 2, 2, 3))):
            people.append(dict(household_id=h, role="child", civility=None, first_name=rng.choice(CHILDREN),
                               last_name=name, email="", birth_date=date(rng.randint(2013, 2022), rng.randint(1, 12),
                                                                         rng.randint(1, 28)),
                               sex=rng.choice("FM"), phone_mobile="", school_level=rng.choice(("CP", "CE1", "CM2")),
                               created_at=ago(900)))
    person_ids = ids(conn, Person, people)
    conn.execute(insert(User.__table__), [dict(email=p["email"], password_hash=town.hashed, person_id=pid,
                                               must_change_password=False, created_at=p["created_at"])
                                          for pid, p in zip(person_ids, people) if p["role"] == "guardian"])
    enrollments, documents = [], []
    with_documents = {h for h in households if rng.random() < .7}
    for pid, p in zip(person_ids, people):
        if p["role"] == "child" or rng.random() < .3:
            status = rng.choices(STATUSES, STATUS_WEIGHTS)[0] if enrollments else "draft"
            updated = ago(270)
            enrollments.append(dict(person_id=pid, household_id=p["household_id"], organization_id=org,
                                    status=status, rejection_reason="Pièce illisible" if status == "rejected" else "",
                                    created_at=updated - timedelta(days=rng.randint(0, 30)), updated_at=updated,
                                    submitted_at=None if status == "draft" else updated,
                                    decided_at=updated if status in ("validated", "rejected") else None))
            if first_org:
                if not town.parent_email:  # the parent measured: this household, with a draft dossier
                    town.parent_email = next(g["email"] for g in people if g["household_id"] == p["household_id"])
                # The staff search looks up family names (stored in capitals).
                town.tally.update([status, "all"] + ["mar"] * p["last_name"].upper().startswith("MAR"))
        if p["household_id"] in with_documents:
            for req in town.reqs[org][0 if p["role"] == "guardian" else 1]:
                status = rng.choices(("accepted", "pending", "refused"), (70, 20, 10))[0]
                documents.append(dict(requirement_id=req, household_id=p["household_id"],
                                      person_id=None if p["role"] == "guardian" else pid,
                                      storage_key=uuid.uuid4().hex, original_name="justificatif.pdf",
                                      content_type="application/pdf", size_bytes=rng.randint(40_000, 2_000_000),
                                      status=status, refusal_reason="Illisible" if status == "refused" else "",
                                      uploaded_at=ago(270)))
    conn.execute(insert(Enrollment.__table__), enrollments)
    conn.execute(insert(Document.__table__), documents)
    if first_org:
        town.tally.update(children=len(people) - count, documents=len(documents))


def build_step(label: str, fn, town: Town) -> None:
    started = time.perf_counter()
    with db.get_engine().begin() as conn:  # one transaction per step
        fn(conn)
    if db.get_engine().dialect.name == "postgresql":  # as autovacuum soon would, but not during the timings
        with db.get_engine().connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    t = town.tally
    print(f"\n{label} in {time.perf_counter() - started:.1f} s\n  organization 1: {t['children']:,} children, "
          f"{t['all']:,} dossiers (" + ", ".join(f"{s} {t[s]:,}" for s in STATUSES)
          + f"), {t['documents']:,} documents")


def new_token(email: str) -> str:
    """A real session cookie: login (bcrypt) then the one-use ticket exchange."""
    ticket = auth.login(email=email, password=PASSWORD, ip="10.0.0.1").ticket
    with db.transaction() as s:
        return auth.exchange_ticket(s, ticket=ticket)


async def timed(fn, repeat: int = REPEAT) -> tuple[list[float], set[int]]:
    """ms of each of `repeat` awaited calls (after a warm-up), and the statement counts seen."""
    for _ in range(WARMUP):
        await fn()
    times, counts = [], set()
    for _ in range(repeat):
        before, started = STATEMENTS[0], time.perf_counter()
        if events := await fn():
            sys.exit(f"FAIL: the handler returned {events} (not logged in?)")
        times.append((time.perf_counter() - started) * 1000)
        counts.add(STATEMENTS[0] - before)
    return times, counts


def fmt(counts: set[int]) -> str:
    return "/".join(map(str, sorted(counts)))  # one number unless renders differed


async def measure_size(size: int, town: Town) -> dict:
    print(f"-- {size:,} households " + "-" * 60)
    token = new_token(town.parent_email)

    async def in_read(fn):  # what a handler's in_read does, minus the thread hop
        with db.read() as s:
            fn(s)

    select_one, _ = await timed(lambda: in_read(lambda s: s.execute(text("SELECT 1")).one()), 200)
    resolve, resolve_sql = await timed(lambda: in_read(lambda s: auth.resolve_session(s, token=token)), 200)
    print(f"floor: SELECT 1 through db.read() median {statistics.median(select_one):.2f} ms; "
          f"auth.resolve_session median {statistics.median(resolve):.2f} ms ({fmt(resolve_sql)} statements)")
    dossiers = (DossiersState, routes.ADMIN_DOSSIERS, STAFF_EMAIL)
    pages = [("dossiers, 1st page", *dossiers, DossiersState.load, (), "submitted"),
             ("dossiers, validated", *dossiers, DossiersState.filter, ({"status": "validated", "search": ""},),
              "validated"),
             ("dossiers, all 'mar'", *dossiers, DossiersState.filter, ({"status": "all", "search": "mar"},), "mar"),
             ("parent home", HomeState, routes.HOME, town.parent_email, HomeState.load, (), None)]
    print(f"{'page':<22}{'result':>28}{'median':>9}{'p95':>8}{'max':>8}{'SQL':>6}")
    results = {}
    for name, cls, url, email, handler, args, expected in pages:
        state = make_state(cls, token=new_token(email), url=url)  # fresh session: no idle-clock touch
        times, counts = await timed(lambda: run(handler, state, *args))
        if expected:
            result = f"{len(state.rows)} rows of {state.total:,}"
            if state.total != town.tally[expected] or len(state.rows) != min(20, state.total):
                sys.exit(f"FAIL: {name}: {result}, but {town.tally[expected]} were built")
        else:
            result = (f"next={state.next_actions[0].key if state.next_actions else None}, "
                      f"{len(state.dossiers)} doss., {len(state.feed)} news")
        p95 = statistics.quantiles(times, n=20)[-1]
        print(f"{name:<22}{result:>28}{statistics.median(times):9.2f}{p95:8.2f}{max(times):8.2f}{fmt(counts):>6}")
        results[name] = (statistics.median(times), counts)
    return results


async def main(households: int) -> int:
    engine = db.get_engine()
    event.listen(engine, "before_cursor_execute", _count)
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            version = "PostgreSQL " + conn.execute(text("SHOW server_version")).scalar()
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        else:
            version = "SQLite " + conn.execute(text("SELECT sqlite_version()")).scalar()
    print(f"database: {version}, {engine.url.render_as_string(hide_password=True)}")
    print(f"{os.cpu_count()} CPU(s), one asyncio loop (one worker); {WARMUP} warm-up + {REPEAT} timed renders/page")
    schema.migrate()
    town, small = Town(hashed=passwords.hash_password(PASSWORD)), max(1, households // 10)

    def first(conn):
        create_organizations(conn, town)
        add_households(conn, town, town.orgs[1], SECOND_ORG)
        add_households(conn, town, town.orgs[0], small)

    results = {}
    for size, label, step in ((small, f"built {small:,} households (+{SECOND_ORG} in a 2nd organization)", first),
                              (households, f"grew to {households:,} households",
                               lambda conn: add_households(conn, town, town.orgs[0], households - small))):
        build_step(label, step, town)
        results[size] = await measure_size(size, town)

    print(f"\n== {small:,} -> {households:,} households " + "=" * 50)
    print(f"{'page':<22}{f'SQL {small:,}':>11}{f'SQL {households:,}':>11}"
          f"{f'median {small:,}':>15}{f'median {households:,}':>15}{'x':>7}")
    failures = []
    for name, (median_small, counts_small) in results[small].items():
        median_big, counts_big = results[households][name]
        print(f"{name:<22}{fmt(counts_small):>11}{fmt(counts_big):>11}{median_small:12.2f} ms"
              f"{median_big:12.2f} ms{median_big / median_small:7.2f}")
        if counts_small != counts_big or len(counts_big) != 1:
            failures.append(f"{name}: {fmt(counts_small)} SQL statements per render at {small:,} households, "
                            f"{fmt(counts_big)} at {households:,}")
        failures += [f"{name}: median {median:.1f} ms at {size:,} households (budget {BUDGET_MS:.0f} ms)"
                     for size, median in ((small, median_small), (households, median_big)) if median > BUDGET_MS]
    for failure in failures:
        print(f"FAIL: {failure}")
    if not failures:
        print(f"OK: every page under {BUDGET_MS:.0f} ms median, same SQL count at both sizes")
    return 1 if failures else 0


if __name__ == "__main__":
    try:
        code = asyncio.run(main(max(ARGS.households, 20)))
    finally:
        db.set_engine(None)
        shutil.rmtree(_tmp, ignore_errors=True)
    sys.exit(code)
