"""A streaming reader for the files Bankgirot sends back (new layout).

``open_file`` reads the opening record and tells which file it is. ``records`` yields the
transaction records one at a time and checks, as it goes, every field the routines use and, at the
end, the closing record's counts and sums against what it read. Anything wrong raises
:class:`AutogiroFileError` with the line number and a Swedish reason — so a routine that reads the
file once to check it (``check_file``) and once more inside its transaction to apply it applies
nothing from a malformed or truncated file. Lines end with CR LF (a bare LF is accepted too);
blank lines at the end are ignored.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from app.autogiro.format import ENCODING, RECORD_LENGTH, AutogiroFileError, cut

MEDGIVANDEAVISERING = "medgivandeavisering"
BETALNINGSSPECIFIKATION = "betalningsspecifikation"
AVVISADE = "avvisade"
KIND_NAMES = {MEDGIVANDEAVISERING: "Medgivandeavisering", BETALNINGSSPECIFIKATION: "Betalningsspecifikation",
              AVVISADE: "Avvisade betalningsuppdrag"}
_LABELS = (("AG-MEDAVI", MEDGIVANDEAVISERING), ("BET. SPEC & STOPP TK", BETALNINGSSPECIFIKATION),
           ("AVVISADE BET UPPDR", AVVISADE))
MAX_FILE_BYTES = 1 << 30


@dataclass(frozen=True)
class Opening:
    kind: str
    written_on: date
    customer_number: str
    bankgiro: str


@dataclass(frozen=True)
class MandateAdvice:
    """TK73: what Bankgirot did with one mandate."""

    line_no: int
    payer_number: str
    clearing: str
    account: str
    personnummer: str
    info: str
    comment: str
    on: date
    valid_from: date | None


@dataclass(frozen=True)
class PaymentResult:
    """TK82 (debit), TK32 (credit) or TK77 (refund) in a betalningsspecifikation; ``status`` is the code."""

    line_no: int
    code: str
    on: date
    payer_number: str
    amount_ore: int
    reference: str
    status: str


@dataclass(frozen=True)
class Rejection:
    """TK82/TK32 in avvisade betalningsuppdrag: a payment request Bankgirot refused, with its comment code."""

    line_no: int
    code: str
    on: date
    payer_number: str
    amount_ore: int
    reference: str
    comment: str


@dataclass
class FileSummary:
    opening: Opening
    records: int = 0
    counts: dict[str, int] = field(default_factory=dict)

    def add(self, key: str, n: int = 1) -> None:
        self.counts[key] = self.counts.get(key, 0) + n


# --------------------------------------------------------------------------
# Lines and fields
# --------------------------------------------------------------------------


def _lines(path: str | Path) -> Iterator[tuple[int, str]]:
    """(line number, text without line end); empty lines only at the end of the file."""
    blank_at = None
    with open(path, "rb") as f:
        for no, raw in enumerate(f, start=1):
            if raw.endswith(b"\n"):
                raw = raw[:-1]
            if raw.endswith(b"\r"):
                raw = raw[:-1]
            line = raw.decode(ENCODING)
            if not line.strip():
                blank_at = blank_at or no
                continue
            if blank_at is not None:
                raise AutogiroFileError(blank_at, "Tom rad mitt i filen.")
            if len(line) > RECORD_LENGTH:
                raise AutogiroFileError(no, f"Posten är {len(line)} tecken lång; högst {RECORD_LENGTH} är tillåtet.")
            if "\r" in line or "\t" in line:
                raise AutogiroFileError(no, "Posten innehåller otillåtna tecken (tabulator eller CR).")
            yield no, line


def _need(line: str, no: int, length: int) -> None:
    if len(line.rstrip()) < length and len(line) < length:
        raise AutogiroFileError(no, f"Posten är för kort ({len(line)} tecken, minst {length} behövs). "
                                    "Filen kan vara avkortad.")


def _digits(line: str, no: int, first: int, last: int, what: str) -> str:
    value = cut(line, first, last)
    if len(value) != last - first + 1 or not value.isdigit():
        raise AutogiroFileError(no, f"{what} (position {first}–{last}) ska vara siffror men är ”{value.strip()}”.")
    return value


def _int(line: str, no: int, first: int, last: int, what: str) -> int:
    return int(_digits(line, no, first, last, what))


def _date(line: str, no: int, first: int, last: int, what: str) -> date:
    value = _digits(line, no, first, last, what)
    try:
        return date(int(value[:4]), int(value[4:6]), int(value[6:8]))
    except ValueError:
        raise AutogiroFileError(no, f"{what} (position {first}–{last}) är inget datum: ”{value}”.") from None


def _short_date(line: str, no: int, first: int, last: int) -> date | None:
    value = cut(line, first, last).strip()
    if not value or value == "000000":
        return None
    if not value.isdigit() or len(value) != 6:
        raise AutogiroFileError(no, f"Giltig från (position {first}–{last}) är inget datum: ”{value}”.")
    try:
        return date(2000 + int(value[:2]), int(value[2:4]), int(value[4:6]))
    except ValueError:
        raise AutogiroFileError(no, f"Giltig från (position {first}–{last}) är inget datum: ”{value}”.") from None


def _payer(line: str, no: int, first: int, last: int) -> str:
    return str(_int(line, no, first, last, "Betalarnumret"))


# --------------------------------------------------------------------------
# The opening record
# --------------------------------------------------------------------------


def read_opening(no: int, line: str) -> Opening:
    if not line.startswith("01"):
        raise AutogiroFileError(no, "Filen börjar inte med en öppningspost (TK01). Det är ingen autogirofil "
                                    "från Bankgirot.")
    if not line.startswith("01AUTOGIRO"):
        raise AutogiroFileError(no, "Filen har Bankgirots gamla layout. Reception läser bara den nya layouten – "
                                    "be Bankgirot om filer i ny layout.")
    label = cut(line, 45, 64).strip()
    kind = next((k for text, k in _LABELS if label == text), None)
    if kind is None:
        raise AutogiroFileError(no, f"Filtypen ”{label}” kan Reception inte läsa. Läs in medgivandeavisering, "
                                    "betalningsspecifikation eller avvisade betalningsuppdrag.")
    _need(line, no, 80)
    written_on = _date(line, no, 25, 32, "Skrivdagen")
    customer = str(_int(line, no, 65, 70, "Kundnumret"))
    bankgiro = str(_int(line, no, 71, 80, "Bankgironumret"))
    return Opening(kind, written_on, customer, bankgiro)


def open_file(path: str | Path) -> Opening:
    size = Path(path).stat().st_size
    if size == 0:
        raise AutogiroFileError(1, "Filen är tom.")
    if size > MAX_FILE_BYTES:
        raise AutogiroFileError(1, "Filen är större än 1 GB och är ingen autogirofil.")
    for no, line in _lines(path):
        return read_opening(no, line)
    raise AutogiroFileError(1, "Filen är tom.")


# --------------------------------------------------------------------------
# Records
# --------------------------------------------------------------------------


def _check_bankgiro(line: str, no: int, first: int, opening: Opening) -> None:
    found = str(_int(line, no, first, first + 9, "Bankgironumret"))
    if found != opening.bankgiro:
        raise AutogiroFileError(no, f"Bankgironumret {found} är inte detsamma som i öppningsposten "
                                    f"({opening.bankgiro}).")


def _mandates(lines, opening: Opening, summary: FileSummary) -> Iterator[MandateAdvice]:
    for no, line in lines:
        code = line[:2]
        if code == "73":
            _need(line, no, 73)
            _check_bankgiro(line, no, 3, opening)
            account = cut(line, 29, 44).strip()
            if account and not account.isdigit():
                raise AutogiroFileError(no, f"Kontonumret (position 29–44) ska vara siffror men är ”{account}”.")
            pnr = cut(line, 45, 56).strip()
            if pnr and not pnr.isdigit():
                raise AutogiroFileError(no, f"Personnumret (position 45–56) ska vara siffror men är ”{pnr}”.")
            advice = MandateAdvice(no, _payer(line, no, 13, 28), account[:4], account[4:].lstrip("0"), pnr,
                                   _digits(line, no, 62, 63, "Informationskoden"),
                                   _digits(line, no, 64, 65, "Kommentarskoden"),
                                   _date(line, no, 66, 73, "Dagen"), _short_date(line, no, 74, 79))
            summary.add("73")
            yield advice
        elif code == "09":
            _need(line, no, 21)
            expected = _int(line, no, 15, 21, "Antal poster")
            if expected != summary.counts.get("73", 0):
                raise AutogiroFileError(no, f"Slutposten anger {expected} medgivandeposter men filen innehåller "
                                            f"{summary.counts.get('73', 0)}.")
            _end(lines, no)
            return
        else:
            raise AutogiroFileError(no, f"Okänd posttyp ”{code}” i en medgivandeavisering.")
    _truncated(summary)


def _payments(lines, opening: Opening, summary: FileSummary) -> Iterator[PaymentResult]:
    section = None  # (header line, code, count, amount) of the open TK15/16/17 section
    got = [0, 0]
    sections = {"15": 0, "16": 0, "17": 0}
    approved = {"82": 0, "32": 0, "77": 0}
    wanted = {"15": "82", "16": "32", "17": "77"}

    def close_section() -> None:
        if section is not None:
            head_no, head, count, amount = section
            if (count, amount) != tuple(got):
                raise AutogiroFileError(head_no, f"Avsnittets öppningspost (TK{head}) anger {count} godkända "
                                                 f"betalningar på {amount} öre, men avsnittet innehåller "
                                                 f"{got[0]} på {got[1]} öre.")

    for no, line in lines:
        code = line[:2]
        if code in ("15", "16", "17"):
            close_section()
            _need(line, no, 79)
            section = (no, code, _int(line, no, 72, 79, "Antal"), _int(line, no, 51, 68, "Beloppet"))
            got = [0, 0]
            sections[code] += 1
        elif code in ("82", "32", "77"):
            if section is None or wanted[section[1]] != code:
                raise AutogiroFileError(no, f"Betalningspost TK{code} står utanför sitt avsnitt (saknar öppningspost).")
            if code == "77":
                _need(line, no, 79)
                status = _digits(line, no, 78, 79, "Statuskoden")
            else:
                _need(line, no, 80)
                status = cut(line, 80, 80)
                if not status.isdigit():
                    raise AutogiroFileError(no, f"Betalningsstatuskoden (position 80) ska vara en siffra men är "
                                                f"”{status.strip()}”.")
            _check_bankgiro(line, no, 44, opening)
            result = PaymentResult(no, code, _date(line, no, 3, 10, "Betalningsdagen"), _payer(line, no, 16, 31),
                                   _int(line, no, 32, 43, "Beloppet"), cut(line, 54, 69).strip(), status)
            if code == "77" or status == "0":
                got[0] += 1
                got[1] += result.amount_ore
                approved[code] += 1
            summary.add(code)
            yield result
        elif code == "09":
            close_section()
            _need(line, no, 68)
            for (first, last, what, have) in ((15, 20, "avsnitt med dragningar", sections["15"]),
                                              (21, 32, "godkända dragningar", approved["82"]),
                                              (33, 38, "avsnitt med utbetalningar", sections["16"]),
                                              (39, 50, "godkända utbetalningar", approved["32"]),
                                              (51, 56, "avsnitt med återbetalningar", sections["17"]),
                                              (57, 68, "återbetalningar", approved["77"])):
                expected = _int(line, no, first, last, "Antal")
                if expected != have:
                    raise AutogiroFileError(no, f"Slutposten anger {expected} {what} men filen innehåller {have}.")
            _end(lines, no)
            return
        else:
            raise AutogiroFileError(no, f"Okänd posttyp ”{code}” i en betalningsspecifikation.")
    _truncated(summary)


def _rejections(lines, opening: Opening, summary: FileSummary) -> Iterator[Rejection]:
    totals = {"82": [0, 0], "32": [0, 0]}
    for no, line in lines:
        code = line[:2]
        if code in ("82", "32"):
            _need(line, no, 60)
            rejection = Rejection(no, code, _date(line, no, 3, 10, "Betalningsdagen"), _payer(line, no, 15, 30),
                                  _int(line, no, 31, 42, "Beloppet"), cut(line, 43, 58).strip(),
                                  _digits(line, no, 59, 60, "Kommentarskoden"))
            totals[code][0] += 1
            totals[code][1] += rejection.amount_ore
            summary.add(code)
            yield rejection
        elif code == "09":
            _need(line, no, 50)
            for first, last, what, have in ((15, 20, "avvisade utbetalningar", totals["32"][0]),
                                            (21, 32, "öre i avvisade utbetalningar", totals["32"][1]),
                                            (33, 38, "avvisade dragningar", totals["82"][0]),
                                            (39, 50, "öre i avvisade dragningar", totals["82"][1])):
                expected = _int(line, no, first, last, "Antal")
                if expected != have:
                    raise AutogiroFileError(no, f"Slutposten anger {expected} {what} men filen innehåller {have}.")
            _end(lines, no)
            return
        else:
            raise AutogiroFileError(no, f"Okänd posttyp ”{code}” i avvisade betalningsuppdrag.")
    _truncated(summary)


def _end(lines, closing_no: int) -> None:
    for no, _line in lines:
        raise AutogiroFileError(no, f"Poster efter slutposten (rad {closing_no}).")


def _truncated(summary: FileSummary) -> None:
    raise AutogiroFileError(summary.records + 2, "Filen tar slut utan slutpost (TK09) – den är troligen avkortad.")


_READERS = {MEDGIVANDEAVISERING: _mandates, BETALNINGSSPECIFIKATION: _payments, AVVISADE: _rejections}


def records(path: str | Path, summary: FileSummary | None = None) -> Iterator:
    """Every transaction record of the file, in order; raises AutogiroFileError at the first fault
    (also at the very end, when the closing record is missing or its counts do not match)."""
    lines = _lines(path)
    try:
        no, first = next(lines)
    except StopIteration:
        raise AutogiroFileError(1, "Filen är tom.") from None
    opening = read_opening(no, first)
    summary = summary if summary is not None else FileSummary(opening)
    counted = _counting(lines, summary)
    yield from _READERS[opening.kind](counted, opening, summary)


def _counting(lines, summary: FileSummary):
    for no, line in lines:
        summary.records = no - 1
        yield no, line


def check_file(path: str | Path) -> FileSummary:
    """Read the whole file once, streaming; the summary (opening, record counts) or AutogiroFileError."""
    summary = FileSummary(open_file(path))
    for _ in records(path, summary):
        pass
    return summary
