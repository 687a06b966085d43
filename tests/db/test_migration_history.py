"""Migrations are append-only, and a database made by the previous revision upgrades with its data.

A revision that has been on main is never edited again (a database made by it would silently be taken
as current): every schema change is a new revision. `released_migrations.json` holds the sha256 of
every released revision file; a new revision adds its line when it lands."""
from __future__ import annotations

import hashlib
import json
import uuid
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from db.engine import make_engine, sqlite_url
from db.migrate import MIGRATIONS, alembic_config, head_revision, open_database
from db.models import Base
from tests.conftest import PG_SERVER_URL

RELEASED = Path(__file__).with_name("released_migrations.json")


def _files() -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted((MIGRATIONS / "versions").glob("*.py"))}


def test_no_released_migration_was_edited():
    released = json.loads(RELEASED.read_text())
    files = _files()
    for name, digest in released.items():
        assert name in files, f"{name} was released and must not be removed"
        assert files[name] == digest, (f"{name} was released and has been edited: add a new revision instead "
                                       "(a database made by the old file would be taken as current)")
    unlisted = sorted(set(files) - set(released))
    assert not unlisted, f"add the new revision(s) to {RELEASED.name} when they land: {unlisted}"


def _previous_revision() -> str:
    script = ScriptDirectory.from_config(alembic_config())
    head = script.get_revision(script.get_current_head())
    assert head.down_revision, "there is only one revision"
    return head.down_revision


def _upgrade_with_data(engine, url: str) -> None:
    previous = _previous_revision()
    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, previous)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO counters (name, value) VALUES ('uppgraderingstest', 41)"))
        conn.execute(text("INSERT INTO deviation_reasons (kind, name, active) VALUES ('frysning', 'Skadad – Åsa', true)"))
    engine.dispose()
    upgraded = open_database(url)
    try:
        with upgraded.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={"compare_type": True})
            assert ctx.get_current_revision() == head_revision()
            assert compare_metadata(ctx, Base.metadata) == []
            assert conn.execute(text("SELECT value FROM counters WHERE name = 'uppgraderingstest'")).scalar() == 41
            assert conn.execute(text("SELECT name FROM deviation_reasons")).scalars().all() == ["Skadad – Åsa"]
    finally:
        upgraded.dispose()


def test_an_sqlite_database_of_the_previous_revision_upgrades_with_its_data(tmp_path):
    url = sqlite_url(tmp_path / "old.db")
    _upgrade_with_data(make_engine(url), url)
    assert list(tmp_path.glob("old.*.bak.db")), "the file was backed up before the upgrade"


@pytest.mark.pg
def test_a_postgresql_database_of_the_previous_revision_upgrades_with_its_data():
    name = f"reception_upgrade_{uuid.uuid4().hex[:8]}"
    admin = create_engine(make_url(PG_SERVER_URL), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(PG_SERVER_URL).set(database=name).render_as_string(hide_password=False)
    try:
        _upgrade_with_data(make_engine(url), url)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
