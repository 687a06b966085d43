"""Generate a deterministic benchmark database: N persons (default 1,000,000) on SQLite or PostgreSQL.

    python benchmarks/generate.py                       # 1,000,000 persons, SQLite, benchmarks/data/bench.db
    python benchmarks/generate.py --persons 2000 --db sqlite+pysqlite:////tmp/b.db
    python benchmarks/generate.py --pg                  # PostgreSQL database reception_bench on 127.0.0.1
    python benchmarks/generate.py --pg --pg-database other --pg-server postgresql+psycopg://postgres@host:5432/

The same seed gives the same rows on both databases. The schema is created by the
app's own migration (db.migrate.open_database); rows are bulk-loaded with the raw
driver (executemany on SQLite, COPY on PostgreSQL) with the secondary indexes
dropped during the load and rebuilt afterwards. Search keys (first_name_norm,
last_name_norm, email_norm, *_digits) are computed with the same functions the
app uses (app.domain.text, app.domain.inputs: phones as E.164), so the app finds generated persons exactly as it
finds registered ones.

What a person gets: a valid personnummer (about 2 % samordningsnummer), a
Swedish name (å/ä/ö included), e-mail, mobile (and sometimes a home phone), a home
address, one active card (5 % also have an older blocked card), about 1.2
subscriptions (a main subscription, a fifth also an add-on; some frozen, some with
a future freeze, some cancelled, ended, pending or lagging), an autogiro mandate
for AG payers, a paid order for every second person, a photo for 5 %, an unpaid
invoice (skuld) for 2 %. Plus 1,000 organisations, 100,000 pre-orders and ten visits per person
(--visits; 10,000,000 at a million persons) over the last year, by the hours a gym is busy.
"""
from __future__ import annotations

import argparse
import os
import random
import sys
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy.engine import make_url  # noqa: E402

from app.domain.inputs import phone_key  # noqa: E402
from app.domain.text import fold, normalise_email  # noqa: E402

DEFAULT_TODAY = date(2026, 11, 22)
DEFAULT_SEED = 20261122
DEFAULT_PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/"
DEFAULT_PG_DATABASE = "reception_bench"
DATA_DIR = Path(__file__).resolve().parent / "data"
CHUNK = 50_000
BENCH_USER = "bench"
BENCH_PASSWORD = "bench"

MALE = ("Åke", "Björn", "Göran", "Örjan", "Sölve", "Jöns", "Anders", "Lars", "Mikael", "Johan", "Per", "Erik",
        "Karl", "Nils", "Olof", "Sven", "Måns", "Hampus", "Viggo", "Elias", "Oscar", "Hugo", "Lucas", "Liam",
        "Axel", "Gustav", "Ludvig", "Ragnar", "Torbjörn", "Jörgen", "Bengt", "Håkan", "Stig", "Ulf", "Sören",
        "Algot", "Edvin", "Ture", "Pål", "Mattias")
FEMALE = ("Åsa", "Märta", "Ingrid", "Maja", "Anna", "Eva", "Karin", "Kristina", "Lena", "Sara", "Elsa", "Astrid",
          "Alice", "Ebba", "Linnéa", "Saga", "Wilma", "Agnes", "Signe", "Solveig", "Gunnel", "Birgitta", "Ulla",
          "Britt-Marie", "Märit", "Öllegård", "Ängla", "Sofia", "Ida", "Hanna", "Frida", "Ylva", "Tove", "Malin",
          "Klara", "Stina", "Ronja", "Lovisa", "Selma", "Inger")
LAST = ("Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson", "Olsson", "Persson", "Svensson",
        "Gustafsson", "Pettersson", "Jonsson", "Jansson", "Hansson", "Bengtsson", "Jönsson", "Lindberg", "Jakobsson",
        "Magnusson", "Lindström", "Olofsson", "Lindqvist", "Lindgren", "Berg", "Axelsson", "Bergström", "Lundberg",
        "Lundqvist", "Lind", "Lundgren", "Mattsson", "Berglund", "Fredriksson", "Sandberg", "Henriksson", "Forsberg",
        "Sjöberg", "Wallin", "Engström", "Eklund", "Danielsson", "Lundin", "Håkansson", "Björk", "Bergman",
        "Gunnarsson", "Holm", "Wikström", "Samuelsson", "Isaksson", "Fransson", "Bergqvist", "Nyström", "Holmberg",
        "Arvidsson", "Löfgren", "Söderberg", "Nyberg", "Blomqvist", "Claesson", "Nordström", "Mårtensson",
        "Lundström", "Ali", "Viklund", "Björklund", "Eliasson", "Pålsson", "Berggren", "Sandström", "Lund",
        "Nordin", "Ström", "Åberg", "Hermansson", "Ekström", "Holmgren", "Sundberg", "Hedlund", "Dahlberg",
        "Hellström", "Sjögren", "Abrahamsson", "Falk", "Öberg", "Källström", "Åström", "Östlund", "Ågren", "Ödman",
        "Älmqvist", "Sjöström", "Hägg", "Wästberg", "Söderström", "Strömqvist", "Östberg", "Dahl", "Ek")
STREETS = ("Storgatan", "Drottninggatan", "Kungsgatan", "Vasagatan", "Östra Längdgatan", "Västra Hamngatan",
           "Skolgatan", "Kyrkvägen", "Björkvägen", "Ängsvägen", "Sjövägen", "Åsvägen", "Möllevångsgatan",
           "Södra Förstadsgatan", "Järnvägsgatan", "Hagagatan", "Norrlandsgatan", "Götgatan", "Ringvägen")
TOWNS = (("111 22", "Stockholm"), ("411 05", "Göteborg"), ("211 20", "Malmö"), ("753 20", "Uppsala"),
         ("582 22", "Linköping"), ("702 10", "Örebro"), ("721 30", "Västerås"), ("903 26", "Umeå"),
         ("252 21", "Helsingborg"), ("553 20", "Jönköping"), ("352 30", "Växjö"), ("971 85", "Luleå"),
         ("831 30", "Östersund"), ("791 71", "Falun"), ("451 50", "Uddevalla"), ("222 22", "Lund"))
DOMAINS = ("gmail.com", "hotmail.com", "telia.com", "outlook.com", "icloud.com", "bredband.net", "yahoo.se")
ORG_WORDS = ("Bygg", "Data", "Konsult", "Vård", "Skog", "Trä", "Hälsa", "Teknik", "Transport", "Fastighet",
             "Måleri", "Snickeri", "Städ", "Redovisning", "El", "Rör", "Åkeri", "Café", "Sjöfart", "Förlag")
ORG_SUFFIXES = ("AB", "Aktiebolag", "HB", "& Co AB", "i Norden AB", "Sverige AB")
BANKS = (("8327", "Swedbank"), ("6000", "Handelsbanken"), ("5000", "SEB"), ("3300", "Nordea"))


# ---------------------------------------------------------------------------
# Identity helpers
# ---------------------------------------------------------------------------

def luhn_digit(nine: str) -> int:
    total = 0
    for index, ch in enumerate(nine):
        value = int(ch) * (2 if index % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    return (10 - total % 10) % 10


BIRTH_FIRST = date(1940, 1, 1)
BIRTH_DAYS = (date(2010, 12, 31) - BIRTH_FIRST).days + 1
_PNR_SPACE = BIRTH_DAYS * 999  # serials 001-999 (000 is not issued)
_PNR_STEP = 7_368_787  # a prime that does not divide the space: i -> (i * step) mod space is a bijection


def personnummer_for(index: int, coordination: bool) -> tuple[str, date, str]:
    """A unique valid personnummer for person index; returns (digits12, birth date, gender)."""
    key = (index * _PNR_STEP + 4_711) % _PNR_SPACE
    birth = BIRTH_FIRST + timedelta(days=key // 999)
    serial = key % 999 + 1
    day = birth.day + (60 if coordination else 0)
    ten = f"{birth.year % 100:02d}{birth.month:02d}{day:02d}{serial:03d}"
    digits12 = f"{birth.year // 100:02d}{ten}{luhn_digit(ten)}"
    return digits12, birth, ("M" if serial % 2 else "K")


def orgnr_for(index: int) -> str:
    nine = f"5560{index:05d}"
    return f"{nine[:6]}-{nine[6:]}{luhn_digit(nine)}"


def card_number_for(index: int) -> str:
    return str(2_000_000_000 + (index * 7919 + 13) % 1_000_000_000)


def blocked_card_number_for(index: int) -> str:
    return str(4_000_000_000 + (index * 7919 + 29) % 1_000_000_000)


# ---------------------------------------------------------------------------
# Value formatting per database
# ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Fmt:
    dialect: str

    def ts(self, value: datetime) -> str:
        if self.dialect == "sqlite":
            return value.strftime("%Y-%m-%d %H:%M:%S.%f")
        return value.isoformat()

    @staticmethod
    def d(value: date | None) -> str | None:
        return None if value is None else value.isoformat()


COLUMNS: dict[str, tuple[str, ...]] = {
    "organisations": ("id", "name", "name_norm", "org_number", "price_list_id", "uses_preorders", "email"),
    "persons": ("id", "customer_number", "personnummer", "is_coordination", "birth_date", "gender", "first_name",
                "last_name", "first_name_norm", "last_name_norm", "email", "email_norm", "mobile", "phone_home",
                "phone_work", "mobile_digits", "phone_home_digits", "phone_work_digits", "customer_type",
                "pensioner_subtype", "price_guarantee_until", "organisation_id", "protected_identity",
                "internal_message", "marketing_email_ok", "marketing_sms_ok", "registered_with_routines",
                "created_at", "updated_at"),
    "addresses": ("id", "person_id", "kind", "street", "postal_code", "town", "country"),
    "customer_type_proofs": ("id", "person_id", "customer_type", "pensioner_subtype", "id_document", "proof_kind",
                             "valid_until", "certified_at"),
    "cards": ("id", "person_id", "card_number", "status", "issued_at", "blocked_at"),
    "photos": ("id", "person_id", "jpeg", "taken_at", "is_current"),
    "subscriptions": ("id", "product_id", "user_id", "payer_id", "price_list_id", "price_ore", "parent_id",
                      "organisation_id", "start_date", "binding_end", "charged_through", "end_date", "status",
                      "credit_days", "final_payment", "created_at"),
    "freezes": ("id", "subscription_id", "start_date", "end_date", "kind", "status", "credited_days", "created_at"),
    "autogiro_mandates": ("id", "person_id", "holder_name", "holder_personnummer", "clearing", "account_number",
                          "bank_name", "status", "created_at", "updated_at"),
    "orders": ("id", "order_number", "person_id", "desk", "routine", "status", "created_at", "paid_at"),
    "order_lines": ("id", "order_id", "product_id", "subscription_id", "description", "period_from", "period_to",
                    "quantity", "unit_price_ore", "amount_ore", "vat_basis_points"),
    "payments": ("id", "order_id", "method", "amount_ore", "paid_at"),
    "invoices": ("id", "invoice_number", "person_id", "kind", "issued_on", "due_on", "amount_ore", "paid_ore",
                 "status"),
    "preorders": ("id", "organisation_id", "product_id", "valid_from", "valid_to", "name", "personnummer",
                  "birth_date", "email", "status", "created_at"),
    "visits": ("id", "person_id", "card_number", "at", "local_date", "local_hour", "desk", "method", "verdict",
               "reason", "reason_text", "swipes"),
}
BULK_TABLES = tuple(COLUMNS)


# ---------------------------------------------------------------------------
# Reference rows (ORM, through the app's own code paths)
# ---------------------------------------------------------------------------

@dataclass
class Catalogue:
    ordinarie: int
    student: int
    pensionar: int
    ag_main: int          # product ids
    kontant_main: int
    addons: tuple[int, ...]
    prices: dict[tuple[int, int], int]  # (price_list_id, product_id) -> öre
    names: dict[int, str]


def make_catalogue(session, now: datetime) -> Catalogue:
    """Products, price lists, add-on rules, settings and the bench user (small; goes through the ORM)."""
    from sqlalchemy import select

    from app.auth import hash_password
    from app.settings import save_setting
    from db.models import AddonRule, PriceList, PriceListItem, Product, Role, User
    from app.seeding.reference import ensure_reference_data

    ensure_reference_data(session)
    role = session.scalar(select(Role).where(Role.name == "Administratör"))
    session.add(User(username=BENCH_USER, full_name="Bänk Bengtsson", password_hash=hash_password(BENCH_PASSWORD),
                     role_id=role.id))
    ag = Product(code="GYM-AG", name="Gym Allt-i-ett autogiro", kind="huvud", payment="AG", price_ore=49_900,
                 interval_months=1, binding_months=12, notice_months=1, transfer_allowed=True)
    cash = Product(code="GYM-3M", name="Gym 3 månader kontant", kind="huvud", payment="kontant", price_ore=149_000,
                   interval_months=3, validity_months=3)
    towel = Product(code="HANDDUK", name="Handduk", kind="tillagg", payment="AG", price_ore=5_900)
    sauna = Product(code="BASTU", name="Bastu", kind="tillagg", payment="AG", price_ore=4_900)
    card = Product(code="KORT", name="Medlemskort", kind="vara", price_ore=9_900, is_subscription=False,
                   is_membership_card=True)
    session.add_all([ag, cash, towel, sauna, card])
    lists = {name: PriceList(name=name) for name in ("Ordinarie", "Student", "Pensionär")}
    session.add_all(lists.values())
    session.flush()
    factor = {"Ordinarie": 1.0, "Student": 0.8, "Pensionär": 0.7}
    prices: dict[tuple[int, int], int] = {}
    for name, plist in lists.items():
        for product in (ag, cash, towel, sauna, card):
            price = int(round(product.price_ore * factor[name] / 100)) * 100
            session.add(PriceListItem(price_list_id=plist.id, product_id=product.id, price_ore=price))
            prices[(plist.id, product.id)] = price
    for main in (ag, cash):
        for addon in (towel, sauna):
            for routine in ("registrering", "teckna", "organisation"):
                session.add(AddonRule(main_product_id=main.id, addon_product_id=addon.id, routine=routine,
                                      availability="valbart"))
    session.flush()
    save_setting(session, "price_list_ordinarie", lists["Ordinarie"].id)
    save_setting(session, "price_list_student", lists["Student"].id)
    save_setting(session, "price_list_pensionar", lists["Pensionär"].id)
    save_setting(session, "type_followup", {"days": 30, "email": True, "sms": False})
    save_setting(session, "preorders_enabled", True)
    save_setting(session, "membership_card_products", [card.id])
    return Catalogue(ordinarie=lists["Ordinarie"].id, student=lists["Student"].id, pensionar=lists["Pensionär"].id,
                     ag_main=ag.id, kontant_main=cash.id, addons=(towel.id, sauna.id), prices=prices,
                     names={p.id: p.name for p in (ag, cash, towel, sauna, card)})


def tiny_jpeg() -> bytes:
    import numpy as np
    import cv2

    img = np.full((80, 60, 3), 200, dtype=np.uint8)
    cv2.circle(img, (30, 30), 14, (120, 140, 170), -1)
    cv2.rectangle(img, (12, 50), (48, 80), (90, 90, 120), -1)
    ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, 70])
    assert ok
    return buf.tobytes()


# ---------------------------------------------------------------------------
# Row generation
# ---------------------------------------------------------------------------

class Ids:
    """Dense ids per table, continuing across chunks."""

    def __init__(self) -> None:
        self.next: dict[str, int] = {name: 1 for name in COLUMNS}

    def take(self, table: str) -> int:
        value = self.next[table]
        self.next[table] = value + 1
        return value


def _add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year = day.year + month // 12
    month = month % 12 + 1
    last = (date(year + (month == 12), month % 12 + 1, 1) - timedelta(days=1)).day
    return date(year, month, min(day.day, last))


def _month_end(day: date) -> date:
    return _add_months(date(day.year, day.month, 1), 1) - timedelta(days=1)


_FOLD_CACHE: dict[str, str] = {}


def _fold(name: str) -> str:
    value = _FOLD_CACHE.get(name)
    if value is None:
        value = _FOLD_CACHE[name] = fold(name)
    return value


def generate_persons(first: int, count: int, total: int, n_orgs: int, cat: Catalogue, ids: Ids, fmt: Fmt,
                     today: date, seed: int, photo: bytes) -> dict[str, list[tuple]]:
    """Rows for persons first..first+count-1 (1-based ids) and everything hanging off them."""
    rng = random.Random(f"{seed}:persons:{first}")
    rows: dict[str, list[tuple]] = {name: [] for name in COLUMNS}
    ts, d = fmt.ts, fmt.d
    bool_ = int
    for pid in range(first, first + count):
        coordination = rng.random() < 0.02
        pnr, birth, gender = personnummer_for(pid, coordination)
        age = today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))
        first_name = rng.choice(MALE if gender == "M" else FEMALE)
        if rng.random() < 0.06:
            first_name += " " + rng.choice(MALE if gender == "M" else FEMALE)
        last_name = rng.choice(LAST)
        if rng.random() < 0.05:
            last_name = f"{last_name}-{rng.choice(LAST)}"
        fn_norm, ln_norm = _fold(first_name), _fold(last_name)
        local = f"{fn_norm.replace(' ', '.')}.{ln_norm.replace(' ', '')}{pid}"
        email = f"{local}@{rng.choice(DOMAINS)}"
        if rng.random() < 0.1:
            email = email.capitalize()
        m = f"07{rng.choice('02369')}{rng.randrange(10_000_000):07d}"
        style = rng.random()
        mobile = (m if style < 0.5 else f"{m[:3]}-{m[3:6]} {m[6:8]} {m[8:]}" if style < 0.85
                  else f"+46 {m[1:3]} {m[3:6]} {m[6:8]} {m[8:]}")
        home = f"0{rng.choice(('8', '31', '40', '18', '13', '19'))}-{rng.randrange(100_000, 9_999_999)}" \
            if rng.random() < 0.15 else None
        customer_type, subtype, guarantee = "ordinarie", None, None
        r = rng.random()
        if 18 <= age <= 30 and r < 0.35:
            customer_type = "student"
            # Mostly valid ahead; a few within the reminder window; a few already past (the job's work).
            guarantee = today + timedelta(days=rng.choice((rng.randrange(31, 365), rng.randrange(0, 31),
                                                           -rng.randrange(1, 5))) if rng.random() < 0.2
                                          else rng.randrange(31, 365))
        elif age >= 65 and r < 0.6:
            customer_type, subtype = "pensionar", "alderspensionar"
        elif 30 < age < 65 and r < 0.01:
            customer_type, subtype = "pensionar", "tillfallig_pensionar"
            guarantee = today + timedelta(days=rng.randrange(-3, 300))
        org_id = rng.randrange(1, n_orgs + 1) if rng.random() < 0.1 else None
        created = datetime(2015, 1, 1, tzinfo=timezone.utc) + timedelta(seconds=rng.randrange(300_000_000))
        if created.date() > today:
            created = datetime(today.year - 1, 1, 1, 9, tzinfo=timezone.utc)
        rows["persons"].append((
            pid, 10_000 + pid, pnr, bool_(coordination), d(birth), gender, first_name, last_name, fn_norm, ln_norm,
            email, normalise_email(email), mobile, home, None, phone_key(mobile), phone_key(home), None,
            customer_type, subtype, d(guarantee), org_id, bool_(rng.random() < 0.002),
            "Ring före besök" if rng.random() < 0.01 else None, bool_(rng.random() < 0.4),
            bool_(rng.random() < 0.2), 1, ts(created), ts(created)))
        postal, town = rng.choice(TOWNS)
        rows["addresses"].append((ids.take("addresses"), pid, "hem", f"{rng.choice(STREETS)} {rng.randrange(1, 120)}",
                                  postal, town, "SE"))
        if customer_type != "ordinarie":
            rows["customer_type_proofs"].append((
                ids.take("customer_type_proofs"), pid, customer_type, subtype, "svensk",
                "studentkort" if customer_type == "student" else ("alder" if subtype == "alderspensionar"
                                                                   else "fk_intyg"),
                d(guarantee), ts(created)))
        if rng.random() < 0.05:
            rows["cards"].append((ids.take("cards"), pid, blocked_card_number_for(pid), "sparrat", ts(created),
                                  ts(created + timedelta(days=100))))
        rows["cards"].append((ids.take("cards"), pid, card_number_for(pid), "aktivt", ts(created), None))
        if rng.random() < 0.05:
            rows["photos"].append((ids.take("photos"), pid, photo, ts(created), 1))
        # --- subscriptions -------------------------------------------------------------------------
        plist = {"ordinarie": cat.ordinarie, "student": cat.student, "pensionar": cat.pensionar}[customer_type]
        kontant = rng.random() < 0.12
        product = cat.kontant_main if kontant else cat.ag_main
        price = cat.prices[(plist, product)]
        start = max(created.date(), today - timedelta(days=rng.randrange(1, 2000)))
        s = rng.random()
        status, end_date, freeze = "aktivt", None, None
        if s < 0.025:
            status = "fryst"
            fs = today - timedelta(days=rng.randrange(0, 40))
            freeze = (fs, fs + timedelta(days=rng.randrange(30, 90)), "pagaende")
        elif s < 0.035:
            status = "framtida_frysning"
            fs = today + timedelta(days=rng.randrange(0, 30))  # some start today: the job's work
            freeze = (fs, fs + timedelta(days=rng.randrange(30, 90)), "framtida")
        elif s < 0.065:
            status = "uppsagt"
            end_date = today + timedelta(days=rng.randrange(-2, 60))
        elif s < 0.125:
            status = "avslutat"
            end_date = today - timedelta(days=rng.randrange(3, 900))
            start = min(start, end_date - timedelta(days=30))
        elif s < 0.14:
            status = "kommande"
            start = today + timedelta(days=rng.randrange(0, 30))
        if kontant:
            charged = start + timedelta(days=90 * (1 + (today - start).days // 90)) if start <= today else \
                start + timedelta(days=89)
            if rng.random() < 0.1:  # lagging: paid period ran out
                charged = today - timedelta(days=rng.randrange(1, 60))
        else:
            charged = _month_end(today)
            if rng.random() < 0.04:  # lagging autogiro
                charged = _month_end(today) - timedelta(days=rng.randrange(35, 120))
        if status == "kommande":
            charged = None
        if status == "avslutat":
            charged = end_date
        binding = _add_months(start, 12) if not kontant else None
        sid = ids.take("subscriptions")
        sub_org = org_id if org_id is not None and rng.random() < 0.5 else None
        rows["subscriptions"].append((sid, product, pid, pid, plist, price, None, sub_org, d(start), d(binding),
                                      d(charged), d(end_date), status, 0, 0, ts(created)))
        if freeze is not None:
            fs, fe, fstatus = freeze
            rows["freezes"].append((ids.take("freezes"), sid, d(fs), d(fe), "normal", fstatus, (fe - fs).days + 1,
                                    ts(created)))
        if status not in ("avslutat",) and rng.random() < 0.2:
            addon = rng.choice(cat.addons)
            rows["subscriptions"].append((ids.take("subscriptions"), addon, pid, pid, plist,
                                          cat.prices[(plist, addon)], sid, None, d(start), None, d(charged),
                                          d(end_date), "aktivt" if status in ("fryst", "framtida_frysning") else
                                          status, 0, 0, ts(created)))
        if not kontant and status != "avslutat":
            clearing, bank = rng.choice(BANKS)
            rows["autogiro_mandates"].append((
                ids.take("autogiro_mandates"), pid, f"{first_name} {last_name}", pnr, clearing,
                f"{rng.randrange(10**9):010d}", bank, "aktivt", ts(created), ts(created)))
        # --- orders, debts -------------------------------------------------------------------------
        if pid % 2 == 0:
            oid = ids.take("orders")
            paid = created + timedelta(minutes=5)
            rows["orders"].append((oid, 100_000 + oid, pid, "Kassa 1", "Registrera ny privatkund", "betald",
                                   ts(created), ts(paid)))
            rows["order_lines"].append((ids.take("order_lines"), oid, product, sid, cat.names[product], d(start),
                                        d(_add_months(start, 1) - timedelta(days=1)), 1, price, price, 600))
            rows["payments"].append((ids.take("payments"), oid, rng.choice(("kort", "swish", "kontant")), price,
                                     ts(paid)))
        if rng.random() < 0.02:
            iid = ids.take("invoices")
            issued = today - timedelta(days=rng.randrange(20, 120))
            rows["invoices"].append((iid, 500_000 + iid, pid, "autogiro", d(issued), d(issued + timedelta(days=14)),
                                     price, 0, "obetald"))
    return rows


# Visits: spread over VISIT_DAYS days ending on the data's day, by hour as a gym's day looks
# (busy before work, at lunch and after work), 95 % welcome, 1 % let in by hand, 4 % refused.
VISIT_DAYS = 365
VISIT_HOURS = {6: 5, 7: 8, 8: 6, 9: 4, 10: 3, 11: 4, 12: 6, 13: 4, 14: 3, 15: 4, 16: 7, 17: 10, 18: 10, 19: 8,
               20: 5, 21: 3}
VISIT_REFUSALS = (("inget_abonnemang", "Kunden har inget abonnemang"), ("fryst", "Abonnemanget är fryst"),
                  ("skuld", "Skuld 400,00 kr"), ("sparrat_kort", "Kortet som drogs är spärrat"))


def generate_visits(first: int, count: int, total: int, persons: int, fmt: Fmt, today: date,
                    seed: int) -> list[tuple]:
    """Visits first..first+count-1 of `total`, in time order (the id follows the time, as at a desk)."""
    from app.clock import STOCKHOLM

    rng = random.Random(f"{seed}:visits:{first}")
    hours, weights = list(VISIT_HOURS), list(VISIT_HOURS.values())
    per_day = total / VISIT_DAYS
    out = []
    base_cache: dict[tuple[date, int], datetime] = {}
    ts, d = fmt.ts, fmt.d
    start = today - timedelta(days=VISIT_DAYS - 1)
    for vid in range(first, first + count):
        day = start + timedelta(days=min(VISIT_DAYS - 1, int((vid - 1) / per_day)))
        hour = rng.choices(hours, weights)[0]
        base = base_cache.get((day, hour))
        if base is None:
            base = base_cache[(day, hour)] = datetime(day.year, day.month, day.day, hour,
                                                      tzinfo=STOCKHOLM).astimezone(timezone.utc)
        at = base + timedelta(seconds=rng.randrange(3600))
        pid = rng.randrange(1, persons + 1)
        r = rng.random()
        if r < 0.95:
            verdict, reason, text = "valkommen", None, None
        elif r < 0.96:
            verdict, (reason, text) = "inslappt", rng.choice(VISIT_REFUSALS)
        else:
            verdict, (reason, text) = "nekad", rng.choice(VISIT_REFUSALS)
        out.append((vid, pid, card_number_for(pid), ts(at), d(day), hour, f"Kassa {1 + vid % 3}", "kort", verdict,
                    reason, text, 1))
    return out


def generate_organisations(n_orgs: int, cat: Catalogue, seed: int) -> list[tuple]:
    rng = random.Random(f"{seed}:orgs")
    out = []
    for oid in range(1, n_orgs + 1):
        name = f"{rng.choice(LAST)} {rng.choice(ORG_WORDS)} {rng.choice(ORG_SUFFIXES)}"
        plist = rng.choice((None, cat.ordinarie, cat.student))
        out.append((oid, name, fold(name), orgnr_for(oid), plist, int(oid % 3 == 0),
                    f"info@{fold(name).split()[0]}{oid}.se"))
    return out


def generate_preorders(count: int, n_orgs: int, total_persons: int, cat: Catalogue, fmt: Fmt, today: date,
                       seed: int) -> list[tuple]:
    rng = random.Random(f"{seed}:preorders")
    out = []
    created = fmt.ts(datetime(today.year, today.month, 1, 8, tzinfo=timezone.utc) - timedelta(days=40))
    for poid in range(1, count + 1):
        org = 3 * rng.randrange(1, n_orgs // 3 + 1) if n_orgs >= 3 else 1
        gender_m = rng.random() < 0.5
        name = f"{rng.choice(MALE if gender_m else FEMALE)} {rng.choice(LAST)}"
        frm = today - timedelta(days=rng.randrange(0, 120))
        to = frm + timedelta(days=rng.randrange(20, 200))
        status = "oppen" if rng.random() < 0.9 else rng.choice(("utgangen", "borttagen"))
        if rng.random() < 0.85:
            # Someone not (yet) a member: a personnummer beyond the generated persons.
            pnr, birth, _ = personnummer_for(total_persons + poid, False)
            pnr_value, birth_value = pnr, None
        else:
            pnr_value, birth_value = None, date(1960, 1, 1) + timedelta(days=rng.randrange(15_000))
        out.append((poid, org, cat.ag_main, fmt.d(frm), fmt.d(to), name, pnr_value, fmt.d(birth_value),
                    f"{_fold(name).replace(' ', '.')}{poid}@example.se", status, created))
    return out


# ---------------------------------------------------------------------------
# Loading
# ---------------------------------------------------------------------------

class SqliteLoader:
    def __init__(self, path: Path) -> None:
        import sqlite3

        self.conn = sqlite3.connect(str(path), isolation_level=None)
        for pragma in ("journal_mode=DELETE", "journal_mode=OFF", "synchronous=OFF", "foreign_keys=OFF",
                       "cache_size=-400000", "temp_store=MEMORY"):
            self.conn.execute(f"PRAGMA {pragma}")
        self.conn.execute("BEGIN")
        self.indexes = [(name, sql) for name, sql in self.conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type='index' AND sql IS NOT NULL AND tbl_name IN (%s)"
            % ",".join(f"'{t}'" for t in BULK_TABLES))]
        for name, _sql in self.indexes:
            self.conn.execute(f'DROP INDEX "{name}"')

    def load(self, table: str, rows: list[tuple]) -> None:
        if not rows:
            return
        cols = COLUMNS[table]
        self.conn.executemany(f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
                              rows)

    def finish(self, counters: dict[str, int]) -> None:
        for _name, sql in self.indexes:
            self.conn.execute(sql)
        for name, value in counters.items():
            self.conn.execute("INSERT OR REPLACE INTO counters (name, value) VALUES (?, ?)", (name, value))
        self.conn.execute("COMMIT")
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.close()


class PgLoader:
    def __init__(self, url: str) -> None:
        import psycopg

        parsed = make_url(url)
        self.conn = psycopg.connect(host=parsed.host, port=parsed.port or 5432, user=parsed.username,
                                    password=parsed.password, dbname=parsed.database)
        cur = self.conn.cursor()
        # Foreign-key triggers off for the load (the rows are generated consistent); constraints stay.
        cur.execute("SET session_replication_role = replica")
        cur.execute("""
            SELECT i.indexname, i.indexdef FROM pg_indexes i
            WHERE i.schemaname = 'public' AND i.tablename = ANY(%s)
              AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)""", (list(BULK_TABLES),))
        self.indexes = cur.fetchall()
        for name, _sql in self.indexes:
            cur.execute(f'DROP INDEX "{name}"')

    def load(self, table: str, rows: list[tuple]) -> None:
        if not rows:
            return
        cols = COLUMNS[table]
        with self.conn.cursor() as cur, cur.copy(f"COPY {table} ({', '.join(cols)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)

    def finish(self, counters: dict[str, int]) -> None:
        cur = self.conn.cursor()
        for _name, sql in self.indexes:
            cur.execute(sql)
        for table in BULK_TABLES:
            cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"GREATEST((SELECT max(id) FROM {table}), 1))")
        for name, value in counters.items():
            cur.execute("INSERT INTO counters (name, value) VALUES (%s, %s) "
                        "ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value", (name, value))
        cur.execute("SET session_replication_role = DEFAULT")
        self.conn.commit()
        self.conn.autocommit = True
        cur.execute("VACUUM ANALYZE")
        self.conn.close()


def prepare_database(url: str) -> str:
    """Start from an empty database (delete the SQLite file / recreate the PostgreSQL database)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        path = Path(parsed.database)
        path.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        return "sqlite"
    from sqlalchemy import create_engine, text

    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{parsed.database}"'))
    admin.dispose()
    return "postgresql"


def generate(url: str, persons: int = 1_000_000, *, seed: int = DEFAULT_SEED, today: date = DEFAULT_TODAY,
             organisations: int = 1_000, preorders: int = 100_000, visits: int | None = None, log=print) -> dict:
    """Create and fill the database at url; returns timings and row counts."""
    from sqlalchemy.orm import Session

    from db.migrate import open_database

    started = time.perf_counter()
    dialect = prepare_database(url)
    now = datetime(today.year, today.month, today.day, 7, 0, tzinfo=timezone.utc)
    engine = open_database(url, now=now)
    with Session(engine) as session, session.begin():
        cat = make_catalogue(session, now)
    engine.dispose()
    schema_done = time.perf_counter()
    fmt = Fmt(dialect)
    loader = SqliteLoader(Path(make_url(url).database)) if dialect == "sqlite" else PgLoader(url)
    counts = {name: 0 for name in COLUMNS}
    gen_seconds = load_seconds = 0.0

    def load(table: str, rows: list[tuple]) -> None:
        nonlocal load_seconds
        t0 = time.perf_counter()
        loader.load(table, rows)
        load_seconds += time.perf_counter() - t0
        counts[table] += len(rows)

    t0 = time.perf_counter()
    orgs = generate_organisations(organisations, cat, seed)
    gen_seconds += time.perf_counter() - t0
    load("organisations", orgs)
    ids = Ids()
    photo = tiny_jpeg()
    for first in range(1, persons + 1, CHUNK):
        t0 = time.perf_counter()
        rows = generate_persons(first, min(CHUNK, persons - first + 1), persons, organisations, cat, ids, fmt,
                                today, seed, photo)
        gen_seconds += time.perf_counter() - t0
        for table in BULK_TABLES:
            if table in rows and table != "organisations":
                load(table, rows[table])
        log(f"  {min(first + CHUNK - 1, persons):>9,} persons ({time.perf_counter() - started:5.0f} s)")
    t0 = time.perf_counter()
    pre = generate_preorders(preorders, organisations, persons, cat, fmt, today, seed)
    gen_seconds += time.perf_counter() - t0
    load("preorders", pre)
    n_visits = 10 * persons if visits is None else visits
    for first in range(1, n_visits + 1, 4 * CHUNK):
        t0 = time.perf_counter()
        rows = generate_visits(first, min(4 * CHUNK, n_visits - first + 1), n_visits, persons, fmt, today, seed)
        gen_seconds += time.perf_counter() - t0
        load("visits", rows)
        if (first - 1) % (20 * CHUNK) == 0 or first + 4 * CHUNK > n_visits:
            log(f"  {min(first + 4 * CHUNK - 1, n_visits):>10,} visits ({time.perf_counter() - started:5.0f} s)")
    t0 = time.perf_counter()
    loader.finish({"customer_number": 10_000 + persons, "order_number": 100_000 + counts["orders"],
                   "invoice_number": 500_000 + counts["invoices"]})
    index_seconds = time.perf_counter() - t0
    total = time.perf_counter() - started
    return {"dialect": dialect, "persons": persons, "seconds_total": total, "seconds_schema": schema_done - started,
            "seconds_generate": gen_seconds, "seconds_load": load_seconds, "seconds_index": index_seconds,
            "rows": counts}


def default_sqlite_url(persons: int) -> str:
    return f"sqlite+pysqlite:///{DATA_DIR / f'bench-{persons}.db'}"


def pg_url(server: str, database: str) -> str:
    return make_url(server).set(database=database).render_as_string(hide_password=False)


def add_db_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--persons", "-n", type=int, default=1_000_000, help="number of persons (default 1,000,000)")
    parser.add_argument("--db", metavar="URL", help="database URL (default: SQLite file benchmarks/data/bench-N.db)")
    parser.add_argument("--pg", action="store_true", help="use PostgreSQL: --pg-server + --pg-database")
    parser.add_argument("--pg-server", default=os.environ.get("RECEPTION_BENCH_PG", DEFAULT_PG_SERVER),
                        help=f"PostgreSQL server URL (default {DEFAULT_PG_SERVER})")
    parser.add_argument("--pg-database", default=DEFAULT_PG_DATABASE,
                        help=f"PostgreSQL database name, dropped and created (default {DEFAULT_PG_DATABASE})")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--today", type=date.fromisoformat, default=DEFAULT_TODAY,
                        help=f"the business day of the data (default {DEFAULT_TODAY})")


def url_from_args(args: argparse.Namespace) -> str:
    if args.db:
        return args.db
    if args.pg:
        return pg_url(args.pg_server, args.pg_database)
    return default_sqlite_url(args.persons)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_db_arguments(parser)
    parser.add_argument("--organisations", type=int, default=1_000)
    parser.add_argument("--preorders", type=int, default=100_000)
    parser.add_argument("--visits", type=int, default=None, help="number of visits (default 10 per person)")
    args = parser.parse_args(argv)
    url = url_from_args(args)
    shown = make_url(url).render_as_string(hide_password=True)
    print(f"Generating {args.persons:,} persons into {shown} (seed {args.seed}, day {args.today})")
    result = generate(url, args.persons, seed=args.seed, today=args.today, organisations=args.organisations,
                      preorders=args.preorders, visits=args.visits)
    print(f"Done in {result['seconds_total']:.1f} s: schema {result['seconds_schema']:.1f} s, "
          f"generate rows {result['seconds_generate']:.1f} s, load {result['seconds_load']:.1f} s, "
          f"indexes/analyse {result['seconds_index']:.1f} s")
    for table, n in result["rows"].items():
        print(f"  {table:<22} {n:>10,}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
