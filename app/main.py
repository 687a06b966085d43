"""The command line: `reception [--demo] [--db URL] [--desk NAMN]`, `reception jobs run`, `--self-test`.

Qt-free, and it never reaches up a layer: the window is started by whoever calls `main` with a
`start_window` — the program `reception` does, through `reception/launcher.py` above every layer
(docs/decisions/layers.md). What the window and the command line both need from start-up (the URL,
`open_core`, the demo data, `report_startup_error`) lives in `app/startup.py`, so neither imports the other.
Start-up faults (bad URL, unreachable server, corrupt file, newer schema) end with a Swedish message on
stderr and in a dialog, exit code 2, nothing changed.
"""
from __future__ import annotations

import argparse
import importlib
import importlib.util
import logging
from collections.abc import Callable, Sequence

from app.clock import Clock
from app.errors import UserError
from app.logging_setup import setup_logging
from app.paths import user_log_dir
from app.startup import (EXIT_STARTUP_FAILED, open_core, report_startup_error, resolve_url,  # noqa: F401
                         seed_demo_if_empty)
from app.version import VERSION

# How the window is started: (args, clock, show_error) -> exit code. Given by reception/launcher.py.
StartWindow = Callable[[argparse.Namespace, Clock, Callable[[str, str], None] | None], int]
SelfTestCheck = tuple[str, Callable[[], str]]

log = logging.getLogger("reception")

# Sub-commands live in their own modules: each has add_parser(subparsers) and run(args, core) -> int,
# or run_without_core(args, url, clock) -> int for work on the database file itself (backup, restore).
CLI_MODULES = ("app.cli_jobs", "app.cli_preorders", "app.cli_register", "app.cli_backup", "app.cli_restore",
               "app.cli_desks", "app.cli_report", "app.cli_password", "app.cli_db", "app.cli_auth",
               "app.cli_autogiro")


def _cli_modules():
    return [importlib.import_module(name) for name in CLI_MODULES if importlib.util.find_spec(name) is not None]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="reception", description="Reception – kassaklient för gym och sporthallar")
    parser.add_argument("--demo", action="store_true", help="starta på en lokal demodatabas med exempeldata")
    parser.add_argument("--db", metavar="URL", help="databas, t.ex. postgresql+psycopg://user@server/reception "
                                                   "(lösenordet hämtas från nyckelringen)")
    parser.add_argument("--desk", metavar="NAMN", help="kassans namn för den här datorn")
    parser.add_argument("--version", action="version", version=f"reception {VERSION}")
    parser.add_argument("--self-test", action="store_true",
                        help="kontrollera att installationen kan starta (databas, Qt, enheter) och avsluta")
    sub = parser.add_subparsers(dest="command")
    for module in _cli_modules():
        module.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None, *, clock: Clock | None = None,
         show_error: Callable[[str, str], None] | None = None, start_window: StartWindow | None = None,
         self_test_checks: Sequence[SelfTestCheck] = ()) -> int:
    """Run a sub-command, the self-test, or (with no command) the window through `start_window`."""
    args = build_parser().parse_args(argv)
    if args.self_test:
        from app.selftest import run as self_test

        return self_test(extra=self_test_checks)
    clock = clock or Clock()
    setup_logging(user_log_dir())
    if args.command:
        module = next(m for m in _cli_modules() if m.COMMAND == args.command)
        if hasattr(module, "run_without_core"):  # work on the file itself: backup, restore, report
            return module.run_without_core(args, resolve_url(args), clock)
        try:
            core = open_core(resolve_url(args), clock, desk=args.desk or "Kassa 1")
        except UserError as err:
            return report_startup_error(err, None)
        try:
            return module.run(args, core)
        finally:
            core.engine.dispose()
    if start_window is None:  # a caller of app.main alone (a script, a test) asked for the window
        err = UserError("Den här starten saknar fönster. Starta programmet reception, "
                        "eller ange ett kommando (reception --help).")
        err.title = "Inget fönster"
        return report_startup_error(err, show_error)
    return start_window(args, clock, show_error)
