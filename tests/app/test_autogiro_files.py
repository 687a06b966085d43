"""Bankgirot Autogiro files, new layout: the writers and the streaming reader (app/autogiro)."""
from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pytest

from app.autogiro.format import AutogiroFileError, parse_bankgiro, parse_customer_number
from app.autogiro.incoming import (
    AVVISADE,
    BETALNINGSSPECIFIKATION,
    MEDGIVANDEAVISERING,
    check_file,
    open_file,
    records,
)
from app.autogiro.outgoing import AMENDMENTS, MANDATES, PAYMENTS, RequestWriter
from app.errors import ValidationError
from tests.app import bgc_files

DATA = Path(__file__).parent / "data" / "autogiro"
BG, CUSTOMER = "9912346", "471117"


def _write(kind, fill, *, bankgiro=BG, customer=CUSTOMER, on=date(2008, 6, 11)) -> bytes:
    out = io.BytesIO()
    writer = RequestWriter(out, kind, customer_number=customer, bankgiro=bankgiro, written_on=on)
    fill(writer)
    return out.getvalue()


def _lines(data: bytes) -> list[str]:
    assert data.endswith(b"\r\n")
    body = data[:-2].split(b"\r\n")
    assert all(b"\n" not in line and len(line) == 80 for line in body), "80 positions, CR LF"
    return [line.decode("iso-8859-1") for line in body]


# --------------------------------------------------------------------------
# Outgoing: column by column against Bankgirot's example betalningsunderlag
# --------------------------------------------------------------------------


def test_betalningsunderlag_matches_bankgirots_example_file_column_by_column():
    example = (DATA / "bgc_betalningsunderlag.txt").read_bytes().decode("iso-8859-1").split("\r\n")[:-1]

    def fill(w: RequestWriter):
        w.debit("101", 75000, date(2008, 6, 12), "ÅRSKORT-2008")
        w.debit("102", 25050, date(2008, 6, 12), "KVARTAL-2008")
        w.debit("103", 110000, date(2008, 6, 30), "MÅNAD-2008", period="5", repetitions=6)
        w.debit("2222101", 500025, date(2008, 6, 30), "KVARTAL-2008", period="6", repetitions=3)
        w.debit("3331022", 35000, None, "KUNDNR5")
        w.credit("7771014", 12500, date(2008, 6, 12), "UTBETALN")

    ours = _lines(_write(PAYMENTS, fill, bankgiro="9902346"))
    # Bankgirot's example ends each record after its last field; ours fill to 80 positions with blanks.
    assert [line.rstrip() for line in ours] == [line.rstrip() for line in example[:7]]
    assert "Å".encode("iso-8859-1") in _write(PAYMENTS, fill, bankgiro="9902346")


def test_betalningsunderlag_totals_and_encoding():
    def fill(w):
        w.debit("42", 49900, date(2027, 1, 27), "Gym månad")
        w.debit("43", 100, date(2027, 1, 27), "Årskort – Öst")  # the dash is not ISO 8859-1: folded
        w.credit("44", 2500, date(2027, 1, 27))

    out = io.BytesIO()
    w = RequestWriter(out, PAYMENTS, customer_number="123456", bankgiro="50501055", written_on=date(2027, 1, 20))
    fill(w)
    lines = _lines(out.getvalue())
    assert (w.totals.debit_count, w.totals.debit_ore, w.totals.credit_count, w.totals.credit_ore) == (2, 50000, 1, 2500)
    assert lines[0] == "0120270120AUTOGIRO" + " " * 44 + "123456" + "0050501055" + "  "
    assert lines[1][53:69] == "Gym månad       "
    assert lines[2][53:69] == "Årskort ? Öst   " or lines[2][53:69] == "Årskort - Öst   "
    assert "Årskort".encode("iso-8859-1") in out.getvalue()


def test_medgivandeunderlag_columns():
    def fill(w):
        w.cancel_mandate("1001")
        w.change_payer_number("1002", "2002")
        w.new_mandate("1003", "3300", "1212121212", "191212121212")
        w.new_mandate("1004", "81053", "123456789", "198001011234")  # Swedbank 8xxx-x: four-digit clearing

    lines = _lines(_write(MANDATES, fill, bankgiro="11111119", customer="666666", on=date(2017, 1, 11)))
    assert lines[0].rstrip() == "0120170111AUTOGIRO                                            6666660011111119"
    assert lines[1].rstrip() == "0300111111190000000000001001"
    assert lines[2].rstrip() == "05001111111900000000000010020011111119" + "0000000000002002"
    assert lines[3].rstrip() == "04" + "0011111119" + "0000000000001003" + "3300001212121212" + "191212121212"
    assert lines[4][28:44] == "8105000123456789"


def test_makulering_columns():
    def fill(w):
        w.cancel_all_payments("3333333333")
        w.cancel_payments_on("1", date(2027, 2, 27))
        w.cancel_payment("2", date(2027, 2, 27), 49900, "AVGIFT 7")

    lines = _lines(_write(AMENDMENTS, fill, bankgiro="11111119", customer="666666", on=date(2018, 9, 10)))
    assert lines[1].rstrip() == "2300111111190000003333333333"
    assert lines[2].rstrip() == "24" + "0011111119" + "0000000000000001" + "20270227"
    assert lines[3].rstrip() == ("25" + "0011111119" + "0000000000000002" + "20270227" + "000000049900" + "82"
                                 + " " * 8 + "AVGIFT 7")


def test_a_record_of_the_wrong_kind_or_amount_is_refused():
    with pytest.raises(ValueError):
        _write(MANDATES, lambda w: w.debit("1", 100, date(2027, 1, 1)))
    with pytest.raises(ValueError):
        _write(PAYMENTS, lambda w: w.debit("1", 0, date(2027, 1, 1)))
    with pytest.raises(ValueError):
        _write(PAYMENTS, lambda w: w.debit("12345678901234567", 100, date(2027, 1, 1)))


# --------------------------------------------------------------------------
# Incoming: Bankgirot's example files
# --------------------------------------------------------------------------


def test_bankgirots_example_medgivandeavisering():
    path = DATA / "bgc_medgivandeavisering.txt"
    assert open_file(path).kind == MEDGIVANDEAVISERING
    rows = list(records(path))
    assert len(rows) == 10
    first = rows[0]
    assert (first.payer_number, first.clearing, first.account, first.personnummer, first.info, first.comment) == \
        ("103", "5001", "1000020", "196803050000", "04", "32")
    assert first.on == date(2008, 6, 11) and first.line_no == 2
    assert [r.comment for r in rows].count("32") == 3


def test_bankgirots_example_betalningsspecifikation():
    path = DATA / "bgc_betalningsspecifikation.txt"
    summary = check_file(path)
    assert summary.opening.kind == BETALNINGSSPECIFIKATION
    assert (summary.opening.customer_number, summary.opening.bankgiro) == ("471117", "9912346")
    assert summary.counts == {"82": 8, "32": 4, "77": 2}
    debits = [r for r in records(path) if r.code == "82"]
    assert [r.status for r in debits] == ["0", "0", "0", "0", "0", "1", "2", "9"]
    assert debits[0].amount_ore == 300000 and debits[0].payer_number == "101"


def test_bankgirots_example_avvisade_betalningsuppdrag():
    path = DATA / "bgc_avvisade.txt"
    assert open_file(path).kind == AVVISADE
    rows = list(records(path))
    assert [(r.code, r.payer_number, r.amount_ore, r.comment) for r in rows[:2]] == \
        [("82", "3333", 7500, "02"), ("82", "4444", 25000, "06")]
    assert rows[3].reference == "RIDLEKTION ATERB"


# --------------------------------------------------------------------------
# Incoming: files built by the tests (round trip), and refusals with the line number
# --------------------------------------------------------------------------


def test_round_trip_medgivandeavisering(tmp_path):
    path = bgc_files.mandate_advice(tmp_path / "medavi.txt", [("1001", "32", "04", "3300", "1212121212",
                                                              "191212121212"), ("1002", "05", "04", "", "", "")],
                                    on=date(2027, 1, 5), customer="123456", bankgiro="50501055")
    assert path.read_bytes().count(b"\r\n") == 4
    rows = list(records(path))
    assert [(r.payer_number, r.comment, r.clearing, r.account) for r in rows] == \
        [("1001", "32", "3300", "1212121212"), ("1002", "05", "", "")]


def test_round_trip_betalningsspecifikation_with_swedish_reference(tmp_path):
    paid = [bgc_files.Paid("1001", 49900, "Årsavgift å/ä/ö"), bgc_files.Paid("1002", 29900, "AVGIFT 2", "1")]
    path = bgc_files.payment_spec(tmp_path / "spec.txt", paid, on=date(2027, 1, 27), customer="123456",
                                  bankgiro="50501055")
    assert "Årsavgift å/ä/ö".encode("iso-8859-1") in path.read_bytes()
    rows = list(records(path))
    assert [(r.payer_number, r.amount_ore, r.reference, r.status) for r in rows] == \
        [("1001", 49900, "Årsavgift å/ä/ö", "0"), ("1002", 29900, "AVGIFT 2", "1")]


def test_round_trip_avvisade(tmp_path):
    path = bgc_files.rejections(tmp_path / "avv.txt", [("1001", 49900, "AVGIFT 1", "01", date(2027, 1, 27))],
                                on=date(2027, 1, 20), customer="123456", bankgiro="50501055")
    (row,) = records(path)
    assert (row.payer_number, row.amount_ore, row.reference, row.comment) == ("1001", 49900, "AVGIFT 1", "01")


def _refusal(path) -> AutogiroFileError:
    with pytest.raises(AutogiroFileError) as info:
        check_file(path)
    return info.value


def test_truncated_file_is_refused_with_the_line_number(tmp_path):
    full = (DATA / "bgc_betalningsspecifikation.txt").read_bytes()
    lines = full.split(b"\r\n")
    cut = tmp_path / "cut.txt"
    cut.write_bytes(b"\r\n".join(lines[:10]) + b"\r\n")        # no closing record
    err = _refusal(cut)
    assert err.line_no == 11 and "avkortad" in err.reason
    half = tmp_path / "half.txt"
    half.write_bytes(b"\r\n".join(lines[:5]) + b"\r\n" + lines[5][:40])   # a record cut in the middle
    err = _refusal(half)
    assert err.line_no == 6 and "för kort" in err.reason
    assert "rad 6" in err.message and "Ingenting har ändrats" in err.message


def test_wrong_counts_and_sums_are_refused(tmp_path):
    path = bgc_files.mandate_advice(tmp_path / "m.txt", [("1", "32", "04", "", "", "")], on=date(2027, 1, 5),
                                    customer="1", bankgiro="50501055", count=2)
    err = _refusal(path)
    assert err.line_no == 3 and "anger 2" in err.reason
    spec = (DATA / "bgc_betalningsspecifikation.txt").read_bytes().replace(
        b"000000000001500000   00000005", b"000000000001500001   00000005")
    (tmp_path / "s.txt").write_bytes(spec)
    err = _refusal(tmp_path / "s.txt")
    assert err.line_no == 2 and "öre" in err.reason
    avv = (DATA / "bgc_avvisade.txt").read_bytes().replace(b"000003000000087551", b"000003000000087552")
    (tmp_path / "a.txt").write_bytes(avv)
    assert _refusal(tmp_path / "a.txt").line_no == 10


def test_malformed_fields_old_layout_and_other_files_are_refused(tmp_path):
    bad = (DATA / "bgc_medgivandeavisering.txt").read_bytes().replace(b"043220080611", b"0432200806XX", 1)
    (tmp_path / "b.txt").write_bytes(bad)
    err = _refusal(tmp_path / "b.txt")
    assert err.line_no == 2 and "Dagen" in err.reason
    other_bg = (DATA / "bgc_medgivandeavisering.txt").read_bytes().replace(b"7300099123460000000002222101",
                                                                           b"7300099123470000000002222101")
    (tmp_path / "g.txt").write_bytes(other_bg)
    assert "öppningsposten" in _refusal(tmp_path / "g.txt").reason
    (tmp_path / "old.txt").write_bytes(b"012004011899000009912346AG-MEDAVI\r\n092004011899000000000\r\n")
    assert "gamla layout" in _refusal(tmp_path / "old.txt").reason
    (tmp_path / "csv.txt").write_bytes("namn;personnummer\r\n".encode())
    assert _refusal(tmp_path / "csv.txt").line_no == 1
    (tmp_path / "empty.txt").write_bytes(b"")
    assert "tom" in _refusal(tmp_path / "empty.txt").reason
    after = (DATA / "bgc_avvisade.txt").read_bytes() + b"822008061150060000000000003333000000007500RIDLEKTION      02\r\n"
    (tmp_path / "after.txt").write_bytes(after)
    assert "efter slutposten" in _refusal(tmp_path / "after.txt").reason


def test_bankgiro_and_customer_number_validation():
    assert parse_bankgiro("5050-1055") == "50501055"
    assert parse_bankgiro("991-2346") == "9912346"
    with pytest.raises(ValidationError, match="kontrollsiffran"):
        parse_bankgiro("5050-1056")
    with pytest.raises(ValidationError, match="7 eller 8"):
        parse_bankgiro("12345")
    assert parse_customer_number(" 471117 ") == "471117"
    with pytest.raises(ValidationError):
        parse_customer_number("1234567")
