"""The server's change feed (migration offline_feed) and incremental pulls into a desk replica."""
from __future__ import annotations

import importlib.util

import pytest
from sqlalchemy import select, text

from app.sync import feed
from app.sync.replica import Replica
from db.migrate import MIGRATIONS
from db.models import Base, Card, Person
from tests.app.sync.helpers import add_person, clear_feed

pytestmark = pytest.mark.pg


def _migration():
    spec = importlib.util.spec_from_file_location("m", MIGRATIONS / "versions" / "0002_offline_feed.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_replicated_tables_agree_with_the_migration_and_the_models():
    assert _migration().REPLICATED == feed.REPLICATED
    for name, columns in feed.REPLICATED.items():
        assert tuple(c.name for c in Base.metadata.tables[name].primary_key.columns) == columns, name


def test_migration_is_a_no_op_on_sqlite(sqlite_db):
    with sqlite_db.engine.connect() as conn:
        names = {r[0] for r in conn.exec_driver_sql("SELECT name FROM sqlite_master")}
    assert not any("reception_sync" in n or n == "changes" for n in names)


def test_every_write_is_logged_with_one_sequence_and_its_transaction(pg_db):
    clear_feed(pg_db.engine)
    with pg_db.engine.begin() as conn:
        xid = int(conn.execute(text("SELECT pg_current_xact_id()::text::bigint")).scalar())
        pid = add_person(conn, 1)
        conn.execute(Person.__table__.update().where(Person.id == pid).values(first_name="Åke"))
    with pg_db.engine.begin() as conn:
        conn.execute(Card.__table__.delete().where(Card.person_id == pid))
    with pg_db.engine.connect() as conn:
        rows = conn.execute(text("SELECT version, xid, tbl, pk, op FROM reception_sync.changes ORDER BY version")).all()
    assert [(r.tbl, r.op) for r in rows] == [("persons", "I"), ("cards", "I"), ("persons", "U"), ("cards", "D")]
    assert [r.xid for r in rows[:3]] == [xid] * 3 and rows[3].xid > xid
    assert rows[0].pk == [pid]
    versions = [r.version for r in rows]
    assert versions == sorted(versions) and len(set(versions)) == 4


def _replica(tmp_path, pg_db) -> Replica:
    replica = Replica(tmp_path / "replica.db").open()
    assert replica.fill(pg_db.engine)
    return replica


def _names(replica: Replica) -> set[str]:
    with replica.engine.connect() as conn:
        return set(conn.execute(select(Person.first_name)).scalars())


def test_a_pull_applies_inserts_updates_and_deletes(tmp_path, pg_db):
    replica = _replica(tmp_path, pg_db)
    with pg_db.engine.begin() as conn:
        a = add_person(conn, 1, first="Anna")
        b = add_person(conn, 2, first="Bertil")
    result = replica.pull(pg_db.engine)
    assert _names(replica) == {"Anna", "Bertil"} and {a, b} <= result.person_ids
    with pg_db.engine.begin() as conn:
        conn.execute(Person.__table__.update().where(Person.id == a).values(first_name="Annika"))
        conn.execute(Card.__table__.delete().where(Card.person_id == b))
        conn.execute(Person.__table__.delete().where(Person.id == b))
    result = replica.pull(pg_db.engine)
    assert _names(replica) == {"Annika"} and {a, b} <= result.person_ids
    with replica.engine.connect() as conn:
        assert conn.execute(select(Card.person_id)).scalars().all() == [a]


def test_a_transaction_that_took_its_version_first_but_commits_last_is_not_skipped(tmp_path, pg_db):
    """Jepsen's classic: versions are taken at statement time and become visible at commit."""
    replica = _replica(tmp_path, pg_db)
    early = pg_db.engine.connect()
    try:
        early_tx = early.begin()
        add_person(early, 1, first="Tidig")          # takes the lower versions, stays open
        early_version = early.execute(text("SELECT max(version) FROM reception_sync.changes")).scalar()
        with pg_db.engine.begin() as late:
            add_person(late, 2, first="Sen")         # higher versions, commits first
        replica.pull(pg_db.engine)
        assert _names(replica) == {"Sen"}
        with pg_db.engine.connect() as conn:
            late_version = conn.execute(text("SELECT max(version) FROM reception_sync.changes")).scalar()
        assert early_version < late_version          # "version > max seen" would now skip Tidig for good
        early_tx.commit()
    finally:
        early.close()
    replica.pull(pg_db.engine)
    assert _names(replica) == {"Sen", "Tidig"}


def test_an_open_transaction_holds_the_watermark_but_not_other_desks_changes(tmp_path, pg_db):
    replica = _replica(tmp_path, pg_db)
    blocker = pg_db.engine.connect()
    try:
        tx = blocker.begin()
        blocker.execute(text("SELECT pg_current_xact_id()"))
        mark = replica.watermark
        for n in range(3):
            with pg_db.engine.begin() as conn:
                add_person(conn, n, first=f"P{n}")
            replica.pull(pg_db.engine)
            assert f"P{n}" in _names(replica)        # applied at once (visible, committed)
        assert replica.watermark <= int(blocker.execute(text("SELECT pg_current_xact_id()::text::bigint")).scalar())
        assert replica.watermark >= mark
        tx.rollback()
    finally:
        blocker.close()
    replica.pull(pg_db.engine)
    assert replica.watermark > mark


def test_a_replica_older_than_the_feed_horizon_is_refilled(tmp_path, pg_db):
    replica = _replica(tmp_path, pg_db)
    with pg_db.engine.begin() as conn:
        add_person(conn, 1, first="Kvar")
    with pg_db.engine.begin() as conn:
        far = int(conn.execute(text("SELECT pg_current_xact_id()::text::bigint")).scalar()) + 1
        feed.prune(conn, far)
    replica.pull(pg_db.engine)
    assert not replica.filled
    assert replica.fill(pg_db.engine) and _names(replica) == {"Kvar"}
    with pg_db.engine.begin() as conn:
        feed.prune(conn, 0)
        conn.execute(text("UPDATE reception_sync.horizon SET pruned_below_xid = 0"))
