"""Marknad: what the customer may be sent, interests and where they found the gym."""
from __future__ import annotations

from PySide6.QtWidgets import QCheckBox, QLineEdit, QVBoxLayout, QWidget

from app.queries.person_card import PersonCardData
from app.routines import person_edit as pe
from widgets.person_tabs.common import CardHost, EditForm


class MarketingTab(QWidget):
    def __init__(self, card: CardHost) -> None:
        super().__init__(card)
        self.card = card
        self.edit = EditForm(self)
        self.email_ok = self.edit.add("email_ok", "Utskick via e-post", QCheckBox())
        self.sms_ok = self.edit.add("sms_ok", "Utskick via SMS", QCheckBox())
        self.interests = self.edit.add("interests", "&Intressen", QLineEdit())
        self.source = self.edit.add("source", "Kä&lla (hur kunden hittade oss)", QLineEdit())
        layout = QVBoxLayout(self)
        layout.addWidget(self.edit)
        layout.addStretch(1)
        self.edit.save_button.clicked.connect(self.save)

    def load(self, data: PersonCardData) -> None:
        m = data.marketing
        self.email_ok.setChecked(m.email_ok)
        self.sms_ok.setChecked(m.sms_ok)
        self.interests.setText(m.interests)
        self.source.setText(m.source)
        self.edit.clear_error()

    def save(self) -> None:
        self.card.save(pe.UpdateMarketingRoutine, pe.UpdateMarketing(
            self.card.person_id, self.email_ok.isChecked(), self.sms_ok.isChecked(), self.interests.text(),
            self.source.text()), self.edit)
