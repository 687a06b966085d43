"""Inställningar > Produkter och prislistor (SPEC §1.3, §4): price lists, products with their prices
per list, and add-ons per main subscription with per-routine availability. Every routine needs the
right "Systeminställningar" (checked by the routine engine) and is audited.

* SavePriceList: create or rename a price list, and say which customer type it serves (the
  settings Ordinarie-/Student-/Pensionärsprislista, written in the same transaction). The Ordinarie
  list cannot be left without a list.
* SaveProduct: a product's attributes, its price on each price list, and (for a main subscription)
  its add-ons per routine — all in one transaction, one audit row.

Prices and existing subscriptions (docs/decisions/product-prices.md): a subscription keeps the price
it was sold at (subscriptions.price_ore, written at sale). These routines change only products and
price_list_items, never a subscription row, so a price change applies to what is sold from now on.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from app.context import Actor
from app.domain.inputs import check_amount, check_name, check_text
from app.errors import NotFound, ValidationError
from app.rights import SYSTEM_SETTINGS
from app.routines.base import Routine
from app.settings import save_setting, stored_values

CUSTOMER_TYPE_SETTINGS = {"ordinarie": "price_list_ordinarie", "student": "price_list_student",
                          "pensionar": "price_list_pensionar"}
CUSTOMER_TYPE_NAMES = {"ordinarie": "Ordinarie", "student": "Student", "pensionar": "Pensionär"}
VAT_RATES = (0, 600, 1200, 2500)  # basis points: 0, 6, 12, 25 %
MAX_MONTHS = 120


# --------------------------------------------------------------------------
# Price lists
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class PriceListCommand:
    price_list_id: int | None       # None: a new list
    name: str
    customer_types: tuple[str, ...] = ()  # the customer types this list serves (ordinarie/student/pensionar)
    command_id: str | None = None


class SavePriceList(Routine[PriceListCommand, int]):
    name = "Ändra prislista"
    required_rights = (SYSTEM_SETTINGS,)

    def validate(self, session: Session, command: PriceListCommand) -> None:
        from db.models import PriceList

        name = _text(command.name, "name", PriceList.name, "Skriv prislistans namn.", "Namnet")
        if command.price_list_id is not None and session.get(PriceList, command.price_list_id) is None:
            raise NotFound("Prislistan finns inte längre.", field="price_lists")
        same = session.scalar(select(PriceList.id).where(func.lower(PriceList.name) == name.lower(),
                                                         PriceList.id != (command.price_list_id or 0)))
        if same is not None:
            raise ValidationError(f"Det finns redan en prislista som heter ”{name}”.", field="name")
        unknown = set(command.customer_types) - set(CUSTOMER_TYPE_SETTINGS)
        if unknown:
            raise ValidationError("Okänd kundtyp.", field="customer_types")
        settings = stored_values(session)
        served = {t for t, key in CUSTOMER_TYPE_SETTINGS.items()
                  if command.price_list_id is not None and settings[key] == command.price_list_id}
        if "ordinarie" in served and "ordinarie" not in command.customer_types:
            raise ValidationError("Ordinarie kunder måste ha en prislista. Ge en annan prislista kundtypen "
                                  "Ordinarie i stället.", field="customer_types")

    def perform(self, session: Session, command: PriceListCommand, actor: Actor):
        from db.models import PriceList

        name = check_name(command.name, "name", "Skriv prislistans namn.")
        if command.price_list_id is None:
            row = PriceList(name=name)
            session.add(row)
            session.flush()
        else:
            row = session.get(PriceList, command.price_list_id)
            row.name = name
        settings = stored_values(session)
        for customer_type, key in CUSTOMER_TYPE_SETTINGS.items():
            if customer_type in command.customer_types and settings[key] != row.id:
                save_setting(session, key, row.id)
            elif customer_type not in command.customer_types and settings[key] == row.id:
                save_setting(session, key, None)
        return row.id, "price_list", row.id


# --------------------------------------------------------------------------
# Products
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class ListPrice:
    price_list_id: int
    price_ore: int


@dataclass(frozen=True)
class AddonAvailability:
    addon_product_id: int
    routine: str            # one of db.models.ADDON_ROUTINES
    availability: str       # valbart / obligatoriskt (ej valbart = no rule)


@dataclass(frozen=True)
class ProductCommand:
    product_id: int | None  # None: a new product
    code: str
    name: str
    kind: str               # huvud / tillagg / vara / vardekort
    payment: str | None     # AG / kontant; None for one-off items (an add-on may be one)
    price_ore: int          # base price per debit interval
    interval_months: int = 1
    validity_months: int | None = None
    binding_months: int = 0
    notice_months: int = 0
    vat_basis_points: int = 600
    transfer_allowed: bool = False
    is_membership_card: bool = False
    active: bool = True
    list_prices: tuple[ListPrice, ...] = ()
    addons: tuple[AddonAvailability, ...] = ()
    command_id: str | None = None


def column_length(column) -> int:
    """The String(n) of a model column: the one declaration of how long a text may be."""
    return column.type.length


def _text(value: str, field: str, column, missing: str, label: str) -> str:
    text = check_name(value, field, missing) if field == "name" else check_text(value, field, multiline=False).strip()
    if not text:
        raise ValidationError(missing, field=field)
    if len(text) > column_length(column):
        raise ValidationError(f"{label} får vara högst {column_length(column)} tecken.", field=field)
    return text


def _months(value: int | None, field: str, label: str, *, minimum: int = 0) -> None:
    if value is None or not isinstance(value, int) or value < minimum or value > MAX_MONTHS:
        raise ValidationError(f"{label} ska vara {minimum}–{MAX_MONTHS} månader.", field=field)


class SaveProduct(Routine[ProductCommand, int]):
    name = "Ändra produkt"
    required_rights = (SYSTEM_SETTINGS,)

    def validate(self, session: Session, c: ProductCommand) -> None:
        from db.models import ADDON_AVAILABILITY, ADDON_ROUTINES, PRODUCT_KINDS, PriceList, Product

        if c.product_id is not None and session.get(Product, c.product_id) is None:
            raise NotFound("Produkten finns inte längre.", field="products")
        code = _text(c.code, "code", Product.code, "Ange en produktkod.", "Produktkoden")
        same = session.scalar(select(Product.id).where(func.lower(Product.code) == code.lower(),
                                                       Product.id != (c.product_id or 0)))
        if same is not None:
            raise ValidationError(f"Produktkoden ”{code}” används redan av en annan produkt.", field="code")
        _text(c.name, "name", Product.name, "Skriv produktens namn.", "Namnet")
        if c.kind not in PRODUCT_KINDS:
            raise ValidationError("Välj produkttyp.", field="kind")
        if c.kind == "huvud" and c.payment not in ("AG", "kontant"):
            raise ValidationError("Ett huvudabonnemang betalas med Autogiro eller Kontant.", field="payment")
        if c.kind == "tillagg" and c.payment not in ("AG", "kontant", None):
            raise ValidationError("Välj Autogiro, Kontant eller – (engångsköp).", field="payment")
        if c.kind in ("vara", "vardekort") and c.payment is not None:
            raise ValidationError("En vara eller ett värdekort betalas direkt: välj ingen betalform.", field="payment")
        if c.price_ore < 0:
            raise ValidationError("Priset kan inte vara negativt.", field="price_ore")
        check_amount(c.price_ore, "price_ore")
        _months(c.interval_months, "interval_months", "Debiteringsintervallet", minimum=1)
        if c.payment == "kontant":
            _months(c.validity_months, "validity_months", "Giltighetstiden", minimum=1)
        elif c.validity_months is not None:
            _months(c.validity_months, "validity_months", "Giltighetstiden", minimum=1)
        _months(c.binding_months, "binding_months", "Bindningstiden")
        _months(c.notice_months, "notice_months", "Uppsägningstiden")
        if c.vat_basis_points not in VAT_RATES:
            raise ValidationError("Välj momssats 0, 6, 12 eller 25 %.", field="vat_basis_points")
        if c.transfer_allowed and c.payment != "kontant":
            raise ValidationError("Bara kontantabonnemang kan överlåtas.", field="transfer_allowed")
        lists = {pl for pl in session.scalars(select(PriceList.id))}
        seen = set()
        for item in c.list_prices:
            if item.price_list_id not in lists:
                raise NotFound("En prislista finns inte längre. Stäng och öppna igen.", field="list_prices")
            if item.price_list_id in seen:
                raise ValidationError("Samma prislista två gånger.", field="list_prices")
            seen.add(item.price_list_id)
            if item.price_ore < 0:
                raise ValidationError("Priset på prislistan kan inte vara negativt.", field="list_prices")
            check_amount(item.price_ore, "list_prices")
        if c.addons and c.kind != "huvud":
            raise ValidationError("Bara ett huvudabonnemang har tilläggsprodukter.", field="addons")
        for rule in c.addons:
            addon = session.get(Product, rule.addon_product_id)
            if addon is None or addon.kind not in ("tillagg", "vara") or addon.id == c.product_id:
                raise ValidationError("Bara tilläggsprodukter och varor kan vara tillägg.", field="addons")
            if rule.routine not in ADDON_ROUTINES or rule.availability not in ADDON_AVAILABILITY:
                raise ValidationError("Ogiltig tillgänglighet för tillägget.", field="addons")

    def perform(self, session: Session, c: ProductCommand, actor: Actor):
        from db.models import AddonRule, PriceListItem, Product

        row = Product() if c.product_id is None else session.get(Product, c.product_id)
        row.code = c.code.strip()
        row.name = check_name(c.name, "name", "Skriv produktens namn.")
        row.kind, row.payment, row.price_ore = c.kind, c.payment, c.price_ore
        row.interval_months, row.validity_months = c.interval_months, c.validity_months
        row.binding_months, row.notice_months = c.binding_months, c.notice_months
        row.vat_basis_points, row.transfer_allowed = c.vat_basis_points, c.transfer_allowed
        row.is_membership_card, row.active = c.is_membership_card, c.active
        # An add-on with a payment form runs as a subscription; without one it is a one-off item.
        row.is_subscription = c.kind == "huvud" or (c.kind == "tillagg" and c.payment is not None)
        if c.product_id is None:
            session.add(row)
        session.flush()
        # Prices per list: only price_list_items change; subscriptions keep what they were sold at.
        wanted = {i.price_list_id: i.price_ore for i in c.list_prices}
        for item in session.scalars(select(PriceListItem).where(PriceListItem.product_id == row.id)):
            if item.price_list_id not in wanted:
                session.delete(item)
            elif item.price_ore != wanted[item.price_list_id]:
                item.price_ore = wanted.pop(item.price_list_id)
            else:
                wanted.pop(item.price_list_id)
        for price_list_id, price in wanted.items():
            session.add(PriceListItem(price_list_id=price_list_id, product_id=row.id, price_ore=price))
        if row.kind == "huvud":
            session.execute(delete(AddonRule).where(AddonRule.main_product_id == row.id))
            session.flush()
            for rule in c.addons:
                if rule.availability != "ej_valbart":
                    session.add(AddonRule(main_product_id=row.id, addon_product_id=rule.addon_product_id,
                                          routine=rule.routine, availability=rule.availability))
        return row.id, "product", row.id
