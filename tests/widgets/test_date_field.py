"""The typed date field: whole dates typed the ways people write them, the calendar, and bad text."""
from datetime import date

import pytest
from PySide6.QtCore import QDate, Qt

from widgets.date_field import DateField, parse_typed_date

TODAY = date(2026, 11, 22)


@pytest.mark.parametrize("text, expected", [
    ("2027-01-21", date(2027, 1, 21)), ("20270121", date(2027, 1, 21)), ("270121", date(2027, 1, 21)),
    ("2027 01 21", date(2027, 1, 21)), ("idag", TODAY), (" I dag ", TODAY),
    ("2027-02-30", None), ("2027-1", None), ("", None), ("igår", None),
])
def test_parse_typed_date(text, expected):
    assert parse_typed_date(text, TODAY) == expected


@pytest.fixture
def field(qtbot):
    widget = DateField(today=TODAY)
    qtbot.addWidget(widget)
    widget.show()
    widget.setDate(QDate(2026, 12, 21))
    return widget


def test_typing_a_whole_date_sets_it_even_across_a_month_and_year(qtbot, field):
    seen = []
    field.dateChanged.connect(seen.append)
    field.edit.setFocus()
    field.edit.selectAll()
    qtbot.keyClicks(field.edit, "2027-01-05")
    assert field.date() == QDate(2027, 1, 5) and seen == [QDate(2027, 1, 5)]


def test_short_forms_are_written_out_when_the_field_is_left(qtbot, field):
    field.edit.setFocus()
    field.edit.selectAll()
    qtbot.keyClicks(field.edit, "270121")
    qtbot.keyClick(field.edit, Qt.Key.Key_Return)
    assert field.date() == QDate(2027, 1, 21) and field.edit.text() == "2027-01-21"


def test_bad_text_gives_no_date_and_keeps_what_was_typed(qtbot, field):
    field.edit.setFocus()
    field.edit.selectAll()
    qtbot.keyClicks(field.edit, "2027-13-01")
    qtbot.keyClick(field.edit, Qt.Key.Key_Return)
    assert not field.date().isValid() and field.edit.text() == "2027-13-01"
    assert "ÅÅÅÅ-MM-DD" in field.edit.toolTip()


def test_the_calendar_picks_a_date(qtbot, field):
    calendar = field.calendarWidget()
    calendar.setSelectedDate(QDate(2027, 3, 3))
    qtbot.keyClick(calendar, Qt.Key.Key_Return)
    assert field.date() == QDate(2027, 3, 3) and field.edit.text() == "2027-03-03"
