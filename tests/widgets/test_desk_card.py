"""The desk as a receptionist lives it (issue 14 §1): a new search or swipe clears the previous card."""
from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QLabel

from tests.app.builders import add_card, add_person, person_data
from widgets.desk_settings import DeskSettings
from widgets.main_window import MainWindow
from widgets.services import Bus, UiServices

pytestmark = pytest.mark.qt_log_ignore(r"This plugin does not support propagateSizeHints",
                                       r"This plugin does not support raise\(\)")
ANNA_CARD = "0004520100"


@pytest.fixture
def window(qtbot, qapp, sqlite_core, make_actor, tmp_path, monkeypatch):
    anna = add_person(sqlite_core, person_data("850709-9805", "Anna", "Öberg"))
    add_card(sqlite_core, anna, ANNA_CARD)
    desk = DeskSettings(QSettings(str(tmp_path / "desk.ini"), QSettings.Format.IniFormat))
    services = UiServices(core=sqlite_core, actor=make_actor(sqlite_core, "recep"), bus=Bus(),
                          user_data_dir=tmp_path, desk=desk)
    win = MainWindow(services)
    win.unknown = []
    monkeypatch.setattr(win, "unknown_card_box", lambda parent, text: win.unknown.append(text))
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    win.anna = anna
    return win


def search(qtbot, win, text: str) -> None:
    field = win.search_panel.search_edit
    field.clear()
    qtbot.keyClicks(field, text)
    with qtbot.waitSignal(win.search_panel.searched, timeout=5000):
        qtbot.keyClick(field, Qt.Key.Key_Return)


def name_shown(win) -> str:
    return win.person_card.findChild(QLabel, "name").text()


def test_a_search_for_a_non_customer_clears_the_previous_customers_card(qtbot, window):
    search(qtbot, window, "850709-9805")
    qtbot.waitUntil(lambda: name_shown(window) == "Anna Öberg", timeout=5000)
    assert window.stack.currentWidget() is window.person_card
    search(qtbot, window, "19121212-1212")  # a valid personnummer that is no customer
    assert window.stack.currentWidget() is window.welcome
    assert window.person_card.person_id is None and name_shown(window) == ""
    assert "finns inte som kund" in window.search_panel.message.text()


def test_an_unknown_swipe_clears_the_previous_customers_card(qtbot, window):
    window.on_card_swiped(ANNA_CARD)
    qtbot.waitUntil(lambda: name_shown(window) == "Anna Öberg", timeout=5000)
    window.on_card_swiped("0000000001")
    assert window.unknown and window.stack.currentWidget() is window.welcome
    assert window.person_card.person_id is None and name_shown(window) == ""


def test_opening_another_person_drops_the_old_header_and_chips_before_the_load_returns(qtbot, window):
    window.on_card_swiped(ANNA_CARD)
    qtbot.waitUntil(lambda: name_shown(window) == "Anna Öberg", timeout=5000)
    bo = add_person(window.services.core, person_data("19121212-1212", "Bo", "Spärr"))
    card = window.person_card
    loads = []
    card._load = lambda person_id, swiped, *, opened: loads.append(person_id)  # the load is still on its way
    window.open_person(bo)
    assert loads == [bo]
    assert name_shown(window) == "" and card.data is None
    assert not card.chips.findChildren(QLabel)
