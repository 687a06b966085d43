"""The database names the lowest client version it accepts; an older desk stops with one Swedish
message, before it changes anything."""
from __future__ import annotations

import sqlite3
import shutil

import pytest
from sqlalchemy import text

from app.desks import list_desks, record_contact
from app.errors import ClientTooOld
from app.main import main
from db.engine import sqlite_url
from db.migrate import check_client_version, open_database


def test_a_desk_older_than_the_database_requires_is_stopped(db):
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE database_info SET min_client_version = '9.2.0'"))
    with db.engine.connect() as conn:
        with pytest.raises(ClientTooOld) as err:
            check_client_version(conn, "0.1.0")
        check_client_version(conn, "9.2.0")
        check_client_version(conn, "10.0.0")
    assert err.value.message.startswith("Den här datorn har version 0.1.0, databasen kräver minst 9.2.0 – "
                                        "installera den nya versionen")
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE database_info SET min_client_version = '0.1.0'"))


def test_the_start_stops_on_a_database_that_requires_a_newer_client(sqlite_db, tmp_path, capsys):
    path = tmp_path / "kopia.db"
    shutil.copy(sqlite_db.engine.url.database, path)
    conn = sqlite3.connect(path)
    conn.execute("UPDATE database_info SET min_client_version = '99.0'")
    conn.commit()
    conn.close()
    before = path.read_bytes()
    with pytest.raises(ClientTooOld):
        open_database(sqlite_url(path))
    assert main(["--db", sqlite_url(path), "jobs", "run"]) == 2
    assert "databasen kräver minst 99.0" in capsys.readouterr().err
    assert path.read_bytes() == before


def test_a_newer_schema_that_says_which_client_it_needs_says_so(sqlite_db, tmp_path):
    path = tmp_path / "nyare.db"
    shutil.copy(sqlite_db.engine.url.database, path)
    conn = sqlite3.connect(path)
    conn.execute("UPDATE alembic_version SET version_num = 'ffff_future'")
    conn.execute("UPDATE database_info SET min_client_version = '0.9.0'")
    conn.commit()
    conn.close()
    with pytest.raises(ClientTooOld, match="kräver minst 0.9.0"):
        open_database(sqlite_url(path))


def test_each_desk_records_its_version_and_last_contact(core, clock, capsys):
    record_contact(core, machine="RECEPTION-1", version="0.1.0")
    clock.advance(hours=2)
    record_contact(core, machine="RECEPTION-1", user="recep", version="0.1.1")
    record_contact(core, machine="RECEPTION-2", version="0.1.0")
    rows = list_desks(core)
    assert [(r.machine, r.client_version, r.last_user) for r in rows] == [
        ("RECEPTION-1", "0.1.1", "recep"), ("RECEPTION-2", "0.1.0", None)] or \
        sorted((r.machine, r.client_version, r.last_user or "") for r in rows) == [
        ("RECEPTION-1", "0.1.1", "recep"), ("RECEPTION-2", "0.1.0", "")]
    first = next(r for r in rows if r.machine == "RECEPTION-1")
    assert first.last_seen_at == clock.now() and first.first_seen_at < first.last_seen_at
