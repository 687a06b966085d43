"""Till routines (right "Kassa"): take payment for an order, void (makulera) it, store its receipt.

Payment is taken exactly once even when two tills try at the same moment: the
order leaves status 'oppen' with a conditional UPDATE ... WHERE status = 'oppen'
and only the transaction whose UPDATE hit the row goes on to write a Payment.

Every settled order gets one Payment row whose `method` says how it was settled
(kontant, kort, swish, faktura). With 'faktura' no money changes hands at the
desk: an Invoice (obetald, due in 30 days) carries the debt instead, and it
counts as skuld until it is paid. See docs/decisions/till.md.

An order created by Betala on the person card's Fakturor tab pays an invoice:
paying it marks that invoice 'betald' in the same transaction
(app/routines/invoices.py, docs/decisions/invoices.md).
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from app.domain.inputs import max_length
from app.context import Actor
from app.counters import next_number
from app.errors import Conflict, NotFound, UserError, ValidationError
from app.orders import INVOICE_DAYS, cancel_refusal, cash_amount
from app.rights import TILL
from app.routines.base import Routine
from app.routines.invoices import check_invoice_payment, settle_invoice_paid_at_desk

METHODS = ("kontant", "kort", "swish", "faktura")
MAX_REASON = max_length("reason")


def _new_id() -> str:
    return str(uuid.uuid4())


def _not_open_message(status: str | None) -> str:
    if status is None:
        return "Ordern finns inte längre. Uppdatera listan i kassan."
    if status == "makulerad":
        return "Ordern är makulerad och kan inte betalas."
    return "Ordern är redan betald."


def _order_status(session: Session, order_id: int) -> str | None:
    from db.models import Order

    return session.scalar(select(Order.status).where(Order.id == order_id))


def _order_total(session: Session, order_id: int) -> int:
    from db.models import OrderLine

    return int(session.scalar(select(func.coalesce(func.sum(OrderLine.amount_ore), 0))
                              .where(OrderLine.order_id == order_id)))


def _close_order(session: Session, order_id: int, status: str, paid_at: datetime | None) -> None:
    """Move an open order to `status`; a Conflict if another till (or click) got there first."""
    from db.models import Order

    values = {"status": status}
    if paid_at is not None:
        values["paid_at"] = paid_at
    result = session.execute(update(Order).where(Order.id == order_id, Order.status == "oppen").values(**values)
                             .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        status_now = _order_status(session, order_id)
        raise (NotFound if status_now is None else Conflict)(_not_open_message(status_now))


# --------------------------------------------------------------------------
# Betala
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class PayOrder:
    """Take payment. `received_ore` is the cash handed over (kontant only; None = exact amount)."""

    order_id: int
    method: str
    received_ore: int | None = None
    command_id: str = field(default_factory=_new_id)


@dataclass(frozen=True)
class PaidOrder:
    order_id: int
    order_number: int
    person_id: int
    method: str
    total_ore: int
    paid_ore: int            # what the payment was for: the total, or for cash the rounded amount
    rounding_ore: int        # öresavrundning (cash only): paid_ore - total_ore
    received_ore: int | None  # cash handed over
    change_ore: int          # växel
    paid_at: datetime
    invoice_number: int | None = None
    invoice_due_on: date | None = None


class PayOrderRoutine(Routine[PayOrder, PaidOrder]):
    name = "Betala order"
    required_rights = (TILL,)

    def validate(self, session: Session, command: PayOrder) -> None:
        if command.method not in METHODS:
            raise ValidationError("Välj betalsätt: kontant, kort, Swish eller faktura.", field="method")
        status = _order_status(session, command.order_id)
        if status != "oppen":
            raise (NotFound if status is None else Conflict)(_not_open_message(status))
        check_invoice_payment(session, command.order_id, command.method)
        if command.method == "kontant" and command.received_ore is not None:
            received = command.received_ore
            if not isinstance(received, int) or isinstance(received, bool):
                raise ValidationError("Ange mottaget belopp i kronor och ören.", field="received_ore")
            if received < cash_amount(_order_total(session, command.order_id)):
                raise ValidationError("Mottaget belopp är mindre än att betala.", field="received_ore")

    def perform(self, session: Session, command: PayOrder, actor: Actor):
        from db.models import Invoice, Order, Payment

        now = self.core.clock.now()
        _close_order(session, command.order_id, "betald", now)
        order = session.get(Order, command.order_id)
        total = _order_total(session, order.id)
        settle_invoice_paid_at_desk(session, order, total)
        paid = cash_amount(total) if command.method == "kontant" else total
        received = None
        if command.method == "kontant":
            received = paid if command.received_ore is None else command.received_ore
        session.add(Payment(order_id=order.id, method=command.method, amount_ore=paid, paid_at=now,
                            user_id=actor.user_id))
        invoice_number = due_on = None
        if command.method == "faktura":
            today = self.core.clock.today()
            due_on = today + timedelta(days=INVOICE_DAYS)
            invoice_number = next_number(session, "invoice_number")
            session.add(Invoice(invoice_number=invoice_number, person_id=order.person_id, kind="faktura",
                                issued_on=today, due_on=due_on, amount_ore=total, paid_ore=0, status="obetald",
                                order_id=order.id))
        session.flush()
        result = PaidOrder(order_id=order.id, order_number=order.order_number, person_id=order.person_id,
                           method=command.method, total_ore=total, paid_ore=paid, rounding_ore=paid - total,
                           received_ore=received, change_ore=(received - paid) if received is not None else 0,
                           paid_at=now, invoice_number=invoice_number, invoice_due_on=due_on)
        return result, "order", order.id


# --------------------------------------------------------------------------
# Makulera
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class CancelOrder:
    """Void an open order. The reason is kept in the audit log with who did it and when.

    Refused (UserError, `app.orders.cancel_refusal`) when the order's routine already changed a subscription.
    """

    order_id: int
    reason: str
    command_id: str = field(default_factory=_new_id)


@dataclass(frozen=True)
class CancelledOrder:
    order_id: int
    order_number: int
    person_id: int


class CancelOrderRoutine(Routine[CancelOrder, CancelledOrder]):
    name = "Makulera order"
    required_rights = (TILL,)

    def validate(self, session: Session, command: CancelOrder) -> None:
        reason = (command.reason or "").strip()
        if not reason:
            raise ValidationError("Skriv varför ordern makuleras.", field="reason")
        if len(reason) > MAX_REASON:
            raise ValidationError(f"Orsaken får vara högst {MAX_REASON} tecken.", field="reason")
        status = _order_status(session, command.order_id)
        if status == "oppen":
            refusal = cancel_refusal(session, command.order_id)
            if refusal is not None:
                raise UserError(refusal)
            return
        if status == "makulerad":
            raise Conflict("Ordern är redan makulerad.")
        if status is None:
            raise NotFound(_not_open_message(None))
        raise Conflict("Ordern är redan betald och kan inte makuleras.")

    def perform(self, session: Session, command: CancelOrder, actor: Actor):
        from db.models import Order

        _close_order(session, command.order_id, "makulerad", None)
        order = session.get(Order, command.order_id)
        return CancelledOrder(order.id, order.order_number, order.person_id), "order", order.id


# --------------------------------------------------------------------------
# Kvitto
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class StoreReceipt:
    """Keep the receipt PDF (rendered by the till widget; the core never imports Qt) with a paid order."""

    order_id: int
    pdf: bytes
    command_id: str = field(default_factory=_new_id)


class StoreReceiptRoutine(Routine[StoreReceipt, int]):
    name = "Spara kvitto"
    required_rights = (TILL,)

    def validate(self, session: Session, command: StoreReceipt) -> None:
        if not isinstance(command.pdf, bytes) or not command.pdf.startswith(b"%PDF"):
            raise ValidationError("Kvittot är ingen PDF-fil och sparades inte.", field="pdf")
        status = _order_status(session, command.order_id)
        if status is None:
            raise NotFound(_not_open_message(None))
        if status != "betald":
            raise Conflict("Kvitto kan bara sparas för en betald order.")

    def perform(self, session: Session, command: StoreReceipt, actor: Actor):
        from db.models import Order

        order = session.get(Order, command.order_id)
        order.receipt_pdf = command.pdf
        session.flush()
        return order.order_number, "order", order.id
