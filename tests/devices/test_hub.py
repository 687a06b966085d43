"""CardReaderHub: one card_read signal, interceptors, and readers built from desk settings."""
from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import QObject, QSettings, Qt, Signal
from PySide6.QtWidgets import QLineEdit

from devices.hub import NO_PORT_STATUS, NO_READER_STATUS, WEDGE_STATUS, CardReaderHub
from devices.serial_reader import SerialCardReader
from devices.wedge import WedgeFilter
from widgets.desk_settings import DeskSettings

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


class FakeReader(QObject):
    card_read = Signal(str)
    status_changed = Signal(str)


class FakeClock:
    def __init__(self) -> None:
        self.now = 10.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def hub(qapp, clock):
    hub = CardReaderHub(clock=clock)
    yield hub
    hub.shutdown()
    assert not [t for t in threading.enumerate() if t.name.startswith("card-reader")]


@pytest.fixture
def source(hub):
    reader = FakeReader()
    hub.attach(reader)
    return reader


@pytest.fixture
def desk(tmp_path):
    return DeskSettings(QSettings(str(tmp_path / "desk.ini"), QSettings.Format.IniFormat))


def test_swipe_from_an_attached_source_is_emitted(qtbot, hub, source):
    with qtbot.waitSignal(hub.card_read) as blocker:
        source.card_read.emit("123456")
    assert blocker.args == ["123456"]


def test_attaching_twice_delivers_once(qtbot, hub, source):
    hub.attach(source)
    cards = []
    hub.card_read.connect(cards.append)
    source.card_read.emit("1")
    assert cards == ["1"]


def test_detached_source_is_not_heard(qtbot, hub, source):
    hub.detach(source)
    with qtbot.assertNotEmitted(hub.card_read):
        source.card_read.emit("123456")


def test_status_of_a_source_is_forwarded(qtbot, hub, source):
    with qtbot.waitSignal(hub.status_changed) as blocker:
        source.status_changed.emit("Kortläsaren på COM3 är ansluten")
    assert blocker.args == ["Kortläsaren på COM3 är ansluten"]


def test_interceptor_takes_the_swipe_instead_of_card_read(qtbot, hub, source):
    got = []
    token = hub.push_interceptor(got.append)
    with qtbot.assertNotEmitted(hub.card_read):
        source.card_read.emit("0004520100")
    assert got == ["0004520100"]

    hub.remove_interceptor(token)
    with qtbot.waitSignal(hub.card_read):
        source.card_read.emit("0004520100")
    assert got == ["0004520100"]


def test_most_recent_interceptor_only(qtbot, hub, source):
    outer, inner = [], []
    outer_token = hub.push_interceptor(outer.append)
    inner_token = hub.push_interceptor(inner.append)
    source.card_read.emit("1")
    assert (outer, inner) == ([], ["1"])

    hub.remove_interceptor(inner_token)
    source.card_read.emit("2")
    assert (outer, inner) == (["2"], ["1"])

    hub.remove_interceptor(inner_token)  # twice: harmless
    hub.remove_interceptor(outer_token)
    with qtbot.waitSignal(hub.card_read):
        source.card_read.emit("3")
    assert (outer, inner) == (["2"], ["1"])


def test_removing_an_older_interceptor_keeps_the_newer_one(qtbot, hub, source):
    older, newer = [], []
    older_token = hub.push_interceptor(older.append)
    hub.push_interceptor(newer.append)
    hub.remove_interceptor(older_token)
    source.card_read.emit("9")
    assert (older, newer) == ([], ["9"])


def test_intercepting_context_manager(qtbot, hub, source):
    got = []
    with hub.intercepting(got.append):
        with qtbot.assertNotEmitted(hub.card_read):
            source.card_read.emit("5")
    assert got == ["5"]
    with qtbot.waitSignal(hub.card_read):
        source.card_read.emit("6")


def swipe(qtbot, widget, digits, clock):
    for char in digits:
        qtbot.keyClick(widget, char)
        clock.now += 0.01
    qtbot.keyClick(widget, Qt.Key.Key_Return)


def test_configure_wedge_installs_the_filter(qtbot, qapp, hub, desk, clock):
    desk.reader_type = "wedge"
    with qtbot.waitSignal(hub.status_changed) as status:
        reader = hub.configure(desk, qapp)
    assert status.args == [WEDGE_STATUS]
    assert isinstance(reader, WedgeFilter)
    assert hub.active_reader is reader

    field = QLineEdit()
    qtbot.addWidget(field)
    with qtbot.waitSignal(hub.card_read) as blocker:
        swipe(qtbot, field, "42424242", clock)
    assert blocker.args == ["42424242"]
    assert field.text() == ""


def test_configure_replaces_wedge_with_serial_and_then_none(qtbot, qapp, hub, desk, clock):
    from PySide6.QtWidgets import QLineEdit

    desk.reader_type = "wedge"
    hub.configure(desk, qapp)

    desk.reader_type = "serial"
    desk.serial_port = "loop://"
    with qtbot.waitSignal(hub.status_changed, check_params_cb=lambda s: s.endswith("är ansluten")) as blocker:
        serial_reader = hub.configure(desk, qapp)
    assert blocker.args == ["Kortläsaren på loop:// är ansluten"]
    assert isinstance(serial_reader, SerialCardReader)
    assert serial_reader.running

    # The wedge filter is gone: a burst of digits is plain typing again.
    field = QLineEdit()
    qtbot.addWidget(field)
    with qtbot.assertNotEmitted(hub.card_read):
        swipe(qtbot, field, "42424242", clock)
    assert field.text() == "42424242"

    desk.reader_type = "none"
    with qtbot.waitSignal(hub.status_changed) as status:
        assert hub.configure(desk, qapp) is None
    assert status.args == [NO_READER_STATUS]
    assert not serial_reader.running
    assert hub.active_reader is None


def test_configure_serial_without_port_says_so(qtbot, qapp, hub, desk):
    desk.reader_type = "serial"
    desk.serial_port = ""
    with qtbot.waitSignal(hub.status_changed) as blocker:
        assert hub.configure(desk, qapp) is None
    assert blocker.args == [NO_PORT_STATUS]


def test_interceptor_also_catches_configured_reader(qtbot, qapp, hub, desk, clock):
    from PySide6.QtWidgets import QLineEdit

    desk.reader_type = "wedge"
    hub.configure(desk, qapp)
    field = QLineEdit()
    qtbot.addWidget(field)
    got = []
    with hub.intercepting(got.append), qtbot.assertNotEmitted(hub.card_read):
        swipe(qtbot, field, "10203040", clock)
    assert got == ["10203040"]
