"""Uppgradera and Nedgradera (SPEC §6): change to a dearer / cheaper product on the same price list.

The target must be an active main product on the subscription's price list,
of the same kind (AG ↔ AG, kontant ↔ kontant), dearer (upgrade) or cheaper
(downgrade) by its price on that list than the current product's price there.

* Uppgradera charges the difference for the already-paid days ahead
  (``app.domain.pricing.plan_upgrade``) — an order for the till. Decision: the
  target must have the same debit interval / validity length, since the
  difference is per interval.
* Nedgradera refunds nothing: debiterat t.o.m. moves forward by
  ``plan_downgrade``'s day shift (AG: the next debit is smaller; kontant: the
  validity is longer).

The subscription gets the new product and its list price. Add-ons are untouched.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.context import Actor
from app.domain.periods import iso
from app.domain.pricing import plan_downgrade, plan_upgrade
from app.errors import ValidationError
from app.orders import OrderLineDraft, require_till
from app.routines.subscriptions.common import (
    OrderLinePreview,
    SubscriptionRoutine,
    SubscriptionRowPreview,
    total,
)
from app.routines.subscriptions.facts import load, period_months, require_status

CHANGEABLE = ("aktivt", "fryst", "framtida_frysning", "uppsagt")
Direction = Literal["upp", "ned"]


@dataclass(frozen=True)
class ChangeProduct:
    subscription_id: int
    product_id: int                       # the dearer (Uppgradera) or cheaper (Nedgradera) product
    agent_name: str = ""
    command_id: str = field(default_factory=lambda: str(uuid.uuid4()))


@dataclass(frozen=True)
class ProductOption:
    product_id: int
    name: str
    price_ore: int                        # on the subscription's price list
    period_months: int


@dataclass(frozen=True)
class ChangeProductPreview:
    direction: str                        # upp / ned
    old_product_name: str
    old_price_ore: int
    new_product_name: str
    new_price_ore: int
    paid_days_ahead: int                  # paid days today … debiterat t.o.m. (frozen free days excluded)
    shift_days: int                       # Nedgradera: days debiterat t.o.m. moves forward
    row: SubscriptionRowPreview
    lines: tuple[OrderLinePreview, ...]   # Uppgradera: the difference; Nedgradera: none
    total_ore: int


@dataclass(frozen=True)
class ChangeProductResult:
    subscription_id: int
    product_id: int
    charged_through: date | None
    order_id: int | None
    total_ore: int


def _list_price(session: Session, price_list_id: int, product_id: int) -> int | None:
    from db.models import PriceListItem

    item = session.get(PriceListItem, (price_list_id, product_id))
    return item.price_ore if item is not None else None


def product_options(session: Session, sub, direction: Direction) -> list[ProductOption]:
    """Dearer (upp) or cheaper (ned) active main products of the same kind on the subscription's list."""
    from db.models import PriceListItem, Product

    if sub.price_list_id is None:
        return []
    current = _list_price(session, sub.price_list_id, sub.product_id)
    reference = current if current is not None else sub.price_ore
    rows = session.execute(
        select(Product, PriceListItem.price_ore)
        .join(PriceListItem, PriceListItem.product_id == Product.id)
        .where(PriceListItem.price_list_id == sub.price_list_id, Product.kind == "huvud",
               Product.active.is_(True), Product.payment == sub.product.payment, Product.id != sub.product_id)
        .order_by(PriceListItem.price_ore, Product.name)).all()
    options = []
    for product, price in rows:
        if (direction == "upp" and price > reference) or (direction == "ned" and price < reference):
            options.append(ProductOption(product.id, product.name, price, period_months(product)))
    return options


class _ChangeProductRoutine(SubscriptionRoutine[ChangeProduct, ChangeProductResult]):
    direction: Direction

    def options(self, subscription_id: int) -> list[ProductOption]:
        """The products the menu entry offers; the entry is hidden when the list is empty."""
        with self.preview_session() as session:
            loaded = load(session, subscription_id)
            return product_options(session, loaded.main, self.direction)

    def preview(self, command: ChangeProduct) -> ChangeProductPreview:
        with self.preview_session() as session:
            return self._plan(session, command, lock=False)[1]

    def _plan(self, session: Session, cmd: ChangeProduct, *, lock: bool):
        from db.models import Product

        upgrade = self.direction == "upp"
        if upgrade:
            require_till(self.core)
        today = self.core.clock.today()
        loaded = load(session, cmd.subscription_id, lock=lock)
        sub, facts = loaded.main, loaded.main_facts
        require_status(sub, CHANGEABLE, "uppgraderas" if upgrade else "nedgraderas")
        if sub.price_list_id is None:
            raise ValidationError("Abonnemanget har ingen prislista, så det finns inget att byta till.",
                                  field="product_id")
        options = {o.product_id: o for o in product_options(session, sub, self.direction)}
        target = options.get(cmd.product_id)
        if target is None:
            product = session.get(Product, cmd.product_id)
            name = product.name if product is not None else "Produkten"
            what = "dyrare" if upgrade else "billigare"
            raise ValidationError(
                f"{name} kan inte väljas. Det går bara att {'uppgradera' if upgrade else 'nedgradera'} till ett "
                f"{what} abonnemang av samma typ ({sub.product.payment}) på samma prislista.", field="product_id")
        product = session.get(Product, target.product_id)
        drafts: list[OrderLineDraft] = []
        paid_ahead, shift, new_ct = 0, 0, sub.charged_through
        if upgrade:
            if target.period_months != facts.interval_months:
                raise ValidationError(
                    f"{target.name} har en annan debiteringsperiod ({target.period_months} mån.) än nuvarande "
                    f"abonnemang ({facts.interval_months} mån.) och kan inte väljas vid uppgradering.",
                    field="product_id")
            up = plan_upgrade(facts, target.price_ore, today)
            if up is not None:
                paid_ahead = up.paid_days
                drafts.append(OrderLineDraft(
                    f"Uppgradering {sub.product.name} → {target.name} {iso(up.period_from)} – {iso(up.period_to)}",
                    up.amount_ore, product.vat_basis_points, product_id=product.id, subscription_id=sub.id,
                    period_from=up.period_from, period_to=up.period_to))
        else:
            down = plan_downgrade(facts, target.price_ore, target.period_months, today)
            paid_ahead, shift, new_ct = down.remaining_paid_days, down.shift_days, down.new_charged_through
        row = SubscriptionRowPreview(sub.id, sub.product.name, sub.product.payment, False, sub.charged_through,
                                     new_ct, end_date_after=sub.end_date, credit_days_before=sub.credit_days,
                                     credit_days_after=sub.credit_days, amount_ore=total(drafts))
        preview = ChangeProductPreview(self.direction, sub.product.name, sub.price_ore, target.name,
                                       target.price_ore, paid_ahead, shift, row,
                                       tuple(OrderLinePreview.of(d) for d in drafts), total(drafts))
        return (loaded, target, new_ct, drafts), preview

    def _write(self, session: Session, plan, cmd: ChangeProduct, actor: Actor):
        (loaded, target, new_ct, drafts), _preview = plan
        sub = loaded.main
        sub.product_id = target.product_id
        sub.price_ore = target.price_ore
        sub.charged_through = new_ct
        order = self._order(session, actor, sub.payer_id, drafts)
        session.flush()
        return (ChangeProductResult(sub.id, target.product_id, new_ct, order.id if order else None,
                                    order.total_ore if order else 0), "abonnemang", sub.id)


class UpgradeSubscriptionRoutine(_ChangeProductRoutine):
    name = "Uppgradera"
    direction: Direction = "upp"


class DowngradeSubscriptionRoutine(_ChangeProductRoutine):
    name = "Nedgradera"
    direction: Direction = "ned"
