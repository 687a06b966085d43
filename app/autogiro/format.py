"""Field helpers for Bankgirot's fixed-width Autogiro records (new layout).

Every record is one line of at most 80 positions, ISO 8859-1, ended by CR LF. Numbers are right
aligned and zero filled, text is left aligned and blank filled. Columns are given here as in the
manual: 1-based, inclusive (``cut(line, 3, 10)`` is positions 3-10).
"""
from __future__ import annotations

import re
import unicodedata
from datetime import date

from bankkonto.luhn import validate_luhn

from app.errors import ValidationError

ENCODING = "iso-8859-1"
EOL = b"\r\n"
RECORD_LENGTH = 80
MAX_AMOUNT_ORE = 999_999_999_999  # twelve digits of öre


class AutogiroFileError(ValueError):
    """An incoming file that is not what Bankgirot would send: refused as a whole, nothing applied."""

    def __init__(self, line_no: int, reason: str) -> None:
        super().__init__(f"rad {line_no}: {reason}")
        self.line_no = line_no
        self.reason = reason

    @property
    def message(self) -> str:
        return f"Filen kan inte läsas – rad {self.line_no}: {self.reason} Ingenting har ändrats."


def number(value: int | str, width: int) -> str:
    digits = str(value)
    if not digits.isdigit() or len(digits) > width:
        raise ValueError(f"{value!r} does not fit in {width} digits")
    return digits.zfill(width)


def text(value: str, width: int) -> str:
    """Left-aligned, blank-filled, cut to ``width``; characters outside ISO 8859-1 are folded to
    their base letter (or ``?``) so the record keeps its columns."""
    out = []
    for ch in value:
        try:
            ch.encode(ENCODING)
            out.append(ch)
        except UnicodeEncodeError:
            base = unicodedata.normalize("NFKD", ch).encode("ascii", "ignore").decode()
            out.append(base[:1] or "?")
    return "".join(out)[:width].ljust(width)


def ymd(day: date) -> str:
    return day.strftime("%Y%m%d")


def record(*parts: str) -> bytes:
    line = "".join(parts)
    if len(line) > RECORD_LENGTH:
        raise ValueError(f"record longer than {RECORD_LENGTH}: {line!r}")
    return line.ljust(RECORD_LENGTH).encode(ENCODING) + EOL


def cut(line: str, first: int, last: int) -> str:
    return line[first - 1:last]


def parse_bankgiro(value: str, field: str = "bankgiro") -> str:
    """A bankgiro number (7 or 8 digits, XXX-XXXX / XXXX-XXXX, Luhn check digit) as plain digits."""
    digits = re.sub(r"[\s-]", "", value or "")
    if not digits:
        raise ValidationError("Ange klubbens bankgironummer.", field=field)
    if not digits.isdigit() or len(digits) not in (7, 8):
        raise ValidationError("Ett bankgironummer har 7 eller 8 siffror, t.ex. 5050-1055.", field=field)
    if not validate_luhn(digits):
        raise ValidationError("Bankgironumret är felaktigt (kontrollsiffran stämmer inte).", field=field)
    return digits


def format_bankgiro(digits: str) -> str:
    return f"{digits[:-4]}-{digits[-4:]}" if digits else ""


def parse_customer_number(value: str, field: str = "kundnummer") -> str:
    """Bankgirot's kundnummer for Autogiro: up to six digits."""
    digits = re.sub(r"\s", "", value or "")
    if not digits:
        raise ValidationError("Ange klubbens kundnummer hos Bankgirot.", field=field)
    if not digits.isdigit() or len(digits) > 6:
        raise ValidationError("Kundnumret hos Bankgirot har högst sex siffror.", field=field)
    return digits
