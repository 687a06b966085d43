"""`reception restore FIL`: put a backup back, after checking it; the replaced file is kept."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from app.backup import restore_from
from app.cli_backup import POSTGRES_NOTE, sqlite_file
from app.clock import Clock
from app.errors import UserError

COMMAND = "restore"


def add_parser(sub) -> None:
    p = sub.add_parser(COMMAND, help="återställ den inbäddade databasen från en säkerhetskopia")
    p.add_argument("file", type=Path, help="säkerhetskopian att återställa")


def run_without_core(args: argparse.Namespace, url: str, clock: Clock) -> int:
    from db.migrate import known_revisions

    path = sqlite_file(url)
    if path is None:
        print(f"reception: {POSTGRES_NOTE}", file=sys.stderr)
        return 2
    try:
        kept = restore_from(args.file, path, known_revisions(), clock.now())
    except UserError as err:
        print(f"reception: {err.title}: {err.message}", file=sys.stderr)
        return 1
    print(f"Databasen {path} är återställd från {args.file}.")
    if kept:
        print(f"Den ersatta databasen finns kvar som {kept}.")
    return 0
