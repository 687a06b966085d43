"""Offline desk at scale: first replica fill, swipe from the replica, sync lag between desks, detection.

    python benchmarks/generate.py --pg [--pg-server URL] [--pg-database reception_bench]
    python benchmarks/offline.py --server postgresql+psycopg://postgres@127.0.0.1:5432/reception_bench

Rows (docs/performance.md, targets from issue 11):
* first fill of a desk replica without photos (photo cap 0): wall time and file size;
* swipe -> card data from the replica: find_person_by_card + load_person_card on the replica's
  SQLite file, median/p95, against a raw-SQL floor (the card and person rows by sqlite3);
* incremental sync lag between two desks: desk B commits a change on the server, desk A (its
  SyncService listening) has it in its replica; median/p95, against the floor of a bare
  NOTIFY round trip on the same server;
* time to detect a lost connection (ConnectionMonitor through a TCP proxy), reset and silent.
"""
from __future__ import annotations

import argparse
import random
import sqlite3
import statistics
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import select, text  # noqa: E402

DATA = ROOT / "benchmarks" / "data" / "offline"


def stats(values: list[float]) -> tuple[float, float]:
    return statistics.median(values), statistics.quantiles(values, n=20, method="inclusive")[-1] if len(values) >= 2 else values[0]


def first_fill(server_url: str, path: Path, log) -> tuple[float, int]:
    from app.sync.desk import sync_engine
    from app.sync.replica import Replica

    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    replica = Replica(path, photo_cap_mb=0).open()
    engine = sync_engine(server_url, None)
    last = [0.0]

    def progress(done, total, table):
        if time.monotonic() - last[0] > 10:
            last[0] = time.monotonic()
            log(f"  fill {done:,}/{total:,} ({table})")
    t0 = time.perf_counter()
    assert replica.fill(engine, progress=progress)
    seconds = time.perf_counter() - t0
    with replica.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    replica.close()
    engine.dispose()
    return seconds, path.stat().st_size


def swipe_from_replica(path: Path, samples: int, warmup: int) -> dict:
    from app.clock import FixedClock
    from app.context import Core
    from app.queries.person_card import load_person_card
    from app.queries.search import find_person_by_card
    from app.sync.replica import Replica
    from db.models import Card
    from run import bench_actor  # benchmarks/run.py

    replica = Replica(path, photo_cap_mb=0).open()
    with replica.engine.connect() as conn:
        numbers = list(conn.execute(select(Card.card_number).where(Card.status == "aktivt")
                                    .order_by(Card.id).limit(200_000)).scalars())
    rng = random.Random(11)
    chosen = rng.sample(numbers, samples + warmup)
    today = __import__("datetime").date(2026, 11, 22)
    # The bench user from the replica's users table (Administratör: the card as it sees it, journal included).
    actor = bench_actor(Core(sessions=replica.sessions, clock=FixedClock.on(today), desk="Kassa 1"))
    times = []
    for i, number in enumerate(chosen):
        t0 = time.perf_counter()
        with replica.sessions() as session:
            found = find_person_by_card(session, number)
            load_person_card(session, actor, found.person_id, today, swiped_card=number)
        if i >= warmup:
            times.append((time.perf_counter() - t0) * 1000)
    raw = sqlite3.connect(str(path))
    floor = []
    for i, number in enumerate(chosen):
        t0 = time.perf_counter()
        pid = raw.execute("SELECT person_id FROM cards WHERE card_number = ? AND status = 'aktivt'", (number,)).fetchone()[0]
        raw.execute("SELECT * FROM persons WHERE id = ?", (pid,)).fetchone()
        if i >= warmup:
            floor.append((time.perf_counter() - t0) * 1000)
    raw.close()
    replica.close()
    return {"median": stats(times)[0], "p95": stats(times)[1], "floor": statistics.median(floor)}


def sync_lag(server_url: str, path: Path, samples: int, log) -> dict:
    import psycopg

    from app.clock import Clock
    from app.sync.connectivity import Connectivity
    from app.sync.desk import SyncService, sync_engine
    from app.sync.monitor import libpq_conninfo
    from app.sync.replica import Replica
    from db.models import Person

    replica = Replica(path, photo_cap_mb=0).open()
    state = Connectivity(Clock(), online=True)
    service = SyncService(sync_engine(server_url, None), libpq_conninfo(server_url), replica, state, Clock())
    service.start()
    while service.pulls < 1:  # first pull after the fill
        time.sleep(0.05)
    writer = sync_engine(server_url, None)   # desk B
    with writer.connect() as conn:
        ids = list(conn.execute(select(Person.id).order_by(Person.id).limit(samples)).scalars())
    lags = []
    reader = sqlite3.connect(str(path))
    for n, pid in enumerate(ids):
        name = f"Lag{n}"
        with writer.begin() as conn:
            conn.execute(Person.__table__.update().where(Person.id == pid).values(first_name=name))
        t0 = time.perf_counter()
        while reader.execute("SELECT first_name FROM persons WHERE id = ?", (pid,)).fetchone()[0] != name:
            time.sleep(0.002)
            if time.perf_counter() - t0 > 30:
                raise RuntimeError("change never arrived")
        lags.append((time.perf_counter() - t0) * 1000)
        time.sleep(0.05)
    reader.close()
    service.stop()
    replica.close()
    # Floor: commit -> NOTIFY received on a bare LISTEN connection.
    listen = psycopg.connect(libpq_conninfo(server_url), autocommit=True)
    listen.execute("LISTEN bench_floor")
    floor = []
    with psycopg.connect(libpq_conninfo(server_url), autocommit=True) as talk:
        for _ in range(samples):
            t0 = time.perf_counter()
            talk.execute("NOTIFY bench_floor")
            for _n in listen.notifies(timeout=5, stop_after=1):
                pass
            floor.append((time.perf_counter() - t0) * 1000)
    listen.close()
    writer.dispose()
    return {"median": stats(lags)[0], "p95": stats(lags)[1], "floor": statistics.median(floor)}


def detection(server_url: str, runs: int) -> dict:
    from app.clock import Clock
    from app.sync.connectivity import Connectivity
    from app.sync.monitor import ConnectionMonitor
    from tests.app.sync.proxy import TcpProxy

    out = {}
    for cut in ("reset", "blackhole"):
        times = []
        for _ in range(runs):
            proxy = TcpProxy.for_url(server_url)
            state = Connectivity(Clock(), online=False)
            gone = threading.Event()
            state.subscribe(lambda c: None if c.online else gone.set())
            monitor = ConnectionMonitor.for_url(proxy.url(server_url), state)
            monitor.start()
            while not state.online:
                time.sleep(0.01)
            time.sleep(random.uniform(0.3, 1.0))   # cut at a random point of the probe cycle
            t0 = time.perf_counter()
            getattr(proxy, cut)()
            gone.wait(10)
            times.append(time.perf_counter() - t0)
            monitor.stop()
            proxy.close()
        out[cut] = {"median": statistics.median(times), "p95": stats(times)[1], "max": max(times)}
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Offline desk benchmarks at 1M persons.")
    parser.add_argument("--server", required=True, help="SQLAlchemy URL of the generated PostgreSQL database")
    parser.add_argument("--replica", type=Path, default=DATA / "replica.db")
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--lag-samples", type=int, default=50)
    parser.add_argument("--detect-runs", type=int, default=10)
    parser.add_argument("--skip-fill", action="store_true", help="reuse the replica of an earlier run")
    args = parser.parse_args(argv)
    args.replica.parent.mkdir(parents=True, exist_ok=True)
    log = lambda msg: print(msg, file=sys.stderr, flush=True)  # noqa: E731
    rows = []
    if not args.skip_fill:
        log("First fill (no photos)…")
        seconds, size = first_fill(args.server, args.replica, log)
        rows.append(("First replica fill, no photos (≤ 5 min)", f"{seconds:.0f} s", "", ""))
        rows.append(("Replica size, no photos (≤ 1.5 GB)", f"{size / 1e9:.2f} GB", "", ""))
    log("Swipe from the replica…")
    s = swipe_from_replica(args.replica, args.samples, 20)
    rows.append(("Swipe → card data from the replica (≤ 10 ms)", f"{s['median']:.2f} ms", f"{s['p95']:.2f} ms",
                 f"{s['floor']:.3f} ms ({s['median'] / s['floor']:.0f}×)"))
    log("Sync lag…")
    lag = sync_lag(args.server, args.replica, args.lag_samples, log)
    rows.append(("Sync lag desk B commit → desk A replica (≤ 2 s)", f"{lag['median']:.0f} ms", f"{lag['p95']:.0f} ms",
                 f"{lag['floor']:.2f} ms NOTIFY ({lag['median'] / lag['floor']:.0f}×)"))
    log("Detection…")
    det = detection(args.server, args.detect_runs)
    for cut, label in (("reset", "reset link"), ("blackhole", "silent link (blackhole)")):
        d = det[cut]
        rows.append((f"Detect lost connection, {label} (≤ 2 s)", f"{d['median']:.2f} s", f"{d['p95']:.2f} s",
                     f"max {d['max']:.2f} s"))
    print("| What | median | p95 | floor / note |")
    print("|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
