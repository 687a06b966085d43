"""Frysningsorsak (SPEC §6 Frys, shown only when "Använd avvikelseorsaker" is on): one of the
configured reasons of the type Frysning must be chosen."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QListWidget, QListWidgetItem, QVBoxLayout

from widgets.services import UiServices
from wizards.base import ReceptionPage

NO_REASONS = ("Det finns inga frysningsorsaker. En administratör lägger upp dem under "
              "Inställningar > Avvikelseorsaker…, eller stänger av ”Använd avvikelseorsaker” under "
              "Inställningar > Kundrutiner….")


class FrysningsorsakPage(ReceptionPage):
    def __init__(self, services: UiServices, reasons: list[tuple[int, str]]) -> None:
        super().__init__(services, "Frysningsorsak", "Välj varför abonnemanget fryses.")
        layout = QVBoxLayout(self)
        label = QLabel("&Frysningsorsak", self)
        self.reasons = QListWidget(self)
        self.reasons.setObjectName("reasons")
        label.setBuddy(self.reasons)
        for reason_id, name in reasons:
            item = QListWidgetItem(name, self.reasons)
            item.setData(Qt.ItemDataRole.UserRole, reason_id)
        layout.addWidget(label)
        layout.addWidget(self.reasons, 1)
        self.reason_error = self.error_label("reason_id")
        layout.addWidget(self.reason_error)
        if not reasons:
            self.show_field_error("reason_id", NO_REASONS)
        self.reasons.itemSelectionChanged.connect(self._changed)
        self.watch(self.reasons)

    def _changed(self) -> None:
        self.clear_field_error("reason_id")
        self.completeChanged.emit()

    def enter_page(self, first: bool) -> None:
        self.reasons.setFocus()

    def _selected(self):
        items = self.reasons.selectedItems()
        return items[0] if items else None

    def reason_id(self) -> int | None:
        item = self._selected()
        return None if item is None else item.data(Qt.ItemDataRole.UserRole)

    def blocked_reason(self) -> str | None:
        return None if self.reason_id() is not None else "Välj orsak till frysningen."
