"""Open a database for the app: check it, back it up, upgrade the schema.

Start-up faults are *environmental*, not bugs, and end as typed UserErrors with
a Swedish message (and nothing changed): an invalid or unreachable URL, a file
that is not an SQLite database, or a schema newer than this program knows.
"""
from __future__ import annotations

import logging
import shutil
import sqlite3
from datetime import datetime, timezone
from collections.abc import Callable
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import exc, inspect
from sqlalchemy.engine import Connection, Engine, make_url

from app.errors import ClientTooOld, CorruptDatabase, DatabaseUnavailable, SchemaBehind, SchemaTooNew
from app.version import VERSION
from db.engine import make_engine

log = logging.getLogger("reception.db")
MIGRATIONS = Path(__file__).resolve().parent / "migrations"
SQLITE_MAGIC = b"SQLite format 3\x00"


def alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def head_revision() -> str:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def known_revisions() -> set[str]:
    return {rev.revision for rev in ScriptDirectory.from_config(alembic_config()).walk_revisions()}


def _sqlite_path(url: str) -> Path | None:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return None
    return Path(parsed.database)


def _check_sqlite_file(path: Path) -> None:
    if not path.exists() or path.stat().st_size == 0:
        return
    with path.open("rb") as fh:
        magic = fh.read(16)
    if magic != SQLITE_MAGIC:
        raise CorruptDatabase(
            f"Filen {path} är ingen Reception-databas (den är skadad eller av ett annat slag). "
            "Den har inte ändrats. Återställ en säkerhetskopia eller starta med en annan fil."
        )


def _corrupt(path: Path) -> CorruptDatabase:
    return CorruptDatabase(
        f"Databasfilen {path} är skadad och kan inte läsas. Den har inte ändrats. Återställ en säkerhetskopia."
    )


def backup_sqlite(path: Path, label: str, now: datetime) -> Path:
    """Copy the SQLite file with SQLite's own backup API (consistent even in WAL mode)."""
    target = path.with_name(f"{path.stem}.{now:%Y%m%d-%H%M%S}.{label}.bak{path.suffix}")
    src = sqlite3.connect(str(path))
    try:
        dst = sqlite3.connect(str(target))
        try:
            src.backup(dst)
        finally:
            dst.close()
    finally:
        src.close()
    return target


def open_database(url: str, *, password: str | None = None, upgrade: bool = True,
                  now: datetime | None = None, prepare: Callable[[Connection], None] | None = None) -> Engine:
    """Return a ready engine at the head schema, or raise a Swedish UserError.

    `prepare(connection)` runs after the upgrade under the same lock (the composition root seeds the
    reference data with it), so desks starting together never insert the same rows twice."""
    now = now or datetime.now(timezone.utc)
    try:
        parsed = make_url(url)
        backend = parsed.get_backend_name()
    except exc.ArgumentError:
        raise DatabaseUnavailable(
            f"Databasadressen ”{url}” går inte att tolka. Ange t.ex. "
            "postgresql+psycopg://användare@server/databas eller låt fältet vara tomt för den lokala databasen."
        ) from None
    if backend not in ("sqlite", "postgresql"):
        raise DatabaseUnavailable(
            f"Databastypen ”{backend}” stöds inte. Använd den lokala databasen (SQLite) eller PostgreSQL."
        )
    path = _sqlite_path(url)
    if path is not None:
        _check_sqlite_file(path)
        if not path.parent.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
    try:
        engine = make_engine(url, password=password)
    except (exc.ArgumentError, ImportError) as err:
        raise DatabaseUnavailable(f"Databasadressen går inte att använda: {err}") from None
    try:
        with engine.connect() as conn:
            if path is not None:
                try:
                    conn.exec_driver_sql("SELECT count(*) FROM sqlite_master").scalar()
                except exc.DatabaseError:
                    raise _corrupt(path) from None
            current = MigrationContext.configure(conn).get_current_revision()
            has_tables = bool(inspect(conn).get_table_names())
            may_migrate = can_change_schema(conn)
    except exc.OperationalError as err:
        engine.dispose()
        if path is not None and "malformed" in str(err.orig):
            raise _corrupt(path) from None
        where = parsed.render_as_string(hide_password=True)
        tls = _tls_problem(str(err.orig))
        if tls:
            raise DatabaseUnavailable(f"{tls}\n\nServer: {where}\nTekniskt fel: {str(err.orig).strip()}") from None
        raise DatabaseUnavailable(
            f"Det går inte att ansluta till databasen {where}. Kontrollera att servern är igång, "
            f"att adressen stämmer och att nätverket fungerar.\n\nTekniskt fel: {str(err.orig).strip()}"
        ) from None
    except CorruptDatabase:
        engine.dispose()
        raise
    except exc.DatabaseError:
        engine.dispose()
        if path is None:
            raise
        raise _corrupt(path) from None
    if current is not None and current not in known_revisions():
        engine.dispose()
        _check_client_version(engine_url=url, password=password)
        raise SchemaTooNew(
            f"Databasen har en nyare version ({current}) än den här versionen av Reception känner till. "
            "Uppdatera programmet. Databasen har inte ändrats."
        )
    if current is None and has_tables:
        engine.dispose()
        raise CorruptDatabase(
            "Databasen innehåller tabeller men ingen versionsuppgift – den hör inte till Reception. "
            "Den har inte ändrats."
        )
    head = head_revision()
    if upgrade and current != head and not may_migrate:
        engine.dispose()
        raise SchemaBehind(
            "Databasen behöver uppgraderas – kör reception db upgrade (med databasens ägarroll, se README "
            f"”Installera på receptionsdatorer”). Databasen har version {current or 'ingen'}, programmet "
            f"behöver {head}. Den här datorns inloggning får inte ändra databasens schema; ingenting har ändrats."
        )
    try:
        if (upgrade and current != head) or prepare is not None:
            _upgrade_and_prepare(engine, path, head if upgrade else None, now, prepare)
        with engine.connect() as conn:
            check_client_version(conn)
    except BaseException:
        engine.dispose()
        raise
    return engine


def _version_tuple(version: str) -> tuple[int, ...]:
    return tuple(int(part) if part.isdigit() else 0 for part in version.strip().split("."))


def check_client_version(conn: Connection, client_version: str = VERSION) -> None:
    """The one place that stops a desk older than the database accepts (database_info)."""
    try:
        required = conn.exec_driver_sql("SELECT min_client_version FROM database_info WHERE id = 1").scalar()
    except exc.DBAPIError:  # a database made before the table existed accepts every client
        conn.rollback()
        return
    if required and _version_tuple(client_version) < _version_tuple(required):
        raise ClientTooOld(
            f"Den här datorn har version {client_version}, databasen kräver minst {required} – "
            "installera den nya versionen. Databasen har inte ändrats."
        )


def _check_client_version(engine_url: str, password: str | None) -> None:
    """For a database whose schema is newer than this client: say which version it needs, if it says."""
    engine = make_engine(engine_url, password=password)
    try:
        with engine.connect() as conn:
            check_client_version(conn)
    finally:
        engine.dispose()


def can_change_schema(conn: Connection) -> bool:
    """May this login migrate the schema? Always on SQLite (the desk upgrades its own file at start).

    On PostgreSQL: a superuser, a member of the role that owns `alembic_version`, or - on a database
    with no schema yet - a role that may create in schema public. A desk's own role
    (`reception db grant`, docs/decisions/security.md) is none of these, so it never runs DDL."""
    if conn.dialect.name != "postgresql":
        return True
    superuser, may_create, owns = conn.exec_driver_sql(
        "SELECT r.rolsuper, has_schema_privilege(current_user, 'public', 'CREATE'), "
        "(SELECT pg_has_role(current_user, c.relowner, 'USAGE') FROM pg_class c "
        "  WHERE c.oid = to_regclass('public.alembic_version')) "
        "FROM pg_roles r WHERE r.rolname = current_user").one()
    conn.rollback()
    if superuser:
        return True
    return bool(may_create) if owns is None else bool(owns)


_TLS_MESSAGES = (
    (("does not match host name", "hostname mismatch"),
     "Serverns certifikat gäller inte för det servernamn som står i databasadressen. Anslutningen avbröts "
     "innan något skickades. Använd det namn som står i certifikatet (fråga den som sköter servern)."),
    (("certificate verify failed", "self-signed certificate", "unable to get local issuer", "certificate has expired"),
     "Serverns certifikat kunde inte verifieras mot rotcertifikatet (sslrootcert). Anslutningen avbröts "
     "innan något skickades. Kontrollera att rätt rotcertifikat är installerat på den här datorn."),
    (("root certificate file", "could not read root certificate"),
     "Rotcertifikatet (sslrootcert) i databasadressen finns inte eller kan inte läsas. Anslutningen avbröts."),
    (("server does not support ssl", "ssl is not enabled"),
     "Servern erbjuder ingen krypterad anslutning (TLS), men databasadressen kräver det. Anslutningen avbröts."),
)


def _tls_problem(error: str) -> str | None:
    """A Swedish explanation for a refused TLS connection (sslmode=verify-full), or None."""
    lowered = error.lower()
    for needles, message in _TLS_MESSAGES:
        if any(n in lowered for n in needles):
            return message
    return None


# One key for "a desk is upgrading or seeding this database": pg_advisory_lock takes a bigint.
UPGRADE_LOCK_KEY = 0x52454345  # "RECE"


def _upgrade_and_prepare(engine: Engine, path: Path | None, head: str | None, now: datetime,
                         prepare: Callable[[Connection], None] | None) -> tuple[str | None, str | None]:
    """Upgrade to `head` (None: do not upgrade) and run `prepare` (seeding of reference data), on
    PostgreSQL under an advisory lock: ten desks starting at once after an update wait for each other
    instead of racing on the same CREATE TABLE / INSERT. The revision is read again under the lock,
    so the desks that waited find the work done. On SQLite the write lock of the file serialises."""
    with engine.connect() as conn:
        locked = conn.dialect.name == "postgresql"
        if locked:
            conn.exec_driver_sql(f"SELECT pg_advisory_lock({UPGRADE_LOCK_KEY})")
            conn.commit()
        try:
            current = MigrationContext.configure(conn).get_current_revision()
            conn.commit()
            if head is not None and current != head:
                if path is not None and current is not None:
                    backup = backup_sqlite(path, f"före-{head}", now)
                    log.info("Backed up %s to %s before upgrading the schema", path, backup)
                cfg = alembic_config()
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, "head")
                conn.commit()
                log.info("Database schema upgraded from %s to %s", current, head)
            if prepare is not None:
                prepare(conn)
                conn.commit()
            return current, (head if head is not None else current)
        finally:
            if locked:
                conn.rollback()
                conn.exec_driver_sql(f"SELECT pg_advisory_unlock({UPGRADE_LOCK_KEY})")
                conn.commit()


class UpgradeNotAllowed(SchemaBehind):
    title = "Uppgraderingen får inte köras med den här inloggningen"


def upgrade_database(url: str, *, password: str | None = None, now: datetime | None = None,
                     prepare: Callable[[Connection], None] | None = None) -> tuple[str | None, str | None]:
    """`reception db upgrade`: bring the schema to head with the owner's login, under the same advisory
    lock as a desk's start, and return (revision before, revision after). Raises a Swedish UserError."""
    now = now or datetime.now(timezone.utc)
    engine = open_database(url, password=password, upgrade=False, now=now)
    try:
        with engine.connect() as conn:
            allowed = can_change_schema(conn)
            who = conn.exec_driver_sql("SELECT current_user").scalar() if conn.dialect.name == "postgresql" else ""
        if not allowed:
            raise UpgradeNotAllowed(
                f"Inloggningen ”{who}” får inte ändra databasens schema (den är en kassas roll). Kör "
                "reception --db <adress med ägarrollen> db upgrade. Ingenting har ändrats."
            )
        def regrant_and_prepare(conn: Connection) -> None:
            from db.roles import regrant_desk_roles

            regranted = regrant_desk_roles(conn)  # under the lock: no desk starts between DDL and grants
            if regranted:
                log.info("Granted the upgraded schema to the desk roles %s", ", ".join(regranted))
            if prepare is not None:
                prepare(conn)

        try:
            return _upgrade_and_prepare(engine, _sqlite_path(url), head_revision(), now, regrant_and_prepare)
        except exc.DBAPIError as err:
            raise UpgradeNotAllowed(
                f"Uppgraderingen avbröts av databasen; ingenting har ändrats.\n\nTekniskt fel: {str(err.orig).strip()}"
            ) from None
    finally:
        engine.dispose()
