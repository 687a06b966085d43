"""Överlåt (SPEC §6): all seven steps, for an existing or a new receiver.

Identifiering (the transferor or an ombud) → Sök kund (the receiver, or "Registrera ny kund")
→ Legitimering (the receiver; the type is the transferor's and cannot be changed) →
Personuppgifter (an existing receiver's data prefilled) → Produkter (only when the product has
add-ons for Överlåtelse, e.g. överlåtelseavgift) → Inpasseringsuppgifter (an existing
receiver's card and photo shown) → Bekräfta (both persons, what is transferred, what ends, the
payment). The shared registration pages are reused; Personuppgifter and Inpasseringsuppgifter
are rebuilt when another receiver is chosen on Sök kund, since they belong to one person.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from PySide6.QtWidgets import QWidget

from app.domain.legitimation import CUSTOMER_TYPE_LABELS, Legitimation
from app.domain.money import format_sek
from app.errors import NotFound
from app.menus import MenuTarget
from app.queries.catalog import ProductRow, existing_customer_prefill
from app.routines.registration_data import AccessData, ProductChoice
from app.routines.subscriptions import SubscriptionRowPreview, TransferSubscription, TransferSubscriptionRoutine
from widgets.services import UiServices
from wizards.base import PageId
from wizards.pages.inpassering import InpasseringPage
from wizards.pages.legitimering import LegitimeringPage
from wizards.pages.personuppgifter import PersonuppgifterPage
from wizards.pages.produkter import ProductOffer, ProdukterPage
from wizards.registration import type_text
from wizards.subscription.pages.sok_kund import SokKundPage
from wizards.subscription.wizards import SOK_KUND, SubscriptionWizard, d


@dataclass(frozen=True)
class TransferProductsPreview:
    """What the shared Produkter page shows for Överlåt (the page reads a registration preview's fields)."""

    total_ore: int
    start_date: date
    charged_through: date
    monthly_ore: int | None = None
    binding_months: int = 0
    binding_end: date | None = None
    needs_mandate: bool = False
    adjustment_total_ore: int = 0
    lines: tuple = ()
    warnings: tuple[str, ...] = field(default_factory=tuple)


class TransferWizard(SubscriptionWizard):
    def __init__(self, services: UiServices, target: MenuTarget, parent: QWidget | None = None) -> None:
        from db.models import Person, Subscription

        super().__init__(services, "Överlåt abonnemang", target, TransferSubscriptionRoutine(services.core), parent)
        with services.core.sessions() as session:
            sub = session.get(Subscription, self.subscription_id)
            transferor = session.get(Person, sub.user_id)
            self.transferor_type = transferor.customer_type or "ordinarie"
            self.transferor_text = (f"{transferor.first_name} {transferor.last_name}, kundnummer "
                                    f"{transferor.customer_number}")
            product = sub.product
            self.product_row = ProductRow(product.id, product.name, product.payment or "kontant", sub.price_ore,
                                          product.interval_months, product.validity_months, 0, 0,
                                          product.vat_basis_points)
            self.price_list_id = sub.price_list_id
            self.valid_through = sub.charged_through
        self.receiver: int | None = None
        self.receiver_set = False
        self.receiver_birth: date | None = None
        self.offered = self.routine.offered_addons(self.subscription_id)

        self.identifiering.setTitle("Identifiering")
        self.identifiering.setSubTitle("Kontrollera legitimationen hos den som överlåter: kunden själv eller ett "
                                       "ombud.")
        self.sok_kund = SokKundPage(services, lambda pid: self.routine.receiver_reasons(self.subscription_id, pid),
                                    self.person_id)
        label = CUSTOMER_TYPE_LABELS.get(self.transferor_type, self.transferor_type)
        self.legitimering = LegitimeringPage(
            services, birth_date=lambda: self.receiver_birth,
            current=Legitimation(customer_type=self.transferor_type, id_document="svensk"),
            current_note=f"Mottagaren ska legitimeras som {label}, samma kundtyp som överlåtaren.")
        self.legitimering.type_box.setEnabled(False)
        self.personuppgifter: PersonuppgifterPage | None = None
        self.inpassering: InpasseringPage | None = None
        self.produkter = ProdukterPage(services, title="Produkter") if self.offered else None
        self.setPage(SOK_KUND, self.sok_kund)
        self.setPage(PageId.LEGITIMERING, self.legitimering)
        if self.produkter is not None:
            self.setPage(PageId.PRODUKTER, self.produkter)
        self.receiver_chosen(None, first=True)

    # -- the receiver ---------------------------------------------------------------
    def receiver_chosen(self, receiver_id: int | None, *, first: bool = False) -> None:
        """Sök kund's Nästa: (re)build the pages that belong to the receiver when another one was chosen."""
        from db.models import Person

        if not first and self.receiver_set and receiver_id == self.receiver:
            return
        self.receiver = receiver_id
        self.receiver_set = not first
        self.receiver_birth = None
        person = PersonuppgifterPage(self.services, new_customer=receiver_id is None, person_id=receiver_id,
                                     age_check=self.legitimering.check_ages, on_open_existing=self._use_existing)
        if receiver_id is not None:
            with self.services.core.sessions() as session:
                data = existing_customer_prefill(session, receiver_id)
                self.receiver_birth = session.get(Person, receiver_id).birth_date
            person.set_person_data(data)
        self._replace(PageId.PERSONUPPGIFTER, person)
        self.personuppgifter = person
        access = InpasseringPage(self.services, person_id=receiver_id)
        self._replace(PageId.INPASSERING, access)
        self.inpassering = access

    def _replace(self, page_id: int, page) -> None:
        old = self.page(page_id)
        if old is not None:
            old.shutdown()
            self.removePage(page_id)
            old.deleteLater()
        self.setPage(page_id, page)

    def _use_existing(self, person_id: int) -> None:
        """Personuppgifter found the personnummer among the customers: choose that customer on Sök kund instead."""
        from db.models import Person

        with self.services.core.sessions() as session:
            person = session.get(Person, person_id)
            if person is None:
                raise NotFound("Kunden finns inte längre i registret.")
            number = str(person.customer_number)
        while self.currentId() != SOK_KUND and len(self.visitedIds()) > 1:
            self.back()
        self.sok_kund.search_for(number)
        self.sok_kund.select_person(person_id)

    # -- what the shared Produkter page asks -------------------------------------------
    def product_offer(self) -> ProductOffer:
        name = f"överlåts, giltigt t.o.m. {d(self.valid_through)}"
        return ProductOffer(self.price_list_id or 0, name, (self.product_row,),
                            {self.product_row.id: tuple(self.offered)}, fixed_product_id=self.product_row.id)

    def preview_products(self, choice: ProductChoice) -> TransferProductsPreview:
        preview = self.routine.preview(self._command(choice.addon_ids, AccessData()))
        return TransferProductsPreview(preview.total_ore, self.services.core.clock.today(), preview.valid_through)

    # -- the command -------------------------------------------------------------------
    def addon_ids(self) -> tuple[int, ...]:
        if self.produkter is None:
            return ()
        choice = self.produkter.choice()
        return choice.addon_ids if choice is not None else tuple(a.id for a in self.offered if a.mandatory)

    def _command(self, addon_ids: tuple[int, ...], access: AccessData) -> TransferSubscription:
        return TransferSubscription(
            self.subscription_id, legitimation=self.legitimering.legitimation(), receiver_id=self.receiver,
            receiver_person=self.personuppgifter.person_data(), access=access, addon_ids=addon_ids,
            agent_name=self.identifiering.agent(), command_id=self.command_id)

    def command(self) -> TransferSubscription:
        return self._command(self.addon_ids(), self.inpassering.access())

    def base_rows(self) -> list[tuple[str, str]]:
        return [("Överlåtare", self.transferor_text), ("Identifierad", self.who())]

    def table_amounts(self) -> bool:
        return False  # what the receiver pays is the order lines, not the transferred rows

    def summary_rows(self, p) -> list[tuple[str, str]]:
        receiver = (f"{p.receiver_name}, kundnummer {p.receiver_customer_number}" if p.receiver_id is not None
                    else f"{p.receiver_name} (ny kund)")
        rows = [("Mottagare", receiver),
                ("Mottagarens kundtyp", type_text(p.customer_type, self.legitimering.legitimation().pensioner_subtype,
                                                  p.price_guarantee_until)),
                ("Överlåts", f"{p.product_name}, giltigt t.o.m. {d(p.valid_through)}"),
                ("Överlåtarens tillägg", ", ".join(r.product_name for r in p.ended_addons)
                 + f" avslutas {d(self.today())}" if p.ended_addons else "Inga")]
        card = p.card_number or ("Behåller nuvarande kort" if p.receiver_id is not None else "Inget kort")
        if p.blocks_card_number:
            card += f" (kort {p.blocks_card_number} spärras)"
        rows.append(("Mottagarens kort", card))
        rows.append(("Foto", "Nytt foto" if self.inpassering.access().photo_jpeg else "Inget nytt foto"))
        if p.total_ore:
            rows.append(("Betalas av", f"{p.receiver_name}: {format_sek(p.total_ore)}"))
        return rows

    def today(self) -> date:
        return self.services.core.clock.today()

    def table_rows(self):
        p = self.last_preview
        if p is None:
            return ()
        main = SubscriptionRowPreview(p.subscription_id, p.product_name, "kontant", False, p.valid_through,
                                      p.valid_through)
        return (main, *p.ended_addons)

    def involved_person_ids(self) -> set[int]:
        return {self.person_id, self.info.user_id}

    def after_success(self, result) -> None:
        self.services.bus.person_changed.emit(int(result.receiver_id))
        super().after_success(result)

    def done_text(self) -> str:
        return "Abonnemanget är överlåtet."
