"""Importera förbeställningar: product and validity, a CSV file, a preview of every row, then one write."""
from __future__ import annotations

import os
from collections.abc import Callable

from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QFileDialog, QFormLayout, QHBoxLayout, QHeaderView, QLabel,
                               QProgressBar, QPushButton, QVBoxLayout, QWidget)

from app.domain.preorder_csv import ImportPreview, PreviewRow, apply_existing_open, read_preorder_file
from app.errors import UserError
from app.queries.organisations import ProductChoice, open_preorder_keys
from app.routines.organisations import ImportPreOrders, ImportPreOrdersCommand, ImportRefused, ImportRow, check_validity
from widgets.preorders.common import (TaskRunner, date_edit, default_validity,
                                      error_label, fit_columns, make_table, product_combo)
from widgets.services import UiServices
from widgets.table_model import FilePreviewModel
from widgets.tones import tone_style


class ImportPreviewModel(FilePreviewModel):
    """Every row of the file: line number, the parsed values (else what the file said) and the reason in red."""

    HEADERS = ("Rad", "Namn", "Personnr / födelsedatum", "E-post", "Fel")

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


def choose_csv_file(parent: QWidget) -> str | None:
    path, _ = QFileDialog.getOpenFileName(parent, "Välj CSV-fil med förbeställningar", "",
                                          "CSV-filer (*.csv *.txt);;Alla filer (*)")
    return path or None


IMPORT_HELP = ("En rad per person: namn, personnummer eller födelsedatum, e-postadress – avgränsade med "
               "semikolon, komma eller tabb. En rubrikrad hoppas över. Du ser varje rad och dess fel innan något "
               "sparas.")


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

        self.product = product_combo(products)
        self.valid_from, self.valid_to = date_edit(start), date_edit(end)
        self.file_button = QPushButton("&Välj fil…")
        self.file_label = QLabel("Ingen fil vald.")
        # The help has the dialog's full width and wraps (a wrapped label in the form's row was cut off).
        self.help_label = QLabel(IMPORT_HELP)
        self.help_label.setObjectName("import_help")
        self.help_label.setWordWrap(True)
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
        self.message = error_label()
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
        layout.addWidget(self.help_label)
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
        self.message.setStyleSheet(tone_style("ok" if ok else "error"))
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
