"""What every start needs, the window's and the command line's alike: the database URL, the opened core,
the demo data, and the one way a start-up fault is reported.

A module of its own (docs/decisions/layers.md): `app/main.py` (the command line) and `widgets/app.py`
(the window) both use it, and neither imports the other. Qt-free, like all of `app/`.
"""
from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable

from app.clock import Clock
from app.context import Core
from app.errors import UserError
from app.paths import embedded_db_path
from app.secrets import database_password

log = logging.getLogger("reception")
EXIT_STARTUP_FAILED = 2


def resolve_url(args: argparse.Namespace, desk_url: str = "") -> str:
    if args.db:
        return args.db
    if desk_url and not args.demo:
        return desk_url
    return f"sqlite+pysqlite:///{embedded_db_path(demo=args.demo)}"


def open_core(url: str, clock: Clock, desk: str = "Kassa 1", till_enabled: bool = True) -> Core:
    from sqlalchemy.orm import Session

    from app.seeding.reference import ensure_reference_data
    from db.engine import make_session_factory
    from db.migrate import open_database

    def seed(conn) -> None:
        with Session(bind=conn) as session:
            ensure_reference_data(session)
            session.commit()

    engine = open_database(url, password=database_password(url), now=clock.now(), prepare=seed)
    return Core(sessions=make_session_factory(engine), clock=clock, desk=desk, till_enabled=till_enabled)


def seed_demo_if_empty(core: Core) -> None:
    from app.seeding.demo import seed_demo

    with core.write_session() as session, session.begin():
        seed_demo(session, core.clock.today(), core.clock.now())


def report_startup_error(err: UserError, show: Callable[[str, str], None] | None) -> int:
    print(f"reception: {err.title}: {err.message}", file=sys.stderr)
    log.error("Start-up failed: %s: %s", err.title, err.message)
    if show is not None:
        show(err.title, err.message)
    return EXIT_STARTUP_FAILED
