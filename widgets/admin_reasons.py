"""Inställningar > Avvikelseorsaker…: the freeze reasons (Avvikelseorsaker of the type Frysning).

Lägg till, Byt namn, Inaktivera / Aktivera, and Ta bort for a reason no freeze points at; each is
one audited run of app.routines.admin_settings.ChangeFreezeReason. A refused name is shown under
the name field, anything else under the list.
"""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QAbstractItemView, QDialog, QDialogButtonBox, QHBoxLayout, QLabel, QLineEdit,
                               QPushButton, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from app.errors import UserError
from app.queries.admin import ReasonRow, freeze_reason_rows
from app.routines.admin_settings import ChangeFreezeReason, ReasonCommand
from widgets.field_messages import make_error_label, set_message
from widgets.input_rules import limit
from widgets.tones import muted_color


class FreezeReasonsDialog(QDialog):
    def __init__(self, services, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.setWindowTitle("Avvikelseorsaker")
        self.rows: list[ReasonRow] = []
        intro = QLabel("Frysningsorsaker som receptionisten väljer i Frys när ”Använd avvikelseorsaker” är på "
                       "(Inställningar > Kundrutiner…). En orsak som används kan inte tas bort, bara inaktiveras.")
        intro.setWordWrap(True)
        self.table = QTableWidget(0, 3)
        self.table.setObjectName("reasons")
        self.table.setHorizontalHeaderLabels(["Frysningsorsak", "Status", "Används av"])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setColumnWidth(0, 260)
        self.table.verticalHeader().hide()
        self.table.itemSelectionChanged.connect(self._selection_changed)
        self.list_error = make_error_label(self)

        name_label = QLabel("&Namn")
        self.name_edit = limit(QLineEdit(), "name")
        self.name_edit.setObjectName("name")
        name_label.setBuddy(self.name_edit)
        self.name_error = make_error_label(self)
        self.add_button = QPushButton("&Lägg till")
        self.rename_button = QPushButton("&Byt namn")
        self.toggle_button = QPushButton("&Inaktivera")
        self.remove_button = QPushButton("&Ta bort")
        self.add_button.clicked.connect(lambda: self.run("lagg_till"))
        self.rename_button.clicked.connect(lambda: self.run("byt_namn"))
        self.toggle_button.clicked.connect(
            lambda: self.run("inaktivera" if self.selected() and self.selected().active else "aktivera"))
        self.remove_button.clicked.connect(lambda: self.run("ta_bort"))
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.button(QDialogButtonBox.StandardButton.Close).setText("&Stäng")
        close.rejected.connect(self.reject)

        name_row = QHBoxLayout()
        name_row.addWidget(name_label)
        name_row.addWidget(self.name_edit, 1)
        name_row.addWidget(self.add_button)
        name_row.addWidget(self.rename_button)
        buttons = QHBoxLayout()
        buttons.addWidget(self.toggle_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        layout.addWidget(self.list_error)
        layout.addLayout(name_row)
        layout.addWidget(self.name_error)
        layout.addWidget(close)
        self.resize(620, 460)
        self.reload()

    def reload(self, select_id: int | None = None) -> None:
        with self.services.core.sessions() as session:
            self.rows = freeze_reason_rows(session, self.services.actor)
        self.table.setRowCount(len(self.rows))
        for i, row in enumerate(self.rows):
            used = f"{row.used} frysningar" if row.used != 1 else "1 frysning"
            for column, text in enumerate((row.name, "Aktiv" if row.active else "Inaktiv", used if row.used else "–")):
                item = QTableWidgetItem(text)
                if not row.active:
                    item.setForeground(muted_color())
                self.table.setItem(i, column, item)
        if select_id is not None:
            for i, row in enumerate(self.rows):
                if row.id == select_id:
                    self.table.selectRow(i)
        self._selection_changed()

    def selected(self) -> ReasonRow | None:
        rows = self.table.selectionModel().selectedRows()
        return self.rows[rows[0].row()] if rows else None

    def select(self, name: str) -> None:
        for i, row in enumerate(self.rows):
            if row.name == name:
                self.table.selectRow(i)

    def _selection_changed(self) -> None:
        row = self.selected()
        for button in (self.rename_button, self.toggle_button):
            button.setEnabled(row is not None)
        self.toggle_button.setText("&Aktivera" if row is not None and not row.active else "&Inaktivera")
        # A reason that freezes point at is never deleted: the button is off, and says why.
        self.remove_button.setEnabled(row is not None and row.used == 0)
        self.remove_button.setToolTip("Orsaken används av frysningar och kan bara inaktiveras."
                                      if row is not None and row.used else "")
        if row is not None:
            self.name_edit.setText(row.name)

    def run(self, action: str) -> None:
        set_message(self.name_error, None)
        set_message(self.list_error, None)
        row = self.selected()
        command = ReasonCommand(action, name=self.name_edit.text() if action in ("lagg_till", "byt_namn") else "",
                                reason_id=None if action == "lagg_till" else (row.id if row else None))
        try:
            reason_id = ChangeFreezeReason(self.services.core).execute(command, self.services.actor)
        except UserError as err:
            set_message(self.name_error if err.field == "name" else self.list_error, err.message)
            return
        if action == "lagg_till":
            self.name_edit.clear()
        self.reload(None if action == "ta_bort" else reason_id)
