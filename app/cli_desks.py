"""`reception desks`: which PCs run which client version against this database, last contact."""
from __future__ import annotations

import argparse

from app.clock import STOCKHOLM
from app.context import Core
from app.desks import list_desks

COMMAND = "desks"


def add_parser(sub) -> None:
    sub.add_parser(COMMAND, help="visa datorerna som använder databasen, med version och senaste kontakt")


def run(args: argparse.Namespace, core: Core) -> int:
    rows = list_desks(core)
    if not rows:
        print("Ingen dator har registrerat sig än.")
        return 0
    print(f"{'Dator':<24} {'Kassa':<16} {'Version':<10} {'Senaste kontakt':<17} Användare")
    for r in rows:
        print(f"{r.machine:<24} {r.desk_name:<16} {r.client_version:<10} "
              f"{r.last_seen_at.astimezone(STOCKHOLM):%Y-%m-%d %H:%M} {r.last_user or ''}")
    return 0
