"""Orders and the till (SPEC §8, kassakoppling §4): creating orders, paying, voiding — on SQLite and PostgreSQL."""
from __future__ import annotations

import json
import threading
from dataclasses import dataclass, replace
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select, update

from app.context import Actor, Core
from app.errors import Conflict, NotAllowed, NotFound, ValidationError
from app.orders import (TILL_MISSING_REASON, OrderLineDraft, cash_amount, create_order, open_orders, order_summary,
                        require_till, unpaid_total)
from app.routines.base import Routine
from app.routines.pay_order import (CancelOrder, CancelOrderRoutine, PayOrder, PayOrderRoutine, StoreReceipt,
                                    StoreReceiptRoutine)
from app.routines.person_data import PersonData, insert_person, validate_person_data
from db.engine import make_session_factory
from db.models import AuditEntry, Counter, Invoice, Order, OrderLine, Payment

TRAINING = OrderLineDraft("Gym Bas 12 mån", 449900, 600, period_from=date(2026, 11, 22), period_to=date(2027, 11, 21))
FEE = OrderLineDraft("Administrationsavgift", 19900, 2500)
TOWELS = OrderLineDraft("Handduk", 5000, 2500, quantity=2)


# --------------------------------------------------------------------------
# helpers: a person, and a charging routine that uses create_order as real routines do
# --------------------------------------------------------------------------

def make_person(core: Core, first: str = "Anna", personnummer: str = "850709-9805") -> int:
    data = validate_person_data(PersonData(first, "Öberg", "anna@example.se", "0701234567", personnummer),
                                core.clock.today())
    with core.sessions() as session, session.begin():
        return insert_person(session, data, core.clock.now()).id


@dataclass(frozen=True)
class Charge:
    person_id: int
    lines: tuple[OrderLineDraft, ...]


class ChargeRoutine(Routine[Charge, "int | None"]):
    """Stands in for any charging routine: writes its own change, then the order, in one transaction."""

    name = "Försäljning"  # a sale that changes no subscription (Makulera allowed)

    def perform(self, session, command: Charge, actor: Actor):
        order = create_order(session, self.core, actor, command.person_id, self.name, command.lines)
        return (order.id if order else None), "order", order.id if order else None


def charge(core, actor, person_id, *lines) -> int | None:
    return ChargeRoutine(core).execute(Charge(person_id, lines), actor)


def count(core, model, *where) -> int:
    with core.sessions() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where))


def order_row(core, order_id) -> Order:
    with core.sessions() as session:
        order = session.get(Order, order_id)
        order.lines  # noqa: B018 - load the lines before the session closes
        return order


@pytest.fixture
def recep(core, make_actor) -> Actor:
    return make_actor(core, "recep")


@pytest.fixture
def person(core) -> int:
    return make_person(core)


@pytest.fixture
def order_id(core, recep, person) -> int:
    return charge(core, recep, person, TRAINING, FEE, TOWELS)


# --------------------------------------------------------------------------
# create_order
# --------------------------------------------------------------------------

def test_create_order_stores_lines_total_vat_and_numbers(core, recep, person):
    first = charge(core, recep, person, TRAINING, FEE, TOWELS)
    second = charge(core, recep, person, FEE)
    with core.sessions() as session:
        order = session.get(Order, first)
        assert (order.order_number, order.status, order.desk, order.routine) == (
            100001, "oppen", "Kassa 1", "Försäljning")
        assert order.created_at == core.clock.now() and order.created_by == recep.user_id
        assert [(ln.description, ln.quantity, ln.unit_price_ore, ln.amount_ore, ln.vat_basis_points)
                for ln in order.lines] == [
            ("Gym Bas 12 mån", 1, 449900, 449900, 600),
            ("Administrationsavgift", 1, 19900, 19900, 2500),
            ("Handduk", 2, 2500, 5000, 2500),
        ]
        assert (order.lines[0].period_from, order.lines[0].period_to) == (date(2026, 11, 22), date(2027, 11, 21))
        assert session.get(Order, second).order_number == 100002
        summary = order_summary(session, recep, first)
    assert summary.total_ore == 474800
    # VAT per rate on the rate's sum: 449 900 × 6/106 = 25 466; 24 900 × 25/125 = 4 980
    assert [(v.vat_basis_points, v.basis_ore, v.vat_ore) for v in summary.vat] == [(600, 449900, 25466),
                                                                                   (2500, 24900, 4980)]
    assert (summary.customer_name, summary.status, summary.payment_method) == ("Anna Öberg", "oppen", None)


def test_zero_amount_order_is_not_created_and_takes_no_number(core, recep, person):
    free = OrderLineDraft("Handduksabonnemang (ingår)", 0, 600)
    assert charge(core, recep, person, free) is None
    assert charge(core, recep, person, FEE, replace(FEE, description="Rabatt", amount_ore=-19900)) is None
    assert count(core, Order) == 0 and count(core, OrderLine) == 0
    # a zero line inside a paid order is kept (shown on the receipt), and numbering starts at the first real order
    order_id = charge(core, recep, person, FEE, free)
    assert order_row(core, order_id).order_number == 100001
    assert count(core, OrderLine) == 2


def test_without_a_till_charging_routines_are_refused_and_nothing_written(core, recep, person):
    core.till_enabled = False
    with pytest.raises(NotAllowed) as info:
        charge(core, recep, person, FEE)
    assert info.value.message == TILL_MISSING_REASON
    assert "kassakoppling" in TILL_MISSING_REASON and "Arkiv > Inställningar" in TILL_MISSING_REASON
    # the refusal does not depend on the amount: a routine that *can* charge needs a till
    with pytest.raises(NotAllowed):
        charge(core, recep, person, OrderLineDraft("Gratis", 0, 600))
    assert count(core, Order) == 0 and count(core, AuditEntry, AuditEntry.action == "Försäljning") == 0
    with pytest.raises(NotAllowed):
        require_till(core)
    core.till_enabled = True
    require_till(core)  # no exception with a till


@pytest.mark.parametrize("line, error", [
    (OrderLineDraft("Handduk", 10000, 2500, quantity=3), ValueError),     # 100 kr / 3 has no whole-öre unit price
    (OrderLineDraft("Handduk", 1000, 2500, quantity=0), ValueError),
    (OrderLineDraft(" ", 1000, 2500), ValueError),
    (OrderLineDraft("Moms fel", 1000, 25), None),                          # 0,25 % is odd but a valid rate
    (OrderLineDraft("Moms fel", 1000, 10001), ValueError),
    (OrderLineDraft("Ören som flyttal", 10.5, 600), TypeError),
    (OrderLineDraft("Period baklänges", 1000, 600, period_from=date(2026, 2, 1), period_to=date(2026, 1, 1)),
     ValueError),
])
def test_line_drafts_with_programming_errors_fail_loudly(core, recep, person, line, error):
    if error is None:
        assert charge(core, recep, person, line) is not None
        return
    with pytest.raises(error):
        charge(core, recep, person, line)
    assert count(core, Order) == 0


def test_unit_price_can_be_given_when_the_amount_does_not_divide(core, recep, person):
    order_id = charge(core, recep, person, OrderLineDraft("3 handdukar", 10000, 2500, quantity=3, unit_price_ore=3333))
    assert order_row(core, order_id).lines[0].unit_price_ore == 3333


def test_negative_total_is_refused(core, recep, person):
    with pytest.raises(ValueError):
        charge(core, recep, person, replace(FEE, amount_ore=-100))
    assert count(core, Order) == 0


def test_order_for_unknown_person_is_refused(core, recep):
    with pytest.raises(NotFound):
        charge(core, recep, 999999, FEE)


def test_open_orders_lists_this_desks_open_orders_newest_first(core, recep, person, clock):
    older = charge(core, recep, person, FEE)
    clock.advance(minutes=5)
    newer = charge(core, recep, person, TRAINING)
    other_desk = Core(core.sessions, core.clock, desk="Kassa 2")
    charge(other_desk, recep, person, TOWELS)
    with core.sessions() as session:
        rows = open_orders(session, recep, "Kassa 1")
    assert [(r.order_id, r.total_ore, r.customer_name, r.customer_number) for r in rows] == [
        (newer, 449900, "Anna Öberg", 10001), (older, 19900, "Anna Öberg", 10001)]
    PayOrderRoutine(core).execute(PayOrder(newer, "kort"), recep)
    with core.sessions() as session:
        assert [r.order_id for r in open_orders(session, recep, "Kassa 1")] == [older]
        assert len(open_orders(session, recep, "Kassa 2")) == 1


# --------------------------------------------------------------------------
# PayOrder
# --------------------------------------------------------------------------

@pytest.mark.parametrize("method", ["kort", "swish"])
def test_pay_by_card_or_swish_writes_payment_and_marks_paid(core, recep, person, order_id, method):
    paid = PayOrderRoutine(core).execute(PayOrder(order_id, method), recep)
    assert (paid.order_number, paid.total_ore, paid.paid_ore, paid.change_ore, paid.rounding_ore) == (
        100001, 474800, 474800, 0, 0)
    assert paid.paid_at == core.clock.now() and paid.invoice_number is None
    with core.sessions() as session:
        order = session.get(Order, order_id)
        assert (order.status, order.paid_at) == ("betald", core.clock.now())
        payments = session.scalars(select(Payment)).all()
        assert [(p.order_id, p.method, p.amount_ore, p.user_id) for p in payments] == [
            (order_id, method, 474800, recep.user_id)]
        assert session.scalar(select(func.count()).select_from(Invoice)) == 0
        assert unpaid_total(session, person) == 0
        assert order_summary(session, recep, order_id).payment_method == method
        audit = session.scalar(select(AuditEntry).where(AuditEntry.action == "Betala order"))
        assert (audit.entity, audit.entity_id, audit.user_id) == ("order", order_id, recep.user_id)


def test_faktura_settles_the_order_with_an_unpaid_invoice_that_is_debt(core, recep, person, order_id):
    paid = PayOrderRoutine(core).execute(PayOrder(order_id, "faktura"), recep)
    assert (paid.invoice_number, paid.invoice_due_on) == (500001, date(2026, 12, 22))
    with core.sessions() as session:
        invoice = session.scalar(select(Invoice))
        assert (invoice.person_id, invoice.kind, invoice.status, invoice.amount_ore, invoice.paid_ore) == (
            person, "faktura", "obetald", 474800, 0)
        assert (invoice.issued_on, invoice.due_on, invoice.order_id) == (
            date(2026, 11, 22), date(2026, 12, 22), order_id)
        assert session.get(Order, order_id).status == "betald"
        assert [p.method for p in session.scalars(select(Payment))] == ["faktura"]
        assert open_orders(session, recep, "Kassa 1") == []
        assert unpaid_total(session, person) == 474800
        summary = order_summary(session, recep, order_id)
        assert (summary.invoice_number, summary.invoice_due_on) == (500001, date(2026, 12, 22))
        session.execute(update(Invoice).values(status="betald", paid_ore=474800))
        assert unpaid_total(session, person) == 0


def test_kontant_gives_change(core, recep, order_id):
    paid = PayOrderRoutine(core).execute(PayOrder(order_id, "kontant", received_ore=500000), recep)
    assert (paid.received_ore, paid.paid_ore, paid.change_ore) == (500000, 474800, 25200)
    with core.sessions() as session:
        assert session.scalar(select(Payment.amount_ore)) == 474800


def test_kontant_without_amount_is_the_exact_amount(core, recep, order_id):
    paid = PayOrderRoutine(core).execute(PayOrder(order_id, "kontant"), recep)
    assert (paid.received_ore, paid.change_ore) == (474800, 0)


@pytest.mark.parametrize("total, due", [(29930, 29900), (29950, 30000), (29900, 29900), (49, 0), (50, 100)])
def test_cash_is_rounded_to_whole_kronor(total, due):
    assert cash_amount(total) == due


def test_kontant_rounds_to_whole_kronor_and_records_what_was_taken(core, recep, person):
    order_id = charge(core, recep, person, OrderLineDraft("Ikapp 11 dagar", 29930, 600))
    paid = PayOrderRoutine(core).execute(PayOrder(order_id, "kontant", received_ore=30000), recep)
    assert (paid.total_ore, paid.paid_ore, paid.rounding_ore, paid.change_ore) == (29930, 29900, -30, 100)
    with core.sessions() as session:
        assert session.scalar(select(Payment.amount_ore)) == 29900


def test_kontant_with_too_little_money_is_refused_and_nothing_written(core, recep, order_id):
    with pytest.raises(ValidationError) as info:
        PayOrderRoutine(core).execute(PayOrder(order_id, "kontant", received_ore=474700), recep)
    assert info.value.message == "Mottaget belopp är mindre än att betala."
    assert info.value.field == "received_ore"
    assert order_row(core, order_id).status == "oppen"
    assert count(core, Payment) == 0 and count(core, AuditEntry, AuditEntry.action == "Betala order") == 0


def test_paying_twice_is_refused(core, recep, order_id):
    PayOrderRoutine(core).execute(PayOrder(order_id, "kort"), recep)
    with pytest.raises(Conflict, match="Ordern är redan betald"):
        PayOrderRoutine(core).execute(PayOrder(order_id, "swish"), recep)
    assert count(core, Payment) == 1


def test_same_payment_command_replayed_runs_once(core, recep, order_id):
    command = PayOrder(order_id, "kort")
    paid = PayOrderRoutine(core).execute(command, recep)
    assert PayOrderRoutine(core).execute(command, recep) == paid  # the stored result, no second payment
    assert count(core, Payment) == 1


class PayWithoutLooking(PayOrderRoutine):
    """Skips validate, as if another till paid between our check and our write."""

    def validate(self, session, command):
        pass


def test_the_write_itself_refuses_an_order_that_is_no_longer_open(core, recep, order_id):
    with core.sessions() as session, session.begin():
        session.execute(update(Order).values(status="betald"))
    with pytest.raises(Conflict, match="Ordern är redan betald"):
        PayWithoutLooking(core).execute(PayOrder(order_id, "kort"), recep)
    assert count(core, Payment) == 0


def test_without_the_right_kassa_nothing_is_written(core, person, order_id):
    no_till = Actor(user_id=None, username="x", full_name="X", rights=frozenset({"Kundrutiner"}))
    with pytest.raises(NotAllowed, match="Kassa"):
        PayOrderRoutine(core).execute(PayOrder(order_id, "kort"), no_till)
    with pytest.raises(NotAllowed, match="Kassa"):
        CancelOrderRoutine(core).execute(CancelOrder(order_id, "fel kund"), no_till)
    assert order_row(core, order_id).status == "oppen"
    assert count(core, Payment) == 0
    assert count(core, AuditEntry, AuditEntry.entity == "order", AuditEntry.action != "Försäljning") == 0


def test_unknown_method_and_unknown_order_are_refused(core, recep, order_id):
    with pytest.raises(ValidationError, match="betalsätt"):
        PayOrderRoutine(core).execute(PayOrder(order_id, "check"), recep)
    with pytest.raises(NotFound, match="finns inte längre"):
        PayOrderRoutine(core).execute(PayOrder(order_id + 1000, "kort"), recep)
    assert count(core, Payment) == 0


# --------------------------------------------------------------------------
# Makulera, kvitto, skuld
# --------------------------------------------------------------------------

def test_cancel_needs_a_reason_and_keeps_it_in_the_audit(core, recep, person, order_id):
    with pytest.raises(ValidationError, match="varför") as info:
        CancelOrderRoutine(core).execute(CancelOrder(order_id, "  "), recep)
    assert info.value.field == "reason"
    result = CancelOrderRoutine(core).execute(CancelOrder(order_id, "Fel produkt vald"), recep)
    assert (result.order_number, result.person_id) == (100001, person)
    with core.sessions() as session:
        assert session.get(Order, order_id).status == "makulerad"
        audit = session.scalar(select(AuditEntry).where(AuditEntry.action == "Makulera order"))
        assert json.loads(audit.details)["reason"] == "Fel produkt vald"
        assert unpaid_total(session, person) == 0
        assert open_orders(session, recep, "Kassa 1") == []
    with pytest.raises(Conflict, match="makulerad"):
        PayOrderRoutine(core).execute(PayOrder(order_id, "kort"), recep)
    with pytest.raises(Conflict, match="redan makulerad"):
        CancelOrderRoutine(core).execute(CancelOrder(order_id, "igen"), recep)


def test_a_paid_order_cannot_be_cancelled(core, recep, order_id):
    PayOrderRoutine(core).execute(PayOrder(order_id, "kort"), recep)
    with pytest.raises(Conflict, match="redan betald"):
        CancelOrderRoutine(core).execute(CancelOrder(order_id, "ångrade sig"), recep)
    assert order_row(core, order_id).status == "betald"


def test_store_receipt_only_for_paid_orders_and_only_pdf(core, recep, order_id):
    with pytest.raises(Conflict, match="betald order"):
        StoreReceiptRoutine(core).execute(StoreReceipt(order_id, b"%PDF-1.4 x"), recep)
    PayOrderRoutine(core).execute(PayOrder(order_id, "kort"), recep)
    with pytest.raises(ValidationError, match="ingen PDF"):
        StoreReceiptRoutine(core).execute(StoreReceipt(order_id, b"<html>"), recep)
    assert order_row(core, order_id).receipt_pdf is None
    StoreReceiptRoutine(core).execute(StoreReceipt(order_id, b"%PDF-1.4 kvitto"), recep)
    assert order_row(core, order_id).receipt_pdf == b"%PDF-1.4 kvitto"
    with core.sessions() as session:
        audit = session.scalar(select(AuditEntry).where(AuditEntry.action == "Spara kvitto"))
        assert "kvitto" not in audit.details  # the bytes are not copied into the audit log


def test_unpaid_total_counts_open_orders_and_unpaid_invoices(core, recep, person):
    other = make_person(core, "Bo", "19121212-1212")
    a = charge(core, recep, person, FEE)                 # 199,00 open
    b = charge(core, recep, person, TRAINING)            # 4 499,00 → faktura (still debt)
    c = charge(core, recep, person, TOWELS)              # 50,00 → paid by card
    charge(core, recep, other, TRAINING)                 # someone else's
    PayOrderRoutine(core).execute(PayOrder(b, "faktura"), recep)
    PayOrderRoutine(core).execute(PayOrder(c, "kort"), recep)
    with core.sessions() as session:
        assert unpaid_total(session, person) == 19900 + 449900
    CancelOrderRoutine(core).execute(CancelOrder(a, "dubbelregistrerad"), recep)
    with core.sessions() as session:
        assert unpaid_total(session, person) == 449900
        assert unpaid_total(session, other) == 449900


# --------------------------------------------------------------------------
# Two tills, one order (PostgreSQL: real concurrent transactions)
# --------------------------------------------------------------------------

@pytest.mark.pg
def test_two_tills_paying_the_same_order_at_once_take_one_payment(pg_db, clock, make_actor):
    core = Core(sessions=make_session_factory(pg_db.engine), clock=clock, desk="Kassa 1")
    recep = make_actor(core, "recep")
    person = make_person(core)
    order_id = charge(core, recep, person, TRAINING)
    barrier = threading.Barrier(2, timeout=10)

    class PayTogether(PayOrderRoutine):
        def validate(self, session, command):
            super().validate(session, command)  # both see the order open ...
            barrier.wait()                      # ... and only then try to take it

    outcomes: list[object] = []

    def till(method: str) -> None:
        try:
            outcomes.append(PayTogether(core).execute(PayOrder(order_id, method), recep))
        except Conflict as err:
            outcomes.append(err)

    threads = [threading.Thread(target=till, args=(m,)) for m in ("kort", "swish")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    conflicts = [o for o in outcomes if isinstance(o, Conflict)]
    assert len(outcomes) == 2 and len(conflicts) == 1
    assert conflicts[0].message == "Ordern är redan betald."
    assert count(core, Payment) == 1
    assert order_row(core, order_id).status == "betald"
