"""Alembic environment: migrates the database of cityviz.config (or the
connection handed over by `cityviz.services.schema.migrate`)."""

from alembic import context
from sqlmodel import SQLModel

import cityviz.models  # noqa: F401  (registers the tables)
from cityviz import db

target_metadata = SQLModel.metadata


def run_migrations_offline() -> None:
    context.configure(
        url=str(db.get_engine().url),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    with db.get_engine().connect() as connection:
        _run(connection)
        connection.commit()


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
