"""Mask personnummer and bank account numbers before they reach a log or the audit trail."""
from __future__ import annotations

import re

# 10/12-digit personnummer with optional separator; account-like digit runs of 7-15.
_PNR = re.compile(r"(?<!\d)((?:19|20)?\d{2})(\d{2})(\d{2})([-+ ]?)(\d{4})(?!\d)")
_LONG_DIGITS = re.compile(r"(?<!\d)\d{7,15}(?!\d)")


def mask(text: str) -> str:
    text = _PNR.sub(lambda m: f"{m.group(1)}{m.group(2)}{m.group(3)}{m.group(4)}****", text)
    return _LONG_DIGITS.sub(lambda m: "*" * (len(m.group(0)) - 4) + m.group(0)[-4:], text)
