"""What the pre-order dialogs (and the organisation card, the organisation search and the register
import) share: the worker thread (`TaskRunner`), message styles, table and date helpers."""
from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date
from typing import Any

from PySide6.QtCore import QDate, QModelIndex, QObject, QPersistentModelIndex, QRunnable, QThreadPool, Signal
from PySide6.QtWidgets import QAbstractItemView, QComboBox, QDateEdit, QHeaderView, QLabel, QTableView

from app.domain.periods import add_months
from app.errors import UserError
from app.queries.organisations import ProductChoice
from widgets.tones import tone_style


log = logging.getLogger("reception.ui")

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


def make_table(model, *, sortable: bool = False) -> QTableView:
    view = QTableView()
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setAlternatingRowColors(True)
    view.setWordWrap(False)
    view.setTabKeyNavigation(False)  # Tab goes on to the next field; the arrows move between the rows
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


def error_label() -> QLabel:
    label = QLabel()
    label.setStyleSheet(tone_style("error"))
    label.setWordWrap(True)
    label.hide()
    return label


def product_combo(products: list[ProductChoice]) -> QComboBox:
    combo = QComboBox()
    for product in products:
        combo.addItem(product.name, product.id)
    return combo
