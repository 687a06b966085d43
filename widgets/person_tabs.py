"""The person card's tabs (seed "Personkortet"): one class per tab, each with `load(data)`.

Editing tabs collect plain values into a routine command and hand it to the
card (`card.save(routine_class, command, form)`), which runs the routine and
either reloads the card or shows the Swedish error at the field — what was
typed stays in the fields.
"""
from __future__ import annotations

import os
import re
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDialog, QDialogButtonBox, QFileDialog, QFormLayout, QGroupBox,
                               QHBoxLayout, QHeaderView, QLabel, QLineEdit, QPlainTextEdit, QPushButton, QTableWidget,
                               QTableWidgetItem, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget)

from app.domain.inputs import FIELD_COLUMNS
from app.domain.money import format_sek
from app.errors import NotAllowed, UserError, ValidationError
from app.menus import paid_for_others_menu, subscription_menu
from app.orders import TILL_MISSING_REASON
from app.queries.person_card import PersonCardData, load_document_content
from app.rights import TILL, require
from app.routines import person_edit as pe
from app.routines.invoices import (CreditedInvoice, CreditInvoice, CreditInvoiceRoutine, InvoiceDetails, InvoiceOrder,
                                   PayInvoiceAtDesk, PayInvoiceAtDeskRoutine, SendInvoice, SendInvoiceRoutine,
                                   credit_refusal, invoice_details, invoice_file_name, paid_invoice_number,
                                   pay_refusal)
from app.routines.person_data import AddressData, PersonData
from widgets.input_rules import desk_country, limit
from widgets import printing
from widgets.invoice_pdf import invoice_document, invoice_title, render_invoice_pdf
from widgets.search_panel import QueryRunner

if TYPE_CHECKING:
    from widgets.person_card import PersonCardWidget

# Background and text colour of a deviation chip per configured severity.
SEVERITY_COLOURS = {
    "information": ("#dbeafe", "#1e3a8a"),  # blue-ish
    "varning": ("#fde68a", "#78350f"),      # amber
    "fel": ("#fecaca", "#7f1d1d"),          # red
}
SEVERITY_NAMES = {"information": "Information", "varning": "Varning", "fel": "Fel"}


def _d(value: date | None) -> str:
    return value.strftime("%Y-%m-%d") if value else ""


def _dt(value) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value else ""


def deviation_chip(deviation, parent: QWidget | None = None) -> QLabel:
    """A coloured label for one deviation; the colour says the configured severity."""
    background, foreground = SEVERITY_COLOURS.get(deviation.severity, SEVERITY_COLOURS["information"])
    chip = QLabel(deviation.text, parent)
    chip.setObjectName(f"deviation_{deviation.code}")
    chip.setProperty("severity", deviation.severity)
    chip.setStyleSheet(f"QLabel {{ background-color: {background}; color: {foreground}; border-radius: 8px; "
                       f"padding: 2px 8px; }}")
    chip.setToolTip(f"{deviation.name} ({SEVERITY_NAMES.get(deviation.severity, deviation.severity)})")
    return chip


def chip_row(deviations, parent: QWidget | None = None) -> QWidget:
    row = QWidget(parent)
    layout = QHBoxLayout(row)
    layout.setContentsMargins(0, 0, 0, 0)
    for d in deviations:
        layout.addWidget(deviation_chip(d, row))
    layout.addStretch(1)
    return row


def fill_table(table: QTableWidget, headers: tuple[str, ...], rows: list[tuple]) -> None:
    table.clear()
    table.setColumnCount(len(headers))
    table.setHorizontalHeaderLabels(list(headers))
    table.setRowCount(len(rows))
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            item = QTableWidgetItem("" if value is None else str(value))
            item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
            table.setItem(r, c, item)
    table.resizeColumnsToContents()


def read_only_table(parent: QWidget, name: str) -> QTableWidget:
    table = QTableWidget(parent)
    table.setObjectName(name)
    table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
    table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
    table.verticalHeader().hide()
    table.horizontalHeader().setStretchLastSection(True)
    return table


class EditForm(QWidget):
    """A form with named fields, an error line and a Spara button."""

    def __init__(self, parent: QWidget | None = None, save_text: str = "&Spara") -> None:
        super().__init__(parent)
        self.fields: dict[str, QWidget] = {}
        self.form = QFormLayout()
        self.error = QLabel(self)
        self.error.setObjectName("error")
        self.error.setStyleSheet("color: #b91c1c;")
        self.error.setWordWrap(True)
        self.error.hide()
        self.save_button = QPushButton(save_text, self)
        self.save_button.setObjectName("save")
        outer = QVBoxLayout(self)
        outer.addLayout(self.form)
        outer.addWidget(self.error)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.save_button)
        outer.addLayout(buttons)

    def add(self, key: str, label: str, widget: QWidget) -> QWidget:
        widget.setObjectName(key)
        if isinstance(widget, QLineEdit) and key in FIELD_COLUMNS:
            limit(widget, key)  # the model column's length (app.domain.inputs.max_length)
        self.fields[key] = widget
        self.form.addRow(label, widget)
        return widget

    def show_error(self, error: UserError) -> None:
        self.error.setText(error.message)
        self.error.show()
        widget = self.fields.get(error.field or "")
        if widget is not None:
            widget.setFocus()

    def clear_error(self) -> None:
        self.error.clear()
        self.error.hide()


def strip_mnemonics(widget: QWidget) -> None:
    """Remove the Alt letters of every label and button inside `widget` (the fields stay reachable with Tab)."""
    from PySide6.QtWidgets import QAbstractButton

    for child in widget.findChildren(QLabel) + widget.findChildren(QAbstractButton):
        text = child.text()
        if "&" in text:
            child.setText(text.replace("&&", "\0").replace("&", "").replace("\0", "&&"))


def _text(widget) -> str:
    return widget.toPlainText() if isinstance(widget, QPlainTextEdit) else widget.text()


# --------------------------------------------------------------------------
# Basuppgifter
# --------------------------------------------------------------------------


class BasicTab(QWidget):
    def __init__(self, card: "PersonCardWidget") -> None:
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
        self.birth_date.setText("" if p.personnummer else _d(p.birth_date))
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


# --------------------------------------------------------------------------
# Adress / Fakturaadress
# --------------------------------------------------------------------------


class AddressTab(QWidget):
    def __init__(self, card: "PersonCardWidget", postal, default_country: str) -> None:
        super().__init__(card)
        from widgets.address_editor import AddressEditor

        self.card = card
        self.edit = EditForm(self)
        self.home = AddressEditor(postal, default_country)
        self.invoice = AddressEditor(postal, default_country)
        self.home.setObjectName("home_address")
        self.invoice.setObjectName("invoice_address")
        for editor in (self.home, self.invoice):  # two editors: their Alt letters would clash (and with the menus)
            strip_mnemonics(editor)
        home_box, invoice_box = QGroupBox("Adress"), QGroupBox("Fakturaadress (tom = samma som adressen)")
        QVBoxLayout(home_box).addWidget(self.home)
        QVBoxLayout(invoice_box).addWidget(self.invoice)
        self.edit.form.addRow(home_box)
        self.edit.form.addRow(invoice_box)
        self.edit.fields.update({"country": self.home.country, "street": self.home.street,
                                 "invoice_country": self.invoice.country, "invoice_street": self.invoice.street})
        layout = QVBoxLayout(self)
        layout.addWidget(self.edit)
        layout.addStretch(1)
        self.edit.save_button.clicked.connect(self.save)

    @staticmethod
    def _as_dict(address: AddressData | None) -> dict[str, str]:
        if address is None:
            return {}
        return {"street": address.street, "co": address.co, "postal_code": address.postal_code,
                "town": address.town, "country": address.country}

    def load(self, data: PersonCardData) -> None:
        self.home.set_value(self._as_dict(data.home_address))
        self.invoice.set_value(self._as_dict(data.invoice_address))
        self.edit.clear_error()

    def save(self) -> None:
        home, invoice = AddressData(**self.home.value()), AddressData(**self.invoice.value())
        self.card.save(pe.UpdateAddressesRoutine,
                       pe.UpdateAddresses(self.card.person_id, home, None if invoice.is_empty else invoice), self.edit)


# --------------------------------------------------------------------------
# Marknad, Personal
# --------------------------------------------------------------------------


class MarketingTab(QWidget):
    def __init__(self, card: "PersonCardWidget") -> None:
        super().__init__(card)
        self.card = card
        self.edit = EditForm(self)
        self.email_ok = self.edit.add("email_ok", "Utskick via e-post", QCheckBox())
        self.sms_ok = self.edit.add("sms_ok", "Utskick via SMS", QCheckBox())
        self.interests = self.edit.add("interests", "&Intressen", QLineEdit())
        self.source = self.edit.add("source", "Kä&lla (hur kunden hittade oss)", QLineEdit())
        layout = QVBoxLayout(self)
        layout.addWidget(self.edit)
        layout.addStretch(1)
        self.edit.save_button.clicked.connect(self.save)

    def load(self, data: PersonCardData) -> None:
        m = data.marketing
        self.email_ok.setChecked(m.email_ok)
        self.sms_ok.setChecked(m.sms_ok)
        self.interests.setText(m.interests)
        self.source.setText(m.source)
        self.edit.clear_error()

    def save(self) -> None:
        self.card.save(pe.UpdateMarketingRoutine, pe.UpdateMarketing(
            self.card.person_id, self.email_ok.isChecked(), self.sms_ok.isChecked(), self.interests.text(),
            self.source.text()), self.edit)


class StaffTab(QWidget):
    def __init__(self, card: "PersonCardWidget") -> None:
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


# --------------------------------------------------------------------------
# Meddelanden, Kundjournal
# --------------------------------------------------------------------------


class MessagesTab(QWidget):
    def __init__(self, card: "PersonCardWidget") -> None:
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
        fill_table(self.notes, ("Datum", "Av", "Anteckning"), [(_dt(n.created_at), n.created_by, n.text)
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


class JournalTab(QWidget):
    """Kundjournal: only built for users with the right "Kundjournal"."""

    def __init__(self, card: "PersonCardWidget") -> None:
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
                   [(_dt(n.created_at), n.created_by, n.text) for n in data.journal or ()])
        self.new_entry.clear()
        self.form.clear_error()

    def add(self) -> None:
        self.card.save(pe.AddJournalEntryRoutine, pe.AddJournalEntry(self.card.person_id,
                                                                     self.new_entry.toPlainText()), self.form)


# --------------------------------------------------------------------------
# Dokument
# --------------------------------------------------------------------------


def _choose_file(parent: QWidget) -> str | None:
    path, _ = QFileDialog.getOpenFileName(parent, "Lägg till dokument", "", "PDF (*.pdf);;Alla filer (*)")
    return path or None


def open_with_desktop(path: Path) -> bool:
    """Open a file in the program the PC uses for its kind (PDF reader, ...)."""
    return QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))


def write_file(path: Path, content: bytes) -> Path:
    """Write atomically (a half-written file is never opened)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(content)
    os.replace(tmp, path)
    return path


def safe_file_name(name: str, fallback: str = "dokument") -> str:
    """A file name that is safe on Windows and Linux: letters (å, ä, ö too), digits, '.', '-', '_'."""
    cleaned = re.sub(r"[^\w.\-]+", "_", name.strip(), flags=re.UNICODE).strip("._")
    if not cleaned:
        return fallback
    stem, dot, suffix = cleaned.rpartition(".")
    if dot and len(suffix) <= 10 and len(cleaned) > MAX_FILE_NAME:
        return stem[:MAX_FILE_NAME - len(suffix) - 1] + "." + suffix
    return cleaned[:MAX_FILE_NAME]


MAX_FILE_NAME = 100
DOCUMENT_DIR = "dokument"
INVOICE_DIR = "fakturor"
SELECT_DOCUMENT = "Markera ett dokument i listan."


class DocumentsTab(QWidget):
    choose_file = staticmethod(_choose_file)  # replaceable in tests
    opener = staticmethod(open_with_desktop)  # replaceable in tests

    def __init__(self, card: "PersonCardWidget") -> None:
        super().__init__(card)
        self.card = card
        self.documents: tuple = ()
        self.reader = QueryRunner.for_core(card.services.core, self, latest_only=False)
        self.table = read_only_table(self, "documents")
        self.table.setSelectionMode(QTableWidget.SelectionMode.SingleSelection)
        self.open_button = QPushButton("&Öppna", self)
        self.open_button.setObjectName("open_document")
        self.add_button = QPushButton("&Lägg till dokument…", self)
        self.add_button.setObjectName("add_document")
        self.flags = EditForm(self, "Spara &flaggor")
        self.only_owner = self.flags.add("only_owner_visible", "Endast synlig för ansvarig", QCheckBox())
        self.show_on_web = self.flags.add("show_on_web", "Visas på Internet", QCheckBox())
        self.processed = self.flags.add("processed", "Bearbetad", QCheckBox())
        self.flags.setEnabled(False)
        buttons = QHBoxLayout()
        buttons.addWidget(self.open_button)
        buttons.addWidget(self.add_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        layout.addWidget(self.flags)
        self.add_button.clicked.connect(self.add)
        self.open_button.clicked.connect(self.open_document)
        self.table.itemSelectionChanged.connect(self._selected)
        self.table.cellDoubleClicked.connect(lambda _row, _column: self.open_document())
        self.flags.save_button.clicked.connect(self.save_flags)
        self._selected()

    def load(self, data: PersonCardData) -> None:
        self.documents = data.documents
        yes = {True: "Ja", False: ""}
        fill_table(self.table, ("Filnamn", "Storlek", "Endast synlig för ansvarig", "Visas på Internet", "Bearbetad",
                                "Tillagt", "Av"),
                   [(d.filename, f"{max(1, round(d.size / 1024))} kB", yes[d.only_owner_visible], yes[d.show_on_web],
                     yes[d.processed], _dt(d.created_at), d.created_by) for d in data.documents])
        self.flags.clear_error()
        self._selected()

    def _current(self):
        row = self.table.currentRow()
        selected = self.table.selectionModel().hasSelection()
        return self.documents[row] if selected and 0 <= row < len(self.documents) else None

    def _selected(self) -> None:
        doc = self._current()
        self.flags.setEnabled(doc is not None)
        self.open_button.setEnabled(doc is not None)
        self.open_button.setToolTip("Öppna dokumentet i datorns program för filtypen" if doc else SELECT_DOCUMENT)
        if doc is not None:
            self.only_owner.setChecked(doc.only_owner_visible)
            self.show_on_web.setChecked(doc.show_on_web)
            self.processed.setChecked(doc.processed)

    def add(self) -> None:
        path = self.choose_file(self)
        if not path:
            return
        try:
            content = Path(path).read_bytes()
        except OSError as error:
            self.flags.show_error(UserError(f"Filen kunde inte läsas: {error.strerror or error}."))
            return
        self.card.save(pe.AddDocumentRoutine, pe.AddDocument(self.card.person_id, Path(path).name, content),
                       self.flags)

    def save_flags(self) -> None:
        doc = self._current()
        if doc is None:
            return
        self.card.save(pe.UpdateDocumentFlagsRoutine, pe.UpdateDocumentFlags(
            self.card.person_id, doc.id, self.only_owner.isChecked(), self.show_on_web.isChecked(),
            self.processed.isChecked()), self.flags)

    def open_document(self) -> None:
        """Öppna: write the document to <user data>/dokument/<id>-<name> and open it there."""
        doc = self._current()
        if doc is None:
            return
        core, person_id, actor = self.card.services.core, self.card.person_id, self.card.services.actor

        def query() -> tuple[str, bytes]:
            with core.sessions() as session:
                return load_document_content(session, actor, person_id, doc.id)

        self.reader.run(query, lambda found: self._open(doc.id, *found),
                        lambda error: self.card._save_failed(self.flags, error))

    def _open(self, document_id: int, filename: str, content: bytes) -> None:
        path = Path(self.card.services.user_data_dir) / DOCUMENT_DIR / f"{document_id}-{safe_file_name(filename)}"
        try:
            write_file(path, content)
        except OSError as error:
            self.flags.show_error(UserError(f"Dokumentet kunde inte sparas i {path.parent}: "
                                            f"{error.strerror or error}."))
            return
        self.flags.clear_error()
        if not self.opener(path):
            self.flags.show_error(UserError(f"Dokumentet sparades som {path} men kunde inte öppnas. "
                                            "Öppna filen därifrån."))
            return
        self.card.services.bus.status.emit(f"{filename} öppnas.")


# --------------------------------------------------------------------------
# Read-only lists: Bokningar, Tidigare köp, Värdekort
# --------------------------------------------------------------------------


class TableTab(QWidget):
    def __init__(self, card: "PersonCardWidget", name: str, headers: tuple[str, ...], rows_of) -> None:
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


INVOICE_STATUS = {"obetald": "Obetald", "betald": "Betald", "krediterad": "Krediterad"}


def bookings_tab(card) -> TableTab:
    return TableTab(card, "bookings", ("Tid", "Aktivitet", "Pris", "Debiterad"), lambda d: [
        (_dt(b.starts_at), b.activity, format_sek(b.price_ore), "Ja" if b.debited else "Nej") for b in d.bookings])


def purchases_tab(card) -> TableTab:
    return TableTab(card, "purchases", ("Datum", "Vad", "Belopp", "Källa"), lambda d: [
        (_dt(p.at), p.description, format_sek(p.amount_ore), p.source) for p in d.purchases])


def value_cards_tab(card) -> TableTab:
    return TableTab(card, "value_cards", ("Värdekort", "Kvar", "Totalt", "Giltigt t.o.m.", "Köpt"), lambda d: [
        (v.name, v.clips_left, v.clips_total, _d(v.valid_to), _d(v.bought_on)) for v in d.value_cards])


# --------------------------------------------------------------------------
# Fakturor: Visa, Skicka, Betala, Kreditera
# --------------------------------------------------------------------------

SELECT_INVOICE = "Markera en faktura i listan."


class CreditReasonDialog(QDialog):
    """Kreditera: asks why the invoice is credited; Kreditera is enabled once a reason is written."""

    def __init__(self, invoice_number: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Kreditera faktura {invoice_number}")
        self.reason_edit = QPlainTextEdit(self)
        self.reason_edit.setObjectName("reason")
        self.reason_edit.setTabChangesFocus(True)
        label = QLabel(f"Varför krediteras faktura {invoice_number}? Orsaken sparas med ditt namn.", self)
        label.setWordWrap(True)
        label.setBuddy(self.reason_edit)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel,
                                        self)
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("&Kreditera")
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("&Avbryt")
        layout = QVBoxLayout(self)
        layout.addWidget(label)
        layout.addWidget(self.reason_edit)
        layout.addWidget(self.buttons)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.reason_edit.textChanged.connect(self._changed)
        self._changed()

    def _changed(self) -> None:
        self.ok_button.setEnabled(bool(self.reason()))

    def reason(self) -> str:
        return self.reason_edit.toPlainText().strip()

    @classmethod
    def ask(cls, parent: QWidget | None, invoice_number: int) -> str | None:
        """The reason, or None when the user cancels."""
        dialog = cls(invoice_number, parent)
        try:
            return dialog.reason() if dialog.exec() == QDialog.DialogCode.Accepted else None
        finally:
            dialog.deleteLater()


class InvoicesTab(QWidget):
    """All the person's invoices, autogiro and ordinary, with their status (seed "Fakturor").

    A button is enabled only when it applies to the selected invoice; otherwise
    its tooltip says why (the same rules the routines check).
    """

    COLUMNS = ("Nummer", "Typ", "Datum", "Förfaller", "Belopp", "Betalt", "Status")
    opener = staticmethod(open_with_desktop)  # replaceable in tests

    def __init__(self, card: "PersonCardWidget") -> None:
        super().__init__(card)
        self.card = card
        self.data: PersonCardData | None = None
        self.invoices: tuple = ()
        self.open_orders: dict[int, int] = {}   # invoice number -> open till order paying it
        self.reader = QueryRunner.for_core(card.services.core, self, latest_only=False)
        self.table = read_only_table(self, "invoices")
        self.table.setSelectionMode(QTableWidget.SelectionMode.SingleSelection)
        self.empty = QLabel("Kunden har inga fakturor.", self)
        self.view_button = self._button("V&isa", "view_invoice")
        self.print_button = self._button("Skriv ut…", "print_invoice")
        self.send_button = self._button("&Skicka", "send_invoice")
        self.pay_button = self._button("Beta&la", "pay_invoice")
        self.credit_button = self._button("K&reditera", "credit_invoice")
        self.message = QLabel(self)
        self.message.setObjectName("message")
        self.message.setWordWrap(True)
        self.message.hide()
        buttons = QHBoxLayout()
        for button in (self.view_button, self.print_button, self.send_button, self.pay_button, self.credit_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.empty)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        layout.addWidget(self.message)
        self.view_button.clicked.connect(self.view)
        self.print_button.clicked.connect(self.print_invoice)
        self.send_button.clicked.connect(self.send)
        self.pay_button.clicked.connect(self.pay)
        self.credit_button.clicked.connect(self.credit)
        self.table.itemSelectionChanged.connect(self.update_buttons)
        self.update_buttons()

    def _button(self, text: str, name: str) -> QPushButton:
        button = QPushButton(text, self)
        button.setObjectName(name)
        return button

    # -- showing -------------------------------------------------------------
    def load(self, data: PersonCardData) -> None:
        selected = self.current()
        self.data = data
        self.invoices = data.invoices
        self.open_orders = {number: o.order_number for o in data.economy.open_orders
                            if (number := paid_invoice_number(o.routine)) is not None}
        numbers = {i.id: i.invoice_number for i in data.invoices}
        rows = []
        for i in data.invoices:
            if i.is_credit:
                kind, status = "Kreditfaktura", f"Krediterar {numbers.get(i.credited_invoice_id, '')}".strip()
            else:
                kind, status = ("Autogiro" if i.kind == "autogiro" else "Faktura"), INVOICE_STATUS.get(i.status,
                                                                                                         i.status)
                if i.status == "obetald" and i.invoice_number in self.open_orders:
                    status += f" (i kassan, order {self.open_orders[i.invoice_number]})"
            rows.append((i.invoice_number, kind, _d(i.issued_on), _d(i.due_on), format_sek(i.amount_ore),
                         "" if i.is_credit else format_sek(i.paid_ore), status))
        fill_table(self.table, self.COLUMNS, rows)
        self.empty.setVisible(not rows)
        if selected is not None:
            row = next((r for r, i in enumerate(self.invoices) if i.id == selected.id), None)
            if row is not None:
                self.table.selectRow(row)
        self.update_buttons()

    def current(self):
        row = self.table.currentRow()
        selected = self.table.selectionModel().hasSelection()
        return self.invoices[row] if selected and 0 <= row < len(self.invoices) else None

    def select_invoice(self, invoice_number: int) -> None:
        row = next((r for r, i in enumerate(self.invoices) if i.invoice_number == invoice_number), None)
        if row is not None:
            self.table.selectRow(row)

    def update_buttons(self) -> None:
        invoice = self.current()
        if invoice is None:
            for button in (self.view_button, self.print_button, self.send_button, self.pay_button,
                           self.credit_button):
                self._state(button, SELECT_INVOICE)
            return
        self._state(self.view_button, None, "Visa fakturan som PDF")
        self._state(self.print_button, None, "Skriv ut fakturan (utskriftsdialogen, där den också kan sparas som "
                                             "PDF)")
        email = self.data.person.email.strip() if self.data else ""
        self._state(self.send_button, None if email else "Kunden saknar e-postadress. Skriv in den under Basuppgifter.",
                    f"Skicka fakturan som PDF till {email}")
        open_order = self.open_orders.get(invoice.invoice_number)
        pay = self._till_refusal(needs_till=True) or pay_refusal(
            invoice.status, invoice.amount_ore, invoice.paid_ore, invoice.is_credit, open_order)
        self._state(self.pay_button, pay, f"Betala {format_sek(invoice.amount_ore - invoice.paid_ore)} i kassan")
        credit = self._till_refusal(needs_till=False) or credit_refusal(invoice.status, invoice.is_credit, open_order)
        self._state(self.credit_button, credit, "Kreditera fakturan med en kreditfaktura")

    def _till_refusal(self, *, needs_till: bool) -> str | None:
        services = self.card.services
        try:
            require(services.actor, TILL)
        except NotAllowed as error:
            return error.message
        if needs_till and not services.core.till_enabled:
            return TILL_MISSING_REASON
        return None

    @staticmethod
    def _state(button: QPushButton, refusal: str | None, tooltip: str = "") -> None:
        button.setEnabled(refusal is None)
        button.setToolTip(refusal or tooltip)

    # -- the form protocol card._save_failed uses ----------------------------
    def show_error(self, error: UserError) -> None:
        self._say(error.message, error=True)

    def clear_error(self) -> None:
        self.message.hide()

    def _say(self, text: str, *, error: bool = False) -> None:
        self.message.setText(text)
        self.message.setStyleSheet("color: #b91c1c;" if error else "color: #166534;")
        self.message.show()
        if not error:
            self.card.services.bus.status.emit(text)

    # -- actions -------------------------------------------------------------
    def _with_pdf(self, invoice_id: int, then) -> None:
        """Read the invoice (off the UI thread on PostgreSQL), render its PDF here, then call `then`."""
        core = self.card.services.core

        def query() -> InvoiceDetails:
            with core.sessions() as session:
                return invoice_details(session, invoice_id)

        def rendered(details: InvoiceDetails) -> None:
            then(details, render_invoice_pdf(details))

        self.reader.run(query, rendered, self._failed)

    def _run(self, routine_class, command, done) -> None:
        routine, actor = routine_class(self.card.services.core), self.card.services.actor
        self.card.writer.run(lambda: routine.execute(command, actor), done, self._failed)

    def _failed(self, error: Exception) -> None:
        self.card._save_failed(self, error)

    def view(self) -> None:
        invoice = self.current()
        if invoice is not None:
            self._with_pdf(invoice.id, self._show_pdf)

    def _show_pdf(self, details: InvoiceDetails, pdf: bytes) -> None:
        path = Path(self.card.services.user_data_dir) / INVOICE_DIR / invoice_file_name(details.invoice_number)
        try:
            write_file(path, pdf)
        except OSError as error:
            self.show_error(UserError(f"Fakturan kunde inte sparas i {path.parent}: {error.strerror or error}."))
            return
        if not self.opener(path):
            self.show_error(UserError(f"Fakturan sparades som {path} men kunde inte öppnas. Öppna filen därifrån."))
            return
        self._say(f"Faktura {details.invoice_number} visas ({path.name}).")

    def print_invoice(self) -> None:
        invoice = self.current()
        if invoice is None:
            return
        core = self.card.services.core

        def query() -> InvoiceDetails:
            with core.sessions() as session:
                return invoice_details(session, invoice.id)

        def printed(details: InvoiceDetails) -> None:
            try:
                if printing.print_with_dialog(self, invoice_document(details)):
                    self._say(f"{invoice_title(details)} {details.invoice_number} är utskriven.")
            except printing.PrintFailed as err:
                self.show_error(UserError(str(err)))

        self.reader.run(query, printed, self._failed)

    def send(self) -> None:
        invoice = self.current()
        if invoice is None:
            return

        def queue(details: InvoiceDetails, pdf: bytes) -> None:
            self._run(SendInvoiceRoutine, SendInvoice(details.invoice_id, pdf),
                      lambda sent: self._say(f"Faktura {sent.invoice_number} skickas till {sent.recipient}."))

        self._with_pdf(invoice.id, queue)

    def pay(self) -> None:
        invoice = self.current()
        if invoice is not None:
            self._run(PayInvoiceAtDeskRoutine, PayInvoiceAtDesk(invoice.id), self._paid)

    def _paid(self, order: InvoiceOrder) -> None:
        bus = self.card.services.bus
        self._say(f"Order {order.order_number} på {format_sek(order.amount_ore)} för faktura {order.invoice_number} "
                  "är öppnad i kassan.")
        bus.order_created.emit(order.order_id)
        if self.card.person_id is not None:
            bus.person_changed.emit(self.card.person_id)

    def credit(self) -> None:
        invoice = self.current()
        if invoice is None:
            return
        reason = CreditReasonDialog.ask(self, invoice.invoice_number)
        if not reason:
            return
        self._run(CreditInvoiceRoutine, CreditInvoice(invoice.id, reason), self._credited)

    def _credited(self, result: CreditedInvoice) -> None:
        self._say(f"Faktura {result.invoice_number} är krediterad med kreditfaktura {result.credit_invoice_number} "
                  f"({format_sek(result.credited_ore)}).")
        if self.card.person_id is not None:
            self.card.services.bus.person_changed.emit(self.card.person_id)


def invoices_tab(card) -> InvoicesTab:
    return InvoicesTab(card)


# --------------------------------------------------------------------------
# Ekonomi
# --------------------------------------------------------------------------


class EconomyTab(QWidget):
    def __init__(self, card: "PersonCardWidget") -> None:
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
        self.debt.setStyleSheet("color: #b91c1c; font-weight: 600;" if e.debt_ore else "")
        fill_table(self.orders, ("Order", "Skapad", "Rutin", "Innehåll", "Belopp"), [
            (o.order_number, _dt(o.created_at), o.routine, o.description, format_sek(o.total_ore))
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


# --------------------------------------------------------------------------
# Abonnemang
# --------------------------------------------------------------------------


class SubscriptionsTab(QWidget):
    # The ≡ menu sits right of the subscription's name (as in the seeds), so it is never scrolled away.
    COLUMNS = ("Abonnemang", "", "Status", "Start", "Bindning t.o.m.", "Debiterat t.o.m.", "Slutdatum", "Pris",
               "Betalare", "Avvikelser")
    OTHER_COLUMNS = ("Nyttjare", "Abonnemang", "", "Status", "Debiterat t.o.m.", "Pris", "Avvikelser")
    MENU, CHIPS, OTHER_MENU, OTHER_CHIPS = 1, 9, 2, 6

    def __init__(self, card: "PersonCardWidget") -> None:
        super().__init__(card)
        self.card = card
        self.tree = QTreeWidget(self)
        self.tree.setObjectName("subscriptions")
        self.tree.setColumnCount(len(self.COLUMNS))
        self.tree.setHeaderLabels(list(self.COLUMNS))
        self.tree.setRootIsDecorated(True)
        self.others = QTreeWidget(self)
        self.others.setObjectName("paid_for_others")
        self.others.setColumnCount(len(self.OTHER_COLUMNS))
        self.others.setHeaderLabels(list(self.OTHER_COLUMNS))
        self.others.setRootIsDecorated(False)
        self.others_label = QLabel("Abonnemang som kunden betalar för andra", self)
        self.menu_buttons: dict[int, QWidget] = {}
        layout = QVBoxLayout(self)
        layout.addWidget(self.tree, 2)
        layout.addWidget(self.others_label)
        layout.addWidget(self.others, 1)

    def _item(self, sub, values) -> QTreeWidgetItem:
        item = QTreeWidgetItem([str(v) for v in values])
        item.setData(0, Qt.ItemDataRole.UserRole, sub.id)
        return item

    def load(self, data: PersonCardData) -> None:
        self.tree.clear()
        self.others.clear()
        self.menu_buttons.clear()
        card = self.card
        for sub in data.subscriptions:
            item = self._item(sub, (sub.product_name, "", sub.status_name, _d(sub.start_date), _d(sub.binding_end),
                                    _d(sub.charged_through), _d(sub.end_date), format_sek(sub.price_ore),
                                    "" if sub.payer_id == sub.user_id else sub.payer_name, ""))
            self.tree.addTopLevelItem(item)
            for addon in sub.addons:
                child = self._item(addon, (addon.product_name, "", addon.status_name, _d(addon.start_date),
                                           _d(addon.binding_end), _d(addon.charged_through), _d(addon.end_date),
                                           format_sek(addon.price_ore), "", ""))
                item.addChild(child)
                self.tree.setItemWidget(child, self.CHIPS, chip_row(addon.deviations))
            self.tree.setItemWidget(item, self.CHIPS, chip_row(sub.deviations))
            if sub.menu is not None:
                entries = subscription_menu(sub.menu, data.settings, card.services.core.till_enabled,
                                            card.services.actor.rights)
                button = card.menu_button(f"subscription_menu_{sub.id}")
                if card.attach_menu(button, entries, card.target(subscription_id=sub.id)):
                    self.tree.setItemWidget(item, self.MENU, button)
                    self.menu_buttons[sub.id] = button
                else:
                    button.deleteLater()
        self.tree.expandAll()
        for sub in data.paid_for_others:
            item = self._item(sub, (sub.user_name, sub.product_name, "", sub.status_name, _d(sub.charged_through),
                                    format_sek(sub.price_ore), ""))
            self.others.addTopLevelItem(item)
            self.others.setItemWidget(item, self.OTHER_CHIPS, chip_row(sub.deviations))
            if sub.menu is not None:
                entries = paid_for_others_menu(sub.menu, data.settings, card.services.core.till_enabled,
                                               card.services.actor.rights)
                button = card.menu_button(f"paid_for_others_menu_{sub.id}")
                if card.attach_menu(button, entries, card.target(subscription_id=sub.id)):
                    self.others.setItemWidget(item, self.OTHER_MENU, button)
                    self.menu_buttons[sub.id] = button
                else:
                    button.deleteLater()
        has_others = bool(data.paid_for_others)
        self.others.setVisible(has_others)
        self.others_label.setVisible(has_others)
        for tree in (self.tree, self.others):
            tree.header().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
