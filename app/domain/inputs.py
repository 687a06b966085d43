"""The input rules every routine, query, import and widget shares (issue 15, docs/decisions/input-rules.md).

One place for each kind of value:

* **Keys** (personnummer, organisationsnummer, card, customer and bank-account numbers, phones,
  postal codes): `ascii_key` folds what was typed or pasted with NFKC and turns every Unicode
  decimal digit (category Nd: full-width, Arabic-Indic, Devanagari, …) into its ASCII digit, so one
  key has one spelling in the database, whichever keyboard or paste it came from.
* **Text**: `check_text` refuses control characters (NUL and the other C0/C1 codes; newline and
  tab only in multi-line fields), lone surrogates and invisible formatting characters (zero-width
  space, word joiner, byte-order mark, bidi overrides), and text longer than its column.
  The length is declared ONCE, as the model column's ``String(n)`` in db/models.py;
  `max_length(field)` reads it for the routines and for the widgets' ``setMaxLength``.
  `check_name` adds: a name contains at least one letter.
* **Dates**: `check_date` bounds every business date to 1900-01-01 … 2100-12-31.
* **Amounts**: `check_amount` bounds every amount to what the till and its integer column hold.
* **E-mail**: `check_email` is the one validator (the `email-validator` package, no network).
* **Phones**: `phone_key` is E.164 from the `phonenumbers` package with the desk's country as
  the default for numbers typed without a country code.

`check_command` walks a routine's command (a frozen dataclass, nested ones too) and applies the
text, date and amount rules to every field; the routine engine runs it before every routine.
"""
from __future__ import annotations

import dataclasses
import unicodedata
from datetime import date
from typing import Any

from app.errors import NotFound, ValidationError

# --------------------------------------------------------------------------
# Keys
# --------------------------------------------------------------------------


def ascii_key(text: str | None) -> str:
    """NFKC, then every Unicode decimal digit as its ASCII digit: '１９８５' -> '1985', '٣' -> '3'."""
    if not text:
        return ""
    folded = unicodedata.normalize("NFKC", text)
    out = []
    for ch in folded:
        if ch.isdigit() and not ("0" <= ch <= "9"):
            value = unicodedata.decimal(ch, None)
            out.append(str(value) if value is not None else ch)
        else:
            out.append(ch)
    return "".join(out)


def is_ascii_digits(text: str) -> bool:
    return bool(text) and text.isascii() and text.isdigit()


# --------------------------------------------------------------------------
# Text
# --------------------------------------------------------------------------

# Invisible formatting characters that make text look different from what it is.
_INVISIBLE = frozenset("\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e"
                       "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f")
_MULTILINE_OK = frozenset("\n\t")

# Command field -> the model column whose String(n) is its limit. Field names are the dataclass
# field names the routines' commands use (app/routines/**), so the engine can check every command.
FIELD_COLUMNS: dict[str, str] = {
    "first_name": "persons.first_name",
    "last_name": "persons.last_name",
    "email": "persons.email",
    "mobile": "persons.mobile",
    "phone_home": "persons.phone_home",
    "phone_work": "persons.phone_work",
    "street": "addresses.street",
    "co": "addresses.co",
    "postal_code": "addresses.postal_code",
    "town": "addresses.town",
    "country": "addresses.country",
    "interests": "persons.marketing_interests",
    "source": "persons.marketing_source",
    "employee_number": "persons.staff_employee_number",
    "position": "persons.staff_position",
    "notes": "persons.staff_notes",
    "internal_message": "persons.internal_message",
    "customer_message": "persons.customer_message",
    "text": "notes.text",
    "filename": "documents.filename",
    "agent_name": "freezes.agent_name",
    "holder_name": "autogiro_mandates.holder_name",
    "name": "preorders.name",
    "card_number": "cards.card_number",
    "description": "order_lines.description",
    "org_name": "organisations.name",
}
# Text kept only in the audit log (a Text column): its limit is declared here, once.
FIELD_LIMITS = {"reason": 500}

# How a message names the field ("Förnamnet får vara högst 100 tecken.").
FIELD_LABELS = {
    "first_name": "Förnamnet", "last_name": "Efternamnet", "email": "E-postadressen", "mobile": "Mobilnumret",
    "phone_home": "Telefonnumret (hem)", "phone_work": "Telefonnumret (arbete)", "street": "Gatuadressen",
    "co": "c/o-adressen", "postal_code": "Postnumret", "town": "Orten", "interests": "Intressen",
    "source": "Källan", "employee_number": "Anställningsnumret", "position": "Befattningen",
    "notes": "Anteckningen", "internal_message": "Det interna meddelandet", "customer_message": "Kundmeddelandet",
    "text": "Anteckningen", "filename": "Filnamnet", "agent_name": "Ombudets namn",
    "holder_name": "Kontoinnehavarens namn", "name": "Namnet", "card_number": "Kortnumret", "reason": "Orsaken",
}

# Free text that may span lines (Text columns without a length get this cap).
MULTILINE_FIELDS = frozenset({"notes", "internal_message", "customer_message", "text", "reason"})
TEXT_CAP = 4000
DEFAULT_CAP = 200  # a str command field that is no known column (kept short; nothing stores it as is)

CONTROL_MESSAGE = ("Texten innehåller osynliga tecken eller styrtecken (t.ex. från inklistrad text). "
                   "Skriv in texten igen.")


def max_length(field: str) -> int:
    """The longest text the field takes: the String(n) of its model column (one declaration)."""
    if field in FIELD_LIMITS:
        return FIELD_LIMITS[field]
    column = FIELD_COLUMNS.get(field)
    if column is None:
        return DEFAULT_CAP
    from db.models import Base

    table, name = column.split(".")
    length = getattr(Base.metadata.tables[table].c[name].type, "length", None)
    return length if length else TEXT_CAP


def text_problem(text: str, field: str = "", *, multiline: bool | None = None) -> str | None:
    """The Swedish message for text the database or a later reader would choke on, or None."""
    if multiline is None:
        multiline = field in MULTILINE_FIELDS
    for ch in text:
        code = ord(ch)
        if 0xD800 <= code <= 0xDFFF:
            return CONTROL_MESSAGE
        if ch in _INVISIBLE:
            return CONTROL_MESSAGE
        if unicodedata.category(ch) == "Cc" and not (multiline and ch in _MULTILINE_OK or multiline and ch == "\r"):
            return CONTROL_MESSAGE
    limit = max_length(field)
    if len(text) > limit:
        return f"{FIELD_LABELS.get(field, 'Texten')} får vara högst {limit} tecken."
    return None


def check_text(text: str | None, field: str, *, multiline: bool | None = None) -> str:
    """Return the text (CR LF as LF) or raise ValidationError at the field."""
    value = (text or "").replace("\r\n", "\n")
    problem = text_problem(value, field, multiline=multiline)
    if problem:
        raise ValidationError(problem, field=field)
    return value


def searchable(text: str) -> str:
    """The text without what may never reach a query: control characters, lone surrogates, invisibles."""
    return "".join(ch for ch in text if not (0xD800 <= ord(ch) <= 0xDFFF or ch in _INVISIBLE
                                             or unicodedata.category(ch) == "Cc"))


def has_letter(text: str) -> bool:
    return any(unicodedata.category(ch).startswith("L") for ch in text)


def check_name(text: str | None, field: str, missing: str) -> str:
    """A name: clean text with at least one letter; white space collapsed."""
    value = check_text(text, field, multiline=False)
    collapsed = " ".join(value.split())
    if not collapsed:
        raise ValidationError(missing, field=field)
    if not has_letter(collapsed):
        raise ValidationError("Namnet måste innehålla minst en bokstav.", field=field)
    return collapsed


# --------------------------------------------------------------------------
# Dates and amounts
# --------------------------------------------------------------------------

DATE_MIN = date(1900, 1, 1)
DATE_MAX = date(2100, 12, 31)
DATE_RANGE_MESSAGE = "Datumet måste ligga mellan 1900-01-01 och 2100-12-31."

# Integer öre; the columns are 32-bit integers on PostgreSQL. 10 000 000 kr is far above anything a
# desk takes, and every sum of a few such amounts still fits.
MAX_AMOUNT_ORE = 1_000_000_000
AMOUNT_RANGE_MESSAGE = "Beloppet är för stort. Kassan tar högst 10 000 000,00 kr."


def date_in_range(value: date) -> bool:
    return DATE_MIN <= value <= DATE_MAX


def check_date(value: date | None, field: str = "date") -> date | None:
    if value is not None and not date_in_range(value):
        raise ValidationError(DATE_RANGE_MESSAGE, field=field)
    return value


def check_amount(ore: int | None, field: str = "amount") -> int | None:
    if ore is not None and abs(ore) > MAX_AMOUNT_ORE:
        raise ValidationError(AMOUNT_RANGE_MESSAGE, field=field)
    return ore


# --------------------------------------------------------------------------
# E-mail and phones
# --------------------------------------------------------------------------

EMAIL_MESSAGE = "E-postadressen är ogiltig. Den ska se ut som namn@exempel.se."


def email_problem(text: str) -> str | None:
    from email_validator import EmailNotValidError, validate_email

    try:
        checked = validate_email(text.strip(), check_deliverability=False)
    except EmailNotValidError:
        return EMAIL_MESSAGE
    if len(checked.ascii_domain.rsplit(".", 1)[-1]) < 2:  # no top-level domain has one letter
        return EMAIL_MESSAGE
    return None


def is_email(text: str) -> bool:
    return email_problem(text or "") is None


def check_email(text: str, field: str = "email") -> str:
    value = text.strip()
    problem = text_problem(value, field) or email_problem(value)
    if problem:
        raise ValidationError(problem, field=field)
    return value


PHONE_COUNTRIES = ("SE", "NO", "FI", "DK")


def phone_key(text: str | None, default_country: str = "SE") -> str | None:
    """E.164 ('+46701234567') of a phone number as typed; None when it is no possible number.

    A number without a country code belongs to the desk's country; '+47 912 34 567' and
    '0047 912 34 567' keep theirs."""
    import phonenumbers

    typed = ascii_key(text).strip()
    if not typed:
        return None
    if typed.startswith("00"):
        typed = "+" + typed[2:]
    country = default_country if default_country in PHONE_COUNTRIES else "SE"
    try:
        number = phonenumbers.parse(typed, country)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


# --------------------------------------------------------------------------
# Whole commands (the routine engine's check)
# --------------------------------------------------------------------------

NAME_FIELDS = frozenset({"first_name", "last_name", "holder_name", "name", "agent_name"})


MAX_ID = 2 ** 31 - 1  # ids and counts are 32-bit integer columns on PostgreSQL


def _walk(value: Any, name: str) -> None:
    if isinstance(value, str):
        check_text(value, name)
        if name in NAME_FIELDS and value.strip() and not has_letter(value):
            raise ValidationError("Namnet måste innehålla minst en bokstav.", field=name)
    elif isinstance(value, bool):
        return
    elif isinstance(value, int):
        if name.endswith("_ore"):
            check_amount(value, name)
        elif name.endswith("_id") or name.endswith("_ids") or name == "id":
            if abs(value) > MAX_ID:  # no such row; the routine answers for 0 and negatives itself
                raise NotFound("Det valda finns inte längre. Sök fram det på nytt.", field=name)
        elif abs(value) > MAX_ID:
            raise ValidationError("Talet är för stort.", field=name)
    elif isinstance(value, date):
        check_date(value, name)
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            _walk(getattr(value, f.name), f.name)
    elif isinstance(value, (list, tuple, frozenset, set)):
        for item in value:
            _walk(item, name)


def check_command(command: Any, skip: tuple[str, ...] = ()) -> None:
    """Text, date and amount rules over every field of a command; raises ValidationError at the field.

    ``skip``: top-level fields the routine checks itself with a finer answer (an import's rows,
    refused row by row with their line numbers)."""
    if dataclasses.is_dataclass(command) and not isinstance(command, type):
        for f in dataclasses.fields(command):
            if f.name not in skip:
                _walk(getattr(command, f.name), f.name)
    else:
        _walk(command, "")
