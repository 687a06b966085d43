"""Flow 6, Nytt medlemskort (SPEC §5): Identifiering → Produkter → Inpasseringsuppgifter → Bekräfta.

Started from the person menu (shown only when membership-card products are
configured). The customer or an ombud identifies; a membership-card product is
chosen; the new card is swiped or typed (it must be new and free); Slutför
blocks the old card and opens the product's order in the till.
"""
from __future__ import annotations

import uuid

from PySide6.QtWidgets import QWidget

from app.errors import UserError, ValidationError
from app.orders import require_till
from app.queries.catalog import price_list_for, product_price
from app.routines.membership_card import MembershipCardResult, NewMembershipCardRoutine
from app.routines.registration_data import NewMembershipCard
from app.settings import load_settings
from widgets.services import UiServices
from wizards.base import PageId, ReceptionWizard, keep_open
from wizards.pages.identifiering import IdentifieringPage
from wizards.pages.inpassering import InpasseringPage
from wizards.pages.produkter import CardProduct, MembershipCardProductPage
from wizards.pages.sammanfattning import SammanfattningPage, Summary

TITLE = "Nytt medlemskort"


class MembershipCardWizard(ReceptionWizard):
    def __init__(self, services: UiServices, person_id: int, parent: QWidget | None = None) -> None:
        super().__init__(services, TITLE, parent)
        self.person_id = person_id
        self.command_id = str(uuid.uuid4())
        self.routine = NewMembershipCardRoutine(services.core)
        self.identifiering = IdentifieringPage(services, person_id)
        self.produkter = MembershipCardProductPage(services, self.card_products)
        self.inpassering = InpasseringPage(services, person_id=person_id, require_card=True)
        self.bekrafta = SammanfattningPage(services, title="Bekräfta",
                                           subtitle="Det gamla kortet spärras när du klickar på Slutför.")
        self.setPage(PageId.IDENTIFIERING, self.identifiering)
        self.setPage(PageId.PRODUKTER, self.produkter)
        self.setPage(PageId.INPASSERING, self.inpassering)
        self.setPage(PageId.SAMMANFATTNING, self.bekrafta)

    def card_products(self) -> list[CardProduct]:
        """The configured membership-card products at this customer's price."""
        from db.models import Person, Product

        with self.services.core.sessions() as session:
            settings = load_settings(session)
            person = session.get(Person, self.person_id)
            list_id = price_list_for(session, settings, person.customer_type, person.organisation_id)
            result = []
            for pid in settings.membership_card_products:
                product = session.get(Product, pid)
                if product is not None and product.active:
                    result.append(CardProduct(product.id, product.name, product_price(session, list_id, pid)))
            return result

    def command(self) -> NewMembershipCard:
        return NewMembershipCard(person_id=self.person_id, product_id=self.produkter.product_id(),
                                 access=self.inpassering.access(), agent_name=self.identifiering.agent(),
                                 command_id=self.command_id)

    def summary(self) -> Summary:
        preview = self.routine.preview(self.command())
        who = f"Ombud: {self.identifiering.agent()}" if self.identifiering.agent() else "Kunden själv"
        rows = [("Kund", self.identifiering.person_text), ("Identifierad", who),
                ("Medlemskort", preview.product_name), ("Nytt kort", preview.card_number)]
        if preview.blocks_card_number:
            rows.append(("Spärras", f"Kort {preview.blocks_card_number}"))
        if self.inpassering.access().photo_jpeg:
            rows.append(("Foto", "Nytt foto"))
        return Summary(tuple(rows), ((f"{preview.product_name}, kort {preview.card_number}", preview.price_ore),),
                       preview.price_ore)

    def run(self) -> MembershipCardResult:
        return self.routine.execute(self.command(), self.services.actor)


def start_new_membership_card(services: UiServices, person_id: int,
                              parent: QWidget | None = None) -> MembershipCardWizard | None:
    """Flow 6, from the person menu's "Nytt medlemskort"."""
    try:
        require_till(services.core)
        with services.core.sessions() as session:
            if not load_settings(session).membership_card_products:
                raise ValidationError("Inga medlemskortsprodukter är inställda (Inställningar > Nytt medlemskort).")
        wizard = MembershipCardWizard(services, person_id, parent)
    except UserError as err:
        ReceptionWizard.error_box(parent, err)
        return None
    return keep_open(services, wizard)
