"""Abonnemang: the person's subscriptions with add-ons, and those they pay for others."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHeaderView, QLabel, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget

from app.domain.money import format_sek
from app.menus import paid_for_others_menu, subscription_menu
from app.queries.person_card import PersonCardData
from widgets.person_tabs.common import CardHost, chip_row, day_text


class SubscriptionsTab(QWidget):
    # The ≡ menu sits right of the subscription's name (as in the seeds), so it is never scrolled away.
    COLUMNS = ("Abonnemang", "", "Status", "Start", "Bindning t.o.m.", "Debiterat t.o.m.", "Slutdatum", "Pris",
               "Betalare", "Avvikelser")
    OTHER_COLUMNS = ("Nyttjare", "Abonnemang", "", "Status", "Debiterat t.o.m.", "Pris", "Avvikelser")
    MENU, CHIPS, OTHER_MENU, OTHER_CHIPS = 1, 9, 2, 6

    def __init__(self, card: CardHost) -> None:
        super().__init__(card)
        self.card = card
        self.tree = QTreeWidget(self)
        self.tree.setObjectName("subscriptions")
        self.tree.setColumnCount(len(self.COLUMNS))
        self.tree.setHeaderLabels(list(self.COLUMNS))
        self.tree.setRootIsDecorated(True)
        self.others = QTreeWidget(self)
        self.others.setObjectName("paid_for_others")
        self.others.setColumnCount(len(self.OTHER_COLUMNS))
        self.others.setHeaderLabels(list(self.OTHER_COLUMNS))
        self.others.setRootIsDecorated(False)
        self.others_label = QLabel("Abonnemang som kunden betalar för andra", self)
        self.menu_buttons: dict[int, QWidget] = {}
        layout = QVBoxLayout(self)
        layout.addWidget(self.tree, 2)
        layout.addWidget(self.others_label)
        layout.addWidget(self.others, 1)

    def _item(self, sub, values) -> QTreeWidgetItem:
        item = QTreeWidgetItem([str(v) for v in values])
        item.setData(0, Qt.ItemDataRole.UserRole, sub.id)
        return item

    def load(self, data: PersonCardData) -> None:
        self.tree.clear()
        self.others.clear()
        self.menu_buttons.clear()
        card = self.card
        for sub in data.subscriptions:
            item = self._item(sub, (sub.product_name, "", sub.status_name, day_text(sub.start_date),
                                    day_text(sub.binding_end), day_text(sub.charged_through), day_text(sub.end_date),
                                    format_sek(sub.price_ore), "" if sub.payer_id == sub.user_id else sub.payer_name,
                                    ""))
            self.tree.addTopLevelItem(item)
            for addon in sub.addons:
                child = self._item(addon, (addon.product_name, "", addon.status_name, day_text(addon.start_date),
                                           day_text(addon.binding_end), day_text(addon.charged_through),
                                           day_text(addon.end_date), format_sek(addon.price_ore), "", ""))
                item.addChild(child)
                self.tree.setItemWidget(child, self.CHIPS, chip_row(addon.deviations))
            self.tree.setItemWidget(item, self.CHIPS, chip_row(sub.deviations))
            if sub.menu is not None:
                entries = subscription_menu(sub.menu, data.settings, card.services.core.till_enabled,
                                            card.services.actor.rights)
                button = card.menu_button(f"subscription_menu_{sub.id}")
                if card.attach_menu(button, entries, card.target(subscription_id=sub.id)):
                    self.tree.setItemWidget(item, self.MENU, button)
                    self.menu_buttons[sub.id] = button
                else:
                    button.deleteLater()
        self.tree.expandAll()
        for sub in data.paid_for_others:
            item = self._item(sub, (sub.user_name, sub.product_name, "", sub.status_name, day_text(sub.charged_through),
                                    format_sek(sub.price_ore), ""))
            self.others.addTopLevelItem(item)
            self.others.setItemWidget(item, self.OTHER_CHIPS, chip_row(sub.deviations))
            if sub.menu is not None:
                entries = paid_for_others_menu(sub.menu, data.settings, card.services.core.till_enabled,
                                               card.services.actor.rights)
                button = card.menu_button(f"paid_for_others_menu_{sub.id}")
                if card.attach_menu(button, entries, card.target(subscription_id=sub.id)):
                    self.others.setItemWidget(item, self.OTHER_MENU, button)
                    self.menu_buttons[sub.id] = button
                else:
                    button.deleteLater()
        has_others = bool(data.paid_for_others)
        self.others.setVisible(has_others)
        self.others_label.setVisible(has_others)
        for tree in (self.tree, self.others):
            tree.header().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
