"""`reception jobs run`: the scheduled job from the command line (cron / Windows Task Scheduler).

It acts as a Reception user with the right Systeminställningar, after that user's password
(app/cli_auth.py): in Task Scheduler a service account, `jobs run --user nattjobb --keyring`, with the
password stored once by `reception cli-password --user nattjobb`. Exit code 0 done, 2 refused."""
from __future__ import annotations

import argparse
import sys

from app.cli_auth import add_user_arguments, cli_actor
from app.context import Core
from app.errors import UserError
from app.jobs.nightly import run_nightly

COMMAND = "jobs"


def add_parser(sub) -> None:
    jobs = sub.add_parser(COMMAND, help="schemalagda jobb (kör en gång per natt)")
    jobs.add_argument("action", choices=["run"], help="run = kör nattjobbet nu")
    add_user_arguments(jobs)


def run(args: argparse.Namespace, core: Core) -> int:
    try:
        report = run_nightly(core, cli_actor(args, core))
    except UserError as err:
        print(f"reception: {err.message}", file=sys.stderr)
        return 2
    print(f"Nattjobbet för {core.clock.today():%Y-%m-%d} är klart.")
    for line in report.lines():
        print(f"  {line}")
    return 0
