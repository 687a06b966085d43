"""`reception report [FIL]`: the error report zip (same as Hjälp > Skapa felrapport)."""
from __future__ import annotations

import argparse
import configparser
from pathlib import Path

from app.clock import Clock
from app.diagnostics import write_report
from app.paths import user_data_dir, user_log_dir

COMMAND = "report"


def add_parser(sub) -> None:
    p = sub.add_parser(COMMAND, help="skapa en felrapport (zip med maskerade loggar och versioner)")
    p.add_argument("file", nargs="?", type=Path, help="zip-fil (standard: felrapport-<tid>.zip i datamappen)")


def desk_ini(path: Path) -> dict[str, str]:
    parser = configparser.RawConfigParser()
    parser.optionxform = str  # keep the keys as QSettings wrote them
    try:
        parser.read(path, encoding="utf-8")
    except configparser.Error:
        return {"desk.ini": "kunde inte läsas"}
    return {f"{section}/{key}": value for section in parser.sections() for key, value in parser[section].items()}


def database_facts(url: str) -> dict[str, str]:
    from sqlalchemy.engine import make_url

    facts = {"url": url, "kind": make_url(url).get_backend_name()}
    try:
        from db.engine import make_engine
        from sqlalchemy import text

        engine = make_engine(url)
        try:
            with engine.connect() as conn:
                facts["schema"] = conn.execute(text("SELECT version_num FROM alembic_version")).scalar() or "?"
        finally:
            engine.dispose()
    except Exception as err:  # the report is wanted most when the database is the problem
        facts["schema"] = f"kunde inte läsas: {type(err).__name__}"
    return facts


def run_without_core(args: argparse.Namespace, url: str, clock: Clock) -> int:
    now = clock.now()
    target = args.file or user_data_dir() / f"felrapport-{now:%Y%m%d-%H%M%S}.zip"
    write_report(target, log_dir=user_log_dir(), data_dir=user_data_dir(),
                 desk_settings=desk_ini(user_data_dir() / "desk.ini"), database=database_facts(url), now=now)
    print(f"Felrapporten är sparad: {target}")
    return 0
