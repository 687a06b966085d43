"""Inställningar > Autogiro (Bankgirot)… (issue 17): write the files for Bankgirot, and read Bankgirot's
files back with a preview that says per record what will happen — like the pre-order import.

The routines (app/autogiro/routines.py) do the work on the dialog's worker thread and check the right
Systeminställningar themselves; the dialog only collects the folder or the file and shows the outcome.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtWidgets import (QAbstractItemView, QDialog, QDialogButtonBox, QFileDialog, QGroupBox, QHBoxLayout,
                               QHeaderView, QLabel, QLineEdit, QPushButton, QTableView, QVBoxLayout)

from app.autogiro.routines import EXPORTS, ExportCommand, ImportBankgirotFile, ImportCommand, ImportLine, ImportResult
from app.errors import UserError
from widgets.preorders.common import TaskRunner
from widgets.tones import muted_color, tone_color, tone_style
from widgets.services import UiServices
from widgets.table_model import RowTableModel



class ImportLineModel(RowTableModel[ImportLine]):
    HEADERS = ("Rad", "Betalarnummer", "Post", "Vad händer")

    def display(self, row: ImportLine, column: int) -> Any:
        return (row.line_no, row.payer_number, row.what, row.outcome)[column]

    def foreground(self, row: ImportLine, column: int) -> Any:
        if row.applies:
            return None
        return tone_color("error") if row.outcome.startswith("Finns inte") else muted_color()


class AutogiroDialog(QDialog):
    def __init__(self, services: UiServices, parent=None) -> None:
        super().__init__(parent)
        self.services = services
        self.runner = TaskRunner(self)
        self.preview_result: ImportResult | None = None
        self.setWindowTitle("Autogiro (Bankgirot)")
        self.resize(900, 600)
        layout = QVBoxLayout(self)

        send = QGroupBox("Skicka till Bankgirot")
        send_layout = QVBoxLayout(send)
        row = QHBoxLayout()
        self.folder = QLineEdit()
        self.folder.setPlaceholderText("Mappen som filerna skrivs i")
        browse = QPushButton("Välj ma&pp…")
        browse.clicked.connect(self._choose_folder)
        folder_label = QLabel("&Mapp:")
        folder_label.setBuddy(self.folder)
        row.addWidget(folder_label)
        row.addWidget(self.folder, 1)
        row.addWidget(browse)
        send_layout.addLayout(row)
        what = QLabel("Skriver nya och makulerade medgivanden, makuleringar av dragningar och "
                      "betalningsunderlaget för nästa dragningsdag. Det som redan är skickat skickas inte igen.")
        what.setWordWrap(True)  # fits a laptop screen instead of widening the dialog
        send_layout.addWidget(what)
        self.export_button = QPushButton("&Skriv filerna")
        self.export_button.clicked.connect(self.export)
        send_layout.addWidget(self.export_button)
        self.export_result = QLabel()
        self.export_result.setWordWrap(True)
        send_layout.addWidget(self.export_result)
        layout.addWidget(send)

        read = QGroupBox("Läs in fil från Bankgirot")
        read_layout = QVBoxLayout(read)
        row = QHBoxLayout()
        self.file = QLineEdit()
        self.file.setPlaceholderText("Medgivandeavisering, betalningsspecifikation eller avvisade betalningsuppdrag")
        self.file.textChanged.connect(self._file_changed)
        pick = QPushButton("Välj fi&l…")
        pick.clicked.connect(self._choose_file)
        self.preview_button = QPushButton("Förhands&granska")
        self.preview_button.clicked.connect(self.preview)
        file_label = QLabel("&Fil:")
        file_label.setBuddy(self.file)
        row.addWidget(file_label)
        row.addWidget(self.file, 1)
        row.addWidget(pick)
        row.addWidget(self.preview_button)
        read_layout.addLayout(row)
        self.import_summary = QLabel()
        self.import_summary.setWordWrap(True)
        read_layout.addWidget(self.import_summary)
        self.model = ImportLineModel(self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().hide()
        read_layout.addWidget(self.table, 1)
        self.import_button = QPushButton("Läs &in")
        self.import_button.setEnabled(False)
        self.import_button.setToolTip("Förhandsgranska filen först.")
        self.import_button.clicked.connect(self.apply)
        read_layout.addWidget(self.import_button)
        layout.addWidget(read, 1)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.button(QDialogButtonBox.StandardButton.Close).setText("S&täng")  # &S is Skriv filerna
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    # -- Skicka ------------------------------------------------------------------
    def _choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Mapp för filerna till Bankgirot", self.folder.text())
        if folder:
            self.folder.setText(folder)

    def export(self) -> None:
        folder = self.folder.text().strip()
        if not folder:
            self._say(self.export_result, "Välj mappen som filerna ska skrivas i.", ok=False)
            return
        core, actor = self.services.core, self.services.actor

        def work(_report):
            lines = []
            for routine_type in EXPORTS:
                result = routine_type(core).execute(ExportCommand(folder), actor)
                where = f" → {result.file_name}" if result.file_name else ""
                lines.append(f"{routine_type.name}: {result.summary}{where}")
                lines += [f"    {reason}" for reason in result.skipped]
            return lines

        self.export_button.setEnabled(False)
        self.runner.run(work, self._exported, self._export_failed)

    def _exported(self, lines: list[str]) -> None:
        self.export_button.setEnabled(True)
        self._say(self.export_result, "\n".join(lines), ok=True)

    def _export_failed(self, err: UserError) -> None:
        self.export_button.setEnabled(True)
        self._say(self.export_result, err.message, ok=False)

    # -- Läs in ------------------------------------------------------------------
    def _choose_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Fil från Bankgirot", self.file.text(),
                                              "Autogirofiler (*.txt *.dat *.*)")
        if path:
            self.file.setText(path)
            self.preview()

    def _file_changed(self) -> None:
        self.preview_result = None
        self.import_button.setEnabled(False)
        self.model.set_rows([])
        self.import_summary.clear()

    def preview(self) -> None:
        path = self.file.text().strip()
        if not path or not Path(path).is_file():
            self._say(self.import_summary, "Välj en fil från Bankgirot.", ok=False)
            return
        core = self.services.core
        self.preview_button.setEnabled(False)
        self.runner.run(lambda _r: ImportBankgirotFile(core).preview(ImportCommand(path)), self._previewed,
                        self._import_failed)

    def _previewed(self, result: ImportResult) -> None:
        self.preview_button.setEnabled(True)
        self.preview_result = result
        self.model.set_rows(result.lines)
        self.table.resizeColumnsToContents()
        if result.already_read:
            self._say(self.import_summary, result.summary, ok=True)
            return
        text = (f"{result.kind_name}: {result.records} poster. {result.applied} ändras när filen läses in"
                + (f", {result.unmatched} finns inte i Reception och lämnas." if result.unmatched else "."))
        self._say(self.import_summary, text, ok=True)
        self.import_button.setEnabled(True)
        self.import_button.setToolTip("")

    def apply(self) -> None:
        path = self.file.text().strip()
        core, actor = self.services.core, self.services.actor
        self.import_button.setEnabled(False)
        self.runner.run(lambda _r: ImportBankgirotFile(core).execute(ImportCommand(path), actor), self._applied,
                        self._import_failed)

    def _applied(self, result: ImportResult) -> None:
        self.preview_result = None
        self.model.set_rows(result.lines)
        self._say(self.import_summary, f"Inläst. {result.summary}", ok=True)
        self.import_button.setToolTip("Filen är inläst.")

    def _import_failed(self, err: UserError) -> None:
        self.preview_button.setEnabled(True)
        self.import_button.setEnabled(False)
        self.model.set_rows([])
        self._say(self.import_summary, err.message, ok=False)

    @staticmethod
    def _say(label: QLabel, text: str, *, ok: bool) -> None:
        label.setStyleSheet(tone_style("ok" if ok else "error"))
        label.setText(text)
