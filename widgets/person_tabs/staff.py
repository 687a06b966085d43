"""Personal: employee number, position, notes, the web booking password."""
from __future__ import annotations

from PySide6.QtWidgets import QLineEdit, QPlainTextEdit, QVBoxLayout, QWidget

from app.queries.person_card import PersonCardData
from app.routines import person_edit as pe
from widgets.person_tabs.common import CardHost, EditForm


class StaffTab(QWidget):
    def __init__(self, card: CardHost) -> None:
        super().__init__(card)
        self.card = card
        self.edit = EditForm(self)
        self.employee_number = self.edit.add("employee_number", "Anställningsnu&mmer", QLineEdit())
        self.position = self.edit.add("position", "&Befattning", QLineEdit())
        self.notes = self.edit.add("notes", "Ant&eckningar", QPlainTextEdit())
        self.web_password = self.edit.add("web_password", "&Lösenord för internetbokningen", QLineEdit())
        self.web_password.setEchoMode(QLineEdit.EchoMode.Password)
        layout = QVBoxLayout(self)
        layout.addWidget(self.edit)
        layout.addStretch(1)
        self.edit.save_button.clicked.connect(self.save)

    def load(self, data: PersonCardData) -> None:
        s = data.staff
        self.employee_number.setText(s.employee_number)
        self.position.setText(s.position)
        self.notes.setPlainText(s.notes)
        self.web_password.clear()
        self.web_password.setPlaceholderText("Lösenord finns – lämna tomt för att behålla" if s.has_web_password
                                             else "Inget lösenord")
        self.edit.clear_error()

    def save(self) -> None:
        self.card.save(pe.UpdateStaffFieldsRoutine, pe.UpdateStaffFields(
            self.card.person_id, self.employee_number.text(), self.position.text(), self.notes.toPlainText(),
            self.web_password.text() or None), self.edit)
