"""Reading and checking the CSV files an organisation sends with pre-orders (förbeställningar).

Each row is `namn,personnummer,e-postadress` or `namn,födelsedatum,e-postadress`.
The files are made in Excel or LibreOffice, so this module accepts what those
programs really write: Windows-1252 (the default), UTF-8 with or without BOM,
UTF-16 ("Unicode-text"), ',' ';' or tab as separator, quoted cells, an optional
header row, blank rows (also Excel's ";;"), CRLF or LF. Nothing here touches the
database: the result is an `ImportPreview` that the import routine shows to the
user and then writes (valid rows only) in one transaction.

Line numbers are the physical lines of the file, counted from 1, as a person
sees them in a text editor (and, without a header, as row numbers in Excel).
"""
from __future__ import annotations

import codecs
import csv
import io
import os
import re
import unicodedata
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date

from app.domain.inputs import ascii_key, has_letter, is_email, text_problem
from app.domain.personnummer import looks_like_personnummer, parse_personnummer
from app.errors import ValidationError

MAX_FILE_BYTES = 20 * 1024 * 1024
EXPECTED_FIELDS = 3

ENCODING_LABELS = {
    "ascii": "ASCII",
    "utf-8": "UTF-8",
    "utf-8-sig": "UTF-8 med BOM",
    "utf-16": "UTF-16 (Unicode-text)",
    "cp1252": "Windows-1252",
    "latin-1": "Latin-1 (ISO 8859-1)",
}
DELIMITER_LABELS = {";": "semikolon", ",": "komma", "\t": "tabb"}

# --- messages -----------------------------------------------------------------------------

_FIELDS_HINT = "namn, personnummer/födelsedatum, e-postadress"
MSG_EMPTY = f"Filen är tom. Välj en CSV-fil med en rad per person: {_FIELDS_HINT}."
MSG_HEADER_ONLY = "Filen innehåller bara en rubrikrad och inga personer."
MSG_PDF = (
    "Filen är en PDF, inte en CSV-fil. Öppna listan i Excel eller LibreOffice och "
    "spara den som CSV."
)
MSG_XLSX = (
    "Filen är en Excel-arbetsbok (.xlsx). Spara den som CSV i Excel: "
    "Arkiv > Spara som > CSV (semikolonavgränsad)."
)
MSG_XLS = (
    "Filen är en äldre Excel-arbetsbok (.xls). Spara den som CSV i Excel: "
    "Arkiv > Spara som > CSV (semikolonavgränsad)."
)
MSG_ODS = (
    "Filen är ett LibreOffice-kalkylark (.ods). Spara den som CSV i LibreOffice: "
    "Arkiv > Spara som > Text CSV (.csv)."
)
MSG_DOCX = "Filen är ett Word-dokument (.docx), inte en CSV-fil."
MSG_ZIP = "Filen är ett komprimerat arkiv (zip), inte en CSV-fil. Packa upp den först."
MSG_BINARY = (
    "Filen innehåller binära data och är ingen textfil. "
    f"Välj en CSV-fil med en rad per person: {_FIELDS_HINT}."
)
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


@dataclass(frozen=True)
class ImportPreview:
    rows: list[PreviewRow]
    encoding: str          # codec name, see ENCODING_LABELS
    delimiter: str         # ';', ',' or '\t'
    header_skipped: bool

    @property
    def valid_rows(self) -> list[PreviewRow]:
        return [row for row in self.rows if row.ok]

    @property
    def invalid_rows(self) -> list[PreviewRow]:
        return [row for row in self.rows if not row.ok]

    @property
    def encoding_label(self) -> str:
        return ENCODING_LABELS[self.encoding]

    @property
    def delimiter_label(self) -> str:
        return DELIMITER_LABELS[self.delimiter]


# --- entry points -------------------------------------------------------------------------


def read_preorder_file(path: str | os.PathLike[str], *, today: date,
                       max_bytes: int = MAX_FILE_BYTES) -> ImportPreview:
    """Read and check a pre-order file. Raises ValidationError for a file that cannot be used.

    The size is checked with stat() before reading, so a huge file is refused
    without being loaded into memory.
    """
    name = os.path.basename(os.fspath(path))
    try:
        size = os.stat(path).st_size
        if size > max_bytes:
            raise ValidationError(
                f"Filen är för stor ({_format_size(size)}). Största tillåtna storlek är "
                f"{_format_size(max_bytes)}.",
                field="fil",
            )
        with open(path, "rb") as f:
            data = f.read(max_bytes + 1)
    except FileNotFoundError:
        raise ValidationError(f"Filen {name} finns inte.", field="fil") from None
    except IsADirectoryError:
        raise ValidationError(f"{name} är en mapp, inte en fil.", field="fil") from None
    except PermissionError:
        raise ValidationError(
            f"Filen {name} kan inte läsas (behörighet saknas eller filen är öppen i ett "
            "annat program).",
            field="fil",
        ) from None
    except OSError as exc:
        raise ValidationError(f"Filen {name} kan inte läsas: {exc.strerror}.", field="fil") from None
    if len(data) > max_bytes:  # grew between stat() and read()
        raise ValidationError(
            f"Filen är för stor. Största tillåtna storlek är {_format_size(max_bytes)}.", field="fil"
        )
    return parse_preorder_csv(data, today)


def parse_preorder_csv(data: bytes, today: date) -> ImportPreview:
    """Parse the bytes of a pre-order file and check every row. Pure; raises ValidationError."""
    _reject_non_csv(data)
    text, encoding = _decode(data)
    if "\x00" in text:  # a NUL character in a file with a BOM: not text either
        raise ValidationError(MSG_BINARY, field="fil")
    text = unicodedata.normalize("NFC", text)

    delimiter, records = _split_records(text)
    records = [(line_no, fields) for line_no, fields in records if not _is_blank(fields)]
    if not records:
        raise ValidationError(MSG_EMPTY, field="fil")

    header_skipped = _is_header(records[0][1])
    if header_skipped:
        records = records[1:]
        if not records:
            raise ValidationError(MSG_HEADER_ONLY, field="fil")
    if not any(len(_trim_trailing_empty(fields)) == EXPECTED_FIELDS for _, fields in records):
        raise ValidationError(MSG_NO_ROWS, field="fil")

    rows = [_parse_row(line_no, fields, delimiter, today) for line_no, fields in records]
    return ImportPreview(_mark_duplicates(rows), encoding, delimiter, header_skipped)


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


# --- file level ---------------------------------------------------------------------------


def _reject_non_csv(data: bytes) -> None:
    if not data:
        raise ValidationError(MSG_EMPTY, field="fil")
    if data.startswith(b"%PDF"):
        raise ValidationError(MSG_PDF, field="fil")
    if data.startswith(b"PK\x03\x04"):
        raise ValidationError(_zip_message(data), field="fil")
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise ValidationError(MSG_XLS, field="fil")


def _zip_message(data: bytes) -> str:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
            mimetype = archive.read("mimetype") if "mimetype" in names else b""
    except (zipfile.BadZipFile, OSError, KeyError):
        return MSG_XLSX  # a damaged or truncated workbook is the likely case
    if any(n.startswith("xl/") for n in names):
        return MSG_XLSX
    if mimetype.startswith(b"application/vnd.oasis.opendocument.spreadsheet"):
        return MSG_ODS
    if any(n.startswith("word/") for n in names):
        return MSG_DOCX
    return MSG_ZIP


def _decode(data: bytes) -> tuple[str, str]:
    """Decode by BOM, else strict UTF-8, else Windows-1252 (the Windows default)."""
    if data.startswith(codecs.BOM_UTF8):
        return _decode_declared(data[len(codecs.BOM_UTF8):], "utf-8", "utf-8-sig")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _decode_declared(data, "utf-16", "utf-16")
    if b"\x00" in data:
        raise ValidationError(MSG_BINARY, field="fil")
    if data.isascii():
        return data.decode("ascii"), "ascii"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        # 0x81, 0x8D, 0x8F, 0x90 and 0x9D are unassigned in Windows-1252.
        return data.decode("latin-1"), "latin-1"


def _decode_declared(data: bytes, codec: str, name: str) -> tuple[str, str]:
    try:
        return data.decode(codec), name
    except UnicodeDecodeError:
        raise ValidationError(
            f"Filen är märkt som {ENCODING_LABELS[name]} men innehåller tecken som inte går "
            "att läsa. Spara den som CSV igen.",
            field="fil",
        ) from None


def _split_records(text: str) -> tuple[str, list[tuple[int, list[str]]]]:
    """Choose the delimiter and split into (first physical line number, fields) records."""
    first_line_end = re.search(r"\r\n|\r|\n", text)
    first_line = text[: first_line_end.start()] if first_line_end else text
    directive = re.fullmatch(r"\s*sep=(.)\s*", first_line, re.IGNORECASE)
    if directive and directive.group(1) in DELIMITER_LABELS:
        # Excel's "sep=;" line names the delimiter; it is not a data row.
        delimiter = directive.group(1)
        records = [(n, f) for n, f in _read_records(text, delimiter) if n > 1]
        return delimiter, records
    delimiter = _sniff_delimiter(text)
    return delimiter, _read_records(text, delimiter)


_SNIFF_RECORDS = 1000


def _sniff_delimiter(text: str) -> str:
    """The delimiter that gives three fields on most rows (csv.Sniffer fails on short files)."""
    best, best_score = ";", (-1, -1)
    for delimiter in DELIMITER_LABELS:  # ';' wins a tie: Swedish Excel's default
        exact = at_least = 0
        for _, fields in _read_records(text, delimiter, limit=_SNIFF_RECORDS):
            if _is_blank(fields):
                continue
            count = len(_trim_trailing_empty(fields))
            exact += count == EXPECTED_FIELDS
            at_least += count >= EXPECTED_FIELDS
        if (exact, at_least) > best_score:
            best, best_score = delimiter, (exact, at_least)
    return best


def _read_records(text: str, delimiter: str, limit: int | None = None) -> list[tuple[int, list[str]]]:
    # newline="" splits lines on \r\n, \r and \n only and keeps line breaks inside quotes.
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar='"',
                        doublequote=True, skipinitialspace=True, strict=False)
    records: list[tuple[int, list[str]]] = []
    previous_line = 0
    try:
        for fields in reader:
            records.append((previous_line + 1, fields))
            previous_line = reader.line_num
            if limit is not None and len(records) >= limit:
                break
    except csv.Error:
        raise ValidationError(
            f"Filen kan inte läsas från rad {previous_line + 1}: ett citattecken (\") avslutas "
            "aldrig, så resten av filen blir en enda cell. Rätta raden och försök igen.",
            field="fil",
        ) from None
    return records


def _is_blank(fields: list[str]) -> bool:
    return all(not f.strip() for f in fields)


def _trim_trailing_empty(fields: list[str]) -> list[str]:
    """Drop empty cells after the third: Excel writes 'a;b;c;' when a column further right was used."""
    end = len(fields)
    while end > EXPECTED_FIELDS and not fields[end - 1].strip():
        end -= 1
    return fields[:end]


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
    if any("\n" in f or "\r" in f for f in trimmed):
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


def _format_size(size: int) -> str:
    """Bytes as the user's file manager would show them: '200 MB', '3,5 kB'."""
    value, unit = size / (1024 * 1024), "MB"
    if value < 1:
        value, unit = size / 1024, "kB"
    if value >= 10 or value == int(value):
        return f"{value:.0f} {unit}"
    return f"{value:.1f} {unit}".replace(".", ",")
