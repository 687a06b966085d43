"""Adress/Fakturaadress: the home and the invoice address."""
from __future__ import annotations

from PySide6.QtWidgets import QGroupBox, QVBoxLayout, QWidget

from app.queries.person_card import PersonCardData
from app.routines import person_edit as pe
from app.routines.person_data import AddressData
from widgets.person_tabs.common import CardHost, EditForm, strip_mnemonics


class AddressTab(QWidget):
    def __init__(self, card: CardHost, postal, default_country: str) -> None:
        super().__init__(card)
        from widgets.address_editor import AddressEditor

        self.card = card
        self.edit = EditForm(self)
        self.home = AddressEditor(postal, default_country)
        self.invoice = AddressEditor(postal, default_country)
        self.home.setObjectName("home_address")
        self.invoice.setObjectName("invoice_address")
        for editor in (self.home, self.invoice):  # two editors: their Alt letters would clash (and with the menus)
            strip_mnemonics(editor)
        home_box, invoice_box = QGroupBox("Adress"), QGroupBox("Fakturaadress (tom = samma som adressen)")
        QVBoxLayout(home_box).addWidget(self.home)
        QVBoxLayout(invoice_box).addWidget(self.invoice)
        self.edit.form.addRow(home_box)
        self.edit.form.addRow(invoice_box)
        self.edit.fields.update({"country": self.home.country, "street": self.home.street,
                                 "invoice_country": self.invoice.country, "invoice_street": self.invoice.street})
        layout = QVBoxLayout(self)
        layout.addWidget(self.edit)
        layout.addStretch(1)
        self.edit.save_button.clicked.connect(self.save)

    @staticmethod
    def _as_dict(address: AddressData | None) -> dict[str, str]:
        if address is None:
            return {}
        return {"street": address.street, "co": address.co, "postal_code": address.postal_code,
                "town": address.town, "country": address.country}

    def load(self, data: PersonCardData) -> None:
        self.home.set_value(self._as_dict(data.home_address))
        self.invoice.set_value(self._as_dict(data.invoice_address))
        self.edit.clear_error()

    def save(self) -> None:
        home, invoice = AddressData(**self.home.value()), AddressData(**self.invoice.value())
        self.card.save(pe.UpdateAddressesRoutine,
                       pe.UpdateAddresses(self.card.person_id, home, None if invoice.is_empty else invoice), self.edit)
