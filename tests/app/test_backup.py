"""Backup and restore of the embedded database: consistent while registrations are saved, checked
before anything is replaced, the replaced file kept; the daily copy keeps 14."""
from __future__ import annotations

import shutil
import sqlite3
import threading
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.backup import RestoreRefused, backup_to, check_backup, daily_backup, restore_from
from app.main import main
from app.routines.register import RegisterRoutine
from db.engine import make_engine, make_session_factory, sqlite_url
from db.migrate import known_revisions, open_database
from tests.app import builders

NOW = datetime(2026, 12, 7, 12, tzinfo=timezone.utc)


def _db_path(core) -> Path:
    return Path(core.engine.url.database)


def _persons(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT count(*) FROM persons").fetchone()[0]
    finally:
        conn.close()


def test_backup_while_registrations_are_saved_is_consistent_and_restores(sqlite_core, make_actor, tmp_path):
    cat = builders.build_catalog(sqlite_core)
    actor = make_actor(sqlite_core, "recep")
    stop = threading.Event()
    saved: list[int] = []
    errors: list[BaseException] = []

    def register_many() -> None:
        try:
            for i in range(40):
                if stop.is_set():
                    return
                command = builders.registration(
                    cat, person=builders.person_data(builders.pnr(f"19{80 + i % 10}0{1 + i % 9}1{i % 9}", f"{i + 100:03d}"),
                                                     first=f"Kund{i}", email=f"k{i}@example.se"),
                    access=replace(builders.registration(cat).access, card_number=f"{4520200 + i:010d}"))
                RegisterRoutine(sqlite_core).execute(command, actor)
                saved.append(i)
        except BaseException as err:  # reported by the test below
            errors.append(err)

    writer = threading.Thread(target=register_many)
    writer.start()
    copies = []
    for n in range(5):
        copies.append(backup_to(_db_path(sqlite_core), tmp_path / f"kopia-{n}.db"))
    stop.set()
    writer.join(60)
    assert not errors, errors
    assert saved, "the registrations ran while the copies were made"
    for copy in copies:
        assert check_backup(copy, known_revisions())
        conn = sqlite3.connect(copy)
        # each copy holds whole registrations: every person has the card and subscription of the same Slutför
        persons, cards = conn.execute("SELECT (SELECT count(*) FROM persons), (SELECT count(*) FROM cards)").fetchone()
        conn.close()
        assert persons == cards
    target = backup_to(_db_path(sqlite_core), tmp_path / "desk.db")  # the desk's file, WAL included
    kept = restore_from(copies[0], target, known_revisions(), NOW)
    assert kept is not None and kept.exists() and _persons(kept) == _persons(_db_path(sqlite_core))
    assert _persons(target) == _persons(copies[0])
    open_database(sqlite_url(target)).dispose()  # the restored file opens as a database


def test_restore_refuses_a_damaged_file_and_changes_nothing(sqlite_core, tmp_path):
    target = tmp_path / "desk.db"
    shutil.copy(_db_path(sqlite_core), target)
    before = target.read_bytes()
    damaged = tmp_path / "skadad.db"
    good = backup_to(_db_path(sqlite_core), tmp_path / "hel.db")
    data = bytearray(good.read_bytes())
    data[4096 * 3: 4096 * 3 + 2000] = b"\xff" * 2000  # a page in the middle overwritten
    damaged.write_bytes(bytes(data))
    with pytest.raises(RestoreRefused) as err:
        restore_from(damaged, target, known_revisions(), NOW)
    assert "skadad" in err.value.message and "Ingenting har ändrats" in err.value.message
    text = tmp_path / "text.db"
    text.write_text("inte en databas")
    with pytest.raises(RestoreRefused, match="ingen Reception-databas"):
        restore_from(text, target, known_revisions(), NOW)
    assert target.read_bytes() == before
    assert not list(tmp_path.glob("desk.ersatt-*"))


def test_restore_refuses_a_backup_from_a_newer_version(sqlite_core, tmp_path):
    newer = backup_to(_db_path(sqlite_core), tmp_path / "nyare.db")
    conn = sqlite3.connect(newer)
    conn.execute("UPDATE alembic_version SET version_num = 'ffff_future'")
    conn.commit()
    conn.close()
    target = tmp_path / "desk.db"
    shutil.copy(_db_path(sqlite_core), target)
    before = target.read_bytes()
    with pytest.raises(RestoreRefused, match="nyare version"):
        restore_from(newer, target, known_revisions(), NOW)
    assert target.read_bytes() == before


def test_restore_refuses_while_the_database_is_in_use(sqlite_core, tmp_path):
    copy = backup_to(_db_path(sqlite_core), tmp_path / "kopia.db")
    session = sqlite_core.write_session()
    try:
        with session.begin():
            session.execute(select(func.count()).select_from(__import__("db.models").models.Person))
            with pytest.raises(RestoreRefused, match="används just nu"):
                restore_from(copy, _db_path(sqlite_core), known_revisions(), NOW)
    finally:
        session.close()


def test_the_daily_copy_is_made_once_a_day_and_the_newest_14_are_kept(sqlite_core, tmp_path):
    folder = tmp_path / "säkerhetskopior"
    day = date(2026, 11, 1)
    for n in range(20):
        daily_backup(_db_path(sqlite_core), folder, day + timedelta(days=n))
    assert daily_backup(_db_path(sqlite_core), folder, day + timedelta(days=19)) is None  # already made today
    names = sorted(p.name for p in folder.glob("*.db"))
    assert len(names) == 14 and names[0] == "reception-2026-11-07.db" and names[-1] == "reception-2026-11-20.db"


def test_backup_and_restore_from_the_command_line(sqlite_core, tmp_path, capsys):
    url = sqlite_url(_db_path(sqlite_core))
    copy = tmp_path / "kopia.db"
    assert main(["--db", url, "backup", str(copy)]) == 0
    assert "Säkerhetskopian är sparad" in capsys.readouterr().out and check_backup(copy, known_revisions())
    sqlite_core.engine.dispose()
    assert main(["--db", url, "restore", str(copy)]) == 0
    out = capsys.readouterr().out
    assert "är återställd" in out and "ersatta databasen finns kvar" in out
    bad = tmp_path / "bad.db"
    bad.write_bytes(b"x" * 100)
    assert main(["--db", url, "restore", str(bad)]) == 1
    assert "ingen Reception-databas" in capsys.readouterr().err


def test_postgresql_is_not_backed_up_by_the_desk(capsys):
    assert main(["--db", "postgresql+psycopg://u@127.0.0.1:1/x", "backup"]) == 2
    assert "pg_dump" in capsys.readouterr().err
