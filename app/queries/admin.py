"""Read side of the Inställningar menu: what the admin dialogs list (price lists, products, deviation
types, freeze reasons, add-on rules). Rows are frozen dataclasses, never ORM objects."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session


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


def price_lists(session: Session) -> list[NamedRow]:
    from db.models import PriceList

    return [NamedRow(r.id, r.name) for r in session.scalars(select(PriceList).order_by(PriceList.name))]


def product_choices(session: Session) -> list[ProductChoice]:
    from db.models import Product

    return [ProductChoice(p.id, p.name, p.kind, p.active)
            for p in session.scalars(select(Product).order_by(Product.kind, Product.name))]


def deviation_type_rows(session: Session) -> list[DeviationTypeRow]:
    from db.models import DeviationType

    scope_order = {"person": 0, "abonnemang": 1, "medgivande": 2}
    rows = [DeviationTypeRow(r.code, r.name, r.scope, r.severity) for r in session.scalars(select(DeviationType))]
    return sorted(rows, key=lambda r: (scope_order.get(r.scope, 9), r.name))


def freeze_reason_rows(session: Session) -> list[ReasonRow]:
    from db.models import DeviationReason, Freeze

    used = dict(session.execute(select(Freeze.reason_id, func.count()).where(Freeze.reason_id.is_not(None))
                                .group_by(Freeze.reason_id)).all())
    return [ReasonRow(r.id, r.name, r.active, used.get(r.id, 0))
            for r in session.scalars(select(DeviationReason).where(DeviationReason.kind == "frysning")
                                     .order_by(DeviationReason.name))]
