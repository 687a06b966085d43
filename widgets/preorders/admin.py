"""Administrera förbeställningar (SPEC §7): the organisation's pre-orders, Lägg till, Importera, Ta bort.

Database work and file parsing run on a worker thread (`TaskRunner`); the
routines check the right "Organisationer" themselves, so a user without it who
reaches this dialog anyway gets the routine's refusal and nothing is written.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (QComboBox, QDialog, QHBoxLayout, QLabel, QLineEdit, QMessageBox, QPushButton,
                               QVBoxLayout, QWidget)

from app.errors import UserError
from app.queries.organisations import (PreOrderListRow, ProductChoice, list_preorders, load_organisation_card,
                                       products_on_org_price_list)
from app.routines.organisations import RemovePreOrder, RemovePreOrderCommand
from widgets.preorders.add import AddPreOrderDialog
from widgets.preorders.common import TaskRunner, error_label, fit_columns, make_table
from widgets.tones import tone_style
from widgets.preorders.importing import ImportDialog
from widgets.preorders.models import STATUS_FILTERS, PreOrderFilterProxy, PreOrderTableModel
from widgets.services import UiServices
from widgets.table_model import ROW_ROLE


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
        self.message = error_label()

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
        self.message.setStyleSheet(tone_style("error"))
        self.message.setText(err.message)
        self.message.show()

    def _show_info(self, text: str) -> None:
        self.message.setStyleSheet(tone_style("ok"))
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
