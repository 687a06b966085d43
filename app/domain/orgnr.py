"""Swedish organisationsnummer (validation from the `organisationsnummer` package)."""
from __future__ import annotations

import re

from organisationsnummer import organisationsnummer as _org

from app.domain.inputs import ascii_key
from app.errors import ValidationError


def parse_orgnr(text: str) -> str:
    """Return the canonical NNNNNN-NNNN form or raise a Swedish ValidationError."""
    cleaned = re.sub(r"\s+", "", ascii_key(text))
    if not cleaned:
        raise ValidationError("Ange organisationsnummer.", field="orgnr")
    try:
        return _org.parse(cleaned).format(True)
    except Exception:  # the package raises its own exception types
        raise ValidationError(
            "Organisationsnumret är felaktigt. Det ska vara 10 siffror, t.ex. 556016-0680.",
            field="orgnr",
        ) from None


def looks_like_orgnr(text: str) -> bool:
    return bool(re.fullmatch(r"[0-9]{6}-?[0-9]{4}", re.sub(r"\s+", "", ascii_key(text))))
