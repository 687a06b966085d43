"""Text folding for search: case- and accent-insensitive keys ("Åke" -> "ake")."""
from __future__ import annotations

import re
import unicodedata

_EXTRA = str.maketrans({"ø": "o", "æ": "ae", "đ": "d", "ł": "l", "ß": "ss", "œ": "oe", "þ": "th"})


def fold(text: str | None) -> str:
    """Lower-case, strip accents and collapse white space. Used for stored keys and queries alike."""
    if not text:
        return ""
    lowered = unicodedata.normalize("NFKD", text.strip().lower().translate(_EXTRA))
    stripped = "".join(ch for ch in lowered if not unicodedata.combining(ch))
    return re.sub(r"\s+", " ", stripped)


def phone_digits(text: str | None) -> str | None:
    """National digits of a phone number: '+46 70-123 45 67' -> '0701234567'."""
    if not text:
        return None
    digits = re.sub(r"\D", "", text)
    if text.strip().startswith("+46") or digits.startswith("0046"):
        digits = "0" + digits[(4 if digits.startswith("0046") else 2):]
    return digits or None


def normalise_email(text: str | None) -> str | None:
    return text.strip().lower() if text and text.strip() else None


EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]{2,}$")


def is_email(text: str) -> bool:
    return bool(EMAIL_RE.match(text.strip()))
