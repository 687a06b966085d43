"""Arkiv > Säkerhetskopiera… and Hjälp > Skapa felrapport / Datorer och versioner through the real main
window: the copy is made off the UI thread and opens; the report lands; the desk list shows the desks."""
from __future__ import annotations

import sqlite3
import zipfile

import pytest

from app.backup import check_backup
from app.desks import record_contact
from db.migrate import known_revisions
from widgets.main_window import MainWindow
from widgets.maintenance import Maintenance
from widgets.services import Bus, UiServices

pytestmark = pytest.mark.qt_log_ignore(r"This plugin does not support propagateSizeHints",
                                       r"This plugin does not support raise\(\)")


@pytest.fixture
def window_for(qtbot, sqlite_core, make_actor, tmp_path, monkeypatch):
    monkeypatch.setenv("RECEPTION_DATA_DIR", str(tmp_path / "data"))
    shown = []
    monkeypatch.setattr(Maintenance, "info_box", staticmethod(lambda p, t, text: shown.append(("info", t, text))))
    monkeypatch.setattr(Maintenance, "error_box", staticmethod(lambda p, t, text: shown.append(("fel", t, text))))

    def make(username: str):
        from app.postal import PostalCodes

        services = UiServices(core=sqlite_core, actor=make_actor(sqlite_core, username), bus=Bus(),
                              user_data_dir=tmp_path / "data", postal=PostalCodes.load())
        window = MainWindow(services)
        qtbot.addWidget(window)
        window.shown = shown
        return window
    return make


def _titles(menu) -> list[str]:
    return [a.text().replace("&", "") for a in menu.actions()]


def test_backup_from_the_file_menu_makes_a_copy_that_opens(qtbot, window_for, tmp_path, monkeypatch):
    window = window_for("recep")
    target = tmp_path / "kopia.db"
    monkeypatch.setattr(Maintenance, "save_file", staticmethod(lambda *a: str(target)))
    assert "Säkerhetskopiera…" in _titles(window.menuBar().actions()[0].menu())
    window.maintenance.backup_action.trigger()
    qtbot.waitUntil(lambda: bool(window.shown), timeout=10000)
    assert window.shown[0][0] == "info" and str(target) in window.shown[0][2]
    assert check_backup(target, known_revisions())
    conn = sqlite3.connect(target)
    assert conn.execute("SELECT count(*) FROM users").fetchone()[0] == 2
    conn.close()


def test_a_backup_into_a_folder_that_cannot_be_written_says_why(qtbot, window_for, tmp_path, monkeypatch):
    window = window_for("recep")
    blocker = tmp_path / "fil"
    blocker.write_text("en fil, ingen mapp")
    monkeypatch.setattr(Maintenance, "save_file", staticmethod(lambda *a: str(blocker / "kopia.db")))
    window.maintenance.backup_action.trigger()
    qtbot.waitUntil(lambda: bool(window.shown), timeout=10000)
    kind, _title, text = window.shown[0]
    assert kind == "fel" and "kunde inte skrivas" in text


def test_the_error_report_from_the_help_menu(qtbot, window_for, tmp_path, monkeypatch):
    window = window_for("recep")
    target = tmp_path / "rapport.zip"
    monkeypatch.setattr(Maintenance, "save_file", staticmethod(lambda *a: str(target)))
    window.maintenance.report_action.trigger()
    qtbot.waitUntil(lambda: bool(window.shown), timeout=10000)
    assert window.shown[0][0] == "info"
    with zipfile.ZipFile(target) as zf:
        assert "versioner.json" in zf.namelist() and b'"qt"' in zf.read("versioner.json")


def test_the_desk_list_needs_the_right_and_shows_every_desk(qtbot, window_for, sqlite_core):
    help_titles = _titles(window_for("recep").menuBar().actions()[-1].menu())
    assert "Skapa felrapport…" in help_titles and "Datorer och versioner…" not in help_titles
    record_contact(sqlite_core, machine="RECEPTION-1", user="recep", version="0.1.0")
    record_contact(sqlite_core, machine="RECEPTION-2", version="0.0.9")
    window = window_for("admin")
    window.maintenance.desks_action.trigger()
    table = window.maintenance.desks_dialog.table
    assert table.rowCount() == 2
    rows = {table.item(r, 0).text(): table.item(r, 2).text() for r in range(2)}
    assert rows == {"RECEPTION-1": "0.1.0", "RECEPTION-2": "0.0.9"}
