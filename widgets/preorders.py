"""Administrera förbeställningar (SPEC §7): the organisation's pre-orders, Lägg till, Importera, Ta bort.

Database work and file parsing run on a worker thread (`TaskRunner`); the
routines check the right "Organisationer" themselves, so a user without it who
reaches this dialog anyway gets the routine's refusal and nothing is written.
"""
from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from PySide6.QtCore import (QAbstractTableModel, QDate, QModelIndex, QObject, QPersistentModelIndex, QRunnable,
                            QSortFilterProxyModel, Qt, QThreadPool, Signal)
from PySide6.QtGui import QColor, QKeySequence
from PySide6.QtWidgets import (QAbstractItemView, QButtonGroup, QComboBox, QDateEdit, QDialog, QDialogButtonBox,
                               QFileDialog, QFormLayout, QHBoxLayout, QHeaderView, QLabel, QLineEdit, QMessageBox,
                               QProgressBar, QPushButton, QRadioButton, QTableView, QVBoxLayout, QWidget)

from app.domain.periods import add_months
from app.domain.preorder_csv import ImportPreview, PreviewRow, apply_existing_open, read_preorder_file
from app.errors import UserError
from app.queries.organisations import (PreOrderListRow, ProductChoice, STATUS_LABELS, list_preorders,
                                       load_organisation_card, open_preorder_keys, preorder_matches,
                                       products_on_org_price_list, swedish_sort_key)
from app.routines.organisations import (AddPreOrder, AddPreOrderCommand, ImportPreOrders, ImportPreOrdersCommand,
                                        ImportRefused, ImportRow, RemovePreOrder, RemovePreOrderCommand,
                                        check_person, check_validity)
from widgets.input_rules import limit
from widgets.services import UiServices

log = logging.getLogger("reception.ui")

ERROR_STYLE = "color: #b00020;"
OK_STYLE = "color: #1b5e20;"
RED = QColor("#b00020")
GREY = QColor("#757575")
Index = QModelIndex | QPersistentModelIndex


# --------------------------------------------------------------------------
# Work off the UI thread
# --------------------------------------------------------------------------


class _Relay(QObject):
    finished = Signal(int, object, object)   # token, result, error
    progress = Signal(int, int, int)         # token, done, total


class _Job(QRunnable):
    def __init__(self, token: int, work: Callable[[Callable[[int, int], None]], Any], relay: _Relay) -> None:
        super().__init__()
        self.token, self.work, self.relay = token, work, relay

    def run(self) -> None:
        def report(done: int, total: int) -> None:
            self.relay.progress.emit(self.token, done, total)

        try:
            result, error = self.work(report), None
        except BaseException as err:  # delivered to the UI thread: shown (UserError) or re-raised there
            result, error = None, err
        try:
            self.relay.finished.emit(self.token, result, error)
        except RuntimeError:  # the widget was deleted while the job ran: nobody is waiting any more
            log.debug("Result of a background job dropped: its widget is gone")


class TaskRunner(QObject):
    """Runs `work(report)` on one private worker thread, in order; callbacks run on the UI thread.

    A UserError goes to `failed` (the widget shows its Swedish message); any other
    exception is re-raised on the UI thread, where the crash dialog takes it.
    """

    def __init__(self, parent: QObject) -> None:
        super().__init__(parent)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(1)
        self.relay = _Relay(self)
        self.relay.finished.connect(self._finished)
        self.relay.progress.connect(self._progress)
        self._callbacks: dict[int, tuple] = {}
        self._next = 0

    @property
    def busy(self) -> bool:
        return bool(self._callbacks)

    def run(self, work: Callable[[Callable[[int, int], None]], Any], done: Callable[[Any], None],
            failed: Callable[[UserError], None], progress: Callable[[int, int], None] | None = None) -> None:
        self._next += 1
        self._callbacks[self._next] = (done, failed, progress)
        self.pool.start(_Job(self._next, work, self.relay))

    def wait(self) -> None:
        self.pool.waitForDone()

    def _progress(self, token: int, done: int, total: int) -> None:
        callbacks = self._callbacks.get(token)
        if callbacks and callbacks[2] is not None:
            callbacks[2](done, total)

    def _finished(self, token: int, result: Any, error: BaseException | None) -> None:
        done, failed, _ = self._callbacks.pop(token)
        if isinstance(error, UserError):
            failed(error)
        elif error is not None:
            raise error
        else:
            done(result)


def to_qdate(day: date) -> QDate:
    return QDate(day.year, day.month, day.day)


def date_edit(day: date) -> QDateEdit:
    edit = QDateEdit(to_qdate(day))
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("yyyy-MM-dd")
    return edit


def default_validity(today: date) -> tuple[date, date]:
    """Giltig från today, till one year later (the day before the same date next year)."""
    return today, date.fromordinal(add_months(today, 12).toordinal() - 1)


# --------------------------------------------------------------------------
# Models
# --------------------------------------------------------------------------

from widgets.table_model import ROW_ROLE, SORT_ROLE, RowTableModel  # noqa: E402 - shared by the tables here


class PreOrderTableModel(RowTableModel[PreOrderListRow]):
    """Pre-orders of one organisation. SORT_ROLE gives sortable keys, ROW_ROLE the PreOrderListRow."""

    HEADERS = ("Namn", "Personnr / födelsedatum", "E-post", "Produkt", "Giltig från", "Giltig till", "Status")

    def display(self, row: PreOrderListRow, column: int):
        return (row.name, row.identity, row.email or "", row.product_name, row.valid_from.isoformat(),
                row.valid_to.isoformat(), row.status_label)[column]

    def sort_key(self, row: PreOrderListRow, column: int):
        return (swedish_sort_key(row.name), (row.personnummer or "")[:8] or row.identity.replace("-", ""),
                (row.email or "").lower(), swedish_sort_key(row.product_name), row.valid_from.isoformat(),
                row.valid_to.isoformat(), row.status_label)[column]

    def foreground(self, row: PreOrderListRow, column: int):
        return GREY if row.status in ("borttagen", "utgangen") else None


STATUS_FILTERS = (("Alla", None), ("Öppna", "oppen"), ("Utnyttjade", "utnyttjad"), ("Utgångna", "utgangen"),
                  ("Borttagna", "borttagen"))


class PreOrderFilterProxy(QSortFilterProxyModel):
    """Status and text filter over PreOrderTableModel; sorts on SORT_ROLE (Swedish order for names)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.status: str | None = None
        self.text = ""
        self.setSortRole(SORT_ROLE)
        self.setDynamicSortFilter(True)

    def set_filter(self, status: str | None, text: str) -> None:
        self.beginFilterChange()
        self.status, self.text = status, text
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, source_row: int, source_parent: Index) -> bool:
        row: PreOrderListRow = self.sourceModel().index(source_row, 0, source_parent).data(ROW_ROLE)
        if row is None:
            return False
        return (self.status is None or row.status == self.status) and preorder_matches(row, self.text)


class ImportPreviewModel(QAbstractTableModel):
    """Every row of the file: line number, the parsed values (else what the file said) and the reason in red."""

    HEADERS = ("Rad", "Namn", "Personnr / födelsedatum", "E-post", "Fel")

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.rows: list[PreviewRow] = []

    def set_rows(self, rows: list[PreviewRow]) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal \
                and 0 <= section < len(self.HEADERS):
            return self.HEADERS[section]
        return None

    @staticmethod
    def cells(row: PreviewRow) -> tuple[str, str, str, str, str]:
        raw = [" ".join(f.split()) for f in row.raw]
        if len(raw) != 3 and not row.name:  # wrong number of fields: show the line as it was
            name, identity, email = " | ".join(raw), "", ""
        else:
            name = row.name or (raw[0] if raw else "")
            if row.personnummer:
                identity = f"{row.personnummer[:8]}-{row.personnummer[8:]}"
            elif row.birth_date:
                identity = row.birth_date.isoformat()
            else:
                identity = raw[1] if len(raw) > 1 else ""
            email = row.email or (raw[2] if len(raw) > 2 else "")
        return str(row.line_no), name, identity, email, "; ".join(row.errors)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self.rows):
            return None
        row = self.rows[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            text = self.cells(row)[index.column()]
            return text if role == Qt.ItemDataRole.DisplayRole or text else None
        if role == Qt.ItemDataRole.ForegroundRole and not row.ok:
            return RED
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() == 0:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == ROW_ROLE:
            return row
        return None


def make_table(model, *, sortable: bool = False) -> QTableView:
    view = QTableView()
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setAlternatingRowColors(True)
    view.setWordWrap(False)
    view.verticalHeader().hide()
    view.horizontalHeader().setStretchLastSection(True)
    view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    view.setSortingEnabled(sortable)
    return view


def fit_columns(view: QTableView, max_width: int = 260) -> None:
    """Columns as wide as their contents, but none wider than max_width (the full text is in the tooltip)."""
    view.resizeColumnsToContents()
    header = view.horizontalHeader()
    for column in range(header.count()):
        if header.sectionResizeMode(column) == QHeaderView.ResizeMode.Interactive \
                and header.sectionSize(column) > max_width:
            header.resizeSection(column, max_width)


def _error_label() -> QLabel:
    label = QLabel()
    label.setStyleSheet(ERROR_STYLE)
    label.setWordWrap(True)
    label.hide()
    return label


def _product_combo(products: list[ProductChoice]) -> QComboBox:
    combo = QComboBox()
    for product in products:
        combo.addItem(product.name, product.id)
    return combo


# --------------------------------------------------------------------------
# Lägg till
# --------------------------------------------------------------------------


class AddPreOrderDialog(QDialog):
    """Lägg till förbeställning: product, validity, Namn, Personnummer or Födelsedatum, E-post."""

    FIELDS = ("product", "valid_from", "valid_to", "name", "personnummer", "birth_date", "email")

    def __init__(self, services: UiServices, org_id: int, products: list[ProductChoice],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services, self.org_id = services, org_id
        self.created_id: int | None = None
        self.runner = TaskRunner(self)
        self.setWindowTitle("Lägg till förbeställning")
        today = services.core.clock.today()
        start, end = default_validity(today)

        self.product = _product_combo(products)
        self.valid_from, self.valid_to = date_edit(start), date_edit(end)
        self.name_edit = QLineEdit()
        limit(self.name_edit, "name")  # PreOrder.name, the model's one length
        self.with_pnr = QRadioButton("&Personnummer")
        self.with_birth = QRadioButton("&Födelsedatum (saknar svenskt personnummer)")
        self.with_pnr.setChecked(True)
        group = QButtonGroup(self)
        group.addButton(self.with_pnr)
        group.addButton(self.with_birth)
        self.pnr_edit = QLineEdit()
        self.pnr_edit.setPlaceholderText("ÅÅÅÅMMDD-NNNN")
        self.birth_edit = date_edit(date(1990, 1, 1))
        self.birth_edit.setEnabled(False)
        self.email_edit = QLineEdit()
        limit(self.email_edit, "email")
        self.email_edit.setPlaceholderText("namn@exempel.se")
        self.with_pnr.toggled.connect(self._identity_kind_changed)

        self.errors = {name: _error_label() for name in self.FIELDS}
        self.general_error = _error_label()
        form = QFormLayout()
        for edit in (self.valid_from, self.valid_to, self.birth_edit):
            edit.setMaximumWidth(150)
        self.setMinimumWidth(520)
        for label, widget, key in (("Produkt:", self.product, "product"),
                                   ("Giltig från:", self.valid_from, "valid_from"),
                                   ("Giltig till:", self.valid_to, "valid_to"), ("Namn:", self.name_edit, "name")):
            form.addRow(label, widget)
            form.addRow("", self.errors[key])
        form.addRow("", self.with_pnr)
        form.addRow("Personnummer:", self.pnr_edit)
        form.addRow("", self.errors["personnummer"])
        form.addRow("", self.with_birth)
        form.addRow("Födelsedatum:", self.birth_edit)
        form.addRow("", self.errors["birth_date"])
        form.addRow("E-post:", self.email_edit)
        form.addRow("", self.errors["email"])
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setText("&Spara")
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("Avbryt")
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.general_error)
        layout.addWidget(self.buttons)
        self.name_edit.setFocus()

    def _identity_kind_changed(self, pnr: bool) -> None:
        self.pnr_edit.setEnabled(pnr)
        self.birth_edit.setEnabled(not pnr)
        (self.pnr_edit if pnr else self.birth_edit).setFocus()

    def command(self) -> AddPreOrderCommand:
        pnr = self.with_pnr.isChecked()
        return AddPreOrderCommand(
            organisation_id=self.org_id, product_id=self.product.currentData(),
            valid_from=self.valid_from.date().toPython(), valid_to=self.valid_to.date().toPython(),
            name=self.name_edit.text(), personnummer=self.pnr_edit.text() if pnr else "",
            birth_date=None if pnr else self.birth_edit.date().toPython(), email=self.email_edit.text())

    def _clear_errors(self) -> None:
        for label in (*self.errors.values(), self.general_error):
            label.clear()
            label.hide()

    def show_error(self, err: UserError) -> None:
        label = self.errors.get(err.field or "", self.general_error)
        label.setText(err.message)
        label.show()
        self.layout().activate()
        self.resize(self.width(), max(self.height(), self.layout().totalHeightForWidth(self.width())))
        widget = {"product": self.product, "valid_from": self.valid_from, "valid_to": self.valid_to,
                  "name": self.name_edit, "personnummer": self.pnr_edit, "birth_date": self.birth_edit,
                  "email": self.email_edit}.get(err.field or "")
        if widget is not None and widget.isEnabled():
            widget.setFocus()

    def save(self) -> None:
        self._clear_errors()
        command = self.command()
        if command.product_id is None:
            self.show_error(UserError("Organisationen har inga produkter att förbeställa. Kontrollera prislistan.",
                                      field="product"))
            return
        today = self.services.core.clock.today()
        try:  # the same checks the routine makes, at once and next to the field
            check_validity(command.valid_from, command.valid_to, today)
            check_person(command.name, command.personnummer, command.birth_date, command.email, today)
        except UserError as err:
            self.show_error(err)
            return
        self.save_button.setEnabled(False)
        core, actor = self.services.core, self.services.actor
        self.runner.run(lambda report: AddPreOrder(core).execute(command, actor), self._saved, self._refused)

    def _saved(self, preorder_id: int) -> None:
        self.created_id = preorder_id
        self.accept()

    def _refused(self, err: UserError) -> None:
        self.save_button.setEnabled(True)
        self.show_error(err)

    def done(self, result: int) -> None:
        self.runner.wait()
        super().done(result)

    @classmethod
    def ask(cls, services: UiServices, org_id: int, products: list[ProductChoice],
            parent: QWidget | None = None) -> int | None:
        """Show the dialog; the new pre-order's id, or None when cancelled."""
        dialog = cls(services, org_id, products, parent)
        try:
            return dialog.created_id if dialog.exec() == QDialog.DialogCode.Accepted else None
        finally:
            dialog.deleteLater()


# --------------------------------------------------------------------------
# Importera
# --------------------------------------------------------------------------


def choose_csv_file(parent: QWidget) -> str | None:
    path, _ = QFileDialog.getOpenFileName(parent, "Välj CSV-fil med förbeställningar", "",
                                          "CSV-filer (*.csv *.txt);;Alla filer (*)")
    return path or None


class ImportDialog(QDialog):
    """Importera förbeställningar: product and validity, a CSV file, a preview, then one write."""

    def __init__(self, services: UiServices, org_id: int, products: list[ProductChoice],
                 parent: QWidget | None = None, *,
                 choose_file: Callable[[QWidget], str | None] = choose_csv_file) -> None:
        super().__init__(parent)
        self.services, self.org_id, self.choose_file = services, org_id, choose_file
        self.path: str | None = None
        self.preview: ImportPreview | None = None
        self.imported_count: int | None = None
        self.runner = TaskRunner(self)
        self.setWindowTitle("Importera förbeställningar")
        start, end = default_validity(services.core.clock.today())

        self.product = _product_combo(products)
        self.valid_from, self.valid_to = date_edit(start), date_edit(end)
        self.file_button = QPushButton("&Välj fil…")
        self.file_label = QLabel("Ingen fil vald. Raderna ska vara namn, personnummer/födelsedatum, e-postadress.")
        self.file_label.setWordWrap(True)
        file_row = QHBoxLayout()
        file_row.addWidget(self.file_button)
        file_row.addWidget(self.file_label, 1)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.FieldsStayAtSizeHint)
        self.product.setMinimumWidth(280)
        form.addRow("Produkt:", self.product)
        form.addRow("Giltig från:", self.valid_from)
        form.addRow("Giltig till:", self.valid_to)
        form.addRow("CSV-fil:", file_row)

        self.progress = QProgressBar()
        self.progress.hide()
        self.message = _error_label()
        self.summary = QLabel()
        self.model = ImportPreviewModel(self)
        self.table = make_table(self.model)
        self.table.horizontalHeader().setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        self.import_button = QPushButton("Importera")
        self.import_button.setEnabled(False)
        self.cancel_button = QPushButton("Avbryt")
        buttons = QDialogButtonBox()
        buttons.addButton(self.import_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(self.cancel_button, QDialogButtonBox.ButtonRole.RejectRole)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.progress)
        layout.addWidget(self.message)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        layout.addWidget(buttons)
        self.resize(900, 560)

        self.file_button.clicked.connect(self.pick_file)
        self.product.currentIndexChanged.connect(self._product_changed)
        self.import_button.clicked.connect(self.start_import)
        self.cancel_button.clicked.connect(self.reject)

    # -- preview -------------------------------------------------------------
    def pick_file(self) -> None:
        path = self.choose_file(self)
        if path:
            self.load_file(path)

    def _product_changed(self) -> None:
        if self.path:  # "already has an open pre-order" depends on the product
            self.load_file(self.path)

    def load_file(self, path: str) -> None:
        """Parse and check the file on the worker thread; the preview appears when done."""
        self.path = path
        self.file_label.setText(os.path.basename(path))
        self.file_label.setToolTip(path)
        self._set_preview(None)
        self._show_message("")
        self._busy("Läser filen…")
        core, org_id, product_id = self.services.core, self.org_id, self.product.currentData()
        actor = self.services.actor
        today = core.clock.today()

        def work(report) -> ImportPreview:
            preview = read_preorder_file(path, today=today)
            if product_id is None:
                return preview
            with core.sessions() as session:
                return apply_existing_open(preview, open_preorder_keys(session, actor, org_id, product_id))

        self.runner.run(work, self._previewed, self._file_refused)

    def _busy(self, text: str) -> None:
        self.progress.setRange(0, 0)
        self.progress.setFormat(text)
        self.progress.show()
        self.file_button.setEnabled(False)
        self.import_button.setEnabled(False)

    def _idle(self) -> None:
        self.progress.hide()
        self.file_button.setEnabled(True)

    def _show_message(self, text: str, ok: bool = False) -> None:
        self.message.setText(text)
        self.message.setStyleSheet(OK_STYLE if ok else ERROR_STYLE)
        self.message.setVisible(bool(text))

    def _set_preview(self, preview: ImportPreview | None) -> None:
        self.preview = preview
        self.model.set_rows(preview.rows if preview else [])
        if preview is None:
            self.summary.clear()
            self.import_button.setText("Importera")
            self.import_button.setEnabled(False)
            return
        good, bad = len(preview.valid_rows), len(preview.invalid_rows)
        self.summary.setText(f"{good} {'rad' if good == 1 else 'rader'} kan importeras, {bad} har fel. "
                             f"(Filen: {preview.encoding_label}, avgränsad med {preview.delimiter_label}"
                             f"{', rubrikrad överhoppad' if preview.header_skipped else ''}.)")
        self.import_button.setText(f"Importera {good} giltiga {'rad' if good == 1 else 'rader'}")
        self.import_button.setEnabled(good > 0)
        fit_columns(self.table, 230)

    def _previewed(self, preview: ImportPreview) -> None:
        self._idle()
        self._set_preview(preview)
        if self.product.currentData() is None:
            self._show_message("Organisationen har inga produkter att förbeställa. Kontrollera prislistan.")
            self.import_button.setEnabled(False)

    def _file_refused(self, err: UserError) -> None:
        self._idle()
        self._set_preview(None)
        self._show_message(err.message)

    # -- import --------------------------------------------------------------
    def command(self) -> ImportPreOrdersCommand:
        assert self.preview is not None
        return ImportPreOrdersCommand(self.org_id, self.product.currentData(), self.valid_from.date().toPython(),
                                      self.valid_to.date().toPython(),
                                      tuple(ImportRow.from_preview(r) for r in self.preview.valid_rows))

    def start_import(self) -> None:
        if self.preview is None or not self.preview.valid_rows:
            return
        command = self.command()
        try:
            check_validity(command.valid_from, command.valid_to, self.services.core.clock.today())
        except UserError as err:
            self._show_message(err.message)
            (self.valid_to if err.field == "valid_to" else self.valid_from).setFocus()
            return
        self._show_message("")
        total = len(command.rows)
        self.progress.setRange(0, total)
        self.progress.setValue(0)
        self.progress.setFormat(f"Sparar %v av {total} förbeställningar…")
        self.progress.show()
        for widget in (self.import_button, self.cancel_button, self.file_button, self.product):
            widget.setEnabled(False)
        core, actor = self.services.core, self.services.actor
        self.runner.run(lambda report: ImportPreOrders(core, progress=report).execute(command, actor),
                        self._imported, self._import_refused, progress=self._write_progress)

    def _write_progress(self, done: int, total: int) -> None:
        self.progress.setValue(done)

    def _imported(self, count: int) -> None:
        self.imported_count = count
        self.progress.hide()
        self._show_message(f"{count} förbeställningar har importerats.", ok=True)
        self.accept()

    def _import_refused(self, err: UserError) -> None:
        self.progress.hide()
        for widget in (self.cancel_button, self.file_button, self.product):
            widget.setEnabled(True)
        if isinstance(err, ImportRefused) and self.path:
            self.load_file(self.path)  # a fresh preview shows each row's new reason
        else:
            self.import_button.setEnabled(bool(self.preview and self.preview.valid_rows))
        self._show_message(err.message)

    def done(self, result: int) -> None:
        self.runner.wait()
        super().done(result)

    @classmethod
    def ask(cls, services: UiServices, org_id: int, products: list[ProductChoice], parent: QWidget | None = None,
            choose_file: Callable[[QWidget], str | None] = choose_csv_file) -> int | None:
        """Show the dialog; the number of imported pre-orders, or None when cancelled."""
        dialog = cls(services, org_id, products, parent, choose_file=choose_file)
        try:
            return dialog.imported_count if dialog.exec() == QDialog.DialogCode.Accepted else None
        finally:
            dialog.deleteLater()


# --------------------------------------------------------------------------
# The administration dialog
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class _AdminData:
    org_name: str
    org_number: str
    rows: list[PreOrderListRow]
    products: list[ProductChoice]


def confirm_remove(parent: QWidget, row: PreOrderListRow) -> bool:
    answer = QMessageBox.question(
        parent, "Ta bort förbeställning",
        f"Ta bort förbeställningen för {row.name} ({row.identity}) på {row.product_name}?",
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, QMessageBox.StandardButton.No)
    return answer == QMessageBox.StandardButton.Yes


class PreOrderAdminDialog(QDialog):
    """Administrera förbeställningar for one organisation.

    `loaded` fires each time the table has been (re)filled. The class attributes
    `confirm`, `add_dialog` and `import_dialog` are the seams tests replace.
    """

    loaded = Signal()
    confirm: Callable[[QWidget, PreOrderListRow], bool] = staticmethod(confirm_remove)
    add_dialog = AddPreOrderDialog
    import_dialog = ImportDialog

    def __init__(self, services: UiServices, org_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services, self.org_id = services, org_id
        self.products: list[ProductChoice] = []
        self.runner = TaskRunner(self)
        self.setWindowTitle("Administrera förbeställningar")

        self.heading = QLabel()
        self.heading.setStyleSheet("font-size: 14pt; font-weight: bold;")
        self.status_filter = QComboBox()
        for label, code in STATUS_FILTERS:
            self.status_filter.addItem(label, code)
        self.status_filter.setCurrentIndex(1)  # Öppna: the current pre-orders
        self.text_filter = QLineEdit()
        self.text_filter.setPlaceholderText("Filtrera på namn, personnummer, födelsedatum eller e-post")
        self.text_filter.setClearButtonEnabled(True)
        filters = QHBoxLayout()
        filters.addWidget(QLabel("&Status:", buddy=self.status_filter))
        filters.addWidget(self.status_filter)
        filters.addWidget(self.text_filter, 1)

        self.model = PreOrderTableModel(self)
        self.proxy = PreOrderFilterProxy(self)
        self.proxy.setSourceModel(self.model)
        self.table = make_table(self.proxy, sortable=True)
        self.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.count_label = QLabel()
        self.message = _error_label()

        self.add_button = QPushButton("&Lägg till…")
        self.import_button = QPushButton("&Importera…")
        self.remove_button = QPushButton("&Ta bort")
        self.remove_button.setShortcut(QKeySequence(QKeySequence.StandardKey.Delete))
        self.close_button = QPushButton("Stäng")
        actions = QHBoxLayout()
        for button in (self.add_button, self.import_button, self.remove_button):
            actions.addWidget(button)
        actions.addStretch(1)
        actions.addWidget(self.close_button)

        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addLayout(filters)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.count_label)
        layout.addWidget(self.message)
        layout.addLayout(actions)
        self.resize(980, 560)

        self.status_filter.currentIndexChanged.connect(self._apply_filter)
        self.text_filter.textChanged.connect(self._apply_filter)
        self.table.selectionModel().selectionChanged.connect(self._update_buttons)
        self.proxy.modelReset.connect(self._update_buttons)
        self.proxy.layoutChanged.connect(self._update_buttons)
        self.add_button.clicked.connect(self.add)
        self.import_button.clicked.connect(self.import_file)
        self.remove_button.clicked.connect(self.remove)
        self.close_button.clicked.connect(self.accept)
        for button in (self.add_button, self.import_button):
            button.setEnabled(False)
        self._apply_filter()
        self.reload()

    # -- data ----------------------------------------------------------------
    def reload(self) -> None:
        core, actor, org_id = self.services.core, self.services.actor, self.org_id

        def work(report) -> _AdminData:  # the queries refuse an actor without Organisationer (shown as the error)
            with core.sessions() as session:
                card = load_organisation_card(session, actor, org_id)
                return _AdminData(card.name, card.org_number, list_preorders(session, actor, org_id),
                                  products_on_org_price_list(session, actor, org_id))

        self.runner.run(work, self._loaded, self._show_error)

    def _loaded(self, data: _AdminData) -> None:
        self.heading.setText(f"Förbeställningar – {data.org_name} ({data.org_number})")
        self.setWindowTitle(f"Administrera förbeställningar – {data.org_name}")
        self.products = data.products
        self.model.set_rows(data.rows)
        fit_columns(self.table)
        no_products = "Organisationen har ingen prislista med produkter att förbeställa. Välj prislista under Ekonomi."
        for button in (self.add_button, self.import_button):
            button.setEnabled(bool(self.products))
            button.setToolTip("" if self.products else no_products)
        self._update_count()
        self.loaded.emit()

    def _apply_filter(self) -> None:
        self.proxy.set_filter(self.status_filter.currentData(), self.text_filter.text())
        self._update_count()
        self._update_buttons()

    def _update_count(self) -> None:
        shown, total = self.proxy.rowCount(), self.model.rowCount()
        self.count_label.setText(f"{shown} av {total} förbeställningar visas.")

    def selected_row(self) -> PreOrderListRow | None:
        indexes = self.table.selectionModel().selectedRows()
        return indexes[0].data(ROW_ROLE) if indexes else None

    def _update_buttons(self) -> None:
        row = self.selected_row()
        if row is None:
            self.remove_button.setEnabled(False)
            self.remove_button.setToolTip("Markera en förbeställning i listan.")
        elif row.status == "utnyttjad":
            self.remove_button.setEnabled(False)
            self.remove_button.setToolTip("En utnyttjad förbeställning kan inte tas bort.")
        elif row.status == "borttagen":
            self.remove_button.setEnabled(False)
            self.remove_button.setToolTip("Förbeställningen är redan borttagen.")
        else:
            self.remove_button.setEnabled(True)
            self.remove_button.setToolTip("")

    def _show_error(self, err: UserError) -> None:
        self.message.setStyleSheet(ERROR_STYLE)
        self.message.setText(err.message)
        self.message.show()

    def _show_info(self, text: str) -> None:
        self.message.setStyleSheet(OK_STYLE)
        self.message.setText(text)
        self.message.show()

    # -- actions -------------------------------------------------------------
    def add(self) -> None:
        created = self.add_dialog.ask(self.services, self.org_id, self.products, self)
        if created is not None:
            self._show_info("Förbeställningen har lagts till.")
            self.reload()

    def import_file(self) -> None:
        count = self.import_dialog.ask(self.services, self.org_id, self.products, self)
        if count is not None:
            self._show_info(f"{count} förbeställningar har importerats.")
            self.reload()

    def remove(self) -> None:
        row = self.selected_row()
        if row is None or not self.confirm(self, row):
            return
        core, actor = self.services.core, self.services.actor
        self.remove_button.setEnabled(False)

        def removed(_result) -> None:
            self._show_info(f"Förbeställningen för {row.name} har tagits bort.")
            self.reload()

        def refused(err: UserError) -> None:
            self._show_error(err)
            self.reload()

        self.runner.run(lambda report: RemovePreOrder(core).execute(RemovePreOrderCommand(row.id), actor),
                        removed, refused)

    def done(self, result: int) -> None:
        self.runner.wait()
        super().done(result)


__all__ = ["PreOrderAdminDialog", "AddPreOrderDialog", "ImportDialog", "PreOrderTableModel", "PreOrderFilterProxy",
           "ImportPreviewModel", "TaskRunner", "STATUS_LABELS", "choose_csv_file", "confirm_remove"]
