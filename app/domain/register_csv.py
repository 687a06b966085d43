"""Reading and checking an extract for the local person register (Personuppslagning, SPEC §2.2).

One row per person: `personnummer;förnamn;efternamn;gatuadress;co;postnummer;ort;skyddad`
(the first three required, the rest may be left out or empty), e.g. a SPAR extract
converted to CSV. The file is read by the one CSV reader every import shares
(app.domain.csv_file: encodings, separators, quotes, what is no CSV file); this
module adds the optional header row and the checks of each row, with a Swedish
reason per row like the pre-order import. Nothing here touches the database: the
result is a `RegisterPreview` that Inställningar > Lokalt register… and
`reception register import` show, and the routine ImportRegister then writes
(valid rows only) in one transaction, replacing the register.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field, replace
from datetime import date

from app.domain.csv_file import (MAX_FILE_BYTES, CsvShape, FilePreview, empty_message, has_line_break,
                                 read_csv_text, read_file_bytes, trim_trailing_empty)
from app.domain.inputs import CONTROL_MESSAGE, ascii_key, has_letter, text_problem
from app.domain.personnummer import looks_like_personnummer, parse_personnummer
from app.domain.preorder_csv import ERR_ID_EXPONENT, ERR_ID_LEADING_ZERO, ERR_LINE_BREAK, err_duplicate
from app.errors import ValidationError

COLUMNS = ("personnummer", "förnamn", "efternamn", "gatuadress", "co", "postnummer", "ort", "skyddad")
MIN_FIELDS, MAX_FIELDS = 3, len(COLUMNS)
FIELDS_HINT = "personnummer, förnamn, efternamn (och gärna gatuadress, c/o, postnummer, ort, skyddad)"
SHAPE = CsvShape(MIN_FIELDS, MAX_FIELDS, FIELDS_HINT)

# The longest text of each column: the String(n) of person_register (db.models.PersonRegisterEntry).
LENGTHS = {"first_name": 100, "last_name": 100, "street": 200, "co": 200, "town": 100}
LABELS = {"first_name": "Förnamnet", "last_name": "Efternamnet", "street": "Gatuadressen", "co": "c/o-adressen",
          "town": "Orten"}

MSG_EMPTY = empty_message(FIELDS_HINT)
MSG_HEADER_ONLY = "Filen innehåller bara en rubrikrad och inga personer."
MSG_NO_ROWS = (f"Filen har ingen rad med minst tre fält ({FIELDS_HINT}) åtskilda med semikolon, komma "
               "eller tabb. Kontrollera att det är rätt fil.")

ERR_PNR_MISSING = "Personnummer saknas"
ERR_PNR_FORMAT = "Personnumret har fel format. Skriv ÅÅÅÅMMDD-NNNN eller ÅÅMMDD-NNNN"
ERR_FIRST_MISSING = "Förnamn saknas"
ERR_LAST_MISSING = "Efternamn saknas"
ERR_POSTAL = "Postnumret ska ha fem siffror, t.ex. 114 55"
ERR_PROTECTED = "Kolumnen skyddad ska vara ja eller nej (eller tom)"

PROTECTED_YES = frozenset({"1", "ja", "j", "true", "x", "skyddad", "yes", "y"})
PROTECTED_NO = frozenset({"", "0", "nej", "n", "false", "no"})


def err_field_count(count: int) -> str:
    return f"Raden har {count} fält, förväntade 3 till 8 ({FIELDS_HINT})"


@dataclass(frozen=True)
class RegisterRow:
    """One data row of the file, parsed and checked; the values are set whenever they could be read."""

    line_no: int
    raw: list[str]
    personnummer: str | None  # 12 digits
    first_name: str = ""
    last_name: str = ""
    street: str = ""
    co: str = ""
    postal_code: str = ""     # five digits, no space
    town: str = ""
    protected_identity: bool = False
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


class RegisterPreview(FilePreview[RegisterRow]):
    """The file's rows with their reasons (app.domain.csv_file.FilePreview)."""


# --- entry points -------------------------------------------------------------------------


def read_register_file(path: str | os.PathLike[str], *, today: date,
                       max_bytes: int = MAX_FILE_BYTES) -> RegisterPreview:
    """Read and check a register extract. Raises ValidationError for a file that cannot be used."""
    return parse_register_csv(read_file_bytes(path, max_bytes), today)


def parse_register_csv(data: bytes, today: date) -> RegisterPreview:
    """Parse the bytes of a register extract and check every row. Pure; raises ValidationError."""
    csv_text = read_csv_text(data, SHAPE)
    records = csv_text.records
    header_skipped = _is_header(records[0][1])
    if header_skipped:
        records = records[1:]
        if not records:
            raise ValidationError(MSG_HEADER_ONLY, field="fil")
    if not any(MIN_FIELDS <= len(trim_trailing_empty(f, MAX_FIELDS)) <= MAX_FIELDS for _, f in records):
        raise ValidationError(MSG_NO_ROWS, field="fil")
    rows = [_parse_row(line_no, fields, today) for line_no, fields in records]
    return RegisterPreview(mark_duplicates(rows), csv_text.encoding, csv_text.delimiter, header_skipped)


def check_entry(line_no: int, cells: list[str], today: date, raw: list[str] | None = None) -> RegisterRow:
    """One person's cells (personnummer, förnamn, efternamn, gatuadress, co, postnummer, ort, skyddad)
    checked: the values as they will be stored, and every reason the row cannot be."""
    cells = [c.strip() for c in cells] + [""] * (MAX_FIELDS - len(cells))
    errors: list[str] = []
    personnummer, error = _parse_personnummer(cells[0], today)
    if error:
        errors.append(error)
    values: dict[str, str] = {}
    for key, text, missing in (("first_name", cells[1], ERR_FIRST_MISSING), ("last_name", cells[2], ERR_LAST_MISSING),
                               ("street", cells[3], None), ("co", cells[4], None), ("town", cells[6], None)):
        value = " ".join(text.split())
        values[key] = value
        problem = _text_problem(key, value)
        if problem:
            errors.append(problem)
        elif missing and not value:
            errors.append(missing)
        elif missing and not has_letter(value):
            errors.append(f"{LABELS[key]} måste innehålla minst en bokstav")
    postal = re.sub(r"\s", "", ascii_key(cells[5]))
    if postal and not re.fullmatch(r"[0-9]{5}", postal):
        errors.append(ERR_POSTAL)
    flag = cells[7].casefold()
    if flag not in PROTECTED_YES | PROTECTED_NO:
        errors.append(ERR_PROTECTED)
    return RegisterRow(line_no, list(raw if raw is not None else cells), personnummer, values["first_name"],
                       values["last_name"], values["street"], values["co"], postal, values["town"],
                       flag in PROTECTED_YES, errors)


def mark_duplicates(rows: list[RegisterRow]) -> list[RegisterRow]:
    """The first valid row for a personnummer is kept; later rows for it get an error."""
    first: dict[str, int] = {}
    result = []
    for row in rows:
        if row.ok and row.personnummer in first:
            row = replace(row, errors=[err_duplicate(first[row.personnummer])])
        elif row.ok:
            first[row.personnummer] = row.line_no
        result.append(row)
    return result


# --- rows ---------------------------------------------------------------------------------


def _is_header(fields: list[str]) -> bool:
    """A header names the first column (personnummer) and has no digits there."""
    first = re.sub(r"[^\w]|[\d_]", "", fields[0].casefold()) if fields else ""
    return first in {"personnummer", "personnr", "persnr", "pnr", "ssn"} and not re.search(r"\d", fields[0])


def _parse_row(line_no: int, fields: list[str], today: date) -> RegisterRow:
    trimmed = trim_trailing_empty(fields, MAX_FIELDS)
    if has_line_break(trimmed):
        return RegisterRow(line_no, fields, None, errors=[ERR_LINE_BREAK])
    if not MIN_FIELDS <= len(trimmed) <= MAX_FIELDS:
        return RegisterRow(line_no, fields, None, errors=[err_field_count(len(trimmed))])
    return check_entry(line_no, trimmed, today, raw=fields)


def _parse_personnummer(text: str, today: date) -> tuple[str | None, str | None]:
    compact = re.sub(r"\s", "", ascii_key(text))
    if not compact:
        return None, ERR_PNR_MISSING
    if re.fullmatch(r"\d(?:[,.]\d+)?E\+?\d+", compact, re.IGNORECASE):
        return None, ERR_ID_EXPONENT
    if re.fullmatch(r"[0-9]{9}", compact):
        return None, ERR_ID_LEADING_ZERO
    if not (compact.isascii() and looks_like_personnummer(compact)):
        return None, ERR_PNR_FORMAT
    try:
        return parse_personnummer(compact, today).digits12, None
    except ValidationError as err:
        return None, err.message.rstrip(".")


def _text_problem(key: str, value: str) -> str | None:
    if text_problem(value, multiline=False) == CONTROL_MESSAGE:
        return f"{LABELS[key]} innehåller osynliga tecken eller styrtecken"
    if len(value) > LENGTHS[key]:
        return f"{LABELS[key]} får vara högst {LENGTHS[key]} tecken"
    return None
