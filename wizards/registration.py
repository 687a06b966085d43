"""Registration flows 1, 2 and 5 (SPEC §5) built from the shared pages, and their entry points.

1 Registrera ny privatkund — ``start_new_private_customer(services, prefill)``, from "Registrera ny kund"
  and the Personuppslagning tab (prefilled from the lookup).
2 Teckna abonnemang som befintlig privatkund — ``start_subscription_for_existing(services, person_id)``,
  from the person menu; prefilled from the customer; refused up front when the months-in-advance rule
  says no.
5 Hämta ut onlineköp — ``start_online_pickup(services, person_id)``, from the person menu when a purchase
  awaits pickup; prefilled from the customer and the purchase.

Pages: Legitimering → Personuppgifter → Produkter → (Autogiromedgivande) → Inpasseringsuppgifter →
Sammanfattning. Nothing is written until Slutför, which runs ``RegisterRoutine.execute`` — one
transaction that re-checks everything.

Age rules (decision): the seeds' order puts Legitimering before Personuppgifter. When the birth date
is known on Legitimering (an existing customer, or a personnummer from Personuppslagning) the age
rules are checked there; otherwise Personuppgifter checks them as soon as the personnummer is given,
with the message under the personnummer. The routine checks them again at Slutför.

:class:`RegistrationWizard` is the base the organisation flows (3, 4) extend: override
``organisation_id``, ``preorder_id``, ``new_preorder``, ``fixed_product_id`` and add the Sök
organisation / Förbeställningar pages with ``setPage(PageId.SOK_ORGANISATION, ...)`` etc.
"""
from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import date

from PySide6.QtWidgets import QWidget

from app.domain.legitimation import (CUSTOMER_TYPE_LABELS, ID_DOCUMENT_LABELS, PENSIONER_LABELS, RESIDENCE_LABELS,
                                     Legitimation)
from app.domain.money import format_sek
from app.domain.personnummer import parse_personnummer
from app.errors import NotFound, UserError, ValidationError
from app.orders import require_till
from app.postal import format_postal_code
from app.queries.catalog import (AddonRow, ProductRow, addons_for, existing_customer_prefill, main_products,
                                 pending_online_purchase, price_list_for, price_list_name,
                                 product_price, signing_verdict)
from app.routines.register import RegisterRoutine, RegistrationPreview
from app.routines.registration_data import (ADDON_ROUTINE_FOR_FLOW, FLOWS, AccessData, MandateData, NewPreOrder,
                                            ProductChoice, Registration, RegistrationResult)
from app.settings import load_settings
from widgets.services import UiServices
from wizards.base import PageId, ReceptionWizard, keep_open
from wizards.pages.autogiro import AutogiroPage, masked_account
from wizards.pages.inpassering import InpasseringPage
from wizards.pages.legitimering import LegitimeringPage
from wizards.pages.personuppgifter import PersonuppgifterPage
from wizards.pages.produkter import ProductOffer, ProdukterPage
from wizards.pages.sammanfattning import SammanfattningPage, Summary

NEW_CUSTOMER_FLOWS = ("ny_privatkund", "ny_organisationskund")
# Only for the Produkter page's price summary before the real mandate is typed: the routine's preview
# refuses an AG product without a mandate, and the page must still show what the choice costs.
_PROVISIONAL_MANDATE = MandateData("Provisorisk", "19850709-9805", "5000", "1234560")
_NEEDS_MANDATE_PREFIX = "Ett autogiroabonnemang kräver ett autogiromedgivande"


def type_text(customer_type: str, subtype: str | None, valid_until: date | None) -> str:
    text = CUSTOMER_TYPE_LABELS.get(customer_type, customer_type)
    if subtype:
        text += f" ({PENSIONER_LABELS.get(subtype, subtype)})"
    if valid_until is not None:
        text += f", prisgaranti t.o.m. {valid_until:%Y-%m-%d}"
    return text


class RegistrationWizard(ReceptionWizard):
    """Flows 1–5: the shared pages in SPEC order, a command built from them, Slutför through RegisterRoutine."""

    def __init__(self, services: UiServices, flow: str, *, person_id: int | None = None, purchase=None,
                 current: Legitimation | None = None, current_note: str = "", parent: QWidget | None = None) -> None:
        super().__init__(services, FLOWS[flow], parent)
        self.flow = flow
        self.person_id = person_id
        self.purchase = purchase            # OnlinePurchaseRow in flow 5
        self.command_id = str(uuid.uuid4())  # stable across Slutför attempts: a double Slutför runs once
        self.routine = RegisterRoutine(services.core)
        self.build_pages(current, current_note)

    def build_pages(self, current: Legitimation | None, current_note: str) -> None:
        s = self.services
        self.personuppgifter = PersonuppgifterPage(
            s, new_customer=self.flow in NEW_CUSTOMER_FLOWS, person_id=self.person_id, age_check=self._age_check,
            on_open_existing=self._open_existing)
        self.legitimering = LegitimeringPage(
            s, birth_date=self.personuppgifter.birth_date_value, organisation_customer=self.is_organisation_flow(),
            has_preorder=self.has_preorder, current=current, current_note=current_note)
        self.produkter = ProdukterPage(s)
        self.autogiro = AutogiroPage(s, person_id=self.person_id, holder=self._holder)
        self.inpassering = InpasseringPage(s, person_id=self.person_id)
        self.sammanfattning = SammanfattningPage(s)
        self.setPage(PageId.LEGITIMERING, self.legitimering)
        self.setPage(PageId.PERSONUPPGIFTER, self.personuppgifter)
        self.setPage(PageId.PRODUKTER, self.produkter)
        self.setPage(PageId.AUTOGIRO, self.autogiro)
        self.setPage(PageId.INPASSERING, self.inpassering)
        self.setPage(PageId.SAMMANFATTNING, self.sammanfattning)

    # -- hooks for the organisation flows ---------------------------------------
    def is_organisation_flow(self) -> bool:
        return self.flow in ("ny_organisationskund", "avtal_forbestallning")

    def organisation_id(self) -> int | None:
        return None

    def preorder_id(self) -> int | None:
        return None

    def new_preorder(self) -> NewPreOrder | None:
        return None

    def has_preorder(self) -> bool:
        """A chosen pre-order that proves the organisation membership (no tick needed on Legitimering)."""
        return False

    def fixed_product_id(self) -> int | None:
        """Only this main product is offered (the online purchase; a pre-order's product)."""
        return self.purchase.product_id if self.purchase is not None else None

    # -- what the pages ask -----------------------------------------------------
    def _age_check(self, birth_date: date | None) -> None:
        self.legitimering.check_ages(birth_date)

    def _holder(self) -> tuple[str, str]:
        data = self.personuppgifter.person_data()
        name = " ".join(f"{data.first_name} {data.last_name}".split())
        return name, data.personnummer

    def _open_existing(self, person_id: int) -> None:
        """"Öppna kunden": the registration is dropped in favour of the existing customer."""
        self._entered = False
        self.reject()
        self.services.bus.open_person.emit(person_id)

    def product_offer(self) -> ProductOffer:
        from db.models import Product

        leg = self.legitimering.legitimation()
        routine = ADDON_ROUTINE_FOR_FLOW[self.flow]
        with self.services.core.sessions() as session:
            settings = load_settings(session)
            if self.purchase is not None and leg.customer_type == self.purchase.customer_type:
                list_id = self.purchase.price_list_id
            else:
                list_id = price_list_for(session, settings, leg.customer_type, self.organisation_id())
            products = main_products(session, list_id)
            fixed = self.fixed_product_id()
            if fixed is not None and all(p.id != fixed for p in products):
                p = session.get(Product, fixed)
                if p is None:
                    raise NotFound("Produkten finns inte längre.")
                products.append(ProductRow(p.id, p.name, p.payment or "kontant", product_price(session, list_id, p.id),
                                           p.interval_months, p.validity_months, p.binding_months, p.notice_months,
                                           p.vat_basis_points))
            prepaid = tuple(self.purchase.addon_ids) if self.purchase is not None else ()
            addons: dict[int, tuple[AddonRow, ...]] = {}
            for product in products:
                offered = {a.id: a for a in addons_for(session, product.id, list_id, routine)}
                for pid in prepaid if product.id == fixed else ():
                    if pid not in offered:
                        p = session.get(Product, pid)
                        if p is not None:
                            offered[pid] = AddonRow(p.id, p.name, "obligatoriskt", product_price(session, list_id, pid),
                                                    p.payment, p.is_subscription, p.interval_months,
                                                    p.validity_months, p.vat_basis_points)
                addons[product.id] = tuple(offered.values())
            return ProductOffer(list_id, price_list_name(session, list_id), tuple(products), addons, tuple(prepaid),
                                fixed)

    def registration(self, *, products: ProductChoice | None, mandate: MandateData | None,
                     access: AccessData) -> Registration:
        return Registration(
            flow=self.flow, person=self.personuppgifter.person_data(), legitimation=self.legitimering.legitimation(),
            products=products, access=access, mandate=mandate, person_id=self.person_id,
            organisation_id=self.organisation_id(), preorder_id=self.preorder_id(), new_preorder=self.new_preorder(),
            online_purchase_id=self.purchase.id if self.purchase is not None else None, command_id=self.command_id)

    def preview_products(self, choice: ProductChoice) -> RegistrationPreview:
        command = self.registration(products=choice, mandate=None, access=AccessData())
        try:
            return self.routine.preview(command)
        except ValidationError as err:
            if err.field != "mandate" or not err.message.startswith(_NEEDS_MANDATE_PREFIX):
                raise
        return self.routine.preview(replace(command, mandate=_PROVISIONAL_MANDATE))

    def mandate_on_path(self) -> bool:
        return PageId.AUTOGIRO in self.visitedIds()

    def command(self) -> Registration:
        mandate = self.autogiro.mandate() if self.mandate_on_path() else None
        return self.registration(products=self.produkter.choice(), mandate=mandate,
                                 access=self.inpassering.access())

    def summary(self) -> Summary:
        preview = self.routine.preview(self.command())
        return Summary(self.summary_rows(preview), tuple((li.description, li.amount_ore) for li in preview.lines),
                       preview.total_ore, preview.warnings)

    def summary_rows(self, preview: RegistrationPreview) -> tuple[tuple[str, str], ...]:
        today = self.services.core.clock.today()
        data = self.personuppgifter.person_data()
        leg = self.legitimering.legitimation()
        rows = [("Kundtyp", type_text(preview.customer_type, preview.pensioner_subtype, preview.price_guarantee_until))]
        legit = ID_DOCUMENT_LABELS[leg.id_document]
        if leg.residence_proof:
            legit += f", {RESIDENCE_LABELS[leg.residence_proof]}"
        rows.append(("Legitimering", legit))
        rows.append(("Namn", " ".join(f"{data.first_name} {data.last_name}".split())))
        if data.personnummer.strip():
            rows.append(("Personnummer", parse_personnummer(data.personnummer, today).formatted()))
        else:
            rows.append(("Födelsedatum", f"{data.birth_date:%Y-%m-%d}" if data.birth_date else ""))
        a = data.address
        if data.protected_identity:
            rows.append(("Adress", "Skyddad identitet"))
        elif not a.is_empty:
            code = format_postal_code(a.postal_code, a.country)
            rows.append(("Adress", ", ".join(x for x in (a.street, a.co, f"{code} {a.town}".strip()) if x)))
        rows += [("E-post", data.email.strip()), ("Mobil", data.mobile.strip())]
        for label, value in (("Telefon hem", data.phone_home), ("Telefon arbete", data.phone_work)):
            if value.strip():
                rows.append((label, value.strip()))
        rows.append(("Abonnemang", f"{preview.product_name} ({preview.price_list_name})"))
        start = f"{preview.start_date:%Y-%m-%d}" + (" (kommande)" if preview.status == "kommande" else "")
        rows.append(("Startdatum", start))
        rows.append(("Debiterat t.o.m.", f"{preview.charged_through:%Y-%m-%d}"))
        if preview.binding_months:
            rows.append(("Bindningstid", f"{preview.binding_months} mån, t.o.m. {preview.binding_end:%Y-%m-%d}"))
        if preview.monthly_ore is not None:
            rows.append(("Per månad (autogiro)", format_sek(preview.monthly_ore)))
        mandate = self.autogiro.mandate() if self.mandate_on_path() else None
        if mandate is not None:
            rows.append(("Autogiromedgivande", f"{' '.join(mandate.holder_name.split())}, clearing "
                                               f"{mandate.clearing.strip()}, konto "
                                               f"{masked_account(''.join(mandate.account.split()))}"))
        elif preview.needs_mandate:
            rows.append(("Autogiromedgivande", "Nuvarande medgivande behålls"))
        card = preview.card_number or "Inget nytt kort"
        if preview.blocks_card_number:
            card += f" (kort {preview.blocks_card_number} spärras)"
        rows.append(("Kort", card))
        rows.append(("Foto", "Nytt foto" if self.inpassering.access().photo_jpeg else "Inget nytt foto"))
        return tuple(rows)

    def run(self) -> RegistrationResult:
        return self.routine.execute(self.command(), self.services.actor)


# --------------------------------------------------------------------------
# Entry points
# --------------------------------------------------------------------------


def _refuse(services: UiServices, err: UserError, parent: QWidget | None) -> None:
    ReceptionWizard.error_box(parent, err)


def start_new_private_customer(services: UiServices, prefill: dict | None = None,
                               parent: QWidget | None = None) -> RegistrationWizard | None:
    """Flow 1. ``prefill``: the Personuppslagning dict (personnummer, first_name, last_name, street, co,
    postal_code, town, protected_identity)."""
    try:
        require_till(services.core)
    except UserError as err:
        _refuse(services, err, parent)
        return None
    wizard = RegistrationWizard(services, "ny_privatkund", parent=parent)
    if prefill:
        wizard.personuppgifter.set_prefill(prefill)
    return keep_open(services, wizard)


def _existing_legitimation(person) -> tuple[Legitimation, str]:
    current = Legitimation(customer_type=person.customer_type or "ordinarie", id_document="svensk",
                           pensioner_subtype=person.pensioner_subtype)
    note = "Nuvarande kundtyp: " + type_text(person.customer_type, person.pensioner_subtype,
                                               person.price_guarantee_until)
    return current, note + ". Kontrollera handlingarna på nytt."


def start_subscription_for_existing(services: UiServices, person_id: int,
                                    parent: QWidget | None = None) -> RegistrationWizard | None:
    """Flow 2, from the person menu's "Teckna abonnemang"."""
    from db.models import Person

    core = services.core
    try:
        require_till(core)
        with core.sessions() as session:
            person = session.get(Person, person_id)
            if person is None:
                raise NotFound("Kunden finns inte längre i registret. Sök fram kunden igen.")
            verdict = signing_verdict(session, load_settings(session), person_id, "befintlig_privatkund",
                                      core.clock.today())
            if not verdict:
                raise ValidationError(verdict.reason)
            data = existing_customer_prefill(session, person_id)
            current, note = _existing_legitimation(person)
    except UserError as err:
        _refuse(services, err, parent)
        return None
    wizard = RegistrationWizard(services, "befintlig_privatkund", person_id=person_id, current=current,
                                current_note=note, parent=parent)
    wizard.personuppgifter.set_person_data(data)
    return keep_open(services, wizard)


def start_online_pickup(services: UiServices, person_id: int,
                        parent: QWidget | None = None) -> RegistrationWizard | None:
    """Flow 5, from the person menu's "Hämta ut onlineköp" (shown only while a purchase awaits pickup)."""
    core = services.core
    try:
        require_till(core)
        with core.sessions() as session:
            purchase = pending_online_purchase(session, person_id)
            if purchase is None:
                raise NotFound("Kunden har inget onlineköp som väntar på att hämtas ut.")
            verdict = signing_verdict(session, load_settings(session), person_id, "uthamtning", core.clock.today())
            if not verdict:  # the menu entry is disabled with this reason; a stale card still gets it here
                raise ValidationError(verdict.reason)
            data = existing_customer_prefill(session, person_id)
    except UserError as err:
        _refuse(services, err, parent)
        return None
    current = Legitimation(customer_type=purchase.customer_type, id_document="svensk")
    note = (f"Onlineköp {purchase.registered_on:%Y-%m-%d}: {purchase.product_name} som "
            f"{CUSTOMER_TYPE_LABELS.get(purchase.customer_type, purchase.customer_type)}, betalt "
            f"{format_sek(purchase.price_paid_ore)}. Kan kunden inte styrka kundtypen, välj Ordinarie: "
            "prisjusteringen läggs på ordern i kassan.")
    wizard = RegistrationWizard(services, "uthamtning", person_id=person_id, purchase=purchase, current=current,
                                current_note=note, parent=parent)
    wizard.personuppgifter.set_person_data(data)
    return keep_open(services, wizard)
