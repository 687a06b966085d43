"""Check-in at scale (issue 13): swipe → verdict shown, and the Dagsöversikt's first paint, on the
generated database with its visits (10,000,000 beside 1,000,000 persons by default).

    python benchmarks/generate.py && python benchmarks/checkin.py                     # SQLite
    python benchmarks/generate.py --pg && python benchmarks/checkin.py --pg            # PostgreSQL

Same database flags as benchmarks/run.py. Rows, each with median, p95 and the ratio to a raw-SQL
floor measured in the same run:

* **Kortdragning → besked visat**: the real CheckInBanner (widgets/checkin_banner.py) runs the
  CheckIn routine for a generated member's card — lock, the deviation facts, the verdict, the
  visit and its audit row in one transaction — and the banner is painted. Floor: the card
  lookup and one INSERT INTO visits with its COMMIT on the raw driver.
* **Kortdragning → besked och personkort**: the whole swipe through the real MainWindow
  (on_card_swiped: verdict, then the card filled below it). Floor: as above.
* **CheckIn-rutinen ensam** (no Qt): what the routine costs without painting.
* **Dagsöversikt, första ritning**: a new DayOverviewWindow reads the day (counts by hour for
  today and the same weekday eight weeks back, the refused list) and paints the chart. Floor: the
  same two statements by hand on the raw driver.

Each swipe sample is a different member (no double swipes). The run writes visits and audit rows.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
for p in (str(ROOT), str(HERE)):
    if p not in sys.path:
        sys.path.insert(0, p)

import generate as gen  # noqa: E402
import run as bench  # noqa: E402
from run import MS, Row, measure  # noqa: E402

ROWS = (
    ("verdict", "Kortdragning → besked visat (CheckInBanner, offscreen)", "≤ 50 ms", 50),
    ("swipe", "Kortdragning → besked och personkortet ifyllt (MainWindow)", "≤ 50 ms", 50),
    ("routine", "CheckIn-rutinen ensam (lås, fakta, besked, besök, audit, commit)", "–", None),
    ("overview", "Dagsöversikt, första ritning (ny fönster, läsa dagen, rita)", "≤ 500 ms", 500),
)


class CheckInFloor(bench.Floor):
    def swipe(self, number: str, at: str, day: str) -> None:
        cur = self.conn.cursor()
        if self.dialect != "sqlite":
            self.conn.autocommit = False
        cur.execute(f"SELECT c.person_id FROM cards c WHERE c.card_number = {self.ph} AND c.status = 'aktivt'",
                    (number,))
        person_id = cur.fetchone()[0]
        cur.execute("INSERT INTO visits (person_id, card_number, at, local_date, local_hour, desk, method, verdict, "
                    f"swipes) VALUES ({', '.join([self.ph] * 9)})",
                    (person_id, number, at, day, 9, "Golv", "kort", "valkommen", 1))
        self.conn.commit()
        if self.dialect != "sqlite":
            self.conn.autocommit = True
        cur.close()

    def overview(self, day, weeks: int = 8) -> None:
        days = [(day - timedelta(days=7 * n)).isoformat() for n in range(weeks + 1)]
        self.one(f"SELECT local_date, local_hour, verdict, count(*) FROM visits "
                 f"WHERE local_date IN ({', '.join('?' * len(days))}) GROUP BY local_date, local_hour, verdict", *days)
        self.one("SELECT v.at, v.card_number, v.reason_text, v.verdict, v.let_in_reason, p.first_name, p.last_name, "
                 "p.customer_number FROM visits v LEFT JOIN persons p ON p.id = v.person_id "
                 "WHERE v.local_date = ? AND v.verdict IN ('nekad', 'inslappt') ORDER BY v.at DESC, v.id DESC "
                 "LIMIT 500", day.isoformat())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    gen.add_db_arguments(parser)
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--overview-samples", type=int, default=30)
    args = parser.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

    from PySide6.QtCore import QEventLoop, QTimer, qInstallMessageHandler
    from PySide6.QtWidgets import QApplication
    from sqlalchemy import func, select
    from sqlalchemy.engine import make_url

    from app.clock import FixedClock
    from app.context import Core
    from app.routines.checkin import CheckIn, CheckInCommand
    from db.engine import make_session_factory
    from db.migrate import open_database
    from db.models import Person, Visit
    from widgets.checkin_banner import CheckInBanner
    from widgets.day_overview import DayOverviewWindow
    import wizards  # noqa: F401 - the wizards' menu entries on the window, as the program has them
    from widgets.main_window import MainWindow
    from widgets.services import Bus, UiServices

    qInstallMessageHandler(bench._quiet_qt)
    app = QApplication.instance() or QApplication([sys.argv[0]])
    url = gen.url_from_args(args)
    engine = open_database(url)
    clock = FixedClock.on(args.today)
    core = Core(sessions=make_session_factory(engine), clock=clock, desk="Kassa 1")
    with core.sessions() as session:
        persons = session.scalar(select(func.count(Person.id)))
        visits = session.scalar(select(func.max(Visit.id)))
    parsed = make_url(url)
    print(f"Check-in benchmark on {parsed.render_as_string(hide_password=True)}: {persons:,} persons, "
          f"about {visits:,} visits", flush=True)
    actor = bench.bench_actor(core)
    n = args.samples + args.warmup
    pool = bench.pick_samples(core, 4 * n, args.seed)
    floor_samples, verdict_samples, swipe_samples, routine_samples = (pool[i * n:(i + 1) * n] for i in range(4))
    rows = {key: Row(key, label, target, limit_median=limit) for key, label, target, limit in ROWS}
    floor = CheckInFloor(url)
    past = datetime(args.today.year - 1, 1, 1, 8, tzinfo=timezone.utc)
    fmt = gen.Fmt(floor.dialect)
    swipe_floor = measure(lambda s: floor.swipe(s.card_number, fmt.ts(past), (args.today.replace(
        year=args.today.year - 1)).isoformat()), floor_samples, args.warmup)
    overview_floor = measure(lambda _i: floor.overview(args.today), list(range(args.overview_samples + 5)), 5)
    floor.close()
    for key in ("verdict", "swipe", "routine"):
        rows[key].floor = swipe_floor
    rows["overview"].floor = overview_floor
    print(f"  floor: swipe {statistics.median(swipe_floor):.3f} ms, overview {statistics.median(overview_floor):.2f} ms",
          flush=True)

    routine = CheckIn(core)
    rows["routine"].samples = measure(lambda s: routine.execute(CheckInCommand(card_number=s.card_number), actor),
                                      routine_samples, args.warmup)
    print(f"  routine: {statistics.median(rows['routine'].samples):.2f} ms", flush=True)

    services = UiServices(core=core, actor=actor, bus=Bus(), user_data_dir=Path(tempfile.mkdtemp(prefix="bench-")))
    loop = QEventLoop()
    timeout = QTimer()
    timeout.setSingleShot(True)
    timeout.timeout.connect(loop.quit)

    def wait_for(signal, fired: list) -> None:
        if not fired:
            signal.connect(loop.quit)
            timeout.start(10_000)
            loop.exec()
            timeout.stop()
            signal.disconnect(loop.quit)
        app.processEvents()

    banner = CheckInBanner(services)
    banner.beep = lambda: None
    banner.resize(930, 120)

    def verdict(s) -> None:
        shown: list = []
        banner.shown.connect(shown.append)
        banner.check_in_card(s.card_number)     # inline on SQLite, a worker thread on PostgreSQL
        wait_for(banner.shown, shown)
        banner.shown.disconnect(shown.append)
        banner.repaint()
        if not shown or shown[-1].card_number != s.card_number:
            raise RuntimeError(f"no verdict for card {s.card_number}")

    banner.show()
    rows["verdict"].samples = measure(verdict, verdict_samples, args.warmup)
    banner.close()
    print(f"  verdict shown: {statistics.median(rows['verdict'].samples):.2f} ms", flush=True)

    window = MainWindow(services)
    window.unknown_card_box = lambda parent, text: None
    window.checkin_banner.beep = lambda: None
    window.show()
    app.processEvents()

    def swipe(s) -> None:
        shown: list = []
        loaded: list = []
        window.checkin_banner.shown.connect(shown.append)
        window.person_card.loaded.connect(loaded.append)
        window.on_card_swiped(s.card_number)
        wait_for(window.checkin_banner.shown, shown)
        wait_for(window.person_card.loaded, loaded)
        window.checkin_banner.shown.disconnect(shown.append)
        window.person_card.loaded.disconnect(loaded.append)
        if not shown or not loaded or loaded[-1].person.id != s.person_id:
            raise RuntimeError(f"the swipe of {s.card_number} did not show verdict and card")

    rows["swipe"].samples = measure(swipe, swipe_samples, args.warmup)
    print(f"  swipe → verdict and card: {statistics.median(rows['swipe'].samples):.2f} ms", flush=True)
    window.close()

    def first_paint(_i) -> None:
        overview = DayOverviewWindow(services)
        painted: list = []
        loaded: list = []
        overview.loaded.connect(loaded.append)
        overview.chart.painted.connect(lambda: painted.append(1) if loaded else None)
        overview.show()
        overview.refresh()
        wait_for(overview.loaded, loaded)
        overview.chart.repaint()
        if not painted:
            raise RuntimeError("the day overview did not paint")
        overview.close()
        overview.deleteLater()

    rows["overview"].samples = measure(first_paint, list(range(args.overview_samples + 5)), 5)
    overview_data = None
    with core.sessions() as session:
        from app.queries.visits import day_overview

        overview_data = day_overview(session, args.today)
    print(f"  day overview first paint: {statistics.median(rows['overview'].samples):.1f} ms "
          f"({overview_data.checked_in:,} checked in, {overview_data.refused:,} refused that day)", flush=True)
    engine.dispose()

    meta = {"dialect": parsed.get_backend_name(), "persons": persons, "samples": args.samples,
            "warmup": args.warmup, "server": parsed.host or Path(parsed.database).name,
            "when": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")}
    print()
    print(f"Visits: about {visits:,}. Dagsöversikt: {args.overview_samples} samples after 5 warm-up.")
    print(bench.markdown(rows, meta))
    return 0


if __name__ == "__main__":
    sys.exit(main())
