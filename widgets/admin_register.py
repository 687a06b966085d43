"""Inställningar > Lokalt register…: import an extract into the person register of Personuppslagning.

Built like Importera förbeställningar (widgets/preorders/importing.py), with its worker thread, table helpers
and progress bar: Välj fil…, the file is read and checked on the worker thread by the CSV reader
every import shares (app.domain.register_csv), a preview shows every row — the values as they will
be stored, or the reason in red — and "Importera N giltiga rader" runs the routine ImportRegister
(right Systeminställningar, checked there; audited) with a progress bar. The import replaces the
whole register, and the dialog says so before the button is pressed.
"""
from __future__ import annotations

import os
from collections.abc import Callable

from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QFileDialog, QHBoxLayout, QHeaderView, QLabel,
                               QProgressBar, QPushButton, QVBoxLayout, QWidget)

from app.domain.register_csv import RegisterPreview, RegisterRow, read_register_file
from app.errors import UserError
from app.routines.lookup_register import ImportRegister, ImportRegisterCommand, RegisterImportRow, register_size
from app.routines.organisations import ImportRefused
from widgets.preorders.common import TaskRunner, fit_columns, make_table
from widgets.services import UiServices
from widgets.table_model import FilePreviewModel
from widgets.tones import tone_style


def choose_register_file(parent: QWidget) -> str | None:
    path, _ = QFileDialog.getOpenFileName(parent, "Välj registerutdrag (CSV-fil)", "",
                                          "CSV-filer (*.csv *.txt);;Alla filer (*)")
    return path or None


def people(count: int) -> str:
    return f"{count} {'person' if count == 1 else 'personer'}"


class RegisterPreviewModel(FilePreviewModel):
    """Every row of the file: line number, the values as they will be stored (else what the file
    said) and the reason in red."""

    HEADERS = ("Rad", "Personnummer", "Namn", "Adress", "Skyddad", "Fel")

    @staticmethod
    def cells(row: RegisterRow) -> tuple[str, ...]:
        raw = [" ".join(f.split()) for f in row.raw] + [""] * 8
        pnr = f"{row.personnummer[:8]}-{row.personnummer[8:]}" if row.personnummer else raw[0]
        name = " ".join(p for p in (row.first_name or raw[1], row.last_name or raw[2]) if p)
        if row.protected_identity:
            address = "(visas inte: skyddad identitet)"
        else:
            postal = f"{row.postal_code[:3]} {row.postal_code[3:]}" if len(row.postal_code) == 5 else raw[5]
            address = ", ".join(p for p in (row.street, row.co, f"{postal} {row.town}".strip()) if p)
        return (str(row.line_no), pnr, name, address, "ja" if row.protected_identity else "", "; ".join(row.errors))


class RegisterImportDialog(QDialog):
    """Lokalt register: how many people it holds now, a file, its preview, then one replacing write.

    `choose_file` (the file dialog) is the seam tests replace."""

    choose_file: Callable[[QWidget], str | None] = staticmethod(choose_register_file)

    def __init__(self, services: UiServices, parent: QWidget | None = None, *,
                 choose_file: Callable[[QWidget], str | None] | None = None) -> None:
        super().__init__(parent)
        self.services = services
        if choose_file is not None:
            self.choose_file = choose_file
        self.path: str | None = None
        self.preview: RegisterPreview | None = None
        self.imported_count: int | None = None
        self.current_size = 0
        self.runner = TaskRunner(self)
        self.setWindowTitle("Lokalt register för personuppslagning")

        self.size_label = QLabel()
        self.size_label.setWordWrap(True)
        intro = QLabel("Importera ett utdrag (t.ex. från SPAR) som CSV-fil, en rad per person: personnummer; "
                       "förnamn; efternamn; gatuadress; c/o; postnummer; ort; skyddad (ja/nej). De tre första "
                       "kolumnerna krävs. Importen ersätter hela registret.")
        intro.setWordWrap(True)
        self.file_button = QPushButton("&Välj fil…")
        self.file_label = QLabel("Ingen fil vald.")
        self.file_label.setWordWrap(True)
        file_row = QHBoxLayout()
        file_row.addWidget(self.file_button)
        file_row.addWidget(self.file_label, 1)

        self.progress = QProgressBar()
        self.progress.hide()
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.hide()
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.model = RegisterPreviewModel(self)
        self.table = make_table(self.model)
        self.table.horizontalHeader().setSectionResizeMode(5, QHeaderView.ResizeMode.Stretch)
        self.import_button = QPushButton("Importera")
        self.import_button.setEnabled(False)
        self.cancel_button = QPushButton("Avbryt")
        buttons = QDialogButtonBox()
        buttons.addButton(self.import_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(self.cancel_button, QDialogButtonBox.ButtonRole.RejectRole)

        layout = QVBoxLayout(self)
        layout.addWidget(self.size_label)
        layout.addWidget(intro)
        layout.addLayout(file_row)
        layout.addWidget(self.progress)
        layout.addWidget(self.message)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        layout.addWidget(buttons)
        self.resize(960, 580)

        self.file_button.clicked.connect(self.pick_file)
        self.import_button.clicked.connect(self.start_import)
        self.cancel_button.clicked.connect(self.reject)
        self._load_size()

    # -- the register now ----------------------------------------------------
    def _load_size(self) -> None:
        core = self.services.core

        def work(report) -> int:
            with core.sessions() as session:
                return register_size(session)

        self.runner.run(work, self._sized, self._show_error)

    def _sized(self, count: int) -> None:
        self.current_size = count
        self.size_label.setText(f"Registret innehåller nu {people(count)}." if count
                                else "Registret är tomt: personuppslagning i lokalt register hittar ingen.")

    # -- preview -------------------------------------------------------------
    def pick_file(self) -> None:
        path = self.choose_file(self)
        if path:
            self.load_file(path)

    def load_file(self, path: str) -> None:
        """Read and check the file on the worker thread; the preview appears when done."""
        self.path = path
        self.file_label.setText(os.path.basename(path))
        self.file_label.setToolTip(path)
        self._set_preview(None)
        self._show_message("")
        self.progress.setRange(0, 0)
        self.progress.setFormat("Läser filen…")
        self.progress.show()
        self.file_button.setEnabled(False)
        today = self.services.core.clock.today()
        self.runner.run(lambda report: read_register_file(path, today=today), self._previewed, self._file_refused)

    def _idle(self) -> None:
        self.progress.hide()
        self.file_button.setEnabled(True)

    def _show_message(self, text: str, ok: bool = False) -> None:
        self.message.setText(text)
        self.message.setStyleSheet(tone_style("ok" if ok else "error"))
        self.message.setVisible(bool(text))

    def _show_error(self, err: UserError) -> None:
        self._show_message(err.message)

    def _set_preview(self, preview: RegisterPreview | None) -> None:
        self.preview = preview
        self.model.set_rows(preview.rows if preview else [])
        if preview is None:
            self.summary.clear()
            self.import_button.setText("Importera")
            self.import_button.setEnabled(False)
            return
        good, bad = len(preview.valid_rows), len(preview.invalid_rows)
        self.summary.setText(
            f"{good} {'rad' if good == 1 else 'rader'} kan importeras, {bad} har fel. "
            f"(Filen: {preview.encoding_label}, avgränsad med {preview.delimiter_label}"
            f"{', rubrikrad överhoppad' if preview.header_skipped else ''}.) "
            f"Importen ersätter registrets {people(self.current_size)} med {people(good)}.")
        self.import_button.setText(f"Importera {good} giltiga {'rad' if good == 1 else 'rader'}")
        self.import_button.setEnabled(good > 0)
        fit_columns(self.table, 230)

    def _previewed(self, preview: RegisterPreview) -> None:
        self._idle()
        self._set_preview(preview)

    def _file_refused(self, err: UserError) -> None:
        self._idle()
        self._set_preview(None)
        self._show_message(err.message)

    # -- import --------------------------------------------------------------
    def command(self) -> ImportRegisterCommand:
        assert self.preview is not None and self.path is not None
        return ImportRegisterCommand(tuple(RegisterImportRow.from_preview(r) for r in self.preview.valid_rows),
                                     os.path.basename(self.path))

    def start_import(self) -> None:
        if self.preview is None or not self.preview.valid_rows:
            return
        command = self.command()
        self._show_message("")
        total = len(command.rows)
        self.progress.setRange(0, total)
        self.progress.setValue(0)
        self.progress.setFormat(f"Sparar %v av {total} personer…")
        self.progress.show()
        for widget in (self.import_button, self.cancel_button, self.file_button):
            widget.setEnabled(False)
        core, actor = self.services.core, self.services.actor
        self.runner.run(lambda report: ImportRegister(core, progress=report).execute(command, actor),
                        self._imported, self._import_refused, progress=self._write_progress)

    def _write_progress(self, done: int, total: int) -> None:
        self.progress.setValue(done)

    def _imported(self, count: int) -> None:
        self.imported_count = count
        self.progress.hide()
        bus = getattr(self.services, "bus", None)
        if bus is not None:
            bus.status.emit(f"Det lokala registret har nu {people(count)}.")
        self.accept()

    def _import_refused(self, err: UserError) -> None:
        self.progress.hide()
        for widget in (self.cancel_button, self.file_button):
            widget.setEnabled(True)
        if isinstance(err, ImportRefused) and self.path:
            self.load_file(self.path)  # a fresh preview shows each row's reason
        else:
            self.import_button.setEnabled(bool(self.preview and self.preview.valid_rows))
        self._show_message(err.message)

    def done(self, result: int) -> None:
        self.runner.wait()
        super().done(result)
