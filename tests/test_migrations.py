"""Migration 0007 goes down and up again cleanly, triggers and constraints included."""

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.exc import DBAPIError

from alembic import command
from cityviz import db, schema

pytestmark = pytest.mark.usefixtures("database")


def _alembic(target: str, direction) -> None:
    cfg = schema.alembic_config()
    with db.get_engine().connect() as connection:
        cfg.attributes["connection"] = connection
        direction(cfg, target)
        connection.commit()


def test_0007_downgrades_and_upgrades():
    _alembic("0004", command.downgrade)
    tables = set(inspect(db.get_engine()).get_table_names())
    assert not {"job", "account_deletion_request", "archive_purge"} & tables
    with db.get_engine().begin() as connection:  # the cancel reason added by 0007 is refused again
        with pytest.raises(DBAPIError, match="ck_booking_cancel_reason"):
            with connection.begin_nested():
                connection.execute(text(
                    "INSERT INTO booking (session_id, child_id, household_id, status, is_late, created_at, "
                    "updated_at, cancel_reason) VALUES (1, 1, 1, 'cancelled', false, '2026-01-01', '2026-01-01', "
                    "'waitlist')"))
    _alembic("head", command.upgrade)
    assert {"job", "account_deletion_request", "archive_purge"} <= set(inspect(db.get_engine()).get_table_names())
