"""Bring a database to the latest migration (Alembic), never at import time."""

from __future__ import annotations

from pathlib import Path

from alembic.config import Config
from sqlalchemy.engine import Engine

from alembic import command
from cityviz import config, db


def alembic_config() -> Config:
    return Config(str(config.ROOT / "alembic.ini"))


def migrate(engine: Engine | None = None) -> None:
    engine = engine or db.get_engine()
    if engine.dialect.name == "sqlite" and engine.url.database:
        Path(engine.url.database).parent.mkdir(parents=True, exist_ok=True)
    cfg = alembic_config()
    with engine.connect() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "head")
        connection.commit()
    if engine.dialect.name == "postgresql" and config.get().jobs_backend == "procrastinate":
        from cityviz.jobs import pg

        pg.ensure_schema(engine.url.render_as_string(hide_password=False))
