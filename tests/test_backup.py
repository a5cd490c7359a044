"""Backup then restore into an empty instance: every row and every file comes back
(SQLite, and PostgreSQL on the PostgreSQL run)."""

from __future__ import annotations

import json
import os
import stat
import tarfile

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.exc import DBAPIError
from sqlmodel import SQLModel

from cityviz import backup, config, db, demo, schema
from cityviz.models import Document
from cityviz.services.accounts import passwords
from cityviz.services.accounts.actor import Actor
from cityviz.services.households import files
from tests import factories
from tests.services.operations.conftest import issued_invoice

pytestmark = pytest.mark.usefixtures("frozen")


def snapshot(engine) -> dict[str, list[tuple]]:
    """Every row of every table, in primary key order."""
    present = set(inspect(engine).get_table_names())
    out = {}
    with engine.connect() as connection:
        for table in SQLModel.metadata.sorted_tables:
            if table.name in present:
                keys = ", ".join(f'"{c.name}"' for c in table.primary_key.columns)
                out[table.name] = [tuple(r) for r in connection.execute(
                    text(f'SELECT * FROM "{table.name}" ORDER BY {keys}')).all()]
    return out


def uploaded() -> dict[str, bytes]:
    root = config.get().upload_dir
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


@pytest.fixture
def town(database):
    with db.transaction() as s:
        demo.load_demo(s, actor=Actor.system(), password_hash=passwords.hash_password(demo.DEMO_PASSWORD))
        org = factories.make_organization(s, name="Commune sauvegardée")
        household, _g, _u = factories.make_household(s, org=org)
        child = factories.make_child(s, household, org=org)
        child.avatar_key = files._write(factories.png_bytes())
        requirement = factories.make_requirement(s, org, "Attestation d'assurance", "household")
        s.add(Document(requirement_id=requirement.id, household_id=household.id,
                       storage_key=files._write(factories.pdf_bytes("assurance")), original_name="assurance.pdf",
                       content_type="application/pdf", size_bytes=900, uploaded_at=child.created_at))
        issued_invoice(s, org, household, child, paid=200)
    return database


def _empty_instance(tmp_path, monkeypatch, url: str) -> None:
    """Point the application at an empty database and an empty data directory."""
    monkeypatch.setenv("CITYVIZ_DATA_DIR", str(tmp_path / "restored"))
    config.reload()
    if url.startswith("postgresql"):
        engine = db.get_engine()
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        engine.dispose()
        return
    engine = db.make_engine(f"sqlite:///{tmp_path / 'restored' / 'cityviz.db'}")
    schema.migrate(engine)  # a fresh install: migrated, no rows
    db.set_engine(engine)


def test_backup_then_restore_brings_back_every_row_and_file(town, tmp_path, monkeypatch):
    before, files_before = snapshot(db.get_engine()), uploaded()
    assert len(files_before) == 2 and len(before["person"]) > 5
    archive = tmp_path / "sauvegardes" / "cityviz.tar.gz"
    summary = backup.backup(archive)
    assert stat.S_IMODE(os.stat(archive).st_mode) == 0o600  # every family's personal data
    with tarfile.open(archive) as tar:
        names = tar.getnames()
        manifest = json.load(tar.extractfile("manifest.json"))
    head = ScriptDirectory.from_config(schema.alembic_config()).get_current_head()  # whatever the latest is
    assert (manifest["files"], manifest["revision"]) == (2, head)
    assert manifest["rows"] == {t: len(rows) for t, rows in before.items() if t in manifest["rows"]}
    assert sum(n.startswith("uploads/") for n in names) == 2 and summary.files == 2

    with pytest.raises(backup.BackupError, match="contient déjà des données"):
        backup.restore(archive)  # not over a live instance

    _empty_instance(tmp_path, monkeypatch, town)
    assert uploaded() == {}
    restored = backup.restore(archive)
    assert snapshot(db.get_engine()) == before
    assert uploaded() == files_before
    assert restored.missing_files == 0
    # What the database guarantees came back too: issued invoices stay immutable.
    with pytest.raises(DBAPIError, match="cannot be changed"), db.transaction() as s:
        s.execute(text("UPDATE invoice SET total_cents = 0"))


def test_a_forced_restore_replaces_what_the_instance_holds(town, tmp_path):
    before, files_before = snapshot(db.get_engine()), uploaded()
    archive = tmp_path / "cityviz.tar.gz"
    backup.backup(archive)
    with db.transaction() as s:
        factories.make_organization(s, name="Ajoutée après la sauvegarde")
    files._write(factories.png_bytes(color="blue"))
    backup.restore(archive, force=True)
    assert snapshot(db.get_engine()) == before and uploaded() == files_before


def test_an_archive_with_a_path_outside_the_instance_is_refused(town, tmp_path):
    bad = tmp_path / "bad.tar.gz"
    with tarfile.open(bad, "w:gz") as tar:
        payload = tmp_path / "x"
        payload.write_text("{}")
        tar.add(payload, arcname="../../etc/cron.d/evil")
    with pytest.raises(backup.BackupError, match="entrée suspecte"):
        backup.restore(bad, force=True)
