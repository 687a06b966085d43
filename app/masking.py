"""Mask personnummer and bank account numbers before they reach a log or the audit trail.

One pass over the text: a personnummer written with a separator keeps its date
part ("19850709-****"); any other run of 7–15 digits (a personnummer without
separator, an account number) keeps all but its last four digits.
"""
from __future__ import annotations

import re

_SENSITIVE = re.compile(r"(?<!\d)(\d{6}|\d{8})([-+ ])(\d{4})(?!\d)|(?<!\d)(\d{7,15})(?!\d)")


def _hide(m: re.Match) -> str:
    if m.group(4):
        return m.group(4)[:-4] + "****"
    return f"{m.group(1)}{m.group(2)}****"


def mask(text: str) -> str:
    return _SENSITIVE.sub(_hide, text)
