"""`reception backup [FIL]`: a consistent copy of the embedded database while desks keep working."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sqlalchemy.engine import make_url

from app.backup import backup_to
from app.clock import Clock
from app.errors import UserError
from app.paths import backup_dir

COMMAND = "backup"


def add_parser(sub) -> None:
    p = sub.add_parser(COMMAND, help="säkerhetskopiera den inbäddade databasen (SQLite)")
    p.add_argument("file", nargs="?", type=Path, help="målfil (standard: mappen säkerhetskopior i datamappen)")


def sqlite_file(url: str) -> Path | None:
    parsed = make_url(url)
    return Path(parsed.database) if parsed.get_backend_name() == "sqlite" and parsed.database else None


POSTGRES_NOTE = ("Databasen är en delad PostgreSQL-databas. Den säkerhetskopieras på servern, t.ex. med "
                 "pg_dump -Fc -f reception.dump <databas> (se README, ”Säkerhetskopiering”). "
                 "Reception gör inga kopior av den.")


def run_without_core(args: argparse.Namespace, url: str, clock: Clock) -> int:
    path = sqlite_file(url)
    if path is None:
        print(f"reception: {POSTGRES_NOTE}", file=sys.stderr)
        return 2
    target = args.file or backup_dir() / f"{path.stem}-{clock.now():%Y%m%d-%H%M%S}.db"
    try:
        done = backup_to(path, target)
    except UserError as err:
        print(f"reception: {err.title}: {err.message}", file=sys.stderr)
        return 1
    print(f"Säkerhetskopian är sparad: {done}")
    return 0
