"""Basuppgifter: name, personnummer or birth date, contact details."""
from __future__ import annotations

from datetime import date

from PySide6.QtWidgets import QCheckBox, QComboBox, QLabel, QLineEdit, QVBoxLayout, QWidget

from app.errors import UserError, ValidationError
from app.queries.person_card import PersonCardData
from app.routines import person_edit as pe
from app.routines.person_data import PersonData
from widgets.input_rules import desk_country
from widgets.person_tabs.common import CardHost, EditForm, day_text


class BasicTab(QWidget):
    def __init__(self, card: CardHost) -> None:
        super().__init__(card)
        self.card = card
        self.info = QLabel(self)
        self.info.setObjectName("basic_info")
        self.edit = EditForm(self)
        f = self.edit
        self.first_name = f.add("first_name", "&Förnamn", QLineEdit())
        self.last_name = f.add("last_name", "&Efternamn", QLineEdit())
        self.personnummer = f.add("personnummer", "Pe&rsonnummer", QLineEdit())
        self.birth_date = f.add("birth_date", "Födelsedatum (utan personnummer)", QLineEdit())
        self.birth_date.setPlaceholderText("ÅÅÅÅ-MM-DD")
        self.gender = f.add("gender", "Kön (utan personnummer)", QComboBox())
        for text, code in (("", None), ("Kvinna", "K"), ("Man", "M")):
            self.gender.addItem(text, code)
        self.email = f.add("email", "E-pos&t", QLineEdit())
        self.mobile = f.add("mobile", "&Mobil", QLineEdit())
        self.phone_home = f.add("phone_home", "Te&lefon hem", QLineEdit())
        self.phone_work = f.add("phone_work", "Telefon ar&bete", QLineEdit())
        self.protected = f.add("protected_identity", "Skyddad identitet", QCheckBox())
        layout = QVBoxLayout(self)
        layout.addWidget(self.info)
        layout.addWidget(self.edit)
        layout.addStretch(1)
        self.edit.save_button.clicked.connect(self.save)

    def load(self, data: PersonCardData) -> None:
        p = data.person
        card = data.current_card
        self.info.setText(f"Kundnummer {p.customer_number}   Kort: {card.card_number if card else 'saknas'}   "
                          f"Foto: {'finns' if data.photo_jpeg else 'saknas'}")
        self.first_name.setText(p.first_name)
        self.last_name.setText(p.last_name)
        self.personnummer.setText(p.personnummer_display)
        self.birth_date.setText("" if p.personnummer else day_text(p.birth_date))
        self.gender.setCurrentIndex(max(0, self.gender.findData(None if p.personnummer else p.gender)))
        self.email.setText(p.email)
        self.mobile.setText(p.mobile)
        self.phone_home.setText(p.phone_home)
        self.phone_work.setText(p.phone_work)
        self.protected.setChecked(p.protected_identity)
        self.edit.clear_error()

    def command(self) -> pe.UpdatePersonData:
        birth = None
        text = self.birth_date.text().strip()
        if text and not self.personnummer.text().strip():
            try:
                birth = date.fromisoformat(text)
            except ValueError:
                raise ValidationError("Skriv födelsedatumet som ÅÅÅÅ-MM-DD.", field="birth_date") from None
        data = PersonData(first_name=self.first_name.text(), last_name=self.last_name.text(),
                          email=self.email.text(), mobile=self.mobile.text(), personnummer=self.personnummer.text(),
                          birth_date=birth, gender=self.gender.currentData(), phone_home=self.phone_home.text(),
                          phone_work=self.phone_work.text(), protected_identity=self.protected.isChecked(),
                          phone_country=desk_country(self.card.services))
        return pe.UpdatePersonData(self.card.person_id, data)

    def save(self) -> None:
        try:
            command = self.command()
        except UserError as error:
            self.edit.show_error(error)
            return
        self.card.save(pe.UpdatePersonDataRoutine, command, self.edit)
