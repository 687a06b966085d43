"""Measure the desk's hot paths on a generated database and print the table for docs/performance.md.

    python benchmarks/generate.py && python benchmarks/run.py              # SQLite, 1,000,000 persons
    python benchmarks/generate.py --pg && python benchmarks/run.py --pg    # PostgreSQL reception_bench
    python benchmarks/run.py --persons 2000 --samples 50 --markdown out.md --json out.json

Every lookup is measured through the app's own code (app.queries, the person-card
widget, the routines) with warm-up and --samples samples (default 200), each on a
different person, and reported as median and p95. Next to it the *floor*: the
same lookup as one hand-written indexed SQL statement on the raw driver
(sqlite3 / psycopg), measured in the same run on the same inputs, so every figure
is also given as a ratio to the floor. Cold start and peak RSS are measured in a
separate process that opens the main window on the database (the log-in dialog is
skipped: the bench user is passed in). A row whose code has not landed yet is
reported as missing, naming the module.

The run writes to the database (Slutför registrations, the scheduled job, the
pre-order import), so figures of a second run on the same data differ slightly:
the first scheduled-job run on a fresh database does a day's work, later runs
find nothing to do.
"""
from __future__ import annotations

import argparse
import importlib
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HERE = Path(__file__).resolve().parent
for p in (str(ROOT), str(HERE)):
    if p not in sys.path:
        sys.path.insert(0, p)

import generate as gen  # noqa: E402

MS = 1e3


# ---------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------

@dataclass
class Row:
    key: str
    label: str
    target: str
    unit: str = "ms"
    samples: list[float] = field(default_factory=list)   # in unit
    floor: list[float] = field(default_factory=list)     # in unit
    value: float | None = None        # for single figures (RSS, job, import)
    limit_median: float | None = None
    limit_p95: float | None = None
    note: str = ""
    missing: str = ""                 # why it was not measured

    @property
    def median(self) -> float | None:
        if self.samples:
            return statistics.median(self.samples)
        return self.value

    @property
    def p95(self) -> float | None:
        if len(self.samples) >= 2:
            ordered = sorted(self.samples)
            return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
        return None

    @property
    def floor_median(self) -> float | None:
        return statistics.median(self.floor) if self.floor else None

    @property
    def ratio(self) -> float | None:
        if self.median is None or not self.floor_median:
            return None
        return self.median / self.floor_median

    @property
    def status(self) -> str:
        if self.missing:
            return "saknas"
        if self.median is None:
            return "–"
        ok = self.limit_median is None or self.median <= self.limit_median
        if self.limit_p95 is not None and self.p95 is not None:
            ok = ok and self.p95 <= self.limit_p95
        return "OK" if ok else "MISSAR"

    def as_dict(self) -> dict:
        data = asdict(self)
        data.pop("samples")
        data.pop("floor")
        data.update(median=self.median, p95=self.p95, floor_median=self.floor_median, ratio=self.ratio,
                    n=len(self.samples) or (1 if self.value is not None else 0), status=self.status)
        return data


ROW_SPECS = (
    # key, label, target text, unit, median limit, p95 limit
    ("card_data", "Kortdragning → personkortsdata laddad", "≤ 10 ms", "ms", 10, None),
    ("card_widget", "Kortdragning → personkortet ifyllt (widget, offscreen)", "≤ 50 ms", "ms", 50, None),
    ("search_personnummer", "Sök personnummer", "≤ 30 ms (p95 ≤ 100)", "ms", 30, 100),
    ("search_card", "Sök kortnummer", "≤ 30 ms (p95 ≤ 100)", "ms", 30, 100),
    ("search_customer_number", "Sök kundnummer", "≤ 30 ms (p95 ≤ 100)", "ms", 30, 100),
    ("search_phone", "Sök telefon", "≤ 30 ms (p95 ≤ 100)", "ms", 30, 100),
    ("search_email", "Sök e-post", "≤ 30 ms (p95 ≤ 100)", "ms", 30, 100),
    ("search_name_1", "Sök namnprefix, 1 bokstav (50 första)", "≤ 30 ms (p95 ≤ 100)", "ms", 30, 100),
    ("search_name_2", "Sök namnprefix, 2 bokstäver", "≤ 30 ms (p95 ≤ 100)", "ms", 30, 100),
    ("search_name_3", "Sök namnprefix, 3 bokstäver", "≤ 30 ms (p95 ≤ 100)", "ms", 30, 100),
    ("register", "Slutför ny privatkund (foto och kort)", "≤ 100 ms", "ms", 100, None),
    ("nightly", "Schemalagt jobb över alla personer", "≤ 30 s", "s", 30, None),
    ("preorder_import", "Import av förbeställningar, 10 000 rader CSV", "≤ 5 s", "s", 5, None),
    ("cold_start", "Kallstart till huvudfönstret (egen process)", "≤ 2 s", "s", 2, None),
    ("rss", "Högsta RSS, appen med databasen öppen", "≤ 400 MB", "MB", 400, None),
)


def new_rows() -> dict[str, Row]:
    return {key: Row(key, label, target, unit, limit_median=lm, limit_p95=lp)
            for key, label, target, unit, lm, lp in ROW_SPECS}


def _optional(module: str, attr: str):
    """The named attribute, or None when the module (another part of the app) has not landed yet."""
    try:
        return getattr(importlib.import_module(module), attr)
    except (ImportError, AttributeError):
        return None


def timed(fn, *args) -> float:
    t0 = time.perf_counter()
    fn(*args)
    return time.perf_counter() - t0


# ---------------------------------------------------------------------------
# Inputs
# ---------------------------------------------------------------------------

@dataclass
class Sample:
    person_id: int
    personnummer: str
    customer_number: int
    card_number: str
    mobile: str
    mobile_digits: str
    email: str
    email_norm: str
    last_name_norm: str


def pick_samples(core, count: int, seed: int) -> list[Sample]:
    """count distinct generated persons, chosen by a seeded random generator."""
    from sqlalchemy import func, select

    from db.models import Card, Person

    with core.sessions() as session:
        max_id = session.scalar(select(func.max(Person.id)))
        rng = random.Random(seed)
        ids = rng.sample(range(1, max_id + 1), min(count, max_id))
        rows = session.execute(
            select(Person.id, Person.personnummer, Person.customer_number, Card.card_number, Person.mobile,
                   Person.mobile_digits, Person.email, Person.email_norm, Person.last_name_norm)
            .join(Card, (Card.person_id == Person.id) & (Card.status == "aktivt"))
            .where(Person.id.in_(ids))).all()
    by_id = {r.id: Sample(*r) for r in rows}
    return [by_id[i] for i in ids if i in by_id and by_id[i].personnummer]


def short_pnr(digits12: str) -> str:
    """YYMMDD-NNNN, as receptionists type it."""
    return f"{digits12[2:8]}-{digits12[8:]}"


def name_prefixes(samples: list[Sample], length: int) -> list[str]:
    return [s.last_name_norm[:length] for s in samples]


# ---------------------------------------------------------------------------
# Floors: one hand-written indexed statement on the raw driver
# ---------------------------------------------------------------------------

class Floor:
    """The raw DB-API connection and the hand-written statements."""

    HIT = "p.id, p.customer_number, p.first_name, p.last_name, p.personnummer"

    def __init__(self, url: str) -> None:
        from sqlalchemy.engine import make_url

        parsed = make_url(url)
        self.dialect = parsed.get_backend_name()
        if self.dialect == "sqlite":
            import sqlite3

            self.conn = sqlite3.connect(parsed.database)
            self.conn.execute("PRAGMA journal_mode=WAL")
            self.ph = "?"
        else:
            import psycopg

            self.conn = psycopg.connect(host=parsed.host, port=parsed.port or 5432, user=parsed.username,
                                        password=parsed.password, dbname=parsed.database, autocommit=True)
            self.ph = "%s"

    def one(self, sql: str, *params) -> list:
        cur = self.conn.cursor()
        cur.execute(sql.replace("?", self.ph), params)
        rows = cur.fetchall()
        cur.close()
        return rows

    def card(self, number: str):
        return self.one(f"SELECT {self.HIT} FROM cards c JOIN persons p ON p.id = c.person_id "
                        "WHERE c.card_number = ? AND c.status = 'aktivt'", number)

    def personnummer(self, digits12: str):
        return self.one(f"SELECT {self.HIT} FROM persons p WHERE p.personnummer = ?", digits12)

    def customer_number(self, number: int):
        return self.one(f"SELECT {self.HIT} FROM persons p WHERE p.customer_number = ?", number)

    def phone(self, digits: str):
        return self.one(f"SELECT {self.HIT} FROM persons p WHERE p.mobile_digits = ? LIMIT 50", digits)

    def email(self, email_norm: str):
        return self.one(f"SELECT {self.HIT} FROM persons p WHERE p.email_norm = ? LIMIT 50", email_norm)

    def name_prefix(self, prefix: str):
        high = prefix[:-1] + chr(ord(prefix[-1]) + 1)
        return self.one(f"SELECT {self.HIT} FROM persons p WHERE p.last_name_norm >= ? AND p.last_name_norm < ? "
                        "ORDER BY p.last_name_norm, p.first_name_norm LIMIT 50", prefix, high)

    def close(self) -> None:
        self.conn.close()


# ---------------------------------------------------------------------------
# Measurements
# ---------------------------------------------------------------------------

def measure(fn, inputs: list, warmup: int) -> list[float]:
    for value in inputs[:warmup]:
        fn(value)
    return [timed(fn, value) * MS for value in inputs[warmup:]]


def bench_lookups(core, floor: Floor, rows: dict[str, Row], samples: list[Sample], warmup: int, today: date,
                  actor, log) -> None:
    search_persons = _optional("app.queries.search", "search_persons")
    find_person_by_card = _optional("app.queries.search", "find_person_by_card")
    load_person_card = _optional("app.queries.person_card", "load_person_card")

    # Floors first (same inputs, same run).
    floors = {
        "card": measure(lambda s: floor.card(s.card_number), samples, warmup),
        "personnummer": measure(lambda s: floor.personnummer(s.personnummer), samples, warmup),
        "customer_number": measure(lambda s: floor.customer_number(s.customer_number), samples, warmup),
        "phone": measure(lambda s: floor.phone(s.mobile_digits), samples, warmup),
        "email": measure(lambda s: floor.email(s.email_norm), samples, warmup),
    }
    for n in (1, 2, 3):
        floors[f"name_{n}"] = measure(floor.name_prefix, name_prefixes(samples, n), warmup)
    rows["card_data"].floor = floors["card"]
    rows["card_widget"].floor = floors["card"]
    for kind in ("personnummer", "card", "customer_number", "phone", "email", "name_1", "name_2", "name_3"):
        rows[f"search_{kind}"].floor = floors[kind]

    if find_person_by_card is None or load_person_card is None:
        rows["card_data"].missing = "app.queries.person_card.load_person_card" if find_person_by_card else \
            "app.queries.search.find_person_by_card"
    else:
        def card_data(s: Sample):
            with core.sessions() as session:
                found = find_person_by_card(session, s.card_number)
                card = load_person_card(session, actor, found.person_id, today)
            assert card is not None
        rows["card_data"].samples = measure(card_data, samples, warmup)
        log(f"  card → person-card data: {statistics.median(rows['card_data'].samples):.2f} ms")

    if search_persons is None:
        for kind in ("personnummer", "card", "customer_number", "phone", "email", "name_1", "name_2", "name_3"):
            rows[f"search_{kind}"].missing = "app.queries.search.search_persons"
        return

    def search(text: str, expect_hit: bool = True):
        with core.sessions() as session:
            result = search_persons(session, text, today, limit=50)
        if expect_hit and not result.hits:
            raise AssertionError(f"search {text!r} found nothing")
        return result

    inputs = {
        "personnummer": [short_pnr(s.personnummer) for s in samples],
        "card": [s.card_number for s in samples],
        "customer_number": [str(s.customer_number) for s in samples],
        "phone": [s.mobile for s in samples],
        "email": [s.email for s in samples],
        "name_1": name_prefixes(samples, 1),
        "name_2": name_prefixes(samples, 2),
        "name_3": name_prefixes(samples, 3),
    }
    for kind, texts in inputs.items():
        rows[f"search_{kind}"].samples = measure(search, texts, warmup)
        log(f"  search {kind}: {statistics.median(rows[f'search_{kind}'].samples):.2f} ms")


def bench_widget(core, rows: dict[str, Row], samples: list[Sample], warmup: int, actor, log) -> None:
    row = rows["card_widget"]
    find_person_by_card = _optional("app.queries.search", "find_person_by_card")
    widget_cls = _optional("widgets.person_card", "PersonCardWidget")
    if find_person_by_card is None or widget_cls is None:
        row.missing = "widgets.person_card.PersonCardWidget" if find_person_by_card else \
            "app.queries.search.find_person_by_card"
        return
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QEventLoop, QTimer, qInstallMessageHandler
    from PySide6.QtWidgets import QApplication

    from widgets.services import Bus, UiServices

    qInstallMessageHandler(_quiet_qt)
    app = QApplication.instance() or QApplication([sys.argv[0]])
    data_dir = Path(tempfile.mkdtemp(prefix="reception-bench-"))
    services = UiServices(core=core, actor=actor, bus=Bus(), user_data_dir=data_dir)
    widget = widget_cls(services, menu_actions={})
    errors: list[str] = []
    # Errors are collected and fail the run (the internal message is a banner on the card, no box).
    widget.error_box = lambda parent, title, text: errors.append(f"{title}: {text}")
    widget.resize(1000, 760)
    widget.show()
    app.processEvents()
    loop = QEventLoop()
    widget.loaded.connect(lambda _data: loop.quit())
    timeout = QTimer()
    timeout.setSingleShot(True)
    timeout.timeout.connect(loop.quit)

    def swipe(s: Sample):
        with core.sessions() as session:
            found = find_person_by_card(session, s.card_number)
        shown = []
        widget.loaded.connect(shown.append)
        widget.show_person(found.person_id)  # inline on SQLite, a worker thread on PostgreSQL
        if not shown and not errors:
            timeout.start(10_000)
            loop.exec()
            timeout.stop()
        widget.loaded.disconnect(shown.append)
        app.processEvents()  # layout and paint requests of the populated card
        if errors or not shown or shown[-1].person.id != found.person_id:
            raise RuntimeError(f"the person card did not show person {found.person_id}: {errors}")

    row.samples = measure(swipe, samples, warmup)
    widget.close()
    widget.deleteLater()
    app.processEvents()
    log(f"  card → widget populated: {statistics.median(row.samples):.2f} ms")


def _quiet_qt(mode, context, message) -> None:
    """Qt messages to stderr, minus the offscreen plugin's notice for every shown window."""
    if "propagateSizeHints" not in message:
        print(f"Qt: {message}", file=sys.stderr)


def registration_command(index: int, today: date, catalogue: dict, photo: bytes):
    """A valid Registrera ny privatkund command for a person who is not yet a customer."""
    from app.domain.legitimation import Legitimation
    from app.routines.person_data import AddressData, PersonData
    from app.routines.registration_data import AccessData, MandateData, ProductChoice, Registration

    pnr, birth, gender = gen.personnummer_for(index, False)
    while (today - birth).days < 20 * 366:  # an adult, so the customer can hold the autogiro account
        index += 7_000_000
        pnr, birth, gender = gen.personnummer_for(index, False)
    first = "Åsa" if gender == "K" else "Örjan"
    last = "Bänkström"
    person = PersonData(first_name=first, last_name=last, email=f"bench{index}@exempel.se",
                        mobile=f"070-{index % 10_000_000:07d}", personnummer=pnr,
                        address=AddressData(street="Storgatan 1", postal_code="111 22", town="Stockholm"))
    leg = Legitimation(customer_type="ordinarie", id_document="svensk", checked=frozenset({"id"}))
    return Registration(
        flow="ny_privatkund", person=person, legitimation=leg,
        products=ProductChoice(product_id=catalogue["ag_main"], addon_ids=(catalogue["addon"],)),
        access=AccessData(card_number=f"9{index:012d}", photo_jpeg=photo),
        mandate=MandateData(holder_name=f"{first} {last}", holder_personnummer=pnr, clearing="6789",
                            account="123456789"))


def bench_register(core, rows: dict[str, Row], count: int, warmup: int, actor, persons: int, log) -> None:
    row = rows["register"]
    routine_cls = _optional("app.routines.register", "RegisterRoutine")
    if routine_cls is None:
        row.missing = "app.routines.register.RegisterRoutine"
        return
    from sqlalchemy import func, select

    from db.models import Person, Product

    with core.sessions() as session:
        already = session.scalar(select(func.count(Person.id))) - persons
        codes = dict(session.execute(select(Product.code, Product.id)).all())
    catalogue = {"ag_main": codes["GYM-AG"], "addon": codes["HANDDUK"]}
    photo = gen.tiny_jpeg()
    today = core.clock.today()
    # Persons beyond the generated ones and beyond the pre-orders' personnummer; new on every run.
    base = persons + 200_000 + max(already, 0)
    commands = [registration_command(base + i, today, catalogue, photo) for i in range(count + warmup)]
    routine = routine_cls(core)

    def slutfor(cmd):
        result = routine.execute(cmd, actor)
        assert result.person_id

    row.samples = measure(slutfor, commands, warmup)
    log(f"  Slutför: {statistics.median(row.samples):.2f} ms")


def bench_nightly(core, rows: dict[str, Row], runs: int, actor, log) -> None:
    from app.jobs.nightly import run_nightly

    row = rows["nightly"]
    times, first_counts = [], None
    for i in range(runs):
        t0 = time.perf_counter()
        report = run_nightly(core, actor)
        times.append(time.perf_counter() - t0)
        if i == 0:
            first_counts = report.total
    row.samples = times
    changed = f"{first_counts:,}".replace(",", " ")
    row.note = f"första körningen {times[0]:.2f} s med {changed} ändringar; {runs} körningar"
    log(f"  nightly job: {', '.join(f'{t:.2f}' for t in times)} s (first run changed {first_counts} rows)")


def preorder_csv(rows: int, first_index: int) -> bytes:
    """A pre-order file as an organisation sends it from Excel (semicolons, header, UTF-8 with BOM, CRLF)."""
    rng = random.Random(first_index)
    lines = ["Namn;Personnummer;E-post"]
    for i in range(rows):
        pnr, _birth, gender = gen.personnummer_for(first_index + i, False)
        name = f"{rng.choice(gen.MALE if gender == 'M' else gen.FEMALE)} {rng.choice(gen.LAST)}"
        lines.append(f"{name};{pnr[2:8]}-{pnr[8:]};forbestalld{first_index + i}@exempel.se")
    return ("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8")


def bench_preorder_import(core, rows: dict[str, Row], actor, persons: int, runs: int, log) -> None:
    """What `reception preorders import` and the dialog do: read and check the file, then ImportPreOrders."""
    row = rows["preorder_import"]
    importer = _optional("app.routines.organisations", "ImportPreOrders")
    if importer is None:
        row.missing = "app.routines.organisations.ImportPreOrders (pre-order CSV import)"
        return
    from sqlalchemy import func, select

    from app.domain.preorder_csv import apply_existing_open, read_preorder_file
    from app.queries.organisations import open_preorder_keys
    from app.routines.organisations import ImportPreOrdersCommand, ImportRow
    from db.models import Organisation, PreOrder, Product

    today = core.clock.today()
    with core.sessions() as session:
        product_id = session.scalar(select(Product.id).where(Product.code == "GYM-AG"))
        orgs = list(session.scalars(select(Organisation.id).where(Organisation.price_list_id.is_not(None))
                                    .order_by(Organisation.id).limit(runs)))
        offset = session.scalar(select(func.coalesce(func.max(PreOrder.id), 0)))
    workdir = Path(tempfile.mkdtemp(prefix="reception-bench-csv-"))
    times, parts = [], []
    for i, org_id in enumerate(orgs):
        path = workdir / f"forbestallningar-{i}.csv"
        path.write_bytes(preorder_csv(10_000, persons + 500_000 + offset + i * 10_000))
        t0 = time.perf_counter()
        preview = read_preorder_file(path, today=today)
        with core.sessions() as session:
            preview = apply_existing_open(preview, open_preorder_keys(session, actor, org_id, product_id))
        t1 = time.perf_counter()
        if preview.invalid_rows:
            raise AssertionError(f"generated pre-order file has bad rows: {preview.invalid_rows[:3]}")
        command = ImportPreOrdersCommand(org_id, product_id, today, date(today.year + 1, today.month, 1),
                                         tuple(ImportRow.from_preview(r) for r in preview.valid_rows))
        count = importer(core).execute(command, actor)
        t2 = time.perf_counter()
        assert count == 10_000, count
        times.append(t2 - t0)
        parts.append((t1 - t0, t2 - t1))
    row.samples = times
    read, write = statistics.median(p[0] for p in parts), statistics.median(p[1] for p in parts)
    row.note = f"läsa och kontrollera filen {read:.2f} s, importera {write:.2f} s; {len(times)} filer"
    log(f"  pre-order import 10,000 rows: {', '.join(f'{t:.2f}' for t in times)} s")


def bench_cold_start(url: str, rows: dict[str, Row], runs: int, today: date, log) -> None:
    if _optional("widgets.main_window", "MainWindow") is None or \
            _optional("widgets.person_card", "PersonCardWidget") is None or \
            _optional("widgets.search_panel", "SearchPanel") is None:
        rows["cold_start"].missing = rows["rss"].missing = \
            "widgets.main_window needs widgets.person_card and widgets.search_panel"
        return
    times, rss = [], []
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen",
               RECEPTION_DATA_DIR=tempfile.mkdtemp(prefix="reception-bench-data-"))
    for _ in range(runs):
        t0 = time.perf_counter()
        proc = subprocess.Popen([sys.executable, str(Path(__file__).resolve()), "--child-app", url,
                                 "--today", today.isoformat()], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True, env=env, cwd=str(ROOT))
        ready = None
        for line in proc.stdout:
            if line.startswith("READY") and ready is None:
                ready = time.perf_counter() - t0
            elif line.startswith("RSS "):
                rss.append(float(line.split()[1]))
        err = proc.stderr.read()
        proc.wait()
        if proc.returncode != 0 or ready is None:
            raise RuntimeError(f"the app process failed (exit {proc.returncode}):\n{err[-3000:]}")
        times.append(ready)
    rows["cold_start"].samples = times
    rows["rss"].value = max(rss)
    rows["rss"].note = "efter kallstart, 50 kortdragningar och 50 sökningar"
    log(f"  cold start: {', '.join(f'{t:.2f}' for t in times)} s; peak RSS {max(rss):.0f} MB")


def child_app(url: str, today: date) -> int:
    """The app as a desk starts it (minus the log-in dialog): print READY when the main window is shown."""
    import resource

    from PySide6.QtTest import QTest

    from app.clock import FixedClock
    from app.startup import open_core
    from widgets.app import application
    import wizards  # noqa: F401 - the wizards' menu entries on the window, as the program has them
    from widgets.main_window import MainWindow

    from PySide6.QtCore import qInstallMessageHandler

    qInstallMessageHandler(_quiet_qt)
    app = application()
    core = open_core(url, FixedClock.on(today))
    actor = bench_actor(core)
    window = MainWindow.create(core, actor, desk=None)
    window.show()
    QTest.qWaitForWindowExposed(window)
    app.processEvents()
    print("READY", flush=True)
    # A little desk work with the million persons open, then the peak resident set size.
    from sqlalchemy import func, select

    from db.models import Card

    with core.sessions() as session:
        numbers = list(session.scalars(select(Card.card_number).where(Card.status == "aktivt")
                                       .order_by(func.random()).limit(50)))
    card = window.person_card
    shown: list = []
    card.loaded.connect(shown.append)
    for number in numbers:
        before = len(shown)
        window.on_card_swiped(number)
        deadline = time.perf_counter() + 10
        while len(shown) == before and time.perf_counter() < deadline:  # PostgreSQL loads on a worker thread
            app.processEvents()
            time.sleep(0.001)
    from app.queries.search import search_persons

    for prefix in ("a", "s", "l", "ö", "å", "be", "sv", "nil", "lin", "ber") * 5:
        with core.sessions() as session:
            search_persons(session, prefix, today, limit=50)
    if hasattr(window.search_panel, "search"):
        window.search_panel.search("an")
    app.processEvents()
    print(f"RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.1f}", flush=True)
    window.close()
    return 0


def bench_actor(core):
    from sqlalchemy import select

    from app.context import Actor
    from db.models import User

    with core.sessions() as session:
        user = session.scalar(select(User).where(User.username == gen.BENCH_USER))
        return Actor(user.id, user.username, user.full_name, frozenset(r.code for r in user.role.rights), core.desk)


# ---------------------------------------------------------------------------
# Machine and report
# ---------------------------------------------------------------------------

def machine() -> dict:
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = "?"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    return {"cpu": cpu, "cores": os.cpu_count(), "memory": mem, "python": platform.python_version(),
            "system": platform.platform()}


def _fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "–"
    if unit == "ms":
        return f"{value:.3f} ms" if value < 1 else f"{value:.2f} ms" if value < 10 else f"{value:.1f} ms"
    if unit == "s":
        return f"{value:.2f} s"
    return f"{value:.0f} {unit}"


def markdown(rows: dict[str, Row], meta: dict) -> str:
    persons = f"{meta['persons']:,}".replace(",", " ")
    out = [f"Database: {meta['dialect']} ({meta.get('server', '')}), {persons} persons, "
           f"{meta['samples']} samples per lookup after {meta['warmup']} warm-up, run {meta['when']}",
           "",
           "| Mätning | Mål | Median | p95 | Golv (rå SQL), median | Kvot mot golvet | Status |",
           "|---|---|---|---|---|---|---|"]
    for row in rows.values():
        if row.missing:
            out.append(f"| {row.label} | {row.target} | saknas: `{row.missing}` | | "
                       f"{_fmt(row.floor_median, row.unit)} | | saknas |")
            continue
        ratio = f"{row.ratio:.1f}×" if row.ratio is not None else "–"
        note = f" ({row.note})" if row.note else ""
        out.append(f"| {row.label}{note} | {row.target} | {_fmt(row.median, row.unit)} | {_fmt(row.p95, row.unit)} | "
                   f"{_fmt(row.floor_median, row.unit)} | {ratio} | {row.status} |")
    return "\n".join(out) + "\n"


def run(args: argparse.Namespace) -> tuple[dict[str, Row], dict]:
    from sqlalchemy import func, select
    from sqlalchemy.engine import make_url

    from app.clock import FixedClock
    from app.context import Core
    from db.engine import make_session_factory
    from db.migrate import open_database
    from db.models import Person

    log = (lambda *_: None) if args.quiet else (lambda text: print(text, flush=True))
    url = gen.url_from_args(args)
    engine = open_database(url)
    core = Core(sessions=make_session_factory(engine), clock=FixedClock.on(args.today), desk="Kassa 1")
    with core.sessions() as session:
        persons = session.scalar(select(func.count(Person.id)))
        generated = session.scalar(select(func.max(Person.id)).where(Person.customer_number <= 10_000 + args.persons))
    parsed = make_url(url)
    meta = {"dialect": parsed.get_backend_name(), "persons": persons, "generated_persons": generated,
            "samples": args.samples, "warmup": args.warmup, "server": parsed.host or Path(parsed.database).name,
            "when": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"), "machine": machine()}
    log(f"Benchmark on {parsed.render_as_string(hide_password=True)}: {persons:,} persons")
    rows = new_rows()
    actor = bench_actor(core)
    samples = pick_samples(core, args.samples + args.warmup, args.seed)
    floor = Floor(url)
    try:
        bench_lookups(core, floor, rows, samples, args.warmup, args.today, actor, log)
    finally:
        floor.close()
    if not args.skip_gui:
        bench_widget(core, rows, samples, args.warmup, actor, log)
    else:
        rows["card_widget"].missing = "--skip-gui"
    bench_register(core, rows, args.samples, args.warmup, actor, generated or persons, log)
    bench_nightly(core, rows, args.job_runs, actor, log)
    bench_preorder_import(core, rows, actor, generated or persons, args.import_runs, log)
    if not args.skip_gui:
        bench_cold_start(url, rows, args.cold_runs, args.today, log)
    else:
        rows["cold_start"].missing = rows["rss"].missing = "--skip-gui"
    engine.dispose()
    return rows, meta


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Measure the desk's hot paths on a generated database.")
    gen.add_db_arguments(parser)
    parser.add_argument("--samples", type=int, default=200, help="samples per lookup (default 200)")
    parser.add_argument("--warmup", type=int, default=20, help="warm-up calls before sampling (default 20)")
    parser.add_argument("--job-runs", type=int, default=3, help="runs of the scheduled job (default 3)")
    parser.add_argument("--import-runs", type=int, default=3, help="10,000-row pre-order imports (default 3)")
    parser.add_argument("--cold-runs", type=int, default=5, help="cold starts of the app (default 5)")
    parser.add_argument("--skip-gui", action="store_true", help="leave out the widget, cold start and RSS rows")
    parser.add_argument("--markdown", type=Path, help="write the table to this file")
    parser.add_argument("--json", type=Path, help="write all figures as JSON to this file")
    parser.add_argument("--quiet", action="store_true")
    parser.add_argument("--child-app", metavar="URL", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child_app:
        return child_app(args.child_app, args.today)
    rows, meta = run(args)
    table = markdown(rows, meta)
    print()
    print(table)
    if args.markdown:
        args.markdown.write_text(table, encoding="utf-8")
    if args.json:
        args.json.write_text(json.dumps({"meta": meta, "rows": [r.as_dict() for r in rows.values()]},
                                        indent=2, ensure_ascii=False, default=str), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
