"""Test helper playing Bankgirot: writes the files Bankgirot sends back (new layout), from records the
tests give, with correct opening and closing records — or, on purpose, wrong ones."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from app.autogiro.format import number, record, text, ymd


def _opening(label: str, on: date, customer: str, bankgiro: str, stamp: str | None = None) -> bytes:
    when = (stamp or ymd(on)).ljust(20)
    return record("01", "AUTOGIRO", " " * 14, when, label.ljust(20), number(customer, 6), number(bankgiro, 10))


def mandate_advice(path: Path, rows, *, on: date, customer: str, bankgiro: str, count: int | None = None) -> Path:
    """rows: (payer_number, comment, info, clearing, account, personnummer)."""
    out = [_opening("AG-MEDAVI", on, customer, bankgiro)]
    for payer, comment, info, clearing, account, pnr in rows:
        acct = (number(clearing, 4) + number(account, 12)) if clearing else " " * 16
        out.append(record("73", number(bankgiro, 10), number(payer, 16), acct, (pnr or "").ljust(12), " " * 5,
                          info, comment, ymd(on)))
    out.append(record("09", ymd(on), "9900", number(len(rows) if count is None else count, 7)))
    path.write_bytes(b"".join(out))
    return path


@dataclass
class Paid:
    payer: str
    amount_ore: int
    reference: str
    status: str = "0"
    on: date | None = None


def payment_spec(path: Path, debits: list[Paid], *, on: date, customer: str, bankgiro: str,
                 credits: list[Paid] = ()) -> Path:
    out = [_opening("BET. SPEC & STOPP TK", on, customer, bankgiro, ymd(on) + "120000000000")]
    sections = 0
    for head, code, rows in (("15", "82", debits), ("16", "32", list(credits))):
        if not rows:
            continue
        sections += 1
        ok = [r for r in rows if r.status == "0"]
        out.append(record(head, "0" * 35, ymd(on), "00001", number(sum(r.amount_ore for r in ok), 18), "   ",
                          number(len(ok), 8)))
        for r in rows:
            out.append(record(code, ymd(r.on or on), "0", "   ", " ", number(r.payer, 16), number(r.amount_ore, 12),
                              number(bankgiro, 10), text(r.reference, 16), " " * 10, r.status))
    closing = record("09", ymd(on), "9900", number(1 if debits else 0, 6),
                     number(sum(1 for r in debits if r.status == "0"), 12), number(1 if credits else 0, 6),
                     number(sum(1 for r in credits if r.status == "0"), 12), number(0, 6), number(0, 12))
    out.append(closing)
    path.write_bytes(b"".join(out))
    return path


def rejections(path: Path, rows: list[tuple[str, int, str, str, date]], *, on: date, customer: str,
               bankgiro: str) -> Path:
    """rows: (payer, amount_ore, reference, comment, payment date) of rejected debits (TK82)."""
    out = [_opening("AVVISADE BET UPPDR", on, customer, bankgiro)]
    for payer, amount, reference, comment, day in rows:
        out.append(record("82", ymd(day), "0", "   ", number(payer, 16), number(amount, 12), text(reference, 16),
                          comment))
    out.append(record("09", ymd(on), "9900", number(0, 6), number(0, 12), number(len(rows), 6),
                      number(sum(r[1] for r in rows), 12)))
    path.write_bytes(b"".join(out))
    return path
