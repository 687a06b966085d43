"""Ekonomi: debt, unpaid orders and the autogiro mandate with its menu."""
from __future__ import annotations

from PySide6.QtWidgets import QGroupBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from app.domain.money import format_sek
from app.queries.person_card import PersonCardData
from widgets.person_tabs.common import CardHost, chip_row, fill_table, minute_text, read_only_table
from widgets.tones import tone_style


class EconomyTab(QWidget):
    def __init__(self, card: CardHost) -> None:
        super().__init__(card)
        self.card = card
        self.debt = QLabel(self)
        self.debt.setObjectName("debt")
        self.orders = read_only_table(self, "open_orders")
        self.mandate_box = QGroupBox("Autogiromedgivande", self)
        self.mandate_layout = QVBoxLayout(self.mandate_box)
        self.mandate_text = QLabel(self.mandate_box)
        self.mandate_text.setObjectName("mandate")
        head = QHBoxLayout()
        head.addWidget(self.mandate_text, 1)
        self.mandate_button = card.menu_button("mandate_menu")
        head.addWidget(self.mandate_button)
        self.mandate_layout.addLayout(head)
        self.mandate_chips = QWidget(self.mandate_box)
        self.mandate_layout.addWidget(self.mandate_chips)
        layout = QVBoxLayout(self)
        layout.addWidget(self.debt)
        layout.addWidget(QLabel("Obetalda beställningar"))
        layout.addWidget(self.orders, 1)
        layout.addWidget(self.mandate_box)

    def load(self, data: PersonCardData) -> None:
        e = data.economy
        self.debt.setText(f"Skuld: {format_sek(e.debt_ore)}   (obetalda fakturor {format_sek(e.unpaid_invoices_ore)}, "
                          f"obetalda beställningar {format_sek(e.open_orders_ore)})")
        self.debt.setStyleSheet(tone_style("error", "font-weight: 600;") if e.debt_ore else "")
        fill_table(self.orders, ("Order", "Skapad", "Rutin", "Innehåll", "Belopp"), [
            (o.order_number, minute_text(o.created_at), o.routine, o.description, format_sek(o.total_ore))
            for o in e.open_orders])
        m = e.mandate
        self.mandate_text.setText(
            f"{m.holder_name}, {m.bank_name} {m.clearing}-{m.account_number} – status: {m.status_name}" if m
            else "Inget autogiromedgivande.")
        old = self.mandate_chips
        self.mandate_chips = chip_row(data.deviations.mandate, self.mandate_box)
        self.mandate_chips.setObjectName("mandate_deviations")
        self.mandate_layout.replaceWidget(old, self.mandate_chips)
        old.hide()
        old.deleteLater()
        self.card.attach_menu(self.mandate_button, self.card.mandate_entries(data),
                              self.card.target(mandate_id=m.id if m else None))
