"""The desk replica: resumable first fill with progress, rebuild when damaged, full disk, photo cache."""
from __future__ import annotations

import pytest
from sqlalchemy import event, func, select

from app.sync.replica import Replica, ReplicaDiskFull
from db.models import Card, Person, Photo, Subscription, User
from tests.app.sync.helpers import NOW, add_person

pytestmark = pytest.mark.pg


def _count(replica: Replica, model) -> int:
    with replica.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(model)).scalar()


def test_first_fill_reports_progress_and_resumes_after_an_interruption(tmp_path, pg_db):
    with pg_db.engine.begin() as conn:
        for n in range(25):
            add_person(conn, n, first=f"Fyll{n}")
    replica = Replica(tmp_path / "r.db").open()
    seen = []

    def stop_in_the_middle_of_persons():
        return sum(1 for _, _, name in seen if name == "persons") == 2
    assert replica.fill(pg_db.engine, progress=lambda d, t, name: seen.append((d, t, name)), batch=10,
                        should_stop=stop_in_the_middle_of_persons) is False
    assert not replica.filled and _count(replica, Person) == 20 and _count(replica, Card) == 0
    replica.close()
    replica = Replica(tmp_path / "r.db").open()       # a restart: carries on where it stopped
    assert replica.fill(pg_db.engine, progress=lambda d, t, name: seen.append((d, t, name)), batch=10)
    assert replica.filled and replica.watermark is not None
    assert _count(replica, Person) == 25 and _count(replica, Card) == 25
    assert _count(replica, User) == 2                  # users with their hashes, for offline log-in
    done = [d for d, _, _ in seen]
    assert done == sorted(done) and seen[-1][0] == seen[-1][1]
    with replica.engine.connect() as conn:
        assert conn.execute(select(User.password_hash).where(User.username == "recep")).scalar().startswith("$argon2")


@pytest.mark.parametrize("damage", ["garbage", "deleted", "truncated"])
def test_a_damaged_or_deleted_replica_is_rebuilt_and_other_files_are_left_alone(tmp_path, pg_db, damage):
    with pg_db.engine.begin() as conn:
        add_person(conn, 1, first="Kvar")
    path = tmp_path / "replica" / "r.db"
    outbox = tmp_path / "replica" / "outbox.db"        # the write side's queue lives next to it
    replica = Replica(path).open()
    assert replica.fill(pg_db.engine)
    replica.close()
    outbox.write_bytes(b"queued commands")
    if damage == "garbage":
        path.write_bytes(b"this is no database" * 100)
    elif damage == "deleted":
        path.unlink()
    else:
        data = path.read_bytes()
        path.write_bytes(data[:100] + b"\x00" * 4096 + data[4196:])
    replica = Replica(path).open()
    assert not replica.filled                           # empty again, fills from the server
    assert replica.fill(pg_db.engine) and _count(replica, Person) == 1
    assert outbox.read_bytes() == b"queued commands"


def test_a_full_disk_gives_a_swedish_message_and_keeps_what_was_there(tmp_path, pg_db):
    with pg_db.engine.begin() as conn:
        for n in range(40):
            add_person(conn, n, first="Lång" * 20)
    replica = Replica(tmp_path / "r.db").open()
    replica.engine.dispose()
    pages = replica.path.stat().st_size // 4096

    @event.listens_for(replica.engine, "connect")
    def _full(dbapi_conn, _):  # the file may hardly grow: SQLite answers SQLITE_FULL, as on a full disk
        dbapi_conn.execute(f"PRAGMA max_page_count = {pages + 1}")
    with pytest.raises(ReplicaDiskFull) as err:
        replica.fill(pg_db.engine, batch=5)
    assert "Disken" in err.value.message and "Frigör utrymme" in err.value.message
    assert err.value.title == "Disken är full"
    event.remove(replica.engine, "connect", _full)
    replica.engine.dispose()
    assert replica.fill(pg_db.engine) and _count(replica, Person) == 40   # space again: carries on


def test_photos_are_a_bounded_cache_running_subscriptions_and_recently_seen_first(tmp_path, pg_db):
    from db.models import Product

    big = b"\xff\xd8" + b"x" * (400 * 1024) + b"\xff\xd9"    # 400 kB each, cap 1 MB: two fit
    with pg_db.engine.begin() as conn:
        ids = [add_person(conn, n, photo=big) for n in range(4)]
        product = conn.execute(select(Product.id).limit(1)).scalar()
        if product is None:
            product = conn.execute(Product.__table__.insert().returning(Product.id), {
                "code": "GYM", "name": "Gym", "kind": "huvud", "payment": "AG", "price_ore": 40000,
                "interval_months": 1, "binding_months": 0, "notice_months": 0, "transfer_allowed": False,
                "is_membership_card": False, "is_subscription": True, "vat_basis_points": 600,
                "active": True}).scalar()
        conn.execute(Subscription.__table__.insert(), {
            "product_id": product, "user_id": ids[3], "payer_id": ids[3], "price_ore": 40000,
            "start_date": NOW.date(), "status": "aktivt", "credit_days": 0, "final_payment": False,
            "created_at": NOW})
    replica = Replica(tmp_path / "r.db", photo_cap_mb=1).open()
    replica.note_seen(ids[1], NOW)
    assert replica.fill(pg_db.engine)
    with replica.engine.connect() as conn:
        cached = set(conn.execute(select(Photo.person_id)).scalars())
    assert cached == {ids[3], ids[1]} and replica.photo_bytes() <= 1024 * 1024
    replica.note_seen(ids[0], NOW.replace(hour=9))       # shown later at the desk
    replica.fetch_seen_photos(pg_db.engine)
    with replica.engine.connect() as conn:
        cached = set(conn.execute(select(Photo.person_id)).scalars())
    assert ids[3] in cached and ids[0] in cached and len(cached) == 2  # the least wanted one left


def test_replica_rows_read_back_exactly_as_on_the_server(tmp_path, pg_db):
    """The fast fill writes values the way SQLAlchemy's SQLite types store them: dates, UTC times,
    booleans and bytes come back equal through the models."""
    from tests.app.sync.helpers import NOW
    with pg_db.engine.begin() as conn:
        pid = add_person(conn, 1, photo=b"\xff\xd8jpeg\xff\xd9")
        conn.execute(Person.__table__.update().where(Person.id == pid).values(
            protected_identity=True, updated_at=NOW.replace(microsecond=123456)))
    replica = Replica(tmp_path / "r.db").open()
    replica.note_seen(pid, NOW)
    assert replica.fill(pg_db.engine)
    for model in (Person, Card, Photo, User):
        with pg_db.engine.connect() as conn:
            server = [dict(r._mapping) for r in conn.execute(select(model.__table__).order_by(model.__table__.c.id))]
        with replica.engine.connect() as conn:
            local = [dict(r._mapping) for r in conn.execute(select(model.__table__).order_by(model.__table__.c.id))]
        assert local == server, model.__tablename__


def test_damage_deep_in_the_file_is_found_by_the_check_and_rebuilt(tmp_path, pg_db):
    with pg_db.engine.begin() as conn:
        for n in range(300):
            add_person(conn, n, first="Djup" * 10)
    path = tmp_path / "r.db"
    replica = Replica(path).open()
    assert replica.fill(pg_db.engine)
    replica.close()
    data = bytearray(path.read_bytes())
    data[-8192:] = b"\x5a" * 8192                      # the last pages: the start-up checks do not read them
    path.write_bytes(bytes(data))
    replica = Replica(path).open()
    assert replica.verify() is False and not replica.filled
    assert replica.fill(pg_db.engine) and _count(replica, Person) == 300
    assert replica.verify() is True
