"""Förbeställningar: step 4a of flows 3 and 4 (SPEC §5), shown when the organisation uses pre-orders.

The table lists this person's open pre-orders at the organisation (matched by
personnummer, or by birth date for pre-orders made without one); when there are
none it lists all the organisation's open pre-orders. The search field searches
all open pre-orders by name or personnummer. "Lägg till förbeställning" opens
:class:`NewPreOrderDialog` (product from the organisation's price list, validity,
name, personnummer or birth date, e-mail — prefilled from Personuppgifter); the
new pre-order is created by Slutför, which also e-mails the account manager.
Choosing a pre-order restricts the Produkter page to its product.

A förbeställning is a pre-order an organisation's account manager (kundansvarig)
made for an employee; using it at registration marks it "utnyttjad", exactly once.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QDate, QModelIndex, QObject, QPersistentModelIndex, Qt, QTimer
from PySide6.QtWidgets import (QComboBox, QDateEdit, QDialog, QDialogButtonBox, QFormLayout, QHBoxLayout, QLabel,
                               QLineEdit, QPushButton, QVBoxLayout, QWidget)

from app.domain.periods import ONE_DAY, add_months
from app.domain.personnummer import parse_personnummer
from app.domain.text import is_email
from app.errors import Conflict, UserError, ValidationError
from app.queries.catalog import (OrganisationRow, PreOrderRow, ProductRow, all_open_preorders, main_products,
                                 preorders_for, price_list_for)
from app.routines.person_data import PersonData
from app.routines.registration_data import NewPreOrder
from app.settings import load_settings
from widgets.input_rules import limit
from widgets.services import UiServices
from wizards.base import ReceptionPage, make_error_label, set_message
from wizards.pages.sok_organisation import BackgroundQuery, make_table, move_selection_with_arrows, query_error_text

TYPE_AHEAD_MS = 200
NEW_PREORDER_FIELDS = ("preorder_name", "preorder_email", "preorder_valid_from", "preorder_valid_to",
                       "preorder_personnummer", "preorder_birth_date", "preorder_product")


def format_identity(personnummer: str | None, birth_date: date | None) -> str:
    if personnummer:
        return f"{personnummer[:8]}-{personnummer[8:]}"
    if birth_date is not None:
        return f"född {birth_date:%Y-%m-%d}"
    return ""


@dataclass(frozen=True)
class PreOrderContext:
    """What the page needs from the earlier pages: the organisation and the person (validated data)."""

    organisation: OrganisationRow
    person: PersonData          # personnummer canonical (12 digits) or empty with birth_date set


@dataclass(frozen=True)
class PreOrderEntry:
    """A row of the table: an existing open pre-order, or the new one added on this page."""

    id: int | None              # None for the new pre-order
    name: str
    personnummer: str | None
    birth_date: date | None
    product_id: int
    product_name: str
    valid_from: date
    valid_to: date
    email: str
    new: NewPreOrder | None = None

    @classmethod
    def existing(cls, row: PreOrderRow) -> "PreOrderEntry":
        return cls(row.id, row.name, row.personnummer, row.birth_date, row.product_id, row.product_name,
                   row.valid_from, row.valid_to, row.email or "")

    @classmethod
    def added(cls, new: NewPreOrder, product_name: str, today: date) -> "PreOrderEntry":
        digits = parse_personnummer(new.personnummer, today).digits12 if new.personnummer.strip() else None
        return cls(None, new.name, digits, None if digits else new.birth_date, new.product_id, product_name,
                   new.valid_from, new.valid_to, new.email, new)


class PreOrderTableModel(QAbstractTableModel):
    """Pre-orders as rows: Namn, Personnummer/födelsedatum, Produkt, Giltig, Status (the e-mail as tooltip)."""

    COLUMNS = ("Namn", "Personnummer / födelsedatum", "Produkt", "Giltig", "Status")

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[PreOrderEntry] = []

    def set_rows(self, rows: list[PreOrderEntry]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def rows(self) -> list[PreOrderEntry]:
        return list(self._rows)

    def row_at(self, row: int) -> PreOrderEntry:
        return self._rows[row]

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self.COLUMNS)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        entry = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return (entry.name, format_identity(entry.personnummer, entry.birth_date), entry.product_name,
                    f"{entry.valid_from:%Y-%m-%d} – {entry.valid_to:%Y-%m-%d}",
                    "Ny" if entry.new is not None else "Öppen")[index.column()]
        if role == Qt.ItemDataRole.ToolTipRole:
            mail = f"E-post: {entry.email}" if entry.email else "Ingen e-postadress"
            return mail + ("\nNy förbeställning – skapas vid Slutför." if entry.new is not None else "")
        if role == Qt.ItemDataRole.FontRole and entry.new is not None:
            from PySide6.QtGui import QFont

            font = QFont()
            font.setItalic(True)
            return font
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802 - Qt API
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal \
                and 0 <= section < len(self.COLUMNS):
            return self.COLUMNS[section]
        return super().headerData(section, orientation, role)


# --------------------------------------------------------------------------
# Lägg till förbeställning
# --------------------------------------------------------------------------


def parse_birth_date(text: str) -> date:
    """ÅÅÅÅ-MM-DD or ÅÅÅÅMMDD; a Swedish ValidationError otherwise."""
    cleaned = re.sub(r"\s+", "", text or "")
    match = re.fullmatch(r"(\d{4})-?(\d{2})-?(\d{2})", cleaned)
    if match:
        try:
            return date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:
            pass
    raise ValidationError("Födelsedatumet ska skrivas ÅÅÅÅ-MM-DD, t.ex. 1985-07-09.", field="preorder_birth_date")


def check_new_preorder(*, product_id: int | None, valid_from: date, valid_to: date, name: str, personnummer: str,
                       birth_date_text: str, email: str, person: PersonData, today: date) -> NewPreOrder:
    """The dialog's input as a :class:`NewPreOrder`, or a ValidationError naming the field.

    The same rules the registration routine re-checks at Slutför: a product, a name, a valid e-mail,
    a validity that includes today, and a personnummer (or birth date) that is the customer's.
    """
    if product_id is None:
        raise ValidationError("Välj produkt.", field="preorder_product")
    if valid_to < valid_from:
        raise ValidationError("Giltig till kan inte vara före Giltig från.", field="preorder_valid_to")
    if not valid_from <= today <= valid_to:
        raise ValidationError("Förbeställningen måste gälla idag för att kunna utnyttjas nu.",
                              field="preorder_valid_from")
    clean_name = " ".join((name or "").split())
    if not clean_name:
        raise ValidationError("Ange namn.", field="preorder_name")
    birth = None
    if personnummer.strip():
        try:
            pnr = parse_personnummer(personnummer, today)
        except ValidationError as err:
            raise ValidationError(err.message, field="preorder_personnummer") from None
        if person.personnummer and pnr.digits12 != person.personnummer:
            raise ValidationError("Personnumret stämmer inte med kundens personnummer på sidan Personuppgifter.",
                                  field="preorder_personnummer")
        if not person.personnummer:
            raise ValidationError("Kunden saknar personnummer; ange födelsedatum i stället.",
                                  field="preorder_personnummer")
    elif birth_date_text.strip():
        birth = parse_birth_date(birth_date_text)
        if birth != person.birth_date:
            raise ValidationError("Födelsedatumet stämmer inte med kundens födelsedatum.", field="preorder_birth_date")
    else:
        raise ValidationError("Ange personnummer eller födelsedatum.", field="preorder_personnummer")
    if not is_email(email or ""):
        raise ValidationError("Ange en giltig e-postadress, t.ex. namn@exempel.se.", field="preorder_email")
    return NewPreOrder(product_id=product_id, valid_from=valid_from, valid_to=valid_to, name=clean_name,
                       email=email.strip(), personnummer=personnummer.strip(), birth_date=birth)


def _qdate(d: date) -> QDate:
    return QDate(d.year, d.month, d.day)


class NewPreOrderDialog(QDialog):
    """Lägg till förbeställning: product, validity and the person, prefilled from Personuppgifter."""

    def __init__(self, parent: QWidget | None, *, organisation_name: str, products: list[ProductRow],
                 person: PersonData, today: date) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Lägg till förbeställning – {organisation_name}")
        self.person = person
        self.today = today
        self.result_value: NewPreOrder | None = None
        self._product_names = {p.id: p.name for p in products}
        layout = QVBoxLayout(self)
        intro = QLabel("Förbeställningen skapas när registreringen slutförs, och organisationens kundansvariga "
                       "får ett e-postmeddelande om den.")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        self.errors: dict[str, QLabel] = {}

        def row(label: str, widget: QWidget, field: str) -> None:
            box = QVBoxLayout()
            box.setSpacing(2)
            box.addWidget(widget)
            error = make_error_label(self)
            box.addWidget(error)
            self.errors[field] = error
            form.addRow(label, box)

        self.product = QComboBox()
        for p in products:
            self.product.addItem(p.name, p.id)
        row("&Produkt:", self.product, "preorder_product")
        self.valid_from = QDateEdit(_qdate(today))
        self.valid_to = QDateEdit(_qdate(add_months(today, 12) - ONE_DAY))
        for edit in (self.valid_from, self.valid_to):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
        row("Giltig &från:", self.valid_from, "preorder_valid_from")
        row("Giltig &till:", self.valid_to, "preorder_valid_to")
        self.name = QLineEdit(f"{person.first_name} {person.last_name}".strip())
        limit(self.name, "name")
        row("&Namn:", self.name, "preorder_name")
        self.personnummer = QLineEdit(format_identity(person.personnummer, None))
        self.personnummer.setPlaceholderText("ÅÅÅÅMMDD-NNNN")
        row("Person&nummer:", self.personnummer, "preorder_personnummer")
        self.birth_date = QLineEdit("" if person.personnummer or person.birth_date is None
                                    else f"{person.birth_date:%Y-%m-%d}")
        self.birth_date.setPlaceholderText("ÅÅÅÅ-MM-DD, om personnummer saknas")
        row("Födelse&datum:", self.birth_date, "preorder_birth_date")
        self.email = QLineEdit(person.email)
        limit(self.email, "email")
        row("&E-post:", self.email, "preorder_email")
        layout.addLayout(form)
        self.buttons = QDialogButtonBox()
        self.add_button = self.buttons.addButton("&Lägg till", QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.addButton("Avbryt", QDialogButtonBox.ButtonRole.RejectRole)
        self.add_button.setDefault(True)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        if not products:
            set_message(self.errors["preorder_product"], "Organisationens prislista har inga huvudabonnemang. "
                                                         "Be kundansvarig lägga in produkter på prislistan.")
            self.add_button.setEnabled(False)
        self.setMinimumWidth(520)
        self.name.setFocus()

    @classmethod
    def ask(cls, parent: QWidget | None, *, organisation_name: str, products: list[ProductRow], person: PersonData,
            today: date) -> tuple[NewPreOrder, str] | None:
        """Open the dialog; the new pre-order and its product's name, or None when cancelled."""
        dialog = cls(parent, organisation_name=organisation_name, products=products, person=person, today=today)
        try:
            if dialog.exec() != QDialog.DialogCode.Accepted or dialog.result_value is None:
                return None
            return dialog.result_value, dialog.product_name()
        finally:
            dialog.deleteLater()

    def product_name(self) -> str:
        return self._product_names.get(self.product.currentData(), "")

    def accept(self) -> None:
        for label in self.errors.values():
            set_message(label, None)
        try:
            self.result_value = check_new_preorder(
                product_id=self.product.currentData(), valid_from=self.valid_from.date().toPython(),
                valid_to=self.valid_to.date().toPython(), name=self.name.text(),
                personnummer=self.personnummer.text(), birth_date_text=self.birth_date.text(),
                email=self.email.text(), person=self.person, today=self.today)
        except ValidationError as err:
            set_message(self.errors.get(err.field or "", self.errors["preorder_name"]), err.message)
            return
        super().accept()


# --------------------------------------------------------------------------
# The page
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class _Loaded:
    own: list[PreOrderRow]
    all_open: list[PreOrderRow]
    products: list[ProductRow]


class ForbestallningarPage(ReceptionPage):
    """Step 4a. ``context()`` gives the organisation and the person from the earlier pages.

    Results: :meth:`preorder_id` (an existing pre-order), :meth:`new_preorder` (one added here) and
    :meth:`chosen_product_id` (the Produkter page shows only that product).
    """

    new_preorder_dialog = NewPreOrderDialog  # replaceable in tests

    def __init__(self, services: UiServices, context: Callable[[], PreOrderContext]) -> None:
        super().__init__(services, "Förbeställningar",
                         "Välj förbeställningen som kunden utnyttjar, eller lägg till en ny. "
                         "Nästa sida visar bara den förbeställda produkten.")
        self.context = context
        self.query = BackgroundQuery(services, self)
        self.model = PreOrderTableModel(self)
        self._ctx: PreOrderContext | None = None
        self._loaded: _Loaded | None = None
        self._added: PreOrderEntry | None = None

        layout = QVBoxLayout(self)
        self.status = QLabel()
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        search_row = QHBoxLayout()
        search_label = QLabel("&Sök:")
        self.search = QLineEdit()
        self.search.setPlaceholderText("Sök bland organisationens öppna förbeställningar: namn eller personnummer")
        self.search.setClearButtonEnabled(True)
        search_label.setBuddy(self.search)
        search_row.addWidget(search_label)
        search_row.addWidget(self.search, 1)
        self.add_button = QPushButton("&Lägg till förbeställning…")
        self.add_button.setAutoDefault(False)
        self.add_button.clicked.connect(self.add_preorder)
        search_row.addWidget(self.add_button)
        layout.addLayout(search_row)
        self.table = make_table(self.model)
        self.table.setAccessibleName("Förbeställningar")
        layout.addWidget(self.table, 1)
        self.chosen = QLabel()
        self.chosen.setWordWrap(True)
        layout.addWidget(self.chosen)
        self.message = self.error_label("preorder_id", *NEW_PREORDER_FIELDS)
        layout.addWidget(self.message)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(TYPE_AHEAD_MS)
        self._timer.timeout.connect(self._run_search)
        self.search.textEdited.connect(self._timer.start)
        self.watch(self.search, self.add_button)
        move_selection_with_arrows(self.search, self.table)
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        self.table.doubleClicked.connect(self._double_clicked)

    # -- results ------------------------------------------------------------------
    def selected_entry(self) -> PreOrderEntry | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.row_at(rows[0].row()) if rows else None

    def preorder_id(self) -> int | None:
        entry = self.selected_entry()
        return entry.id if entry is not None and entry.new is None else None

    def new_preorder(self) -> NewPreOrder | None:
        entry = self.selected_entry()
        return entry.new if entry is not None else None

    def chosen_product_id(self) -> int | None:
        entry = self.selected_entry()
        return entry.product_id if entry is not None else None

    @property
    def busy(self) -> bool:
        return self.query.busy or self._timer.isActive()

    # -- QWizardPage ----------------------------------------------------------------
    def enter_page(self, first: bool) -> None:
        ctx = self.context()
        if ctx != self._ctx:
            if self._ctx is not None and ctx.organisation.id != self._ctx.organisation.id:
                self._added = None  # a pre-order added for another organisation does not apply
            self._ctx = ctx
            self._load()
        self.search.setFocus()

    def blocked_reason(self) -> str | None:
        if self.query.busy:
            return "Förbeställningarna hämtas …"
        if self.selected_entry() is None:
            return "Välj kundens förbeställning, eller lägg till en ny."
        return None

    def validatePage(self) -> bool:  # noqa: N802 - Qt API
        entry = self.selected_entry()
        if entry is None:
            set_message(self.message, "Välj kundens förbeställning, eller lägg till en ny.")
            return False
        person = self._ctx.person if self._ctx else None
        if person is not None and entry.new is None:
            if entry.personnummer and person.personnummer and entry.personnummer != person.personnummer:
                set_message(self.message, "Förbeställningen gäller en annan person (personnumret stämmer inte).")
                return False
            if entry.personnummer is None and entry.birth_date is not None and entry.birth_date != person.birth_date:
                set_message(self.message, "Förbeställningen gäller en annan person (födelsedatumet stämmer inte).")
                return False
        return True

    def show_error(self, err: UserError) -> None:
        super().show_error(err)
        if isinstance(err, Conflict) and err.field == "preorder_id":
            self._load()  # the pre-order was used at another desk: show what is still open

    def shutdown(self) -> None:
        self._timer.stop()
        self.query.close()

    # -- loading and searching ---------------------------------------------------------
    def _load(self) -> None:
        ctx = self._ctx
        org, person, today = ctx.organisation, ctx.person, self.today()
        pnr = person.personnummer or None
        birth = person.birth_date

        def work(session) -> _Loaded:
            list_id = price_list_for(session, load_settings(session), "ordinarie", org.id)
            own = preorders_for(session, org.id, pnr, birth, today)
            return _Loaded(own, [] if own else all_open_preorders(session, org.id, "", today),
                           main_products(session, list_id))

        self.status.setText(f"Hämtar förbeställningar för {org.name}…")
        self.search.clear()
        self.query.submit(work, self._show_loaded, self._failed)
        self.completeChanged.emit()

    def _show_loaded(self, loaded: _Loaded) -> None:
        self._loaded = loaded
        self._show_default()

    def _show_default(self) -> None:
        loaded, ctx = self._loaded, self._ctx
        if loaded is None or ctx is None:
            return
        who = f"{ctx.person.first_name} {ctx.person.last_name}".strip()
        if self._added is not None:
            self.status.setText(f"Den nya förbeställningen för {who} står först och är vald. Du kan också välja "
                                f"en av de öppna förbeställningarna hos {ctx.organisation.name}.")
            self._fill(loaded.own or loaded.all_open)
        elif loaded.own:
            self.status.setText(f"Förbeställningar för {who} hos {ctx.organisation.name}. "
                                "Sök för att se organisationens alla öppna förbeställningar.")
            self._fill(loaded.own, choose_first=True)
        elif loaded.all_open:
            self.status.setText(f"{who} har ingen förbeställning hos {ctx.organisation.name}. Alla organisationens "
                                "öppna förbeställningar visas; sök, eller lägg till en ny förbeställning.")
            self._fill(loaded.all_open)
        else:
            self.status.setText(f"{ctx.organisation.name} har inga öppna förbeställningar. Lägg till en ny "
                                "förbeställning för kunden.")
            self._fill([])

    def _run_search(self) -> None:
        if self._ctx is None:
            return
        text = self.search.text().strip()
        if not text:
            self._show_default()
            return
        org, today = self._ctx.organisation, self.today()
        self.query.submit(lambda s: all_open_preorders(s, org.id, text, today),
                          lambda rows: self._show_hits(text, rows), self._failed)
        self.completeChanged.emit()

    def _show_hits(self, text: str, rows: list[PreOrderRow]) -> None:
        name = self._ctx.organisation.name if self._ctx else ""
        self.status.setText(f"{len(rows)} öppna förbeställningar hos {name} matchar ”{text}”." if rows
                            else f"Ingen öppen förbeställning hos {name} matchar ”{text}”.")
        self._fill(rows, choose_first=len(rows) == 1)

    def _failed(self, error: BaseException) -> None:
        self.status.setText(query_error_text(error))
        self.completeChanged.emit()

    def _fill(self, rows: list[PreOrderRow], choose_first: bool = False) -> None:
        """Show the rows, keeping the choice; ``choose_first``: the person's own pre-order or the only hit."""
        chosen = self.selected_entry()
        entries = ([self._added] if self._added is not None else []) + [PreOrderEntry.existing(r) for r in rows]
        self.model.set_rows(entries)
        keep = None
        if chosen is not None:
            keep = next((i for i, e in enumerate(entries)
                         if (e.new is not None and chosen.new is not None) or (e.id is not None and e.id == chosen.id)),
                        None)
        if keep is None and entries and (self._added is not None or choose_first):
            keep = 0  # the added pre-order, the person's own pre-order, or the only search hit
        if keep is not None:
            self.table.selectRow(keep)
        self._update_chosen()
        self.completeChanged.emit()

    # -- Lägg till förbeställning ---------------------------------------------------------
    def add_preorder(self) -> None:
        if self._ctx is None or self._loaded is None:
            return
        answer = self.new_preorder_dialog.ask(self, organisation_name=self._ctx.organisation.name,
                                              products=self._loaded.products, person=self._ctx.person,
                                              today=self.today())
        if answer is None:
            return
        new, product_name = answer
        self._added = PreOrderEntry.added(new, product_name, self.today())
        self.search.clear()
        self.model.set_rows([])  # the new pre-order goes first and is chosen
        self._show_default()
        self.table.selectRow(0)

    # -- selection ------------------------------------------------------------------------
    def _selection_changed(self, *_args) -> None:
        set_message(self.message, None)
        self._update_chosen()
        self.completeChanged.emit()

    def _update_chosen(self) -> None:
        entry = self.selected_entry()
        if entry is None:
            self.chosen.setText("Ingen förbeställning vald.")
        elif entry.new is not None:
            self.chosen.setText(f"Vald: ny förbeställning av {entry.product_name}, giltig "
                                f"{entry.valid_from:%Y-%m-%d} – {entry.valid_to:%Y-%m-%d}. Den skapas vid Slutför och "
                                "kundansvarig får ett e-postmeddelande.")
        else:
            self.chosen.setText(f"Vald: {entry.name}, {entry.product_name}, giltig "
                                f"{entry.valid_from:%Y-%m-%d} – {entry.valid_to:%Y-%m-%d}.")

    def _double_clicked(self, _index: QModelIndex) -> None:
        wizard = self.wizard()
        if wizard is not None and self.isComplete():
            wizard.next()
