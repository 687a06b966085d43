"""Swedish personnummer and samordningsnummer.

Accepts what people type: 10 or 12 digits, with or without '-', '+' (the
century separator for people aged 100 or more) and spaces. The canonical form
stored in the database is 12 digits; a samordningsnummer has its day + 60 and
is flagged. Checksum and date validation come from the `personnummer` package;
the century for 10-digit input is decided here against the injected clock's
today (the package would use the real date).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from personnummer import personnummer as _pnr

from app.domain.inputs import ascii_key
from app.errors import ValidationError

_INPUT = re.compile(r"^([0-9]{2})?([0-9]{6})([-+]?)([0-9]{4})$")


@dataclass(frozen=True)
class Personnummer:
    digits12: str            # canonical: YYYYMMDDNNNC (day + 60 for samordningsnummer)
    is_coordination: bool
    birth_date: date

    @property
    def gender(self) -> str:
        """'M' or 'K' from the odd/even ninth digit."""
        return "M" if int(self.digits12[10]) % 2 else "K"

    def age(self, today: date) -> int:
        return age_on(self.birth_date, today)

    def formatted(self) -> str:
        """YYYYMMDD-NNNN, as shown in the UI."""
        return f"{self.digits12[:8]}-{self.digits12[8:]}"

    def short(self, today: date) -> str:
        """YYMMDD-NNNN or YYMMDD+NNNN for people 100 or older."""
        sep = "+" if self.age(today) >= 100 else "-"
        return f"{self.digits12[2:8]}{sep}{self.digits12[8:]}"


def age_on(birth: date, today: date) -> int:
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def looks_like_personnummer(text: str) -> bool:
    """True when the text has the shape of a personnummer (not necessarily valid)."""
    return bool(_INPUT.match(re.sub(r"\s+", "", ascii_key(text))))


def parse_personnummer(text: str, today: date) -> Personnummer:
    """Parse and validate; raises ValidationError with a Swedish message."""
    cleaned = re.sub(r"\s+", "", ascii_key(text))
    if not cleaned:
        raise ValidationError("Ange personnummer.", field="personnummer")
    m = _INPUT.match(cleaned)
    if not m:
        raise ValidationError(
            "Personnumret ska ha 10 eller 12 siffror, t.ex. ÅÅÅÅMMDD-NNNN.", field="personnummer"
        )
    century, body, sep, tail = m.groups()
    yy = int(body[:2])
    if century is None:
        base = today.year - (100 if sep == "+" else 0)
        full_year = base - ((base - yy) % 100)
    else:
        full_year = int(century + body[:2])
    digits12 = f"{full_year:04d}{body[2:]}{tail}"
    try:
        parsed = _pnr.parse(digits12)
    except _pnr.PersonnummerException:
        month, day = int(body[2:4]), int(body[4:6])
        if not (1 <= month <= 12) or not (1 <= day <= 31 or 61 <= day <= 91):
            raise ValidationError("Personnumret innehåller inget giltigt datum.", field="personnummer")
        raise ValidationError(
            "Personnumret är felaktigt (kontrollsiffran stämmer inte). Kontrollera siffrorna.",
            field="personnummer",
        )
    birth = parsed.get_date()
    if birth.year < 1900:
        raise ValidationError("Personnumret har ett födelsedatum före 1900.", field="personnummer")
    if birth > today:
        raise ValidationError("Personnumret har ett födelsedatum i framtiden.", field="personnummer")
    return Personnummer(digits12, parsed.is_coordination_number(), birth)


def is_valid_personnummer(text: str, today: date) -> bool:
    try:
        parse_personnummer(text, today)
    except ValidationError:
        return False
    return True
