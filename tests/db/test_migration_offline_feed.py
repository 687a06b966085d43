"""Upgrading a database made by revision 0001 to offline_feed: the data stays, the feed starts."""
import os

import pytest
from alembic import command
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from db.migrate import alembic_config
from tests.conftest import PG_SERVER_URL

pytestmark = pytest.mark.pg


def test_upgrade_from_0001_keeps_rows_and_logs_new_writes():
    name = f"reception_feed_upgrade_{os.getpid()}"
    server = make_url(PG_SERVER_URL)
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine = create_engine(server.set(database=name))
    try:
        cfg = alembic_config()
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "0001")
            conn.execute(text("INSERT INTO settings (key, value) VALUES ('club_name', '\"Gym\"')"))
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "offline_feed")
        with engine.begin() as conn:
            assert conn.execute(text("SELECT value FROM settings")).scalar() == '"Gym"'
            assert conn.execute(text("SELECT count(*) FROM reception_sync.changes")).scalar() == 0
            conn.execute(text("UPDATE settings SET value = '\"Nytt\"'"))
            assert conn.execute(text("SELECT tbl, pk, op FROM reception_sync.changes")).one() == (
                "settings", ["club_name"], "U")
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0001")
            assert conn.execute(text("SELECT count(*) FROM information_schema.schemata "
                                     "WHERE schema_name = 'reception_sync'")).scalar() == 0
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
