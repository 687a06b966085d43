"""Read side of the registration wizards: price lists, products, add-ons, organisations, pre-orders.

What the pages Legitimering, Sök organisation, Förbeställningar, Produkter,
Autogiromedgivande and Inpasseringsuppgifter show, and what the registration
routines re-check at Slutför. Everything here only reads; rows are frozen
dataclasses, never ORM objects, so a wizard can keep them across pages.

Price-list rule (SPEC §5, seed "Registrera ny organisationskund"): an
organisation customer gets the organisation's price list, or the Ordinarie list
when the organisation has none; a private customer gets the list of their
customer type, or the Ordinarie list.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Sequence

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from app.domain.inputs import ascii_key, searchable
from app.domain.eligibility import OPEN_ENDED, Verdict, may_start_registration
from app.domain.legitimation import CUSTOMER_TYPE_LABELS
from app.domain.orgnr import looks_like_orgnr
from app.domain.periods import ONE_DAY, add_months
from app.domain.subscriptions import SubscriptionFacts, round_half_up
from app.domain.debit import charge_to
from app.domain.text import fold
from app.errors import NotFound, ValidationError
from app.routines.person_data import AddressData, PersonData
from app.settings import BusinessSettings

CURRENT_MANDATE_STATUSES = ("ny", "hos_bgc", "aktivt")
RUNNING_OR_CANCELLED = ("aktivt", "fryst", "framtida_frysning", "uppsagt")
ORDINARIE_MISSING = ("Ordinarieprislistan är inte inställd. Be en administratör välja den under "
                     "Inställningar > Kundrutiner….")


# --------------------------------------------------------------------------
# Customer types and price lists
# --------------------------------------------------------------------------


def selectable_customer_types(settings: BusinessSettings) -> tuple[str, ...]:
    """The customer types Legitimering offers: those whose price list is configured, in fixed order.

    Ordinarie is mandatory in the settings; should it be missing anyway, it is not offered
    (and the routines refuse with :data:`ORDINARIE_MISSING`).
    """
    return tuple(t for t in CUSTOMER_TYPE_LABELS if settings.price_list_for_type(t) is not None)


def price_list_for(session: Session, settings: BusinessSettings, customer_type: str,
                   organisation_id: int | None = None) -> int:
    """The price list a registration uses (raises ValidationError when Ordinarie is not configured).

    Organisation customer: the organisation's list, else Ordinarie. Private customer: the list of the
    customer type, else Ordinarie.
    """
    from db.models import Organisation

    if organisation_id is not None:
        org = session.get(Organisation, organisation_id)
        if org is None:
            raise NotFound("Organisationen finns inte längre. Sök fram den igen.")
        if org.price_list_id is not None:
            return org.price_list_id
    else:
        own = settings.price_list_for_type(customer_type)
        if own is not None:
            return own
    if settings.price_list_ordinarie is None:
        raise ValidationError(ORDINARIE_MISSING, field="price_list")
    return settings.price_list_ordinarie


def price_list_name(session: Session, price_list_id: int) -> str:
    from db.models import PriceList

    row = session.get(PriceList, price_list_id)
    if row is None:
        raise NotFound("Prislistan finns inte längre. Be en administratör kontrollera inställningarna.")
    return row.name


# --------------------------------------------------------------------------
# Products and add-ons
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class ProductRow:
    """A main subscription product at one price list's price."""

    id: int
    name: str
    payment: str                 # AG / kontant
    price_ore: int               # per debit interval (AG) or per validity period (kontant)
    interval_months: int
    validity_months: int | None
    binding_months: int
    notice_months: int
    vat_basis_points: int

    @property
    def period_months(self) -> int:
        """Months one payment covers: the debit interval (AG) or the validity (kontant)."""
        if self.payment == "kontant" and self.validity_months:
            return self.validity_months
        return self.interval_months


@dataclass(frozen=True)
class AddonRow:
    """An add-on of a main product in one routine, with its availability and price."""

    id: int
    name: str
    availability: str            # valbart / obligatoriskt
    price_ore: int
    payment: str | None          # AG / kontant for subscription add-ons, None for one-off items
    is_subscription: bool
    interval_months: int
    validity_months: int | None
    vat_basis_points: int

    @property
    def mandatory(self) -> bool:
        return self.availability == "obligatoriskt"

    @property
    def period_months(self) -> int:
        if self.payment == "kontant" and self.validity_months:
            return self.validity_months
        return self.interval_months


def _list_prices(session: Session, price_list_id: int, product_ids: Sequence[int]) -> dict[int, int]:
    from db.models import PriceListItem

    if not product_ids:
        return {}
    rows = session.execute(select(PriceListItem.product_id, PriceListItem.price_ore).where(
        PriceListItem.price_list_id == price_list_id, PriceListItem.product_id.in_(list(product_ids))))
    return {pid: price for pid, price in rows}


def product_price(session: Session, price_list_id: int | None, product_id: int) -> int:
    """The product's price on the list, or its base price when it is not on the list."""
    from db.models import Product

    if price_list_id is not None:
        listed = _list_prices(session, price_list_id, [product_id])
        if product_id in listed:
            return listed[product_id]
    product = session.get(Product, product_id)
    if product is None:
        raise NotFound("Produkten finns inte längre.")
    return product.price_ore


def _product_row(product, price_ore: int) -> ProductRow:
    return ProductRow(product.id, product.name, product.payment or "kontant", price_ore, product.interval_months,
                      product.validity_months, product.binding_months, product.notice_months,
                      product.vat_basis_points)


def main_products(session: Session, price_list_id: int) -> list[ProductRow]:
    """The active main subscriptions on the list, at the list's price, cheapest first."""
    from db.models import PriceListItem, Product

    rows = session.execute(
        select(Product, PriceListItem.price_ore)
        .join(PriceListItem, PriceListItem.product_id == Product.id)
        .where(PriceListItem.price_list_id == price_list_id, Product.kind == "huvud", Product.active.is_(True))
        .order_by(PriceListItem.price_ore, Product.name)
    )
    return [_product_row(product, price) for product, price in rows]


def main_product(session: Session, price_list_id: int, product_id: int) -> ProductRow | None:
    """One main product if it is on the list (None otherwise)."""
    return next((p for p in main_products(session, price_list_id) if p.id == product_id), None)


def addons_for(session: Session, main_product_id: int, price_list_id: int | None, addon_routine: str) -> list[AddonRow]:
    """The add-ons the routine offers with the main product (ej valbart left out), mandatory first.

    An add-on's price is its price on the list, or its base price when the list does not carry it.
    """
    from db.models import AddonRule, Product

    rows = session.execute(
        select(AddonRule.availability, Product)
        .join(Product, Product.id == AddonRule.addon_product_id)
        .where(AddonRule.main_product_id == main_product_id, AddonRule.routine == addon_routine,
               AddonRule.availability.in_(("valbart", "obligatoriskt")), Product.active.is_(True))
    ).all()
    prices = _list_prices(session, price_list_id, [p.id for _, p in rows]) if price_list_id is not None else {}
    result = [AddonRow(p.id, p.name, availability, prices.get(p.id, p.price_ore), p.payment, p.is_subscription,
                       p.interval_months, p.validity_months, p.vat_basis_points) for availability, p in rows]
    return sorted(result, key=lambda a: (not a.mandatory, a.name))


# --------------------------------------------------------------------------
# First payment and price summary
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class ChargeLine:
    """One line of the first payment: a subscription period or a one-off item."""

    product_id: int
    description: str
    amount_ore: int
    vat_basis_points: int
    kind: str                    # huvud / tillagg / vara
    period_from: date | None = None
    period_to: date | None = None


@dataclass(frozen=True)
class FirstPayment:
    lines: tuple[ChargeLine, ...]
    start_date: date
    charged_through: date        # debiterat t.o.m. of the main subscription and its add-on subscriptions
    binding_end: date | None
    monthly_ore: int | None      # what autogiro draws per month afterwards; None when nothing is AG

    @property
    def total_ore(self) -> int:
        return sum(line.amount_ore for line in self.lines)


def binding_end_for(start: date, binding_months: int) -> date | None:
    """Last day of the binding period (inclusive), None without binding."""
    return add_months(start, binding_months) - ONE_DAY if binding_months > 0 else None


def first_payment(main: ProductRow, addons: Sequence[AddonRow], start: date) -> FirstPayment:
    """What is paid today (docs/decisions/registration.md).

    The main subscription's first payment covers one debit interval (AG) or its validity (kontant),
    from the start date. Add-on subscriptions are charged to the same debiterat t.o.m. as the main
    subscription (their value of those days); one-off add-ons cost their price once.
    """
    charged_through = add_months(start, main.period_months) - ONE_DAY
    lines = [ChargeLine(main.id, main.name, main.price_ore, main.vat_basis_points, "huvud", start, charged_through)]
    monthly: list = []
    if main.payment == "AG":
        monthly.append((main.price_ore, main.interval_months))
    for addon in addons:
        if addon.is_subscription and addon.payment in ("AG", "kontant"):
            facts = SubscriptionFacts(key=str(addon.id), kind=addon.payment, price_ore=addon.price_ore,
                                      interval_months=addon.period_months, start=start, charged_through=None)
            line = charge_to(facts, charged_through)
            amount = line.amount_ore if line else 0
            lines.append(ChargeLine(addon.id, addon.name, amount, addon.vat_basis_points, "tillagg", start,
                                    charged_through))
            if addon.payment == "AG":
                monthly.append((addon.price_ore, addon.interval_months))
        else:
            lines.append(ChargeLine(addon.id, addon.name, addon.price_ore, addon.vat_basis_points, "vara"))
    from fractions import Fraction

    monthly_ore = round_half_up(sum(Fraction(p, m) for p, m in monthly)) if monthly else None
    return FirstPayment(tuple(lines), start, charged_through, binding_end_for(start, main.binding_months), monthly_ore)


@dataclass(frozen=True)
class PriceSummary:
    """The Produkter page's header: first payment today, monthly amount, binding period."""

    first_payment_ore: int
    monthly_ore: int | None
    binding_months: int
    binding_end: date | None
    start_date: date
    charged_through: date


def price_summary(session: Session, price_list_id: int, product_id: int, addon_ids: Sequence[int],
                  today: date, *, addon_routine: str = "registrering", start_date: date | None = None) -> PriceSummary:
    """Price summary for a product choice on a list (add-ons not offered for the routine are ignored)."""
    main = main_product(session, price_list_id, product_id)
    if main is None:
        raise ValidationError("Produkten finns inte på prislistan.", field="product_id")
    chosen = [a for a in addons_for(session, product_id, price_list_id, addon_routine) if a.id in set(addon_ids)]
    plan = first_payment(main, chosen, start_date or today)
    return PriceSummary(plan.total_ore, plan.monthly_ore, main.binding_months, plan.binding_end, plan.start_date,
                        plan.charged_through)


# --------------------------------------------------------------------------
# Organisations and pre-orders
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class OrganisationRow:
    id: int
    name: str
    org_number: str
    price_list_id: int | None
    price_list_name: str | None
    uses_preorders: bool
    account_manager: str | None


def _org_row(org) -> OrganisationRow:
    return OrganisationRow(org.id, org.name, org.org_number, org.price_list_id,
                           org.price_list.name if org.price_list else None, org.uses_preorders,
                           org.account_manager.full_name if org.account_manager else None)


def organisation(session: Session, organisation_id: int) -> OrganisationRow:
    from db.models import Organisation

    org = session.get(Organisation, organisation_id)
    if org is None:
        raise NotFound("Organisationen finns inte längre. Sök fram den igen.")
    return _org_row(org)


def search_organisations(session: Session, text: str, limit: int = 50) -> list[OrganisationRow]:
    """Type-ahead: organisationsnummer (exact), else name prefix (case- and accent-insensitive)."""
    from db.models import Organisation

    # The app's key spelling (Unicode digits as ASCII) and nothing a query must not see (a NUL).
    cleaned = " ".join(searchable(ascii_key(text or ""))[:200].split())
    if not cleaned:
        return []
    if looks_like_orgnr(cleaned):
        digits = cleaned.replace("-", "").replace(" ", "")
        query = select(Organisation).where(Organisation.org_number == f"{digits[:6]}-{digits[6:]}")
    else:
        key = fold(cleaned)
        query = (select(Organisation)
                 .where(Organisation.name_norm >= key, Organisation.name_norm < key + "\uffff")
                 .order_by(Organisation.name_norm, Organisation.id).limit(limit))
    return [_org_row(org) for org in session.scalars(query)]


def preorders_active(settings: BusinessSettings, org: OrganisationRow) -> bool:
    """Step 4a (Förbeställningar) applies: the global setting is on and the organisation uses pre-orders."""
    return settings.preorders_enabled and org.uses_preorders


@dataclass(frozen=True)
class PreOrderRow:
    id: int
    organisation_id: int
    product_id: int
    product_name: str
    valid_from: date
    valid_to: date
    name: str
    personnummer: str | None
    birth_date: date | None
    email: str | None
    status: str


def _preorder_row(p) -> PreOrderRow:
    return PreOrderRow(p.id, p.organisation_id, p.product_id, p.product.name, p.valid_from, p.valid_to, p.name,
                       p.personnummer, p.birth_date, p.email, p.status)


def _open_valid(today: date | None):
    from db.models import PreOrder

    conditions = [PreOrder.status == "oppen"]
    if today is not None:
        conditions += [PreOrder.valid_from <= today, PreOrder.valid_to >= today]
    return and_(*conditions)


def preorders_for(session: Session, organisation_id: int, personnummer: str | None, birth_date: date | None,
                  today: date) -> list[PreOrderRow]:
    """This person's open pre-orders at the organisation that are valid today.

    Matched by personnummer (12 digits); pre-orders made with a birth date only match the birth date.
    """
    from db.models import PreOrder

    who = []
    if personnummer:
        who.append(PreOrder.personnummer == personnummer)
    if birth_date is not None:
        who.append(and_(PreOrder.personnummer.is_(None), PreOrder.birth_date == birth_date))
    if not who:
        return []
    rows = session.scalars(select(PreOrder).where(PreOrder.organisation_id == organisation_id, _open_valid(today),
                                                  or_(*who)).order_by(PreOrder.valid_to, PreOrder.id))
    return [_preorder_row(p) for p in rows]


def all_open_preorders(session: Session, organisation_id: int, text: str = "", today: date | None = None,
                       limit: int = 500) -> list[PreOrderRow]:
    """The organisation's open pre-orders (valid today when ``today`` is given), filtered by name or number."""
    from db.models import PreOrder

    rows = session.scalars(select(PreOrder).where(PreOrder.organisation_id == organisation_id, _open_valid(today))
                           .order_by(PreOrder.name, PreOrder.id))
    key = fold(text)
    digits = "".join(ch for ch in (text or "") if ch.isdigit())
    result = []
    for p in rows:
        if key and key not in fold(p.name) and not (digits and p.personnummer and digits in p.personnummer):
            continue
        result.append(_preorder_row(p))
        if len(result) >= limit:
            break
    return result


def organisations_with_preorders_for(session: Session, personnummer: str,
                                     today: date | None = None) -> list[OrganisationRow]:
    """Flow 4, step 1: the organisations holding an open pre-order for this personnummer."""
    from db.models import Organisation, PreOrder

    if not personnummer:
        return []
    ids = select(PreOrder.organisation_id).where(PreOrder.personnummer == personnummer, _open_valid(today))
    rows = session.scalars(select(Organisation).where(Organisation.id.in_(ids)).order_by(Organisation.name_norm))
    return [_org_row(org) for org in rows]


# --------------------------------------------------------------------------
# The person's mandate, card, photo, online purchase, subscriptions
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class MandateRow:
    id: int
    holder_name: str
    holder_personnummer: str
    clearing: str
    account_number: str
    bank_name: str
    status: str

    @property
    def replaceable(self) -> bool:
        """A mandate that is with Bankgirot ("Hos BGC") cannot be replaced until BGC has answered."""
        return self.status != "hos_bgc"


def current_mandate(session: Session, person_id: int) -> MandateRow | None:
    """The payer's current mandate (status ny, hos_bgc or aktivt), if any."""
    from db.models import AutogiroMandate

    m = session.scalar(select(AutogiroMandate).where(AutogiroMandate.person_id == person_id,
                                                     AutogiroMandate.status.in_(CURRENT_MANDATE_STATUSES)))
    if m is None:
        return None
    return MandateRow(m.id, m.holder_name, m.holder_personnummer, m.clearing, m.account_number, m.bank_name, m.status)


@dataclass(frozen=True)
class CardRow:
    id: int
    card_number: str
    issued_at: datetime


def active_card(session: Session, person_id: int) -> CardRow | None:
    from db.models import Card

    c = session.scalars(select(Card).where(Card.person_id == person_id, Card.status == "aktivt")
                        .order_by(Card.issued_at.desc(), Card.id.desc())).first()
    return CardRow(c.id, c.card_number, c.issued_at) if c else None


def card_number_taken(session: Session, card_number: str, except_person_id: int | None = None) -> bool:
    """True when the number is an active card of someone else (blocked cards do not count)."""
    from db.models import Card

    query = select(Card.id).where(Card.card_number == card_number, Card.status == "aktivt")
    if except_person_id is not None:
        query = query.where(Card.person_id != except_person_id)
    return session.scalar(query.limit(1)) is not None


@dataclass(frozen=True)
class PhotoRow:
    id: int
    jpeg: bytes
    taken_at: datetime


def current_photo(session: Session, person_id: int) -> PhotoRow | None:
    from db.models import Photo

    p = session.scalar(select(Photo).where(Photo.person_id == person_id, Photo.is_current.is_(True)))
    return PhotoRow(p.id, p.jpeg, p.taken_at) if p else None


@dataclass(frozen=True)
class OnlinePurchaseRow:
    id: int
    person_id: int
    product_id: int
    product_name: str
    price_list_id: int
    customer_type: str
    price_paid_ore: int
    addon_ids: tuple[int, ...]
    registered_on: date


def parse_addon_ids(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in (text or "").split(",") if part.strip())


def pending_online_purchase(session: Session, person_id: int) -> OnlinePurchaseRow | None:
    """The person's oldest online purchase awaiting pickup (Hämta ut onlineköp is shown only then)."""
    from db.models import OnlinePurchase

    p = session.scalars(select(OnlinePurchase).where(OnlinePurchase.person_id == person_id,
                                                     OnlinePurchase.status == "vantar")
                        .order_by(OnlinePurchase.registered_on, OnlinePurchase.id)).first()
    if p is None:
        return None
    return OnlinePurchaseRow(p.id, p.person_id, p.product_id, p.product.name, p.price_list_id, p.customer_type,
                             p.price_paid_ore, parse_addon_ids(p.addon_product_ids), p.registered_on)


def existing_customer_prefill(session: Session, person_id: int) -> PersonData:
    """The Personuppgifter page prefilled from an existing customer."""
    from db.models import Person

    person = session.get(Person, person_id)
    if person is None:
        raise NotFound("Kunden finns inte längre i registret. Sök fram kunden igen.")

    def address(kind: str) -> AddressData | None:
        a = next((a for a in person.addresses if a.kind == kind), None)
        if a is None:
            return None
        return AddressData(a.street or "", a.co or "", a.postal_code or "", a.town or "", a.country)

    return PersonData(
        first_name=person.first_name, last_name=person.last_name, email=person.email or "",
        mobile=person.mobile or "", personnummer=person.personnummer or "",
        birth_date=None if person.personnummer else person.birth_date,
        gender=person.gender, phone_home=person.phone_home or "", phone_work=person.phone_work or "",
        address=address("hem") or AddressData(), invoice_address=address("faktura"),
        protected_identity=person.protected_identity,
    )


@dataclass(frozen=True)
class MainSubscriptionState:
    """The customer's current main subscription as the signing rules see it."""

    subscription_id: int | None
    end: date | None             # last day; OPEN_ENDED for AG without slutdatum; None = no subscription
    upcoming_start: date | None  # start of an already signed, not yet started ("kommande") one


def subscription_end(sub) -> date:
    """Last day of a main subscription: slutdatum, else open-ended for AG, else debiterat t.o.m. (kontant)."""
    if sub.end_date is not None:
        return sub.end_date
    if sub.product.payment == "AG":
        return OPEN_ENDED
    return sub.charged_through if sub.charged_through is not None else sub.start_date - ONE_DAY


def main_subscription_state(session: Session, person_id: int) -> MainSubscriptionState:
    from db.models import Subscription

    subs = session.scalars(select(Subscription).where(Subscription.user_id == person_id,
                                                      Subscription.parent_id.is_(None),
                                                      Subscription.status.in_(RUNNING_OR_CANCELLED + ("kommande",)))
                           ).all()
    current = [s for s in subs if s.status != "kommande"]
    upcoming = [s.start_date for s in subs if s.status == "kommande"]
    best = max(current, key=subscription_end, default=None)
    return MainSubscriptionState(best.id if best else None, subscription_end(best) if best else None,
                                 min(upcoming) if upcoming else None)


def signing_verdict(session: Session, settings: BusinessSettings, person_id: int, flow: str,
                    today: date) -> Verdict:
    """May this existing customer start the flow? (Teckna: months in advance; Utnyttja avtal: conversion.)"""
    state = main_subscription_state(session, person_id)
    return may_start_registration(flow, state.end, state.upcoming_start, months_in_advance=settings.months_in_advance,
                                  org_conversion_max_months=settings.org_conversion_max_months, today=today)
