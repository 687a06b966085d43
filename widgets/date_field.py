"""A date field a receptionist can type into: "2027-01-21", "20270121", "270121" or "idag", plus a
calendar button. QDateEdit edits section by section and drops keystrokes that pass through an
out-of-range date, which makes typing a whole date unreliable; this field takes the text as typed,
understands it when the field is left or Enter is pressed, and says clearly when it cannot.

Its API follows QDateEdit where the wizards use it: date() -> QDate (invalid while the text is not a
date), setDate(QDate), dateChanged(QDate), calendarWidget(), calendarPopup().
"""
from __future__ import annotations

import re
from datetime import date

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QCalendarWidget, QHBoxLayout, QLineEdit, QMenu, QToolButton, QWidget, QWidgetAction

from app.domain.inputs import DATE_RANGE_MESSAGE, ascii_key, date_in_range
from widgets.tones import tone

DATE_FORMAT = "yyyy-MM-dd"


def parse_typed_date(text: str, today: date) -> date | None:
    """'2027-01-21', '2027 01 21', '20270121', '270121' (this century), 'idag' -> date; None if not a date."""
    cleaned = ascii_key(text).strip().lower()
    if cleaned in ("idag", "i dag"):
        return today
    digits = re.sub(r"[\s\-/.]", "", cleaned)
    if not (digits.isascii() and digits.isdigit()) or len(digits) not in (6, 8):
        return None
    if len(digits) == 6:
        digits = str(today.year // 100) + digits
    try:
        return date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        return None


class _Calendar(QCalendarWidget):
    """Enter or a click picks the date and closes the popup."""

    picked = Signal(QDate)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setGridVisible(True)
        self.activated.connect(self.picked)
        self.clicked.connect(self.picked)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt API
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.picked.emit(self.selectedDate())
            return
        super().keyPressEvent(event)


class DateField(QWidget):
    dateChanged = Signal(QDate)  # noqa: N815 - QDateEdit's name

    def __init__(self, parent: QWidget | None = None, *, today: date | None = None) -> None:
        super().__init__(parent)
        self._today = today or date.today()
        self._date = QDate()
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        self.edit = QLineEdit(self)
        self.edit.setPlaceholderText("ÅÅÅÅ-MM-DD")
        self.edit.setMaxLength(10)
        self.edit.setMinimumWidth(110)
        self.edit.setMaximumWidth(130)
        self.edit.editingFinished.connect(self._commit)
        self.edit.textEdited.connect(self._typed)
        layout.addWidget(self.edit)
        self.button = QToolButton(self)
        self.button.setText("▾")
        self.button.setToolTip("Välj i kalendern (Alt+Nedpil)")
        self.button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self._menu = QMenu(self.button)
        self._calendar = _Calendar(self._menu)
        action = QWidgetAction(self._menu)
        action.setDefaultWidget(self._calendar)
        self._menu.addAction(action)
        self._menu.aboutToShow.connect(self._prepare_calendar)
        self._calendar.picked.connect(self._picked)
        self.button.setMenu(self._menu)
        layout.addWidget(self.button)
        self.setFocusProxy(self.edit)

    # -- QDateEdit-like API ------------------------------------------------
    def date(self) -> QDate:
        return QDate(self._date)

    def setDate(self, value: QDate) -> None:  # noqa: N802 - QDateEdit's name
        self.edit.setText(value.toString(DATE_FORMAT) if value.isValid() else "")
        self._set(value)

    def calendarWidget(self) -> QCalendarWidget:  # noqa: N802 - QDateEdit's name
        return self._calendar

    def calendarPopup(self) -> bool:  # noqa: N802 - QDateEdit's name
        return True

    def is_valid_text(self) -> bool:
        if not self.edit.text().strip():
            return True
        parsed = parse_typed_date(self.edit.text(), self._today)
        return parsed is not None and date_in_range(parsed)

    # -- internals ---------------------------------------------------------
    def _set(self, value: QDate) -> None:
        if value != self._date:
            self._date = QDate(value)
            self.dateChanged.emit(QDate(value))

    def _typed(self, text: str) -> None:
        # A complete date is taken as soon as it is typed (the preview follows the typing);
        # anything else waits for Enter/Tab, so half a date never raises an error mid-typing.
        parsed = parse_typed_date(text, self._today)
        if parsed is not None and len(re.sub(r"\D", "", text)) >= 8:
            self._set(QDate(parsed.year, parsed.month, parsed.day))

    def _commit(self) -> None:
        parsed = parse_typed_date(self.edit.text(), self._today)
        if parsed is None:
            self.edit.setStyleSheet(f"border: 1px solid {tone('error')};" if self.edit.text().strip() else "")
            self.edit.setToolTip("Skriv datumet som ÅÅÅÅ-MM-DD, t.ex. 2027-01-21." if self.edit.text().strip()
                                 else "")
            self._set(QDate())
            return
        # A real date outside 1900–2100 is kept (the routine's check names the field), but the field
        # says so at once.
        outside = not date_in_range(parsed)
        self.edit.setStyleSheet(f"border: 1px solid {tone('error')};" if outside else "")
        self.edit.setToolTip(DATE_RANGE_MESSAGE if outside else "")
        value = QDate(parsed.year, parsed.month, parsed.day)
        self.edit.setText(value.toString(DATE_FORMAT))
        self._set(value)

    def _prepare_calendar(self) -> None:
        self._calendar.setSelectedDate(self._date if self._date.isValid() else
                                       QDate(self._today.year, self._today.month, self._today.day))
        self._calendar.setFocus()

    def _picked(self, value: QDate) -> None:
        self._menu.hide()
        self.setDate(value)
        self.edit.setFocus()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt API
        if event.key() == Qt.Key.Key_Down and event.modifiers() & Qt.KeyboardModifier.AltModifier:
            self.button.showMenu()
            return
        super().keyPressEvent(event)
