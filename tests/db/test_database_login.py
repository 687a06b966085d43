"""The desk's PostgreSQL login owns nothing: `reception db grant` makes it, `reception db upgrade` (the
owner) migrates, and a desk on an old schema stops with a Swedish message instead of trying DDL."""
from __future__ import annotations

import io
import uuid

import pytest
from alembic import command
from sqlalchemy import create_engine, exc, select, text
from sqlalchemy.engine import make_url

from app.clock import FixedClock
from app.errors import SchemaBehind
from app.startup import open_core
from db.migrate import alembic_config, head_revision
from db.models import Order, Person, Subscription
from reception.launcher import main
from tests.conftest import PG_SERVER_URL, TODAY, _actor, _seed_base

pytestmark = pytest.mark.pg


@pytest.fixture
def cluster_names():
    suffix = uuid.uuid4().hex[:8]
    names = {"db": f"reception_login_{suffix}", "owner": f"reception_owner_{suffix}", "desk": f"reception_kassa_{suffix}"}
    admin = create_engine(make_url(PG_SERVER_URL), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE ROLE "{names["owner"]}" LOGIN CREATEROLE'))
        conn.execute(text(f'CREATE DATABASE "{names["db"]}" OWNER "{names["owner"]}"'))
    server = make_url(PG_SERVER_URL)
    names["owner_url"] = server.set(username=names["owner"], database=names["db"]).render_as_string(False)
    names["desk_url"] = server.set(username=names["desk"], database=names["db"]).render_as_string(False)
    names["super_url"] = server.set(database=names["db"]).render_as_string(False)
    yield names
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{names["db"]}" WITH (FORCE)'))
        for role in (names["desk"], names["owner"]):
            conn.execute(text(f'DROP ROLE IF EXISTS "{role}"'))
    admin.dispose()


def _grant(names, monkeypatch, capsys) -> str:
    monkeypatch.setattr("sys.stdin", io.StringIO("kassans lösen%s'\n"))
    code = main(["--db", names["owner_url"], "db", "grant", "--role", names["desk"], "--password-stdin"])
    out = capsys.readouterr()
    assert code == 0, out.err
    assert "kassans" not in out.out  # the password is never echoed
    return out.out


def test_upgrade_with_the_owner_then_the_desk_role_runs_routines_but_no_ddl(cluster_names, monkeypatch, capsys, clock):
    names = cluster_names
    assert main(["--db", names["owner_url"], "db", "upgrade"]) == 0
    out = capsys.readouterr().out
    assert f"från (tom databas) till {head_revision()}" in out
    assert main(["--db", names["owner_url"], "db", "upgrade"]) == 0
    assert "ingenting att uppgradera" in capsys.readouterr().out
    _grant(names, monkeypatch, capsys)
    owner = create_engine(names["owner_url"])
    _seed_base(owner)
    owner.dispose()

    core = open_core(names["desk_url"], clock)  # the desk starts: reference data, version gate
    try:
        from app.routines.register import RegisterRoutine
        from tests.app import builders as b

        cat = b.build_catalog(core)
        result = RegisterRoutine(core).execute(b.registration(cat), _actor(core, "recep"))
        with core.sessions() as s:
            assert s.get(Person, result.person_id) is not None
            assert s.scalar(select(Order).where(Order.id == result.order_id)) is not None
            assert s.get(Subscription, result.subscription_id).status == "aktivt"
        # the log-in's lock-out counts and clears its rows as the desk role (login_throttle, issue 15 §6)
        from app.auth import login
        from app.errors import UserError
        from db.models import LoginThrottle

        with pytest.raises(UserError):
            login(core, "recep", "fel")
        with core.sessions() as s:
            assert s.get(LoginThrottle, ("anvandare", "recep")).failures == 1
        assert login(core, "recep", "hemligt").username == "recep"
        with core.sessions() as s:
            assert s.get(LoginThrottle, ("anvandare", "recep")) is None
        # the change feed's triggers ran as the desk role
        with core.engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM reception_sync.changes WHERE tbl = 'persons'")).scalar() >= 1
            conn.execute(text("LISTEN reception_changes"))
        for ddl in ("CREATE TABLE stolen (x int)", "DROP TABLE persons", "ALTER TABLE persons ADD COLUMN x int",
                    "TRUNCATE persons", "CREATE SCHEMA mine", "UPDATE alembic_version SET version_num = 'x'",
                    "DROP TRIGGER reception_sync_log ON persons", "DELETE FROM audit_log"):
            with core.engine.connect() as conn, pytest.raises(exc.ProgrammingError, match="(?i)permission denied|must be owner"):
                conn.exec_driver_sql(ddl)
        # and `db upgrade` with the desk's own login is refused with exit code 1
        assert main(["--db", names["desk_url"], "db", "upgrade"]) == 1
        assert "får inte ändra databasens schema" in capsys.readouterr().err
    finally:
        core.engine.dispose()


def test_a_desk_on_an_old_schema_stops_and_the_owner_upgrade_lets_it_start(cluster_names, monkeypatch, capsys, clock,
                                                                          qapp, tmp_path):
    names = cluster_names
    monkeypatch.setenv("RECEPTION_DATA_DIR", str(tmp_path / "data"))
    owner = create_engine(names["owner_url"])
    with owner.connect() as conn:
        cfg = alembic_config()
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "desk_registry")  # the schema of an older release
        conn.commit()
    owner.dispose()
    _grant(names, monkeypatch, capsys)

    with pytest.raises(SchemaBehind) as raised:
        open_core(names["desk_url"], clock)
    assert raised.value.message.startswith("Databasen behöver uppgraderas – kör reception db upgrade")
    probe = create_engine(names["super_url"])
    with probe.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == "desk_registry"
    assert main(["--db", names["desk_url"], "jobs", "run"]) == 2
    assert "Databasen behöver uppgraderas – kör reception db upgrade" in capsys.readouterr().err
    shown = []  # the window's start: the same message in a dialog, and no offline start from a replica
    assert main(["--db", names["desk_url"]], show_error=lambda title, text: shown.append((title, text))) == 2
    assert shown[0][0] == "Databasen behöver uppgraderas"
    assert shown[0][1].startswith("Databasen behöver uppgraderas – kör reception db upgrade")

    assert main(["--db", names["owner_url"], "db", "upgrade"]) == 0
    assert f"från desk_registry till {head_revision()}" in capsys.readouterr().out
    with probe.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == head_revision()
    probe.dispose()
    # tables the upgrade created are granted to the desk by the default privileges
    core = open_core(names["desk_url"], clock)
    try:
        with core.engine.connect() as conn:
            # normalised_keys came after the grant: the default privileges cover what it created
            conn.execute(text("SELECT count(*) FROM reception_sync.changes")).scalar()
            conn.execute(text("UPDATE reception_sync.horizon SET pruned_below_xid = pruned_below_xid"))
            conn.commit()
    finally:
        core.engine.dispose()


def test_grant_sql_is_printed_for_a_dba_and_bad_role_names_are_refused(capsys):
    url = make_url(PG_SERVER_URL).set(database="reception").render_as_string(False)
    assert main(["--db", url, "db", "grant", "--role", "reception_kassa", "--sql"]) == 0
    sql = capsys.readouterr().out
    assert 'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO "reception_kassa"' in sql
    assert "REVOKE CREATE ON SCHEMA public FROM PUBLIC" in sql and "CREATE TABLE" not in sql
    assert main(["--db", url, "db", "grant", "--role", 'x"; DROP TABLE persons; --', "--sql"]) == 1
    assert "Rollnamnet" in capsys.readouterr().err
    assert main(["--db", "sqlite+pysqlite:///x.db", "db", "grant", "--role", "kassa", "--sql"]) == 2


def test_sqlite_desk_still_upgrades_at_start_and_db_upgrade_works_on_the_file(tmp_path, capsys, clock):
    url = f"sqlite+pysqlite:///{tmp_path / 'r.db'}"
    assert main(["--db", url, "db", "upgrade"]) == 0
    assert f"till {head_revision()}" in capsys.readouterr().out
    core = open_core(url, clock)
    core.engine.dispose()
