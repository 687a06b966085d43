"""Makulera (Alt+M): why the order is cancelled."""
from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QHBoxLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from widgets.input_rules import limit


class CancelDialog(QDialog):
    """Makulera: why the order is voided (kept in the audit log)."""

    def __init__(self, order_number: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Makulera order {order_number}")
        layout = QVBoxLayout(self)
        text = QLabel(f"Order {order_number} tas bort ur kassan och ska inte betalas.\n"
                      "Det som rutinen ändrade på kunden ändras inte.")
        text.setWordWrap(True)
        layout.addWidget(text)
        self.reason_edit = QLineEdit()
        self.reason_edit.setAccessibleName("Orsak")
        limit(self.reason_edit, "reason")
        label = QLabel("&Orsak:")
        label.setBuddy(self.reason_edit)
        row = QHBoxLayout()
        row.addWidget(label)
        row.addWidget(self.reason_edit, 1)
        layout.addLayout(row)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("&Makulera")
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("Avbryt")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.reason_edit.textChanged.connect(lambda text: self.ok_button.setEnabled(bool(text.strip())))
        self.ok_button.setEnabled(False)

    def accept(self) -> None:
        if self.reason_edit.text().strip():
            super().accept()

    @classmethod
    def ask(cls, parent: QWidget | None, order_number: int) -> str | None:
        dialog = cls(order_number, parent)
        try:
            return dialog.reason_edit.text().strip() if dialog.exec() == QDialog.DialogCode.Accepted else None
        finally:
            dialog.deleteLater()
