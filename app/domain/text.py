"""Text folding for search: case- and accent-insensitive keys ("Åke" -> "ake").

E-mail validation and phone keys live with the other input rules in app/domain/inputs.py
(one rule per kind of value); `is_email` is re-exported here for existing callers."""
from __future__ import annotations

import re
import unicodedata

from app.domain.inputs import is_email  # noqa: F401 - the one e-mail rule, re-exported

_EXTRA = str.maketrans({"ø": "o", "æ": "ae", "đ": "d", "ł": "l", "ß": "ss", "œ": "oe", "þ": "th"})


def fold(text: str | None) -> str:
    """Lower-case, strip accents and collapse white space. Used for stored keys and queries alike."""
    if not text:
        return ""
    lowered = unicodedata.normalize("NFKD", text.strip().lower().translate(_EXTRA))
    stripped = "".join(ch for ch in lowered if not unicodedata.combining(ch))
    return re.sub(r"\s+", " ", stripped)


def normalise_email(text: str | None) -> str | None:
    return text.strip().lower() if text and text.strip() else None
