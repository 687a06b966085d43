"""The (simplified) organisation card (SPEC §2.3, §4 "Per organisation"): header, Översikt, Ekonomi, ≡ menu.

* Översikt: price list, whether the organisation uses pre-orders, account
  manager, and its open pre-orders.
* Ekonomi: price list, "Använd förbeställningar" — only shown when the global
  setting "Aktivera möjligheten att använda förbeställningar för organisationer"
  is on — and account manager; Spara runs UpdateOrganisationEconomy.
* ≡ Förbeställningar > Administrera förbeställningar: only for users with the
  right "Organisationer" (the routines refuse others anyway).
Loading and saving run on a worker thread.
"""
from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QSortFilterProxyModel, Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (QCheckBox, QComboBox, QFormLayout, QHBoxLayout, QLabel, QMenu, QPushButton,
                               QTabWidget, QToolButton, QVBoxLayout, QWidget)

from app.errors import UserError
from app.queries.organisations import (Choice, OrganisationCard, account_manager_choices, load_organisation_card,
                                       price_lists)
from app.rights import ORGANISATIONS, can
from app.routines.organisations import EconomyCommand, UpdateOrganisationEconomy
from app.settings import load_settings
from widgets.preorders.admin import PreOrderAdminDialog
from widgets.preorders.common import TaskRunner, fit_columns, make_table
from widgets.preorders.models import PreOrderTableModel
from widgets.services import UiServices
from widgets.tones import tone_style
from widgets.table_model import SORT_ROLE

NO_RIGHT = "Kräver rättigheten ”Organisationer”."
NO_LIST_RIGHT = "Listan visas bara för användare med rättigheten ”Organisationer”."


@dataclass(frozen=True)
class _CardData:
    card: OrganisationCard
    price_lists: list[Choice]
    managers: list[Choice]
    preorders_enabled: bool


class OrganisationCardWidget(QWidget):
    """Shows one organisation: `show_organisation(org_id)`; `loaded(org_id)` fires when it is on screen."""

    loaded = Signal(int)
    saved = Signal(int)
    admin_dialog_class = PreOrderAdminDialog

    def __init__(self, services: UiServices, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.organisation_id: int | None = None
        self.data: _CardData | None = None
        self.admin_dialog: PreOrderAdminDialog | None = None
        self.runner = TaskRunner(self)
        may_administer = ORGANISATIONS in services.actor.rights

        # header
        self.name_label = QLabel()
        self.name_label.setStyleSheet("font-size: 16pt; font-weight: bold;")
        self.name_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.number_label = QLabel()
        self.number_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.menu_button = QToolButton()
        self.menu_button.setText("≡ Förbeställningar")
        self.menu_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.menu_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.menu_button.setStyleSheet("QToolButton { padding: 4px 10px; } "
                                       "QToolButton::menu-indicator { image: none; }")
        self.menu = QMenu(self.menu_button)
        self.admin_action = QAction("&Administrera förbeställningar…", self)
        self.admin_action.triggered.connect(self.open_preorder_admin)
        self.menu.addAction(self.admin_action)
        self.menu_button.setMenu(self.menu)
        self.menu_button.setVisible(may_administer)
        titles = QVBoxLayout()
        titles.addWidget(self.name_label)
        titles.addWidget(self.number_label)
        header = QHBoxLayout()
        header.addLayout(titles, 1)
        header.addWidget(self.menu_button, 0, Qt.AlignmentFlag.AlignTop)

        # Översikt
        self.price_list_label, self.uses_label, self.manager_label = QLabel(), QLabel(), QLabel()
        self.open_label = QLabel()
        self.open_label.setStyleSheet("font-weight: bold; margin-top: 8px;")
        overview = QWidget()
        form = QFormLayout()
        form.addRow("Prislista:", self.price_list_label)
        form.addRow("Använder förbeställningar:", self.uses_label)
        form.addRow("Kundansvarig:", self.manager_label)
        self.preorder_model = PreOrderTableModel(self)
        proxy = QSortFilterProxyModel(self)
        proxy.setSourceModel(self.preorder_model)
        proxy.setSortRole(SORT_ROLE)
        self.preorder_table = make_table(proxy, sortable=True)
        self.preorder_table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        overview_layout = QVBoxLayout(overview)
        overview_layout.addLayout(form)
        overview_layout.addWidget(self.open_label)
        overview_layout.addWidget(self.preorder_table, 1)
        overview_layout.addStretch(0)  # takes the room only while the table is hidden (no right Organisationer)

        # Ekonomi
        economy = QWidget()
        self.price_list_combo = QComboBox()
        self.uses_preorders_check = QCheckBox("Använd förbeställningar")
        self.manager_combo = QComboBox()
        self.save_button = QPushButton("&Spara")
        self.save_button.clicked.connect(self.save_economy)
        self.economy_message = QLabel()
        self.economy_message.setWordWrap(True)
        self.economy_message.hide()
        economy_form = QFormLayout()
        economy_form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.FieldsStayAtSizeHint)
        self.price_list_combo.setMinimumWidth(280)
        self.manager_combo.setMinimumWidth(280)
        economy_form.addRow("Prislista:", self.price_list_combo)
        economy_form.addRow("", self.uses_preorders_check)
        economy_form.addRow("Kundansvarig:", self.manager_combo)
        economy_layout = QVBoxLayout(economy)
        economy_layout.addLayout(economy_form)
        economy_layout.addWidget(self.economy_message)
        save_row = QHBoxLayout()
        save_row.addStretch(1)
        save_row.addWidget(self.save_button)
        economy_layout.addLayout(save_row)
        economy_layout.addStretch(1)
        for widget in (self.price_list_combo, self.uses_preorders_check, self.manager_combo, self.save_button):
            widget.setEnabled(may_administer)
            widget.setToolTip("" if may_administer else NO_RIGHT)

        self.tabs = QTabWidget()
        self.tabs.addTab(overview, "Översikt")
        self.tabs.addTab(economy, "Ekonomi")
        layout = QVBoxLayout(self)
        layout.addLayout(header)
        layout.addWidget(self.tabs, 1)

    # -- loading -------------------------------------------------------------
    def show_organisation(self, org_id: int) -> None:
        """Load and show this organisation (on a worker thread; `loaded` fires when done)."""
        self.organisation_id = org_id
        self.reload()

    def reload(self) -> None:
        if self.organisation_id is None:
            return
        core, actor, org_id = self.services.core, self.services.actor, self.organisation_id

        def work(report) -> _CardData:
            with core.sessions() as session:
                card = load_organisation_card(session, actor, org_id)  # pre-order rows only with Organisationer
                if can(actor, ORGANISATIONS):
                    lists, managers = price_lists(session, actor), account_manager_choices(session, actor)
                else:  # the Ekonomi tab is read-only: it shows the current choices only
                    lists = [Choice(card.price_list_id, card.price_list_name)] if card.price_list_id else []
                    managers = ([Choice(card.account_manager_id, card.account_manager_name)]
                                if card.account_manager_id else [])
                return _CardData(card, lists, managers, load_settings(session).preorders_enabled)

        self.runner.run(work, self._show, self._failed)

    def _failed(self, err: UserError) -> None:
        self.name_label.setText(err.message)
        self.number_label.clear()

    def _show(self, data: _CardData) -> None:
        if data.card.id != self.organisation_id:
            return  # another organisation was opened meanwhile
        self.data = data
        card = data.card
        self.name_label.setText(card.name)
        self.number_label.setText(f"Organisationsnummer {card.org_number}")
        self.price_list_label.setText(card.price_list_name or "Ingen (kunderna får Ordinarieprislistan)")
        self.uses_label.setText("Ja" if card.uses_preorders else "Nej")
        self.manager_label.setText(card.account_manager_name or "Ingen")
        if card.open_preorders is None:  # no right Organisationer: the query left the rows out
            self.open_label.setText(f"Öppna förbeställningar: {card.open_preorders_count}. {NO_LIST_RIGHT}")
            self.open_label.setWordWrap(True)
        else:
            shown = len(card.open_preorders)
            more = f" (de {shown} första visas)" if shown < card.open_preorders_count else ""
            self.open_label.setText(f"Öppna förbeställningar: {card.open_preorders_count}{more}")
        self.preorder_model.set_rows(list(card.open_preorders or ()))
        self.preorder_table.setVisible(card.open_preorders is not None)
        fit_columns(self.preorder_table)

        self._fill(self.price_list_combo, data.price_lists, card.price_list_id, "(ingen prislista)")
        self._fill(self.manager_combo, data.managers, card.account_manager_id, "(ingen kundansvarig)")
        self.uses_preorders_check.setChecked(card.uses_preorders)
        self.uses_preorders_check.setVisible(data.preorders_enabled)
        self.loaded.emit(card.id)

    @staticmethod
    def _fill(combo: QComboBox, choices: list[Choice], current: int | None, none_text: str) -> None:
        combo.clear()
        combo.addItem(none_text, None)
        for choice in choices:
            combo.addItem(choice.name, choice.id)
        combo.setCurrentIndex(max(0, combo.findData(current)) if current is not None else 0)

    # -- Ekonomi -------------------------------------------------------------
    def economy_command(self) -> EconomyCommand:
        assert self.organisation_id is not None and self.data is not None
        uses = self.uses_preorders_check.isChecked() if self.data.preorders_enabled else None
        return EconomyCommand(self.organisation_id, self.price_list_combo.currentData(),
                              self.manager_combo.currentData(), uses)

    def save_economy(self) -> None:
        if self.data is None:
            return
        command, core, actor = self.economy_command(), self.services.core, self.services.actor
        self.save_button.setEnabled(False)
        self.runner.run(lambda report: UpdateOrganisationEconomy(core).execute(command, actor),
                        self._saved, self._refused)

    def _message(self, text: str, ok: bool) -> None:
        self.economy_message.setText(text)
        self.economy_message.setStyleSheet(tone_style("ok" if ok else "error"))
        self.economy_message.show()

    def _saved(self, _result) -> None:
        self.save_button.setEnabled(True)
        self._message("Ändringarna är sparade.", ok=True)
        self.services.bus.status.emit(f"{self.data.card.name}: ekonomiuppgifterna är sparade.")
        self.saved.emit(self.organisation_id)
        self.reload()

    def _refused(self, err: UserError) -> None:
        self.save_button.setEnabled(True)
        self._message(err.message, ok=False)

    # -- ≡ Förbeställningar --------------------------------------------------
    def open_preorder_admin(self) -> PreOrderAdminDialog | None:
        """Open "Administrera förbeställningar" (window-modal); the card reloads when it closes."""
        if self.organisation_id is None:
            return None
        dialog = self.admin_dialog_class(self.services, self.organisation_id, self)
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.finished.connect(self._admin_closed)
        self.admin_dialog = dialog
        dialog.open()
        return dialog

    def _admin_closed(self, _result: int) -> None:
        if self.admin_dialog is not None:
            self.admin_dialog.deleteLater()
            self.admin_dialog = None
        self.reload()
