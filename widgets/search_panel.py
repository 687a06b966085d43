"""Sök person (SPEC §2.1): one search field, a results table, and keyboard-only use.

Type a personnummer, name, customer number, card number, phone or e-mail and
press Enter. One hit opens the person card at once (bus.open_person); several
hits fill a table (arrows + Enter, or a double-click, opens the row); no hit
says so in the panel. A valid personnummer that is not a customer is also
announced with `not_found_personnummer` so Personuppslagning can hook in.

The search itself runs through a :class:`QueryRunner`: inline on a local SQLite
database (a few milliseconds), on a worker thread for a shared PostgreSQL
database so the UI thread never waits on the network.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QRunnable, Qt, QThreadPool, Signal, Slot
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QLabel, QLineEdit, QTableView, QVBoxLayout, QWidget

from app.errors import UserError
from app.queries.search import PersonHit, SearchKind, SearchResult, search_persons
from widgets.input_rules import desk_country
from widgets.services import UiServices

log = logging.getLogger("reception.ui.search")

PLACEHOLDER = "Personnummer, namn, kundnummer, kortnummer, telefon eller e-post"
UNEXPECTED = "Sökningen misslyckades. Försök igen; fungerar det inte, kontakta support (se loggfilen)."


# --------------------------------------------------------------------------
# Running queries off the UI thread
# --------------------------------------------------------------------------


class _Job(QRunnable):
    def __init__(self, runner: "QueryRunner", ticket: int, fn: Callable[[], Any]) -> None:
        super().__init__()
        self._runner, self._ticket, self._fn = runner, ticket, fn

    def run(self) -> None:  # worker thread: never touches a widget
        try:
            result = self._fn()
        except Exception as error:  # noqa: BLE001 - delivered to the UI thread's error handler
            self._runner.finished.emit(self._ticket, False, error)
            return
        self._runner.finished.emit(self._ticket, True, result)


class QueryRunner(QObject):
    """`run(fn, on_done, on_error)`: call fn (which opens its own session) and deliver on the UI thread.

    `threaded=False` calls fn inline (local SQLite); `True` uses a thread pool. Only the
    latest call's result is delivered when `latest_only` is set (a newer search wins).
    """

    finished = Signal(int, bool, object)

    def __init__(self, threaded: bool, parent: QObject | None = None, *, latest_only: bool = True) -> None:
        super().__init__(parent)
        self.threaded = threaded
        self.latest_only = latest_only
        self._ticket = 0
        self._callbacks: dict[int, tuple[Callable, Callable]] = {}
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(2)
        self.finished.connect(self._deliver, Qt.ConnectionType.QueuedConnection)

    @classmethod
    def for_core(cls, core, parent: QObject | None = None, **kw) -> "QueryRunner":
        return cls(core.dialect != "sqlite", parent, **kw)

    def run(self, fn: Callable[[], Any], on_done: Callable[[Any], None], on_error: Callable[[Exception], None]) -> None:
        self._ticket += 1
        if not self.threaded:
            try:
                result = fn()
            except Exception as error:  # noqa: BLE001 - handed to on_error like the threaded path
                on_error(error)
                return
            on_done(result)
            return
        self._callbacks[self._ticket] = (on_done, on_error)
        self._pool.start(_Job(self, self._ticket, fn))

    def wait(self, msecs: int = 5000) -> bool:
        return self._pool.waitForDone(msecs)

    @Slot(int, bool, object)
    def _deliver(self, ticket: int, ok: bool, payload: object) -> None:
        callbacks = self._callbacks.pop(ticket, None)
        if callbacks is None or (self.latest_only and ticket != self._ticket):
            return
        on_done, on_error = callbacks
        (on_done if ok else on_error)(payload)


# --------------------------------------------------------------------------
# The results model and view
# --------------------------------------------------------------------------


class PersonSearchModel(QAbstractTableModel):
    """Search hits as a read-only table; Qt.UserRole gives the person id."""

    COLUMNS = ("Namn", "Personnummer", "Kundnummer", "Kort", "E-post", "Mobil", "Kundtyp")

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._hits: list[PersonHit] = []

    def set_hits(self, hits: list[PersonHit]) -> None:
        self.beginResetModel()
        self._hits = list(hits)
        self.endResetModel()

    def hit(self, row: int) -> PersonHit:
        return self._hits[row]

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: N802 - Qt API
        return 0 if parent.isValid() else len(self._hits)

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: N802 - Qt API
        return 0 if parent.isValid() else len(self.COLUMNS)

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._hits):
            return None
        hit = self._hits[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return (hit.name, hit.personnummer_display or hit.birth_date.isoformat(), str(hit.customer_number),
                    hit.card_number, hit.email, hit.mobile, hit.customer_type)[index.column()]
        if role == Qt.ItemDataRole.UserRole:
            return hit.person_id
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() == 2:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802 - Qt API
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal \
                and 0 <= section < len(self.COLUMNS):
            return self.COLUMNS[section]
        return None


class ResultsView(QTableView):
    """Arrows move, Enter opens the current row (`row_chosen`)."""

    row_chosen = Signal(int)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt API
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentIndex().isValid():
            self.row_chosen.emit(self.currentIndex().row())
            return
        super().keyPressEvent(event)


class SearchField(QLineEdit):
    """Down arrow moves into the results."""

    down_pressed = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt API
        if event.key() == Qt.Key.Key_Down:
            self.down_pressed.emit()
            return
        super().keyPressEvent(event)


# --------------------------------------------------------------------------
# The panel
# --------------------------------------------------------------------------


class SearchPanel(QWidget):
    not_found_personnummer = Signal(str)   # 12 digits: a valid personnummer that is no customer
    searched = Signal(object)              # the SearchResult, after it is shown
    search_started = Signal()              # a new search began: the previous customer's card must go

    def __init__(self, services: UiServices, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.runner = QueryRunner.for_core(services.core, self)
        self.search_edit = SearchField(self)
        self.search_edit.setObjectName("search")
        self.search_edit.setPlaceholderText(PLACEHOLDER)
        self.search_edit.setClearButtonEnabled(True)
        self.message = QLabel(self)
        self.message.setObjectName("search_message")
        self.message.setWordWrap(True)
        self.message.hide()
        self.model = PersonSearchModel(self)
        self.table = ResultsView(self)
        self.table.setObjectName("search_results")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.hide()
        layout = QVBoxLayout(self)
        layout.addWidget(self.search_edit)
        layout.addWidget(self.message)
        layout.addWidget(self.table, 1)
        layout.addStretch(0)
        self.setFocusProxy(self.search_edit)

        self.search_edit.returnPressed.connect(self._enter_pressed)
        self.search_edit.down_pressed.connect(self._into_results)
        self.table.row_chosen.connect(self._open_row)
        self.table.doubleClicked.connect(lambda index: self._open_row(index.row()))

    # -- public ------------------------------------------------------------
    def focus_search(self) -> None:
        self.search_edit.setFocus()
        self.search_edit.selectAll()

    def search(self, text: str) -> None:
        """Search for `text` (what Enter in the field does)."""
        text = text.strip()
        if not text:
            self._say("Skriv personnummer, namn, kundnummer, kortnummer, telefon eller e-post och tryck Enter.")
            return
        self.search_started.emit()
        core = self.services.core
        country = desk_country(self.services)

        def query() -> SearchResult:
            with core.sessions() as session:
                return search_persons(session, text, core.clock.today(), country=country)

        self.runner.run(query, lambda result: self._show(text, result), self._failed)

    # -- internals ---------------------------------------------------------
    def _enter_pressed(self) -> None:
        self.search(self.search_edit.text())

    def _say(self, text: str) -> None:
        self.message.setText(text)
        self.message.setVisible(bool(text))

    def _show(self, text: str, result: SearchResult) -> None:
        self.model.set_hits(result.hits)
        if not result.hits:
            self.table.hide()
            if result.not_found_personnummer:
                shown = f"{result.personnummer[:8]}-{result.personnummer[8:]}"
                self._say(f"Personnumret {shown} finns inte som kund.")
                self.not_found_personnummer.emit(result.personnummer)
            elif result.kind is SearchKind.NAME:
                self._say(f"Ingen person heter något som börjar på ”{text}”. Kontrollera stavningen eller sök på "
                          "personnummer.")
            else:
                self._say(f"Ingen person hittades för ”{text}”.")
        elif len(result.hits) == 1:
            self.table.hide()
            self._say("")
            self.services.bus.open_person.emit(result.hits[0].person_id)
        else:
            more = " Visar de första träffarna – skriv mer för att begränsa sökningen." if result.truncated else ""
            self._say(f"{len(result.hits)} personer hittades. Välj med piltangenterna och Enter.{more}")
            self.table.show()
            self.table.resizeColumnsToContents()
            self.table.setCurrentIndex(self.model.index(0, 0))
            self.table.setFocus()
        self.searched.emit(result)

    def _failed(self, error: Exception) -> None:
        if isinstance(error, UserError):
            self._say(error.message)
            return
        log.error("search failed", exc_info=error)
        self._say(UNEXPECTED)

    def _into_results(self) -> None:
        if self.table.isVisible() and self.model.rowCount():
            self.table.setFocus()
            if not self.table.currentIndex().isValid():
                self.table.setCurrentIndex(self.model.index(0, 0))

    def _open_row(self, row: int) -> None:
        if 0 <= row < self.model.rowCount():
            self.services.bus.open_person.emit(self.model.hit(row).person_id)
