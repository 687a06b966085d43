"""Engine and session factory for the embedded SQLite file and shared PostgreSQL.

SQLite gets WAL, foreign keys and a busy timeout on every connection; both
databases use the same models and the same code paths.
"""
from __future__ import annotations

from pathlib import Path

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session, sessionmaker


def sqlite_url(path: Path) -> str:
    return f"sqlite+pysqlite:///{path}"


def make_engine(url: str, *, password: str | None = None, echo: bool = False) -> Engine:
    """Create an engine. A PostgreSQL password comes from the keyring, never from the URL file."""
    parsed = make_url(url)
    if password is not None and parsed.password is None:
        parsed = parsed.set(password=password)
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(parsed, echo=echo, connect_args={"timeout": 15})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # pragma: no cover - exercised by every sqlite test
            # Let SQLAlchemy manage transactions (BEGIN) itself; see SQLAlchemy's pysqlite notes.
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=15000")
            cur.execute("PRAGMA journal_mode=WAL")
            # FULL: a Slutför that returned survives a power cut (NORMAL in WAL mode may lose the last
            # commits); costs about 0.3-0.6 ms per Slutför, benchmarks/durability.py, docs/decisions/offline.md.
            cur.execute("PRAGMA synchronous=FULL")
            cur.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn):  # pragma: no cover
            # IMMEDIATE takes the write lock at the start, so two desks never deadlock mid-routine.
            conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("reception_write") else "BEGIN")

        return engine
    return create_engine(
        parsed,
        echo=echo,
        pool_pre_ping=True,
        pool_size=4,
        max_overflow=4,
        # Keepalives and TCP_USER_TIMEOUT: a query on a link that died silently fails within seconds
        # instead of minutes (the offline monitor, app/sync/monitor.py, decides the desk's state).
        connect_args={"connect_timeout": 5, "application_name": "reception", "keepalives": 1,
                      "keepalives_idle": 2, "keepalives_interval": 1, "keepalives_count": 2,
                      "tcp_user_timeout": 3000},
    )


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions for reading (queries, previews).

    On PostgreSQL they run in autocommit: a read needs no transaction, and ending one with ROLLBACK
    makes psycopg drop its prepared statements, so every card swipe was planned afresh (measured at
    1M persons: a swipe 11.5 -> 4.4 ms). The statements of one read are then not one
    snapshot, which a display can live with. Writes never use these sessions: routines, jobs and the
    outbox take `Core.write_session()`, a READ COMMITTED transaction on the plain engine.
    """
    if engine.dialect.name == "postgresql":
        return sessionmaker(engine.execution_options(isolation_level="AUTOCOMMIT"), expire_on_commit=False,
                            info={"engine": engine})
    return sessionmaker(engine, expire_on_commit=False, info={"engine": engine})
