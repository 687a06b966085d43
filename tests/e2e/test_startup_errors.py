"""Bad input at start-up: a clear Swedish message (dialog + stderr), exit code 2, nothing changed."""
import hashlib
import os
import sqlite3

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from app.startup import EXIT_STARTUP_FAILED
from reception.launcher import main
from db.migrate import open_database
from tests.conftest import PG_SERVER_URL


@pytest.fixture(autouse=True)
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("RECEPTION_DATA_DIR", str(tmp_path / "userdata"))
    return tmp_path / "userdata"


def run_main(qapp, argv):
    shown = []
    code = main(argv, show_error=lambda title, message: shown.append((title, message)))
    return code, shown


def digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_unparseable_url(qapp, capsys):
    code, shown = run_main(qapp, ["--db", "inte en adress://"])
    assert code == EXIT_STARTUP_FAILED
    assert "går inte att tolka" in shown[0][1]
    assert "går inte att tolka" in capsys.readouterr().err


def test_unsupported_database_kind(qapp, capsys):
    code, shown = run_main(qapp, ["--db", "mysql://root@localhost/x"])
    assert code == EXIT_STARTUP_FAILED
    assert "stöds inte" in shown[0][1]


def test_unreachable_server(qapp, capsys):
    code, shown = run_main(qapp, ["--db", "postgresql+psycopg://postgres@127.0.0.1:1/reception"])
    assert code == EXIT_STARTUP_FAILED
    title, message = shown[0]
    assert title == "Databasen kan inte nås"
    assert "Det går inte att ansluta till databasen" in message
    err = capsys.readouterr().err
    assert "Det går inte att ansluta" in err and "Traceback" not in err


def test_file_that_is_not_a_database_is_left_untouched(qapp, tmp_path, capsys):
    path = tmp_path / "kunder.db"
    path.write_bytes(b"Detta \xe4r en textfil, inte en databas.\n" * 100)
    before = digest(path)
    code, shown = run_main(qapp, ["--db", f"sqlite:///{path}"])
    assert code == EXIT_STARTUP_FAILED
    assert shown[0][0] == "Databasfilen är skadad"
    assert "har inte ändrats" in shown[0][1]
    assert digest(path) == before
    assert list(tmp_path.glob("kunder*")) == [path]  # no backup, no journal, nothing new


def test_sqlite_file_with_a_damaged_body_is_left_untouched(qapp, tmp_path):
    path = tmp_path / "trasig.db"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE t (x)")
    con.commit()
    con.close()
    data = bytearray(path.read_bytes())
    data[100:] = b"\xff" * (len(data) - 100)  # valid header, garbage schema page
    path.write_bytes(bytes(data))
    before = digest(path)
    code, shown = run_main(qapp, ["--db", f"sqlite:///{path}"])
    assert code == EXIT_STARTUP_FAILED
    assert shown[0][0] == "Databasfilen är skadad"
    assert digest(path) == before


def test_sqlite_database_from_a_newer_version_is_left_untouched(qapp, tmp_path):
    path = tmp_path / "ny.db"
    open_database(f"sqlite:///{path}").dispose()
    con = sqlite3.connect(path)
    con.execute("UPDATE alembic_version SET version_num = '9999_future'")
    con.commit()
    con.close()
    before = digest(path)
    code, shown = run_main(qapp, ["--db", f"sqlite:///{path}"])
    assert code == EXIT_STARTUP_FAILED
    assert shown[0][0] == "Databasen är för ny"
    assert "9999_future" in shown[0][1] and "Uppdatera programmet" in shown[0][1]
    assert digest(path) == before


@pytest.mark.pg
def test_postgresql_database_from_a_newer_version_is_left_untouched(qapp):
    name = f"reception_newer_{os.getpid()}"
    admin = create_engine(make_url(PG_SERVER_URL), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(PG_SERVER_URL).set(database=name).render_as_string(hide_password=False)
    try:
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE alembic_version (version_num varchar(32) PRIMARY KEY)"))
            conn.execute(text("INSERT INTO alembic_version VALUES ('9999_future')"))
        code, shown = run_main(qapp, ["--db", url])
        assert code == EXIT_STARTUP_FAILED
        assert shown[0][0] == "Databasen är för ny"
        with engine.connect() as conn:
            tables = conn.execute(text("SELECT tablename FROM pg_tables WHERE schemaname='public'")).scalars().all()
        assert tables == ["alembic_version"]  # nothing was created or migrated
        engine.dispose()
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_an_older_sqlite_schema_is_backed_up_before_upgrading(tmp_path, monkeypatch):
    """The upgrade path: a database at an older revision gets a backup copy first."""
    import db.migrate as migrate

    path = tmp_path / "gammal.db"
    open_database(f"sqlite:///{path}").dispose()
    con = sqlite3.connect(path)
    con.execute("UPDATE alembic_version SET version_num = '0000_old'")
    con.commit()
    con.close()
    monkeypatch.setattr(migrate, "known_revisions", lambda: {"0000_old", migrate.head_revision()})
    upgraded = []
    monkeypatch.setattr(migrate.command, "upgrade", lambda cfg, rev: upgraded.append(rev))
    open_database(f"sqlite:///{path}").dispose()
    backups = list(tmp_path.glob("gammal.*.bak.db"))
    assert upgraded == ["head"] and len(backups) == 1
    con = sqlite3.connect(backups[0])
    assert con.execute("SELECT version_num FROM alembic_version").fetchone() == ("0000_old",)
    con.close()


def test_startup_error_dialog_shows_the_message(qtbot, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    from widgets.errors import show_startup_error

    seen = []
    monkeypatch.setattr(QMessageBox, "exec", lambda self: seen.append((self.windowTitle(), self.text(),
                                                                      self.informativeText())))
    show_startup_error("Databasen kan inte nås", "Det går inte att ansluta till databasen x.")
    assert seen == [("Reception – Databasen kan inte nås", "Det går inte att ansluta till databasen x.",
                     "Programmet avslutas. Ingenting har ändrats i databasen.")]
