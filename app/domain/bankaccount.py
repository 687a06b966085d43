"""Swedish bank accounts (clearing + account) for autogiro mandates.

The per-bank formats and checksums come from the `bankkonto` package (Bankgirot's
"Bankernas kontonummeruppbyggnad"). This module adds what a front desk needs on
top of it:

* Swedbank clearing numbers in the 8000 series have five digits, 8xxx-x; the
  fifth is a mod-10 check digit over the first four and is verified here.
* Type 2 account numbers are padded with leading zeros to the length Bankgirot
  expects (people type "123 456 789-0" without the zeros).
* Bankgirot states that a few Swedbank accounts cannot be verified by checksum:
  such a failure is returned as a *warning*, not a blocking error.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from bankkonto import account as _acc
from bankkonto.exceptions import BankkontoValidationError, SwedbankBankkontoValidationError

from app.domain.inputs import ascii_key
from app.errors import ValidationError


@dataclass(frozen=True)
class BankAccount:
    clearing: str        # 4 digits, or 5 for Swedbank 8xxx-x
    account: str         # digits, padded as Bankgirot needs
    bank_name: str
    warning: str | None = None

    def formatted(self) -> str:
        c = f"{self.clearing[:4]}-{self.clearing[4]}" if len(self.clearing) == 5 else self.clearing
        return f"{c}, {self.account}"


def _luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        v = int(ch) * (2 if i % 2 else 1)
        total += v - 9 if v > 9 else v
    return total % 10 == 0


def parse_bank_account(clearing_text: str, account_text: str) -> BankAccount:
    clearing = re.sub(r"[^0-9]", "", ascii_key(clearing_text))
    account = re.sub(r"[^0-9]", "", ascii_key(account_text))
    if not clearing:
        raise ValidationError("Ange clearingnummer.", field="clearing")
    if not account:
        raise ValidationError("Ange kontonummer.", field="account")
    if clearing.startswith("8"):
        if len(clearing) != 5:
            raise ValidationError(
                "Swedbanks clearingnummer som börjar på 8 har fem siffror (8xxx-x).", field="clearing"
            )
        if not _luhn_ok(clearing):
            raise ValidationError(
                "Clearingnumret är felaktigt: den femte siffran (kontrollsiffran) stämmer inte.",
                field="clearing",
            )
    elif len(clearing) != 4:
        raise ValidationError("Clearingnumret ska ha fyra siffror.", field="clearing")
    try:
        bank_name, type_, fmt, _note = _acc.get_account_number_format_based_on_clearing_number(clearing)
    except BankkontoValidationError:
        raise ValidationError(
            f"Clearingnummer {clearing} hör inte till någon svensk bank.", field="clearing"
        ) from None
    length = len(fmt.strip("0"))
    if type_ == 2 and len(account) < length:
        account = account.zfill(length)
    if len(account) != length:
        raise ValidationError(
            f"Kontonumret för {bank_name} ska ha {length} siffror (du angav {len(account)}).",
            field="account",
        )
    warning = None
    try:
        _acc.validate(clearing, account)
    except SwedbankBankkontoValidationError:
        warning = (
            "Kontrollsiffran stämmer inte, men vissa Swedbankkonton går inte att kontrollera. "
            "Be kunden bekräfta kontonumret."
        )
    except BankkontoValidationError:
        raise ValidationError(
            "Kontonumret är felaktigt (kontrollsiffran stämmer inte). Kontrollera siffrorna.",
            field="account",
        ) from None
    return BankAccount(clearing, account, bank_name, warning)
