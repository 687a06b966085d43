"""The desk's local replica: an SQLite file with the app's own schema, filled from the server's feed.

* Same models, migrated the same way (`db.migrate.open_database` on the file), so the query
  functions of app/queries read it exactly as they read the server.
* Holds the tables in `app.sync.feed.REPLICATED`; photos are a bounded cache (persons with a running
  subscription and those most recently seen first, size cap a desk setting, default 500 MB).
* First fill in batches, each batch committed together with its resume point, so an interrupted
  fill carries on where it stopped; afterwards incremental from the watermark (see app/sync/feed.py).
* A damaged, foreign or deleted file is rebuilt from the server. The file only ever holds copies of
  server rows: the outbox of queued commands is a different file and is never touched here.
* A full disk ends as a Swedish `ReplicaDiskFull`; the replica's transaction is rolled back.

Foreign keys are off on the replica's connections: it is a cache of rows the server has already
checked, and it leaves out tables the desk does not need (orders, journal, documents) that some
rows refer to. Unique indexes stay on; rows are written with INSERT OR REPLACE, which removes an
older copy that a newer server state no longer conflicts with (its own change follows in the feed).
"""
from __future__ import annotations

import functools
import json
import logging
import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import create_engine, delete, event, exc, func, select, text, tuple_
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session, sessionmaker

from app.errors import UserError
from app.sync import feed

log = logging.getLogger("reception.sync.replica")

DEFAULT_PHOTO_CAP_MB = 500
FILL_BATCH = 20_000
SQLITE_MAGIC = b"SQLite format 3\x00"
Progress = Callable[[int, int, str], None]   # (rows done, rows in all, table being copied)


class ReplicaDiskFull(UserError):
    title = "Disken är full"


class ReplicaError(UserError):
    title = "Den lokala kopian"


def disk_full_error(path: Path) -> ReplicaDiskFull:
    return ReplicaDiskFull(
        f"Disken där den lokala kopian av registret ligger ({path.parent}) är full, så kopian kan inte "
        "uppdateras. Frigör utrymme på datorn (töm papperskorgen, ta bort stora filer) – kopian fylls "
        "sedan på av sig själv. Arbetet vid disken påverkas inte så länge servern kan nås.")


def _is_disk_full(err: BaseException) -> bool:
    orig = getattr(err, "orig", err)
    return isinstance(orig, sqlite3.OperationalError) and ("full" in str(orig) or "disk I/O" in str(orig))


@dataclass
class PullResult:
    changes: int = 0
    person_ids: set[int] = field(default_factory=set)
    tables: set[str] = field(default_factory=set)


def server_identity(conn: Connection) -> str:
    """Which server and database a replica copies (a replica of another one is rebuilt)."""
    row = conn.execute(text("SELECT (SELECT system_identifier FROM pg_control_system())::text, current_database()")).one()
    return f"{row[0]}/{row[1]}"


class Replica:
    """One SQLite file per server database in the desk's data directory."""

    def __init__(self, path: Path, *, photo_cap_mb: int = DEFAULT_PHOTO_CAP_MB) -> None:
        self.path = Path(path)
        self.photo_cap_bytes = int(photo_cap_mb) * 1024 * 1024
        self.engine: Engine | None = None
        self.sessions: sessionmaker[Session] | None = None
        self._write_lock = threading.Lock()

    # -- opening, checking, rebuilding ------------------------------------
    @staticmethod
    def path_for(data_dir: Path, url: str) -> Path:
        from sqlalchemy.engine import make_url

        parsed = make_url(url)
        name = f"{parsed.host or 'local'}-{parsed.port or 5432}-{parsed.database or 'db'}"
        safe = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in name)
        return Path(data_dir) / "replica" / f"{safe}.db"

    def exists(self) -> bool:
        return self.path.exists() and self.path.stat().st_size > 0

    def open(self) -> "Replica":
        """Open the file, rebuilding it when it is damaged or of an older schema."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._open()
        except (exc.DatabaseError, sqlite3.DatabaseError, UserError) as err:
            if _is_disk_full(err):
                raise disk_full_error(self.path) from None
            log.warning("Replica %s is damaged (%s); rebuilding it", self.path, err)
            self.rebuild()
        return self

    def _open(self) -> None:
        from db.migrate import head_revision, open_database

        self.close()
        if self.exists():
            with self.path.open("rb") as fh:
                if fh.read(16) != SQLITE_MAGIC:
                    raise ReplicaError("Filen är ingen SQLite-databas.")
        fresh = not self.exists()
        if not fresh:
            probe = sqlite3.connect(str(self.path))
            try:
                probe.execute("SELECT count(*) FROM sqlite_master").fetchone()
                rev = probe.execute("SELECT version_num FROM alembic_version").fetchone()
                if rev is None or rev[0] != head_revision():
                    raise ReplicaError("Kopian har en äldre databasversion.")
                probe.execute("SELECT count(*) FROM replica_meta").fetchone()
            except sqlite3.OperationalError as err:
                raise ReplicaError(str(err)) from None
            finally:
                probe.close()
        else:
            open_database(f"sqlite+pysqlite:///{self.path}").dispose()
        self.engine = _replica_engine(self.path)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False, info={"engine": self.engine})
        with self.engine.begin() as conn:
            conn.exec_driver_sql("CREATE TABLE IF NOT EXISTS replica_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
            conn.exec_driver_sql("CREATE TABLE IF NOT EXISTS replica_seen (person_id INTEGER PRIMARY KEY, "
                                 "seen_at TEXT NOT NULL)")

    def verify(self) -> bool:
        """A full page check (PRAGMA quick_check; ~20 s for a 1 GB file on a busy machine, so the
        sync thread runs it, never the start-up). A damaged file is rebuilt; returns whether it was sound."""
        try:
            with self.engine.connect() as conn:
                ok = conn.exec_driver_sql("PRAGMA quick_check(1)").scalar()
        except exc.DatabaseError as err:
            if _is_disk_full(err):
                raise disk_full_error(self.path) from None
            ok = str(err.orig)
        if ok == "ok":
            return True
        log.warning("Replica %s failed its check (%s); rebuilding it", self.path, ok)
        self.rebuild()
        return False

    def rebuild(self) -> None:
        """Delete the file (and its WAL) and start again empty; the next sync fills it."""
        self.close()
        for suffix in ("", "-wal", "-shm", "-journal"):
            p = Path(str(self.path) + suffix)
            if p.exists():
                p.unlink()
        self._open()

    def close(self) -> None:
        if self.engine is not None:
            self.engine.dispose()
        self.engine = None
        self.sessions = None

    # -- meta ---------------------------------------------------------------
    def meta(self, key: str, default=None):
        with self.engine.connect() as conn:
            value = conn.execute(text("SELECT value FROM replica_meta WHERE key = :k"), {"k": key}).scalar()
        return default if value is None else json.loads(value)

    @staticmethod
    def _set_meta(conn: Connection, key: str, value) -> None:
        conn.execute(text("INSERT OR REPLACE INTO replica_meta (key, value) VALUES (:k, :v)"),
                     {"k": key, "v": json.dumps(value)})

    @property
    def filled(self) -> bool:
        return bool(self.meta("filled", False))

    @property
    def watermark(self) -> int | None:
        return self.meta("watermark")

    @property
    def data_as_of(self) -> datetime | None:
        value = self.meta("data_as_of")
        return datetime.fromisoformat(value) if value else None

    def mark_synced(self, moment: datetime) -> None:
        with self._writing() as conn:
            self._set_meta(conn, "data_as_of", moment.isoformat())

    def note_seen(self, person_id: int, moment: datetime) -> None:
        """The desk showed this person: keep their photo in the cache before others'."""
        with self._writing() as conn:
            conn.execute(text("INSERT OR REPLACE INTO replica_seen (person_id, seen_at) VALUES (:p, :t)"),
                         {"p": person_id, "t": moment.isoformat()})

    # -- writing --------------------------------------------------------------
    class _Tx:
        def __init__(self, replica: "Replica") -> None:
            self.replica = replica

        def __enter__(self) -> Connection:
            self.replica._write_lock.acquire()
            try:
                self.cm = self.replica.engine.begin()
                return self.cm.__enter__()
            except BaseException:
                self.replica._write_lock.release()
                raise

        def __exit__(self, *exc_info):
            try:
                self.cm.__exit__(*exc_info)  # rolls back when the body failed
                if exc_info[1] is not None and _is_disk_full(exc_info[1]):
                    raise disk_full_error(self.replica.path) from None
                return False
            except exc.OperationalError as err:
                if _is_disk_full(err):
                    raise disk_full_error(self.replica.path) from None
                raise
            finally:
                self.replica._write_lock.release()

    def _writing(self) -> "_Tx":
        return Replica._Tx(self)

    def _guard(self, fn, *args):
        try:
            return fn(*args)
        except exc.OperationalError as err:
            if _is_disk_full(err):
                raise disk_full_error(self.path) from None
            raise

    @staticmethod
    def _upsert(conn: Connection, name: str, rows: list) -> None:
        """INSERT OR REPLACE the server rows, straight through the sqlite3 driver with the values in
        the form SQLAlchemy's SQLite types store them (the ORM path costs 8x at a first fill)."""
        if not rows:
            return
        sql, converters = _insert_plan(name)
        conn.exec_driver_sql(sql, [tuple(c(v) if c else v for c, v in zip(converters, r)) for r in rows])

    # -- first fill -----------------------------------------------------------
    def fill(self, server: Engine, *, progress: Progress | None = None, batch: int = FILL_BATCH,
             should_stop: Callable[[], bool] = lambda: False) -> bool:
        """Copy the replicated tables from the server. Resumes an interrupted fill. Returns True when
        the replica is complete (False when `should_stop` asked to stop)."""
        with server.connect() as conn:
            identity = server_identity(conn)
            if self.meta("server") not in (None, identity):
                log.warning("Replica %s belongs to another database; rebuilding", self.path)
                self.rebuild()
            state = self.meta("fill")
            if self.filled:
                return True
            if state is None:
                state = {"watermark": feed.feed_position(conn), "table": 0, "after": None, "done": 0}
                with self._writing() as w:
                    self._set_meta(w, "server", identity)
                    self._set_meta(w, "fill", state)
                conn.rollback()
            names = [n for n in feed.REPLICATED if n != feed.PHOTOS]
            total = sum(int(conn.execute(select(func.count()).select_from(feed.table(n))).scalar()) for n in names)
            conn.rollback()
            done = state["done"]
            if progress:
                progress(done, total, names[min(state["table"], len(names) - 1)])
            while state["table"] < len(names):
                name = names[state["table"]]
                pk = feed.pk_columns(name)
                stmt = select(feed.table(name)).order_by(*pk).limit(batch)
                if state["after"] is not None:
                    after = tuple(state["after"])
                    stmt = stmt.where(pk[0] > after[0] if len(pk) == 1 else tuple_(*pk) > after)
                rows = conn.execute(stmt).all()
                conn.rollback()
                with self._writing() as w:
                    self._upsert(w, name, rows)
                    done += len(rows)
                    if len(rows) < batch:
                        state = {**state, "table": state["table"] + 1, "after": None, "done": done}
                    else:
                        last = rows[-1]._mapping
                        state = {**state, "after": [last[c.name] for c in pk], "done": done}
                    self._set_meta(w, "fill", state)
                if progress:
                    progress(done, max(total, done), name)
                if should_stop():
                    return False
            self._fill_photos(conn)
            conn.rollback()
        with self._writing() as w:
            self._set_meta(w, "watermark", state["watermark"])
            self._set_meta(w, "filled", True)
            w.execute(text("DELETE FROM replica_meta WHERE key = 'fill'"))
        log.info("Replica %s filled: %d rows", self.path, done)
        return True

    # -- photos: a bounded cache -----------------------------------------------
    def photo_bytes(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(text("SELECT coalesce(sum(length(jpeg)), 0) FROM photos")).scalar())

    def _fill_photos(self, conn: Connection) -> None:
        """Current photos, persons with a running subscription first, newest first, up to the cap."""
        from db.models import RUNNING, Photo, Subscription

        running = (select(Subscription.id).where(Subscription.user_id == Photo.person_id,
                                                 Subscription.status.in_(RUNNING)).exists())
        seen = self._seen_ids()
        candidates = conn.execute(
            select(Photo.id, Photo.person_id, func.length(Photo.jpeg).label("size"), running.label("running"))
            .where(Photo.is_current.is_(True))
            .order_by(running.desc(), Photo.taken_at.desc())).all()
        candidates.sort(key=lambda c: (c.person_id not in seen, not c.running))  # stable: keeps date order
        budget = self.photo_cap_bytes - self.photo_bytes()
        chosen = []
        for c in candidates:
            if c.size > budget:
                break
            chosen.append((c.id,))
            budget -= c.size
        for start in range(0, len(chosen), 500):
            rows = feed.fetch_rows(conn, feed.PHOTOS, chosen[start:start + 500])
            with self._writing() as w:
                self._upsert(w, feed.PHOTOS, rows)

    def _seen_ids(self) -> set[int]:
        with self.engine.connect() as conn:
            return set(conn.execute(text("SELECT person_id FROM replica_seen")).scalars())

    def _wanted_photo(self, w: Connection, person_id: int) -> bool:
        from db.models import RUNNING

        placeholders = ", ".join(f"'{s}'" for s in RUNNING)
        return bool(w.execute(text(
            "SELECT EXISTS (SELECT 1 FROM replica_seen WHERE person_id = :p) OR EXISTS (SELECT 1 FROM subscriptions "
            f"WHERE user_id = :p AND status IN ({placeholders}))"), {"p": person_id}).scalar())

    def evict_photos(self) -> int:
        """Drop the least wanted photos until the cache is under its cap. Returns photos dropped."""
        from db.models import RUNNING

        over = self.photo_bytes() - self.photo_cap_bytes
        if over <= 0:
            return 0
        placeholders = ", ".join(f"'{s}'" for s in RUNNING)
        with self._writing() as w:
            rows = w.execute(text(
                "SELECT p.id, length(p.jpeg) AS size FROM photos p LEFT JOIN replica_seen s ON s.person_id = p.person_id "
                f"ORDER BY EXISTS (SELECT 1 FROM subscriptions u WHERE u.user_id = p.person_id AND u.status IN ({placeholders})), "
                "coalesce(s.seen_at, ''), p.taken_at")).all()
            dropped = []
            for r in rows:
                if over <= 0:
                    break
                dropped.append(r.id)
                over -= r.size
            w.execute(delete(feed.table(feed.PHOTOS)).where(feed.table(feed.PHOTOS).c.id.in_(dropped)))
        return len(dropped)

    def fetch_seen_photos(self, server: Engine) -> int:
        """Photos of persons shown at this desk that the cache does not hold yet (within the cap)."""
        with self.engine.connect() as conn:
            missing = list(conn.execute(text(
                "SELECT s.person_id FROM replica_seen s WHERE NOT EXISTS (SELECT 1 FROM photos p WHERE "
                "p.person_id = s.person_id) ORDER BY s.seen_at DESC LIMIT 200")).scalars())
        if not missing:
            return 0
        from db.models import Photo

        with server.connect() as conn:
            rows = conn.execute(select(Photo).where(Photo.person_id.in_(missing), Photo.is_current.is_(True))).all()
        with self._writing() as w:
            self._upsert(w, feed.PHOTOS, rows)
        self.evict_photos()
        return len(rows)

    # -- incremental -----------------------------------------------------------
    def pull(self, server: Engine, *, batch: int = 5000) -> PullResult:
        """Apply every change after the watermark, in one server snapshot; move the watermark to the
        snapshot's xmin (app/sync/feed.py says why not to the last version)."""
        result = PullResult()
        watermark = self.watermark
        if watermark is None:
            raise ReplicaError("Kopian är inte fylld ännu.")
        with server.connect() as raw:
            conn = raw.execution_options(isolation_level="REPEATABLE READ")
            with conn.begin():
                if feed.current_horizon(conn) > watermark:
                    log.warning("Replica %s is older than the feed's horizon; refilling", self.path)
                    self.rebuild()
                    return result
                snap = feed.begin_snapshot(conn)
                for changes in feed.changes_since(conn, watermark, batch=batch):
                    self._apply(conn, changes, result)
                    last_xid = changes[-1].xid if changes else None
                    if last_xid is not None and last_xid < snap.xmin and last_xid > watermark:
                        watermark = last_xid
                        with self._writing() as w:
                            self._set_meta(w, "watermark", watermark)
                with self._writing() as w:
                    self._set_meta(w, "watermark", max(watermark, snap.xmin))
        if feed.PHOTOS in result.tables:
            self.evict_photos()
        return result

    def _apply(self, conn: Connection, changes: list[feed.Change], result: PullResult) -> None:
        by_table: dict[str, list[tuple]] = {}
        for change in changes:
            by_table.setdefault(change.table, []).append(change.key)
        fetched = {name: feed.fetch_rows(conn, name, keys) for name, keys in by_table.items()}
        with self._writing() as w:
            for name in feed.REPLICATED:  # parents before children, as the models list them
                if name not in by_table:
                    continue
                keys = by_table[name]
                rows = fetched[name]
                t = feed.table(name)
                pk = feed.pk_columns(name)
                present = {tuple(r._mapping[c.name] for c in pk) for r in rows}
                gone = [k for k in dict.fromkeys(keys) if k not in present]
                person_cols = feed.PERSON_COLUMNS.get(name, ())
                if gone:
                    where = pk[0].in_([k[0] for k in gone]) if len(pk) == 1 else tuple_(*pk).in_(gone)
                    if person_cols:
                        for old in w.execute(select(*[t.c[c] for c in person_cols]).where(where)):
                            result.person_ids.update(v for v in old if v is not None)
                    w.execute(delete(t).where(where))
                if name == feed.PHOTOS:
                    keep = [r for r in rows if r.is_current and self._wanted_photo(w, r.person_id)]
                    kept = {r.id for r in keep}
                    drop = [r.id for r in rows if r.id not in kept]
                    if drop:
                        w.execute(delete(t).where(t.c.id.in_(drop)))
                    rows = keep
                self._upsert(w, name, rows)
                for r in rows:
                    result.person_ids.update(r._mapping[c] for c in person_cols if r._mapping[c] is not None)
                result.tables.add(name)
                result.changes += len(keys)


def _utc_text(value):
    if value is None:
        return None
    return value.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f")


def _date_text(value):
    return None if value is None else value.isoformat()


def _bool_int(value):
    return None if value is None else int(bool(value))


@functools.cache
def _insert_plan(name: str):
    """(INSERT OR REPLACE statement, one converter per column) for a replicated table; the column
    order is the model's, as `select(table)` returns it."""
    from sqlalchemy import Boolean, Date, DateTime

    from db.models import UtcDateTime

    t = feed.table(name)
    converters = []
    for column in t.c:
        kind = column.type
        if isinstance(kind, UtcDateTime):
            converters.append(_utc_text)
        elif isinstance(kind, DateTime):
            raise TypeError(f"{name}.{column.name}: plain DateTime is not replicated")
        elif isinstance(kind, Date):
            converters.append(_date_text)
        elif isinstance(kind, Boolean):
            converters.append(_bool_int)
        else:
            converters.append(None)
    names = ", ".join(f'"{c.name}"' for c in t.c)
    marks = ", ".join("?" for _ in t.c)
    return f'INSERT OR REPLACE INTO "{name}" ({names}) VALUES ({marks})', tuple(converters)


def _replica_engine(path: Path) -> Engine:
    engine = create_engine(f"sqlite+pysqlite:///{path}", connect_args={"timeout": 15, "check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_conn, _record):  # pragma: no cover - every replica connection
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys=OFF")
        cur.execute("PRAGMA busy_timeout=15000")
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")  # a cache: a lost last batch is pulled again
        # A deleted row (an anonymised person's photo, a tombstone from the feed) is overwritten in the
        # file, not left in a free page: Python's SQLite on Windows is built without SECURE_DELETE.
        cur.execute("PRAGMA secure_delete=ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn):  # pragma: no cover
        conn.exec_driver_sql("BEGIN")

    return engine

