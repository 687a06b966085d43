"""Shared test set-up: offscreen Qt, the injected clock, and the database fixtures."""
from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QT_QUICK_BACKEND", "software")

import pytest  # noqa: E402

import wizards  # noqa: E402,F401 - the wizards' menu entries for every MainWindow the tests build (issue 14 §7)


@pytest.fixture(scope="session", autouse=True)
def screenshot_dir(tmp_path_factory):
    """Screenshots taken by tests go to a temporary folder: a clean checkout stays clean."""
    from tests import shots

    shots.DIR = tmp_path_factory.mktemp("screenshots")
    return shots.DIR


def pytest_collection_modifyitems(config, items):
    # Tests that need a QApplication carry the gui marker, so `-m "not gui"` runs the core alone.
    for item in items:
        if {"qtbot", "qapp", "qtmodeltester"} & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.gui)


# ---------------------------------------------------------------------------
# Databases: every database test runs on SQLite and on PostgreSQL.
# ---------------------------------------------------------------------------
import shutil  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from datetime import date  # noqa: E402

from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import Engine, make_url  # noqa: E402

from app.clock import FixedClock  # noqa: E402
from app.context import Actor, Core  # noqa: E402
from db.engine import make_engine, make_session_factory, sqlite_url  # noqa: E402

PG_SERVER_URL = os.environ.get("RECEPTION_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
TODAY = date(2026, 11, 22)


@dataclass
class Database:
    engine: Engine
    url: str

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name


def _seed_base(engine: Engine) -> None:
    from app.auth import hash_password
    from db.models import Role, User
    from app.seeding.reference import ensure_reference_data
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    with Session(engine) as session, session.begin():
        ensure_reference_data(session)
        roles = {r.name: r for r in session.scalars(select(Role))}
        session.add_all([
            User(username="admin", full_name="Ada Admin", password_hash=_password_hash(), role_id=roles["Administratör"].id),
            User(username="recep", full_name="Rut Reception", password_hash=_password_hash(), role_id=roles["Receptionist"].id),
        ])


_HASH: list[str] = []


def _password_hash() -> str:
    if not _HASH:
        from app.auth import hash_password
        _HASH.append(hash_password("hemligt"))
    return _HASH[0]


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> str:
    from db.migrate import open_database

    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = open_database(sqlite_url(path))
    _seed_base(engine)
    engine.dispose()
    return str(path)


@pytest.fixture(scope="session")
def pg_engine():
    from db.migrate import open_database

    name = f"reception_test_{os.getpid()}"
    server = make_url(PG_SERVER_URL)
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as err:  # the server is part of the test environment: fail loudly, never skip
        admin.dispose()
        pytest.fail(f"PostgreSQL is not reachable at {PG_SERVER_URL}: {err}. Start it (see README).")
    with admin.connect() as conn:  # test data need not survive a crash: skip the fsync per commit
        conn.execute(text(f'ALTER DATABASE "{name}" SET synchronous_commit = off'))
    url = server.set(database=name).render_as_string(hide_password=False)
    engine = open_database(url)
    _seed_base(engine)
    tables = [t for t in engine.dialect.get_table_names(engine.connect()) if t != "alembic_version"]
    engine.info_tables = tables  # type: ignore[attr-defined]
    yield engine, url
    engine.dispose()
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _reset_pg(engine: Engine) -> None:
    """Empty every table and restart the id sequences, then seed again.

    DELETE in dependency order is far cheaper than TRUNCATE for the handful of rows a test writes
    (TRUNCATE makes new files for every table)."""
    from db.models import Base

    # database_info is written by the migration, like alembic_version: it stays
    tables = [t for t in reversed(Base.metadata.sorted_tables) if t.name != "database_info"]
    statements = [f'DELETE FROM "{t.name}"' for t in tables]
    statements += [f"SELECT setval(pg_get_serial_sequence('\"{t.name}\"', 'id'), 1, false)"
                   for t in tables if "id" in t.c and t.c.id.autoincrement is not False
                   and t.c.id.primary_key and str(t.c.id.type) == "INTEGER"]
    with engine.begin() as conn:
        conn.exec_driver_sql("; ".join(statements))
    _seed_base(engine)


@pytest.fixture(params=["sqlite", pytest.param("pg", marks=pytest.mark.pg)])
def db(request, tmp_path) -> Database:
    """A migrated, seeded database with users admin/recep: SQLite file or PostgreSQL."""
    if request.param == "sqlite":
        path = tmp_path / "reception.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        engine = make_engine(sqlite_url(path))
        yield Database(engine, sqlite_url(path))
        engine.dispose()
    else:
        engine, url = request.getfixturevalue("pg_engine")
        _reset_pg(engine)
        yield Database(engine, url)


@pytest.fixture
def sqlite_db(tmp_path, sqlite_template) -> Database:
    """SQLite only — for UI tests where the database kind does not matter."""
    path = tmp_path / "reception.db"
    shutil.copy(sqlite_template, path)
    engine = make_engine(sqlite_url(path))
    yield Database(engine, sqlite_url(path))
    engine.dispose()


@pytest.fixture
def pg_db(pg_engine) -> Database:
    engine, url = pg_engine
    _reset_pg(engine)
    return Database(engine, url)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock.on(TODAY)


def _core(database: Database, clock: FixedClock) -> Core:
    return Core(sessions=make_session_factory(database.engine), clock=clock, desk="Kassa 1")


@pytest.fixture
def core(db, clock) -> Core:
    return _core(db, clock)


@pytest.fixture
def sqlite_core(sqlite_db, clock) -> Core:
    return _core(sqlite_db, clock)


def _actor(core: Core, username: str) -> Actor:
    from db.models import User
    from sqlalchemy import select

    with core.sessions() as session:
        user = session.scalar(select(User).where(User.username == username))
        return Actor(user.id, user.username, user.full_name, frozenset(r.code for r in user.role.rights), core.desk)


@pytest.fixture
def admin(core) -> Actor:
    return _actor(core, "admin")


@pytest.fixture
def receptionist(core) -> Actor:
    return _actor(core, "recep")


@pytest.fixture
def make_actor():
    """make_actor(core, 'admin'|'recep') -> Actor for a seeded user."""
    return _actor
