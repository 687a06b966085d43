"""Composition root and command line: `reception [--demo] [--db URL]`, `reception jobs run`.

This module stays Qt-free: the window is started through `widgets.app`, imported
only when a GUI is wanted, so command-line work (jobs, imports) runs without Qt.
Start-up faults (bad URL, unreachable server, corrupt file, newer schema) end
with a Swedish message on stderr and in a dialog, exit code 2, nothing changed.
"""
from __future__ import annotations

import argparse
import importlib
import importlib.util
import logging
import sys
from collections.abc import Callable, Sequence

from app.clock import Clock
from app.context import Core
from app.errors import UserError
from app.logging_setup import setup_logging
from app.paths import embedded_db_path, user_data_dir, user_log_dir
from app.secrets import database_password
from app.version import VERSION

log = logging.getLogger("reception")
EXIT_STARTUP_FAILED = 2

# Sub-commands live in their own modules: each has add_parser(subparsers) and run(args, core) -> int,
# or run_without_core(args, url, clock) -> int for work on the database file itself (backup, restore).
CLI_MODULES = ("app.cli_jobs", "app.cli_preorders", "app.cli_backup", "app.cli_restore", "app.cli_desks",
               "app.cli_report", "app.cli_password", "app.cli_db", "app.cli_autogiro")


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


def resolve_url(args: argparse.Namespace, desk_url: str = "") -> str:
    if args.db:
        return args.db
    if desk_url and not args.demo:
        return desk_url
    return f"sqlite+pysqlite:///{embedded_db_path(demo=args.demo)}"


def open_core(url: str, clock: Clock, desk: str = "Kassa 1", till_enabled: bool = True) -> Core:
    from db.engine import make_session_factory
    from db.migrate import open_database
    from db.seed import ensure_reference_data
    from sqlalchemy.orm import Session

    def seed(conn) -> None:
        with Session(bind=conn) as session:
            ensure_reference_data(session)
            session.commit()

    engine = open_database(url, password=database_password(url), now=clock.now(), prepare=seed)
    return Core(sessions=make_session_factory(engine), clock=clock, desk=desk, till_enabled=till_enabled)


def seed_demo_if_empty(core: Core) -> None:
    from db.demo import seed_demo

    with core.write_session() as session, session.begin():
        seed_demo(session, core.clock.today(), core.clock.now())


def report_startup_error(err: UserError, show: Callable[[str, str], None] | None) -> int:
    print(f"reception: {err.title}: {err.message}", file=sys.stderr)
    log.error("Start-up failed: %s: %s", err.title, err.message)
    if show is not None:
        show(err.title, err.message)
    return EXIT_STARTUP_FAILED


def main(argv: Sequence[str] | None = None, *, clock: Clock | None = None,
         show_error: Callable[[str, str], None] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.self_test:
        from app.selftest import run as self_test

        return self_test()
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
    gui = importlib.import_module("widgets.app")
    return gui.run(args, clock=clock, show_error=show_error)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
