"""SQLite durability on the embedded desk: what synchronous=FULL costs a Slutför, against NORMAL.

    python benchmarks/generate.py --persons 20000 --db sqlite+pysqlite:///benchmarks/data/durability.db
    python benchmarks/durability.py [--db benchmarks/data/durability.db] [--samples 200]

In WAL mode, NORMAL syncs the WAL only at checkpoints: a commit that returned can be lost on power
loss (the database stays consistent, the last transactions are gone). FULL syncs the WAL at every
commit. Each mode runs on its own copy of the database: `samples` Registrera ny privatkund
(Slutför, RegisterRoutine.execute) after a warm-up, and as the floor a raw one-row INSERT + COMMIT
in the same mode (the fsync alone). Prints median and p95 per mode.
"""
from __future__ import annotations

import argparse
import shutil
import sqlite3
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import event  # noqa: E402

import benchmarks.run as bench  # noqa: E402


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


def measure_mode(source: Path, mode: str, samples: int, warmup: int, offset: int) -> dict:
    from app.clock import FixedClock
    from app.context import Core
    from app.routines.register import RegisterRoutine
    from db.engine import make_engine, make_session_factory, sqlite_url
    from db.models import Product
    from sqlalchemy import select

    path = source.with_name(f"{source.stem}.{mode.lower()}{source.suffix}")
    shutil.copy(source, path)
    engine = make_engine(sqlite_url(path))

    @event.listens_for(engine, "connect")
    def _mode(dbapi_conn, _record):
        dbapi_conn.execute(f"PRAGMA synchronous={mode}")

    core = Core(sessions=make_session_factory(engine), clock=FixedClock.on(bench.gen.DEFAULT_TODAY))
    actor = bench.bench_actor(core)
    with core.sessions() as session:
        codes = dict(session.execute(select(Product.code, Product.id)).all())
    catalogue = {"ag_main": codes["GYM-AG"], "addon": codes["HANDDUK"]}
    photo = bench.gen.tiny_jpeg()
    commands = [bench.registration_command(offset + i, core.clock.today(), catalogue, photo)
                for i in range(samples + warmup)]
    routine = RegisterRoutine(core)
    times = []
    for i, cmd in enumerate(commands):
        t0 = time.perf_counter()
        routine.execute(cmd, actor)
        if i >= warmup:
            times.append((time.perf_counter() - t0) * 1000)
    engine.dispose()
    raw = sqlite3.connect(str(path), isolation_level=None)
    raw.execute("PRAGMA journal_mode=WAL")
    raw.execute(f"PRAGMA synchronous={mode}")
    raw.execute("CREATE TABLE IF NOT EXISTS bench_floor (x INTEGER)")
    floor = []
    for i in range(samples + warmup):
        t0 = time.perf_counter()
        raw.execute("BEGIN IMMEDIATE")
        raw.execute("INSERT INTO bench_floor VALUES (?)", (i,))
        raw.execute("COMMIT")
        if i >= warmup:
            floor.append((time.perf_counter() - t0) * 1000)
    raw.close()
    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    return {"mode": mode, "median": statistics.median(times), "p95": p95(times),
            "floor_median": statistics.median(floor), "floor_p95": p95(floor)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=ROOT / "benchmarks" / "data" / "durability.db")
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=20)
    args = parser.parse_args(argv)
    results = []
    for n, mode in enumerate(("NORMAL", "FULL", "NORMAL", "FULL")):  # interleaved: the machine is shared
        results.append(measure_mode(args.db, mode, args.samples, args.warmup, 3_000_000 + n * 10_000))
    print("| mode | Slutför median | Slutför p95 | raw INSERT+COMMIT median | raw p95 |")
    print("|---|---|---|---|---|")
    for r in results:
        print(f"| {r['mode']} | {r['median']:.2f} ms | {r['p95']:.2f} ms | {r['floor_median']:.3f} ms | "
              f"{r['floor_p95']:.3f} ms |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
