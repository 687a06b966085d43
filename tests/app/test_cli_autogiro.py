"""`reception autogiro export|import` end to end: argv → parser → routines → database and files, on SQLite and
PostgreSQL, with the exit codes a scheduled job acts on."""
from __future__ import annotations

import io
import sys
from datetime import date

import pytest
from sqlalchemy import select

from app.main import main
from db.models import AutogiroDebit, AutogiroMandate, Invoice, Person
from tests.app import bgc_files
from tests.app import builders as b
from tests.app.test_autogiro_routines import BG, CUSTOMER, register_two


@pytest.fixture
def setup(core, make_actor, monkeypatch, tmp_path):
    monkeypatch.setenv("RECEPTION_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setattr(sys, "stdin", sys.stdin)  # restored after the test (cli() replaces it)
    cat = b.build_catalog(core)
    b.settings(core, autogiro_bankgiro=BG, autogiro_customer_number=CUSTOMER)
    return register_two(core, cat, make_actor)


def cli(db, clock, *args: str, user: str = "admin", password: str = "hemligt") -> int:
    """The user's password on standard input (--password-stdin), as a scheduled job gives it."""
    sys.stdin = io.StringIO(password + "\n")
    return main(["--db", db.url, "autogiro", *args, "--user", user, "--password-stdin"], clock=clock)


def numbers(core) -> list[str]:
    with core.sessions() as s:
        return [str(n) for n in s.scalars(select(Person.customer_number).order_by(Person.id))]


def test_export_import_export_and_the_exit_codes(db, core, clock, setup, tmp_path, capsys):
    folder = tmp_path / "ut"
    folder.mkdir()
    assert cli(db, clock, "export", "--folder", str(folder)) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("Skicka medgivanden till Bankgirot: 2 nya medgivanden, 0 makuleringar") \
        and "autogiro_medgivanden_20261122_" in out[0]
    assert out[1] == "Skicka makuleringar till Bankgirot: Inga dragningar att makulera."
    assert out[2] == ("Skicka betalningsunderlag till Bankgirot: Inga dragningar att skicka för 2026-11-27. "
                      "2 väntar på att Bankgirot godkänner medgivandet.")
    assert len(list(folder.iterdir())) == 1

    anna, orjan = numbers(core)
    advice = bgc_files.mandate_advice(tmp_path / "medavi.txt", [(anna, "32", "04", "", "", ""),
                                                               (orjan, "32", "04", "", "", ""),
                                                               ("777", "32", "04", "", "", "")],
                                      on=date(2026, 11, 24), customer=CUSTOMER, bankgiro="50501055")
    assert cli(db, clock, "import", str(advice)) == 1  # applied, but one payer number is unknown
    out, err = capsys.readouterr()
    assert out.strip() == "medavi.txt: Medgivandeavisering: 3 poster, 2 ändrade, 1 hittades inte i Reception."
    assert err.strip() == "rad 4: Finns inte i Reception: inget medgivande med betalarnummer 777."
    assert cli(db, clock, "import", str(advice)) == 0
    assert "redan inläst" in capsys.readouterr().out
    with core.sessions() as s:
        assert set(s.scalars(select(AutogiroMandate.status))) == {"aktivt"}

    assert cli(db, clock, "export", "--folder", str(folder), "--only", "betalningar") == 0
    out = capsys.readouterr().out
    assert "2 dragningar den 2026-11-27, totalt 800,00 kr" in out
    assert cli(db, clock, "export", "--folder", str(folder)) == 0
    assert "Inga dragningar att skicka för 2026-11-27." in capsys.readouterr().out
    assert len(list(folder.iterdir())) == 2

    with core.sessions() as s:
        refs = [str(n) for n in s.scalars(select(Invoice.invoice_number).where(Invoice.kind == "autogiro")
                                          .order_by(Invoice.id))]
    spec = bgc_files.payment_spec(tmp_path / "bet.txt", [bgc_files.Paid(anna, 40000, refs[0]),
                                                        bgc_files.Paid(orjan, 40000, refs[1], "2")],
                                  on=date(2026, 11, 27), customer=CUSTOMER, bankgiro="50501055")
    truncated = tmp_path / "bet-avkortad.txt"
    truncated.write_bytes(spec.read_bytes()[:-80])
    assert cli(db, clock, "import", str(truncated)) == 2
    err = capsys.readouterr().err
    assert "rad 5" in err and "Ingenting har ändrats" in err
    with core.sessions() as s:
        assert set(s.scalars(select(AutogiroDebit.status))) == {"skickad"}
    assert cli(db, clock, "import", str(spec)) == 0
    assert "2 poster, 2 ändrade" in capsys.readouterr().out
    with core.sessions() as s:
        assert sorted(s.scalars(select(AutogiroDebit.status))) == ["betald", "misslyckad"]


def test_refusals_exit_2_and_change_nothing(db, core, clock, setup, tmp_path, capsys):
    folder = tmp_path / "ut"
    folder.mkdir()
    assert cli(db, clock, "export", "--folder", str(folder), user="recep") == 2
    assert "Systeminställningar" in capsys.readouterr().err
    assert cli(db, clock, "export", "--folder", str(folder), password="fel-lösen") == 2
    assert "Fel användarnamn eller lösenord." in capsys.readouterr().err
    assert cli(db, clock, "export", "--folder", str(tmp_path / "saknas")) == 2
    assert "Mappen" in capsys.readouterr().err
    assert cli(db, clock, "export", "--folder", str(folder), "--only", "betalningar", "--date", "2026-11-01") == 2
    assert "Dragningsdagen måste ligga efter i dag" in capsys.readouterr().err
    (tmp_path / "x.csv").write_text("namn;personnummer\n")
    assert cli(db, clock, "import", str(tmp_path / "x.csv")) == 2
    assert "rad 1" in capsys.readouterr().err
    with core.sessions() as s:
        assert s.scalars(select(AutogiroDebit)).all() == []
