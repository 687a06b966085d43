"""Reading and checking the CSV files an organisation sends with pre-orders (förbeställningar).

Each row is `namn,personnummer,e-postadress` or `namn,födelsedatum,e-postadress`.
The files are made in Excel or LibreOffice; reading them (encodings, separators,
quotes, blank rows, what is no CSV file) is app.domain.csv_file, shared with the
import of the local person register. This module adds the optional header row and
the checks of each row. Nothing here touches the
database: the result is an `ImportPreview` that the import routine shows to the
user and then writes (valid rows only) in one transaction.

Line numbers are the physical lines of the file, counted from 1, as a person
sees them in a text editor (and, without a header, as row numbers in Excel).
"""
from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date

from app.domain.csv_file import (  # noqa: F401 - the MSG_* and labels are this module's API too
    DELIMITER_LABELS, ENCODING_LABELS, MAX_FILE_BYTES, MSG_DOCX, MSG_ODS, MSG_PDF, MSG_XLS, MSG_XLSX, MSG_ZIP, CsvShape,
    FilePreview,
    binary_message, empty_message, has_line_break, read_csv_text, read_file_bytes, trim_trailing_empty)
from app.domain.inputs import ascii_key, has_letter, is_email, text_problem
from app.domain.personnummer import looks_like_personnummer, parse_personnummer
from app.errors import ValidationError

EXPECTED_FIELDS = 3

# --- messages -----------------------------------------------------------------------------

_FIELDS_HINT = "namn, personnummer/födelsedatum, e-postadress"
MSG_EMPTY = empty_message(_FIELDS_HINT)
MSG_HEADER_ONLY = "Filen innehåller bara en rubrikrad och inga personer."
MSG_BINARY = binary_message(_FIELDS_HINT)
MSG_NO_ROWS = (
    f"Filen har ingen rad med tre fält ({_FIELDS_HINT}) åtskilda med komma eller "
    "semikolon. Kontrollera att det är rätt fil."
)

ERR_NAME_MISSING = "Namn saknas"
ERR_NAME_LOOKS_WRONG = (
    "Namnet innehåller siffror eller @ – står kolumnerna i ordningen "
    f"{_FIELDS_HINT}?"
)
ERR_ID_MISSING = "Personnummer eller födelsedatum saknas"
ERR_ID_FORMAT = (
    "Personnummer/födelsedatum har fel format. Skriv personnummer (ÅÅÅÅMMDD-NNNN eller "
    "ÅÅMMDD-NNNN) eller födelsedatum (ÅÅÅÅ-MM-DD, ÅÅÅÅMMDD eller ÅÅMMDD)"
)
ERR_ID_EXPONENT = (
    "Personnumret har sparats i exponentform (t.ex. 1,98507E+11) av Excel och siffrorna "
    "har gått förlorade. Formatera kolumnen som Text i Excel, skriv in numren igen och "
    "spara filen på nytt"
)
ERR_ID_LEADING_ZERO = (
    "Personnumret har 9 siffror – Excel har troligen tagit bort en inledande nolla. "
    "Formatera kolumnen som Text i Excel och skriv numret med 10 eller 12 siffror"
)
ERR_DATE_INVALID = "Födelsedatumet är inget giltigt datum"
ERR_DATE_FUTURE = "Födelsedatumet ligger i framtiden"
ERR_DATE_TOO_OLD = "Födelsedatumet ligger före år 1900"
ERR_NAME_NO_LETTER = "Namnet måste innehålla minst en bokstav"
ERR_EMAIL_MISSING = "E-postadress saknas"
ERR_EMAIL_INVALID = "E-postadressen är ogiltig"
ERR_LINE_BREAK = (
    "Raden innehåller en radbrytning inom citattecken – kontrollera att varje "
    'citattecken (") på raden avslutas'
)
ERR_ALREADY_OPEN = "Personen har redan en öppen förbeställning på den här produkten"


def err_field_count(fields: list[str], delimiter: str) -> str:
    count = len(fields)
    message = f"Raden har {count} fält, förväntade 3 ({_FIELDS_HINT})"
    if count > EXPECTED_FIELDS and delimiter == ",":
        message += " – står det ett kommatecken i namnet utan citattecken runt?"
    elif count == 1:
        other = next((d for d in DELIMITER_LABELS if d != delimiter and d in fields[0]), None)
        if other:
            message += (f" – raden är avgränsad med {DELIMITER_LABELS[other]}, resten av filen "
                        f"med {DELIMITER_LABELS[delimiter]}")
    return message


def err_duplicate(line_no: int) -> str:
    return f"Samma person finns redan på rad {line_no}"


# --- result types -------------------------------------------------------------------------


@dataclass(frozen=True)
class PreviewRow:
    """One data row of the file, parsed and checked.

    `birth_date` is set whenever the second column could be read: taken from the
    personnummer (the real date also for a samordningsnummer) or given directly.
    `personnummer` is the 12-digit canonical form, only when one was given.
    `email` is set only when it is valid (domain in lower case).
    """

    line_no: int
    raw: list[str]
    name: str
    personnummer: str | None
    birth_date: date | None
    email: str | None
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


class ImportPreview(FilePreview[PreviewRow]):
    """The file's rows with their reasons (app.domain.csv_file.FilePreview)."""


# --- entry points -------------------------------------------------------------------------


SHAPE = CsvShape(EXPECTED_FIELDS, EXPECTED_FIELDS, _FIELDS_HINT)


def read_preorder_file(path: str | os.PathLike[str], *, today: date,
                       max_bytes: int = MAX_FILE_BYTES) -> ImportPreview:
    """Read and check a pre-order file. Raises ValidationError for a file that cannot be used.

    The size is checked with stat() before reading, so a huge file is refused
    without being loaded into memory (app.domain.csv_file, shared with the register import).
    """
    return parse_preorder_csv(read_file_bytes(path, max_bytes), today)


def parse_preorder_csv(data: bytes, today: date) -> ImportPreview:
    """Parse the bytes of a pre-order file and check every row. Pure; raises ValidationError."""
    csv_text = read_csv_text(data, SHAPE)
    records = csv_text.records
    header_skipped = _is_header(records[0][1])
    if header_skipped:
        records = records[1:]
        if not records:
            raise ValidationError(MSG_HEADER_ONLY, field="fil")
    if not any(len(_trim_trailing_empty(fields)) == EXPECTED_FIELDS for _, fields in records):
        raise ValidationError(MSG_NO_ROWS, field="fil")

    rows = [_parse_row(line_no, fields, csv_text.delimiter, today) for line_no, fields in records]
    return ImportPreview(_mark_duplicates(rows), csv_text.encoding, csv_text.delimiter, header_skipped)


def row_key(row: PreviewRow) -> str:
    """The key a row is matched on: the 12-digit personnummer, else birth date + name."""
    if row.personnummer:
        return row.personnummer
    return _birth_key(row.birth_date, row.name)


def person_keys(personnummer: str | None, birth_date: date | None, name: str) -> frozenset[str]:
    """Keys of a stored open pre-order, for `apply_existing_open(existing=...)`.

    A pre-order with a personnummer also yields a birth-date key, so a file row
    that gives only the birth date still matches it on birth date + name.
    """
    if personnummer:
        return frozenset({personnummer, _PNR_BIRTH_PREFIX + _birth_key(birth_date, name)})
    return frozenset({_birth_key(birth_date, name)})


def apply_existing_open(preview: ImportPreview, existing: Iterable[str]) -> ImportPreview:
    """Mark rows whose person already has an open pre-order for this product here.

    `existing` holds keys from `person_keys` (or plain 12-digit personnummer).
    A row with a personnummer matches that personnummer, or an existing pre-order
    without personnummer with the same birth date and name; a row with only a
    birth date matches on birth date and name.
    """
    keys = set(existing)
    rows = []
    for row in preview.rows:
        if row.birth_date is not None and _matches_existing(row, keys) \
                and ERR_ALREADY_OPEN not in row.errors:
            row = replace(row, errors=[*row.errors, ERR_ALREADY_OPEN])
        rows.append(row)
    return replace(preview, rows=rows)


def _trim_trailing_empty(fields: list[str]) -> list[str]:
    return trim_trailing_empty(fields, EXPECTED_FIELDS)


_HEADER_WORDS = (
    {"namn", "name", "fulltnamn", "fullständigtnamn", "fullname", "förochefternamn"},
    {"personnummer", "personnr", "persnr", "pnr", "födelsedatum", "födelsedag",
     "personnummerfödelsedatum", "födelsedatumpersonnummer", "birthdate", "dateofbirth",
     "dob", "ssn", "personalidentitynumber", "personalnumber"},
    {"epost", "epostadress", "email", "emailaddress", "mail", "mailadress"},
)


def _is_header(fields: list[str]) -> bool:
    """A header names at least one of the columns and has no digits where the identity goes."""
    fields = _trim_trailing_empty(fields)
    if len(fields) != EXPECTED_FIELDS or re.search(r"\d", fields[1]):
        return False
    normalized = [re.sub(r"[^\w]|[\d_]", "", f.casefold()) for f in fields]
    return any(word in words for word, words in zip(normalized, _HEADER_WORDS))


# --- row level ----------------------------------------------------------------------------


def _parse_row(line_no: int, fields: list[str], delimiter: str, today: date) -> PreviewRow:
    trimmed = _trim_trailing_empty(fields)
    if has_line_break(trimmed):
        return PreviewRow(line_no, fields, "", None, None, None, [ERR_LINE_BREAK])
    if len(trimmed) != EXPECTED_FIELDS:
        return PreviewRow(line_no, fields, "", None, None, None,
                          [err_field_count(trimmed, delimiter)])

    errors: list[str] = []
    name = clean_name(trimmed[0])
    if not name:
        errors.append(ERR_NAME_MISSING)
    elif text_problem(name, "name"):
        errors.append(text_problem(name, "name").rstrip("."))
    elif not has_letter(name):
        errors.append(ERR_NAME_NO_LETTER)
    elif _DIGIT_OR_AT.search(name):
        errors.append(ERR_NAME_LOOKS_WRONG)

    personnummer, birth_date, id_error = _parse_identity(trimmed[1], today)
    if id_error:
        errors.append(id_error)

    email, email_error = _parse_email(trimmed[2])
    if email_error:
        errors.append(email_error)
    return PreviewRow(line_no, fields, name, personnummer, birth_date, email, errors)


def clean_name(text: str) -> str:
    """Trim and collapse inner whitespace (also non-breaking spaces); the rest as given."""
    return " ".join(text.split())


_WHITESPACE = re.compile(r"\s+")
_DIGIT_OR_AT = re.compile(r"[\d@]")
_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_EXCEL_EXPONENT = re.compile(r"\d(?:[,.]\d+)?E\+?\d+", re.IGNORECASE)
_ASCII_DIGITS = re.compile(r"[0-9]+")


def _parse_identity(text: str, today: date) -> tuple[str | None, date | None, str | None]:
    """(personnummer12, birth_date, error) from the second column."""
    # One key rule for the whole app (app.domain.inputs.ascii_key): NFKC, every Unicode digit as ASCII.
    compact = _WHITESPACE.sub("", ascii_key(text))
    if not compact:
        return None, None, ERR_ID_MISSING
    if _EXCEL_EXPONENT.fullmatch(compact):
        return None, None, ERR_ID_EXPONENT
    iso = _ISO_DATE.fullmatch(compact)
    if iso:
        return _birth_date(int(iso[1]), int(iso[2]), int(iso[3]), today)
    if _ASCII_DIGITS.fullmatch(compact):
        if len(compact) == 8:
            return _birth_date(int(compact[:4]), int(compact[4:6]), int(compact[6:]), today)
        if len(compact) == 6:
            return _birth_date_yymmdd(compact, today)
        if len(compact) == 9:
            return None, None, ERR_ID_LEADING_ZERO
    if compact.isascii() and looks_like_personnummer(compact):
        try:
            parsed = parse_personnummer(compact, today)
        except ValidationError as exc:
            # Row reasons are table cells without a final full stop.
            return None, None, exc.message.rstrip(".")
        return parsed.digits12, parsed.birth_date, None
    return None, None, ERR_ID_FORMAT


def _birth_date(year: int, month: int, day: int, today: date) -> tuple[None, date | None, str | None]:
    try:
        born = date(year, month, day)
    except ValueError:
        return None, None, ERR_DATE_INVALID
    if born > today:
        return None, None, ERR_DATE_FUTURE
    if born.year < 1900:
        return None, None, ERR_DATE_TOO_OLD
    return None, born, None


def _birth_date_yymmdd(digits: str, today: date) -> tuple[None, date | None, str | None]:
    """YYMMDD in the most recent century that puts the date in the past."""
    yy, month, day = int(digits[:2]), int(digits[2:4]), int(digits[4:])
    year = today.year - (today.year - yy) % 100
    for candidate in (year, year - 100):
        try:
            born = date(candidate, month, day)
        except ValueError:
            continue
        if born <= today:
            return None, born, None
    return None, None, ERR_DATE_INVALID


def _parse_email(text: str) -> tuple[str | None, str | None]:
    """(email with lower-case domain, error), by the app's one e-mail rule (app.domain.inputs)."""
    email = text.strip()
    if not email:
        return None, ERR_EMAIL_MISSING
    if text_problem(email, "email") or not is_email(email):
        return None, ERR_EMAIL_INVALID
    local, _, domain = email.rpartition("@")
    return f"{local}@{domain.lower()}", None


def _mark_duplicates(rows: list[PreviewRow]) -> list[PreviewRow]:
    """The first valid row for a person is kept; later rows for the same person get an error.

    Same person: the same personnummer, or the same birth date and name when at
    least one of the two rows has no personnummer (two different personnummer
    are two people even when name and birth date agree).
    """
    by_pnr: dict[str, int] = {}
    by_birth_with_pnr: dict[str, int] = {}
    by_birth_without_pnr: dict[str, int] = {}
    result = []
    for row in rows:
        if not row.ok:
            result.append(row)
            continue
        birth = _birth_key(row.birth_date, row.name)
        if row.personnummer:
            first = by_pnr.get(row.personnummer) or by_birth_without_pnr.get(birth)
        else:
            first = by_birth_without_pnr.get(birth) or by_birth_with_pnr.get(birth)
        if first is not None:
            row = replace(row, errors=[err_duplicate(first)])
        elif row.personnummer:
            by_pnr[row.personnummer] = row.line_no
            by_birth_with_pnr.setdefault(birth, row.line_no)
        else:
            by_birth_without_pnr[birth] = row.line_no
        result.append(row)
    return result


_PNR_BIRTH_PREFIX = "pnr-"


def _birth_key(birth_date: date | None, name: str) -> str:
    day = birth_date.isoformat() if birth_date else ""
    return f"birth:{day}:{clean_name(name).casefold()}"


def _matches_existing(row: PreviewRow, keys: set[str]) -> bool:
    birth = _birth_key(row.birth_date, row.name)
    if row.personnummer:
        return row.personnummer in keys or birth in keys
    return birth in keys or _PNR_BIRTH_PREFIX + birth in keys
