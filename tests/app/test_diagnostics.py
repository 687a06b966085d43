"""The error report: everything a helper needs, and no personnummer, password or account number."""
from __future__ import annotations

import json
import zipfile
from datetime import datetime, timezone

from app.diagnostics import save_crash, write_report
from app.main import main

NOW = datetime(2026, 12, 7, 13, 5, tzinfo=timezone.utc)
SECRETS = ("198507099805", "850709-9805", "8501 0709 9805", "83279123456789", "hemligt-lösen-42",
           "0004520100")


def _report(tmp_path, **overrides):
    logs = tmp_path / "logs"
    logs.mkdir()
    # a log written before masking existed (or by hand): the report masks it again
    (logs / "reception.log").write_text(
        "2026-12-07 INFO reception: Sökte 198507099805 och 850709-9805, konto 83279123456789, kort 0004520100\n",
        encoding="utf-8")
    (logs / "reception.log.1").write_text("äldre rad utan personuppgifter\n", encoding="utf-8")
    save_crash(tmp_path, "Traceback (most recent call last):\n  ValueError: 198507099805 finns inte\n")
    target = tmp_path / "rapport.zip"
    write_report(target, log_dir=logs, data_dir=tmp_path, now=NOW, extra_versions={"qt": "6.11.3"},
                 desk_settings={"database/url": "postgresql+psycopg://kassa:hemligt-lösen-42@db.klubben.se/reception",
                                "database/password": "hemligt-lösen-42", "sms/api_key": "hemligt-lösen-42",
                                "reader/port": "COM3", "desk/name": "Kassa 1"},
                 database={"kind": "postgresql", "schema": "desk_registry",
                           "url": "postgresql+psycopg://kassa:hemligt-lösen-42@db.klubben.se/reception"},
                 **overrides)
    return target


def test_the_report_holds_logs_versions_settings_database_and_the_last_crash(tmp_path):
    with zipfile.ZipFile(_report(tmp_path)) as zf:
        names = set(zf.namelist())
        assert {"versioner.json", "datorns-installningar.json", "databas.json", "loggar/reception.log",
                "loggar/reception.log.1", "senaste-krasch.txt", "LASMIG.txt"} <= names
        versions = json.loads(zf.read("versioner.json"))
        assert versions["reception"] and versions["qt"] == "6.11.3" and "python" in versions
        assert {"SQLAlchemy", "alembic"} <= set(versions["distributions"])
        settings = json.loads(zf.read("datorns-installningar.json"))
        assert settings["reader/port"] == "COM3" and settings["desk/name"] == "Kassa 1"
        assert "database/password" not in settings and "sms/api_key" not in settings
        assert settings["database/url"] == "postgresql+psycopg://kassa:***@db.klubben.se/reception"
        assert json.loads(zf.read("databas.json"))["schema"] == "desk_registry"
        assert "ValueError" in zf.read("senaste-krasch.txt").decode()


def test_no_personnummer_password_or_account_number_ends_up_in_the_report(tmp_path):
    with zipfile.ZipFile(_report(tmp_path)) as zf:
        for name in zf.namelist():
            text = zf.read(name).decode("utf-8")
            for secret in SECRETS:
                assert secret not in text, (name, secret)
    raw = (tmp_path / "rapport.zip").read_bytes()
    assert b"hemligt" not in raw  # not even compressed away by chance: the zip is deflated text


def test_the_report_from_the_command_line(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("RECEPTION_DATA_DIR", str(tmp_path))
    (tmp_path / "desk.ini").write_text("[database]\nurl=sqlite:///x.db\npassword=hemligt-lösen-42\n", encoding="utf-8")
    target = tmp_path / "ut.zip"
    assert main(["--db", f"sqlite+pysqlite:///{tmp_path / 'r.db'}", "report", str(target)]) == 0
    assert "Felrapporten är sparad" in capsys.readouterr().out
    with zipfile.ZipFile(target) as zf:
        assert "hemligt" not in zf.read("datorns-installningar.json").decode()
        assert json.loads(zf.read("databas.json"))["kind"] == "sqlite"
