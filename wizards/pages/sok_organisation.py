"""Sök organisation: step 1 of flows 3 and 4 (SPEC §5) — find the organisation the customer belongs to.

Type-ahead: what is typed (name prefix or organisationsnummer) is searched off
the UI thread a moment after the last key press, and the hits fill the table;
the first hit is selected, so Enter goes straight to the next page. Up/Down in
the search field move the selection. In flow 4 ("Utnyttja avtal/förbeställning")
the table first lists the organisations holding an open pre-order for the
customer's personnummer, as suggestions. Nästa is enabled when an organisation
is selected.

:class:`BackgroundQuery` runs read-only catalog queries in a worker thread and
delivers only the newest answer on the UI thread; the Förbeställningar page uses
it too.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, QRunnable, Qt, \
    QThreadPool, QTimer, Signal
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QLabel, QLineEdit, QTableView, QVBoxLayout
from sqlalchemy.orm import Session

from app.errors import UserError
from app.queries.catalog import OrganisationRow, organisations_with_preorders_for, search_organisations
from widgets.organisation_search import OrganisationTableModel as SearchTableModel
from widgets.services import UiServices
from wizards.base import ReceptionPage, set_message

log = logging.getLogger("reception.ui")

TYPE_AHEAD_MS = 200
DB_FAILED = "Sökningen misslyckades ({}). Försök igen; kvarstår felet, kontakta supporten."


# --------------------------------------------------------------------------
# Queries off the UI thread
# --------------------------------------------------------------------------


class _Relay(QObject):
    done = Signal(int, object, object)  # token, result, error


class _Job(QRunnable):
    def __init__(self, sessions, work: Callable[[Session], Any], token: int, relay: _Relay) -> None:
        super().__init__()
        self.sessions, self.work, self.token, self.relay = sessions, work, token, relay

    def run(self) -> None:
        try:
            with self.sessions() as session:
                result = self.work(session)
        except Exception as err:  # delivered to the UI thread, shown there
            self.relay.done.emit(self.token, None, err)
            return
        self.relay.done.emit(self.token, result, None)


class BackgroundQuery(QObject):
    """Run ``work(session)`` in a worker thread; ``done(result)`` / ``failed(error)`` on the UI thread.

    Only the newest submitted query is delivered: a slower, older answer is dropped, so the table
    never shows the hits of what was typed before. ``busy`` is True while an answer is awaited.
    """

    def __init__(self, services: UiServices, parent: QObject | None = None,
                 pool: QThreadPool | None = None) -> None:
        super().__init__(parent)
        self.sessions = services.core.sessions
        if pool is None:  # an own pool: closing waits only for this page's queries
            pool = QThreadPool(self)
            pool.setMaxThreadCount(2)
        self.pool = pool
        self._relay = _Relay()
        self._relay.done.connect(self._deliver)
        self._token = 0
        self._callbacks: tuple[Callable[[Any], None], Callable[[BaseException], None]] | None = None
        self._running = 0
        self._closed = False

    @property
    def busy(self) -> bool:
        return self._callbacks is not None

    def submit(self, work: Callable[[Session], Any], done: Callable[[Any], None],
               failed: Callable[[BaseException], None]) -> None:
        if self._closed:
            return
        self._token += 1
        self._callbacks = (done, failed)
        self._running += 1
        self.pool.start(_Job(self.sessions, work, self._token, self._relay))

    def close(self) -> None:
        """Stop delivering; wait for queries already running (they hold database connections)."""
        self._closed = True
        self._callbacks = None
        if self._running:
            self.pool.waitForDone(5000)

    def _deliver(self, token: int, result: Any, error: BaseException | None) -> None:
        self._running -= 1
        if self._closed or token != self._token or self._callbacks is None:
            return
        done, failed = self._callbacks
        self._callbacks = None
        if error is not None:
            failed(error)
        else:
            done(result)


def query_error_text(error: BaseException) -> str:
    """A Swedish line for a failed background query (bugs are logged with their traceback)."""
    if isinstance(error, UserError):
        return error.message
    log.error("Background query failed", exc_info=(type(error), error, error.__traceback__))
    return DB_FAILED.format(type(error).__name__)


# --------------------------------------------------------------------------
# The table
# --------------------------------------------------------------------------


class OrganisationTableModel(SearchTableModel):
    """The organisation table of the search tab; here "no price list" says what the customer gets instead."""

    def price_list_text(self, row: OrganisationRow) -> str:
        return row.price_list_name or "Ordinarie (ingen egen prislista)"

    def tooltip(self, row: OrganisationRow, column: int):
        if column == 2 and row.price_list_name is None:
            return "Organisationen har ingen egen prislista; kunden får produkterna på Ordinarie prislista."
        return None


def make_table(model: QAbstractTableModel) -> QTableView:
    """A read-only, whole-row-selecting table the way the wizard pages show hits."""
    view = QTableView()
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setAlternatingRowColors(True)
    view.verticalHeader().hide()
    view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    view.horizontalHeader().setStretchLastSection(True)
    return view


class _ArrowKeys(QObject):
    """Up/Down in the search field move the table's selection, so the hands stay on the keyboard."""

    def __init__(self, view: QTableView) -> None:
        super().__init__(view)
        self.view = view

    def eventFilter(self, watched: QObject, event) -> bool:  # noqa: N802 - Qt API
        from PySide6.QtCore import QEvent

        if event.type() == QEvent.Type.KeyPress and event.key() in (Qt.Key.Key_Up, Qt.Key.Key_Down):
            count = self.view.model().rowCount()
            if count:
                current = self.view.currentIndex().row()
                step = 1 if event.key() == Qt.Key.Key_Down else -1
                row = min(max(current + step, 0), count - 1) if current >= 0 else 0
                self.view.selectRow(row)
            return True
        return False


def move_selection_with_arrows(field: QLineEdit, view: QTableView) -> None:
    field.installEventFilter(_ArrowKeys(view))


# --------------------------------------------------------------------------
# The page
# --------------------------------------------------------------------------


class SokOrganisationPage(ReceptionPage):
    """Step 1 of flows 3 and 4. ``organisation()`` is the chosen organisation (None until one is selected).

    ``personnummer`` (12 digits) makes the page suggest the organisations holding an open pre-order for
    that person (flow 4).
    """

    def __init__(self, services: UiServices, *, personnummer: str | None = None) -> None:
        super().__init__(services, "Sök organisation",
                         "Sök fram organisationen som kunden ska kopplas till. Skriv namn eller "
                         "organisationsnummer; träffarna visas direkt i tabellen.")
        self.personnummer = personnummer or None
        self.query = BackgroundQuery(services, self)
        self.model = OrganisationTableModel(self)
        self._suggestions: list[OrganisationRow] | None = None

        layout = QVBoxLayout(self)
        self.search = QLineEdit()
        self.search.setPlaceholderText("Namn eller organisationsnummer")
        self.search.setClearButtonEnabled(True)
        search_label = QLabel("&Sök organisation:")
        search_label.setBuddy(self.search)
        layout.addWidget(search_label)
        layout.addWidget(self.search)
        self.status = QLabel()
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        self.table = make_table(self.model)
        self.table.setAccessibleName("Organisationer")
        layout.addWidget(self.table, 1)
        self.message = self.error_label("organisation_id")
        layout.addWidget(self.message)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(TYPE_AHEAD_MS)
        self._timer.timeout.connect(self._run_search)
        self.search.textEdited.connect(self._timer.start)
        self.watch(self.search)
        move_selection_with_arrows(self.search, self.table)
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        self.table.doubleClicked.connect(self._double_clicked)
        self._show_status("Skriv minst en bokstav eller ett organisationsnummer.")

    # -- public ----------------------------------------------------------------
    def organisation(self) -> OrganisationRow | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.row_at(rows[0].row()) if rows else None

    @property
    def busy(self) -> bool:
        return self.query.busy or self._timer.isActive()

    # -- QWizardPage ----------------------------------------------------------
    def enter_page(self, first: bool) -> None:
        self.search.setFocus()
        if first and self.personnummer:
            self._show_status("Söker organisationer med förbeställning för kunden…")
            pnr, today = self.personnummer, self.today()
            self.query.submit(lambda s: organisations_with_preorders_for(s, pnr, today),
                              self._show_suggestions, self._failed)

    def blocked_reason(self) -> str | None:
        return None if self.organisation() is not None else "Sök fram och välj organisationen i tabellen."

    def validatePage(self) -> bool:  # noqa: N802 - Qt API
        if self.organisation() is None:
            set_message(self.message, "Välj en organisation i tabellen.")
            return False
        return True

    def shutdown(self) -> None:
        self._timer.stop()
        self.query.close()

    # -- searching ---------------------------------------------------------------
    def _run_search(self) -> None:
        text = self.search.text().strip()
        if not text:
            if self._suggestions:
                self._show_suggestions(self._suggestions)
            else:
                self._fill([])
                self._show_status("Skriv minst en bokstav eller ett organisationsnummer.")
            return
        self.query.submit(lambda s: search_organisations(s, text), lambda rows: self._show_hits(text, rows),
                          self._failed)

    def _show_suggestions(self, rows: list[OrganisationRow]) -> None:
        self._suggestions = rows
        if self.search.text().strip():
            return  # the receptionist already typed; the search answer decides the table
        if rows:
            self._fill(rows)
            self._show_status("Organisationer med en förbeställning för kunden. Välj en, eller sök en annan.")
        else:
            self._fill([])
            self._show_status("Kunden har ingen förbeställning. Sök fram organisationen med namn eller "
                              "organisationsnummer.")

    def _show_hits(self, text: str, rows: list[OrganisationRow]) -> None:
        self._fill(rows)
        if rows:
            self._show_status(f"{len(rows)} träff{'ar' if len(rows) != 1 else ''}.")
        else:
            self._show_status(f"Ingen organisation matchar ”{text}”.")

    def _failed(self, error: BaseException) -> None:
        self._show_status(query_error_text(error))

    def _fill(self, rows: list[OrganisationRow]) -> None:
        chosen = self.organisation()
        self.model.set_rows(rows)
        keep = next((i for i, row in enumerate(rows) if chosen is not None and row.id == chosen.id), None)
        if rows:
            self.table.selectRow(keep if keep is not None else 0)
        self.completeChanged.emit()

    def _show_status(self, text: str) -> None:
        self.status.setText(text)

    def _selection_changed(self, *_args) -> None:
        set_message(self.message, None)
        self.completeChanged.emit()

    def _double_clicked(self, _index: QModelIndex) -> None:
        wizard = self.wizard()
        if wizard is not None and self.isComplete():
            wizard.next()
