"""Sök person (SPEC §2.1): one search box that works out what was typed, and card lookup.

What the text is decides the query, and every query is an indexed lookup so a
search stays interactive at a million persons:

* letters -> name. One word is a prefix of the first OR the last name; two or
  more words are a first-name prefix AND a last-name prefix, in either order
  (for three words every split is tried, so "anna maria sv" finds the first
  name "Anna Maria"). Case and accents do not matter ("ake" finds "Åke"): the
  text is folded like the stored ``*_norm`` keys. Prefixes are range predicates
  (``col >= p AND col < p_next``) so SQLite and PostgreSQL both walk the btree;
  LIKE would not use the index under PostgreSQL's collations.
* '@' -> e-mail, a prefix of ``email_norm`` (so the whole address matches exactly).
* digits (spaces, '-', '+', parentheses allowed):
  - a valid personnummer or samordningsnummer (10 or 12 digits, checksum) ->
    that person, exactly;
  - otherwise, and also when such a personnummer is not a customer: a card
    number (active or blocked card), a customer number, or a phone number
    (mobile, home or work), compared as E.164: a number without a country code belongs to the
    desk's country, so "070-123 45 67" finds "+46701234567" and "+47 912 34 567" a Norwegian phone.
* Unicode digits (full-width, Arabic-Indic, …) count as their ASCII digits, and control characters
  (a NUL) are ignored (app.domain.inputs), so what is typed or pasted never breaks the query.

At most ``limit`` hits (default 50); ``truncated`` says there were more.
"""
from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from app.domain.personnummer import parse_personnummer
from app.domain.inputs import ascii_key, phone_key, searchable
from app.domain.text import fold, normalise_email
from app.errors import ValidationError

DEFAULT_LIMIT = 50
MAX_NAME_WORDS = 4
_NUMBER_CHARS = re.compile(r"[\s\-+()]")
MAX_QUERY = 200  # characters of a search that are looked at; nothing longer is a name, number or address


class SearchKind(enum.Enum):
    EMPTY = "tom"
    PERSONNUMMER = "personnummer"
    NUMBER = "nummer"          # digits that are no valid personnummer: card, customer number, phone
    CARD = "kortnummer"
    CUSTOMER_NUMBER = "kundnummer"
    PHONE = "telefon"
    EMAIL = "e-post"
    NAME = "namn"


@dataclass(frozen=True)
class PersonHit:
    person_id: int
    customer_number: int
    name: str
    personnummer_display: str
    birth_date: date
    email: str
    mobile: str
    card_number: str
    customer_type: str


@dataclass(frozen=True)
class SearchResult:
    kind: SearchKind
    hits: list[PersonHit]
    truncated: bool = False
    personnummer: str | None = None  # canonical 12 digits when a valid personnummer was typed

    @property
    def not_found_personnummer(self) -> bool:
        """A valid personnummer that is no customer (Personuppslagning hooks in here)."""
        return self.personnummer is not None and not self.hits


@dataclass(frozen=True)
class CardLookup:
    person_id: int | None
    blocked: bool


CUSTOMER_TYPE_NAMES = {"ordinarie": "Ordinarie", "student": "Student", "pensionar": "Pensionär"}


def format_personnummer(digits12: str | None) -> str:
    """YYYYMMDD-NNNN as the UI shows it; empty for people without one."""
    if not digits12:
        return ""
    return f"{digits12[:8]}-{digits12[8:]}"


def _digits_only(text: str) -> str | None:
    cleaned = _NUMBER_CHARS.sub("", ascii_key(text))
    return cleaned if cleaned.isascii() and cleaned.isdigit() else None


def clean_query(text: str | None) -> str:
    """What a search looks at: the app's key spelling (ASCII digits), without control characters,
    lone surrogates or invisible characters (a NUL must not reach the database), at most MAX_QUERY."""
    return searchable(ascii_key(text or ""))[:MAX_QUERY].strip()


def classify(text: str, today: date) -> SearchKind:
    """What the receptionist typed: EMPTY, PERSONNUMMER, NUMBER, EMAIL or NAME."""
    stripped = clean_query(text)
    if not stripped:
        return SearchKind.EMPTY
    if "@" in stripped:
        return SearchKind.EMAIL
    digits = _digits_only(stripped)
    if digits is not None:
        if len(digits) in (10, 12):
            try:
                parse_personnummer(stripped, today)
                return SearchKind.PERSONNUMMER
            except ValidationError:
                pass
        return SearchKind.NUMBER
    return SearchKind.NAME


def prefix_bounds(prefix: str) -> tuple[str, str]:
    """[prefix, next) such that every string starting with prefix lies inside, for a range predicate."""
    return prefix, prefix[:-1] + chr(ord(prefix[-1]) + 1)


def _prefix(column, prefix: str):
    low, high = prefix_bounds(prefix)
    # The search-key columns sort by code point on both databases (db.models.search_key), so the
    # range is exactly "starts with" and the index answers it, stopping after LIMIT rows.
    return and_(column >= low, column < high)


def _hit_columns():
    from db.models import Person

    return (Person.id, Person.customer_number, Person.first_name, Person.last_name, Person.personnummer,
            Person.birth_date, Person.email, Person.mobile, Person.customer_type,
            Person.last_name_norm, Person.first_name_norm)


def _rows(session: Session, *conditions, order_by=(), limit: int):
    stmt = select(*_hit_columns()).where(*conditions)
    if order_by:
        stmt = stmt.order_by(*order_by)
    return list(session.execute(stmt.limit(limit)))


def _to_hits(session: Session, rows, limit: int) -> tuple[list[PersonHit], bool]:
    """Deduplicate in the given order, cut to limit, add each person's active card (one query)."""
    from db.models import Card

    seen: dict[int, object] = {}
    for row in rows:
        seen.setdefault(row.id, row)
    ordered = list(seen.values())
    truncated = len(ordered) > limit
    ordered = ordered[:limit]
    cards: dict[int, str] = {}
    if ordered:
        for person_id, number in session.execute(
                select(Card.person_id, Card.card_number)
                .where(Card.person_id.in_([r.id for r in ordered]), Card.status == "aktivt")
                .order_by(Card.issued_at)):
            cards[person_id] = number  # the newest active card wins
    hits = [PersonHit(person_id=r.id, customer_number=r.customer_number, name=f"{r.first_name} {r.last_name}",
                      personnummer_display=format_personnummer(r.personnummer), birth_date=r.birth_date,
                      email=r.email or "", mobile=r.mobile or "", card_number=cards.get(r.id, ""),
                      customer_type=CUSTOMER_TYPE_NAMES.get(r.customer_type, r.customer_type))
            for r in ordered]
    return hits, truncated


def _name_key(row) -> tuple[str, str, int]:
    return (row.last_name_norm, row.first_name_norm, row.id)


def _search_name(session: Session, text: str, limit: int):
    from db.models import Person

    words = fold(text).split()[:MAX_NAME_WORDS]
    rows = []
    if len(words) == 1:
        word = words[0]
        # Two single-index queries (each ordered by its own index) instead of one OR, so both
        # databases walk an index and stop at the limit.
        rows += _rows(session, _prefix(Person.last_name_norm, word),
                      order_by=(Person.last_name_norm, Person.first_name_norm), limit=limit + 1)
        rows += _rows(session, _prefix(Person.first_name_norm, word), order_by=(Person.first_name_norm,),
                      limit=limit + 1)
    else:
        for split in range(1, len(words)):
            head, tail = " ".join(words[:split]), " ".join(words[split:])
            for first, last in ((head, tail), (tail, head)):
                rows += _rows(session, _prefix(Person.last_name_norm, last), _prefix(Person.first_name_norm, first),
                              order_by=(Person.last_name_norm, Person.first_name_norm), limit=limit + 1)
    rows.sort(key=_name_key)
    return rows


def _search_email(session: Session, text: str, limit: int):
    from db.models import Person

    email = normalise_email(text) or ""
    return _rows(session, _prefix(Person.email_norm, email), order_by=(Person.email_norm,), limit=limit + 1)


def _search_number(session: Session, digits: str, typed: str, limit: int,
                   country: str = "SE") -> tuple[SearchKind, list]:
    """Card, then customer number, then phone; the kind is the first that matched."""
    from db.models import Card, Person

    card_ids = list(session.scalars(
        select(Card.person_id).where(Card.card_number == digits)
        .order_by((Card.status == "aktivt").desc(), Card.issued_at.desc()).limit(limit + 1)))
    rows_by_id: dict[int, object] = {}
    kind = SearchKind.NUMBER
    if card_ids:
        kind = SearchKind.CARD
        for row in _rows(session, Person.id.in_(card_ids), limit=limit + 1):
            rows_by_id[row.id] = row
    ordered = [rows_by_id[i] for i in dict.fromkeys(card_ids) if i in rows_by_id]
    if len(digits) <= 9:  # customer numbers are integers
        customer = _rows(session, Person.customer_number == int(digits), limit=1)
        if customer and kind is SearchKind.NUMBER:
            kind = SearchKind.CUSTOMER_NUMBER
        ordered += customer
    phone = phone_key(typed, country)
    if phone:
        matches = []
        for column in (Person.mobile_digits, Person.phone_home_digits, Person.phone_work_digits):
            # No ORDER BY: an equality match is a handful of rows, and an ORDER BY on another column
            # could make the planner walk that column's index instead (a full scan).
            matches += _rows(session, column == phone, limit=limit + 1)
        matches.sort(key=_name_key)
        if matches and kind is SearchKind.NUMBER:
            kind = SearchKind.PHONE
        ordered += matches
    return kind, ordered


def search_persons(session: Session, text: str, today: date, limit: int = DEFAULT_LIMIT,
                   country: str = "SE") -> SearchResult:
    """Search as SPEC §2.1 describes; see the module docstring for the rules. ``country`` is the
    desk's default country: a phone number typed without a country code belongs to it."""
    from db.models import Person

    stripped = clean_query(text)
    kind = classify(stripped, today)
    if kind is SearchKind.EMPTY:
        return SearchResult(kind, [])
    if kind is SearchKind.NAME:
        hits, truncated = _to_hits(session, _search_name(session, stripped, limit), limit)
        return SearchResult(kind, hits, truncated)
    if kind is SearchKind.EMAIL:
        hits, truncated = _to_hits(session, _search_email(session, stripped, limit), limit)
        return SearchResult(kind, hits, truncated)
    digits = _digits_only(stripped) or ""
    personnummer = None
    if kind is SearchKind.PERSONNUMMER:
        personnummer = parse_personnummer(stripped, today).digits12
        rows = _rows(session, Person.personnummer == personnummer, limit=1)
        if rows:
            hits, _ = _to_hits(session, rows, limit)
            return SearchResult(kind, hits, False, personnummer)
        # A number that happens to pass the checksum may still be a card or a phone number.
        found_kind, rows = _search_number(session, digits, stripped, limit, country)
        if rows:
            kind = found_kind
    else:
        kind, rows = _search_number(session, digits, stripped, limit, country)
    hits, truncated = _to_hits(session, rows, limit)
    return SearchResult(kind, hits, truncated, personnummer)


def find_person_by_card(session: Session, card_number: str) -> CardLookup:
    """Whose card is this? An active card wins over blocked history; a blocked-only card says so."""
    from db.models import Card

    number = re.sub(r"[\s-]+", "", clean_query(card_number))
    if not number:
        return CardLookup(None, False)
    row = session.execute(
        select(Card.person_id, Card.status).where(Card.card_number == number)
        .order_by((Card.status == "aktivt").desc(), Card.issued_at.desc()).limit(1)).first()
    if row is None:
        return CardLookup(None, False)
    return CardLookup(row.person_id, row.status != "aktivt")

