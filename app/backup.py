"""Backup and restore of the embedded (SQLite) database.

* `backup_to(db_path, target)` uses SQLite's online backup API: a consistent copy while the desk
  keeps working (WAL included), checked with `PRAGMA integrity_check` before it is called done.
* `daily_backup(...)` keeps one copy a day in the data folder and the newest 14.
* `restore_from(src, db_path)` checks the file first (an SQLite file, intact, a Reception schema this
  version knows) and refuses with a Swedish message, changing nothing; only then it keeps the file it
  replaces beside it and copies the backup in, again through the backup API.

A shared PostgreSQL database is backed up on the server with pg_dump (README); the desk never claims to.
"""
from __future__ import annotations

import sqlite3
from datetime import date, datetime
from pathlib import Path

from app.errors import UserError

SQLITE_MAGIC = b"SQLite format 3\x00"
KEEP_DAILY = 14


class BackupError(UserError):
    title = "Säkerhetskopiering"


class RestoreRefused(UserError):
    title = "Återställningen gjordes inte"


def _copy(src: Path, target: Path) -> None:
    source = sqlite3.connect(f"file:{src}?mode=ro", uri=True)
    try:
        dest = sqlite3.connect(str(target))
        try:
            source.backup(dest)
        finally:
            dest.close()
    finally:
        source.close()


def _integrity(path: Path) -> str:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        conn.close()


def _remove(path: Path) -> None:
    try:
        path.unlink(missing_ok=True)
    except OSError:
        pass  # nothing was written there either


def backup_to(db_path: Path, target: Path) -> Path:
    db_path, target = Path(db_path), Path(target)
    if not db_path.is_file():
        raise BackupError(f"Databasfilen {db_path} finns inte.")
    if target.resolve() == db_path.resolve():
        raise BackupError("Säkerhetskopian kan inte skrivas över själva databasen. Välj en annan fil.")
    partial = target.with_name(target.name + ".delvis")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        partial.unlink(missing_ok=True)
        _copy(db_path, partial)
        if _integrity(partial) != "ok":
            raise BackupError("Kopian blev inte hel (integritetskontrollen misslyckades). Försök igen.")
        partial.replace(target)
    except OSError as err:
        _remove(partial)
        raise BackupError(f"Säkerhetskopian kunde inte skrivas till {target}: {err.strerror or err}. "
                          "Kontrollera att mappen finns och att det finns plats på disken.") from None
    except sqlite3.Error as err:
        _remove(partial)
        raise BackupError(f"Säkerhetskopian kunde inte göras: {err}.") from None
    return target


def daily_backup(db_path: Path, folder: Path, today: date, keep: int = KEEP_DAILY) -> Path | None:
    """Today's copy unless there is one; then only the newest `keep` daily copies are kept."""
    folder = Path(folder)
    stem = Path(db_path).stem
    target = folder / f"{stem}-{today:%Y-%m-%d}.db"
    made = None
    if not target.exists():
        made = backup_to(db_path, target)
    copies = sorted(folder.glob(f"{stem}-????-??-??.db"))
    for old in copies[:-keep] if keep else copies:
        old.unlink(missing_ok=True)
    return made


def check_backup(src: Path, known_revisions: set[str]) -> str:
    """Raise RestoreRefused unless `src` is an intact Reception database this version can open;
    returns its schema revision."""
    src = Path(src)
    if not src.is_file():
        raise RestoreRefused(f"Filen {src} finns inte.")
    with src.open("rb") as fh:
        if fh.read(16) != SQLITE_MAGIC:
            raise RestoreRefused(f"Filen {src.name} är ingen Reception-databas. Ingenting har ändrats.")
    try:
        if _integrity(src) != "ok":
            raise RestoreRefused(f"Säkerhetskopian {src.name} är skadad (integritetskontrollen misslyckades). "
                                 "Ingenting har ändrats – välj en annan kopia.")
        conn = sqlite3.connect(f"file:{src}?mode=ro", uri=True)
        try:
            revision = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        finally:
            conn.close()
    except sqlite3.DatabaseError:
        raise RestoreRefused(f"Säkerhetskopian {src.name} är skadad eller ingen Reception-databas. "
                             "Ingenting har ändrats.") from None
    if revision is None:
        raise RestoreRefused(f"Filen {src.name} saknar versionsuppgift – den hör inte till Reception. "
                             "Ingenting har ändrats.")
    if revision[0] not in known_revisions:
        raise RestoreRefused(f"Säkerhetskopian {src.name} kommer från en nyare version av Reception "
                             f"(schema {revision[0]}). Uppdatera programmet först. Ingenting har ändrats.")
    return revision[0]


def restore_from(src: Path, db_path: Path, known_revisions: set[str], now: datetime) -> Path | None:
    """Replace the database with the checked backup; the replaced file is kept (returned)."""
    src, db_path = Path(src), Path(db_path)
    check_backup(src, known_revisions)
    kept = None
    if db_path.exists():
        try:  # nobody may be using it: a desk with the file open would keep writing to the old data
            probe = sqlite3.connect(str(db_path), timeout=0.5)
            try:
                probe.execute("BEGIN EXCLUSIVE")
                probe.rollback()
            finally:
                probe.close()
        except sqlite3.OperationalError:
            raise RestoreRefused("Databasen används just nu. Stäng Reception på den här datorn (och "
                                 "schemalagda jobb) och försök igen. Ingenting har ändrats.") from None
        kept = db_path.with_name(f"{db_path.stem}.ersatt-{now:%Y%m%d-%H%M%S}{db_path.suffix}")
        backup_to(db_path, kept)
    source = sqlite3.connect(f"file:{src}?mode=ro", uri=True)
    try:
        dest = sqlite3.connect(str(db_path))
        try:
            source.backup(dest)
        finally:
            dest.close()
    finally:
        source.close()
    return kept
