"""The person card (SPEC §3): the internal-message banner, the header with photo, identity, customer
type, card and deviations; then the tabs, Översikt first (issue 14 §1, widgets/person_overview.py).

`show_person(person_id)` loads everything through app.queries.person_card (on
a worker thread for PostgreSQL, inline for SQLite); the previous customer's
header, chips, banner and tab contents go at once, before the load returns.
The internal message is a banner on the card, never a modal box. Edits run
routines and reload the card (bus.person_changed); a routine's Swedish error is
shown at its field and what was typed stays.

Menus: an entry is shown only when the rules in app/menus.py say it applies
AND a routine has registered an action for its code in `menu_actions`
(code -> callable(MenuTarget)); routines not built yet therefore leave no dead
entries behind.

The tabs carry no Alt letters (Ctrl+Tab / Ctrl+Shift+Tab move between them): the main window's
menus own their Alt letters, and each tab's fields keep theirs (tests/widgets/test_card_overview.py
collects them all and checks that none is used twice).
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from functools import partial

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (QHBoxLayout, QLabel, QMenu, QMessageBox, QTabWidget, QToolButton, QVBoxLayout,
                               QWidget)

from app.errors import UserError
from app.menus import MenuEntry, MenuTarget, mandate_menu, person_menu, personal_data_menu
from app.queries.person_card import PersonCardData, load_person_card
from app.rights import CUSTOMER_JOURNAL
from widgets.person_overview import InternalMessageBanner, OverviewTab
from widgets.person_tabs.address import AddressTab
from widgets.person_tabs.basic import BasicTab
from widgets.person_tabs.common import SEVERITY_COLOURS, chip_row
from widgets.person_tabs.documents import DocumentsTab
from widgets.person_tabs.economy import EconomyTab
from widgets.person_tabs.invoices import invoices_tab
from widgets.person_tabs.journal import JournalTab
from widgets.person_tabs.lists import bookings_tab, purchases_tab, value_cards_tab
from widgets.person_tabs.marketing import MarketingTab
from widgets.person_tabs.messages import MessagesTab
from widgets.person_tabs.staff import StaffTab
from widgets.person_tabs.subscriptions import SubscriptionsTab
from widgets.search_panel import QueryRunner
from widgets.services import UiServices

__all__ = ["PersonCardWidget", "SEVERITY_COLOURS"]

log = logging.getLogger("reception.ui.person_card")
UNEXPECTED = "Något gick fel. Försök igen; fungerar det inte, kontakta support (se loggfilen)."
PHOTO_SIZE = (120, 160)


def _error_box(parent: QWidget, title: str, text: str) -> None:
    QMessageBox.warning(parent, title, text)


class PersonCardWidget(QWidget):
    # Replaceable in tests: how errors are shown.
    error_box = staticmethod(_error_box)

    loaded = Signal(object)   # the PersonCardData just shown

    def __init__(self, services: UiServices, menu_actions: dict[str, Callable[[MenuTarget], None]] | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.menu_actions = menu_actions if menu_actions is not None else {}
        self.person_id: int | None = None
        self.data: PersonCardData | None = None
        self.reader = QueryRunner.for_core(services.core, self)
        self.writer = QueryRunner.for_core(services.core, self, latest_only=False)
        self.journal_allowed = CUSTOMER_JOURNAL in services.actor.rights

        # -- the internal message, prominent on every tab ---------------------
        self.internal_message = InternalMessageBanner(self)

        # -- header --------------------------------------------------------
        self.photo = QLabel(self)
        self.photo.setObjectName("photo")
        self.photo.setFixedSize(*PHOTO_SIZE)
        self.photo.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.photo.setStyleSheet("QLabel { background: #f3f4f6; color: #6b7280; }")
        self.name_label = QLabel(self)
        self.name_label.setObjectName("name")
        self.name_label.setStyleSheet("font-size: 18pt; font-weight: 600;")
        self.name_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.personnummer_label = QLabel(self)
        self.personnummer_label.setObjectName("personnummer")
        self.personnummer_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.customer_number_label = QLabel(self)
        self.customer_number_label.setObjectName("customer_number")
        self.customer_type_label = QLabel(self)
        self.customer_type_label.setObjectName("customer_type")
        self.card_label = QLabel(self)
        self.card_label.setObjectName("card_number")
        self.person_menu_button = self.menu_button("person_menu")
        self.person_menu_button.setText("≡ Kunduppgifter")
        self.person_menu_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.chips = QWidget(self)
        self.chips.setObjectName("deviations")

        facts = QVBoxLayout()
        title = QHBoxLayout()
        title.addWidget(self.name_label, 1)
        title.addWidget(self.person_menu_button, 0, Qt.AlignmentFlag.AlignTop)
        facts.addLayout(title)
        for label in (self.personnummer_label, self.customer_number_label, self.customer_type_label,
                      self.card_label):
            facts.addWidget(label)
        facts.addStretch(1)
        header = QHBoxLayout()
        header.addWidget(self.photo)
        header.addLayout(facts, 1)

        # -- tabs ----------------------------------------------------------
        postal = services.postal
        if postal is None:
            from app.postal import PostalCodes
            postal = services.postal = PostalCodes.load(user_data_dir=services.user_data_dir)
        default_country = getattr(services.desk, "default_country", None) or "SE"
        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("tabs")
        self.overview_tab = OverviewTab(self)
        self.basic_tab = BasicTab(self)
        self.address_tab = AddressTab(self, postal, default_country)
        self.marketing_tab = MarketingTab(self)
        self.messages_tab = MessagesTab(self)
        self.documents_tab = DocumentsTab(self)
        self.bookings_tab = bookings_tab(self)
        self.purchases_tab = purchases_tab(self)
        self.economy_tab = EconomyTab(self)
        self.invoices_tab = invoices_tab(self)
        self.staff_tab = StaffTab(self)
        self.subscriptions_tab = SubscriptionsTab(self)
        self.value_cards_tab = value_cards_tab(self)
        self.journal_tab = JournalTab(self) if self.journal_allowed else None
        from widgets.person_tabs.visits import VisitsTab  # issue 13

        self.visits_tab = VisitsTab(self)
        from widgets.person_tabs.autogiro import AutogiroTab  # issue 17

        self.autogiro_tab = AutogiroTab(self)
        pages = [(self.overview_tab, "Översikt"), (self.basic_tab, "Basuppgifter"),
                 (self.address_tab, "Adress/Fakturaadress"), (self.marketing_tab, "Marknad"),
                 (self.messages_tab, "Meddelanden"), (self.documents_tab, "Dokument"),
                 (self.bookings_tab, "Bokningar"), (self.purchases_tab, "Tidigare köp"),
                 (self.economy_tab, "Ekonomi"), (self.invoices_tab, "Fakturor"), (self.staff_tab, "Personal"),
                 (self.subscriptions_tab, "Abonnemang"), (self.value_cards_tab, "Värdekort"),
                 (self.visits_tab, "Besök"), (self.autogiro_tab, "Autogiro")]
        if self.journal_tab is not None:
            pages.append((self.journal_tab, "Kundjournal"))
        for page, title_text in pages:
            self.tabs.addTab(page, title_text)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        layout.addWidget(self.internal_message)
        layout.addLayout(header)
        layout.addWidget(self.chips)
        layout.addWidget(self.tabs, 1)
        services.bus.person_changed.connect(self._person_changed)

    # -- public ------------------------------------------------------------
    def show_person(self, person_id: int, swiped_card: str | None = None) -> None:
        """Load and show a person; another person's card goes at once, before the load returns, and the
        new one opens on Översikt."""
        if person_id != self.person_id:
            self.clear()
            self.tabs.setCurrentWidget(self.overview_tab)
        self._load(person_id, swiped_card, opened=True)

    def clear(self) -> None:
        """Show nobody: the previous customer's banner, header, chips and tab contents go (the tabs are
        hidden until the next person's data is there, so no old chip or row can flash)."""
        self.person_id = None
        self.data = None
        for label in (self.name_label, self.personnummer_label, self.customer_number_label,
                      self.customer_type_label, self.card_label):
            label.clear()
        self._show_photo(None)
        self._replace_chips(QWidget(self))
        self.internal_message.show_message("")
        self.person_menu_button.hide()
        self.overview_tab.clear()
        self.tabs.hide()

    def reload(self) -> None:
        if self.person_id is not None:
            self._load(self.person_id, None, opened=False)

    def tab_titles(self) -> list[str]:
        return [self.tabs.tabText(i).replace("&", "") for i in range(self.tabs.count())]

    # -- menus (used by the tabs too) -----------------------------------------
    def menu_button(self, name: str) -> QToolButton:
        button = QToolButton(self)
        button.setObjectName(name)
        button.setText("≡")
        button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        button.setAutoRaise(True)
        return button

    def target(self, *, subscription_id: int | None = None, mandate_id: int | None = None) -> MenuTarget:
        return MenuTarget(self.person_id or 0, subscription_id, mandate_id)

    def attach_menu(self, button: QToolButton, entries: list[MenuEntry], target: MenuTarget) -> bool:
        """Give the button a menu of the entries that have a registered action; hide it when none has."""
        shown = [e for e in entries if e.code in self.menu_actions]
        old = button.menu()
        if old is not None:
            button.setMenu(None)
            old.deleteLater()
        if not shown:
            button.hide()
            return False
        menu = QMenu(button)
        menu.setToolTipsVisible(True)
        for entry in shown:
            action = menu.addAction(entry.label)
            action.setObjectName(entry.code)
            action.setEnabled(entry.enabled)
            if entry.reason:
                action.setToolTip(entry.reason)
            action.triggered.connect(partial(self._run_action, entry.code, target))
        button.setMenu(menu)
        button.show()
        return True

    def mandate_entries(self, data: PersonCardData) -> list[MenuEntry]:
        return mandate_menu(data.mandate_menu, data.settings, self.services.core.till_enabled,
                            self.services.actor.rights)

    # -- saving (used by the tabs) -----------------------------------------
    def save(self, routine_class, command, form) -> None:
        """Run a routine; on success reload the card everywhere, on a UserError show it at the form."""
        routine = routine_class(self.services.core)
        actor = self.services.actor
        self.writer.run(lambda: routine.execute(command, actor),
                        lambda _result: self._saved(form),
                        lambda error: self.save_failed(form, error))

    def _saved(self, form) -> None:
        form.clear_error()
        self.services.bus.status.emit("Ändringen är sparad.")
        if self.person_id is not None:
            self.services.bus.person_changed.emit(self.person_id)

    def save_failed(self, form, error: Exception) -> None:
        if isinstance(error, UserError):
            form.show_error(error)
            return
        log.error("saving from the person card failed", exc_info=error)
        self.error_box(self, "Det gick inte att spara", UNEXPECTED)

    # -- loading -----------------------------------------------------------
    def _load(self, person_id: int, swiped_card: str | None, *, opened: bool) -> None:
        core, actor = self.services.core, self.services.actor

        def query() -> PersonCardData:  # the query decides what this actor may see (journal, documents)
            with core.sessions() as session:
                return load_person_card(session, actor, person_id, core.clock.today(), swiped_card=swiped_card)

        self.reader.run(query, partial(self._show, opened=opened), self._load_failed)

    def _load_failed(self, error: Exception) -> None:
        if isinstance(error, UserError):
            self.error_box(self, error.title, error.message)
            return
        log.error("loading the person card failed", exc_info=error)
        self.error_box(self, "Personkortet kunde inte visas", UNEXPECTED)

    def _person_changed(self, person_id: int) -> None:
        if self.data is not None and person_id in (self.person_id, *self._related_ids()):
            self.reload()

    def _related_ids(self) -> set[int]:
        data = self.data
        if data is None:
            return set()
        return {s.payer_id for s in data.subscriptions} | {s.user_id for s in data.paid_for_others}

    def _show(self, data: PersonCardData, *, opened: bool) -> None:
        self.person_id = data.person.id
        self.data = data
        p = data.person
        self.name_label.setText(p.name)
        self.personnummer_label.setText(f"Personnummer: {p.personnummer_display}" if p.personnummer
                                        else f"Födelsedatum: {p.birth_date:%Y-%m-%d} (inget personnummer)")
        self.customer_number_label.setText(f"Kundnummer: {p.customer_number}")
        type_text = f"Kundtyp: {p.customer_type_name}"
        if p.price_guarantee_until is not None:
            type_text += f" t.o.m. {p.price_guarantee_until:%Y-%m-%d}"
        if p.organisation_name:
            type_text += f"   Organisation: {p.organisation_name}"
        self.customer_type_label.setText(type_text)
        card = data.current_card
        self.card_label.setText(f"Kort: {card.card_number}" if card else "Kort: saknas")
        self._show_photo(data.photo_jpeg)
        self._replace_chips(chip_row(data.deviations.top, self))
        self.attach_menu(self.person_menu_button,
                         person_menu(data.person_menu, data.settings, self.services.core.till_enabled,
                                     self.services.actor.rights) + personal_data_menu(self.services.actor.rights),
                         self.target())
        self.internal_message.show_message(data.internal_message)
        for index in range(self.tabs.count()):
            self.tabs.widget(index).load(data)
        self.tabs.show()
        self.loaded.emit(data)

    def _replace_chips(self, chips: QWidget) -> None:
        old = self.chips
        self.chips = chips
        chips.setObjectName("deviations")
        self.layout().replaceWidget(old, chips)
        old.hide()  # gone from the screen now, not when the event loop deletes it
        old.deleteLater()

    def _show_photo(self, jpeg: bytes | None) -> None:
        pixmap = QPixmap()
        if jpeg and pixmap.loadFromData(jpeg):
            self.photo.setPixmap(pixmap.scaled(*PHOTO_SIZE, Qt.AspectRatioMode.KeepAspectRatio,
                                               Qt.TransformationMode.SmoothTransformation))
        else:
            self.photo.setPixmap(QPixmap())
            self.photo.setText("Foto saknas")

    def _run_action(self, code: str, target: MenuTarget) -> None:
        action = self.menu_actions.get(code)
        if action is not None:
            action(target)
