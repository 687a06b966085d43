"""Orders for the till (kassa): how charging routines create them, and what the till reads.

Every routine that can lead to a charge ("kan resultera i en debitering") calls
`create_order(...)` INSIDE its own transaction, after its other writes, and
returns the order id in its result; the UI then emits `bus.order_created(id)`
and the order opens in the till on this desk (SPEC §8). Such a routine needs a
till on this desk (kassakoppling, SPEC §4): `require_till(core)` refuses it
otherwise, and menus show `TILL_MISSING_REASON` as the disabled entry's tooltip.

Decisions (docs/decisions/till.md):
* an order whose lines add up to 0 öre is not created — `create_order` returns
  None and nothing reaches the till;
* zero-amount lines inside a non-zero order are kept (a free add-on is still
  shown on the receipt);
* VAT is computed per rate on the sum of that rate's lines, so the receipt's
  "varav moms" does not drift by rounding each line;
* cash is rounded to whole kronor (öresavrundning, `cash_amount`); card, Swish
  and invoice pay the exact amount;
* Makulera is refused for an order whose routine already changed a subscription
  (a line carries its subscription_id, or a subscription routine made it):
  `cancel_refusal` says why and names the way back (Faktura, and the routine's
  counterpart plus Kreditera faktura).
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.domain.inputs import max_length
from app.context import Actor, Core
from app.counters import next_number
from app.domain.money import vat_part
from app.errors import NotAllowed, NotFound
from app.rights import TILL, require

TILL_MISSING_REASON = (
    "Den här datorn saknar kassakoppling, så rutiner som kan leda till en debitering är avstängda. "
    "Koppla en kassa under Arkiv > Inställningar för den här datorn."
)

METHOD_NAMES = {"kontant": "Kontant", "kort": "Kort", "swish": "Swish", "faktura": "Faktura"}
INVOICE_DAYS = 30
# The routine name (prefix) of a till order that pays an invoice at the desk (app/routines/invoices.py makes
# them): its open amount is that invoice's debt, counted once. Here, below invoices.py, so both use it.
INVOICE_PAYMENT_ROUTINE = "Betala faktura"
MAX_DESCRIPTION = max_length("description")  # order_lines.description


def require_till(core: Core) -> None:
    """Refuse a charging routine on a desk without a till (kassakoppling)."""
    if not core.till_enabled:
        raise NotAllowed(TILL_MISSING_REASON)


def cash_amount(total_ore: int) -> int:
    """What a cash customer pays: the total rounded to whole kronor, 50 öre up (öresavrundning)."""
    kronor, ore = divmod(total_ore, 100)
    return (kronor + (1 if ore >= 50 else 0)) * 100


@dataclass(frozen=True)
class OrderLineDraft:
    """One line a routine wants charged. `amount_ore` is the line total incl. VAT.

    `unit_price_ore` defaults to amount / quantity (which must then divide evenly).
    A negative amount is allowed for a discount line; the order total may not be negative.
    """

    description: str
    amount_ore: int
    vat_basis_points: int
    product_id: int | None = None
    subscription_id: int | None = None
    period_from: date | None = None
    period_to: date | None = None
    quantity: int = 1
    unit_price_ore: int | None = None

    def checked(self) -> "OrderLineDraft":
        """Programming errors in a routine's lines fail loudly; they are never the receptionist's fault."""
        for name in ("amount_ore", "vat_basis_points", "quantity"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool):
                raise TypeError(f"{name} must be an int, got {value!r}")
        if not self.description.strip() or len(self.description) > MAX_DESCRIPTION:
            raise ValueError(f"order line description must be 1..{MAX_DESCRIPTION} characters")
        if self.quantity < 1:
            raise ValueError("quantity must be at least 1")
        if not 0 <= self.vat_basis_points <= 10_000:
            raise ValueError("vat_basis_points must be 0..10000 (600 = 6 %)")
        if self.period_from and self.period_to and self.period_to < self.period_from:
            raise ValueError("period_to is before period_from")
        unit = self.unit_price_ore
        if unit is None:
            if self.amount_ore % self.quantity:
                raise ValueError("give unit_price_ore when amount is not quantity × a whole öre price")
            unit = self.amount_ore // self.quantity
        return OrderLineDraft(self.description.strip(), self.amount_ore, self.vat_basis_points, self.product_id,
                              self.subscription_id, self.period_from, self.period_to, self.quantity, unit)


def create_order(session: Session, core: Core, actor: Actor, person_id: int, routine_name: str,
                 lines: list[OrderLineDraft] | tuple[OrderLineDraft, ...]):
    """Add an open order for `person_id` at this desk in the caller's transaction.

    Returns the flushed `db.models.Order` (its `id` and `order_number` are set), or
    None when the lines add up to 0 öre — nothing to pay, so nothing for the till.
    Raises NotAllowed(TILL_MISSING_REASON) without a till on this desk, whatever the amount.
    """
    from db.models import Order, OrderLine, Person

    require_till(core)
    checked = [line.checked() for line in lines]
    total = sum(line.amount_ore for line in checked)
    if total < 0:
        raise ValueError("an order total cannot be negative; the till does not pay money out")
    if total == 0:
        return None
    if session.get(Person, person_id) is None:
        raise NotFound("Kunden finns inte längre i registret. Sök fram kunden igen.")
    order = Order(
        order_number=next_number(session, "order_number"),
        person_id=person_id,
        desk=core.desk,
        routine=routine_name,
        status="oppen",
        created_at=core.clock.now(),
        created_by=actor.user_id,
        lines=[OrderLine(description=line.description, amount_ore=line.amount_ore,
                         vat_basis_points=line.vat_basis_points, product_id=line.product_id,
                         subscription_id=line.subscription_id, period_from=line.period_from,
                         period_to=line.period_to, quantity=line.quantity, unit_price_ore=line.unit_price_ore)
               for line in checked],
    )
    session.add(order)
    session.flush()
    return order


# --------------------------------------------------------------------------
# Read models for the till and the person card
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class OpenOrderRow:
    order_id: int
    order_number: int
    person_id: int
    customer_name: str
    customer_number: int
    total_ore: int
    created_at: datetime
    routine: str


@dataclass(frozen=True)
class SummaryLine:
    description: str
    period_from: date | None
    period_to: date | None
    quantity: int
    unit_price_ore: int
    amount_ore: int
    vat_basis_points: int


@dataclass(frozen=True)
class VatRow:
    """VAT of one rate: `basis_ore` is the gross amount at that rate, `vat_ore` the VAT in it."""

    vat_basis_points: int
    basis_ore: int
    vat_ore: int


@dataclass(frozen=True)
class OrderSummary:
    order_id: int
    order_number: int
    person_id: int
    customer_name: str
    customer_number: int
    desk: str
    routine: str
    status: str
    created_at: datetime
    paid_at: datetime | None
    lines: tuple[SummaryLine, ...]
    vat: tuple[VatRow, ...]
    total_ore: int
    payment_method: str | None = None
    invoice_number: int | None = None
    invoice_due_on: date | None = None
    has_receipt: bool = False
    cancel_refusal: str | None = None  # why Makulera is refused (None: the order can be cancelled)


#: The routine that takes a subscription change back, where there is one (for the Makulera refusal).
UNDO_ROUTINES = {"Uppgradera": "Nedgradera", "Tina upp": "Frys", "Förkorta frysning": "Förläng frysning"}
#: The subscription routines (SPEC §6; `name` of every SubscriptionRoutine, kept in step by a test): each has changed
#: the subscription before its order reaches the till, also when no order line names it (Överlåt's fee).
SUBSCRIPTION_ROUTINES = frozenset({"Säg upp", "Debitera", "Frys", "Tina upp", "Förkorta frysning",
                                   "Förläng frysning", "Ta bort annan betalare", "Sluta betala för abonnemang",
                                   "Överlåt", "Uppgradera", "Nedgradera"})


def cancel_refusal(session: Session, order_id: int) -> str | None:
    """Why an open order may not be made void (makuleras), or None.

    The routines that charge for a subscription (Registrering, Debitera, Uppgradera, Säg upp with slutbetalning,
    Tina upp with catch-up, Överlåt …) have changed it already in their own transaction; voiding the order would
    leave the change in place for free. Such an order is settled (Faktura when the customer cannot pay now);
    a change that was wrong is taken back with the routine's counterpart and the invoice credited, with a reason.
    """
    from db.models import Order, OrderLine, Product, Subscription

    order = session.get(Order, order_id)
    if order is None:
        return None
    names = session.scalars(
        select(Product.name).join(Subscription, Subscription.product_id == Product.id)
        .join(OrderLine, OrderLine.subscription_id == Subscription.id)
        .where(OrderLine.order_id == order_id).distinct().order_by(Product.name)).all()
    if not names and order.routine not in SUBSCRIPTION_ROUTINES:
        return None
    if not names:
        what = "abonnemanget"
    elif len(names) == 1:
        what = f"abonnemanget {names[0]}"
    else:
        what = "abonnemangen " + ", ".join(names[:-1]) + f" och {names[-1]}"
    undo = UNDO_ROUTINES.get(order.routine)
    back = (f"ångra den med ”{undo}” på kundkortet, ta betalt med Faktura (F8) och kreditera fakturan under Fakturor."
            if undo else "ta betalt med Faktura (F8) och kreditera fakturan med orsak under kundkortets Fakturor.")
    return (f"Order {order.order_number} kan inte makuleras: rutinen ”{order.routine}” har redan ändrat {what}, "
            f"och en makulering tar inte tillbaka ändringen. Ta betalt, eller välj Faktura (F8) om kunden inte kan "
            f"betala nu. Var ändringen fel: {back}")


def open_orders(session: Session, actor: Actor, desk: str) -> list[OpenOrderRow]:
    """This desk's open orders, newest first (the customer at the desk is usually the latest).
    Requires the right Kassa, like the routines that take payment."""
    from db.models import Order, OrderLine, Person

    require(actor, TILL)
    totals = (select(OrderLine.order_id, func.sum(OrderLine.amount_ore).label("total"))
              .group_by(OrderLine.order_id).subquery())
    rows = session.execute(
        select(Order.id, Order.order_number, Order.person_id, Person.first_name, Person.last_name,
               Person.customer_number, func.coalesce(totals.c.total, 0), Order.created_at, Order.routine)
        .join(Person, Person.id == Order.person_id)
        .outerjoin(totals, totals.c.order_id == Order.id)
        .where(Order.desk == desk, Order.status == "oppen")
        .order_by(Order.created_at.desc(), Order.id.desc())
    )
    return [OpenOrderRow(oid, number, pid, f"{first} {last}", cnum, int(total), created, routine)
            for oid, number, pid, first, last, cnum, total, created, routine in rows]


def vat_rows(lines) -> tuple[VatRow, ...]:
    by_rate: dict[int, int] = defaultdict(int)
    for line in lines:
        by_rate[line.vat_basis_points] += line.amount_ore
    return tuple(VatRow(rate, gross, vat_part(gross, rate)) for rate, gross in sorted(by_rate.items()) if gross)


def order_summary(session: Session, actor: Actor, order_id: int) -> OrderSummary:
    """Everything the till and the receipt show for one order: lines, VAT per rate, total, settlement.
    Requires the right Kassa."""
    from db.models import Invoice, Order, Payment, Person

    require(actor, TILL)
    order = session.get(Order, order_id)
    if order is None:
        raise NotFound("Ordern finns inte längre. Uppdatera listan i kassan.")
    person = session.get(Person, order.person_id)
    lines = tuple(SummaryLine(line.description, line.period_from, line.period_to, line.quantity,
                              line.unit_price_ore, line.amount_ore, line.vat_basis_points) for line in order.lines)
    payment = session.scalars(select(Payment).where(Payment.order_id == order.id).order_by(Payment.id)).first()
    invoice = session.scalars(select(Invoice).where(Invoice.order_id == order.id).order_by(Invoice.id)).first()
    return OrderSummary(
        order_id=order.id, order_number=order.order_number, person_id=order.person_id,
        customer_name=f"{person.first_name} {person.last_name}", customer_number=person.customer_number,
        desk=order.desk, routine=order.routine, status=order.status, created_at=order.created_at,
        paid_at=order.paid_at, lines=lines, vat=vat_rows(lines), total_ore=sum(line.amount_ore for line in lines),
        payment_method=payment.method if payment else None,
        invoice_number=invoice.invoice_number if invoice else None,
        invoice_due_on=invoice.due_on if invoice else None,
        has_receipt=order.receipt_pdf is not None,
        cancel_refusal=cancel_refusal(session, order.id) if order.status == "oppen" else None,
    )


def unpaid_total(session: Session, person_id: int) -> int:
    """The person's debt (skuld) in öre: open orders at any desk + what is left on unpaid invoices.

    An order settled by invoice ("faktura") is no longer open, but its unpaid invoice counts here.
    An open order that pays an invoice at the desk is the same debt as that invoice: counted once.
    """
    from db.models import Invoice, Order, OrderLine

    orders = session.scalar(
        select(func.coalesce(func.sum(OrderLine.amount_ore), 0))
        .join(Order, Order.id == OrderLine.order_id)
        .where(Order.person_id == person_id, Order.status == "oppen",
               Order.routine.not_like(f"{INVOICE_PAYMENT_ROUTINE} %"))
    )
    invoices = session.scalar(
        select(func.coalesce(func.sum(Invoice.amount_ore - Invoice.paid_ore), 0))
        .where(Invoice.person_id == person_id, Invoice.status == "obetald")
    )
    return int(orders) + int(invoices)
