"""Meddelanden: the internal and the customer message, and notes."""
from __future__ import annotations

from PySide6.QtWidgets import QLabel, QPlainTextEdit, QVBoxLayout, QWidget

from app.queries.person_card import PersonCardData
from app.routines import person_edit as pe
from widgets.person_tabs.common import CardHost, EditForm, fill_table, minute_text, read_only_table


class MessagesTab(QWidget):
    def __init__(self, card: CardHost) -> None:
        super().__init__(card)
        self.card = card
        self.edit = EditForm(self)
        self.internal = self.edit.add("internal_message", "&Internt meddelande\n(visas som banderoll på kortet)",
                                      QPlainTextEdit())
        self.customer = self.edit.add("customer_message", "Kun&dmeddelande\n(internetbokning, kundkiosk)",
                                      QPlainTextEdit())
        self.notes = read_only_table(self, "notes")
        self.note_form = EditForm(self, "&Lägg till anteckning")
        self.new_note = self.note_form.add("text", "Ny anteckning", QPlainTextEdit())
        layout = QVBoxLayout(self)
        layout.addWidget(self.edit)
        layout.addWidget(QLabel("Anteckningar"))
        layout.addWidget(self.notes, 1)
        layout.addWidget(self.note_form)
        self.edit.save_button.clicked.connect(self.save)
        self.note_form.save_button.clicked.connect(self.add_note)

    def load(self, data: PersonCardData) -> None:
        self.internal.setPlainText(data.internal_message)
        self.customer.setPlainText(data.customer_message)
        fill_table(self.notes, ("Datum", "Av", "Anteckning"), [(minute_text(n.created_at), n.created_by, n.text)
                                                               for n in data.notes])
        self.new_note.clear()
        self.edit.clear_error()
        self.note_form.clear_error()

    def save(self) -> None:
        self.card.save(pe.UpdateMessagesRoutine, pe.UpdateMessages(
            self.card.person_id, self.internal.toPlainText(), self.customer.toPlainText()), self.edit)

    def add_note(self) -> None:
        self.card.save(pe.AddNoteRoutine, pe.AddNote(self.card.person_id, self.new_note.toPlainText()),
                       self.note_form)
