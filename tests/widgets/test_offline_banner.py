"""The offline banner in the main window follows the desk's connection state; the photo-cache setting."""
from __future__ import annotations

from datetime import datetime, timezone

from PySide6.QtCore import QSettings

from app.sync.connectivity import Connectivity
from widgets.desk_settings import DeskSettings, DeskSettingsDialog
from widgets.main_window import MainWindow
from widgets.services import Bus, UiServices


def _window(qtbot, core, actor, tmp_path):
    services = UiServices(core=core, actor=actor, bus=Bus(), user_data_dir=tmp_path)
    window = MainWindow(services)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    return window


def test_an_embedded_desk_has_no_banner(qtbot, sqlite_core, make_actor, tmp_path):
    window = _window(qtbot, sqlite_core, make_actor(sqlite_core, "recep"), tmp_path)
    assert window.offline_banner is None


def test_the_banner_says_since_when_and_goes_away(qtbot, sqlite_core, make_actor, tmp_path, clock):
    sqlite_core.connectivity = Connectivity(clock, online=True)
    window = _window(qtbot, sqlite_core, make_actor(sqlite_core, "recep"), tmp_path)
    banner = window.offline_banner
    assert not banner.isVisible()
    sqlite_core.connectivity.mark_synced(datetime(2026, 11, 22, 13, 2, tzinfo=timezone.utc))  # 14:02 local
    sqlite_core.connectivity.set_online(False)          # as the monitor does, from its thread
    qtbot.waitUntil(banner.isVisible, timeout=1000)
    assert banner.label.text() == ("Ingen kontakt med servern – uppgifterna är från kl. 14:02. "
                                   "Det du gör sparas och skickas när kontakten är tillbaka.")
    sqlite_core.connectivity.set_online(True)
    qtbot.waitUntil(lambda: not banner.isVisible(), timeout=1000)


def test_fill_progress_and_a_replica_problem_are_shown(qtbot, sqlite_core, make_actor, tmp_path, clock):
    sqlite_core.connectivity = Connectivity(clock, online=True)
    window = _window(qtbot, sqlite_core, make_actor(sqlite_core, "recep"), tmp_path)
    banner = window.offline_banner
    banner.relay.progress.emit(250, 1000)
    qtbot.waitUntil(banner.fill_bar.isVisible, timeout=1000)
    assert banner.fill_bar.value() == 250 and "fylls" in banner.fill_bar.format()
    banner.relay.progress.emit(1000, 1000)
    qtbot.waitUntil(lambda: not banner.fill_bar.isVisible(), timeout=1000)
    banner.relay.problem.emit("Disken där den lokala kopian ligger är full.")
    qtbot.waitUntil(banner.problem_label.isVisible, timeout=1000)
    banner.relay.problem.emit("")
    qtbot.waitUntil(lambda: not banner.problem_label.isVisible(), timeout=1000)


def test_photo_cache_setting_defaults_to_500_mb_and_is_saved_by_the_dialog(qtbot, tmp_path):
    ini = tmp_path / "desk.ini"
    settings = DeskSettings(QSettings(str(ini), QSettings.Format.IniFormat))
    assert settings.photo_cache_mb == 500
    dialog = DeskSettingsDialog(settings, list_ports=lambda: [])
    qtbot.addWidget(dialog)
    assert dialog.photo_cache_spin.value() == 500
    dialog.photo_cache_spin.setValue(1200)
    dialog.accept()
    assert DeskSettings(QSettings(str(ini), QSettings.Format.IniFormat)).photo_cache_mb == 1200
