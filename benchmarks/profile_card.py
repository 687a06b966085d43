"""Where does a card swipe's person-card load spend its time? Per-statement profile of load_person_card.

    python benchmarks/profile_card.py --pg                 # PostgreSQL reception_bench, 200 swipes
    python benchmarks/profile_card.py --samples 100        # SQLite benchmarks/data/bench-1000000.db
    python benchmarks/profile_card.py --pg --cprofile 20   # also the 20 hottest functions (cumulative)

Each sample is what run.py's "Kortdragning → personkortsdata laddad" row measures:
a new session, find_person_by_card, load_person_card. Printed: the median of the
whole swipe, the number of statements, the time spent inside the driver
(cursor execute to fetch, from SQLAlchemy's cursor events) and, per statement
(by the tables it reads), its median driver time. The difference between the
total and the driver time is Python: SQLAlchemy building, compiling (cache hit
or not) and turning rows into objects, plus the card's own code. "Empty session"
is the fixed cost of a session on this database (pool checkout — with
pool_pre_ping a round trip on PostgreSQL —, BEGIN, one trivial statement,
ROLLBACK) for comparison.
"""
from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import generate as gen  # noqa: E402
import run as bench  # noqa: E402

MS = 1000.0


def label(statement: str) -> str:
    """A short name for a statement: the tables after FROM/JOIN, in order."""
    tables = re.findall(r"\b(?:FROM|JOIN)\s+([a-z_]+)", statement)
    seen: list[str] = []
    for t in tables:
        if t not in seen:
            seen.append(t)
    return "+".join(seen) or statement.split()[0]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Per-statement profile of the person-card load.")
    gen.add_db_arguments(parser)
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--cprofile", type=int, default=0, metavar="N", help="print the N hottest functions")
    args = parser.parse_args(argv)

    from sqlalchemy import event, select

    from app.clock import FixedClock
    from app.context import Core
    from app.queries.person_card import load_person_card
    from app.queries.search import find_person_by_card
    from db.engine import make_session_factory
    from db.migrate import open_database

    url = gen.url_from_args(args)
    engine = open_database(url)
    core = Core(sessions=make_session_factory(engine), clock=FixedClock.on(args.today), desk="Kassa 1")
    samples = bench.pick_samples(core, args.samples + args.warmup, args.seed)
    actor = bench.bench_actor(core)  # the card as the bench user (Administratör: journal included) sees it

    current: list[tuple[str, float]] = []
    started: list[float] = []

    @event.listens_for(engine, "before_cursor_execute")
    def _before(conn, cursor, statement, parameters, context, executemany):
        started.append(time.perf_counter())

    @event.listens_for(engine, "after_cursor_execute")
    def _after(conn, cursor, statement, parameters, context, executemany):
        current.append((label(statement), time.perf_counter() - started.pop()))

    def swipe(card_number: str) -> None:
        with core.sessions() as session:
            found = find_person_by_card(session, card_number)
            load_person_card(session, actor, found.person_id, args.today)

    def empty_session() -> None:
        with core.sessions() as session:
            session.execute(select(1)).scalar()

    for s in samples[:args.warmup]:
        swipe(s.card_number)
        empty_session()
    totals, driver, counts, empties = [], [], [], []
    per_label: dict[str, list[float]] = {}
    for s in samples[args.warmup:]:
        current.clear()
        t0 = time.perf_counter()
        swipe(s.card_number)
        totals.append((time.perf_counter() - t0) * MS)
        driver.append(sum(d for _, d in current) * MS)
        counts.append(len(current))
        for name, d in current:
            per_label.setdefault(name, []).append(d * MS)
        t0 = time.perf_counter()
        empty_session()
        empties.append((time.perf_counter() - t0) * MS)

    n = len(totals)
    print(f"{engine.dialect.name}: {n} swipes after {args.warmup} warm-up")
    print(f"  whole swipe, median          {statistics.median(totals):7.2f} ms  (p95 "
          f"{sorted(totals)[int(n * 0.95) - 1]:.2f})")
    print(f"  statements per swipe, median {statistics.median(counts):7.0f}")
    print(f"  inside the driver, median    {statistics.median(driver):7.2f} ms")
    print(f"  Python (whole − driver)      {statistics.median(t - d for t, d in zip(totals, driver)):7.2f} ms")
    print(f"  empty session, median        {statistics.median(empties):7.2f} ms")
    print("  per statement (median driver time, times per swipe):")
    for name, values in sorted(per_label.items(), key=lambda kv: -statistics.median(kv[1]) * len(kv[1])):
        print(f"    {statistics.median(values):6.3f} ms  ×{len(values) / n:4.1f}  {name}")

    if args.cprofile:
        profiler = cProfile.Profile()
        profiler.enable()
        for s in samples[args.warmup:]:
            swipe(s.card_number)
        profiler.disable()
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(args.cprofile)
        print(out.getvalue())
    engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
