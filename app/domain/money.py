"""Money is integer öre everywhere. This module formats and parses it the Swedish way."""
from __future__ import annotations

import re

from app.domain.inputs import AMOUNT_RANGE_MESSAGE, ascii_key, check_amount
from app.errors import ValidationError

NBSP = "\u00a0"


def format_sek(ore: int, *, unit: bool = True) -> str:
    """1234_50 öre -> '1 234,50 kr' (thin grouping with a normal space, comma decimals)."""
    if not isinstance(ore, int):
        raise TypeError("money must be integer öre")
    sign = "-" if ore < 0 else ""
    kronor, rest = divmod(abs(ore), 100)
    grouped = f"{kronor:,}".replace(",", " ")
    text = f"{sign}{grouped},{rest:02d}"
    return f"{text} kr" if unit else text


def parse_sek(text: str) -> int:
    """'1 234,50', '1234.5', '1234 kr' -> öre. Raises ValidationError on anything else."""
    cleaned = ascii_key(text).strip().lower().removesuffix("kr").strip()
    cleaned = cleaned.replace(NBSP, "").replace(" ", "")
    m = re.fullmatch(r"(-?)([0-9]+)(?:[.,]([0-9]{1,2}))?", cleaned)
    if not m:
        raise ValidationError(f"”{text}” är inget belopp. Skriv t.ex. 1 234,50.")
    sign, whole, frac = m.groups()
    if len(whole) > 12:
        raise ValidationError(AMOUNT_RANGE_MESSAGE)
    ore = int(whole) * 100 + int((frac or "0").ljust(2, "0"))
    check_amount(ore)  # what the till holds (app.domain.inputs.MAX_AMOUNT_ORE)
    return -ore if sign else ore


def vat_part(gross_ore: int, rate_basis_points: int) -> int:
    """VAT contained in a gross amount, rounded to whole öre (600 bp = 6 %)."""
    return round(gross_ore * rate_basis_points / (10_000 + rate_basis_points))
