"""`reception preorders import` end to end: argv → parser → routine → database, on SQLite and PostgreSQL."""
from __future__ import annotations

import io
import sys
import zipfile

import pytest

from app.domain.preorder_csv import MSG_EMPTY, MSG_PDF, MSG_XLSX
from app.main import main
from tests.app.orgdata import PREORDER_FILES, add_preorder, build_orgs, preorder_count, preorders


@pytest.fixture
def orgs(core, monkeypatch, tmp_path):
    monkeypatch.setenv("RECEPTION_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setattr(sys, "stdin", sys.stdin)  # restored after the test (cli() replaces it)
    return build_orgs(core)


def cli(db, clock, *args: str, user: str = "admin", org: str = "556074-3089", product: str = "GYM",
        password: str = "hemligt") -> int:
    """The user's password on standard input (--password-stdin); tests/app/test_cli_auth.py drives the
    terminal prompt and the keyring through a real subprocess."""
    argv = ["--db", db.url, "preorders", "import", "--org", org, "--product", product,
            "--from", "2026-12-01", "--to", "2027-11-30", "--password-stdin"]
    if user:
        argv += ["--user", user]
    sys.stdin = io.StringIO(password + "\n")
    return main(argv + list(args), clock=clock)


def test_import_a_file(db, core, clock, orgs, capsys):
    assert cli(db, clock, str(PREORDER_FILES / "libreoffice_cp1252_semicolon.csv")) == 0
    out, err = capsys.readouterr()
    assert out.strip() == "Importerade 8 förbeställningar för Volvo Personvagnar AB (556074-3089)."
    assert err == ""
    stored = preorders(core, orgs.volvo)
    assert len(stored) == 8 and stored[0].name == "Åsa Öberg"
    assert {(str(p.valid_from), str(p.valid_to), p.product_id) for p in stored} == {
        ("2026-12-01", "2027-11-30", orgs.gym)}


def test_organisation_number_and_product_id_in_other_forms(db, core, clock, orgs, capsys):
    assert cli(db, clock, str(PREORDER_FILES / "header_crlf.csv"), org="5560743089",
               product=str(orgs.kontant)) == 0
    assert "Importerade 8 förbeställningar" in capsys.readouterr().out
    assert {p.product_id for p in preorders(core, orgs.volvo)} == {orgs.kontant}


def test_bad_rows_refuse_the_whole_file_with_a_row_report(db, core, clock, orgs, capsys):
    assert cli(db, clock, str(PREORDER_FILES / "bad_rows.csv")) == 1
    out, err = capsys.readouterr()
    lines = err.splitlines()
    assert out == ""
    assert len([line for line in lines if line.startswith("rad ")]) == 25
    assert "rad 2: Namn saknas" in lines
    assert "rad 13: Samma person finns redan på rad 1" in lines
    assert ("rad 23: Namn saknas; Personnummer eller födelsedatum saknas; E-postadressen är ogiltig") in lines
    assert lines[-1] == ("reception: 25 av 30 rader har fel. Ingenting importerades. Rätta raderna, eller använd "
                         "--skip-invalid för att importera bara de giltiga.")
    assert preorder_count(core) == 0


def test_skip_invalid_imports_the_valid_rows_and_still_reports_the_bad(db, core, clock, orgs, capsys):
    assert cli(db, clock, "--skip-invalid", str(PREORDER_FILES / "bad_rows.csv")) == 0
    out, err = capsys.readouterr()
    assert out.strip() == ("Importerade 5 förbeställningar för Volvo Personvagnar AB (556074-3089). "
                           "25 rader med fel hoppades över.")
    assert "rad 2: Namn saknas" in err.splitlines()
    assert preorder_count(core) == 5


def test_rows_with_an_open_preorder_already_are_bad_rows(db, core, clock, orgs, capsys):
    add_preorder(core, orgs.volvo, orgs.gym, "Karl Svensson", personnummer="196601019117")
    assert cli(db, clock, str(PREORDER_FILES / "header_crlf.csv")) == 1
    assert "rad 8: Personen har redan en öppen förbeställning på den här produkten" in \
        capsys.readouterr().err.splitlines()
    assert preorder_count(core) == 1


def _xlsx(path):
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")


def _sparse_200_mb(path):
    with open(path, "wb") as f:
        f.truncate(200 * 1024 * 1024)


@pytest.mark.parametrize("name, make, message", [
    ("lista.pdf", lambda p: p.write_bytes(b"%PDF-1.7\n1 0 obj\n<< >>\nendobj\n%%EOF\n"), MSG_PDF),
    ("lista.xlsx", _xlsx, MSG_XLSX),
    ("tom.csv", lambda p: p.write_bytes(b""), MSG_EMPTY),
    ("stor.csv", _sparse_200_mb, "Filen är för stor (200 MB). Största tillåtna storlek är 20 MB."),
    ("saknas.csv", lambda p: None, "Filen saknas.csv finns inte."),
])
def test_files_that_are_not_csv_get_a_message_and_nothing_is_written(db, core, clock, orgs, capsys, tmp_path,
                                                                    name, make, message):
    path = tmp_path / name
    make(path)
    assert cli(db, clock, str(path)) == 2
    out, err = capsys.readouterr()
    assert out == "" and err == f"reception: {message}\n"
    assert preorder_count(core) == 0


@pytest.mark.parametrize("kwargs, message", [
    (dict(org="556016-0681"), "Organisationsnumret är felaktigt. Det ska vara 10 siffror, t.ex. 556016-0680."),
    (dict(org="202100-5489"), "Det finns ingen organisation med organisationsnummer 202100-5489."),
    (dict(product="BAD"), "Produkten ”BAD” finns inte på organisationens prislista. Möjliga produkter: "),
    (dict(product="GYM", org="556016-0680"), "Produkten ”GYM” finns inte på organisationens prislista. "
                                             "Möjliga produkter: inga – organisationen saknar prislista."),
    (dict(user="okand"), "Fel användarnamn eller lösenord."),
    (dict(password="fel-lösen"), "Fel användarnamn eller lösenord."),
    (dict(user="recep"), "Du saknar rättigheten ”Organisationer”."),
])
def test_refusals_before_anything_is_written(db, core, clock, orgs, capsys, kwargs, message):
    assert cli(db, clock, str(PREORDER_FILES / "libreoffice_cp1252_semicolon.csv"), **kwargs) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.startswith(f"reception: {message}")
    assert preorder_count(core) == 0


def test_validity_period_is_checked_by_the_routine(db, core, clock, orgs, capsys):
    argv = ["--db", db.url, "preorders", "import", "--org", "556074-3089", "--product", "GYM", "--user", "admin",
            "--password-stdin", "--from", "2027-01-01", "--to", "2026-12-31", str(PREORDER_FILES / "header_crlf.csv")]
    sys.stdin = io.StringIO("hemligt\n")
    assert main(argv, clock=clock) == 2
    assert capsys.readouterr().err == "reception: Giltig till måste vara samma dag som Giltig från eller senare.\n"
    assert preorder_count(core) == 0


def test_a_date_that_is_no_date_is_a_usage_error(db, clock, orgs, capsys):
    with pytest.raises(SystemExit) as info:
        main(["--db", db.url, "preorders", "import", "--org", "556074-3089", "--product", "GYM",
              "--from", "1 december", "--to", "2027-11-30", "lista.csv"], clock=clock)
    assert info.value.code == 2
    assert "”1 december” är inget datum. Skriv ÅÅÅÅ-MM-DD." in capsys.readouterr().err


def test_the_user_defaults_to_the_login_name(db, core, clock, orgs, capsys, monkeypatch):
    monkeypatch.setattr("getpass.getuser", lambda: "admin")
    assert cli(db, clock, str(PREORDER_FILES / "header_crlf.csv"), user="") == 0
    assert preorder_count(core) == 8
