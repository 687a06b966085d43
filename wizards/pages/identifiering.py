"""Identifiering: who is at the desk — the customer, or an ombud acting for them (SPEC §5 flow 6, §6).

The receptionist ticks that the identity document was checked; for an ombud the
ombud's name is required. Nästa stays disabled until then.
"""
from __future__ import annotations

from PySide6.QtWidgets import QButtonGroup, QCheckBox, QFormLayout, QLabel, QLineEdit, QRadioButton, QVBoxLayout

from app.domain.personnummer import parse_personnummer
from app.errors import NotFound
from widgets.input_rules import limit
from widgets.services import UiServices
from wizards.base import ReceptionPage


class IdentifieringPage(ReceptionPage):
    """``person_id``: the customer the routine is for. ``agent_name()`` is '' when the customer came themselves."""

    def __init__(self, services: UiServices, person_id: int, *, title: str = "Identifiering") -> None:
        super().__init__(services, title, "Kontrollera legitimationen hos den som är i kassan: kunden själv eller "
                                          "ett ombud.")
        from db.models import Person

        with services.core.sessions() as session:
            person = session.get(Person, person_id)
            if person is None:
                raise NotFound("Kunden finns inte längre i registret. Sök fram kunden igen.")
            pnr = (parse_personnummer(person.personnummer, self.today()).formatted() if person.personnummer
                   else f"född {person.birth_date:%Y-%m-%d}")
            self.person_text = f"{person.first_name} {person.last_name}, {pnr}, kundnummer {person.customer_number}"

        layout = QVBoxLayout(self)
        self.person_label = QLabel(f"<b>Kund:</b> {self.person_text}", self)
        self.person_label.setObjectName("person")
        layout.addWidget(self.person_label)
        self.who = QButtonGroup(self)
        self.customer_button = QRadioButton("&Kunden själv", self)
        self.customer_button.setObjectName("customer_self")
        self.agent_button = QRadioButton("&Ombud för kunden", self)
        self.agent_button.setObjectName("agent")
        self.customer_button.setChecked(True)
        for button in (self.customer_button, self.agent_button):
            self.who.addButton(button)
            layout.addWidget(button)
        form = QFormLayout()
        self.agent_name = QLineEdit(self)
        self.agent_name.setObjectName("agent_name")
        limit(self.agent_name, "agent_name")
        self.agent_label = QLabel("Ombudets na&mn", self)
        self.agent_label.setBuddy(self.agent_name)
        form.addRow(self.agent_label, self.agent_name)
        layout.addLayout(form)
        self.checked = QCheckBox(self)
        self.checked.setObjectName("id_checked")
        layout.addWidget(self.checked)
        layout.addStretch(1)
        self.registerField("agent_name", self.agent_name)

        self.agent_button.toggled.connect(self._who_changed)
        self.agent_name.textChanged.connect(lambda _t: self.completeChanged.emit())
        self.checked.toggled.connect(lambda _c: self.completeChanged.emit())
        self.watch(self.customer_button, self.agent_button, self.agent_name, self.checked)
        self._who_changed(False)

    def _who_changed(self, agent: bool) -> None:
        self.agent_label.setVisible(agent)
        self.agent_name.setVisible(agent)
        self.checked.setText("Ombudets identitetshandling är kontrollerad" if agent
                             else "Kundens identitetshandling är kontrollerad")
        self.checked.setChecked(False)  # a tick is about one person's document
        self.completeChanged.emit()

    def agent(self) -> str:
        return " ".join(self.agent_name.text().split()) if self.agent_button.isChecked() else ""

    def blocked_reason(self) -> str | None:
        if self.agent_button.isChecked() and not self.agent():
            return "Skriv ombudets namn."
        if not self.checked.isChecked():
            return f"Bocka i ”{self.checked.text().replace('&', '')}”."
        return None
