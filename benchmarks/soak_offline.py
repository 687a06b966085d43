"""Soak test of the offline desk: two desks, a scripted workload, the network cut and restored at random.

    python benchmarks/soak_offline.py                         # 1,000 cuts (about an hour)
    python benchmarks/soak_offline.py --cuts 100 --seed 7     # a shorter run

Each desk is a real Core + OfflineDesk (replica, connection monitor, sync thread, outbox) on its own
TCP proxy in front of one PostgreSQL database (a fresh database on --server, dropped afterwards).
A worker per desk registers customers as a receptionist would: Slutför; when the connection breaks
under it (ConnectionLost) it presses Slutför again with the same command, which the desk queues once
it knows it is offline. One in ten registrations uses a card number from a small pool that both
desks draw from, so the desks really take each other's cards (conflicts). A chaos thread cuts one or
both links `--cuts` times, half as a reset link and half silently (every byte dropped, no reset: the
dead Wi-Fi case), holds the cut for 0.2–3 s and restores it.

Reported (and checked; the exit code is 1 when a check fails), the properties a Jepsen test of a sync
engine checks:
* issued, done online, queued, replayed, conflicts, **lost (must be 0)**, **doubled (must be 0)** —
  every issued command is either run on the server exactly once (executed_commands, one person) or
  in its desk's conflict list with its data;
* **no stuck queue**: after each reconnect the outbox drains; the time from restore to an empty queue
  (median, p95, max) and the number of reconnects after which it did not drain within 30 s;
* **convergence**: after the run quiesces each replica equals the server row for row (every replicated
  table except the bounded photo cache);
* **monotonic reads**: a reader per desk samples its replica's persons count and its rows'
  `updated_at`; neither ever goes back;
* **read your writes**: every command a desk queued is, at every sample, either still open in its
  outbox or present in its replica.
"""
from __future__ import annotations

import argparse
import random
import statistics
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from pathlib import Path
from tempfile import TemporaryDirectory

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, func, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

DEFAULT_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


@dataclass
class DeskStats:
    name: str
    issued: list[str] = field(default_factory=list)        # command ids
    pnr_of: dict[str, str] = field(default_factory=dict)    # command id -> personnummer (12 digits)
    online_done: int = 0
    queued: int = 0
    refused_at_desk: int = 0                                 # a UserError at Slutför (card taken: the replica or the server said so)
    refused_ids: set[str] = field(default_factory=set)
    retries: int = 0
    violations: list[str] = field(default_factory=list)


def _pnr(birth: date, serial: str) -> tuple[str, str]:
    digits = birth.strftime("%y%m%d") + serial
    total = 0
    for i, ch in enumerate(digits):
        v = int(ch) * (2 if i % 2 == 0 else 1)
        total += v - 9 if v > 9 else v
    check = (10 - total % 10) % 10
    return f"{birth:%Y%m%d}-{serial}{check}", f"{birth:%Y%m%d}{serial}{check}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cuts", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--server", default=DEFAULT_SERVER, help="PostgreSQL server URL (a database is created)")
    parser.add_argument("--pace", type=float, default=0.15, help="seconds between two registrations of a desk")
    args = parser.parse_args(argv)
    import logging

    logging.basicConfig(level=logging.ERROR)  # the desks log every switch; the summary is what counts

    from app.clock import Clock
    from app.context import Core
    from app.errors import ConnectionLost, DatabaseUnavailable, QueuedOffline, UserError
    from app.startup import open_core
    from app.routines.register import RegisterRoutine
    from app.sync.desk import open_desk
    from app.sync.feed import REPLICATED
    from db.engine import make_engine, make_session_factory
    from db.migrate import open_database
    from db.models import Base, ExecutedCommand, Person
    from tests.app import builders
    from tests.app.sync.proxy import TcpProxy
    from tests.conftest import _actor, _seed_base

    rng = random.Random(args.seed)
    name = f"reception_soak_{uuid.uuid4().hex[:8]}"
    admin = create_engine(make_url(args.server), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(args.server).set(database=name).render_as_string(hide_password=False)
    started = time.monotonic()
    ok = True
    try:
        engine = open_database(url)
        _seed_base(engine)
        server = Core(sessions=make_session_factory(engine), clock=Clock(), desk="server")
        builders.init_counters(server)
        cat = builders.build_catalog(server)
        actor = _actor(server, "recep")
        with TemporaryDirectory() as tmp:
            desks = []
            for i, desk_name in enumerate(("Kassa 1", "Kassa 2")):
                proxy = TcpProxy.for_url(url)
                core, offline = open_desk(proxy.url(url), Clock(), Path(tmp) / desk_name, open_core=open_core,
                                          desk=desk_name)
                deadline = time.monotonic() + 60
                while not (offline.routing.replica_ready and offline.sync.pulls > 0):
                    if time.monotonic() > deadline:
                        raise SystemExit("the replica did not fill within 60 s")
                    time.sleep(0.05)
                desks.append((core, offline, proxy, DeskStats(desk_name)))
            stop = threading.Event()
            pool_cards = [f"99{n:08d}" for n in range(40)]      # shared by both desks: real conflicts

            def worker(index: int) -> None:
                core, offline, proxy, st = desks[index]
                serial = ("123", "456")[index]
                n = 0
                local = random.Random(args.seed * 100 + index)
                while not stop.is_set():
                    n += 1
                    birth = date(1940, 1, 1) + timedelta(days=n)
                    shown, digits = _pnr(birth, serial)
                    card = local.choice(pool_cards) if local.random() < 0.1 else f"{index + 1}{n:09d}"
                    command = builders.registration(
                        cat, product=cat.gym_kontant, mandate=None,
                        person=builders.person_data(shown[2:], first=f"Soak{index}", last=f"Nr{n}",
                                                    email=f"s{index}n{n}@example.se"),
                        access=replace(builders.registration(cat).access, card_number=card))
                    st.issued.append(command.command_id)
                    st.pnr_of[command.command_id] = digits
                    for attempt in range(200):                   # Slutför, and Slutför again after a break
                        try:
                            RegisterRoutine(core).execute(command, actor)
                            st.online_done += 1
                            break
                        except QueuedOffline:
                            st.queued += 1
                            break
                        except (ConnectionLost, DatabaseUnavailable):
                            st.retries += 1
                            time.sleep(0.2)
                        except UserError as err:                  # refused at the desk: the receptionist sees it
                            st.refused_at_desk += 1
                            st.refused_ids.add(command.command_id)
                            break
                    else:
                        st.violations.append(f"{command.command_id}: never got through Slutför")
                    time.sleep(args.pace * local.uniform(0.5, 1.5))

            samples = {"reads": 0, "ryw_checks": 0}

            def reader(index: int) -> None:
                core, offline, proxy, st = desks[index]
                last_count, seen_updated = 0, {}
                while not stop.is_set():
                    time.sleep(0.05)
                    try:
                        with offline.replica.sessions() as s:
                            count = s.scalar(select(func.count()).select_from(Person))
                            rows = dict(s.execute(select(Person.id, Person.updated_at)
                                                  .order_by(Person.id.desc()).limit(20)).all())
                    except Exception:                          # the replica is being rebuilt / written: try again
                        continue
                    samples["reads"] += 1
                    if count < last_count:
                        st.violations.append(f"replica persons count went back {last_count} -> {count}")
                    last_count = count
                    for pid, updated in rows.items():
                        if pid in seen_updated and updated < seen_updated[pid]:
                            st.violations.append(f"person {pid} went back in time")
                        seen_updated[pid] = updated
                    # read your writes: every queued entry is open in the outbox or in the replica
                    for entry in core.outbox.entries(("sent",)):
                        if not entry.pulled:
                            continue
                        digits = st.pnr_of.get(entry.command_id)
                        if digits is None:
                            continue
                        with offline.replica.sessions() as s:
                            there = s.scalar(select(func.count()).select_from(Person)
                                             .where(Person.personnummer == digits))
                        samples["ryw_checks"] += 1
                        if not there:
                            st.violations.append(f"{entry.command_id}: sent and pulled but not in the replica")
                        break

            threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(2)]
            threads += [threading.Thread(target=reader, args=(i,), daemon=True) for i in range(2)]
            for t in threads:
                t.start()

            drains: list[float] = []
            stuck = 0
            for cut in range(args.cuts):
                which = rng.choice(([0], [1], [0, 1]))
                mode = "reset" if cut % 2 == 0 else "blackhole"
                for i in which:
                    getattr(desks[i][2], mode)()
                time.sleep(rng.uniform(0.2, 3.0))
                for i in which:
                    desks[i][2].restore()
                restored = time.monotonic()
                # the queue of each cut desk must drain (it may have queued nothing for a short cut)
                for i in which:
                    core, offline = desks[i][0], desks[i][1]
                    while core.outbox.pending() and time.monotonic() - restored < 30:
                        time.sleep(0.02)
                    if core.outbox.pending():
                        stuck += 1
                drains.append(time.monotonic() - restored)
                time.sleep(rng.uniform(0.2, 1.0))
                if (cut + 1) % 50 == 0:
                    print(f"  {cut + 1}/{args.cuts} cuts, {time.monotonic() - started:.0f} s", flush=True)

            stop.set()
            for t in threads:
                t.join(timeout=60)
            # quiesce: every queue empty, every replica caught up with the server
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and any(d[0].outbox.pending() or not d[0].connectivity.online
                                                      for d in desks):
                time.sleep(0.1)
            time.sleep(3)
            for core, offline, proxy, st in desks:
                offline.sync.wake()
            time.sleep(3)

            # -- the checks -------------------------------------------------------------
            with server.sessions() as s:
                executed = set(s.scalars(select(ExecutedCommand.command_id)))
                per_pnr = dict(s.execute(select(Person.personnummer, func.count()).group_by(Person.personnummer)).all())
            totals = dict(issued=0, online=0, queued=0, replayed=0, conflicts=0, refused_at_desk=0, lost=0, doubled=0,
                          stuck_entries=0, retries=0)
            for core, offline, proxy, st in desks:
                conflicts = {e.command_id for e in core.outbox.entries(("conflict",))}
                sent = {e.command_id for e in core.outbox.entries(("sent",))}
                pending = {e.command_id for e in core.outbox.pending()}
                totals["issued"] += len(st.issued)
                totals["online"] += st.online_done
                totals["queued"] += st.queued
                totals["replayed"] += len(sent)
                totals["conflicts"] += len(conflicts)
                totals["refused_at_desk"] += st.refused_at_desk
                totals["retries"] += st.retries
                totals["stuck_entries"] += len(pending)
                for cid in st.issued:
                    digits = st.pnr_of[cid]
                    if cid in executed:
                        if per_pnr.get(digits, 0) != 1:
                            totals["doubled"] += 1
                            st.violations.append(f"{cid}: {per_pnr.get(digits, 0)} persons on the server")
                    elif cid not in conflicts and cid not in st.refused_ids:
                        totals["lost"] += 1
                        st.violations.append(f"{cid}: neither on the server nor in the conflict list")
                # convergence, row for row
                for table in Base.metadata.sorted_tables:
                    if table.name not in REPLICATED or table.name == "photos":
                        continue
                    order = [table.c[c] for c in REPLICATED[table.name]]
                    with server.sessions() as s:
                        srv = [tuple(_norm(v) for v in row) for row in s.execute(select(table).order_by(*order))]
                    with offline.replica.sessions() as s:
                        rep = [tuple(_norm(v) for v in row) for row in s.execute(select(table).order_by(*order))]
                    if srv != rep:
                        st.violations.append(f"{st.name}: replica table {table.name} differs from the server "
                                             f"({len(srv)} vs {len(rep)} rows)")
            for core, offline, proxy, st in desks:
                offline.stop()
                core.engine.dispose()
                proxy.close()

        elapsed = time.monotonic() - started
        print(f"\nSoak: {args.cuts} cuts (half reset, half silent) in {elapsed:.0f} s, seed {args.seed}")
        for key, value in totals.items():
            print(f"  {key:16} {value}")
        if drains:
            drains.sort()
            p95 = drains[int(0.95 * (len(drains) - 1))]
            print(f"  restore -> empty queue: median {statistics.median(drains):.2f} s, p95 {p95:.2f} s, "
                  f"max {drains[-1]:.2f} s; reconnects that did not drain within 30 s: {stuck}")
        print(f"  replica samples {samples['reads']}, read-your-writes checks {samples['ryw_checks']}")
        violations = [v for _c, _o, _p, st in desks for v in st.violations]
        for v in violations[:20]:
            print("  VIOLATION", v)
        print(f"  convergence/monotonic/read-your-writes violations: {len(violations)}")
        ok = not violations and totals["lost"] == 0 and totals["doubled"] == 0 and stuck == 0 \
            and totals["stuck_entries"] == 0
        print("  result:", "OK" if ok else "FAILED")
    finally:
        try:
            engine.dispose()
        except Exception:
            pass
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    return 0 if ok else 1


def _norm(value):
    from datetime import datetime, timezone

    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=timezone.utc)).astimezone(timezone.utc).isoformat()
    if isinstance(value, memoryview):
        return bytes(value)
    return value


if __name__ == "__main__":
    raise SystemExit(main())
