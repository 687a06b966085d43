"""The main window's menu letters win over the card's (issue 14 §5): with a person card shown, Alt+K opens the
Kund menu (it opened the card's tab "Marknad"), Alt+A Arkiv, Alt+O Organisation, Alt+H Hjälp — from the search
field and from a field on the card."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from tests.app import sub_builders as sb
from tests.wizards.conftest import WAIT_MS
from widgets.main_window import MainWindow, mnemonic
from widgets.services import Bus, UiServices

pytestmark = pytest.mark.qt_log_ignore(r"This plugin does not support propagateSizeHints",
                                       r"This plugin does not support raise\(\)",
                                       r"This plugin does not support grabbing the keyboard")


@pytest.fixture
def window(qtbot, sqlite_core, make_actor, tmp_path, monkeypatch):
    from app.postal import PostalCodes

    monkeypatch.setenv("RECEPTION_DATA_DIR", str(tmp_path / "data"))
    services = UiServices(core=sqlite_core, actor=make_actor(sqlite_core, "recep"), bus=Bus(),
                          user_data_dir=tmp_path / "data", postal=PostalCodes.load())
    cat = sb.catalog(sqlite_core)
    anna = sb.person(sqlite_core, 1)
    sb.subscription(sqlite_core, anna, cat.gym, price_list_id=cat.ordinarie)
    win = MainWindow(services)
    win.person_card.internal_message_box = staticmethod(lambda *a, **k: None)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    win.activateWindow()
    win.open_person(anna)
    qtbot.waitUntil(lambda: win.stack.currentWidget() is win.person_card and win.person_card.tabs.count() > 0,
                    timeout=WAIT_MS)
    return win


def menu_titles(win) -> dict[str, str]:
    return {mnemonic(a.text()): a.text().replace("&", "") for a in win.menuBar().actions()
            if a.isVisible() and mnemonic(a.text())}


@pytest.mark.parametrize("where", ["search", "card"])
def test_alt_letter_opens_the_menu_not_the_cards_tab(qtbot, window, where):
    tabs = window.person_card.tabs
    titles = menu_titles(window)
    assert titles["k"] == "Kund"
    target = window.search_panel.search_edit if where == "search" else window.person_card.basic_tab.first_name
    for letter, title in titles.items():
        current = tabs.currentIndex()
        target.setFocus()
        qtbot.waitUntil(target.hasFocus, timeout=WAIT_MS)
        qtbot.keyClick(target, getattr(Qt.Key, f"Key_{letter.upper()}"), Qt.KeyboardModifier.AltModifier)
        qtbot.waitUntil(lambda: QApplication.activePopupWidget() is not None, timeout=WAIT_MS)
        popup = QApplication.activePopupWidget()
        assert popup.title().replace("&", "") == title, letter
        assert tabs.currentIndex() == current  # the card's tab did not change
        assert window.search_panel.search_edit.text() == ""  # and nothing was typed
        popup.close()
        qtbot.waitUntil(lambda: QApplication.activePopupWidget() is None, timeout=WAIT_MS)
