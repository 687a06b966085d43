"""Reading the CSV files people make in Excel or LibreOffice: one reader for every import.

Used by the pre-order import (app.domain.preorder_csv) and the import of the local
person register (app.domain.register_csv). It accepts what those programs really
write: Windows-1252 (the default), UTF-8 with or without BOM, UTF-16 ("Unicode-text"),
',' ';' or tab as separator (or Excel's "sep=;" line), quoted cells, blank rows (also
Excel's ";;"), CRLF or LF. It refuses, with a Swedish sentence, what is no CSV file
(PDF, Excel/LibreOffice workbooks, Word, zip, binary data), a file that is too big
(checked with stat() before reading) and a quote that never ends.

Each caller says how many fields a row has (`min_fields`..`max_fields`) — that picks
the delimiter — and how its rows are described in messages (`hint`). What the fields
mean, the header row and the per-row checks belong to the caller.

Line numbers are the physical lines of the file, counted from 1, as a person sees
them in a text editor (and, without a header, as row numbers in Excel).
"""
from __future__ import annotations

import codecs
import csv
import io
import os
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from typing import Generic, TypeVar

from app.errors import ValidationError

MAX_FILE_BYTES = 20 * 1024 * 1024

ENCODING_LABELS = {
    "ascii": "ASCII",
    "utf-8": "UTF-8",
    "utf-8-sig": "UTF-8 med BOM",
    "utf-16": "UTF-16 (Unicode-text)",
    "cp1252": "Windows-1252",
    "latin-1": "Latin-1 (ISO 8859-1)",
}
DELIMITER_LABELS = {";": "semikolon", ",": "komma", "\t": "tabb"}

R = TypeVar("R")


@dataclass(frozen=True)
class FilePreview(Generic[R]):
    """A file read for import: every row with its reasons, and how the file was read (shown to the user)."""

    rows: list[R]
    encoding: str          # codec name, see ENCODING_LABELS
    delimiter: str         # ';', ',' or '\t'
    header_skipped: bool

    @property
    def valid_rows(self) -> list[R]:
        return [row for row in self.rows if row.ok]

    @property
    def invalid_rows(self) -> list[R]:
        return [row for row in self.rows if not row.ok]

    @property
    def encoding_label(self) -> str:
        return ENCODING_LABELS[self.encoding]

    @property
    def delimiter_label(self) -> str:
        return DELIMITER_LABELS[self.delimiter]

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


def empty_message(hint: str) -> str:
    return f"Filen är tom. Välj en CSV-fil med en rad per person: {hint}."


def binary_message(hint: str) -> str:
    return ("Filen innehåller binära data och är ingen textfil. "
            f"Välj en CSV-fil med en rad per person: {hint}.")


@dataclass(frozen=True)
class CsvShape:
    """What the caller expects of a row: the number of fields and how to name them in messages."""

    min_fields: int
    max_fields: int
    hint: str  # e.g. "namn, personnummer/födelsedatum, e-postadress"


@dataclass(frozen=True)
class CsvText:
    """The non-blank records of a file: (first physical line number, fields)."""

    records: list[tuple[int, list[str]]]
    encoding: str   # codec name, see ENCODING_LABELS
    delimiter: str  # ';', ',' or '\t'

    @property
    def encoding_label(self) -> str:
        return ENCODING_LABELS[self.encoding]

    @property
    def delimiter_label(self) -> str:
        return DELIMITER_LABELS[self.delimiter]


# --- entry points -------------------------------------------------------------------------


def read_file_bytes(path: str | os.PathLike[str], max_bytes: int = MAX_FILE_BYTES) -> bytes:
    """The bytes of a file, or a ValidationError (field "fil") saying why they cannot be read.

    The size is checked with stat() before reading, so a huge file is refused
    without being loaded into memory."""
    name = os.path.basename(os.fspath(path))
    try:
        size = os.stat(path).st_size
        if size > max_bytes:
            raise ValidationError(
                f"Filen är för stor ({format_size(size)}). Största tillåtna storlek är "
                f"{format_size(max_bytes)}.",
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
            f"Filen är för stor. Största tillåtna storlek är {format_size(max_bytes)}.", field="fil"
        )
    return data


def read_csv_text(data: bytes, shape: CsvShape) -> CsvText:
    """Decode, choose the delimiter and split into records; blank records are dropped.

    Raises ValidationError (field "fil") for what is no CSV file or holds no records."""
    reject_non_csv(data, shape.hint)
    text, encoding = decode(data, shape.hint)
    if "\x00" in text:  # a NUL character in a file with a BOM: not text either
        raise ValidationError(binary_message(shape.hint), field="fil")
    text = unicodedata.normalize("NFC", text)
    delimiter, records = split_records(text, shape)
    records = [(line_no, fields) for line_no, fields in records if not is_blank(fields)]
    if not records:
        raise ValidationError(empty_message(shape.hint), field="fil")
    return CsvText(records, encoding, delimiter)


# --- file level ---------------------------------------------------------------------------


def reject_non_csv(data: bytes, hint: str) -> None:
    if not data:
        raise ValidationError(empty_message(hint), field="fil")
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


def decode(data: bytes, hint: str) -> tuple[str, str]:
    """Decode by BOM, else strict UTF-8, else Windows-1252 (the Windows default)."""
    if data.startswith(codecs.BOM_UTF8):
        return _decode_declared(data[len(codecs.BOM_UTF8):], "utf-8", "utf-8-sig")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _decode_declared(data, "utf-16", "utf-16")
    if b"\x00" in data:
        raise ValidationError(binary_message(hint), field="fil")
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


def split_records(text: str, shape: CsvShape) -> tuple[str, list[tuple[int, list[str]]]]:
    """Choose the delimiter and split into (first physical line number, fields) records."""
    first_line_end = re.search(r"\r\n|\r|\n", text)
    first_line = text[: first_line_end.start()] if first_line_end else text
    directive = re.fullmatch(r"\s*sep=(.)\s*", first_line, re.IGNORECASE)
    if directive and directive.group(1) in DELIMITER_LABELS:
        # Excel's "sep=;" line names the delimiter; it is not a data row.
        delimiter = directive.group(1)
        records = [(n, f) for n, f in read_records(text, delimiter) if n > 1]
        return delimiter, records
    delimiter = sniff_delimiter(text, shape)
    return delimiter, read_records(text, delimiter)


_SNIFF_RECORDS = 1000


def sniff_delimiter(text: str, shape: CsvShape) -> str:
    """The delimiter that gives the expected number of fields on most rows (csv.Sniffer fails on
    short files): rows within min..max fields first, then rows with at least min fields."""
    best, best_score = ";", (-1, -1)
    for delimiter in DELIMITER_LABELS:  # ';' wins a tie: Swedish Excel's default
        exact = at_least = 0
        for _, fields in read_records(text, delimiter, limit=_SNIFF_RECORDS):
            if is_blank(fields):
                continue
            count = len(trim_trailing_empty(fields, shape.max_fields))
            exact += shape.min_fields <= count <= shape.max_fields
            at_least += count >= shape.min_fields
        if (exact, at_least) > best_score:
            best, best_score = delimiter, (exact, at_least)
    return best


def read_records(text: str, delimiter: str, limit: int | None = None) -> list[tuple[int, list[str]]]:
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


def is_blank(fields: list[str]) -> bool:
    return all(not f.strip() for f in fields)


def trim_trailing_empty(fields: list[str], keep: int) -> list[str]:
    """Drop empty cells after the `keep` first: Excel writes 'a;b;c;' when a column further right was used."""
    end = len(fields)
    while end > keep and not fields[end - 1].strip():
        end -= 1
    return fields[:end]


def has_line_break(fields: list[str]) -> bool:
    return any("\n" in f or "\r" in f for f in fields)


def format_size(size: int) -> str:
    """Bytes as the user's file manager would show them: '200 MB', '3,5 kB'."""
    value, unit = size / (1024 * 1024), "MB"
    if value < 1:
        value, unit = size / 1024, "kB"
    if value >= 10 or value == int(value):
        return f"{value:.0f} {unit}"
    return f"{value:.1f} {unit}".replace(".", ",")
