"""Sök organisation (SPEC §2.3, tab "Organisationer"): one field, a table of hits, Enter opens the card.

Typing searches after a short pause (name prefix, or organisationsnummer in any
formatting); the query runs on a worker thread. Enter in the field opens the
only hit (or the selected one); ↓ moves into the table; Enter or a double-click
on a row opens that organisation: `services.bus.open_organisation(id)`.
"""
from __future__ import annotations

from PySide6.QtCore import QEvent, QModelIndex, QObject, QPersistentModelIndex, Qt, QTimer, Signal
from PySide6.QtWidgets import QLabel, QLineEdit, QVBoxLayout, QWidget

from app.errors import UserError
from app.queries.organisations import OrganisationRow, search_organisations
from widgets.preorders.common import TaskRunner, fit_columns, make_table
from widgets.table_model import ROW_ROLE, RowTableModel
from widgets.services import UiServices

Index = QModelIndex | QPersistentModelIndex
SEARCH_DELAY_MS = 250
MAX_HITS = 200


class OrganisationTableModel(RowTableModel[OrganisationRow]):
    HEADERS = ("Namn", "Organisationsnummer", "Prislista", "Förbeställningar", "Kundansvarig")

    def display(self, row: OrganisationRow, column: int):
        return (row.name, row.org_number, self.price_list_text(row), "Ja" if row.uses_preorders else "Nej",
                row.account_manager or "–")[column]

    def price_list_text(self, row: OrganisationRow) -> str:
        return row.price_list_name or "–"


class OrganisationSearchPanel(QWidget):
    """The "Organisationer" tab. `results_shown(count)` fires when a search's hits are in the table."""

    results_shown = Signal(int)

    def __init__(self, services: UiServices, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.runner = TaskRunner(self)
        self._generation = 0
        self._open_single_hit = False

        self.search_edit = QLineEdit()
        self.search_edit.setPlaceholderText("Sök organisation: namn eller organisationsnummer")
        self.search_edit.setClearButtonEnabled(True)
        self.search_edit.installEventFilter(self)
        self.status = QLabel("Skriv början av organisationens namn eller organisationsnumret.")
        self.status.setWordWrap(True)  # a narrow window (a laptop at 150 %) wraps it instead of widening the panel
        self.model = OrganisationTableModel(self)
        self.table = make_table(self.model)
        self.table.activated.connect(self._open_index)

        layout = QVBoxLayout(self)
        layout.addWidget(self.search_edit)
        layout.addWidget(self.status)
        layout.addWidget(self.table, 1)

        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(SEARCH_DELAY_MS)
        self.timer.timeout.connect(self.search_now)
        self.search_edit.textChanged.connect(lambda _text: self.timer.start())
        self.search_edit.returnPressed.connect(self._enter)
        self.setFocusProxy(self.search_edit)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.search_edit and event.type() == QEvent.Type.KeyPress \
                and event.key() == Qt.Key.Key_Down and self.model.rowCount():
            self.table.setFocus()
            self.table.selectRow(0)
            return True
        return super().eventFilter(watched, event)

    def search_now(self) -> None:
        """Search for the field's text now (the typing pause is over, or Enter was pressed)."""
        self.timer.stop()
        self._generation += 1
        generation, text, core = self._generation, self.search_edit.text(), self.services.core

        def work(report) -> list[OrganisationRow]:
            with core.sessions() as session:
                return search_organisations(session, text, MAX_HITS)

        self.runner.run(work, lambda rows: self._show(generation, text, rows), self._failed)

    def _show(self, generation: int, text: str, rows: list[OrganisationRow]) -> None:
        if generation != self._generation:
            return  # an older search answered after a newer one started
        self.model.set_rows(rows)
        fit_columns(self.table, 320)
        if not text.strip():
            self.status.setText("Skriv början av organisationens namn eller organisationsnumret.")
        elif not rows:
            self.status.setText(f"Ingen organisation hittades för ”{text.strip()}”.")
        else:
            self.status.setText("1 organisation" if len(rows) == 1 else f"{len(rows)} organisationer")
        if rows:
            self.table.selectRow(0)
        if self._open_single_hit and len(rows) == 1:
            self.services.bus.open_organisation.emit(rows[0].id)
        self._open_single_hit = False
        self.results_shown.emit(len(rows))

    def _failed(self, err: UserError) -> None:
        self.status.setText(err.message)

    def _enter(self) -> None:
        if self.timer.isActive() or self.runner.busy:
            self._open_single_hit = True
            self.search_now()
            return
        if len(self.model.rows) == 1:
            self.services.bus.open_organisation.emit(self.model.rows[0].id)
        elif self.table.selectionModel().selectedRows():
            self._open_index(self.table.selectionModel().selectedRows()[0])

    def _open_index(self, index: QModelIndex) -> None:
        row = index.data(ROW_ROLE)
        if row is not None:
            self.services.bus.open_organisation.emit(row.id)
