"""Shared by the person card's tabs (and the other lists of deviations and rows): what a tab knows of
the card (`CardHost`), deviation chips, read-only tables, the edit form with its error line, dates as text.
"""
from __future__ import annotations

from datetime import date
from typing import Protocol

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QFormLayout, QHBoxLayout, QLabel, QLineEdit, QPushButton, QTableWidget, QTableWidgetItem,
                               QToolButton, QVBoxLayout, QWidget)

from app.domain.inputs import FIELD_COLUMNS
from app.errors import UserError
from app.menus import MenuEntry, MenuTarget
from app.queries.person_card import PersonCardData
from widgets.input_rules import limit
from widgets.search_panel import QueryRunner
from widgets.services import UiServices
from widgets.tones import tone_style


class CardHost(Protocol):
    """What a tab uses of the card it sits on (widgets/person_card.py's PersonCardWidget is one). The tabs
    know the card only through this, so they never import the card module (no import circle)."""

    services: UiServices
    person_id: int | None
    writer: QueryRunner

    def save(self, routine_class, command, form) -> None: ...
    def save_failed(self, form, error: Exception) -> None: ...
    def menu_button(self, name: str) -> QToolButton: ...
    def target(self, *, subscription_id: int | None = None, mandate_id: int | None = None) -> MenuTarget: ...
    def attach_menu(self, button: QToolButton, entries: list[MenuEntry], target: MenuTarget) -> bool: ...
    def mandate_entries(self, data: PersonCardData) -> list[MenuEntry]: ...

# Background and text colour of a deviation chip per configured severity.
SEVERITY_COLOURS = {
    "information": ("#dbeafe", "#1e3a8a"),  # blue-ish
    "varning": ("#fde68a", "#78350f"),      # amber
    "fel": ("#fecaca", "#7f1d1d"),          # red
}
SEVERITY_NAMES = {"information": "Information", "varning": "Varning", "fel": "Fel"}


def day_text(value: date | None) -> str:
    return value.strftime("%Y-%m-%d") if value else ""


def minute_text(value) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value else ""


def deviation_chip(deviation, parent: QWidget | None = None) -> QLabel:
    """A coloured label for one deviation; the colour says the configured severity."""
    background, foreground = SEVERITY_COLOURS.get(deviation.severity, SEVERITY_COLOURS["information"])
    chip = QLabel(deviation.text, parent)
    chip.setObjectName(f"deviation_{deviation.code}")
    chip.setProperty("severity", deviation.severity)
    chip.setStyleSheet(f"QLabel {{ background-color: {background}; color: {foreground}; border-radius: 8px; "
                       f"padding: 2px 8px; }}")
    chip.setToolTip(f"{deviation.name} ({SEVERITY_NAMES.get(deviation.severity, deviation.severity)})")
    return chip


def chip_row(deviations, parent: QWidget | None = None) -> QWidget:
    row = QWidget(parent)
    layout = QHBoxLayout(row)
    layout.setContentsMargins(0, 0, 0, 0)
    for d in deviations:
        layout.addWidget(deviation_chip(d, row))
    layout.addStretch(1)
    return row


def fill_table(table: QTableWidget, headers: tuple[str, ...], rows: list[tuple]) -> None:
    table.clear()
    table.setColumnCount(len(headers))
    table.setHorizontalHeaderLabels(list(headers))
    table.setRowCount(len(rows))
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            item = QTableWidgetItem("" if value is None else str(value))
            item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
            table.setItem(r, c, item)
    table.resizeColumnsToContents()


def read_only_table(parent: QWidget, name: str) -> QTableWidget:
    table = QTableWidget(parent)
    table.setObjectName(name)
    table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
    table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
    table.verticalHeader().hide()
    table.horizontalHeader().setStretchLastSection(True)
    return table


class EditForm(QWidget):
    """A form with named fields, an error line and a Spara button."""

    def __init__(self, parent: QWidget | None = None, save_text: str = "&Spara") -> None:
        super().__init__(parent)
        self.fields: dict[str, QWidget] = {}
        self.form = QFormLayout()
        self.error = QLabel(self)
        self.error.setObjectName("error")
        self.error.setStyleSheet(tone_style("error"))
        self.error.setWordWrap(True)
        self.error.hide()
        self.save_button = QPushButton(save_text, self)
        self.save_button.setObjectName("save")
        outer = QVBoxLayout(self)
        outer.addLayout(self.form)
        outer.addWidget(self.error)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.save_button)
        outer.addLayout(buttons)

    def add(self, key: str, label: str, widget: QWidget) -> QWidget:
        widget.setObjectName(key)
        if isinstance(widget, QLineEdit) and key in FIELD_COLUMNS:
            limit(widget, key)  # the model column's length (app.domain.inputs.max_length)
        self.fields[key] = widget
        self.form.addRow(label, widget)
        return widget

    def show_error(self, error: UserError) -> None:
        self.error.setText(error.message)
        self.error.show()
        widget = self.fields.get(error.field or "")
        if widget is not None:
            widget.setFocus()

    def clear_error(self) -> None:
        self.error.clear()
        self.error.hide()


def strip_mnemonics(widget: QWidget) -> None:
    """Remove the Alt letters of every label and button inside `widget` (the fields stay reachable with Tab)."""
    from PySide6.QtWidgets import QAbstractButton

    for child in widget.findChildren(QLabel) + widget.findChildren(QAbstractButton):
        text = child.text()
        if "&" in text:
            child.setText(text.replace("&&", "\0").replace("&", "").replace("\0", "&&"))
