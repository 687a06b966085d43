"""Kontant (F5): how much the customer handed over, with the change while typing."""
from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from app.domain.inputs import AMOUNT_RANGE_MESSAGE
from app.domain.money import format_sek, parse_sek
from app.errors import ValidationError
from app.orders import cash_amount
from widgets.tones import tone_style


class CashDialog(QDialog):
    """Kontant: how much the customer handed over; shows the change (växel) while typing."""

    def __init__(self, total_ore: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Kontant betalning")
        self.total_ore = total_ore
        self.due_ore = cash_amount(total_ore)
        layout = QVBoxLayout(self)
        form = QFormLayout()
        form.addRow("Att betala:", QLabel(format_sek(total_ore)))
        if self.due_ore != total_ore:
            form.addRow("Öresavrundning:", QLabel(format_sek(self.due_ore - total_ore)))
            form.addRow("Att betala kontant:", QLabel(format_sek(self.due_ore)))
        self.received_edit = QLineEdit(format_sek(self.due_ore, unit=False))
        self.received_edit.setAccessibleName("Mottaget belopp")
        self.received_edit.setMaxLength(24)
        self.received_edit.selectAll()
        received_label = QLabel("&Mottaget belopp:")
        received_label.setBuddy(self.received_edit)
        form.addRow(received_label, self.received_edit)
        self.change_label = QLabel()
        self.change_label.setStyleSheet("font-size: 16pt; font-weight: 600;")
        form.addRow("Växel:", self.change_label)
        layout.addLayout(form)
        self.error_label = QLabel()
        self.error_label.setStyleSheet(tone_style("error"))
        self.error_label.setWordWrap(True)
        layout.addWidget(self.error_label)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("&Betala")
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("Avbryt")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.received_edit.textChanged.connect(self._update)
        self._update()

    def received_ore(self) -> int | None:
        try:
            return parse_sek(self.received_edit.text())
        except ValidationError:
            return None

    def _update(self) -> None:
        received = self.received_ore()
        if received is None:
            try:
                parse_sek(self.received_edit.text())
                problem = ""
            except ValidationError as err:
                problem = err.message
            too_big = problem == AMOUNT_RANGE_MESSAGE
            self.error_label.setText(problem if too_big else "Skriv beloppet kunden lämnade, t.ex. 500 eller 1 234,50.")
        elif received < self.due_ore:
            self.error_label.setText("Mottaget belopp är mindre än att betala.")
        else:
            self.error_label.setText("")
        ok = received is not None and received >= self.due_ore
        self.change_label.setText(format_sek(received - self.due_ore) if ok else "–")
        self.ok_button.setEnabled(ok)

    def accept(self) -> None:
        if self.ok_button.isEnabled():
            super().accept()

    @classmethod
    def ask(cls, parent: QWidget | None, total_ore: int) -> int | None:
        """The amount handed over in öre, or None when the receptionist cancels."""
        dialog = cls(total_ore, parent)
        try:
            return dialog.received_ore() if dialog.exec() == QDialog.DialogCode.Accepted else None
        finally:
            dialog.deleteLater()
