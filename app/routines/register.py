"""The registration routine behind the wizards of SPEC §5, flows 1–5.

1 Registrera ny privatkund, 2 Teckna abonnemang som befintlig privatkund,
3 Registrera ny organisationskund, 4 Utnyttja avtal/förbeställning,
5 Hämta ut onlineköp. One command (:class:`Registration`) carries everything the
pages collected; ``preview`` shows what Slutför would do (order lines, first
payment, monthly amount, warnings) and ``execute`` re-checks every rule against
the database as it is now and writes it all in the engine's one transaction:
person, customer type with proof, subscription and add-on subscriptions,
mandate, card, photo, pre-order used (exactly once), e-mail to the account
manager, internal message, online purchase picked up, and the order for the till.
The rules and the choices behind them: docs/decisions/registration.md.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from sqlalchemy import exc, select, update
from sqlalchemy.orm import Session

from app.context import Actor
from app.domain.eligibility import may_start_registration, new_subscription_start
from app.domain.legitimation import CUSTOMER_TYPE_LABELS, check_legitimation
from app.domain.money import format_sek
from app.domain.personnummer import parse_personnummer
from app.domain.pickup import pickup_extension_days
from app.domain.text import is_email
from app.errors import Conflict, NotFound, ValidationError
from app.orders import OrderLineDraft, create_order, require_till
from app.queries.catalog import (
    AddonRow,
    ProductRow,
    addons_for,
    first_payment,
    main_product,
    main_subscription_state,
    parse_addon_ids,
    price_list_for,
    price_list_name,
    product_price,
    selectable_customer_types,
    subscription_end,
)
from app.routines.base import Routine
from app.routines.customer_type import record_proof
from app.routines.mandate import MANDATE_RACE_MESSAGE, CheckedMandate, check_mandate, check_replaceable, store_mandate
from app.routines.membership_card import CARD_TAKEN_MESSAGE, AccessPlan, check_access, is_card_conflict, store_access
from app.routines.person_data import PersonData, apply_person_data, find_by_personnummer, insert_person, validate_person_data
from app.routines.registration_data import (
    ADDON_ROUTINE_FOR_FLOW,
    FLOWS,
    NewPreOrder,
    ProductChoice,
    Registration,
    RegistrationResult,
)
from app.settings import BusinessSettings, load_settings

ORG_FLOWS = ("ny_organisationskund", "avtal_forbestallning")
NEW_CUSTOMER_FLOWS = ("ny_privatkund", "ny_organisationskund")
RUNNING = ("aktivt", "fryst", "framtida_frysning")
PREORDER_USED_MESSAGE = "Förbeställningen har redan utnyttjats vid en annan kassa."
PURCHASE_PICKED_UP_MESSAGE = "Onlineköpet har redan hämtats ut vid en annan kassa."
DUPLICATE_RACE_MESSAGE = "Det finns redan en kund med det personnumret (en annan kassa hann före). Sök fram kunden."
SUBSCRIPTION_RACE_MESSAGE = ("Kunden fick ett abonnemang registrerat samtidigt vid en annan kassa. "
                             "Sök fram kunden igen.")
_PLAN_KEY = "reception.registration_plan"


class ExistingCustomer(Conflict):
    """A new-customer flow for a personnummer that already is a customer: the wizard offers that customer."""

    def __init__(self, person_id: int, customer_number: int) -> None:
        super().__init__(f"Det finns redan en kund med det personnumret (kundnummer {customer_number}). "
                         "Använd ”Teckna abonnemang som befintlig privatkund” för kunden i stället.",
                         field="personnummer")
        self.person_id = person_id
        self.customer_number = customer_number


@dataclass(frozen=True)
class PreviewLine:
    """One line of the Sammanfattning / the till order. ``kind``: huvud, tillagg, vara, prisjustering, betald_online."""

    description: str
    amount_ore: int
    vat_basis_points: int
    kind: str
    product_id: int | None = None
    period_from: date | None = None
    period_to: date | None = None


@dataclass(frozen=True)
class RegistrationPreview:
    flow: str
    customer_type: str                  # the type the customer gets
    pensioner_subtype: str | None
    price_guarantee_until: date | None  # prisgaranti t.o.m. (None = no expiry)
    price_list_id: int
    price_list_name: str
    product_id: int
    product_name: str
    payment: str                        # AG / kontant
    start_date: date
    status: str                         # aktivt, or kommande when it starts after the current one ends
    charged_through: date               # debiterat t.o.m. after Slutför
    binding_months: int
    binding_end: date | None
    monthly_ore: int | None             # autogiro per month afterwards (None = nothing AG)
    lines: tuple[PreviewLine, ...]
    total_ore: int                      # paid at the till today
    adjustment_total_ore: int           # pickup price adjustments included in total_ore
    needs_mandate: bool
    new_mandate: bool
    card_number: str | None             # the card to be issued (None = no new card)
    blocks_card_number: str | None      # the customer's current card that will be blocked
    warnings: tuple[str, ...] = ()

    @property
    def first_payment_ore(self) -> int:
        return self.total_ore


@dataclass
class _Sub:
    product_id: int
    name: str
    price_ore: int


@dataclass
class _Plan:
    flow: str
    today: date
    settings: BusinessSettings
    data: PersonData
    person_id: int | None
    leg: object
    valid_until: date | None
    organisation: object | None
    price_list_id: int
    main: ProductRow
    addons: list[AddonRow]
    start: date
    status: str
    charged_through: date
    binding_end: date | None
    monthly_ore: int | None
    lines: list[PreviewLine]
    addon_subscriptions: list[_Sub]
    needs_mandate: bool
    mandate: CheckedMandate | None
    access: AccessPlan
    preorder_id: int | None
    new_preorder: NewPreOrder | None
    purchase_id: int | None
    close_subscription_id: int | None
    warnings: list[str] = field(default_factory=list)

    @property
    def total_ore(self) -> int:
        return sum(line.amount_ore for line in self.lines)


class RegisterRoutine(Routine[Registration, RegistrationResult]):
    """Flows 1–5. ``preview(cmd)`` for the summary page, ``execute(cmd, actor)`` for Slutför."""

    name = "Registrering"
    offline_queueable = True  # waits in the desk's outbox while the server is away

    # -- public ---------------------------------------------------------------
    def preview(self, command: Registration) -> RegistrationPreview:
        with self.preview_session() as session:
            plan = self._plan(session, command)
            blocked = None
            if plan.access.block_card_id is not None:
                from db.models import Card

                blocked = session.get(Card, plan.access.block_card_id).card_number
            return RegistrationPreview(
                flow=plan.flow, customer_type=plan.leg.customer_type,
                pensioner_subtype=plan.leg.pensioner_subtype if plan.leg.customer_type == "pensionar" else None,
                price_guarantee_until=plan.valid_until, price_list_id=plan.price_list_id,
                price_list_name=price_list_name(session, plan.price_list_id), product_id=plan.main.id,
                product_name=plan.main.name, payment=plan.main.payment, start_date=plan.start, status=plan.status,
                charged_through=plan.charged_through, binding_months=plan.main.binding_months,
                binding_end=plan.binding_end, monthly_ore=plan.monthly_ore, lines=tuple(plan.lines),
                total_ore=plan.total_ore,
                adjustment_total_ore=sum(li.amount_ore for li in plan.lines if li.kind == "prisjustering"),
                needs_mandate=plan.needs_mandate, new_mandate=plan.mandate is not None,
                card_number=plan.access.card_number, blocks_card_number=blocked, warnings=tuple(plan.warnings),
            )

    def validate(self, session: Session, command: Registration) -> None:
        session.info[_PLAN_KEY] = (command.command_id, self._plan(session, command))

    def perform(self, session: Session, command: Registration, actor: Actor):
        stored = session.info.pop(_PLAN_KEY, None)
        plan = stored[1] if stored and stored[0] == command.command_id else self._plan(session, command)
        return self._write(session, plan, actor)

    def conflict_message(self, error: exc.IntegrityError) -> str:
        text = str(error.orig)
        if is_card_conflict(error):
            return CARD_TAKEN_MESSAGE
        if "personnummer" in text:
            return DUPLICATE_RACE_MESSAGE
        if "used_subscription_id" in text:
            return PREORDER_USED_MESSAGE
        if "uq_subscriptions_running_main" in text or "subscriptions.user_id" in text:
            return SUBSCRIPTION_RACE_MESSAGE
        if "uq_mandates_current" in text or "autogiro_mandates.person_id" in text:
            return MANDATE_RACE_MESSAGE
        return super().conflict_message(error)

    # -- checking -------------------------------------------------------------
    def _plan(self, session: Session, cmd: Registration) -> _Plan:
        from db.models import Organisation, Person

        today = self.core.clock.today()
        if cmd.flow not in FLOWS:
            raise ValidationError("Okänt registreringsflöde.", field="flow")
        require_till(self.core)
        settings = load_settings(session)

        # Organisation (flows 3, 4)
        org = None
        if cmd.flow in ORG_FLOWS:
            if cmd.organisation_id is None:
                raise ValidationError("Välj organisation.", field="organisation_id")
            org = session.get(Organisation, cmd.organisation_id)
            if org is None:
                raise NotFound("Organisationen finns inte längre. Sök fram den igen.")
        elif cmd.organisation_id is not None:
            raise ValidationError("Organisation anges bara när kunden registreras som organisationskund.",
                                  field="organisation_id")

        # Online purchase (flow 5)
        purchase = None
        person_id = cmd.person_id
        if cmd.flow == "uthamtning":
            purchase = self._purchase(session, cmd)
            person_id = purchase.person_id
        elif cmd.online_purchase_id is not None:
            raise ValidationError("Ett onlineköp hämtas ut med ”Hämta ut onlineköp”.", field="online_purchase_id")

        # Person
        data = validate_person_data(cmd.person, today)
        person = None
        if cmd.flow in NEW_CUSTOMER_FLOWS:
            if person_id is not None:
                raise ValidationError("Kunden finns redan; välj flödet för befintlig kund.", field="person_id")
            if data.personnummer:
                existing = find_by_personnummer(session, data.personnummer)
                if existing is not None:
                    raise ExistingCustomer(existing.id, existing.customer_number)
        else:
            if person_id is None:
                raise ValidationError("Sök fram kunden först.", field="person_id")
            person = session.get(Person, person_id)
            if person is None:
                raise NotFound("Kunden finns inte längre i registret. Sök fram kunden igen.")
            if data.personnummer:
                other = find_by_personnummer(session, data.personnummer)
                if other is not None and other.id != person.id:
                    raise Conflict(f"Personnumret tillhör en annan kund (kundnummer {other.customer_number}).",
                                   field="personnummer")

        # Pre-order (flows 3, 4), needed before Legitimering: a matching pre-order proves the membership
        preorder = self._check_preorder_choice(session, settings, cmd, org, data, today)
        has_preorder = preorder is not None and bool(preorder.personnummer) and preorder.personnummer == data.personnummer

        # Legitimering
        leg = replace(cmd.legitimation, organisation_customer=cmd.flow in ORG_FLOWS)
        valid_until = check_legitimation(leg, data.birth_date, today, min_age_ordinarie=settings.min_age_ordinarie,
                                         selectable_types=frozenset(selectable_customer_types(settings)),
                                         has_preorder=has_preorder)

        # Price list and products
        warnings: list[str] = []
        if purchase is not None and leg.customer_type == purchase.customer_type:
            list_id = purchase.price_list_id
        else:
            list_id = price_list_for(session, settings, leg.customer_type, org.id if org else None)
        choice = cmd.products
        if choice is None and purchase is not None:
            choice = ProductChoice(purchase.product_id, parse_addon_ids(purchase.addon_product_ids))
        if choice is None:
            raise ValidationError("Välj ett huvudabonnemang.", field="product_id")
        if purchase is not None:
            main = self._pickup_main(session, purchase, list_id, choice)
        else:
            main = main_product(session, list_id, choice.product_id)
            if main is None:
                raise ValidationError(f"Produkten finns inte på prislistan {price_list_name(session, list_id)}. "
                                      "Välj en produkt från listan.", field="product_id")
        if preorder is not None and preorder.product_id != main.id:
            raise ValidationError(f"Förbeställningen gäller {preorder.product.name}. Välj den produkten.",
                                  field="product_id")
        if cmd.new_preorder is not None and cmd.new_preorder.product_id != main.id:
            raise ValidationError("Förbeställningens produkt och det valda abonnemanget skiljer sig åt.",
                                  field="product_id")
        prepaid_addons = parse_addon_ids(purchase.addon_product_ids) if purchase is not None else ()
        addons = self._addons(session, cmd.flow, main, list_id, choice, prepaid_addons)

        # The customer's current main subscription: months in advance, conversion, start date
        start, close_id = self._start(session, cmd.flow, person, settings, today, purchase)
        if choice.start_date is not None:
            if purchase is not None:
                raise ValidationError("Ett onlineköp gäller från registreringen på nätet; startdatum kan inte väljas.",
                                      field="start_date")
            if choice.start_date < start:
                raise ValidationError(f"Startdatum kan tidigast vara {start:%Y-%m-%d}.", field="start_date")
            start = choice.start_date
        status = "aktivt" if start <= today else "kommande"

        # What is paid
        payment = first_payment(main, addons, start)
        lines = [PreviewLine(li.description, li.amount_ore, li.vat_basis_points, li.kind, li.product_id,
                             li.period_from, li.period_to) for li in payment.lines]
        charged_through = payment.charged_through
        if purchase is not None:
            lines = self._pickup_lines(session, settings, purchase, leg.customer_type, list_id, lines, warnings)
            charged_through += timedelta(days=pickup_extension_days(purchase.registered_on, today,
                                                                    settings.pickup_max_extension_days))
        subs = [_Sub(a.id, a.name, a.price_ore) for a in addons if a.is_subscription and a.payment in ("AG", "kontant")]

        # Autogiro
        needs_mandate = main.payment == "AG" or any(a.payment == "AG" and a.is_subscription for a in addons)
        mandate = None
        if cmd.mandate is not None:
            mandate = check_mandate(cmd.mandate, today)
            check_replaceable(session, person.id if person else None)
            if mandate.warning:
                warnings.append(mandate.warning)
        elif needs_mandate:
            from app.queries.catalog import current_mandate

            if person is None or current_mandate(session, person.id) is None:
                raise ValidationError("Ett autogiroabonnemang kräver ett autogiromedgivande. Fyll i kontouppgifterna "
                                      "på sidan Autogiromedgivande.", field="mandate")

        # Inpasseringsuppgifter
        access = check_access(session, cmd.access, person.id if person else None)

        if org is not None and cmd.new_preorder is not None:
            manager = org.account_manager
            if manager is None or not manager.email:
                warnings.append("Organisationen saknar kundansvarig med e-postadress; ingen e-post om "
                                "förbeställningen skickas.")

        return _Plan(
            flow=cmd.flow, today=today, settings=settings, data=data, person_id=person.id if person else None,
            leg=leg, valid_until=valid_until, organisation=org, price_list_id=list_id, main=main, addons=addons,
            start=start, status=status, charged_through=charged_through, binding_end=payment.binding_end,
            monthly_ore=payment.monthly_ore, lines=lines, addon_subscriptions=subs, needs_mandate=needs_mandate,
            mandate=mandate, access=access, preorder_id=preorder.id if preorder else None,
            new_preorder=cmd.new_preorder, purchase_id=purchase.id if purchase else None,
            close_subscription_id=close_id, warnings=warnings,
        )

    def _purchase(self, session: Session, cmd: Registration):
        from db.models import OnlinePurchase

        if cmd.online_purchase_id is None:
            raise ValidationError("Välj onlineköpet som ska hämtas ut.", field="online_purchase_id")
        purchase = session.get(OnlinePurchase, cmd.online_purchase_id)
        if purchase is None:
            raise NotFound("Onlineköpet finns inte längre.")
        if cmd.person_id is not None and cmd.person_id != purchase.person_id:
            raise ValidationError("Onlineköpet tillhör en annan kund.", field="online_purchase_id")
        if purchase.status == "uthamtad":
            raise Conflict("Onlineköpet är redan uthämtat.")
        if purchase.status != "vantar":
            raise ValidationError("Onlineköpet är makulerat och kan inte hämtas ut.", field="online_purchase_id")
        return purchase

    def _check_preorder_choice(self, session: Session, settings: BusinessSettings, cmd: Registration, org, data,
                               today: date):
        from db.models import PreOrder

        chosen = cmd.preorder_id is not None or cmd.new_preorder is not None
        if org is None:
            if chosen:
                raise ValidationError("Förbeställningar används bara för organisationskunder.", field="preorder_id")
            return None
        active = settings.preorders_enabled and org.uses_preorders
        if not active:
            if chosen:
                raise ValidationError(f"{org.name} använder inte förbeställningar.", field="preorder_id")
            return None
        if cmd.preorder_id is not None and cmd.new_preorder is not None:
            raise ValidationError("Välj antingen en befintlig förbeställning eller lägg till en ny.",
                                  field="preorder_id")
        if not chosen:
            raise ValidationError(f"{org.name} använder förbeställningar. Välj kundens förbeställning eller lägg "
                                  "till en ny.", field="preorder_id")
        if cmd.new_preorder is not None:
            self._check_new_preorder(cmd.new_preorder, data, today)
            return None
        preorder = session.get(PreOrder, cmd.preorder_id)
        if preorder is None or preorder.organisation_id != org.id:
            raise ValidationError(f"Förbeställningen hör inte till {org.name}.", field="preorder_id")
        if preorder.status == "utnyttjad":
            raise Conflict(PREORDER_USED_MESSAGE, field="preorder_id")
        if preorder.status != "oppen":
            raise ValidationError("Förbeställningen är inte längre öppen (utgången eller borttagen).",
                                  field="preorder_id")
        if not preorder.valid_from <= today <= preorder.valid_to:
            raise ValidationError(f"Förbeställningen gäller {preorder.valid_from:%Y-%m-%d} – "
                                  f"{preorder.valid_to:%Y-%m-%d}, inte idag.", field="preorder_id")
        if preorder.personnummer and data.personnummer and preorder.personnummer != data.personnummer:
            raise ValidationError("Förbeställningen gäller en annan person (personnumret stämmer inte).",
                                  field="preorder_id")
        if preorder.personnummer is None and preorder.birth_date is not None and preorder.birth_date != data.birth_date:
            raise ValidationError("Förbeställningen gäller en annan person (födelsedatumet stämmer inte).",
                                  field="preorder_id")
        return preorder

    @staticmethod
    def _check_new_preorder(new: NewPreOrder, data: PersonData, today: date) -> None:
        if not " ".join((new.name or "").split()):
            raise ValidationError("Ange namn på förbeställningen.", field="preorder_name")
        if not is_email(new.email or ""):
            raise ValidationError("Ange en giltig e-postadress på förbeställningen.", field="preorder_email")
        if new.valid_to < new.valid_from:
            raise ValidationError("Förbeställningens giltighet slutar före den börjar.", field="preorder_valid_to")
        if not new.valid_from <= today <= new.valid_to:
            raise ValidationError("Förbeställningen måste gälla idag för att kunna utnyttjas nu.",
                                  field="preorder_valid_from")
        if new.personnummer.strip():
            pnr = parse_personnummer(new.personnummer, today)
            if pnr.digits12 != data.personnummer:
                raise ValidationError("Förbeställningens personnummer stämmer inte med kundens.",
                                      field="preorder_personnummer")
        elif new.birth_date is not None:
            if new.birth_date != data.birth_date:
                raise ValidationError("Förbeställningens födelsedatum stämmer inte med kundens.",
                                      field="preorder_birth_date")
        else:
            raise ValidationError("Ange personnummer eller födelsedatum på förbeställningen.",
                                  field="preorder_personnummer")

    def _pickup_main(self, session: Session, purchase, list_id: int, choice: ProductChoice) -> ProductRow:
        product = purchase.product
        if choice.product_id != product.id:
            raise ValidationError(f"Onlineköpet gäller {product.name}; det abonnemanget hämtas ut.",
                                  field="product_id")
        price = product_price(session, list_id, product.id)
        return ProductRow(product.id, product.name, product.payment or "kontant", price, product.interval_months,
                          product.validity_months, product.binding_months, product.notice_months,
                          product.vat_basis_points)

    def _addons(self, session: Session, flow: str, main: ProductRow, list_id: int, choice: ProductChoice,
                prepaid: tuple[int, ...]) -> list[AddonRow]:
        from db.models import Product

        offered = {a.id: a for a in addons_for(session, main.id, list_id, ADDON_ROUTINE_FOR_FLOW[flow])}
        for pid in prepaid:  # add-ons bought online come with the purchase whatever today's rules say
            if pid not in offered:
                p = session.get(Product, pid)
                if p is not None:
                    offered[pid] = AddonRow(p.id, p.name, "obligatoriskt", product_price(session, list_id, p.id),
                                            p.payment, p.is_subscription, p.interval_months, p.validity_months,
                                            p.vat_basis_points)
        chosen: list[int] = []
        for pid in choice.addon_ids:
            if pid in chosen:
                continue
            if pid not in offered:
                p = session.get(Product, pid)
                label = p.name if p is not None else f"nr {pid}"
                raise ValidationError(f"Tillägget {label} kan inte väljas till {main.name}.", field="addon_ids")
            chosen.append(pid)
        missing = [a.name for a in offered.values() if (a.mandatory or a.id in prepaid) and a.id not in chosen]
        if missing:
            raise ValidationError("Obligatoriska tillägg saknas: " + ", ".join(missing) + ".", field="addon_ids")
        return [offered[pid] for pid in chosen]

    def _start(self, session: Session, flow: str, person, settings: BusinessSettings, today: date, purchase):
        """Start date of the new subscription and the id of an expired kontant subscription to close."""
        from db.models import Subscription

        if person is None:
            return today, None
        state = main_subscription_state(session, person.id)
        end = state.end
        verdict = may_start_registration(flow, end, state.upcoming_start, months_in_advance=settings.months_in_advance,
                                         org_conversion_max_months=settings.org_conversion_max_months, today=today)
        if not verdict:  # the person menu disables the entry with the same reason
            raise ValidationError(verdict.reason, field="product_id")
        start = purchase.registered_on if purchase is not None else new_subscription_start(end, today)
        running = session.scalar(select(Subscription).where(Subscription.user_id == person.id,
                                                            Subscription.parent_id.is_(None),
                                                            Subscription.status.in_(RUNNING)))
        close_id = running.id if running is not None and subscription_end(running) < today else None
        return start, close_id

    def _pickup_lines(self, session: Session, settings: BusinessSettings, purchase, proven_type: str, list_id: int,
                      lines: list[PreviewLine], warnings: list[str]) -> list[PreviewLine]:
        """Online lines are already paid; a customer who could not prove the type pays the differences."""
        prepaid = set(parse_addon_ids(purchase.addon_product_ids)) | {purchase.product_id}
        result: list[PreviewLine] = []
        adjustments: list[PreviewLine] = []
        mismatch = proven_type != purchase.customer_type
        if mismatch:
            warnings.append(f"Kunden kunde inte styrka kundtypen {CUSTOMER_TYPE_LABELS.get(purchase.customer_type)} "
                            f"och blir {CUSTOMER_TYPE_LABELS[proven_type]}.")
        for line in lines:
            if line.product_id not in prepaid:
                result.append(line)
                continue
            result.append(replace(line, description=f"{line.description} (betald online)", amount_ore=0,
                                  kind="betald_online"))
            if not (mismatch and settings.pickup_retroactive_repricing):
                continue
            paid = (purchase.price_paid_ore if line.product_id == purchase.product_id
                    else product_price(session, purchase.price_list_id, line.product_id))
            new_price = product_price(session, list_id, line.product_id)
            if new_price > paid:
                name = line.description
                adjustments.append(PreviewLine(
                    f"Prisjustering {name}: {CUSTOMER_TYPE_LABELS[proven_type]} {format_sek(new_price)}, "
                    f"betalt {format_sek(paid)}", new_price - paid, line.vat_basis_points, "prisjustering",
                    line.product_id, line.period_from, line.period_to))
        return result + adjustments

    # -- writing --------------------------------------------------------------
    def _write(self, session: Session, plan: _Plan, actor: Actor):
        from db.models import OnlinePurchase, Person, Subscription

        now = self.core.clock.now()
        if plan.person_id is None:
            person = insert_person(session, plan.data, now)
        else:
            person = session.get(Person, plan.person_id)
            apply_person_data(person, plan.data, now)
        if plan.organisation is not None:
            person.organisation_id = plan.organisation.id
        record_proof(session, person, plan.leg, plan.valid_until, actor, now)
        message = plan.settings.internal_message_for_routines.strip()
        if message:
            current = (person.internal_message or "").strip()
            if message not in current:
                person.internal_message = f"{current}\n\n{message}" if current else message
        person.registered_with_routines = True
        session.flush()

        if plan.close_subscription_id is not None:
            old = session.get(Subscription, plan.close_subscription_id)
            ended = subscription_end(old)
            session.execute(update(Subscription)
                            .where((Subscription.id == old.id) | (Subscription.parent_id == old.id),
                                   Subscription.status.in_(RUNNING))
                            .values(status="avslutat", end_date=ended))
            session.flush()

        org_id = plan.organisation.id if plan.organisation is not None else None
        main = Subscription(product_id=plan.main.id, user_id=person.id, payer_id=person.id,
                            price_list_id=plan.price_list_id, price_ore=plan.main.price_ore, organisation_id=org_id,
                            start_date=plan.start, binding_end=plan.binding_end, charged_through=plan.charged_through,
                            status=plan.status, created_at=now)
        session.add(main)
        session.flush()
        sub_ids = {plan.main.id: main.id}
        for addon in plan.addon_subscriptions:
            sub = Subscription(product_id=addon.product_id, user_id=person.id, payer_id=person.id,
                               price_list_id=plan.price_list_id, price_ore=addon.price_ore, parent_id=main.id,
                               organisation_id=org_id, start_date=plan.start, binding_end=plan.binding_end,
                               charged_through=plan.charged_through, status=plan.status, created_at=now)
            session.add(sub)
            session.flush()
            sub_ids[addon.product_id] = sub.id

        if plan.mandate is not None:
            store_mandate(session, person.id, plan.mandate, now)
        store_access(session, person.id, plan.access, now)

        preorder_id = plan.preorder_id
        if plan.new_preorder is not None:
            preorder_id = self._create_preorder(session, plan, person, actor, now)
        if preorder_id is not None:
            from db.models import PreOrder

            claimed = session.execute(
                update(PreOrder).where(PreOrder.id == preorder_id, PreOrder.status == "oppen")
                .values(status="utnyttjad", used_by_person_id=person.id, used_subscription_id=main.id, used_at=now))
            if claimed.rowcount != 1:
                raise Conflict(PREORDER_USED_MESSAGE, field="preorder_id")

        if plan.purchase_id is not None:
            picked = session.execute(
                update(OnlinePurchase).where(OnlinePurchase.id == plan.purchase_id, OnlinePurchase.status == "vantar")
                .values(status="uthamtad", picked_up_at=now, subscription_id=main.id))
            if picked.rowcount != 1:
                raise Conflict(PURCHASE_PICKED_UP_MESSAGE, field="online_purchase_id")

        drafts = [OrderLineDraft(line.description[:250], line.amount_ore, line.vat_basis_points,
                                 product_id=line.product_id,
                                 subscription_id=sub_ids.get(line.product_id) if line.kind != "vara" else None,
                                 period_from=line.period_from, period_to=line.period_to)
                  for line in plan.lines]
        order = create_order(session, self.core, actor, person.id, FLOWS[plan.flow], drafts)  # None when 0 kr
        result = RegistrationResult(person.id, person.customer_number, main.id, order.id if order else None,
                                    plan.total_ore if order else 0, tuple(plan.warnings))
        return result, "person", person.id

    def _create_preorder(self, session: Session, plan: _Plan, person, actor: Actor, now) -> int:
        from db.models import OutboxMessage, PreOrder

        new = plan.new_preorder
        org = plan.organisation
        row = PreOrder(organisation_id=org.id, product_id=new.product_id, valid_from=new.valid_from,
                       valid_to=new.valid_to, name=" ".join(new.name.split()),
                       personnummer=person.personnummer if new.personnummer.strip() else None,
                       birth_date=None if new.personnummer.strip() else new.birth_date, email=new.email.strip(),
                       status="oppen", created_at=now, created_by=actor.user_id)
        session.add(row)
        session.flush()
        manager = org.account_manager
        if manager is not None and manager.email:
            who = f"{person.first_name} {person.last_name} (kundnummer {person.customer_number})"
            body = (f"Hej {manager.full_name},\n\n"
                    f"{actor.full_name} har lagt till en förbeställning för {org.name} vid {self.core.desk}:\n\n"
                    f"Person: {who}\n"
                    f"Produkt: {plan.main.name}\n"
                    f"Giltig: {new.valid_from:%Y-%m-%d} – {new.valid_to:%Y-%m-%d}\n\n"
                    "Förbeställningen utnyttjades direkt vid registreringen. Kontrollera att den stämmer med "
                    "avtalet med organisationen.\n")
            session.add(OutboxMessage(channel="epost", recipient=manager.email,
                                      subject=f"Ny förbeställning för {org.name}: {person.first_name} "
                                              f"{person.last_name}",
                                      body=body, person_id=person.id, dedupe_key=f"forbestallning-skapad-{row.id}",
                                      status="vantar", attempts=0, created_at=now, next_attempt_at=now))
        return row.id
