"""Backups: the database and the uploaded files in one archive, and back.

`python -m cityviz backup <file>` writes a gzip-compressed tar archive (mode 0600:
it holds every family's personal data):

    manifest.json       what it holds: database kind, migration, rows per table, files
    database.sqlite3    SQLite: a consistent copy taken with SQLite's online backup API
                        (writers keep working meanwhile)
    database.dump       PostgreSQL: `pg_dump --format=custom` (our tables and the job queue)
    uploads/…           data/uploads: documents, photos, news pictures

`python -m cityviz restore <file>` loads it into an empty instance of the same
database kind — no rows, no files — and refuses a non-empty one unless `--force`
(which replaces everything), then migrates it to the current version and checks
the row counts against the manifest.

The database is copied before the files: a file uploaded during the backup may
come along unreferenced (the nightly maintenance removes orphans after a
restore); a file deleted meanwhile (an anonymisation) may be missing, and the
manifest says how many.
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from pathlib import Path

from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

import cityviz.models  # noqa: F401  (the tables whose rows are counted)
from cityviz import actor_epoch, clock, config, db, schema

FORMAT = 1


class BackupError(Exception):
    """A French sentence for the command line."""


@dataclasses.dataclass(frozen=True)
class Summary:
    path: Path
    database: str
    rows: dict[str, int]
    files: int
    missing_files: int = 0


def _tables() -> list[str]:
    return [t.name for t in SQLModel.metadata.sorted_tables]


def row_counts(engine: Engine) -> dict[str, int]:
    present = set(inspect(engine).get_table_names())
    with engine.connect() as connection:
        return {t: connection.execute(text(f'SELECT count(*) FROM "{t}"')).scalar() for t in _tables() if t in present}


def _revision(engine: Engine) -> str:
    with engine.connect() as connection:
        if "alembic_version" not in inspect(connection).get_table_names():
            return ""
        return connection.execute(text("SELECT version_num FROM alembic_version")).scalar() or ""


def _kind(engine: Engine) -> str:
    return "postgresql" if engine.dialect.name == "postgresql" else "sqlite"


def _libpq(engine: Engine) -> str:
    return engine.url.set(drivername="postgresql").render_as_string(hide_password=False)


def _pg(command: list[str]) -> None:
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupError(f"{command[0]} a échoué : {done.stderr.strip()[-800:]}")


def _sqlite_path(engine: Engine) -> Path:
    return Path(engine.url.database)


def _uploads() -> list[Path]:
    root = config.get().upload_dir
    return sorted(p for p in root.rglob("*") if p.is_file() and not p.name.endswith(".part")) if root.exists() else []


def backup(target: str | os.PathLike) -> Summary:
    engine = db.get_engine()
    target = Path(target).resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    kind = _kind(engine)
    with tempfile.TemporaryDirectory(prefix="cityviz-backup-") as tmp:
        work = Path(tmp)
        if kind == "sqlite":
            dump = work / "database.sqlite3"
            with contextlib.closing(sqlite3.connect(_sqlite_path(engine))) as live, \
                    contextlib.closing(sqlite3.connect(dump)) as copy:
                live.backup(copy)  # a consistent snapshot, page by page, while others write
            counts = row_counts(db.make_engine(f"sqlite:///{dump}"))
        else:
            dump = work / "database.dump"
            # Counted first: rows added during the dump are in it, never fewer than counted.
            counts = row_counts(engine)
            _pg(["pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--file={dump}",
                 f"--dbname={_libpq(engine)}"])
        files = _uploads()
        root = config.get().upload_dir
        manifest = {"format": FORMAT, "created_at": clock.now().isoformat(), "database": kind,
                    "revision": _revision(engine), "rows": counts, "files": len(files),
                    "bytes": sum(f.stat().st_size for f in files)}
        part = target.with_name(target.name + ".part")
        fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz") as archive:
            data = json.dumps(manifest, ensure_ascii=False, indent=2).encode()
            info = tarfile.TarInfo("manifest.json")
            info.size, info.mtime, info.mode = len(data), int(clock.now().timestamp()), 0o600
            archive.addfile(info, io.BytesIO(data))
            archive.add(dump, arcname=dump.name)
            for path in files:
                archive.add(path, arcname=f"uploads/{path.relative_to(root).as_posix()}")
            raw.flush()
            os.fsync(raw.fileno())
        part.replace(target)
    return Summary(target, kind, counts, len(files))


# --- Restore -------------------------------------------------------------------------------------

def is_empty(engine: Engine) -> bool:
    """No row in any of our tables (a fresh or freshly migrated database) and no uploaded file."""
    return not any(row_counts(engine).values()) and not _uploads()


def _safe_members(archive: tarfile.TarFile) -> list[tarfile.TarInfo]:
    members = []
    for member in archive.getmembers():
        name = Path(member.name)
        if name.is_absolute() or ".." in name.parts or not (member.isfile() or member.isdir()):
            raise BackupError(f"Archive refusée : entrée suspecte {member.name!r}.")
        members.append(member)
    return members


def restore(source: str | os.PathLike, *, force: bool = False) -> Summary:
    source = Path(source)
    if not source.is_file():
        raise BackupError(f"Fichier introuvable : {source}")
    engine = db.get_engine()
    kind = _kind(engine)
    if not is_empty(engine) and not force:
        raise BackupError("Cette instance contient déjà des données : restauration refusée "
                          "(--force remplace tout ce qu'elle contient).")
    with tempfile.TemporaryDirectory(prefix="cityviz-restore-") as tmp:
        work = Path(tmp)
        with tarfile.open(source, "r:gz") as archive:
            archive.extractall(work, members=_safe_members(archive), filter="data")
        manifest = json.loads((work / "manifest.json").read_text())
        if manifest.get("format") != FORMAT:
            raise BackupError("Format de sauvegarde inconnu.")
        if manifest["database"] != kind:
            raise BackupError(f"Sauvegarde d'une base {manifest['database']}, instance {kind} : restaurez-la sur "
                              "le même type de base.")
        if kind == "sqlite":
            target, url = _sqlite_path(engine), engine.url.render_as_string(hide_password=False)
            engine.dispose()  # no connection of ours left open on the file being replaced
            target.parent.mkdir(parents=True, exist_ok=True)
            with contextlib.closing(sqlite3.connect(work / "database.sqlite3")) as copy, \
                    contextlib.closing(sqlite3.connect(target)) as live:
                copy.backup(live)
            engine = db.make_engine(url)
            db.set_engine(engine)
        else:
            with engine.begin() as connection:  # empty (or forced): start from nothing
                connection.execute(text("DROP SCHEMA IF EXISTS procrastinate CASCADE"))
                connection.execute(text("DROP SCHEMA public CASCADE"))
                connection.execute(text("CREATE SCHEMA public"))
            engine.dispose()
            _pg(["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", f"--dbname={_libpq(engine)}",
                 str(work / "database.dump")])
        uploads = config.get().upload_dir
        if uploads.exists():
            shutil.rmtree(uploads)
        restored = work / "uploads"
        if restored.exists():
            shutil.copytree(restored, uploads)
            os.chmod(uploads, 0o700)
    schema.migrate(engine)  # a backup of an older version comes up to this one
    actor_epoch.bump()  # sessions and accounts are the archive's now: no worker uses a remembered one
    counts = row_counts(engine)
    expected = manifest["rows"]
    wrong = {t: (n, counts.get(t)) for t, n in expected.items() if counts.get(t) != n}
    if wrong:
        raise BackupError(f"Restauration incomplète : {wrong}")
    files = len(_uploads())
    return Summary(source, kind, counts, files, missing_files=max(0, manifest["files"] - files))
