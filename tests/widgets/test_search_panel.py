"""The search panel driven with the keyboard: type, Enter, arrows, Enter."""
from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import Qt

from app.queries.search import PersonHit
from tests.app.conftest_data import add_card, add_person
from widgets.search_panel import PLACEHOLDER, PersonSearchModel, QueryRunner, SearchPanel
from widgets.services import Bus, UiServices

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


@pytest.fixture
def ids(sqlite_core):
    with sqlite_core.sessions() as s, s.begin():
        ake = add_person(s, "Åke", "Öberg", personnummer="900101-1239")
        anna = add_person(s, "Anna", "Andersson")
        annika = add_person(s, "Annika", "Berg")
        add_card(s, annika, "0004520100")
        return {"ake": ake.id, "anna": anna.id, "annika": annika.id}


@pytest.fixture
def panel(qtbot, sqlite_core, make_actor, tmp_path):
    services = UiServices(core=sqlite_core, actor=make_actor(sqlite_core, "recep"), bus=Bus(), user_data_dir=tmp_path)
    panel = SearchPanel(services)
    qtbot.addWidget(panel)
    panel.show()
    qtbot.waitExposed(panel)
    panel.activateWindow()
    panel.focus_search()
    qtbot.waitUntil(panel.search_edit.hasFocus)
    return panel


def type_and_enter(qtbot, panel, text):
    panel.search_edit.clear()
    qtbot.keyClicks(panel.search_edit, text)
    qtbot.keyClick(panel.search_edit, Qt.Key.Key_Return)


def test_placeholder(panel):
    assert panel.search_edit.placeholderText() == PLACEHOLDER
    assert not panel.runner.threaded  # SQLite: inline


def test_one_hit_opens_the_person(qtbot, panel, ids):
    with qtbot.waitSignal(panel.services.bus.open_person) as blocker:
        type_and_enter(qtbot, panel, "ake")
    assert blocker.args == [ids["ake"]]
    assert not panel.table.isVisible()


def test_card_number_opens_its_person(qtbot, panel, ids):
    with qtbot.waitSignal(panel.services.bus.open_person) as blocker:
        type_and_enter(qtbot, panel, "0004520100")
    assert blocker.args == [ids["annika"]]


def test_several_hits_then_down_and_enter(qtbot, panel, ids):
    with qtbot.assertNotEmitted(panel.services.bus.open_person):
        type_and_enter(qtbot, panel, "ann")
    assert panel.table.isVisible() and panel.model.rowCount() == 2
    assert "2 personer hittades" in panel.message.text()
    assert panel.table.hasFocus() and panel.table.currentIndex().row() == 0
    qtbot.keyClick(panel.table, Qt.Key.Key_Down)
    with qtbot.waitSignal(panel.services.bus.open_person) as blocker:
        qtbot.keyClick(panel.table, Qt.Key.Key_Return)
    assert blocker.args == [panel.model.hit(1).person_id]
    assert {panel.model.hit(0).person_id, panel.model.hit(1).person_id} == {ids["anna"], ids["annika"]}


def test_down_from_the_field_goes_to_the_results(qtbot, panel, ids):
    type_and_enter(qtbot, panel, "ann")
    panel.focus_search()
    qtbot.waitUntil(panel.search_edit.hasFocus)
    qtbot.keyClick(panel.search_edit, Qt.Key.Key_Down)
    assert panel.table.hasFocus()


def test_double_click_opens(qtbot, panel, ids):
    type_and_enter(qtbot, panel, "ann")
    rect = panel.table.visualRect(panel.model.index(1, 0))
    # QTest's double-click is a press-release pair followed by the double-click event.
    qtbot.mouseClick(panel.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    with qtbot.waitSignal(panel.services.bus.open_person) as blocker:
        qtbot.mouseDClick(panel.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert blocker.args == [panel.model.hit(1).person_id]


def test_no_hits_says_so(qtbot, panel, ids):
    with qtbot.assertNotEmitted(panel.services.bus.open_person):
        type_and_enter(qtbot, panel, "zzz")
    assert "Ingen person" in panel.message.text() and panel.message.isVisible()
    type_and_enter(qtbot, panel, "123456")
    assert panel.message.text() == "Ingen person hittades för ”123456”."


def test_unknown_personnummer_is_announced(qtbot, panel, ids):
    with qtbot.waitSignal(panel.not_found_personnummer) as blocker:
        type_and_enter(qtbot, panel, "120505-1111")
    assert blocker.args == ["201205051111"]
    assert panel.message.text() == "Personnumret 20120505-1111 finns inte som kund."


def test_empty_search_explains(qtbot, panel):
    qtbot.keyClick(panel.search_edit, Qt.Key.Key_Return)
    assert "tryck Enter" in panel.message.text()


def test_model_passes_the_model_tester(qtmodeltester):
    from datetime import date

    model = PersonSearchModel()
    model.set_hits([PersonHit(i, 100 + i, f"Namn {i}", "19900101-1239", date(1990, 1, 1), "a@b.se", "070",
                              "0001", "Ordinarie") for i in range(3)])
    qtmodeltester.check(model)
    assert model.headerData(0, Qt.Orientation.Horizontal) == "Namn"
    assert model.data(model.index(2, 0), Qt.ItemDataRole.UserRole) == 2
    model.set_hits([])
    qtmodeltester.check(model)


def test_threaded_runner_delivers_on_the_ui_thread(qtbot):
    runner = QueryRunner(threaded=True)
    done, errors = [], []
    worker_threads = []

    def work():
        worker_threads.append(threading.current_thread())
        return 42

    runner.run(work, lambda value: done.append((value, threading.current_thread())), errors.append)
    qtbot.waitUntil(lambda: bool(done))
    assert done[0] == (42, threading.main_thread()) and worker_threads[0] is not threading.main_thread()

    def boom():
        raise ValueError("x")

    runner.run(boom, done.append, errors.append)
    qtbot.waitUntil(lambda: bool(errors))
    assert isinstance(errors[0], ValueError)
    assert runner.wait()


def test_threaded_runner_drops_stale_results(qtbot):
    runner = QueryRunner(threaded=True)
    gate = threading.Event()
    done = []
    runner.run(lambda: gate.wait(5) and "old", done.append, done.append)
    runner.run(lambda: "new", done.append, done.append)
    qtbot.waitUntil(lambda: "new" in done)
    gate.set()
    assert runner.wait()
    qtbot.wait(20)
    assert done == ["new"]
