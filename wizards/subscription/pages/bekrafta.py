"""Bekräfta: every amount and date of the routine, the subscription table and the order total.

The Sammanfattning page of the registration flows with the subscription table added: the
wizard gives ``summary()`` (rows, order lines, total) and ``table_rows()`` (the routine's
preview rows); both come from the routine's ``preview``, so the page shows exactly what
Slutför will write. Nothing is printed here: a freeze confirmation is printed after Slutför.
"""
from __future__ import annotations

from PySide6.QtWidgets import QLabel

from widgets.services import UiServices
from wizards.pages.sammanfattning import SammanfattningPage
from wizards.subscription.pages.table import SubscriptionTable


class BekraftaPage(SammanfattningPage):
    def __init__(self, services: UiServices, subtitle: str = "Gå igenom uppgifterna med kunden innan du klickar "
                                                             "på Slutför.") -> None:
        super().__init__(services, title="Bekräfta", subtitle=subtitle)
        layout = self.layout()
        self.table_label = QLabel("Abonnemang och tillägg", self)
        self.table = SubscriptionTable(self)
        # Under the details, above the order lines.
        layout.insertWidget(1, self.table_label)
        layout.insertWidget(2, self.table)

    def enter_page(self, first: bool) -> None:
        super().enter_page(first)
        rows = self.wizard().table_rows() if self.summary_value is not None else ()
        self.table.show_amounts(self.wizard().table_amounts())
        self.table.set_rows(rows)
        self.table.setVisible(bool(rows))
        self.table_label.setVisible(bool(rows))
