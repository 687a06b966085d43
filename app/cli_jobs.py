"""`reception jobs run`: the scheduled job from the command line (cron / Windows Task Scheduler)."""
from __future__ import annotations

import argparse

from app.context import Core
from app.jobs.nightly import run_nightly

COMMAND = "jobs"


def add_parser(sub) -> None:
    jobs = sub.add_parser(COMMAND, help="schemalagda jobb (kör en gång per natt)")
    jobs.add_argument("action", choices=["run"], help="run = kör nattjobbet nu")


def run(args: argparse.Namespace, core: Core) -> int:
    report = run_nightly(core)
    print(f"Nattjobbet för {core.clock.today():%Y-%m-%d} är klart.")
    for line in report.lines():
        print(f"  {line}")
    return 0
