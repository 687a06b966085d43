"""The person card's Autogiro tab (issue 17): the mandate's history with Bankgirot (skickad, godkänd,
avvisad with Bankgirot's reason, makulerad) and every autogiro debit with its outcome.

Everything comes from the card's own read model (PersonCardData.mandate_history / .autogiro_debits),
read in the card's statements, so the tab adds no query of its own.
"""
from __future__ import annotations

from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from app.clock import STOCKHOLM
from app.domain.money import format_sek
from app.domain.periods import iso
from widgets.person_tabs.common import fill_table, read_only_table

EVENT_NAMES = {"skickad": "Skickat till Bankgirot", "godkand": "Godkänt", "avvisad": "Avvisat",
               "makulerad": "Makulerat", "makulering_skickad": "Makulering skickad",
               "nytt_betalarnummer": "Nytt betalarnummer"}
DEBIT_NAMES = {"skickad": "Skickad", "betald": "Betald", "misslyckad": "Misslyckades", "avvisad": "Avvisad",
               "makulerad": "Makulerad"}
HISTORY_HEADERS = ("Datum", "Händelse", "Beskrivning")
DEBIT_HEADERS = ("Dragningsdag", "Belopp", "Betalar t.o.m.", "Status", "Faktura", "Bankgirot")


class AutogiroTab(QWidget):
    def __init__(self, card) -> None:
        super().__init__(card)
        self.history = read_only_table(self, "mandate_history")
        self.debits = read_only_table(self, "autogiro_debits")
        self.history_empty = QLabel("Medgivandet har inte skickats till Bankgirot.", self)
        self.debits_empty = QLabel("Inga autogirodragningar.", self)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("<b>Medgivandets historik</b>", self))
        layout.addWidget(self.history_empty)
        layout.addWidget(self.history, 1)
        layout.addWidget(QLabel("<b>Autogirodragningar</b>", self))
        layout.addWidget(self.debits_empty)
        layout.addWidget(self.debits, 2)

    def load(self, data) -> None:
        history = [(e.at.astimezone(STOCKHOLM).strftime("%Y-%m-%d %H:%M"), EVENT_NAMES.get(e.event, e.event), e.text)
                   for e in data.mandate_history]
        debits = [(iso(d.debit_date), format_sek(d.amount_ore), iso(d.period_to), DEBIT_NAMES.get(d.status, d.status),
                   d.invoice_number or "", d.result_text) for d in data.autogiro_debits]
        fill_table(self.history, HISTORY_HEADERS, history)
        fill_table(self.debits, DEBIT_HEADERS, debits)
        self.history_empty.setVisible(not history)
        self.debits_empty.setVisible(not debits)
