"""A desk on PostgreSQL through a cuttable link, in the real main window: the banner appears within
2 s of a silent cut, a card swipe and a search open the person from the local replica, the banner goes
when the link returns, and another desk's change refreshes the open person card."""
from __future__ import annotations

import sys
import time

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QLabel

from app.clock import Clock
from app.context import Core
from app.main import open_core
from app.sync.desk import open_desk
from db.engine import make_session_factory
from db.models import Person
from devices.hub import CardReaderHub
from tests.app.builders import add_card, add_person, person_data
from tests.app.sync.proxy import TcpProxy
from tests.e2e.test_front_desk import FakeClock
from widgets.desk_settings import DeskSettings
from widgets.main_window import MainWindow
from widgets.services import Bus, UiServices

pytestmark = [pytest.mark.pg, pytest.mark.skipif(sys.platform == "win32", reason="test proxy uses POSIX sockets")]
ANNA_CARD = "0004520100"


def card_name(window) -> str:
    if window.stack.currentWidget() is not window.person_card:
        return ""
    return window.person_card.findChild(QLabel, "name").text()


@pytest.fixture
def offline_window(qtbot, qapp, pg_db, make_actor, tmp_path, monkeypatch):
    server = Core(sessions=make_session_factory(pg_db.engine), clock=Clock())   # "another desk"
    anna = add_person(server, person_data("850709-9805", "Anna", "Öberg"))
    add_card(server, anna, ANNA_CARD)
    proxy = TcpProxy.for_url(pg_db.url)
    core, offline = open_desk(proxy.url(pg_db.url), Clock(), tmp_path, open_core=open_core)
    qtbot.waitUntil(lambda: offline.routing.replica_ready, timeout=10_000)
    desk = DeskSettings(QSettings(str(tmp_path / "desk.ini"), QSettings.Format.IniFormat))
    desk.reader_type = "wedge"
    services = UiServices(core=core, actor=make_actor(core, "recep"), bus=Bus(), user_data_dir=tmp_path, desk=desk)
    services.extra["offline_desk"] = offline
    clock = FakeClock()
    services.cards = CardReaderHub(clock=clock)
    window = MainWindow(services)
    monkeypatch.setattr(window, "unknown_card_box", lambda parent, text: pytest.fail(text))
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    services.cards.configure(desk, qapp)
    yield window, proxy, server, anna, clock
    window.close()
    services.cards.shutdown()
    offline.stop()
    core.engine.dispose()
    proxy.close()


def swipe(qtbot, window, clock, number: str) -> None:
    field = window.search_panel.search_edit
    window.focus_search()
    qtbot.waitUntil(field.hasFocus)
    for char in number:
        qtbot.keyClick(field, char)
        clock.advance_ms(8)
    qtbot.keyClick(field, Qt.Key.Key_Return)


def test_cut_swipe_and_search_from_the_replica_then_back_online(qtbot, offline_window):
    window, proxy, server, anna, clock = offline_window
    banner = window.offline_banner
    assert banner is not None and not banner.isVisible()

    proxy.blackhole()                                  # dead Wi-Fi: no reset, nothing
    cut = time.monotonic()
    qtbot.waitUntil(banner.isVisible, timeout=2000)
    assert time.monotonic() - cut < 2.0
    text = banner.label.text()
    assert text.startswith("Ingen kontakt med servern – uppgifterna är från kl. ")
    assert text.endswith(". Det du gör sparas och skickas när kontakten är tillbaka.")

    swipe(qtbot, window, clock, ANNA_CARD)
    qtbot.waitUntil(lambda: card_name(window) == "Anna Öberg", timeout=3000)

    window.stack.setCurrentWidget(window.welcome)
    field = window.search_panel.search_edit
    field.clear()
    qtbot.keyClicks(field, "Öberg")
    qtbot.keyClick(field, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: card_name(window) == "Anna Öberg", timeout=3000)

    proxy.restore()
    qtbot.waitUntil(lambda: not banner.isVisible(), timeout=4000)

    # Online again: another desk renames Anna; NOTIFY brings it here and the open card reloads.
    with server.write_session() as session, session.begin():
        session.get(Person, anna).first_name = "Annika"
    changed = time.monotonic()
    qtbot.waitUntil(lambda: card_name(window) == "Annika Öberg", timeout=3000)
    assert time.monotonic() - changed < 2.0
