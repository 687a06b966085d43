"""Read side of the Inställningar menu: what the admin dialogs list (price lists, products, deviation
types, freeze reasons, add-on rules). Rows are frozen dataclasses, never ORM objects.

Every read here takes the actor and requires the right Systeminställningar, as the routines that save
these dialogs do (docs/decisions/rights-in-queries.md)."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.context import Actor
from app.rights import SYSTEM_SETTINGS, require


@dataclass(frozen=True)
class NamedRow:
    id: int
    name: str


@dataclass(frozen=True)
class ProductChoice:
    id: int
    name: str
    kind: str
    active: bool


@dataclass(frozen=True)
class DeviationTypeRow:
    code: str
    name: str
    scope: str
    severity: str


@dataclass(frozen=True)
class ReasonRow:
    id: int
    name: str
    active: bool
    used: int  # freezes that point at it


def price_lists(session: Session, actor: Actor) -> list[NamedRow]:
    from db.models import PriceList

    require(actor, SYSTEM_SETTINGS)
    return [NamedRow(r.id, r.name) for r in session.scalars(select(PriceList).order_by(PriceList.name))]


def product_choices(session: Session, actor: Actor) -> list[ProductChoice]:
    from db.models import Product

    require(actor, SYSTEM_SETTINGS)
    return [ProductChoice(p.id, p.name, p.kind, p.active)
            for p in session.scalars(select(Product).order_by(Product.kind, Product.name))]


def deviation_type_rows(session: Session, actor: Actor) -> list[DeviationTypeRow]:
    from db.models import DeviationType

    require(actor, SYSTEM_SETTINGS)
    scope_order = {"person": 0, "abonnemang": 1, "medgivande": 2}
    rows = [DeviationTypeRow(r.code, r.name, r.scope, r.severity) for r in session.scalars(select(DeviationType))]
    return sorted(rows, key=lambda r: (scope_order.get(r.scope, 9), r.name))


def freeze_reason_rows(session: Session, actor: Actor) -> list[ReasonRow]:
    from db.models import DeviationReason, Freeze

    require(actor, SYSTEM_SETTINGS)
    used = dict(session.execute(select(Freeze.reason_id, func.count()).where(Freeze.reason_id.is_not(None))
                                .group_by(Freeze.reason_id)).all())
    return [ReasonRow(r.id, r.name, r.active, used.get(r.id, 0))
            for r in session.scalars(select(DeviationReason).where(DeviationReason.kind == "frysning")
                                     .order_by(DeviationReason.name))]


@dataclass(frozen=True)
class PriceListRow:
    id: int
    name: str
    customer_types: tuple[str, ...]  # the customer types whose setting points at it
    products: int


def price_list_rows(session: Session, actor: Actor) -> list[PriceListRow]:
    from app.settings import stored_values
    from db.models import PriceList, PriceListItem

    require(actor, SYSTEM_SETTINGS)
    settings = stored_values(session)
    served = {t: settings[f"price_list_{t}"] for t in ("ordinarie", "student", "pensionar")}
    counts = dict(session.execute(select(PriceListItem.price_list_id, func.count())
                                  .group_by(PriceListItem.price_list_id)).all())
    return [PriceListRow(r.id, r.name, tuple(t for t, pl in served.items() if pl == r.id), counts.get(r.id, 0))
            for r in session.scalars(select(PriceList).order_by(PriceList.name))]


@dataclass(frozen=True)
class ProductDetail:
    id: int
    code: str
    name: str
    kind: str
    payment: str | None
    price_ore: int
    interval_months: int
    validity_months: int | None
    binding_months: int
    notice_months: int
    vat_basis_points: int
    transfer_allowed: bool
    is_membership_card: bool
    active: bool
    list_prices: dict[int, int]                # price_list_id -> price_ore
    addons: dict[tuple[int, str], str]         # (addon_product_id, routine) -> availability


def product_detail(session: Session, actor: Actor, product_id: int) -> ProductDetail | None:
    from db.models import AddonRule, PriceListItem, Product

    require(actor, SYSTEM_SETTINGS)
    p = session.get(Product, product_id)
    if p is None:
        return None
    prices = dict(session.execute(select(PriceListItem.price_list_id, PriceListItem.price_ore)
                                  .where(PriceListItem.product_id == p.id)).all())
    addons = {(r.addon_product_id, r.routine): r.availability
              for r in session.scalars(select(AddonRule).where(AddonRule.main_product_id == p.id))}
    return ProductDetail(p.id, p.code, p.name, p.kind, p.payment, p.price_ore, p.interval_months, p.validity_months,
                         p.binding_months, p.notice_months, p.vat_basis_points, p.transfer_allowed,
                         p.is_membership_card, p.active, prices, addons)
