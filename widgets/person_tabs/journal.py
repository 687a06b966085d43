"""Kundjournal: only built for users with the right "Kundjournal"."""
from __future__ import annotations

from PySide6.QtWidgets import QPlainTextEdit, QVBoxLayout, QWidget

from app.queries.person_card import PersonCardData
from app.routines import person_edit as pe
from widgets.person_tabs.common import CardHost, EditForm, fill_table, minute_text, read_only_table


class JournalTab(QWidget):
    """Kundjournal: only built for users with the right "Kundjournal"."""

    def __init__(self, card: CardHost) -> None:
        super().__init__(card)
        self.card = card
        self.entries = read_only_table(self, "journal")
        self.form = EditForm(self, "&Lägg till i journalen")
        self.new_entry = self.form.add("text", "Ny journalanteckning", QPlainTextEdit())
        layout = QVBoxLayout(self)
        layout.addWidget(self.entries, 1)
        layout.addWidget(self.form)
        self.form.save_button.clicked.connect(self.add)

    def load(self, data: PersonCardData) -> None:
        fill_table(self.entries, ("Datum", "Av", "Anteckning"),
                   [(minute_text(n.created_at), n.created_by, n.text) for n in data.journal or ()])
        self.new_entry.clear()
        self.form.clear_error()

    def add(self) -> None:
        self.card.save(pe.AddJournalEntryRoutine, pe.AddJournalEntry(self.card.person_id,
                                                                     self.new_entry.toPlainText()), self.form)
