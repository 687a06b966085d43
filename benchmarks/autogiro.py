"""Autogiro at scale (issue 17): the monthly betalningsunderlag for every autogiro subscription, and reading
a betalningsspecifikation of the same size, each with wall time and the process's peak memory.

    python benchmarks/generate.py && python benchmarks/autogiro.py                  # SQLite
    python benchmarks/generate.py --pg && python benchmarks/autogiro.py --pg        # PostgreSQL

Same database flags as benchmarks/generate.py. The run WRITES to the database (debits, invoices,
coverage): run it on a copy. Each measured step runs in its own process, so "peak RSS" is that step's
(the interpreter and SQLAlchemy included):

1. **Betalningsunderlag**: ExportDebits for the next debit day after the generated "today" — the
   first export also gives every approved mandate its payer number (adopt_existing_mandates).
2. (not measured) a betalningsspecifikation is written from the debits as Bankgirot would answer:
   every 20th debit failed for lack of funds, the rest paid.
3. **Betalningsspecifikation**: ImportBankgirotFile for that file — checked whole first, then applied.

Targets (issue 17): ≤ 60 s and ≤ 500 MB each.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
for p in (str(ROOT), str(HERE)):
    if p not in sys.path:
        sys.path.insert(0, p)

import generate as gen  # noqa: E402

BANKGIRO, CUSTOMER = "5050-1055", "123456"


def _core(url: str, today: date):
    from app.clock import FixedClock
    from app.main import open_core

    return open_core(url, FixedClock.on(today))


def _admin(core):
    from sqlalchemy import select

    from app.context import Actor
    from db.models import Right, User

    with core.sessions() as s:
        user = s.scalar(select(User).where(User.active.is_(True)).order_by(User.id))
        rights = frozenset(s.scalars(select(Right.code)))
        return Actor(user.id, user.username, user.full_name, rights, core.desk)


def _peak_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1024 / 1024 if sys.platform == "darwin" else peak / 1024


def step_export(url: str, today: date, folder: str) -> dict:
    from app.autogiro.routines import ExportCommand, ExportDebits
    from app.settings import save_setting

    core = _core(url, today)
    with core.write_session() as s, s.begin():
        save_setting(s, "autogiro_bankgiro", BANKGIRO)
        save_setting(s, "autogiro_customer_number", CUSTOMER)
    actor = _admin(core)
    t0 = time.perf_counter()
    result = ExportDebits(core).execute(ExportCommand(folder), actor)
    seconds = time.perf_counter() - t0
    return {"seconds": seconds, "peak_mb": _peak_mb(), "records": result.records, "total_ore": result.total_ore,
            "file": str(Path(folder) / result.file_name) if result.file_name else None, "summary": result.summary}


def step_spec(url: str, today: date, path: str) -> dict:
    """Write Bankgirot's answer to the debits (not measured): streamed from the database."""
    from sqlalchemy import select

    from app.autogiro.format import number, record, text, ymd
    from db.models import AutogiroDebit, Invoice

    core = _core(url, today)
    with core.sessions() as s:
        on = s.scalar(select(AutogiroDebit.debit_date).order_by(AutogiroDebit.id.desc()).limit(1))
        rows = s.execute(select(AutogiroDebit.payer_number, AutogiroDebit.amount_ore, Invoice.invoice_number)
                         .join(Invoice, Invoice.id == AutogiroDebit.invoice_id)
                         .where(AutogiroDebit.status == "skickad", AutogiroDebit.debit_date == on)
                         .order_by(AutogiroDebit.id)).all()
    paid = [(i % 20 != 7) for i in range(len(rows))]
    ok = sum(paid)
    ok_ore = sum(r[1] for r, p in zip(rows, paid) if p)
    bg = "0050501055"
    with open(path, "wb") as out:
        out.write(record("01", "AUTOGIRO", " " * 14, (ymd(on) + "120000000000").ljust(20),
                         "BET. SPEC & STOPP TK", CUSTOMER, bg))
        out.write(record("15", "0" * 35, ymd(on), "00001", number(ok_ore, 18), "   ", number(ok, 8)))
        for (payer, amount, invoice_number), is_paid in zip(rows, paid):
            out.write(record("82", ymd(on), "0", "   ", " ", number(payer, 16), number(amount, 12), bg,
                             text(str(invoice_number), 16), " " * 10, "0" if is_paid else "1"))
        out.write(record("09", ymd(on), "9900", number(1, 6), number(ok, 12), number(0, 6), number(0, 12),
                         number(0, 6), number(0, 12)))
    return {"records": len(rows), "paid": ok, "bytes": os.path.getsize(path)}


def step_import(url: str, today: date, path: str) -> dict:
    from app.autogiro.routines import ImportBankgirotFile, ImportCommand

    core = _core(url, today)
    actor = _admin(core)
    t0 = time.perf_counter()
    result = ImportBankgirotFile(core).execute(ImportCommand(path), actor)
    seconds = time.perf_counter() - t0
    return {"seconds": seconds, "peak_mb": _peak_mb(), "records": result.records, "applied": result.applied,
            "unmatched": result.unmatched, "summary": result.summary}


STEPS = {"export": step_export, "spec": step_spec, "import": step_import}


def _child(step: str, url: str, today: date, arg: str) -> dict:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    done = subprocess.run([sys.executable, __file__, "--step", step, "--url", url, "--today", today.isoformat(),
                           "--arg", arg], capture_output=True, text=True, env=env, cwd=str(ROOT))
    if done.returncode != 0:
        raise SystemExit(f"{step} failed:\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    gen.add_db_arguments(parser)
    parser.add_argument("--step", choices=sorted(STEPS), help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--arg", help=argparse.SUPPRESS)
    parser.add_argument("--folder", help="where the files go (default: a temporary folder)")
    args = parser.parse_args(argv)
    if args.step:
        print(json.dumps(STEPS[args.step](args.url, args.today, args.arg), default=str))
        return 0
    url = gen.url_from_args(args)
    folder = args.folder or tempfile.mkdtemp(prefix="reception-autogiro-bench-")
    exported = _child("export", url, args.today, folder)
    print(f"Betalningsunderlag: {exported['records']:,} dragningar, {exported['seconds']:.1f} s, "
          f"topp {exported['peak_mb']:.0f} MB – {exported['summary']}")
    spec_path = str(Path(folder) / "betalningsspecifikation.txt")
    spec = _child("spec", url, args.today, spec_path)
    print(f"(Betalningsspecifikation skriven: {spec['records']:,} poster, {spec['bytes'] / 1e6:.0f} MB)")
    imported = _child("import", url, args.today, spec_path)
    print(f"Betalningsspecifikation inläst: {imported['records']:,} poster, {imported['seconds']:.1f} s, "
          f"topp {imported['peak_mb']:.0f} MB – {imported['summary']}")
    print()
    print("| Steg | Poster | Tid | Topp-RSS | Mål |")
    print("|---|---|---|---|---|")
    print(f"| Betalningsunderlag (ExportDebits) | {exported['records']:,} | {exported['seconds']:.1f} s | "
          f"{exported['peak_mb']:.0f} MB | ≤ 60 s, ≤ 500 MB |")
    print(f"| Betalningsspecifikation (ImportBankgirotFile) | {imported['records']:,} | {imported['seconds']:.1f} s | "
          f"{imported['peak_mb']:.0f} MB | ≤ 60 s, ≤ 500 MB |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
