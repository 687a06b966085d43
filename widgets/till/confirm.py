"""Kort (F6), Swish (F7), Faktura (F8): the payment asked once with the amount."""
from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

from app.domain.money import format_sek
from app.orders import INVOICE_DAYS, METHOD_NAMES


PAY_QUESTION = {"kort": "Betala {amount} med kort?", "swish": "Betala {amount} med Swish?",
                "faktura": "Betala {amount} med faktura?"}
PAY_DETAIL = {"kort": "Ta betalt på kortterminalen först.", "swish": "Kontrollera att Swish-betalningen har kommit.",
              "faktura": f"Kunden får en faktura som förfaller om {INVOICE_DAYS} dagar."}


class PaymentConfirmDialog(QDialog):
    """Kort (F6), Swish (F7), Faktura (F8): asked once with the amount; Enter pays, Esc goes back with nothing paid."""

    def __init__(self, method: str, total_ore: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"{METHOD_NAMES[method]} betalning")
        layout = QVBoxLayout(self)
        self.question = QLabel(PAY_QUESTION[method].format(amount=format_sek(total_ore)))
        self.question.setObjectName("pay_question")
        self.question.setStyleSheet("font-size: 15pt; font-weight: 600;")
        layout.addWidget(self.question)
        detail = QLabel(PAY_DETAIL[method])
        detail.setWordWrap(True)
        layout.addWidget(detail)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("&Betala")
        self.ok_button.setDefault(True)
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("Avbryt")
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setAutoDefault(False)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.ok_button.setFocus()

    @classmethod
    def ask(cls, parent: QWidget | None, method: str, total_ore: int) -> bool:
        """True when the receptionist confirmed (Enter / Betala), False for Esc / Avbryt."""
        dialog = cls(method, total_ore, parent)
        try:
            return dialog.exec() == QDialog.DialogCode.Accepted
        finally:
            dialog.deleteLater()
