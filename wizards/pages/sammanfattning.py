"""Sammanfattning / Bekräfta (SPEC §5): everything entered, the order lines and the amount; then Slutför.

The page asks its wizard for a :class:`Summary` (``wizard.summary()``), which the
flows build from their routine's ``preview`` — read-only, the same rules Slutför
applies. A refusal found here (say another desk took the card meanwhile) is
shown at the field on its own page: the wizard goes back there.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from html import escape

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QLabel, QTableWidget, QTableWidgetItem, QVBoxLayout

from app.domain.money import format_sek
from app.errors import UserError
from widgets.services import UiServices
from widgets.tones import tone_style
from wizards.base import ReceptionPage, ReceptionWizard, set_message


@dataclass(frozen=True)
class Summary:
    rows: tuple[tuple[str, str], ...]                      # (label, value)
    lines: tuple[tuple[str, int], ...] = ()                # order lines: (description, amount in öre)
    total_ore: int | None = None                           # None: the flow charges nothing
    warnings: tuple[str, ...] = field(default_factory=tuple)
    total_label: str = "Att betala i kassan"


class SammanfattningPage(ReceptionPage):
    def __init__(self, services: UiServices, *, title: str = "Sammanfattning",
                 subtitle: str = "Gå igenom uppgifterna med kunden innan du klickar på Slutför.") -> None:
        super().__init__(services, title, subtitle)
        self.summary_value: Summary | None = None
        layout = QVBoxLayout(self)
        self.details = QLabel(self)
        self.details.setObjectName("summary_details")
        self.details.setTextFormat(Qt.TextFormat.RichText)
        self.details.setWordWrap(True)
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.details)
        self.lines = QTableWidget(0, 2, self)
        self.lines.setObjectName("order_lines")
        self.lines.setHorizontalHeaderLabels(["Att betala", "Belopp"])
        self.lines.verticalHeader().hide()
        self.lines.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.lines.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        header = self.lines.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        layout.addWidget(self.lines, 1)
        self.total = QLabel(self)
        self.total.setObjectName("order_total")
        self.total.setAlignment(Qt.AlignmentFlag.AlignRight)
        layout.addWidget(self.total)
        self.warnings = QLabel(self)
        self.warnings.setObjectName("summary_warnings")
        self.warnings.setWordWrap(True)
        self.warnings.setStyleSheet(tone_style("warning"))
        layout.addWidget(self.warnings)
        layout.addWidget(self.page_message_label())

    def enter_page(self, first: bool) -> None:
        self.clear_errors()
        self.summary_value = None
        try:
            self.summary_value = self.wizard().summary()
        except UserError as err:
            self._show_failure(err)
        self._fill()
        self.completeChanged.emit()

    def _show_failure(self, err: UserError) -> None:
        wizard = self.wizard()
        set_message(self.page_message_label(), err.message)
        owned = isinstance(wizard, ReceptionWizard) and any(
            isinstance(wizard.page(i), ReceptionPage) and wizard.page(i).owns_field(err.field)
            for i in wizard.visitedIds() if i != wizard.currentId())
        if owned:  # go back to the field once this page is fully shown
            QTimer.singleShot(0, lambda: wizard.show_error(err))

    def _fill(self) -> None:
        s = self.summary_value
        if s is None:
            self.details.clear()
            self.lines.setRowCount(0)
            self.lines.hide()
            self.total.clear()
            self.warnings.clear()
            return
        rows = "".join(f"<tr><td style='padding-right:12px'><b>{escape(k)}</b></td><td>{escape(v)}</td></tr>"
                       for k, v in s.rows)
        self.details.setText(f"<table>{rows}</table>")
        self.lines.setRowCount(len(s.lines))
        for r, (text, amount) in enumerate(s.lines):
            self.lines.setItem(r, 0, QTableWidgetItem(text))
            item = QTableWidgetItem(format_sek(amount))
            item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.lines.setItem(r, 1, item)
        self.lines.setVisible(bool(s.lines))
        self.total.setText(f"<b>{s.total_label}: {format_sek(s.total_ore)}</b>" if s.total_ore is not None else "")
        self.warnings.setText("\n".join(s.warnings))

    def blocked_reason(self) -> str | None:
        return None if self.summary_value is not None else "Sammanfattningen kunde inte tas fram. Gå tillbaka och rätta."
