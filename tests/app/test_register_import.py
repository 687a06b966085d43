"""The local person register's import (issue 12 point 8): the file read by the CSV reader the pre-order
import uses, a reason per bad row, the ImportRegister routine (right, audit, replace, recheck) and the
command-line twin `reception register import`, on SQLite and PostgreSQL."""
from __future__ import annotations

import codecs
import io
import sys

import pytest
from sqlalchemy import select

from app.domain import csv_file
from app.domain.register_csv import (ERR_POSTAL, ERR_PROTECTED, MSG_EMPTY, MSG_HEADER_ONLY, MSG_NO_ROWS,
                                     parse_register_csv, read_register_file)
from app.errors import NotAllowed, ValidationError
from app.lookup import LookupResult, RegisterProvider
from app.main import main
from app.routines.lookup_register import ImportRegister, ImportRegisterCommand, RegisterImportRow, register_size
from app.routines.organisations import ImportRefused
from tests.conftest import TODAY

HEADER = "personnummer;förnamn;efternamn;gatuadress;co;postnummer;ort;skyddad\n"
GOOD = ("19850709-9805;Åsa;Öberg;Storgatan 1;;114 55;Stockholm;\n"
        "850769-9802;Sami;Virtanen;Kungsgatan 2;c/o Berg;41101;Göteborg;nej\n"
        "196703151230;Hemlig;Person;Gömd väg 3;;11122;Stockholm;ja\n")
BAD = ("19850709-9806;Fel;Siffra\n"                 # line 5: checksum
       "19850709-9805;Åsa;Dubbel\n"                 # line 6: the same person as line 2
       "1,98507E+11;Excel;Exponent\n"               # line 7
       "19900101-0017;Bo;Berg;Väg 1;;1234;Ort;kanske\n"  # line 8: postal code and skyddad
       "19900101-0017;Bo\n"                         # line 9: two fields
       "19900101-0017;;Berg\n")                     # line 10: no first name


def rows_of(preview):
    return [(r.line_no, r.errors) for r in preview.rows]


def command(preview, name="spar.csv") -> ImportRegisterCommand:
    return ImportRegisterCommand(tuple(RegisterImportRow.from_preview(r) for r in preview.valid_rows), name)


def register(core) -> dict[str, tuple]:
    from db.models import PersonRegisterEntry

    with core.sessions() as s:
        return {r.personnummer: (r.first_name, r.last_name, r.street, r.co, r.postal_code, r.town,
                                 r.protected_identity) for r in s.scalars(select(PersonRegisterEntry))}


def audit_rows(core):
    from db.models import AuditEntry

    with core.sessions() as s:
        return [(r.user_id, r.at, r.entity, r.details) for r in
                s.scalars(select(AuditEntry).where(AuditEntry.action == "Importera lokalt register")
                              .order_by(AuditEntry.id))]


# --------------------------------------------------------------------------
# The file
# --------------------------------------------------------------------------


def test_a_windows_file_with_header_is_read_with_every_column():
    preview = parse_register_csv((HEADER + GOOD).encode("cp1252"), TODAY)
    assert (preview.encoding_label, preview.delimiter_label, preview.header_skipped) == (
        "Windows-1252", "semikolon", True)
    assert rows_of(preview) == [(2, []), (3, []), (4, [])]
    first, sami, hidden = preview.rows
    assert (first.personnummer, first.first_name, first.last_name, first.street, first.postal_code,
            first.town, first.protected_identity) == ("198507099805", "Åsa", "Öberg", "Storgatan 1", "11455",
                                                      "Stockholm", False)
    assert (sami.personnummer, sami.co) == ("198507699802", "c/o Berg")  # samordningsnummer
    assert hidden.protected_identity


def test_utf8_with_bom_comma_separated_three_columns_and_excels_sep_line():
    data = codecs.BOM_UTF8 + "19850709-9805,Åsa,Öberg\r\n\r\n196703151230,Hemlig,Person\r\n".encode("utf-8")
    preview = parse_register_csv(data, TODAY)
    assert (preview.encoding, preview.delimiter, preview.header_skipped) == ("utf-8-sig", ",", False)
    assert [(r.line_no, r.personnummer, r.street) for r in preview.rows] == [
        (1, "198507099805", ""), (3, "196703151230", "")]
    tabbed = parse_register_csv(b"sep=\t\n19850709-9805\tAsa\tOberg\t\t\t\t\t\t\n", TODAY)
    assert tabbed.delimiter == "\t" and rows_of(tabbed) == [(2, [])]  # Excel's trailing empty cells are no fields


def test_every_bad_row_gets_its_reason_and_the_good_rows_stay_importable():
    preview = parse_register_csv((HEADER + GOOD + BAD).encode("utf-8"), TODAY)
    reasons = dict(rows_of(preview))
    assert [line for line, errors in rows_of(preview) if not errors] == [2, 3, 4]
    assert reasons[5] == ["Personnumret är felaktigt (kontrollsiffran stämmer inte). Kontrollera siffrorna"]
    assert reasons[6] == ["Samma person finns redan på rad 2"]
    assert reasons[7][0].startswith("Personnumret har sparats i exponentform")
    assert reasons[8] == [ERR_POSTAL, ERR_PROTECTED]
    assert reasons[9] == ["Raden har 2 fält, förväntade 3 till 8 (personnummer, förnamn, efternamn (och gärna "
                          "gatuadress, c/o, postnummer, ort, skyddad))"]
    assert reasons[10] == ["Förnamn saknas"]


def test_a_name_with_control_characters_or_too_long_is_refused_per_row():
    preview = parse_register_csv(("19850709-9805;Å\u200bsa;Öberg\n19900101-0017;Bo;" + "B" * 101 + "\n")
                                 .encode("utf-8"), TODAY)
    assert rows_of(preview) == [(1, ["Förnamnet innehåller osynliga tecken eller styrtecken"]),
                                (2, ["Efternamnet får vara högst 100 tecken"])]


@pytest.mark.parametrize("data, message", [
    (b"", MSG_EMPTY),
    (b"%PDF-1.7 ...", csv_file.MSG_PDF),
    (b"PK\x03\x04 not really a zip", csv_file.MSG_XLSX),
    (HEADER.encode(), MSG_HEADER_ONLY),
    ("Hej!\nHär är listan.\n".encode("cp1252"), MSG_NO_ROWS),
])
def test_what_is_no_register_file_is_refused_with_the_shared_readers_reasons(data, message):
    with pytest.raises(ValidationError) as info:
        parse_register_csv(data, TODAY)
    assert info.value.message == message and info.value.field == "fil"


def test_the_shared_reader_checks_the_size_before_reading(tmp_path):
    path = tmp_path / "stor.csv"
    with open(path, "wb") as f:
        f.truncate(30 * 1024 * 1024)
    with pytest.raises(ValidationError, match=r"Filen är för stor \(30 MB\)\. Största tillåtna storlek är 20 MB\."):
        read_register_file(path, today=TODAY)
    with pytest.raises(ValidationError, match="Filen saknas.csv finns inte."):
        read_register_file(tmp_path / "saknas.csv", today=TODAY)


# --------------------------------------------------------------------------
# The routine
# --------------------------------------------------------------------------


def test_the_import_replaces_the_register_audited_and_the_lookup_finds_the_people(core, admin, clock):
    first = parse_register_csv((HEADER + GOOD).encode("utf-8"), TODAY)
    assert ImportRegister(core).execute(command(first, "spar-2026.csv"), admin) == 3
    provider = RegisterProvider(core.sessions)
    assert provider.lookup("198507099805") == LookupResult("198507099805", "Åsa", "Öberg", "Storgatan 1", "",
                                                           "11455", "Stockholm", False)
    hidden = provider.lookup("196703151230")
    assert hidden.protected_identity and hidden.street == ""  # never an address for a protected identity

    second = parse_register_csv("19900101-0017;Bo;Berg;Väg 1;;123 45;Ort;\n".encode("utf-8"), TODAY)
    progress = []
    assert ImportRegister(core, progress=lambda d, t: progress.append((d, t))).execute(command(second, "ny.csv"),
                                                                                         admin) == 1
    assert progress == [(1, 1)]
    assert register(core) == {"199001010017": ("Bo", "Berg", "Väg 1", None, "12345", "Ort", False)}
    assert provider.lookup("198507099805") is None  # no longer in the extract: no longer found
    (_, _, _, d1), (who, when, entity, d2) = audit_rows(core)
    assert (who, when, entity) == (admin.user_id, clock.now(), "person_register")
    assert '"fil": "spar-2026.csv"' in d1 and '"personer_efter": 3' in d1 and '"personer_före": 0' in d1
    assert '"fil": "ny.csv"' in d2 and '"personer_före": 3' in d2 and '"personer_efter": 1' in d2
    assert "Öberg" not in d1 and "9805" not in d1  # the people are in the register, not in the log


def test_without_the_right_the_routine_refuses_and_nothing_is_written(core, admin, receptionist):
    preview = parse_register_csv((HEADER + GOOD).encode("utf-8"), TODAY)
    ImportRegister(core).execute(command(preview), admin)
    with pytest.raises(NotAllowed, match="Systeminställningar"):
        ImportRegister(core).execute(command(parse_register_csv(b"19900101-0017;Bo;Berg\n", TODAY)), receptionist)
    assert len(register(core)) == 3 and len(audit_rows(core)) == 1


def test_the_routine_checks_every_row_again_and_one_bad_row_writes_nothing(core, admin):
    preview = parse_register_csv((HEADER + GOOD).encode("utf-8"), TODAY)
    ImportRegister(core).execute(command(preview), admin)
    rows = (RegisterImportRow(1, "199001010017", "Bo", "Berg"), RegisterImportRow(2, "199001010018", "Fel", "Nr"),
            RegisterImportRow(3, "199001010017", "Bo", "Igen"))
    with pytest.raises(ImportRefused) as info:
        ImportRegister(core).execute(ImportRegisterCommand(rows, "x.csv"), admin)
    assert [(p.line_no, p.reasons) for p in info.value.problems] == [
        (2, ("Personnumret är felaktigt (kontrollsiffran stämmer inte). Kontrollera siffrorna",)),
        (3, ("Samma person finns redan på rad 1",))]
    with pytest.raises(ValidationError, match="inga giltiga rader"):
        ImportRegister(core).execute(ImportRegisterCommand((), "tom.csv"), admin)
    assert len(register(core)) == 3 and len(audit_rows(core)) == 1


# --------------------------------------------------------------------------
# reception register import
# --------------------------------------------------------------------------


@pytest.fixture
def cli(db, clock, monkeypatch, tmp_path):
    monkeypatch.setenv("RECEPTION_DATA_DIR", str(tmp_path / "data"))

    monkeypatch.setattr(sys, "stdin", sys.stdin)  # restored after the test (run() replaces it)

    def run(text: str | bytes, *args: str, user: str | None = "admin", password: str = "hemligt") -> int:
        path = tmp_path / "utdrag.csv"
        path.write_bytes(text if isinstance(text, bytes) else text.encode("cp1252"))
        argv = ["--db", db.url, "register", "import", "--password-stdin", *(["--user", user] if user else []),
                *args, str(path)]
        sys.stdin = io.StringIO(password + "\n")  # the password, as app.cli_auth reads it with --password-stdin
        return main(argv, clock=clock)
    return run


def test_cli_imports_a_file(core, cli, capsys):
    assert cli(HEADER + GOOD) == 0
    out, err = capsys.readouterr()
    assert (out.strip(), err) == ("Det lokala registret har nu 3 personer.", "")
    assert set(register(core)) == {"198507099805", "198507699802", "196703151230"}
    with core.sessions() as s:
        assert register_size(s) == 3
    ((_, _, _, details),) = audit_rows(core)
    assert '"fil": "utdrag.csv"' in details


def test_cli_bad_rows_import_nothing_unless_skip_invalid(core, cli, capsys):
    assert cli(HEADER + GOOD + BAD) == 1
    out, err = capsys.readouterr()
    lines = err.splitlines()
    assert out == "" and "rad 6: Samma person finns redan på rad 2" in lines and "rad 10: Förnamn saknas" in lines
    assert lines[-1] == ("reception: 6 av 9 rader har fel. Ingenting importerades. Rätta raderna, eller använd "
                         "--skip-invalid för att importera bara de giltiga.")
    assert register(core) == {} and audit_rows(core) == []
    assert cli(HEADER + GOOD + BAD, "--skip-invalid") == 0
    out, err = capsys.readouterr()
    assert out.strip() == "Det lokala registret har nu 3 personer. 6 rader med fel hoppades över."
    assert "rad 5: Personnumret är felaktigt" in err
    assert len(register(core)) == 3


def test_cli_refuses_a_user_without_the_right_and_what_is_no_csv(core, cli, capsys):
    assert cli(HEADER + GOOD, user="recep") == 2
    assert "Du saknar rättigheten ”Systeminställningar”" in capsys.readouterr().err
    assert cli(b"%PDF-1.4 rapport") == 2
    assert capsys.readouterr().err.strip() == f"reception: {csv_file.MSG_PDF}"
    assert cli(HEADER + GOOD, user="okand") == 2
    assert capsys.readouterr().err.strip() == "reception: Fel användarnamn eller lösenord."
    assert cli(HEADER + GOOD, password="fel") == 2  # the right user, the wrong password: nothing is imported
    assert capsys.readouterr().err.strip() == "reception: Fel användarnamn eller lösenord."
    assert register(core) == {} and audit_rows(core) == []
