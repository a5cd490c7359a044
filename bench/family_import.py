"""« Importer des familles »: a file of 5,000 lines (about 3,300 families, one line per child).

Builds the CSV (and the same lines as an Excel file), then times, each in its own transaction
as the page runs them:
  preview csv   family_import.preview_import (reads, checks every line, writes nothing)
  preview xlsx  the same from the Excel file (openpyxl)
  import        family_import.import_families (households, guardians, children, draft dossiers)
  re-import     the same file again: every family and child updated, nothing created
  invite        the same again with invitations: an account and an e-mail per guardian
  raw           the floor: the same rows (households, people, dossiers) inserted by Core executemany
Checks: counts after the import, and unchanged after the re-import (no duplicate).
Exit status 1 (FAIL: reason) if a check fails or a step passes 30 s.

    .venv/bin/python bench/family_import.py [--lines 5000] [--database-url URL]

A PostgreSQL URL's public schema is DROPPED and recreated: use a scratch database.
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
parser.add_argument("--lines", type=int, default=5000)
parser.add_argument("--database-url", default="", help="default: a temporary SQLite file")
ARGS = parser.parse_args()
_tmp = Path(tempfile.mkdtemp(prefix="cityviz-bench-"))
os.environ.update(CITYVIZ_BCRYPT_ROUNDS="4", CITYVIZ_DATA_DIR=str(_tmp), PYTEST_CURRENT_TEST="bench",
                  CITYVIZ_DATABASE_URL=ARGS.database_url or f"sqlite:///{_tmp / 'bench.db'}")
for _name in ("CITYVIZ_SMTP_HOST", "CITYVIZ_FAKE_NOW"):
    os.environ.pop(_name, None)

import time_machine  # noqa: E402
from openpyxl import Workbook  # noqa: E402
from sqlalchemy import insert, text  # noqa: E402
from sqlmodel import func, select  # noqa: E402

from cityviz import clock, db, schema  # noqa: E402
from cityviz.models import Enrollment, Household, OutboxEmail, Person  # noqa: E402
from cityviz.services.households import family_import, import_files  # noqa: E402
from tests import factories  # noqa: E402

BUDGET_S = 30.0
NOW = datetime(2026, 9, 14, 10, 0, tzinfo=clock.PARIS)
LEVELS = ("PS", "MS", "GS", "CP", "CE1", "CE2", "CM1", "CM2")


def lines() -> list[list[str]]:
    rows, family = [], 0
    while len(rows) < ARGS.lines:
        family += 1
        for child in range(1 + (family % 2)):  # 1 or 2 children
            rows.append(["Mme", "Camille", f"FAMILLE{family}", f"famille{family}@example.org", "06 12 34 56 78",
                         f"{family % 90 + 1} rue des Écoles", "14760", "Bretteville-sur-Odon", f"Enfant{child}", "",
                         f"0{1 + child}/0{1 + family % 9}/{2015 + family % 8}", "FM"[child], LEVELS[family % 8],
                         "Arachide" if family % 20 == 0 else ""])
    return rows[:ARGS.lines]


def csv_file(rows) -> bytes:
    return ("\n".join(";".join(import_files.COLUMNS.values()) if i < 0 else ";".join(r)
                      for i, r in [(-1, None), *enumerate(rows)])).encode("utf-8")


def xlsx_file(rows) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(list(import_files.COLUMNS.values()))
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def timed(label: str, fn, results: dict):
    start = time.perf_counter()
    value = fn()
    results[label] = time.perf_counter() - start
    print(f"{label:<13} {results[label]:6.2f} s   {ARGS.lines / results[label]:8.0f} lines/s")
    return value


def counts() -> tuple[int, int, int]:
    with db.read() as s:
        return tuple(s.exec(select(func.count()).select_from(model)).one() for model in (Household, Person, Enrollment))


def main() -> int:
    engine = db.get_engine()
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    schema.migrate(engine)
    rows = lines()
    csv_data, xlsx_data = csv_file(rows), xlsx_file(rows)
    results, problems = {}, []
    with time_machine.travel(NOW, tick=True):
        with db.transaction() as s:
            org = factories.make_organization(s, name="Bretteville-sur-Odon")
            agent = factories.actor(s, factories.make_staff(s, org))
        org_id = org.id

        def preview(data, name):
            with db.read() as s:
                return family_import.preview_import(s, actor=agent, organization_id=org_id, filename=name, data=data)

        def run(invite=False):
            with db.transaction() as s:
                return family_import.import_families(s, actor=agent, organization_id=org_id, filename="familles.csv",
                                                     data=csv_data, invite=invite)

        first = timed("preview csv", lambda: preview(csv_data, "familles.csv"), results)
        second = timed("preview xlsx", lambda: preview(xlsx_data, "familles.xlsx"), results)
        if (first.error_lines, first.new_families) != (0, second.new_families):
            problems.append(f"previews differ or have errors: {first.error_lines} errors")
        created = timed("import", run, results)
        after = counts()
        updated = timed("re-import", run, results)
        if counts() != after or updated.new_families or updated.new_children:
            problems.append(f"re-import duplicated: {after} -> {counts()}")
        invited = timed("invite", lambda: run(invite=True), results)
        with db.read() as s:
            mails = s.exec(select(func.count()).select_from(OutboxEmail)).one()
        if invited.invited != created.new_families or mails != invited.invited:
            problems.append(f"invitations: {invited.invited} for {created.new_families} families, {mails} e-mails")

        def raw():
            now = clock.now()
            with db.transaction() as s:
                conn = s.connection()
                homes = [r[0] for r in conn.execute(insert(Household.__table__).returning(
                    Household.__table__.c.id, sort_by_parameter_order=True),
                    [dict(created_at=now, street="1 rue", postal_code="14760", city="B") for _ in range(
                        created.new_families)])]
                people = [r[0] for r in conn.execute(insert(Person.__table__).returning(
                    Person.__table__.c.id, sort_by_parameter_order=True),
                    [dict(household_id=homes[i % len(homes)], role="child", first_name="X", last_name="Y",
                          created_at=now) for i in range(created.new_families + created.new_children)])]
                conn.execute(insert(Enrollment.__table__), [dict(person_id=p, household_id=homes[i % len(homes)],
                                                                 organization_id=org_id, status="draft", created_at=now,
                                                                 updated_at=now) for i, p in enumerate(people)])
        timed("raw", raw, results)
    print(f"families {created.new_families}, children {created.new_children}; households/people/dossiers {after}; "
          f"import / raw = {results['import'] / results['raw']:.1f}")
    shutil.rmtree(_tmp, ignore_errors=True)
    slow = [f"{k} {v:.1f} s" for k, v in results.items() if v > BUDGET_S]
    if problems or slow:
        print("FAIL: " + "; ".join(problems + slow))
        return 1
    print("OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
