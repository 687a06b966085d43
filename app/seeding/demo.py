"""Demo data for `reception --demo`: a realistic gym with ~230 customers, seeded once.

Everything is generated from a fixed random seed and dated relative to the
`today` passed in, so the demo always looks "current" and two runs on the same
day give the same data. `seed_demo` is idempotent: it writes the settings row
``demo_seeded`` last and returns at once when that row (or any customer) exists.

What is in it (the variety the person card, the wizards and the routines need):
* one user per standard role — see :data:`DEMO_USERS` (also in README.md); a
  user name that already exists is left alone;
* price lists Ordinarie/Student/Pensionär plus organisation lists, AG and kontant
  main products, optional and mandatory add-ons per routine, value cards;
* organisations with and without price lists, some with pre-orders;
* customers of every type and pensioner subtype, proofs that expire soon or have
  expired, samordningsnummer, people without personnummer, Norwegian and
  Finnish addresses, photos, cards (blocked ones too), messages, notes,
  documents, bookings and value cards;
* subscriptions that are active, frozen, about to be frozen, cancelled, ended,
  starting later and lagging (AG and kontant), with add-ons and other payers;
* autogiro mandates in every state, one AG payer without a mandate;
* pre-orders, online purchases awaiting pickup, paid and unpaid orders, invoices.

Persons are written with `insert_person`, so the search keys are filled exactly
as the registration routines fill them; numbers come from `next_number`, so
later registrations continue the sequences.
"""
from __future__ import annotations

import json
import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.auth import hash_password
from app.counters import next_number
from app.domain.bankaccount import parse_bank_account
from app.domain.freeze import FreezeRules, plan_freeze
from app.domain.notice import notice_end
from app.domain.orgnr import parse_orgnr
from app.domain.periods import ONE_DAY, add_months, grid_boundary, grid_index, grid_interval
from app.domain.personnummer import age_on, parse_personnummer
from app.domain.subscriptions import SubscriptionFacts
from app.domain.text import fold
from app.errors import ValidationError
from app.postal import PostalCodes
from app.routines.person_data import AddressData, PersonData, apply_person_data, validate_person_data
from app.settings import save_setting
from db.models import (
    PersonRegisterEntry,
    Address,
    AddonRule,
    AutogiroDebit,
    AutogiroMandate,
    Booking,
    Card,
    CustomerTypeProof,
    DeviationReason,
    Document,
    Freeze,
    Invoice,
    Note,
    OnlinePurchase,
    Order,
    OrderLine,
    Organisation,
    Payment,
    Person,
    Photo,
    PreOrder,
    PriceList,
    PriceListItem,
    Product,
    Role,
    Setting,
    Subscription,
    User,
    ValueCard,
)
from app.seeding.reference import ensure_reference_data

MARKER_KEY = "demo_seeded"
DEMO_PASSWORD = "demo"
RANDOM_SEED = 20261122
DESK = "Kassa 1"
ROUTINES_MESSAGE = "Kunden är registrerad med kundrutiner – använd Reception för ändringar."

# (username, password, role, what they can do) — the README's demo-user table.
DEMO_USERS: tuple[tuple[str, str, str, str], ...] = (
    ("reception", DEMO_PASSWORD, "Receptionist",
     "Söka kunder, registrera, abonnemangsrutiner (Kundrutiner) och ta betalt i kassan"),
    ("kundansvarig", DEMO_PASSWORD, "Kundansvarig",
     "Som Receptionist, plus organisationer, förbeställningar och kundjournal"),
    ("admin", DEMO_PASSWORD, "Administratör",
     "Alla rättigheter, även Systeminställningar och Administrera användare"),
)
_USER_DETAILS = {
    "reception": ("Sara Lindqvist", "sara.lindqvist@example.com"),
    "kundansvarig": ("Jonas Åberg", "jonas.aberg@example.com"),
    "admin": ("Maria Öhman", "maria.ohman@example.com"),
}


@dataclass(frozen=True)
class DemoSummary:
    """What one call added (all zero when the database was already seeded)."""

    already_seeded: bool = False
    users: int = 0
    price_lists: int = 0
    products: int = 0
    organisations: int = 0
    persons: int = 0
    subscriptions: int = 0
    mandates: int = 0
    preorders: int = 0
    register_entries: int = 0
    online_purchases: int = 0
    orders: int = 0
    invoices: int = 0
    cards: int = 0
    photos: int = 0


# --------------------------------------------------------------------------
# Catalogue: products, price lists, add-on rules
# --------------------------------------------------------------------------

# code: (name, kind, payment, base price öre, interval months, validity months, binding, notice,
#        transfer allowed, membership card, is subscription, VAT bp, clips)
PRODUCTS = {
    "GYM_AG": ("Gym AG", "huvud", "AG", 44900, 1, None, 12, 1, False, False, True, 600, None),
    "GYMBAD_AG": ("Gym + Bad AG", "huvud", "AG", 54900, 1, None, 12, 2, False, False, True, 600, None),
    "ALLT_AG": ("Allt-i-ett AG", "huvud", "AG", 64900, 1, None, 0, 3, False, False, True, 600, None),
    "GYM3_K": ("Gym 3 mån kontant", "huvud", "kontant", 139000, 3, 3, 0, 0, False, False, True, 600, None),
    "GYM6_K": ("Gym 6 mån kontant", "huvud", "kontant", 259000, 6, 6, 0, 0, True, False, True, 600, None),
    "GYM12_K": ("Gym 12 mån kontant", "huvud", "kontant", 469000, 12, 12, 0, 0, True, False, True, 600, None),
    "HANDDUK": ("Handduksabonnemang", "tillagg", "AG", 9900, 1, None, 0, 0, False, False, True, 2500, None),
    "FORSAKRING": ("Olycksfallsförsäkring", "tillagg", None, 29900, 1, None, 0, 0, False, False, False, 0, None),
    "ADMIN": ("Administrationsavgift", "tillagg", None, 19900, 1, None, 0, 0, False, False, False, 2500, None),
    "OVERLATELSE": ("Överlåtelseavgift", "tillagg", None, 29900, 1, None, 0, 0, False, False, False, 2500, None),
    "KORT": ("Inpasseringskort", "tillagg", None, 10000, 1, None, 0, 0, False, True, False, 2500, None),
    "KLIPP10": ("10-klippkort", "vardekort", None, 95000, 1, None, 0, 0, False, False, False, 600, 10),
    "BAD10": ("Bad 10-klipp", "vardekort", None, 55000, 1, None, 0, 0, False, False, False, 600, 10),
}
MAIN_AG = ("GYM_AG", "GYMBAD_AG", "ALLT_AG")
MAIN_KONTANT = ("GYM3_K", "GYM6_K", "GYM12_K")
_ALL = tuple(PRODUCTS)

# Price list -> {product code: price öre}. Student and Pensionär are cheaper; organisation lists
# carry the agreed products only (a pre-order's product must be on its organisation's list).
PRICE_LISTS: dict[str, dict[str, int]] = {
    "Ordinarie": {code: spec[3] for code, spec in PRODUCTS.items()},
    "Student": {"GYM_AG": 34900, "GYMBAD_AG": 42900, "ALLT_AG": 49900, "GYM3_K": 109000, "GYM6_K": 209000,
                "GYM12_K": 369000, "HANDDUK": 7900, "FORSAKRING": 29900, "ADMIN": 9900, "OVERLATELSE": 29900,
                "KORT": 10000, "KLIPP10": 75000, "BAD10": 45000},
    "Pensionär": {"GYM_AG": 29900, "GYMBAD_AG": 37900, "ALLT_AG": 44900, "GYM3_K": 99000, "GYM6_K": 189000,
                  "GYM12_K": 329000, "HANDDUK": 7900, "FORSAKRING": 24900, "ADMIN": 9900, "OVERLATELSE": 29900,
                  "KORT": 10000, "KLIPP10": 70000, "BAD10": 40000},
    "Volvo personal": {"GYM_AG": 34900, "ALLT_AG": 49900, "GYM12_K": 399000, "HANDDUK": 7900,
                       "FORSAKRING": 24900, "ADMIN": 0, "KORT": 10000},
    "Region Stockholm": {"GYM_AG": 37900, "GYMBAD_AG": 44900, "GYM12_K": 419000, "HANDDUK": 8900,
                         "FORSAKRING": 29900, "ADMIN": 19900, "KORT": 10000},
    "Ericsson friskvård": {"GYMBAD_AG": 47900, "ALLT_AG": 55900, "GYM6_K": 229000, "FORSAKRING": 29900,
                           "ADMIN": 9900, "KORT": 10000},
}

_SIGNING = ("registrering", "teckna", "organisation", "uthamtning")


def _addon_rules(main_code: str) -> list[tuple[str, str, str]]:
    """(add-on code, routine, availability) for one main product."""
    rules: list[tuple[str, str, str]] = []
    for routine in ("registrering", "organisation", "uthamtning"):
        rules.append(("ADMIN", routine, "obligatoriskt"))
    rules += [("ADMIN", "teckna", "ej_valbart"), ("ADMIN", "overlatelse", "ej_valbart")]
    for routine in _SIGNING + ("overlatelse",):
        rules.append(("FORSAKRING", routine, "valbart"))
    for routine in ("registrering", "organisation", "uthamtning", "overlatelse"):
        rules.append(("KORT", routine, "valbart"))
    rules += [("KORT", "teckna", "ej_valbart"), ("KORT", "medlemskort", "obligatoriskt")]
    if PRODUCTS[main_code][2] == "AG":
        for routine in _SIGNING:
            rules.append(("HANDDUK", routine, "valbart"))
        rules += [("HANDDUK", "overlatelse", "ej_valbart"), ("HANDDUK", "medlemskort", "ej_valbart")]
    if PRODUCTS[main_code][8]:  # transfer allowed
        rules.append(("OVERLATELSE", "overlatelse", "obligatoriskt"))
    return rules


# name, price list (None = none), uses pre-orders, e-mail
ORGANISATIONS = (
    ("Volvo Personvagnar AB", "Volvo personal", True, "friskvard@volvo.example.com"),
    ("Region Stockholm", "Region Stockholm", True, "halsa@regionstockholm.example.com"),
    ("Karolinska Universitetssjukhuset", "Region Stockholm", True, "personal@karolinska.example.com"),
    ("Ericsson AB", "Ericsson friskvård", False, "friskvard@ericsson.example.com"),
    ("Stockholms stad", None, False, "personalenheten@stockholm.example.com"),
    ("Skanska Sverige AB", None, False, None),
    ("Åhléns AB", None, False, "hr@ahlens.example.com"),
    ("Sveriges lantbruksuniversitet", None, False, None),
    ("Öresundskraft AB", None, False, "personal@oresundskraft.example.com"),
    ("Uppsala kommun", "Region Stockholm", False, None),
)

# --------------------------------------------------------------------------
# People
# --------------------------------------------------------------------------

FEMALE = ("Anna", "Eva", "Maria", "Karin", "Sara", "Lena", "Emma", "Kerstin", "Ingrid", "Elin", "Åsa", "Märta",
          "Linnéa", "Agnes", "Maja", "Ebba", "Saga", "Elsa", "Astrid", "Ella", "Wilma", "Alva", "Klara", "Ida",
          "Hanna", "Sofia", "Frida", "Malin", "Johanna", "Ulrika", "Birgitta", "Margareta", "Gunnel",
          "Britt-Marie", "Ann-Sofi", "Signe", "Tove", "Matilda", "Selma", "Renée", "Zeynep", "Noor", "Ylva",
          "Görel", "Solveig", "Therése")
MALE = ("Lars", "Anders", "Johan", "Per", "Karl", "Erik", "Nils", "Olof", "Örjan", "Åke", "Göran", "Björn",
        "Jörgen", "Mats", "Mikael", "Fredrik", "Oskar", "Hugo", "Elias", "Viktor", "Axel", "Filip", "Anton",
        "Ludvig", "Gustav", "Sven", "Bengt", "Stig", "Kjell", "Ove", "Håkan", "Leif", "Rolf", "José", "André",
        "René", "Noah", "Liam", "Ali", "Emil", "Isak", "Jonas", "Henrik", "Stefan", "Tor", "Sölve")
LAST = ("Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson", "Olsson", "Persson", "Svensson",
        "Gustafsson", "Pettersson", "Jonsson", "Jansson", "Hansson", "Bengtsson", "Jönsson", "Lindberg",
        "Jakobsson", "Magnusson", "Olofsson", "Lindström", "Lindqvist", "Lindgren", "Berg", "Axelsson",
        "Bergström", "Lundberg", "Lundgren", "Lundqvist", "Mattsson", "Berglund", "Fredriksson", "Sandberg",
        "Henriksson", "Forsberg", "Sjöberg", "Wallin", "Engström", "Eklund", "Danielsson", "Lundin", "Håkansson",
        "Björk", "Bergman", "Gunnarsson", "Holm", "Wikström", "Isaksson", "Bergqvist", "Nyström", "Holmberg",
        "Löfgren", "Söderberg", "Nyberg", "Blomqvist", "Nordström", "Mårtensson", "Lundström", "Pålsson",
        "Björklund", "Viklund", "Sandström", "Nordin", "Ström", "Åberg", "Ekström", "Falk", "Hellström",
        "Sjögren", "Öberg", "Strömberg", "Månsson", "Åkesson", "Ängström", "Östlund", "Öhman", "Ågren",
        "Söderström", "Nordqvist", "Ek", "Blom", "Dahlberg", "Hedlund", "Sundberg")
# People from abroad: samordningsnummer or no Swedish number at all.
FOREIGN = (("José", "García", "M"), ("Mikko", "Virtanen", "M"), ("Aino", "Korhonen", "K"),
           ("Ingrid", "Hansen", "K"), ("Łukasz", "Nowak", "M"), ("Chloé", "Dubois", "K"),
           ("Mehmet", "Yılmaz", "M"), ("Ana", "Pereira", "K"), ("Olga", "Ivanova", "K"),
           ("Tomás", "Novák", "M"), ("Sanne", "de Vries", "K"), ("Giulia", "Rossi", "K"))

STREETS = ("Storgatan", "Kungsgatan", "Drottninggatan", "Vasagatan", "Skolgatan", "Kyrkogatan", "Järnvägsgatan",
           "Björkvägen", "Ekvägen", "Ängsvägen", "Granvägen", "Tallvägen", "Lönnvägen", "Södra vägen",
           "Östra Långgatan", "Hagagatan", "Sveavägen", "Götgatan", "Hornsgatan", "Fjällgatan", "Åsögatan",
           "Råsundavägen", "Ringvägen", "Parkvägen", "Sjövägen", "Trädgårdsgatan", "Strandvägen", "Malmvägen",
           "Backvägen", "Älvgatan", "Lärkvägen", "Höjdvägen")
# Real postal codes (checked against the shipped list when used); the Stockholm area dominates.
SE_POSTAL = ("11455", "11120", "11346", "11859", "11639", "11264", "12030", "12631", "17141", "17066", "16440",
             "18130", "13130", "13140", "16867", "18235", "14140", "11760", "11428", "11251",
             "41103", "41301", "21119", "21145", "75320", "75237", "58223", "90325", "97231", "83131", "70210",
             "72211", "55318", "35231", "80320", "65224", "85231", "60222", "25221", "39232")
FOREIGN_ADDRESSES = (("Karl Johans gate 12", "0154", "NO"), ("Thereses gate 21", "0168", "NO"),
                     ("Mannerheimintie 5 A 7", "00100", "FI"), ("Aurakatu 8", "20100", "FI"))
AREA_CODES = {"Stockholm": "08", "Solna": "08", "Kista": "08", "Lidingö": "08", "Nacka": "08", "Bromma": "08",
              "Sundbyberg": "08", "Farsta": "08", "Enskede": "08", "Johanneshov": "08", "Danderyd": "08",
              "Göteborg": "031", "Malmö": "040", "Uppsala": "018", "Linköping": "013", "Umeå": "090",
              "Örebro": "019", "Västerås": "021", "Jönköping": "036", "Gävle": "026", "Karlstad": "054"}
EMAIL_DOMAINS = ("example.com", "example.net", "example.org")

INTERNAL_MESSAGES = (
    "Har glömt kortet flera gånger – be om legitimation.",
    "Skuld från förra året ska betalas vid nästa besök.",
    "Vill bli kontaktad om nya pass i gruppträning.",
    "Knäskada – rådgör med instruktör innan PT-pass bokas.",
    "Målsman ska godkänna ändringar av abonnemanget.",
    "Har fått förlängd frysning efter samtal med platschefen.",
)
NOTES = (
    "Ringde och frågade om frysning under sommaren.",
    "Fick nytt kort efter att det gamla slutat fungera.",
    "Vill ha kvitton skickade per e-post.",
    "Frågade om pris för familjemedlemskap.",
    "Har parkeringstillstånd t.o.m. årsskiftet.",
    "Kontaktad om utebliven betalning, lovar att betala i kassan.",
    "Önskar inga utskick per SMS.",
    "Intresserad av simskola för barnen.",
)
JOURNAL = (
    "Samtal om träningsupplägg efter knäoperation. Börjar med låg belastning, uppföljning om sex veckor.",
    "Klagomål på bemötande i receptionen 2 okt. Ursäkt framförd, en månad gratis handduk erbjuden.",
    "Kunden har intyg om astma; informerad om att inhalator får tas med in i simhallen.",
    "Överenskommelse om avbetalning av skuld i tre delar.",
)
ACTIVITIES = ("Spinning 45", "Yoga", "Cirkelträning", "Vattengympa", "Personlig träning", "Body Pump",
              "Simskola", "Pilates", "Löpgrupp")
MARKETING_INTERESTS = ("Gruppträning", "Styrketräning", "Simning", "Yoga", "Löpning", "Personlig träning")
MARKETING_SOURCES = ("Vän tipsade", "Hemsidan", "Instagram", "Företagsavtal", "Annons i lokaltidningen", "Mässa")

# Photo background colours (BGR) for the generated portraits.
_PALETTE = ((180, 130, 70), (90, 160, 210), (120, 180, 120), (160, 120, 180), (100, 140, 200),
            (170, 170, 90), (80, 120, 160), (150, 100, 110))


def _luhn_check_digit(digits: str) -> int:
    """The check digit Swedish personnummer and organisationsnummer use (weights 2,1,2,…)."""
    total = 0
    for i, ch in enumerate(digits):
        v = int(ch) * (2 if i % 2 == 0 else 1)
        total += v - 9 if v > 9 else v
    return (10 - total % 10) % 10


def _at(day: date, hour: int = 9, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=timezone.utc)


def portrait_jpeg(initials: str, colour: tuple[int, int, int]) -> bytes:
    """A small generated 240×320 JPEG portrait: coloured background, silhouette and initials."""
    import cv2
    import numpy as np

    img = np.empty((320, 240, 3), np.uint8)
    img[:] = colour
    shade = tuple(max(0, c - 60) for c in colour)
    cv2.circle(img, (120, 130), 62, shade, -1, cv2.LINE_AA)
    cv2.ellipse(img, (120, 330), (105, 95), 0, 180, 360, shade, -1, cv2.LINE_AA)
    (w, h), _ = cv2.getTextSize(initials, cv2.FONT_HERSHEY_DUPLEX, 1.6, 2)
    cv2.putText(img, initials, ((240 - w) // 2, 130 + h // 2), cv2.FONT_HERSHEY_DUPLEX, 1.6,
                (255, 255, 255), 2, cv2.LINE_AA)
    ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, 80])
    if not ok:
        raise RuntimeError("JPEG encoding of a demo portrait failed")
    return buf.tobytes()


_PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
        b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]/Contents 4 0 R/Resources<</Font<</F1 5 0 R>>>>>>"
        b"endobj\n4 0 obj<</Length 58>>stream\nBT /F1 18 Tf 72 760 Td (Medlemsavtal - demo) Tj ET\nendstream\n"
        b"endobj\n5 0 obj<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")


# --------------------------------------------------------------------------
# The builder
# --------------------------------------------------------------------------


@dataclass(eq=False)
class _Person:
    """A generated customer before and after it is written."""

    profile: str
    first: str
    last: str
    gender: str
    birth: date
    coordination: bool = False
    no_pnr: bool = False
    foreign_id: bool = False
    row: object = None          # db.models.Person once inserted
    main: object = None         # the running (or last) main Subscription
    org: object = None          # organisation customers: their Organisation
    since: date | None = None   # customer since (the first subscription's start)
    proof: dict | None = None   # the CustomerTypeProof to write


class _Builder:
    def __init__(self, session: Session, today: date, now: datetime) -> None:
        self.s = session
        self.today = today
        self.now = now
        self.rng = random.Random(RANDOM_SEED)
        self.used_pnr: set[str] = set()
        self.used_emails: set[str] = set()
        self.used_cards: set[str] = set()
        self.postal = PostalCodes.load()
        self.counts: dict[str, int] = {}
        self.users: dict[str, object] = {}
        self.products: dict[str, object] = {}
        self.lists: dict[str, object] = {}
        self.prices: dict[tuple[int, int], int] = {}   # (list id, product id) -> price
        self.orgs: list[object] = []
        self.people: list[_Person] = []
        self.subscriptions: list[object] = []
        self.reasons: list[object] = []

    def bump(self, name: str, n: int = 1) -> None:
        self.counts[name] = self.counts.get(name, 0) + n

    # -- small generators ---------------------------------------------------
    def birth_between(self, min_age: int, max_age: int) -> date:
        latest = add_months(self.today, -12 * min_age) - ONE_DAY
        earliest = add_months(self.today, -12 * (max_age + 1)) + ONE_DAY
        return earliest + timedelta(days=self.rng.randrange((latest - earliest).days + 1))

    def personnummer(self, birth: date, gender: str, coordination: bool = False) -> str:
        while True:
            day = birth.day + (60 if coordination else 0)
            gender_digit = self.rng.choice((1, 3, 5, 7, 9) if gender == "M" else (0, 2, 4, 6, 8))
            body = f"{birth:%y%m}{day:02d}{self.rng.randrange(100):02d}{gender_digit}"
            digits12 = f"{birth.year:04d}{body[2:]}{_luhn_check_digit(body)}"
            if digits12 in self.used_pnr:
                continue
            parsed = parse_personnummer(digits12, self.today)  # refuses anything invalid, loudly
            if parsed.digits12 != digits12 or parsed.is_coordination != coordination:
                raise AssertionError(f"generated personnummer {digits12} does not round-trip")
            self.used_pnr.add(digits12)
            return digits12

    def orgnr(self, first_digit: str) -> str:
        # The third digit is 2 or more (an organisationsnummer never looks like a birth month).
        body = first_digit + self.digits(1) + str(self.rng.randrange(2, 10)) + self.digits(6)
        return parse_orgnr(body + str(_luhn_check_digit(body)))

    def email(self, first: str, last: str) -> str:
        def part(text: str) -> str:
            return "".join(ch for ch in fold(text) if ch.isascii() and ch.isalnum())

        base = f"{part(first)}.{part(last)}"
        local, n = base, 1
        while local in self.used_emails:
            n += 1
            local = f"{base}{n}"
        self.used_emails.add(local)
        return f"{local}@{self.rng.choice(EMAIL_DOMAINS)}"

    def digits(self, n: int) -> str:
        return "".join(str(self.rng.randrange(10)) for _ in range(n))

    def mobile(self, country: str = "SE") -> str:
        if country == "NO":
            return f"+47 9{self.digits(2)} {self.digits(2)} {self.digits(3)}"
        if country == "FI":
            return f"+358 40 {self.digits(3)} {self.digits(4)}"
        return f"07{self.rng.choice('02369')}-{self.digits(3)} {self.digits(2)} {self.digits(2)}"

    def address(self) -> AddressData:
        while True:
            code = self.rng.choice(SE_POSTAL)
            town = self.postal.town(code, "SE")
            if town:
                street = f"{self.rng.choice(STREETS)} {self.rng.randrange(1, 80)}"
                if self.rng.random() < 0.15:
                    street += f" lgh {self.rng.randrange(10, 16)}{self.rng.randrange(1, 4):02d}"
                return AddressData(street=street, postal_code=code, town=town, country="SE")

    def card_number(self) -> str:
        while True:
            number = "00" + self.digits(8)
            if number not in self.used_cards:
                self.used_cards.add(number)
                return number

    # -- users, settings, catalogue ----------------------------------------
    def users_and_roles(self) -> None:
        roles = {r.name: r for r in self.s.scalars(select(Role))}
        existing = {u.username: u for u in self.s.scalars(select(User))}
        password_hash = None
        for username, _password, role_name, _what in DEMO_USERS:
            if username in existing:
                self.users[username] = existing[username]
                continue
            if password_hash is None:
                password_hash = hash_password(DEMO_PASSWORD)  # Argon2 is slow on purpose: hash once
            full_name, email = _USER_DETAILS[username]
            user = User(username=username, full_name=full_name, email=email, password_hash=password_hash,
                        role_id=roles[role_name].id, active=True)
            self.s.add(user)
            self.users[username] = user
            self.bump("users")
        self.s.flush()

    def user_id(self, username: str) -> int | None:
        user = self.users.get(username)
        return user.id if user is not None else None

    def catalogue(self) -> None:
        for code, spec in PRODUCTS.items():
            (name, kind, payment, price, interval, validity, binding, notice, transfer, card, is_sub, vat,
             clips) = spec
            product = Product(code=code, name=name, kind=kind, payment=payment, price_ore=price,
                              interval_months=interval, validity_months=validity, binding_months=binding,
                              notice_months=notice, transfer_allowed=transfer, is_membership_card=card,
                              is_subscription=is_sub, vat_basis_points=vat, clips=clips, active=True)
            self.s.add(product)
            self.products[code] = product
        for name in PRICE_LISTS:
            self.lists[name] = PriceList(name=name)
            self.s.add(self.lists[name])
        self.s.flush()
        for name, prices in PRICE_LISTS.items():
            for code, price in prices.items():
                pl, product = self.lists[name], self.products[code]
                self.s.add(PriceListItem(price_list_id=pl.id, product_id=product.id, price_ore=price))
                self.prices[(pl.id, product.id)] = price
        for main in MAIN_AG + MAIN_KONTANT:
            for addon, routine, availability in _addon_rules(main):
                self.s.add(AddonRule(main_product_id=self.products[main].id,
                                     addon_product_id=self.products[addon].id,
                                     routine=routine, availability=availability))
        have = set(self.s.scalars(select(DeviationReason.name).where(DeviationReason.kind == "frysning")))
        for name in ("Sjukdom", "Graviditet", "Utlandsvistelse", "Militärtjänst"):
            if name not in have:
                self.s.add(DeviationReason(kind="frysning", name=name, active=True))
        self.s.flush()
        self.reasons = list(self.s.scalars(select(DeviationReason).where(DeviationReason.kind == "frysning")))
        self.bump("products", len(PRODUCTS))
        self.bump("price_lists", len(PRICE_LISTS))

    def settings(self) -> None:
        save_setting(self.s, "price_list_ordinarie", self.lists["Ordinarie"].id)
        save_setting(self.s, "price_list_student", self.lists["Student"].id)
        save_setting(self.s, "price_list_pensionar", self.lists["Pensionär"].id)
        save_setting(self.s, "preorders_enabled", True)
        save_setting(self.s, "internal_message_for_routines", ROUTINES_MESSAGE)
        save_setting(self.s, "card_instructions",
                     "Dra kortet i kortläsaren, eller skriv numret som står på kortets baksida (10 siffror). "
                     "Lämna ut kortet först när betalningen är klar.")
        save_setting(self.s, "membership_card_products", [self.products["KORT"].id])
        save_setting(self.s, "use_deviation_reasons", True)
        save_setting(self.s, "person_lookup_enabled", True)  # the local register below answers lookups

    def organisations(self) -> None:
        manager = self.user_id("kundansvarig")
        for i, (name, list_name, preorders, email) in enumerate(ORGANISATIONS):
            public = name.startswith(("Region", "Stockholms stad", "Uppsala kommun", "Sveriges", "Karolinska"))
            org = Organisation(name=name, name_norm=fold(name), org_number=self.orgnr("2" if public else "5"),
                               price_list_id=self.lists[list_name].id if list_name else None,
                               uses_preorders=preorders, account_manager_id=manager if (preorders or i % 2) else None,
                               email=email)
            self.s.add(org)
            self.orgs.append(org)
        self.s.flush()
        self.bump("organisations", len(self.orgs))

    # -- persons ------------------------------------------------------------
    def plan_people(self) -> None:
        """Who the customers are: profile, name, gender, birth date."""
        rng = self.rng
        plan: list[tuple[str, int, int, int]] = [  # profile, count, min age, max age
            ("ordinarie", 104, 18, 64), ("student", 30, 19, 29), ("alderspensionar", 14, 66, 88),
            ("sjukpensionar_livet_ut", 5, 35, 63), ("tillfallig_pensionar", 6, 30, 60),
            ("fortidspensionar", 5, 45, 63), ("organisation", 36, 23, 63), ("barn", 8, 13, 17),
            ("onlinekop", 4, 19, 55), ("tidigare", 10, 20, 75),
        ]
        for profile, count, lo, hi in plan:
            for _ in range(count):
                gender = rng.choice("MK")
                first = rng.choice(MALE if gender == "M" else FEMALE)
                self.people.append(_Person(profile, first, rng.choice(LAST), gender, self.birth_between(lo, hi)))
        # Samordningsnummer (about 3 %): people from abroad, ordinary customers and students.
        foreign = list(FOREIGN)
        for person in rng.sample([p for p in self.people if p.profile in ("ordinarie", "student")], 7):
            first, last, gender = foreign.pop(0)
            person.first, person.last, person.gender = first, last, gender
            person.coordination = person.foreign_id = True
        # A few people without any personnummer (birth date and gender only).
        for person in rng.sample([p for p in self.people if p.profile == "ordinarie" and not p.coordination], 4):
            first, last, gender = foreign.pop(0)
            person.first, person.last, person.gender = first, last, gender
            person.no_pnr = person.foreign_id = True
        # Organisation customers: the pre-order organisations get most of them; a few in the others.
        weights = [6, 6, 5, 5, 3, 3, 2, 2, 2, 2][:len(self.orgs)]
        for person in (p for p in self.people if p.profile == "organisation"):
            person.org = rng.choices(self.orgs, weights=weights)[0]

    def insert_people(self) -> None:
        rng = self.rng
        adults = [p for p in self.people if p.profile == "ordinarie" and not (p.no_pnr or p.coordination)
                  and 33 <= age_on(p.birth, self.today) <= 60]
        parents = rng.sample(adults, 8)
        children = [p for p in self.people if p.profile == "barn"]
        parent_of = {id(child): parent for child, parent in zip(children, parents)}
        for child in children:
            child.last = parent_of[id(child)].last
        self.parent_of = parent_of
        foreign_addr = iter(FOREIGN_ADDRESSES)
        foreign_homes = {id(p) for p in rng.sample([p for p in self.people if p.profile == "ordinarie"
                                                    and not (p.no_pnr or p.coordination)], 4)}
        addresses: dict[int, AddressData] = {}
        for person in sorted(self.people, key=lambda p: p.profile == "barn"):  # parents before children
            country = "SE"
            if id(person) in parent_of:
                address = addresses[id(parent_of[id(person)])]
            elif id(person) in foreign_homes:
                street, code, country = next(foreign_addr)
                address = AddressData(street=street, postal_code=code, town=self.postal.town(code, country) or "",
                                      country=country)
            else:
                address = self.address()
            addresses[id(person)] = address
            phone_home = ""
            area = AREA_CODES.get(address.town)
            if area and rng.random() < 0.25:
                phone_home = f"{area}-{self.digits(3 if area == '08' else 2)} {self.digits(2)} {self.digits(2)}"
            data = PersonData(
                first_name=person.first, last_name=person.last, email=self.email(person.first, person.last),
                mobile=self.mobile(country), phone_home=phone_home,
                phone_work=f"08-{self.digits(3)} {self.digits(2)} {self.digits(2)}" if rng.random() < 0.08 else "",
                personnummer="" if person.no_pnr else self.personnummer(person.birth, person.gender,
                                                                         person.coordination),
                birth_date=person.birth if person.no_pnr else None,
                gender=person.gender if person.no_pnr else None, address=address)
            row = self.new_person(validate_person_data(data, self.today))
            person.row = row
            row.marketing_email_ok = rng.random() < 0.5
            row.marketing_sms_ok = rng.random() < 0.3
            if rng.random() < 0.4:
                row.marketing_interests = ", ".join(rng.sample(MARKETING_INTERESTS, rng.randrange(1, 3)))
            if rng.random() < 0.5:
                row.marketing_source = rng.choice(MARKETING_SOURCES)
            if person.profile == "organisation" and rng.random() < 0.15:
                # Invoices go to the employer, who pays the part the agreement covers.
                row.addresses.append(Address(kind="faktura", street=f"Box {rng.randrange(100, 9999)}",
                                             co=f"{person.org.name}, Löneadministrationen",
                                             postal_code=address.postal_code, town=address.town, country="SE"))
        self.s.flush()
        self.bump("persons", len(self.people))

    def new_person(self, data: PersonData):
        """What `insert_person` does, without its per-row duplicate query and flush (the generator
        never repeats a personnummer, and one flush for all persons keeps the first start quick)."""
        person = Person(customer_number=next_number(self.s, "customer_number"), created_at=self.now)
        apply_person_data(person, data, self.now)
        self.s.add(person)
        return person

    def customer_types(self) -> None:
        """Customer type, pensioner subtype, price guarantee and the CustomerTypeProof row."""
        rng, today = self.rng, self.today
        students = [p for p in self.people if p.profile == "student"]
        soon = {id(p) for p in students[:5]}
        expired = {id(p) for p in students[5:8]}
        temporary = [p for p in self.people if p.profile == "tillfallig_pensionar"]
        for person in self.people:
            row = person.row
            ctype, subtype, proof_kind, valid_until = "ordinarie", None, None, None
            if person.profile == "student":
                ctype, proof_kind = "student", rng.choice(("mecenatkort", "studentkort"))
                if id(person) in soon:
                    valid_until = today + timedelta(days=rng.randrange(2, 29))
                elif id(person) in expired:
                    valid_until = today - timedelta(days=rng.randrange(1, 40))
                else:
                    valid_until = self.student_validity()
            elif person.profile in ("alderspensionar", "sjukpensionar_livet_ut", "tillfallig_pensionar",
                                    "fortidspensionar"):
                ctype, subtype = "pensionar", person.profile
                proof_kind = {"alderspensionar": "alder", "sjukpensionar_livet_ut": "fk_intyg",
                              "tillfallig_pensionar": "fk_intyg", "fortidspensionar": "ppm_intyg"}[subtype]
                if subtype == "tillfallig_pensionar":
                    i = temporary.index(person)
                    days = (rng.randrange(3, 25) if i < 2 else -rng.randrange(3, 20) if i == 2
                            else rng.randrange(90, 400))
                    valid_until = today + timedelta(days=days)
                elif subtype == "fortidspensionar" and rng.random() < 0.4:
                    valid_until = today + timedelta(days=rng.randrange(120, 700))
            elif person.profile == "organisation":
                proof_kind = "organisation"
                row.organisation_id = person.org.id
            row.customer_type, row.pensioner_subtype, row.price_guarantee_until = ctype, subtype, valid_until
            residence = rng.choice(("arbetsintyg", "hyreskontrakt", "ut_kort")) if person.foreign_id else None
            if person.profile != "onlinekop":  # they have not been at a desk yet
                person.proof = dict(customer_type=ctype, pensioner_subtype=subtype,
                                    id_document="utlandsk" if person.foreign_id else "svensk",
                                    residence_proof=residence, proof_kind=proof_kind, valid_until=valid_until)

    def write_proofs(self) -> None:
        """The Legitimering of each customer, dated when they joined (a renewal for time-limited proofs)."""
        reception = self.user_id("reception")
        for person in self.people:
            if person.proof is None:
                continue
            certified = self.joined(person)
            valid_until = person.proof["valid_until"]
            if valid_until is not None:
                certified = max(certified, valid_until - timedelta(days=self.rng.randrange(200, 360)))
            self.s.add(CustomerTypeProof(person_id=person.row.id, certified_by=reception,
                                         certified_at=self.clamp(_at(certified, 10, self.rng.randrange(60))),
                                         **person.proof))

    def student_validity(self) -> date:
        """A term end some months ahead: 31 January or 31 August."""
        year = self.today.year + self.rng.randrange(0, 2)
        for candidate in (date(year, 1, 31), date(year, 8, 31), date(year + 1, 1, 31), date(year + 1, 8, 31)):
            if candidate > self.today + timedelta(days=45):
                return candidate
        return date(year + 2, 1, 31)

    def joined(self, person: _Person) -> date:
        """When the person became a customer (the first subscription's start, else some time ago)."""
        if person.since is None:
            person.since = self.today - timedelta(days=self.rng.randrange(30, 1500))
        return min(person.since, self.today)

    def clamp(self, moment: datetime) -> datetime:
        """Nothing in the demo happened after `now`."""
        return min(moment, self.now)

    # -- subscriptions ------------------------------------------------------
    def price_list_of(self, person: _Person):
        if person.profile == "organisation":
            pl_id = person.org.price_list_id
            return next(pl for pl in self.lists.values() if pl.id == pl_id) if pl_id else self.lists["Ordinarie"]
        row = person.row
        name = {"student": "Student", "pensionar": "Pensionär"}.get(row.customer_type, "Ordinarie")
        return self.lists[name]

    def mains_on(self, price_list, payment: str) -> list[str]:
        return [code for code in (MAIN_AG if payment == "AG" else MAIN_KONTANT)
                if (price_list.id, self.products[code].id) in self.prices]

    def price(self, price_list, code: str) -> int:
        product = self.products[code]
        return self.prices.get((price_list.id, product.id), product.price_ore)

    def scenario_dates(self, code: str, scenario: str) -> dict:
        """start, binding_end, charged_through, end_date, status (and freeze) for one main subscription."""
        rng, today = self.rng, self.today
        p = PRODUCTS[code]
        ag, months, binding, notice = p[2] == "AG", (p[5] or p[4]), p[6], p[7]

        def binding_end(start: date) -> date | None:
            return add_months(start, binding) - ONE_DAY if binding else None

        if ag:
            if scenario == "lagging":
                start = today - timedelta(days=rng.randrange(120, 900))
                k = grid_index(start, 1, today)
                behind = rng.choice((1, 1, 2))
                ct = grid_boundary(start, 1, k - behind + 1) - ONE_DAY
                return dict(start=start, binding_end=binding_end(start), charged_through=ct, status="aktivt")
            if scenario == "uppsagt":
                start = today - timedelta(days=rng.randrange(200, 900))
                cancelled = today - timedelta(days=rng.randrange(3, 25))
                end = notice_end(cancelled, notice, binding_end(start), True)
                final = rng.random() < 0.3
                ct = end if final else min(grid_interval(start, 1, today)[1], end)
                return dict(start=start, binding_end=binding_end(start), charged_through=ct, end_date=end,
                            status="uppsagt", final_payment=final)
            if scenario == "avslutat":
                start = today - timedelta(days=rng.randrange(700, 1500))
                end = today - timedelta(days=rng.randrange(20, 300))
                return dict(start=start, binding_end=binding_end(start), charged_through=end, end_date=end,
                            status="avslutat")
            if scenario in ("fryst", "framtida_frysning"):
                start = today - timedelta(days=rng.randrange(150, 700))
            else:
                start = today - timedelta(days=rng.randrange(10, 1000))
            ct = grid_interval(start, 1, today)[1]
            return dict(start=start, binding_end=binding_end(start), charged_through=ct, status="aktivt")
        # kontant
        if scenario == "lagging":
            ct = today - timedelta(days=rng.randrange(3, 60))
            start = add_months(ct + ONE_DAY, -months)
            return dict(start=start, binding_end=None, charged_through=add_months(start, months) - ONE_DAY,
                        status="aktivt")
        if scenario == "avslutat":
            ct = today - timedelta(days=rng.randrange(40, 400))
            start = add_months(ct + ONE_DAY, -months)
            return dict(start=start, binding_end=None, charged_through=add_months(start, months) - ONE_DAY,
                        end_date=add_months(start, months) - ONE_DAY, status="avslutat")
        # A freeze needs room: it starts inside the validity and the card has been used a while.
        margin = 35 if scenario in ("fryst", "framtida_frysning") else 0
        lo = 25 if margin else 0
        span = (add_months(today, months) - today).days
        while True:
            start = today - timedelta(days=rng.randrange(lo, span - margin))
            ct = add_months(start, months) - ONE_DAY
            if ct >= today + timedelta(days=margin):
                return dict(start=start, binding_end=None, charged_through=ct, status="aktivt")

    def add_subscription(self, person: _Person, code: str, scenario: str, *, payer: _Person | None = None,
                         addons: Sequence[str] = (), dates: dict | None = None):
        price_list = self.price_list_of(person)
        d = dates or self.scenario_dates(code, scenario)
        org_id = person.org.id if person.profile == "organisation" else None
        created = min(_at(d["start"] - timedelta(days=self.rng.randrange(0, 8)), 10), self.now)
        main = Subscription(
            product_id=self.products[code].id, user_id=person.row.id, payer_id=(payer or person).row.id,
            price_list_id=price_list.id, price_ore=self.price(price_list, code), organisation_id=org_id,
            start_date=d["start"], binding_end=d["binding_end"], charged_through=d["charged_through"],
            end_date=d.get("end_date"), status=d["status"], final_payment=d.get("final_payment", False),
            created_at=created)
        self.s.add(main)
        subs = [main]
        for addon_code in addons:
            addon = Subscription(
                product_id=self.products[addon_code].id, user_id=person.row.id, payer_id=main.payer_id,
                price_list_id=price_list.id, price_ore=self.price(price_list, addon_code), organisation_id=org_id,
                start_date=d["start"], binding_end=d["binding_end"], charged_through=d["charged_through"],
                end_date=d.get("end_date"), status=d["status"], final_payment=d.get("final_payment", False),
                created_at=created, parent=main)
            self.s.add(addon)
            subs.append(addon)
        if scenario in ("fryst", "framtida_frysning"):
            self.freeze(code, subs, scenario)
        person.since = d["start"] if person.since is None else min(person.since, d["start"])
        self.subscriptions.extend(subs)
        return main

    def freeze(self, code: str, subs: list, scenario: str) -> None:
        """A freeze planned by the domain, as the Frys routine would have written it."""
        rng, today = self.rng, self.today
        main = subs[0]
        kind = PRODUCTS[code][2]
        if scenario == "fryst":
            first = today - timedelta(days=rng.randrange(3, 20))
            planned_on = first
            ct0 = (grid_interval(main.start_date, 1, first)[1] if kind == "AG" else main.charged_through)
            status = "pagaende"
        else:
            first = today + timedelta(days=rng.randrange(4, 28))
            planned_on = today - timedelta(days=rng.randrange(0, 10))
            ct0 = main.charged_through
            status = "framtida"
        last = add_months(first, rng.randrange(2, 5)) - ONE_DAY

        def facts(sub) -> SubscriptionFacts:
            product = self.products_by_id[sub.product_id]
            return SubscriptionFacts(key=str(id(sub)), kind=product.payment, price_ore=sub.price_ore,
                                     interval_months=product.validity_months or product.interval_months,
                                     start=sub.start_date, charged_through=ct0, binding_end=sub.binding_end)

        plan = plan_freeze(facts(main), first, last, planned_on, FreezeRules(), [facts(s) for s in subs[1:]])
        reason = rng.choice(self.reasons) if self.reasons else None
        agent = None if rng.random() < 0.85 else f"{rng.choice(FEMALE + MALE)} {rng.choice(LAST)}"  # an ombud
        for sub, row in zip(subs, plan.rows):
            sub.charged_through = row.new_charged_through
            sub.status = "fryst" if status == "pagaende" else "framtida_frysning"
            self.s.add(Freeze(subscription=sub, start_date=first, end_date=last,
                              reason_id=reason.id if reason else None, kind="normal", status=status,
                              credited_days=row.frozen_paid_days,
                              agent_name=agent,
                              created_at=min(_at(planned_on, 11), self.now), created_by=self.user_id("reception")))

    def subscriptions_for_all(self) -> None:
        rng = self.rng
        self.products_by_id = {p.id: p for p in self.products.values()}
        with_main = [p for p in self.people if p.profile not in ("onlinekop", "tidigare")]
        # The special scenarios, each on a fixed number of people (the rest are simply active).
        pool = (["fryst"] * 8 + ["framtida_frysning"] * 5 + ["uppsagt"] * 8 + ["lagging_ag"] * 6
                + ["lagging_kontant"] * 4 + ["kommande"] * 2)
        candidates = [p for p in with_main if p.profile not in ("barn", "organisation") and not p.no_pnr]
        rng.shuffle(candidates)
        scenario_of = {id(p): s for p, s in zip(candidates, pool)}
        for person in with_main:
            scenario = scenario_of.get(id(person), "aktivt")
            price_list = self.price_list_of(person)
            ag_codes, kontant_codes = self.mains_on(price_list, "AG"), self.mains_on(price_list, "kontant")
            if scenario in ("uppsagt", "lagging_ag") or person.profile == "barn":
                payment = "AG"
            elif scenario in ("lagging_kontant", "kommande") or person.no_pnr:
                payment = "kontant"
            else:
                payment = "AG" if rng.random() < 0.65 else "kontant"
            codes = ag_codes if payment == "AG" else kontant_codes
            if not codes:  # an organisation list with only one kind
                codes = kontant_codes or ag_codes
            code = rng.choice(codes)
            addons = []
            if PRODUCTS[code][2] == "AG" and rng.random() < 0.3 and (price_list.id, self.products["HANDDUK"].id) \
                    in self.prices:
                addons.append("HANDDUK")
            payer = self.parent_of.get(id(person))
            kind_scenario = {"lagging_ag": "lagging", "lagging_kontant": "lagging"}.get(scenario, scenario)
            if scenario == "kommande":
                # A short kontant card about to run out; the next one is bought and starts the day after.
                old = min(kontant_codes, key=lambda c: PRODUCTS[c][5])
                months = PRODUCTS[old][5]
                start = add_months(self.today + timedelta(days=rng.randrange(5, 25)), -months)
                ct = add_months(start, months) - ONE_DAY
                self.add_subscription(person, old, "aktivt", dates=dict(
                    start=start, binding_end=None, charged_through=ct, status="aktivt"))
                nxt = ct + ONE_DAY
                person.main = self.add_subscription(person, code, "kommande", dates=dict(
                    start=nxt, binding_end=None, charged_through=add_months(nxt, PRODUCTS[code][5]) - ONE_DAY,
                    status="kommande"))
                continue
            person.main = self.add_subscription(person, code, kind_scenario, payer=payer, addons=addons)
            if kontant_codes and rng.random() < 0.1:  # history: the kontant card they had before
                before = rng.choice(kontant_codes)
                months = PRODUCTS[before][5]
                end = person.main.start_date - ONE_DAY
                start = add_months(end + ONE_DAY, -months)
                self.add_subscription(person, before, "avslutat", dates=dict(
                    start=start, binding_end=None, charged_through=end, end_date=end, status="avslutat"))
        # An adult paying for another adult (a partner), and customers who have left.
        partners = [p for p in with_main if p.profile == "ordinarie" and not p.no_pnr and p.main is not None
                    and p.main.payer_id == p.row.id and p.main.status == "aktivt"]
        for payer, user in zip(partners[0:2], partners[2:4]):
            user.main.payer_id = payer.row.id
            for addon in self.addons_of(user.main):
                addon.payer_id = payer.row.id
        for person in (p for p in self.people if p.profile == "tidigare"):
            codes = MAIN_AG if rng.random() < 0.5 else MAIN_KONTANT
            person.main = self.add_subscription(person, rng.choice(codes), "avslutat")
        self.s.flush()
        self.bump("subscriptions", len(self.subscriptions))

    def addons_of(self, main) -> list:
        return [s for s in self.subscriptions if s.parent is main]

    # -- autogiro -----------------------------------------------------------
    def bank_account(self, person: _Person) -> tuple[str, str, str]:
        if not person.coordination and self.rng.random() < 0.35:
            account = person.row.personnummer[2:]
            bank = parse_bank_account("3300", account)
            return bank.clearing, bank.account, bank.bank_name
        clearing, length = self.rng.choice((("5001", 7), ("5432", 7), ("1101", 7), ("3010", 7), ("1234", 7),
                                            ("3401", 7), ("6152", 9), ("6789", 9), ("9020", 7)))
        while True:
            try:
                bank = parse_bank_account(clearing, self.digits(length))
            except ValidationError:
                continue
            if bank.warning is None:
                return bank.clearing, bank.account, bank.bank_name

    def mandates(self) -> None:
        rng = self.rng
        by_row = {p.row.id: p for p in self.people}
        payers: list[_Person] = []
        for sub in self.subscriptions:
            if (sub.parent is None and self.products_by_id[sub.product_id].payment == "AG"
                    and sub.status in ("aktivt", "fryst", "framtida_frysning", "uppsagt")):
                payer = by_row[sub.payer_id]
                if payer not in payers:
                    payers.append(payer)
        rng.shuffle(payers)
        # One AG payer has no mandate at all; it must not be a parent (their child would show it too).
        without = next(p for p in payers if p.profile == "ordinarie" and p not in self.parent_of.values())
        statuses = ["avvisat"] + ["hos_bgc"] * 4
        count = 0
        for payer in payers:
            if payer is without:
                continue
            status = statuses.pop() if statuses else "aktivt"
            created = _at(self.joined(payer), 10)
            if status == "aktivt" and rng.random() < 0.06:  # an earlier mandate, replaced
                clearing, account, bank = self.bank_account(payer)
                self.s.add(AutogiroMandate(person_id=payer.row.id, holder_name=payer.row.full_name,
                                           holder_personnummer=payer.row.personnummer, clearing=clearing,
                                           account_number=account, bank_name=bank, status="makulerat",
                                           created_at=min(created, self.now), updated_at=self.now))
                count += 1
            clearing, account, bank = self.bank_account(payer)
            if status == "hos_bgc":
                created = _at(self.today - timedelta(days=rng.randrange(1, 6)), 10)
            self.s.add(AutogiroMandate(person_id=payer.row.id, holder_name=payer.row.full_name,
                                       holder_personnummer=payer.row.personnummer, clearing=clearing,
                                       account_number=account, bank_name=bank, status=status,
                                       created_at=min(created, self.now), updated_at=min(created, self.now)))
            count += 1
        self.without_mandate = without
        self.bump("mandates", count)

    # -- pre-orders and online purchases ------------------------------------
    def preorders(self) -> None:
        rng, today = self.rng, self.today
        orgs = [o for o in self.orgs if o.uses_preorders and o.price_list_id is not None]
        creator = self.user_id("kundansvarig")

        def product_for(org) -> object:
            codes = [c for c in MAIN_AG + MAIN_KONTANT if (org.price_list_id, self.products[c].id) in self.prices]
            return self.products[rng.choice(codes)]

        def add(org, name, status, *, pnr=None, birth=None, email=None, valid=None, used=None):
            valid_from, valid_to = valid or (today - timedelta(days=rng.randrange(0, 60)),
                                             today + timedelta(days=rng.randrange(14, 150)))
            row = PreOrder(organisation_id=org.id, product_id=(used.product_id if used else product_for(org).id),
                           valid_from=valid_from, valid_to=valid_to, name=name, personnummer=pnr, birth_date=birth,
                           email=email, status=status, created_by=creator,
                           created_at=min(_at(valid_from - timedelta(days=rng.randrange(1, 10)), 8), self.now))
            if used is not None:
                row.used_by_person_id, row.used_subscription_id = used.user_id, used.id
                row.used_at = min(_at(used.start_date, 10, 30), self.now)
            self.s.add(row)

        # Open pre-orders for existing private customers (Utnyttja avtal/förbeställning finds them).
        existing = [p for p in self.people if p.profile == "ordinarie" and p.row.personnummer
                    and not p.coordination][:6]
        for person in existing:
            add(rng.choice(orgs), person.row.full_name, "oppen", pnr=person.row.personnummer, email=person.row.email)
        # Open pre-orders for people who are not customers yet: by personnummer, and by birth date only.
        for i in range(25):
            gender = rng.choice("MK")
            first, last = rng.choice(MALE if gender == "M" else FEMALE), rng.choice(LAST)
            birth = self.birth_between(22, 62)
            email = self.email(first, last) if rng.random() < 0.85 else None
            if i < 18:
                add(rng.choice(orgs), f"{first} {last}", "oppen", pnr=self.personnummer(birth, gender), email=email)
            else:
                add(rng.choice(orgs), f"{first} {last}", "oppen", birth=birth, email=email)
        # Used ones: organisation customers who came in with a pre-order.
        used = [p for p in self.people if p.profile == "organisation" and p.org in orgs and p.main is not None][:4]
        for person in used:
            add(person.org, person.row.full_name, "utnyttjad", pnr=person.row.personnummer, email=person.row.email,
                valid=(person.main.start_date - timedelta(days=20), person.main.start_date + timedelta(days=60)),
                used=person.main)
        # Expired and removed ones.
        for i in range(4):
            gender = rng.choice("MK")
            first, last = rng.choice(MALE if gender == "M" else FEMALE), rng.choice(LAST)
            start = today - timedelta(days=rng.randrange(120, 300))
            add(rng.choice(orgs), f"{first} {last}", "utgangen" if i < 3 else "borttagen",
                pnr=self.personnummer(self.birth_between(25, 60), gender), email=self.email(first, last),
                valid=(start, start + timedelta(days=90)))
        self.bump("preorders", 6 + 25 + len(used) + 4)

    def online_purchases(self) -> None:
        claims = (("student", 10, "GYM_AG", ("HANDDUK",)), ("ordinarie", 20, "GYMBAD_AG", ()),
                  ("ordinarie", 3, "GYM12_K", ()), ("pensionar", 1, "GYM6_K", ()))
        people = [p for p in self.people if p.profile == "onlinekop"]
        for person, (claimed, days_ago, code, addons) in zip(people, claims):
            price_list = self.lists[{"student": "Student", "pensionar": "Pensionär"}.get(claimed, "Ordinarie")]
            registered = self.today - timedelta(days=days_ago)
            person.row.created_at = _at(registered, 19, 12)
            person.since = registered
            self.s.add(OnlinePurchase(
                person_id=person.row.id, product_id=self.products[code].id, price_list_id=price_list.id,
                customer_type=claimed, price_paid_ore=self.price(price_list, code),
                addon_product_ids=",".join(str(self.products[a].id) for a in addons), registered_on=registered,
                status="vantar"))
        self.bump("online_purchases", len(claims))

    # -- orders, payments, invoices -----------------------------------------
    def order(self, person: _Person, routine: str, lines: list[tuple], when: datetime, status: str,
              method: str | None = None):
        """lines: (product code or None, description, amount öre, VAT bp, period_from, period_to, subscription)."""
        order = Order(order_number=next_number(self.s, "order_number"), person_id=person.row.id, desk=DESK,
                      routine=routine, status=status, created_at=when, created_by=self.user_id("reception"))
        total = 0
        for code, text, amount, vat, first, last, sub in lines:
            order.lines.append(OrderLine(product_id=self.products[code].id if code else None,
                                         subscription_id=sub.id if sub is not None else None, description=text,
                                         period_from=first, period_to=last, quantity=1, unit_price_ore=amount,
                                         amount_ore=amount, vat_basis_points=vat))
            total += amount
        if status == "betald":
            order.paid_at = when + timedelta(minutes=2)
            paid = ((total + 50) // 100) * 100 if method == "kontant" else total
            order.payments.append(Payment(method=method, amount_ore=paid, paid_at=order.paid_at,
                                          user_id=self.user_id("reception")))
        self.s.add(order)
        self.bump("orders")
        return order

    def orders_and_invoices(self) -> None:
        rng, today = self.rng, self.today
        recent = [p for p in self.people if p.main is not None and p.main.status in ("aktivt", "fryst")
                  and (today - p.main.start_date).days <= 90]
        for person in recent[:40]:
            main = person.main
            pl = self.price_list_of(person)
            product = self.products_by_id[main.product_id]
            lines = [(product.code, product.name, main.price_ore, product.vat_basis_points, main.start_date,
                      add_months(main.start_date, product.validity_months or product.interval_months) - ONE_DAY,
                      main)]
            admin_price = self.price(pl, "ADMIN")
            if admin_price:
                lines.append(("ADMIN", "Administrationsavgift", admin_price, 2500, None, None, None))
            if rng.random() < 0.4:
                lines.append(("KORT", "Inpasseringskort", self.price(pl, "KORT"), 2500, None, None, None))
            method = rng.choice(("kort", "kort", "swish", "kontant", "faktura"))
            order = self.order(person, "Registrera ny privatkund" if person.profile != "organisation"
                               else "Registrera ny organisationskund", lines,
                               self.clamp(_at(main.start_date, 10, rng.randrange(60))), "betald", method)
            if method == "faktura":
                self.s.flush()
                issued = main.start_date
                self.invoice(person, "faktura", issued, sum(l[2] for l in lines), order_id=order.id,
                             paid=(today - issued).days > 20)
        # Unpaid orders (skuld): catch-up of lagging AG, a new card, a final payment, a value card.
        lagging = [p for p in self.people if p.main is not None and p.main.status == "aktivt"
                   and self.products_by_id[p.main.product_id].payment == "AG"
                   and p.main.charged_through < grid_interval(p.main.start_date, 1, today)[1]]
        for person in lagging[:2]:
            main = person.main
            first, last = main.charged_through + ONE_DAY, grid_interval(main.start_date, 1, today)[1]
            months = grid_index(main.start_date, 1, last) - grid_index(main.start_date, 1, first) + 1
            product = self.products_by_id[main.product_id]
            self.order(person, "Debitera", [(product.code, f"{product.name}, debitera ikapp", main.price_ore * months,
                                             product.vat_basis_points, first, last, main)],
                       self.clamp(_at(today - timedelta(days=rng.randrange(0, 4)), 7)), "oppen")
        others = [p for p in self.people if p.profile == "ordinarie" and p.main is not None
                  and p.main.status == "aktivt" and p not in lagging][-3:]
        kinds = (("Nytt medlemskort", "KORT", "Inpasseringskort"),
                 ("Sälj värdekort", "KLIPP10", "10-klippkort"),
                 ("Teckna abonnemang", "FORSAKRING", "Olycksfallsförsäkring"))
        for person, (routine, code, text) in zip(others, kinds):
            pl = self.price_list_of(person)
            self.order(person, routine, [(code, text, self.price(pl, code),
                                          PRODUCTS[code][11], None, None, None)],
                       self.clamp(_at(today - timedelta(days=rng.randrange(1, 9)), 15)), "oppen")
        # Unpaid invoices: a returned autogiro debit and overdue invoices.
        debtors = [p for p in self.people if p.profile in ("ordinarie", "alderspensionar") and p.main is not None
                   and p.main.status == "aktivt"][5:8]
        for i, person in enumerate(debtors):
            issued = today - timedelta(days=rng.randrange(35, 70))
            invoice = self.invoice(person, "autogiro" if i == 0 else "faktura", issued, person.main.price_ore,
                                   paid=False)
            if i == 0:  # the returned debit: Bankgirot reported "täckning saknas" (issue 17)
                self.s.flush()
                self.s.add(AutogiroDebit(
                    subscription_id=person.main.id, payer_id=person.row.id,
                    payer_number=str(person.row.customer_number), debit_date=issued, amount_ore=invoice.amount_ore,
                    period_from=issued, period_to=issued + timedelta(days=29), invoice_id=invoice.id,
                    status="misslyckad", result_code="1", result_text="Täckning saknas – dragningen gick inte igenom.",
                    created_at=_at(issued - timedelta(days=5)), updated_at=_at(issued + timedelta(days=1))))

    def invoice(self, person: _Person, kind: str, issued: date, amount: int, *, order_id=None, paid=False):
        row = Invoice(invoice_number=next_number(self.s, "invoice_number"), person_id=person.row.id,
                      kind=kind, issued_on=issued, due_on=issued + timedelta(days=30), amount_ore=amount,
                      paid_ore=amount if paid else 0, status="betald" if paid else "obetald", order_id=order_id)
        self.s.add(row)
        self.bump("invoices")
        return row

    # -- the person card's other sections -----------------------------------
    def cards_photos_and_more(self) -> None:
        rng, today = self.rng, self.today
        no_card = {id(p) for p in self.people if p.profile == "onlinekop"}
        no_card |= {id(p) for p in rng.sample([p for p in self.people if p.profile != "onlinekop"], 8)}
        no_photo = {id(p) for p in self.people if p.profile == "onlinekop"}
        no_photo |= {id(p) for p in rng.sample(self.people, 24)}
        blocked = {id(p) for p in rng.sample([p for p in self.people if id(p) not in no_card], 10)}
        card_product = self.products["KORT"].id
        staff = [self.user_id(u) for u in ("reception", "kundansvarig")]
        photos = cards = 0
        shuffled = list(self.people)
        rng.shuffle(shuffled)
        for person, message in zip(shuffled[:6], INTERNAL_MESSAGES):
            person.row.internal_message = message
        for person in self.people:
            row, joined = person.row, self.joined(person)
            row.created_at = min(_at(joined, 10), self.now)
            # Customers who joined since the simplified routines were taken into use (about four months ago)
            # were registered with them, and carry the configured internal message as the routine leaves it.
            if person.profile not in ("tidigare", "onlinekop") and (today - joined).days <= 120:
                row.registered_with_routines = True
                current = (row.internal_message or "").strip()
                row.internal_message = f"{current}\n\n{ROUTINES_MESSAGE}" if current else ROUTINES_MESSAGE
            if id(person) not in no_card:
                issued = min(_at(joined, 10, 5), self.now)
                if id(person) in blocked:  # lost the old card: blocked, a new one issued the same day
                    lost_on = self.clamp(max(_at(today - timedelta(days=rng.randrange(5, 200)), 12), issued))
                    self.s.add(Card(person_id=row.id, card_number=self.card_number(), status="sparrat",
                                    issued_at=issued, blocked_at=lost_on))
                    issued = lost_on
                    cards += 1
                self.s.add(Card(person_id=row.id, card_number=self.card_number(), status="aktivt", issued_at=issued,
                                product_id=card_product if rng.random() < 0.5 else None))
                cards += 1
            if id(person) not in no_photo:
                initials = (fold(person.first)[:1] + fold(person.last)[:1]).upper()
                self.s.add(Photo(person_id=row.id, jpeg=portrait_jpeg(initials, rng.choice(_PALETTE)),
                                 taken_at=min(_at(joined, 10, 4), self.now), is_current=True))
                photos += 1
        # Card blocked with no new one yet (spärrat kort): the person's only card is blocked.
        lost = [p for p in self.people if id(p) in no_card and p.profile == "ordinarie"][:2]
        for person in lost:
            self.s.add(Card(person_id=person.row.id, card_number=self.card_number(), status="sparrat",
                            issued_at=min(_at(self.joined(person), 10), self.now),
                            blocked_at=self.now - timedelta(days=rng.randrange(1, 10))))
            cards += 1
        # Notes, journal, documents, bookings, value cards.
        for person in shuffled[6:26]:
            self.s.add(Note(person_id=person.row.id, kind="anteckning", text=rng.choice(NOTES),
                            created_at=self.now - timedelta(days=rng.randrange(1, 300), hours=rng.randrange(8)),
                            created_by=rng.choice(staff)))
        for person, text in zip(shuffled[26:30], JOURNAL):
            self.s.add(Note(person_id=person.row.id, kind="journal", text=text,
                            created_at=self.now - timedelta(days=rng.randrange(1, 200)),
                            created_by=self.user_id("kundansvarig")))
        for i, person in enumerate(shuffled[30:34]):
            if i % 2:
                self.s.add(Document(person_id=person.row.id, filename="medlemsavtal.pdf", content=_PDF,
                                    show_on_web=True, created_at=self.now - timedelta(days=rng.randrange(1, 300)),
                                    created_by=staff[0]))
            else:
                text = (f"Läkarintyg för {person.row.full_name}: får träna med lätt belastning t.o.m. "
                        f"{today + timedelta(days=60):%Y-%m-%d}.\n").encode("utf-8")
                self.s.add(Document(person_id=person.row.id, filename="intyg.txt", content=text,
                                    only_owner_visible=True, processed=True,
                                    created_at=self.now - timedelta(days=rng.randrange(1, 100)), created_by=staff[1]))
        for person in shuffled[34:64]:
            for _ in range(rng.randrange(1, 4)):
                when = _at(today + timedelta(days=rng.randrange(-40, 20)), rng.choice((6, 7, 15, 16, 17)),
                           rng.choice((0, 30)))
                price = rng.choice((0, 0, 0, 9000, 15000))
                self.s.add(Booking(person_id=person.row.id, activity=rng.choice(ACTIVITIES), starts_at=when,
                                   price_ore=price, debited=price > 0 and when < self.now))
        for person in shuffled[64:84]:
            code = rng.choice(("KLIPP10", "KLIPP10", "BAD10"))
            bought = today - timedelta(days=rng.randrange(1, 300))
            self.s.add(ValueCard(person_id=person.row.id, product_id=self.products[code].id,
                                 name=PRODUCTS[code][0], clips_total=10, clips_left=rng.randrange(0, 11),
                                 valid_to=add_months(bought, 12), bought_on=bought))
        self.bump("cards", cards)
        self.bump("photos", photos)

    def person_register(self) -> None:
        """A small population-register extract for Personuppslagning: the pre-ordered people who are
        not customers yet, some other non-customers, and one with protected identity (no address)."""
        self.s.flush()  # the pre-orders were only added (autoflush is off while seeding)
        customers = {p.row.personnummer for p in self.people if p.row.personnummer}
        wanted: dict[str, tuple[str, str]] = {}
        for pre in self.s.scalars(select(PreOrder).where(PreOrder.personnummer.is_not(None))):
            if pre.personnummer not in customers:
                first, _, last = pre.name.partition(" ")
                wanted[pre.personnummer] = (first, last or first)
        rng = self.rng
        for _ in range(12):
            gender = rng.choice("MK")
            first, last = rng.choice(MALE if gender == "M" else FEMALE), rng.choice(LAST)
            pnr = self.personnummer(self.birth_between(18, 80), gender)
            if pnr not in customers:
                wanted[pnr] = (first, last)
        for i, (pnr, (first, last)) in enumerate(sorted(wanted.items())):
            protected = i == 0
            addr = self.address()
            self.s.add(PersonRegisterEntry(personnummer=pnr, first_name=first, last_name=last,
                                           street=None if protected else addr.street,
                                           postal_code=None if protected else addr.postal_code,
                                           town=None if protected else addr.town, protected_identity=protected))
        self.s.flush()
        self.bump("register_entries", len(wanted))

    def run(self) -> DemoSummary:
        ensure_reference_data(self.s)  # rights, roles and deviation types, should the caller not have
        self.users_and_roles()
        self.catalogue()
        self.settings()
        self.organisations()
        self.plan_people()
        self.insert_people()
        self.customer_types()
        self.subscriptions_for_all()
        self.write_proofs()
        self.mandates()
        self.preorders()
        self.person_register()
        self.online_purchases()
        self.orders_and_invoices()
        self.cards_photos_and_more()
        self.s.add(Setting(key=MARKER_KEY, value=json.dumps(self.today.isoformat())))
        self.s.flush()
        return DemoSummary(**{k: v for k, v in self.counts.items()})


def is_seeded(session: Session) -> bool:
    """True when demo data was seeded, or the database already has customers (never mix demo data in)."""
    return (session.get(Setting, MARKER_KEY) is not None
            or session.scalar(select(func.count()).select_from(Person)) > 0)


def seed_demo(session: Session, today: date, now: datetime) -> DemoSummary:
    """Fill an empty database with the demo data, inside the caller's transaction.

    Deterministic (fixed random seed, dates relative to `today`); a second call,
    or a call on a database that already has customers, adds nothing.
    """
    if is_seeded(session):
        return DemoSummary(already_seeded=True)
    with session.no_autoflush:  # the builder flushes when it needs ids; autoflush would flush per number
        return _Builder(session, today, now).run()
