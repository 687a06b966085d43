"""The front desk end to end in the real main window: card swipes from a serial reader on a real
pseudo-terminal and from a keyboard-wedge reader open the person card; normal typing is left alone;
an unknown card says so; a blocked card shows the "fel" deviation; F-keys reach search and till."""
from __future__ import annotations

import os
import sys

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QLabel

from devices.cardreader import rdm6300_frame
from devices.hub import CardReaderHub
from tests.app.builders import add_card, add_person, person_data
from widgets.desk_settings import DeskSettings
from widgets.main_window import MainWindow
from widgets.person_card import SEVERITY_COLOURS
from widgets.services import Bus, UiServices

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals need POSIX")

ANNA_CARD = "0004520100"       # RDM6300 data 0A0044F8A4
BLOCKED_CARD = "0013869765"    # RDM6300 data 1F00D3A2C5
UNKNOWN_DATA = "0A00000001"    # a card that is nobody's


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance_ms(self, ms: float) -> None:
        self.now += ms / 1000


@pytest.fixture
def people(sqlite_core):
    anna = add_person(sqlite_core, person_data("850709-9805", "Anna", "Öberg"))
    add_card(sqlite_core, anna, ANNA_CARD)
    bo = add_person(sqlite_core, person_data("19121212-1212", "Bo", "Spärr"))
    add_card(sqlite_core, bo, BLOCKED_CARD, status="sparrat")
    return {"anna": anna, "bo": bo}


@pytest.fixture
def make_window(qtbot, qapp, sqlite_core, make_actor, tmp_path, monkeypatch):
    hubs = []

    def make(reader_type: str, port: str = "", clock=None):
        desk = DeskSettings(QSettings(str(tmp_path / "desk.ini"), QSettings.Format.IniFormat))
        desk.reader_type = reader_type
        desk.serial_port = port
        desk.framing = "rdm6300"
        services = UiServices(core=sqlite_core, actor=make_actor(sqlite_core, "recep"), bus=Bus(),
                              user_data_dir=tmp_path, desk=desk)
        services.cards = CardReaderHub(clock=clock or FakeClock())
        hubs.append(services.cards)
        window = MainWindow(services)
        window.unknown = []
        monkeypatch.setattr(window, "unknown_card_box", lambda parent, text: window.unknown.append(text))
        qtbot.addWidget(window)
        window.show()
        qtbot.waitExposed(window)
        services.cards.configure(desk, qapp)
        return window

    yield make
    for hub in hubs:
        hub.shutdown()


def card_is_open_for(window, name: str) -> bool:
    if window.stack.currentWidget() is not window.person_card:
        return False
    return window.person_card.findChild(QLabel, "name").text() == name


@pytest.fixture
def pty_reader(tmp_path):
    master, slave = os.openpty()
    link = tmp_path / "usb-card-reader"
    os.symlink(os.ttyname(slave), link)
    yield master, str(link)
    os.close(master)
    os.close(slave)


def test_a_serial_frame_written_into_a_pty_opens_the_right_person_card(qtbot, make_window, people, pty_reader):
    master, port = pty_reader
    window = make_window("serial", port)
    qtbot.waitUntil(lambda: "ansluten" in window.reader_status.text(), timeout=5000)
    os.write(master, b"\x00garbage" + rdm6300_frame("0A0044F8A4"))
    qtbot.waitUntil(lambda: card_is_open_for(window, "Anna Öberg"), timeout=5000)
    assert window.unknown == []


def test_an_unknown_card_says_so_and_offers_search(qtbot, make_window, people, pty_reader):
    master, port = pty_reader
    window = make_window("serial", port)
    qtbot.waitUntil(lambda: "ansluten" in window.reader_status.text(), timeout=5000)
    os.write(master, rdm6300_frame(UNKNOWN_DATA))
    qtbot.waitUntil(lambda: bool(window.unknown), timeout=5000)
    assert "finns inte i registret" in window.unknown[0] and "Sök fram kunden" in window.unknown[0]
    assert window.search_panel.search_edit.hasFocus() or window.stack.currentWidget() is window.welcome


def test_a_blocked_card_opens_the_card_with_the_fel_deviation(qtbot, make_window, people, pty_reader):
    master, port = pty_reader
    window = make_window("serial", port)
    qtbot.waitUntil(lambda: "ansluten" in window.reader_status.text(), timeout=5000)
    os.write(master, rdm6300_frame("1F00D3A2C5"))
    qtbot.waitUntil(lambda: card_is_open_for(window, "Bo Spärr"), timeout=5000)
    chip = window.person_card.findChild(QLabel, "deviation_sparrat_kort")
    assert chip is not None and f"background-color: {SEVERITY_COLOURS['fel'][0]}" in chip.styleSheet()


def test_a_wedge_burst_opens_the_card_and_normal_typing_stays_in_the_field(qtbot, make_window, people):
    clock = FakeClock()
    window = make_window("wedge", clock=clock)
    field = window.search_panel.search_edit
    window.focus_search()
    qtbot.waitUntil(field.hasFocus)
    # A person types a name slowly: it stays in the field and nothing opens.
    for char in "Anna":
        qtbot.keyClick(field, char)
        clock.advance_ms(250)
    qtbot.wait(80)
    assert field.text() == "Anna" and window.stack.currentWidget() is window.welcome
    # A reader types ten digits and Enter within milliseconds: the card opens, the field is untouched.
    for char in ANNA_CARD:
        qtbot.keyClick(field, char)
        clock.advance_ms(8)
    qtbot.keyClick(field, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: card_is_open_for(window, "Anna Öberg"), timeout=5000)
    assert field.text() == "Anna"


def test_keyboard_shortcuts_reach_search_and_till(qtbot, make_window, people):
    window = make_window("none")
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    window.stack.setFocus()
    qtbot.keyClick(window.stack, Qt.Key.Key_F2)
    assert window.search_panel.search_edit.hasFocus()
    qtbot.keyClicks(window.search_panel.search_edit, "850709-9805")
    qtbot.keyClick(window.search_panel.search_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: card_is_open_for(window, "Anna Öberg"), timeout=5000)
    qtbot.keyClick(window.focusWidget(), Qt.Key.Key_F4)
    qtbot.waitUntil(lambda: window.till_window is not None and window.till_window.isVisible(), timeout=5000)
    assert {a.shortcut().toString() for a in window.actions()} >= {"F2", "F3", "Shift+F3", "F4", "Ctrl+Q"}
    window.till_window.close()
