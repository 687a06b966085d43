"""The keyboard-wedge filter, driven by real key events with a controlled clock.

Keys are sent with QTest to the focused widget, and in one test to the window
(the way the platform delivers them: QWindow -> QWidgetWindow -> focus widget).
The filter reads time only from the injected clock, which each test advances
between keys: 10 ms apart is a reader, 150 ms apart is a person.
"""
from __future__ import annotations

import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QLineEdit, QVBoxLayout, QWidget

from devices.wedge import WedgeFilter

# The offscreen platform says this whenever a top-level widget is shown.
pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")

READER_GAP_MS = 10
PERSON_GAP_MS = 150


class FakeClock:
    def __init__(self) -> None:
        self.now = 50.0

    def __call__(self) -> float:
        return self.now

    def advance_ms(self, ms: float) -> None:
        self.now += ms / 1000


class RecordingLineEdit(QLineEdit):
    """A line edit that remembers the key events that reached it."""

    def __init__(self) -> None:
        super().__init__()
        self.keys: list[tuple[str, str]] = []

    def keyPressEvent(self, event):  # noqa: N802 - Qt API
        self.keys.append(("press", event.text()))
        super().keyPressEvent(event)

    def keyReleaseEvent(self, event):  # noqa: N802 - Qt API
        self.keys.append(("release", event.text()))
        super().keyReleaseEvent(event)


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def wedge(qapp, clock):
    wedge = WedgeFilter(min_length=6, max_gap_ms=50, clock=clock)
    wedge.install(qapp)
    yield wedge
    wedge.uninstall()


@pytest.fixture
def form(qtbot):
    window = QWidget()
    layout = QVBoxLayout(window)
    window.field = RecordingLineEdit()
    window.other = QLineEdit()
    layout.addWidget(window.field)
    layout.addWidget(window.other)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    window.field.setFocus()
    qtbot.waitUntil(window.field.hasFocus)
    return window


def type_text(qtbot, widget, text: str, clock: FakeClock, gap_ms: float) -> None:
    for char in text:
        qtbot.keyClick(widget, char)
        clock.advance_ms(gap_ms)


def press_enter(qtbot, widget) -> None:
    qtbot.keyClick(widget, Qt.Key.Key_Return)


def test_reader_burst_emits_card_and_leaves_the_field_untouched(qtbot, wedge, form, clock):
    field = form.field
    field.setText("Anna")
    with qtbot.waitSignal(wedge.card_read) as blocker:
        type_text(qtbot, field, "0004520100", clock, READER_GAP_MS)
        press_enter(qtbot, field)
    assert blocker.args == ["0004520100"]
    assert field.text() == "Anna"
    assert field.keys == []  # not one press or release of the swipe reached the widget
    assert wedge.holding == ""


def test_swipe_does_not_replace_selected_text(qtbot, wedge, form, clock):
    # The case that rules out "let digits in, delete them afterwards".
    field = form.field
    field.setText("Andersson")
    field.selectAll()
    with qtbot.waitSignal(wedge.card_read):
        type_text(qtbot, field, "13869765", clock, READER_GAP_MS)
        press_enter(qtbot, field)
    assert field.text() == "Andersson"
    assert field.selectedText() == "Andersson"


def test_person_typing_digits_slowly_keeps_them_and_enter_reaches_the_field(qtbot, wedge, form, clock):
    field = form.field
    with qtbot.assertNotEmitted(wedge.card_read), qtbot.waitSignal(field.returnPressed):
        type_text(qtbot, field, "19121212", clock, PERSON_GAP_MS)
        press_enter(qtbot, field)
    assert field.text() == "19121212"
    presses = [text for kind, text in field.keys if kind == "press"]
    assert presses == list("19121212") + ["\r"]


def test_fast_digits_below_minimum_length_are_typing(qtbot, wedge, form, clock):
    field = form.field
    with qtbot.assertNotEmitted(wedge.card_read), qtbot.waitSignal(field.returnPressed):
        type_text(qtbot, field, "12345", clock, READER_GAP_MS)
        press_enter(qtbot, field)
    assert field.text() == "12345"


def test_enter_too_long_after_the_digits_is_typing(qtbot, wedge, form, clock):
    field = form.field
    with qtbot.assertNotEmitted(wedge.card_read):
        type_text(qtbot, field, "123456", clock, READER_GAP_MS)
        clock.advance_ms(PERSON_GAP_MS)
        press_enter(qtbot, field)
    assert field.text() == "123456"


def test_one_slow_gap_in_the_middle_splits_the_burst(qtbot, wedge, form, clock):
    field = form.field
    with qtbot.assertNotEmitted(wedge.card_read):
        type_text(qtbot, field, "1234", clock, READER_GAP_MS)
        clock.advance_ms(PERSON_GAP_MS)
        type_text(qtbot, field, "5678", clock, READER_GAP_MS)
        press_enter(qtbot, field)
    assert field.text() == "12345678"


def test_letters_never_trigger(qtbot, wedge, form, clock):
    field = form.field
    with qtbot.assertNotEmitted(wedge.card_read):
        type_text(qtbot, field, "abcdefgh", clock, READER_GAP_MS)
        press_enter(qtbot, field)
        type_text(qtbot, field, "123456x", clock, READER_GAP_MS)
        press_enter(qtbot, field)
        type_text(qtbot, field, "AB12345678", clock, READER_GAP_MS)
        press_enter(qtbot, field)
    assert field.text() == "abcdefgh123456xAB12345678"


def test_held_digits_are_replayed_in_order_before_the_next_key(qtbot, wedge, form, clock):
    field = form.field
    type_text(qtbot, field, "12", clock, READER_GAP_MS)
    assert field.text() == ""  # still held back: could be the start of a swipe
    assert wedge.holding == "12"
    qtbot.keyClick(field, Qt.Key.Key_Backspace)
    assert field.text() == "1"
    assert [k for k in field.keys if k[0] == "press"] == [("press", "1"), ("press", "2"), ("press", "\x08")]


def test_a_lone_digit_appears_once_the_clock_says_the_gap_is_over(qtbot, wedge, form, clock):
    field = form.field
    qtbot.keyClick(field, "7")
    qtbot.wait(120)  # the flush timer fires, but the injected clock has not moved
    assert field.text() == ""
    clock.advance_ms(60)
    qtbot.waitUntil(lambda: field.text() == "7")


def test_keypad_digits_count_as_a_burst(qtbot, wedge, form, clock):
    field = form.field
    keys = [Qt.Key.Key_0, Qt.Key.Key_4, Qt.Key.Key_2, Qt.Key.Key_4, Qt.Key.Key_2, Qt.Key.Key_7]
    with qtbot.waitSignal(wedge.card_read) as blocker:
        for key in keys:
            qtbot.keyClick(field, key, Qt.KeyboardModifier.KeypadModifier)
            clock.advance_ms(READER_GAP_MS)
        qtbot.keyClick(field, Qt.Key.Key_Enter, Qt.KeyboardModifier.KeypadModifier)
    assert blocker.args == ["042427"]
    assert field.text() == ""


def test_ctrl_digit_is_not_part_of_a_burst(qtbot, wedge, form, clock):
    field = form.field
    field.setText("x")
    with qtbot.assertNotEmitted(wedge.card_read):
        for _ in range(6):
            qtbot.keyClick(field, "1", Qt.KeyboardModifier.ControlModifier)
            clock.advance_ms(READER_GAP_MS)
        press_enter(qtbot, field)
    assert wedge.holding == ""
    assert field.text() == "x"


def test_keys_through_the_window_are_counted_once(qtbot, wedge, form, clock):
    # QTest on a QWindow goes through the platform path, like a real keyboard.
    window = form.windowHandle()
    field = form.field
    with qtbot.waitSignal(wedge.card_read) as blocker:
        for char in "55667788":
            QTest.keyClick(window, char)
            clock.advance_ms(READER_GAP_MS)
        QTest.keyClick(window, Qt.Key.Key_Return)
    assert blocker.args == ["55667788"]
    assert field.text() == ""

    with qtbot.assertNotEmitted(wedge.card_read):
        for char in "246":
            QTest.keyClick(window, char)
            clock.advance_ms(PERSON_GAP_MS)
        qtbot.waitUntil(lambda: field.text() == "246")
    assert field.text() == "246"


def test_held_keys_go_to_the_widget_they_were_typed_in(qtbot, wedge, form, clock):
    window = form.windowHandle()
    QTest.keyClick(window, "9")
    form.other.setFocus()  # a click in the next field within the gap
    qtbot.waitUntil(form.other.hasFocus)
    clock.advance_ms(PERSON_GAP_MS)
    QTest.keyClick(window, "x")
    assert form.field.text() == "9"
    assert form.other.text() == "x"


def test_widget_closed_while_keys_are_held(qtbot, wedge, clock):
    doomed = QLineEdit()
    doomed.show()
    qtbot.keyClick(doomed, "3")
    assert wedge.holding == "3"
    doomed.deleteLater()
    qtbot.wait(10)  # deleteLater runs
    clock.advance_ms(PERSON_GAP_MS)
    wedge.flush()
    assert wedge.holding == ""


def test_uninstall_delivers_held_keys_and_stops_filtering(qtbot, qapp, form, clock):
    wedge = WedgeFilter(clock=clock)
    wedge.install(qapp)
    type_text(qtbot, form.field, "12", clock, READER_GAP_MS)
    wedge.uninstall()
    assert form.field.text() == "12"
    with qtbot.assertNotEmitted(wedge.card_read):
        type_text(qtbot, form.field, "345678", clock, READER_GAP_MS)
        press_enter(qtbot, form.field)
    assert form.field.text() == "12345678"


def test_other_events_pass_untouched(qtbot, wedge, form):
    assert not wedge.eventFilter(form.field, QEvent(QEvent.Type.FocusIn))


def test_min_length_must_be_positive():
    with pytest.raises(ValueError):
        WedgeFilter(min_length=0)
