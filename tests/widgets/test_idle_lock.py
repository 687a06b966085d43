"""The idle lock of a shared desk (issue 15 §6), with a short interval: no input for that long puts the
lock screen over the main window and hides the open wizard; the same user logs in again and the wizard
is back with what was typed; input keeps the desk open; another user gets a window of their own; wrong
passwords on the lock screen meet the same lock-out as the log-in."""
from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QApplication
from sqlalchemy import select

from app import auth
from db.models import AuditEntry
from tests.app import builders
from tests.wizards.conftest import WAIT_MS, Driver, confirm, error_box, postal_codes, services  # noqa: F401
from widgets.desk_settings import IDLE_LOCK_DEFAULT_MINUTES, DeskSettings, DeskSettingsDialog
from widgets.main_window import MainWindow
from wizards.base import PageId

pytestmark = pytest.mark.qt_log_ignore(r"This plugin does not support propagateSizeHints",
                                       r"This plugin does not support raise\(\)")

SHORT_MS = 300


@pytest.fixture
def window(qtbot, services, sqlite_core, tmp_path, monkeypatch):  # noqa: F811
    monkeypatch.setenv("RECEPTION_DATA_DIR", str(tmp_path / "data"))
    builders.build_catalog(sqlite_core)
    w = MainWindow(services)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    yield w
    w.idle_lock.stop()


def open_wizard_with_typed_name(qtbot, window) -> tuple:
    wizard = window.services.extra["start_registration"](None)
    d = Driver(qtbot, wizard)
    page = d.page()
    assert wizard.currentId() == PageId.LEGITIMERING
    d.click(page.type_buttons["ordinarie"])
    d.click(page.check_boxes()["id"])
    d.next(PageId.PERSONUPPGIFTER)
    d.type(d.page().edits["first_name"], "Annika")
    return wizard, d


def log_in_on_lock_screen(qtbot, screen, username: str, password: str) -> None:
    screen.username.clear()
    qtbot.keyClicks(screen.username, username)
    screen.password.clear()
    qtbot.keyClicks(screen.password, password)
    qtbot.keyClick(screen.password, Qt.Key.Key_Return)


def audit_actions(core) -> list[str]:
    with core.sessions() as s:
        return list(s.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


def test_the_desk_locks_when_idle_and_the_wizard_keeps_its_data_behind_the_lock(qtbot, window, sqlite_core):
    wizard, d = open_wizard_with_typed_name(qtbot, window)
    window.idle_lock.set_minutes(0)
    window.idle_lock.watcher.set_interval_ms(SHORT_MS)
    screen = window.idle_lock.screen
    qtbot.waitUntil(screen.isVisible, timeout=SHORT_MS * 10)
    assert not wizard.isVisible()  # hidden, not closed
    assert wizard in window.services.extra["open_wizards"]
    assert screen.geometry().contains(window.geometry().center())
    assert screen.windowModality() == Qt.WindowModality.ApplicationModal
    assert "Rut Reception" in screen.who.text() and screen.username.text() == "recep"
    # a wrong password: still locked, the answer at the field, audited
    log_in_on_lock_screen(qtbot, screen, "recep", "fel-losen")
    assert screen.isVisible() and screen.error.text() == auth.WRONG and screen.password.text() == ""
    assert audit_actions(sqlite_core)[-1] == "Felaktigt lösenord"
    # the same user: everything back as it was
    log_in_on_lock_screen(qtbot, screen, "recep", "hemligt")
    assert not screen.isVisible()
    qtbot.waitUntil(wizard.isVisible, timeout=WAIT_MS)
    assert wizard.currentId() == PageId.PERSONUPPGIFTER
    assert wizard.currentPage().edits["first_name"].text() == "Annika"
    assert audit_actions(sqlite_core)[-1] == "Inloggning"
    assert window.idle_lock.watcher.active  # counting again
    wizard._entered = False


def test_input_keeps_the_desk_unlocked(qtbot, window):
    window.idle_lock.watcher.set_interval_ms(SHORT_MS)
    field = window.search_panel.search_edit
    field.setFocus()
    for _ in range(8):  # 8 × 100 ms of typing: more than twice the idle time
        qtbot.keyClick(field, Qt.Key.Key_A)
        qtbot.wait(100)
    assert not window.idle_lock.locked
    qtbot.waitUntil(lambda: window.idle_lock.locked, timeout=SHORT_MS * 10)


def test_lock_now_from_the_menu_and_escape_does_not_unlock(qtbot, window):
    window.lock_action.trigger()
    screen = window.idle_lock.screen
    assert screen.isVisible()
    qtbot.keyClick(screen.password, Qt.Key.Key_Escape)
    screen.close()
    assert screen.isVisible()


def test_wrong_passwords_on_the_lock_screen_meet_the_lock_out(qtbot, window):
    window.idle_lock.lock()
    screen = window.idle_lock.screen
    for _ in range(auth.USER_LIMIT):
        log_in_on_lock_screen(qtbot, screen, "recep", "fel-losen")
    assert screen.error.text().startswith("För många felaktiga försök – försök igen om 5 minuter")
    log_in_on_lock_screen(qtbot, screen, "recep", "hemligt")
    assert screen.isVisible()


def test_another_user_gets_a_window_of_their_own_and_the_previous_windows_close(qtbot, services, sqlite_core,  # noqa: F811
                                                                               tmp_path, monkeypatch):
    from widgets.app import DeskSession

    monkeypatch.setenv("RECEPTION_DATA_DIR", str(tmp_path / "data"))
    builders.build_catalog(sqlite_core)
    session = DeskSession(sqlite_core)
    first = session.start(services.actor)
    qtbot.addWidget(first)
    wizard, d = open_wizard_with_typed_name(qtbot, first)
    first.idle_lock.lock()
    log_in_on_lock_screen(qtbot, first.idle_lock.screen, "admin", "hemligt")
    second = session.window
    qtbot.addWidget(second)
    assert second is not first and second.services.actor.username == "admin"
    assert second.isVisible() and not first.isVisible()
    assert wizard not in first.services.extra["open_wizards"] and not wizard.isVisible()
    assert "Användare och roller…" in [a.text().replace("&", "") for a in second.settings_menu.actions()]
    assert QApplication.instance().quitOnLastWindowClosed()
    second.idle_lock.stop()
    second.close()


def test_the_idle_time_is_a_desk_setting_default_15_minutes(qtbot, tmp_path):
    ini = str(tmp_path / "desk.ini")
    settings = DeskSettings(QSettings(ini, QSettings.Format.IniFormat))
    assert settings.idle_lock_minutes == IDLE_LOCK_DEFAULT_MINUTES == 15
    dialog = DeskSettingsDialog(settings, list_ports=lambda: [])
    qtbot.addWidget(dialog)
    assert dialog.idle_lock_spin.value() == 15
    dialog.idle_lock_spin.setValue(0)
    assert dialog.idle_lock_spin.text() == "Aldrig"
    dialog.idle_lock_spin.setValue(5)
    dialog.accept()
    assert DeskSettings(QSettings(ini, QSettings.Format.IniFormat)).idle_lock_minutes == 5


def test_the_log_in_dialog_says_how_long_the_lock_out_lasts(qtbot, sqlite_core, clock):
    from widgets.login import LoginDialog

    dialog = LoginDialog(sqlite_core, username="recep")
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    for _ in range(auth.USER_LIMIT):
        dialog.password.clear()
        qtbot.keyClicks(dialog.password, "fel-losen")
        qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
    assert dialog.error.text().startswith("För många felaktiga försök – försök igen om 5 minuter")
    clock.advance(minutes=2)
    dialog.password.clear()
    qtbot.keyClicks(dialog.password, "hemligt")
    qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
    assert "försök igen om 3 minuter" in dialog.error.text() and dialog.actor is None
    clock.advance(minutes=3)
    qtbot.keyClicks(dialog.password, "hemligt")
    qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
    assert dialog.actor is not None and dialog.actor.username == "recep"
