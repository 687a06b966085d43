"""Replay of queued offline commands at scale (issue 11: 1,000 queued commands within 60 s).

    python benchmarks/generate.py --pg --pg-database reception_bench_offline
    python benchmarks/offline_writes.py --server postgresql+psycopg://postgres@127.0.0.1:5432/reception_bench_offline

On the 1,000,000-person database: N registrations (new private customer, kontant product, photo and
card) are queued in a desk's outbox while the desk says it is offline (each validated first, as at
Slutför), then the outbox is replayed against the server. Reported: time to queue (per command,
median/p95), the replay's wall time and per-command median/p95, and the floor measured in the same
run: the same kind of registration executed directly online (the routine engine without the outbox).
The registered persons stay (about 1,250 per run, with birth dates from a per-run offset so that a
second run does not collide with the first): use a database of its own for this benchmark.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from tempfile import TemporaryDirectory

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def _p95(values):
    values = sorted(values)
    return values[int(0.95 * (len(values) - 1))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--server", required=True)
    parser.add_argument("--commands", type=int, default=1000)
    args = parser.parse_args(argv)
    import logging

    logging.basicConfig(level=logging.ERROR)
    from sqlalchemy import func, select

    from app.clock import Clock
    from app.context import Core
    from app.errors import QueuedOffline
    from app.routines.register import RegisterRoutine
    from app.sync.connectivity import Connectivity
    from app.sync.outbox import Outbox
    from app.sync.replay import replay_one
    from benchmarks.soak_offline import _pnr
    from db.engine import make_engine, make_session_factory
    from db.models import Person, Product, User
    from tests.app import builders
    from tests.conftest import _actor

    engine = make_engine(args.server)
    clock = Clock()
    core = Core(sessions=make_session_factory(engine), clock=clock, desk="Kassa 1",
                connectivity=Connectivity(clock, online=True))
    with core.sessions() as s:
        persons = s.scalar(select(func.count()).select_from(Person))
        product = s.scalar(select(Product.id).where(Product.payment == "kontant", Product.kind == "huvud",
                                                    Product.is_subscription.is_(True)).limit(1))
        username = s.scalar(select(User.username).where(User.username.in_(("recep", "reception", "admin", "bench")))
                            .order_by(User.username.desc()).limit(1))
    actor = _actor(core, username)
    print(f"database: {persons:,} persons; product {product}; user {username}")

    offset = int(time.time()) % 5000 * 3  # days: each run draws its own birth dates

    # personnummer the generated database does not hold yet (about 3 % of random ones are taken)
    free: dict[str, list[int]] = {}
    for serial in ("777", "888"):
        candidates = {_pnr(date(1901, 1, 1) + timedelta(days=offset + n), serial)[1]: n
                      for n in range(args.commands * 2)}
        with core.sessions() as s:
            taken = set(s.scalars(select(Person.personnummer).where(Person.personnummer.in_(list(candidates)))))
        free[serial] = [n for d, n in candidates.items() if d not in taken]

    def command(i: int, serial: str):
        n = free[serial][i]
        shown, digits = _pnr(date(1901, 1, 1) + timedelta(days=offset + n), serial)
        base = builders.registration(builders.Catalog(0, 0, 0, product, product, 0, 0, 0, 0, 0), product=product,
                                     addons=(), mandate=None,
                                     person=builders.person_data(shown, first="Replay", last=f"Nr{n}",
                                                                 email=f"replay{n}@example.se"))
        return replace(base, access=replace(base.access, card_number=f"8{serial[0]}{(offset + n) % 10**8:08d}")), digits

    made: list[str] = []
    try:  # noqa: SIM105
        # the floor: the same registrations straight to the server
        direct = []
        for n in range(args.commands // 4):
            cmd, digits = command(n, "777")
            t0 = time.perf_counter()
            RegisterRoutine(core).execute(cmd, actor)
            direct.append(time.perf_counter() - t0)
            made.append(digits)
        with TemporaryDirectory() as tmp:
            outbox = Outbox(Path(tmp) / "desk.outbox.db")
            core.outbox = outbox
            core.connectivity.set_online(False)
            queue_times = []
            for n in range(args.commands):
                cmd, digits = command(n, "888")
                made.append(digits)
                t0 = time.perf_counter()
                try:
                    RegisterRoutine(core).execute(cmd, actor)
                except QueuedOffline:
                    pass
                queue_times.append(time.perf_counter() - t0)
            core.connectivity.set_online(True)
            per = []
            t_all = time.perf_counter()
            for entry in outbox.pending():
                t0 = time.perf_counter()
                assert replay_one(core, outbox, entry)
                per.append(time.perf_counter() - t0)
            wall = time.perf_counter() - t_all
            counts = outbox.counts()
            outbox.close()
        print(f"queue {args.commands} at Slutför offline: median {statistics.median(queue_times) * 1000:.1f} ms, "
              f"p95 {_p95(queue_times) * 1000:.1f} ms")
        print(f"replay {args.commands}: {wall:.1f} s wall; per command median {statistics.median(per) * 1000:.1f} ms, "
              f"p95 {_p95(per) * 1000:.1f} ms; outcome {counts}")
        print(f"floor (direct online Slutför, {len(direct)}): median {statistics.median(direct) * 1000:.1f} ms, "
              f"p95 {_p95(direct) * 1000:.1f} ms; replay/floor median ratio "
              f"{statistics.median(per) / statistics.median(direct):.2f}")
    finally:
        engine.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
