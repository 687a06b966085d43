"""Personuppgifter (SPEC §5): personnummer (or birth date + kön), names, address, e-mail and mobile.

Every field is checked when the receptionist leaves it, with the rule's own
message in red under the field (the rules live in app/routines/person_data.py
and app/domain/personnummer.py; this page only asks them). Nästa is disabled
while anything required is missing or wrong. A personnummer that already is a
customer is offered instead of a duplicate ("Öppna kunden"); in an existing
customer's flow it may not be another customer's personnummer.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Callable

from PySide6.QtWidgets import (QCheckBox, QComboBox, QFormLayout, QGroupBox, QHBoxLayout, QLabel, QLineEdit,
                               QPushButton, QVBoxLayout, QWidget)

from app.domain.personnummer import parse_personnummer
from app.errors import UserError, ValidationError
from app.postal import PostalCodes
from app.queries.prefill import Prefill, prefill_with_settings
from app.routines.person_data import AddressData, PersonData, find_by_personnummer, validate_person_data
from app.domain.inputs import FIELD_COLUMNS
from widgets.address_editor import AddressEditor
from widgets.input_rules import limit
from widgets.services import UiServices
from wizards.base import ReceptionPage, set_message
from wizards.pages.legitimering import parse_date
from wizards.pages.sok_organisation import BackgroundQuery

# Valid stand-ins: a field is checked alone by putting it among values that pass.
_VALID = PersonData(first_name="A", last_name="B", email="a@exempel.se", mobile="0701234567",
                    birth_date=date(1990, 1, 1), gender="K")
TEXT_FIELDS = ("first_name", "last_name", "email", "mobile", "phone_home", "phone_work")
PROTECTED_NOTE = "Skyddad identitet – adressen visas inte och fylls inte i från personuppslagningen."


def desk_country(services: UiServices) -> str:
    country = getattr(services.desk, "default_country", None) if services.desk is not None else None
    return country if country in ("SE", "NO", "FI") else "SE"


def postal_codes(services: UiServices) -> PostalCodes:
    if services.postal is None:
        services.postal = PostalCodes.load(user_data_dir=services.user_data_dir)
    return services.postal


class PersonuppgifterPage(ReceptionPage):
    """The Personuppgifter page.

    ``new_customer``: flows 1 and 3 — an existing customer with the personnummer is offered instead.
    ``person_id``: the existing customer (flows 2, 4, 5) — the personnummer may be theirs only.
    ``age_check(birth_date)``: raises ValidationError when the Legitimering's age rules fail.
    ``on_open_existing(person_id)``: "Öppna kunden" for the customer who already has the personnummer.
    """

    def __init__(self, services: UiServices, *, new_customer: bool, person_id: int | None = None,
                 age_check: Callable[[date | None], None] | None = None,
                 on_open_existing: Callable[[int], None] | None = None, title: str = "Personuppgifter") -> None:
        super().__init__(services, title, "E-postadress och mobilnummer krävs. Telefon hem och arbete är frivilliga.")
        self._new_customer = new_customer
        self._person_id = person_id
        self._age_check = age_check
        self._on_open_existing = on_open_existing
        self._existing: tuple[str, int, int] | None = None  # (digits12, person id, kundnummer) of another customer
        self._invoice_address: AddressData | None = None
        self._protected = False
        self._prefilled_for: str | None = None  # the personnummer last looked up for a prefill
        self.prefill_query = BackgroundQuery(services, self)
        self.edits: dict[str, QLineEdit] = {}

        left = QFormLayout()
        # Personnummer, or birth date + kön for people without one
        self.personnummer = self._edit("personnummer", "ÅÅÅÅMMDD-NNNN")
        self.no_personnummer = QCheckBox("Saknar pers&onnummer", self)
        self.no_personnummer.setObjectName("no_personnummer")
        row = QWidget(self)
        row_layout = QHBoxLayout(row)
        row_layout.setContentsMargins(0, 0, 0, 0)
        row_layout.addWidget(self.personnummer, 1)
        row_layout.addWidget(self.no_personnummer)
        pnr_label = QLabel("Personn&ummer", self)
        pnr_label.setBuddy(self.personnummer)
        left.addRow(pnr_label, row)
        self.personnummer_error = self.error_label("personnummer")
        left.addRow("", self.personnummer_error)
        self.prefill_note = QLabel(self)  # "Ifyllt från personuppslagningen …" after a prefill on typing
        self.prefill_note.setObjectName("prefill_note")
        self.prefill_note.setWordWrap(True)
        self.prefill_note.hide()
        left.addRow("", self.prefill_note)
        self.open_existing_button = QPushButton("Öppna &kunden", self)
        self.open_existing_button.setObjectName("open_existing")
        self.open_existing_button.hide()
        self.open_existing_button.clicked.connect(self._open_existing)
        left.addRow("", self.open_existing_button)

        self.birth_date = self._edit("birth_date", "ÅÅÅÅ-MM-DD")
        self.gender = QComboBox(self)
        self.gender.setObjectName("gender")
        self.gender.addItem("Välj kön …", None)
        self.gender.addItem("Kvinna", "K")
        self.gender.addItem("Man", "M")
        self.birth_row = QWidget(self)
        birth_layout = QHBoxLayout(self.birth_row)
        birth_layout.setContentsMargins(0, 0, 0, 0)
        birth_layout.addWidget(self.birth_date, 1)
        birth_layout.addWidget(self.gender)
        self.birth_label = QLabel("Födelse&datum, kön", self)
        self.birth_label.setBuddy(self.birth_date)
        left.addRow(self.birth_label, self.birth_row)
        self.birth_error = self.error_label("birth_date", "gender")
        left.addRow("", self.birth_error)

        labels = {"first_name": "Förn&amn", "last_name": "E&fternamn", "email": "&E-post", "mobile": "&Mobil",
                  "phone_home": "Telefon &hem", "phone_work": "Telefon ar&bete"}
        self.field_errors: dict[str, QLabel] = {"personnummer": self.personnummer_error,
                                                "birth_date": self.birth_error}
        for name in TEXT_FIELDS:
            edit = self._edit(name, "frivilligt" if name.startswith("phone") else "")
            label = QLabel(labels[name], self)
            label.setBuddy(edit)
            left.addRow(label, edit)
            self.field_errors[name] = self.error_label(name)
            left.addRow("", self.field_errors[name])

        self.address_box = QGroupBox("Adress", self)
        box_layout = QVBoxLayout(self.address_box)
        self.address = AddressEditor(postal_codes(services), desk_country(services), self.address_box)
        box_layout.addWidget(self.address)
        self.protected_note = QLabel(PROTECTED_NOTE, self.address_box)
        self.protected_note.setWordWrap(True)
        self.protected_note.hide()
        box_layout.addWidget(self.protected_note)
        box_layout.addStretch(1)

        page_layout = QVBoxLayout(self)
        columns = QHBoxLayout()
        columns.addLayout(left, 3)
        columns.addWidget(self.address_box, 2)
        page_layout.addLayout(columns, 1)

        # Tab follows the screen (ReceptionPage.apply_tab_order): this column top to bottom, then the address.
        self.check_when_opened(*self.edits.values())
        self.no_personnummer.toggled.connect(self._no_personnummer_toggled)
        self.gender.currentIndexChanged.connect(lambda _i: self._left("birth_date"))
        self.watch(self.no_personnummer, self.gender, self.address.street, self.address.co,
                   self.address.postal_code, self.address.town, self.address.country)
        for name in ("first_name", "last_name", "email", "mobile"):
            self.registerField(f"{name}*", self.edits[name])
        self.registerField("personnummer", self.personnummer)
        self._no_personnummer_toggled(False)

    def _edit(self, name: str, placeholder: str) -> QLineEdit:
        edit = QLineEdit(self)
        edit.setObjectName(name)
        if name in FIELD_COLUMNS:
            limit(edit, name)  # the model column's length (app.domain.inputs.max_length)
        edit.setPlaceholderText(placeholder)
        edit.editingFinished.connect(lambda n=name: self._left(n))
        edit.textEdited.connect(lambda _t, n=name: self._edited(n))
        edit.textChanged.connect(lambda _t: self.completeChanged.emit())
        self.watch(edit)
        self.edits[name] = edit
        return edit

    # -- public ---------------------------------------------------------------
    def set_person_data(self, data: PersonData) -> None:
        """Fill the page (an existing customer, a pre-order, an online purchase). Counts as no input."""
        if data.personnummer:
            self.personnummer.setText(self._format_pnr(data.personnummer))
        elif data.birth_date is not None:
            self.no_personnummer.setChecked(True)
            self.birth_date.setText(f"{data.birth_date:%Y-%m-%d}")
            self.gender.setCurrentIndex(max(0, self.gender.findData(data.gender)))
        for name in TEXT_FIELDS:
            self.edits[name].setText(getattr(data, name) or "")
        self.address.set_value({"street": data.address.street, "co": data.address.co,
                                "postal_code": data.address.postal_code, "town": data.address.town,
                                "country": data.address.country or desk_country(self.services)})
        self._invoice_address = data.invoice_address
        self._set_protected(data.protected_identity)
        self.completeChanged.emit()

    def set_prefill(self, prefill: dict) -> None:
        """Fill from Personuppslagning: personnummer, first_name, last_name, street, co, postal_code, town,
        protected_identity (a protected identity's address is never filled)."""
        protected = bool(prefill.get("protected_identity"))
        address = AddressData() if protected else AddressData(
            prefill.get("street") or "", prefill.get("co") or "", prefill.get("postal_code") or "",
            prefill.get("town") or "", prefill.get("country") or desk_country(self.services))
        self.set_person_data(PersonData(
            first_name=prefill.get("first_name") or "", last_name=prefill.get("last_name") or "",
            email=prefill.get("email") or "", mobile=prefill.get("mobile") or "",
            personnummer=prefill.get("personnummer") or "", address=address, protected_identity=protected))

    def person_data(self) -> PersonData:
        """What the page shows now, unvalidated."""
        no_pnr = self.no_personnummer.isChecked()
        try:
            birth = parse_date(self.birth_date.text()) if no_pnr else None
        except ValidationError:
            birth = None
        a = self.address.value()
        return PersonData(
            first_name=self.edits["first_name"].text(), last_name=self.edits["last_name"].text(),
            email=self.edits["email"].text(), mobile=self.edits["mobile"].text(),
            personnummer="" if no_pnr else self.personnummer.text(), birth_date=birth,
            gender=self.gender.currentData() if no_pnr else None,
            phone_home=self.edits["phone_home"].text(), phone_work=self.edits["phone_work"].text(),
            address=AddressData(a["street"], a["co"], a["postal_code"], a["town"], a["country"]),
            invoice_address=self._invoice_address, protected_identity=self._protected,
            phone_country=desk_country(self.services))

    def validated(self) -> PersonData:
        return validate_person_data(self.person_data(), self.today())

    def birth_date_value(self) -> date | None:
        """The birth date the page gives now, or None while the personnummer/birth date is not valid."""
        try:
            return self.validated().birth_date
        except UserError:
            return self._pnr_birth_date()

    # -- checks ---------------------------------------------------------------
    def _format_pnr(self, text: str) -> str:
        try:
            return parse_personnummer(text, self.today()).formatted()
        except ValidationError:
            return text

    def _pnr_birth_date(self) -> date | None:
        if self.no_personnummer.isChecked():
            try:
                return parse_date(self.birth_date.text())
            except ValidationError:
                return None
        try:
            return parse_personnummer(self.personnummer.text(), self.today()).birth_date
        except ValidationError:
            return None

    def field_problem(self, name: str) -> str | None:
        """The rule's message for one field as it is now, or None."""
        today = self.today()
        try:
            if name == "personnummer":
                parse_personnummer(self.personnummer.text(), today)
            elif name == "birth_date":
                birth = parse_date(self.birth_date.text())
                validate_person_data(replace(_VALID, birth_date=birth, gender=self.gender.currentData()), today)
            else:
                validate_person_data(replace(_VALID, **{name: self.edits[name].text()}), today)
        except ValidationError as err:
            if name == "birth_date" and not self.birth_date.text().strip():
                return "Ange födelsedatum och kön för personer utan personnummer."
            return err.message
        return None

    def _edited(self, name: str) -> None:
        # While typing, a message goes away as soon as the field is right; new ones wait until the field is left.
        if self.field_problem(name) is None:
            self.clear_field_error(name)
        if name == "personnummer":
            self._existing = None
            self.open_existing_button.hide()

    def _left(self, name: str) -> None:
        text = self.birth_date.text() if name == "birth_date" else self.edits[name].text()
        if name == "birth_date" and not text.strip() and self.gender.currentData() is None:
            return
        if not text.strip() and name in ("phone_home", "phone_work"):
            self.clear_field_error(name)
            return
        problem = self.field_problem(name)
        set_message(self.field_errors[name], problem)
        if name == "personnummer" and problem is None:
            self.personnummer.setText(self._format_pnr(self.personnummer.text()))
            self._check_existing()
            self._start_prefill()
        self.completeChanged.emit()

    def _check_existing(self) -> None:
        """An existing customer with this personnummer (a quick indexed lookup)."""
        try:
            digits = parse_personnummer(self.personnummer.text(), self.today()).digits12
        except ValidationError:
            return
        with self.services.core.sessions() as session:
            other = find_by_personnummer(session, digits)
            found = (digits, other.id, other.customer_number) if other is not None else None
        if found is not None and found[1] == self._person_id:
            found = None
        self._existing = found
        if found is None:
            self.open_existing_button.hide()
            return
        if self._new_customer:
            message = (f"Det finns redan en kund med det personnumret (kundnummer {found[2]}). "
                       "Öppna kunden och teckna abonnemanget där i stället för att registrera en dubblett.")
            self.open_existing_button.setVisible(self._on_open_existing is not None)
        else:
            message = f"Personnumret tillhör en annan kund (kundnummer {found[2]})."
        set_message(self.personnummer_error, message)
        self.completeChanged.emit()

    # -- prefill on typing ----------------------------------------------------------
    def _start_prefill(self) -> None:
        """A new customer's personnummer: ask the lookup and open pre-orders (worker thread) for what they know."""
        if not self._new_customer or self._existing is not None:
            return
        try:
            digits = parse_personnummer(self.personnummer.text(), self.today()).digits12
        except ValidationError:
            return
        if digits == self._prefilled_for:
            return
        self._prefilled_for = digits
        sessions, today = self.services.core.sessions, self.today()
        self.prefill_query.submit(lambda s: (digits, prefill_with_settings(s, sessions, digits, today)),
                                  self._apply_prefill, self._prefill_failed)

    def _apply_prefill(self, answer: tuple[str, Prefill | None]) -> None:
        digits, found = answer
        try:
            now = parse_personnummer(self.personnummer.text(), self.today()).digits12
        except ValidationError:
            return
        if found is None or now != digits or self.no_personnummer.isChecked():
            return  # the receptionist has typed another number meanwhile
        filled = []
        for name in ("first_name", "last_name", "email"):
            value = getattr(found, name)
            if value and not self.edits[name].text().strip():  # never over what was typed
                self.edits[name].setText(value)
                filled.append(name)
        if found.protected_identity:
            self._set_protected(True)
        else:
            address = {"street": self.address.street, "co": self.address.co,
                       "postal_code": self.address.postal_code, "town": self.address.town}
            if not any(edit.text().strip() for edit in address.values()):
                for key, edit in address.items():
                    if getattr(found, key):
                        edit.setText(getattr(found, key))
                        filled.append(key)
        if filled:
            set_message(self.prefill_note, "Ifyllt från " + " och ".join(found.sources) + ". Kontrollera uppgifterna.")
            for name in filled:
                if name in self.edits:
                    self._left(name)
        self.completeChanged.emit()

    def _prefill_failed(self, error: BaseException) -> None:
        self._prefilled_for = None
        set_message(self.prefill_note, getattr(error, "message", None) or "Personuppslagningen svarar inte just nu.")

    def shutdown(self) -> None:
        self.prefill_query.close()

    def _open_existing(self) -> None:
        if self._existing is not None and self._on_open_existing is not None:
            self._on_open_existing(self._existing[1])

    def _no_personnummer_toggled(self, checked: bool) -> None:
        self.personnummer.setEnabled(not checked)
        self.birth_label.setVisible(checked)
        self.birth_row.setVisible(checked)
        if checked:
            self.clear_field_error("personnummer")
            self.open_existing_button.hide()
            self._existing = None
        else:
            self.clear_field_error("birth_date")
        self.completeChanged.emit()

    def _set_protected(self, protected: bool) -> None:
        self._protected = protected
        self.protected_note.setVisible(protected)

    # -- QWizardPage ------------------------------------------------------------
    def blocked_reason(self) -> str | None:
        try:
            data = self.validated()
        except UserError as err:
            return err.message
        if self._existing is not None and self._existing[0] == data.personnummer:
            return self.personnummer_error.text() or "Personnumret tillhör en annan kund."
        return None

    def validatePage(self) -> bool:  # noqa: N802 - Qt API
        try:
            data = self.validated()
        except UserError as err:
            self.show_error(err)
            return False
        if data.personnummer:
            self._check_existing()
            if self._existing is not None:
                return False
        if self._age_check is not None:
            try:
                self._age_check(data.birth_date)
            except UserError as err:
                field = "personnummer" if data.personnummer else "birth_date"
                set_message(self.field_errors[field], err.message)
                return False
        return True
