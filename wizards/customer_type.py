"""Flow 7, Intyga/Ändra kundtyp (SPEC §5): Legitimering → Bekräfta.

Renew a time-limited proof (same type, a later validity date: the price
guarantee moves forward) or change type by showing the new type's proof (the
new type's price list applies to the customer's subscriptions from the next
debit — Bekräfta lists each price change). Nothing is charged at the desk.
"""
from __future__ import annotations

import uuid

from PySide6.QtWidgets import QWidget

from app.domain.legitimation import Legitimation
from app.domain.money import format_sek
from app.errors import NotFound, UserError
from app.routines.customer_type import CertifyCustomerTypeRoutine, CustomerTypeResult
from app.routines.registration_data import CertifyCustomerType
from widgets.services import UiServices
from wizards.base import PageId, ReceptionWizard, keep_open
from wizards.pages.legitimering import LegitimeringPage
from wizards.pages.sammanfattning import SammanfattningPage, Summary
from wizards.registration import type_text

TITLE = "Intyga/Ändra kundtyp"


class CustomerTypeWizard(ReceptionWizard):
    def __init__(self, services: UiServices, person_id: int, parent: QWidget | None = None) -> None:
        super().__init__(services, TITLE, parent)
        from db.models import Person

        self.person_id = person_id
        self.command_id = str(uuid.uuid4())
        self.routine = CertifyCustomerTypeRoutine(services.core)
        with services.core.sessions() as session:
            person = session.get(Person, person_id)
            if person is None:
                raise NotFound("Kunden finns inte längre i registret. Sök fram kunden igen.")
            self.person_name = f"{person.first_name} {person.last_name}"
            self.birth_date = person.birth_date
            self.current_text = type_text(person.customer_type, person.pensioner_subtype,
                                          person.price_guarantee_until)
            current = Legitimation(customer_type=person.customer_type, id_document="svensk",
                                   pensioner_subtype=person.pensioner_subtype)
        self.legitimering = LegitimeringPage(
            services, birth_date=lambda: self.birth_date, current=current,
            current_note=f"{self.person_name} – nuvarande kundtyp: {self.current_text}. Förnya intyget med ett nytt "
                         "giltighetsdatum, eller välj en annan kundtyp och kontrollera dess intyg.")
        self.bekrafta = SammanfattningPage(services, title="Bekräfta",
                                           subtitle="Kontrollera den nya kundtypen innan du klickar på Slutför.")
        self.setPage(PageId.LEGITIMERING, self.legitimering)
        self.setPage(PageId.SAMMANFATTNING, self.bekrafta)

    def command(self) -> CertifyCustomerType:
        return CertifyCustomerType(self.person_id, self.legitimering.legitimation(), command_id=self.command_id)

    def summary(self) -> Summary:
        p = self.routine.preview(self.command())
        rows = [("Kund", self.person_name), ("Nuvarande kundtyp", self.current_text),
                ("Ny kundtyp", type_text(p.customer_type, p.pensioner_subtype, p.price_guarantee_until)),
                ("Åtgärd", "Förnyat intyg" if p.renewal else "Byte av kundtyp"), ("Prislista", p.price_list_name)]
        for change in p.price_changes:
            rows.append((change.product_name, f"{format_sek(change.old_price_ore)} → "
                                              f"{format_sek(change.new_price_ore)} från nästa debitering"))
        return Summary(tuple(rows), warnings=p.warnings)

    def run(self) -> CustomerTypeResult:
        return self.routine.execute(self.command(), self.services.actor)


def start_certify_customer_type(services: UiServices, person_id: int,
                                parent: QWidget | None = None) -> CustomerTypeWizard | None:
    """Flow 7, from the person menu's "Intyga/Ändra kundtyp"."""
    try:
        wizard = CustomerTypeWizard(services, person_id, parent)
    except UserError as err:
        ReceptionWizard.error_box(parent, err)
        return None
    return keep_open(services, wizard)
