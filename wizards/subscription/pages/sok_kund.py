"""Sök kund (Överlåt, SPEC §6): find the receiver among the customers, or tick "Registrera ny kund".

One search box as on the search panel (personnummer, name, e-mail, kundnummer, card or phone;
type-ahead, Enter searches at once) and the hits in a table. The chosen customer must have the
transferor's customer type and no active subscription: the routine's ``receiver_reasons`` says
why not, under the table, and Nästa stays disabled.
"""
from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QAbstractItemView, QCheckBox, QHeaderView, QLabel, QTableView, QVBoxLayout

from app.queries.search import SearchResult, search_persons
from widgets.search_panel import PersonSearchModel, QueryRunner, SearchField
from widgets.input_rules import desk_country
from widgets.services import UiServices
from wizards.base import ReceptionPage, set_message

TYPE_AHEAD_MS = 250


class ReceiverSearchField(SearchField):
    """Enter searches — unless the hits shown are for the text in the box and one is chosen: then Enter is
    Nästa (it goes on to the wizard). ↓ moves into the hits. ``on_enter`` returns True when it searched."""

    def __init__(self, on_enter: Callable[[], bool], parent=None) -> None:
        super().__init__(parent)
        self._on_enter = on_enter

    def keyPressEvent(self, event) -> None:  # noqa: N802 - Qt API
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            if self._on_enter():
                event.accept()
            else:
                event.ignore()  # the wizard's Enter: Nästa
            return
        super().keyPressEvent(event)


class SokKundPage(ReceptionPage):
    """``reasons(person_id)``: why that customer cannot receive the subscription (empty: allowed)."""

    def __init__(self, services: UiServices, reasons: Callable[[int], tuple[str, ...]],
                 transferor_id: int) -> None:
        super().__init__(services, "Sök kund", "Sök fram mottagaren (personnummer, namn, e-post, kundnummer, "
                                               "kortnummer eller telefon) eller kryssa i ”Registrera ny kund”.")
        self._reasons = reasons
        self._transferor_id = transferor_id
        self._problem: tuple[str, ...] = ()
        self.runner = QueryRunner.for_core(services.core, self)
        layout = QVBoxLayout(self)
        label = QLabel("&Sök mottagare", self)
        self._searching_text: str | None = None  # the text of the search under way
        self._shown_text: str | None = None  # the search text whose hits the table shows
        self.search = ReceiverSearchField(self._enter_in_search, self)
        self.search.setObjectName("receiver_search")
        label.setBuddy(self.search)
        layout.addWidget(label)
        layout.addWidget(self.search)
        self.model = PersonSearchModel(self)
        self.hits = QTableView(self)
        self.hits.setObjectName("receiver_hits")
        self.hits.setModel(self.model)
        self.hits.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.hits.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.hits.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.hits.verticalHeader().hide()
        self.hits.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.hits.horizontalHeader().setStretchLastSection(True)
        layout.addWidget(self.hits, 1)
        self.status = QLabel(self)
        self.status.setObjectName("search_status")
        layout.addWidget(self.status)
        self.receiver_error = self.error_label("receiver_id")
        layout.addWidget(self.receiver_error)
        self.new_customer = QCheckBox("&Registrera ny kund", self)
        self.new_customer.setObjectName("new_customer")
        layout.addWidget(self.new_customer)

        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(TYPE_AHEAD_MS)
        self.timer.timeout.connect(self.search_now)
        self.search.textEdited.connect(lambda _t: self.timer.start())
        self.search.down_pressed.connect(self._into_hits)
        self.hits.selectionModel().currentRowChanged.connect(self._chosen)
        self.new_customer.toggled.connect(self._new_toggled)
        self.watch(self.search, self.new_customer)

    # -- public ---------------------------------------------------------------
    def receiver_id(self) -> int | None:
        """The chosen existing customer, or None ("Registrera ny kund" or nothing chosen)."""
        if self.new_customer.isChecked():
            return None
        index = self.hits.currentIndex()
        return self.model.hit(index.row()).person_id if index.isValid() else None

    def is_new_customer(self) -> bool:
        return self.new_customer.isChecked()

    def search_for(self, text: str) -> None:
        self.new_customer.setChecked(False)
        self.search.setText(text)
        self.search_now()

    def select_person(self, person_id: int) -> bool:
        for row in range(self.model.rowCount()):
            if self.model.hit(row).person_id == person_id:
                self.hits.selectRow(row)
                self.hits.setCurrentIndex(self.model.index(row, 0))
                return True
        return False

    # -- behaviour --------------------------------------------------------------
    def _enter_in_search(self) -> bool:
        """Enter in the search box: a new text is searched; the same text with a chosen hit goes on (Nästa)."""
        if self.search.text() == self._shown_text and not self.timer.isActive() and self.receiver_id() is not None:
            return False
        self.search_now()
        return True

    def search_now(self) -> None:
        self.timer.stop()
        text = self.search.text()
        self._searching_text = text
        core = self.services.core
        country = desk_country(self.services)

        def query() -> SearchResult:
            with core.sessions() as session:
                return search_persons(session, text, core.clock.today(), country=country)

        self.runner.run(query, self._show_hits, self._failed)

    def _show_hits(self, result: SearchResult) -> None:
        hits = [h for h in result.hits if h.person_id != self._transferor_id]
        self.model.set_hits(hits)
        self._shown_text = self._searching_text
        self._problem = ()
        set_message(self.receiver_error, None)
        if not self.search.text().strip():
            self.status.setText("")
        elif not hits:
            self.status.setText("Ingen kund hittades. Kryssa i ”Registrera ny kund” om mottagaren inte är kund.")
        else:
            self.status.setText(f"{len(hits)} träff{'ar' if len(hits) != 1 else ''}"
                                + (" (fler finns, sök mer exakt)" if result.truncated else ""))
        if len(hits) == 1:
            self.hits.setCurrentIndex(self.model.index(0, 0))
        self.completeChanged.emit()

    def _failed(self, error: Exception) -> None:
        self.status.setText("Sökningen misslyckades. Försök igen.")
        self.completeChanged.emit()

    def _into_hits(self) -> None:
        if self.model.rowCount():
            self.hits.setFocus()
            if not self.hits.currentIndex().isValid():
                self.hits.setCurrentIndex(self.model.index(0, 0))

    def _chosen(self, current, _previous) -> None:
        self.touch()
        person_id = self.receiver_id()
        self._problem = self._reasons(person_id) if person_id is not None else ()
        set_message(self.receiver_error, " ".join(self._problem) or None)
        self.completeChanged.emit()

    def _new_toggled(self, checked: bool) -> None:
        self.hits.setEnabled(not checked)
        self.search.setEnabled(not checked)
        if checked:
            self._problem = ()
            set_message(self.receiver_error, None)
        else:
            self._chosen(self.hits.currentIndex(), None)
        self.completeChanged.emit()

    # -- QWizardPage ------------------------------------------------------------
    def enter_page(self, first: bool) -> None:
        if first:
            self.search.setFocus()

    def blocked_reason(self) -> str | None:
        if self.new_customer.isChecked():
            return None
        if self._problem:
            return " ".join(self._problem)
        if self.receiver_id() is None:
            return "Sök fram och välj mottagaren, eller välj ny kund."
        return None

    def validatePage(self) -> bool:  # noqa: N802 - Qt API
        self.wizard().receiver_chosen(self.receiver_id())
        return True
