"""Writers for the files the club sends to Bankgirot (new layout).

Each file starts with an opening record (TK01: date, the word AUTOGIRO, the club's kundnummer and
bankgiro number) followed by its transaction records, 80 positions each, ISO 8859-1, CR LF. The
request files of the new layout have no closing record: Bankgirot counts what it received and
answers with its own files, which do end with counts and sums (``incoming``). The writer keeps
the count and the sum of what it wrote so the routine can report and audit them.

Writers stream to a binary file object: a betalningsunderlag for a million payers is never held
in memory.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import BinaryIO

from app.autogiro.format import MAX_AMOUNT_ORE, number, record, text, ymd

MANDATES, PAYMENTS, AMENDMENTS = "medgivanden", "betalningar", "makuleringar"
ONCE = "0"           # period code: a single payment on the given day
IMMEDIATE = None     # a payment date of None is written GENAST


@dataclass
class Totals:
    records: int = 0
    debit_count: int = 0
    debit_ore: int = 0
    credit_count: int = 0
    credit_ore: int = 0


def payer_field(payer_number: str) -> str:
    return number(payer_number, 16)


def account_field(clearing: str, account: str) -> str:
    """Clearing (four digits: a Swedbank 8xxx-x loses its check digit) and account, zero filled to 12."""
    return number(clearing[:4], 4) + number(account, 12)


def _amount(amount_ore: int) -> str:
    if not 0 < amount_ore <= MAX_AMOUNT_ORE:
        raise ValueError(f"amount {amount_ore} öre is not between 1 öre and {MAX_AMOUNT_ORE}")
    return number(amount_ore, 12)


class RequestWriter:
    """One request file. ``kind`` picks which records are allowed (mandates, payments, amendments)."""

    def __init__(self, out: BinaryIO, kind: str, *, customer_number: str, bankgiro: str, written_on: date) -> None:
        self.out, self.kind, self.bankgiro = out, kind, number(bankgiro, 10)
        self.totals = Totals()
        out.write(record("01", ymd(written_on), "AUTOGIRO", " " * 44, number(customer_number, 6), self.bankgiro))

    def _write(self, kind: str, *parts: str) -> None:
        if kind != self.kind:
            raise ValueError(f"a {kind} record does not belong in a {self.kind} file")
        self.out.write(record(*parts))
        self.totals.records += 1

    # -- medgivandeunderlag --------------------------------------------------
    def cancel_mandate(self, payer_number: str) -> None:
        """TK03: makulering av medgivande."""
        self._write(MANDATES, "03", self.bankgiro, payer_field(payer_number))

    def new_mandate(self, payer_number: str, clearing: str, account: str, personnummer: str) -> None:
        """TK04: nyupplägg av medgivande (the payer's bank account and the holder's personnummer, 12 digits)."""
        self._write(MANDATES, "04", self.bankgiro, payer_field(payer_number), account_field(clearing, account),
                    number(personnummer, 12))

    def change_payer_number(self, old_payer_number: str, new_payer_number: str) -> None:
        """TK05: byte av betalarnummer."""
        self._write(MANDATES, "05", self.bankgiro, payer_field(old_payer_number), self.bankgiro,
                    payer_field(new_payer_number))

    # -- betalningsunderlag --------------------------------------------------
    def _payment(self, code: str, payer_number: str, amount_ore: int, on: date | None, reference: str,
                 period: str, repetitions: int | None) -> None:
        reps = "   " if not repetitions else number(repetitions, 3)
        self._write(PAYMENTS, code, ymd(on) if on else "GENAST  ", period, reps, " ", payer_field(payer_number),
                    _amount(amount_ore), self.bankgiro, text(reference, 16))

    def debit(self, payer_number: str, amount_ore: int, on: date | None, reference: str = "",
              period: str = ONCE, repetitions: int | None = None) -> None:
        """TK82: betalning (dragning från betalarens konto)."""
        self._payment("82", payer_number, amount_ore, on, reference, period, repetitions)
        self.totals.debit_count += 1
        self.totals.debit_ore += amount_ore

    def credit(self, payer_number: str, amount_ore: int, on: date | None, reference: str = "") -> None:
        """TK32: utbetalning till betalarens konto."""
        self._payment("32", payer_number, amount_ore, on, reference, ONCE, None)
        self.totals.credit_count += 1
        self.totals.credit_ore += amount_ore

    # -- makulering/ändring --------------------------------------------------
    def cancel_all_payments(self, payer_number: str) -> None:
        """TK23: makulera alla betalningar för ett betalarnummer."""
        self._write(AMENDMENTS, "23", self.bankgiro, payer_field(payer_number))

    def cancel_payments_on(self, payer_number: str, on: date) -> None:
        """TK24: makulera alla betalningar för ett betalarnummer på en betalningsdag."""
        self._write(AMENDMENTS, "24", self.bankgiro, payer_field(payer_number), ymd(on))

    def cancel_payment(self, payer_number: str, on: date, amount_ore: int, reference: str = "",
                       direction: str = "82") -> None:
        """TK25: makulera en betalning (betalarnummer, betalningsdag, belopp, referens)."""
        self._write(AMENDMENTS, "25", self.bankgiro, payer_field(payer_number), ymd(on), _amount(amount_ore),
                    direction, " " * 8, text(reference, 16))
        self.totals.debit_count += 1
        self.totals.debit_ore += amount_ore
