"""Read-only lists: Bokningar, Tidigare köp, Värdekort."""
from __future__ import annotations

from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from app.domain.money import format_sek
from app.queries.person_card import PersonCardData
from widgets.person_tabs.common import CardHost, day_text, fill_table, minute_text, read_only_table


class TableTab(QWidget):
    def __init__(self, card: CardHost, name: str, headers: tuple[str, ...], rows_of) -> None:
        super().__init__(card)
        self.headers, self.rows_of = headers, rows_of
        self.table = read_only_table(self, name)
        self.empty = QLabel("Inga uppgifter.", self)
        layout = QVBoxLayout(self)
        layout.addWidget(self.empty)
        layout.addWidget(self.table, 1)

    def load(self, data: PersonCardData) -> None:
        rows = self.rows_of(data)
        fill_table(self.table, self.headers, rows)
        self.empty.setVisible(not rows)


def bookings_tab(card) -> TableTab:
    return TableTab(card, "bookings", ("Tid", "Aktivitet", "Pris", "Debiterad"), lambda d: [
        (minute_text(b.starts_at), b.activity, format_sek(b.price_ore), "Ja" if b.debited else "Nej")
        for b in d.bookings])


def purchases_tab(card) -> TableTab:
    return TableTab(card, "purchases", ("Datum", "Vad", "Belopp", "Källa"), lambda d: [
        (minute_text(p.at), p.description, format_sek(p.amount_ore), p.source) for p in d.purchases])


def value_cards_tab(card) -> TableTab:
    return TableTab(card, "value_cards", ("Värdekort", "Kvar", "Totalt", "Giltigt t.o.m.", "Köpt"), lambda d: [
        (v.name, v.clips_left, v.clips_total, day_text(v.valid_to), day_text(v.bought_on)) for v in d.value_cards])
