"""The Fakturor routines (Skicka, Betala, Kreditera), the till settling a desk-paid invoice, and document reads.

Every test runs on SQLite and PostgreSQL (the `db` fixture)."""
from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select, update

from app.context import Actor
from app.errors import Conflict, NotAllowed, NotFound, ValidationError
from app.orders import TILL_MISSING_REASON, order_summary, unpaid_total
from app.queries.person_card import load_document_content
from app.routines import invoices as inv
from app.routines.pay_order import CancelOrder, CancelOrderRoutine, PayOrder, PayOrderRoutine
from db.models import Address, AuditEntry, Counter, Document, Invoice, Order, OutboxMessage, Payment
from tests.app.conftest_data import NOW, add_invoice, add_order, add_person

TODAY = date(2026, 11, 22)
PDF = b"%PDF-1.4 faktura"


def count(core, model, *where) -> int:
    with core.sessions() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where))


def audits(core, action) -> list[AuditEntry]:
    with core.sessions() as session:
        return session.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)).all()


def invoice_row(core, invoice_id) -> Invoice:
    with core.sessions() as session:
        return session.get(Invoice, invoice_id)


@pytest.fixture
def recep(core, make_actor) -> Actor:
    return make_actor(core, "recep")


@pytest.fixture
def person(core) -> int:
    with core.sessions() as s, s.begin():
        return add_person(s, "Ingrid", "Fakturasson", email="ingrid@example.se").id


def new_invoice(core, person_id, amount_ore=50000, **kw) -> int:
    from db.models import Person

    with core.sessions() as s, s.begin():
        return add_invoice(s, s.get(Person, person_id), amount_ore, **kw).id


def pay_at_desk(core, actor, invoice_id) -> inv.InvoiceOrder:
    return inv.PayInvoiceAtDeskRoutine(core).execute(inv.PayInvoiceAtDesk(invoice_id), actor)


def nothing_written(core, before_audits=0) -> None:
    assert count(core, Order) == 0
    assert count(core, OutboxMessage) == 0
    assert count(core, AuditEntry) == before_audits


# --------------------------------------------------------------------------
# The rules shared with the Fakturor tab
# --------------------------------------------------------------------------

@pytest.mark.parametrize("args, reason", [
    (("obetald", 50000, 0, False, None), None),
    (("obetald", 50000, 20000, False, None), None),
    (("betald", 50000, 50000, False, None), "Fakturan är redan betald."),
    (("krediterad", 50000, 0, False, None), "Fakturan är krediterad och ska inte betalas."),
    (("krediterad", -50000, 0, True, None), "En kreditfaktura betalas inte."),
    (("obetald", 50000, 0, False, 100007), "Fakturan har redan en öppen order i kassan (order 100007)."),
    (("obetald", 50000, 50000, False, None), "Det finns inget kvar att betala på fakturan."),
])
def test_pay_refusal(args, reason):
    assert inv.pay_refusal(*args) == reason


@pytest.mark.parametrize("args, reason", [
    (("obetald", False, None), None),
    (("betald", False, None), "Fakturan är redan betald och kan inte krediteras."),
    (("krediterad", False, None), "Fakturan är redan krediterad."),
    (("krediterad", True, None), "En kreditfaktura kan inte krediteras."),
    (("obetald", False, 100003), "Fakturan har en öppen order i kassan (order 100003). Makulera ordern i kassan först."),
])
def test_credit_refusal(args, reason):
    assert inv.credit_refusal(*args) == reason


def test_payment_routine_name_round_trip():
    assert inv.invoice_payment_routine(500012) == "Betala faktura 500012"
    assert inv.paid_invoice_number("Betala faktura 500012") == 500012
    for other in ("Debitera", "Betala faktura", "Betala faktura 12 extra", None, ""):
        assert inv.paid_invoice_number(other) is None


# --------------------------------------------------------------------------
# Betala: a till order for what is left, settled when the till takes payment
# --------------------------------------------------------------------------

def test_pay_at_desk_creates_a_till_order_for_the_remaining_amount(core, recep, person):
    invoice_id = new_invoice(core, person, 50000, paid_ore=12500)
    number = invoice_row(core, invoice_id).invoice_number
    result = pay_at_desk(core, recep, invoice_id)
    assert (result.invoice_number, result.amount_ore) == (number, 37500)
    with core.sessions() as s:
        summary = order_summary(s, recep, result.order_id)
        order = s.get(Order, result.order_id)
    assert (order.status, order.desk, order.routine, order.person_id) == ("oppen", "Kassa 1",
                                                                           f"Betala faktura {number}", person)
    assert summary.order_number == result.order_number and summary.total_ore == 37500
    (line,) = summary.lines
    assert (line.description, line.amount_ore, line.vat_basis_points) == (f"Betalning av faktura {number}", 37500, 0)
    assert invoice_row(core, invoice_id).status == "obetald"  # not paid until the till takes the money
    (audit,) = audits(core, "Betala faktura")
    assert audit.entity == "invoice" and audit.entity_id == invoice_id and audit.user_id == recep.user_id


@pytest.mark.parametrize("setup, message", [
    ({"status": "betald", "paid_ore": 50000}, "Fakturan är redan betald."),
    ({"status": "krediterad"}, "Fakturan är krediterad och ska inte betalas."),
])
def test_pay_at_desk_refuses_a_settled_invoice_and_writes_nothing(core, recep, person, setup, message):
    invoice_id = new_invoice(core, person, 50000, **setup)
    with pytest.raises(Conflict) as err:
        pay_at_desk(core, recep, invoice_id)
    assert err.value.message == message
    nothing_written(core)


def test_pay_at_desk_refuses_a_credit_invoice(core, recep, person):
    invoice_id = new_invoice(core, person, 50000)
    credit = inv.CreditInvoiceRoutine(core).execute(inv.CreditInvoice(invoice_id, "Fel pris"), recep)
    with pytest.raises(Conflict) as err:
        pay_at_desk(core, recep, credit.credit_invoice_id)
    assert err.value.message == "En kreditfaktura betalas inte."
    assert count(core, Order) == 0


def test_pay_at_desk_twice_is_refused_while_the_first_order_is_open(core, recep, person):
    invoice_id = new_invoice(core, person)
    first = pay_at_desk(core, recep, invoice_id)
    with pytest.raises(Conflict) as err:
        pay_at_desk(core, recep, invoice_id)
    assert err.value.message == f"Fakturan har redan en öppen order i kassan (order {first.order_number})."
    assert count(core, Order) == 1
    # A voided order frees the invoice for a new attempt.
    CancelOrderRoutine(core).execute(CancelOrder(first.order_id, "Kunden ångrade sig"), recep)
    assert pay_at_desk(core, recep, invoice_id).order_id != first.order_id


def test_pay_at_desk_needs_a_till_and_the_right_kassa(core, recep, person):
    invoice_id = new_invoice(core, person)
    core.till_enabled = False
    with pytest.raises(NotAllowed) as err:
        pay_at_desk(core, recep, invoice_id)
    assert err.value.message == TILL_MISSING_REASON
    core.till_enabled = True
    no_till_right = Actor(recep.user_id, "recep", "Rut Reception", frozenset({"Kundrutiner"}))
    with pytest.raises(NotAllowed) as err:
        pay_at_desk(core, no_till_right, invoice_id)
    assert "”Kassa”" in err.value.message
    with pytest.raises(NotFound):
        pay_at_desk(core, recep, invoice_id + 1000)
    nothing_written(core)


@pytest.mark.parametrize("method", ["kort", "swish"])
def test_paying_the_desk_order_settles_the_invoice(core, recep, person, method):
    invoice_id = new_invoice(core, person, 50000, paid_ore=12500)
    other_id = new_invoice(core, person, 9900)
    order = pay_at_desk(core, recep, invoice_id)
    assert unpaid_total_of(core, person) == 37500 + 9900  # the open order is the same debt as the invoice
    paid = PayOrderRoutine(core).execute(PayOrder(order.order_id, method), recep)
    assert paid.total_ore == 37500
    row = invoice_row(core, invoice_id)
    assert (row.status, row.paid_ore) == ("betald", 50000)
    assert invoice_row(core, other_id).status == "obetald"  # only the invoice the order pays
    with core.sessions() as s:
        (payment,) = s.scalars(select(Payment)).all()
    assert (payment.method, payment.amount_ore) == (method, 37500)
    assert unpaid_total_of(core, person) == 9900


def unpaid_total_of(core, person_id) -> int:
    with core.sessions() as s:
        return unpaid_total(s, person_id)


def test_cash_payment_of_the_desk_order_settles_the_whole_invoice(core, recep, person):
    invoice_id = new_invoice(core, person, 12345)
    order = pay_at_desk(core, recep, invoice_id)
    paid = PayOrderRoutine(core).execute(PayOrder(order.order_id, "kontant", 20000), recep)
    assert (paid.paid_ore, paid.rounding_ore, paid.change_ore) == (12300, -45, 7700)
    row = invoice_row(core, invoice_id)
    assert (row.status, row.paid_ore) == ("betald", 12345)  # öresavrundning is the till's, not the debt's


def test_an_ordinary_order_leaves_invoices_alone(core, recep, person):
    from db.models import Person

    invoice_id = new_invoice(core, person)
    with core.sessions() as s, s.begin():
        order_id = add_order(s, s.get(Person, person), [50000]).id
    PayOrderRoutine(core).execute(PayOrder(order_id, "kort"), recep)
    assert invoice_row(core, invoice_id).status == "obetald"


def test_a_desk_order_cannot_be_paid_with_a_new_invoice(core, recep, person):
    invoice_id = new_invoice(core, person)
    order = pay_at_desk(core, recep, invoice_id)
    invoices_before = count(core, Invoice)
    with pytest.raises(ValidationError) as err:
        PayOrderRoutine(core).execute(PayOrder(order.order_id, "faktura"), recep)
    assert err.value.field == "method" and "kontant, kort eller Swish" in err.value.message
    assert count(core, Invoice) == invoices_before and count(core, Payment) == 0
    with core.sessions() as s:
        assert s.get(Order, order.order_id).status == "oppen"
    assert invoice_row(core, invoice_id).status == "obetald"


def test_a_desk_order_for_an_invoice_settled_elsewhere_is_refused(core, recep, person):
    invoice_id = new_invoice(core, person)
    order = pay_at_desk(core, recep, invoice_id)
    with core.sessions() as s, s.begin():  # e.g. the bank payment was registered meanwhile
        s.execute(update(Invoice).where(Invoice.id == invoice_id).values(status="betald", paid_ore=50000))
    number = invoice_row(core, invoice_id).invoice_number
    with pytest.raises(Conflict) as err:
        PayOrderRoutine(core).execute(PayOrder(order.order_id, "kort"), recep)
    assert err.value.message == f"Faktura {number} är redan betald, så ordern ska inte betalas. Makulera ordern i kassan."
    with core.sessions() as s:
        assert s.get(Order, order.order_id).status == "oppen"
    assert count(core, Payment) == 0


def test_settling_checks_the_amount_in_the_same_transaction(core, recep, person):
    invoice_id = new_invoice(core, person)
    order = pay_at_desk(core, recep, invoice_id)
    with core.sessions() as s, s.begin():  # a part payment registered after the order was made
        s.execute(update(Invoice).where(Invoice.id == invoice_id).values(paid_ore=10000))
    with pytest.raises(Conflict) as err:
        PayOrderRoutine(core).execute(PayOrder(order.order_id, "kort"), recep)
    assert "återstår att betala" in err.value.message
    with core.sessions() as s:
        assert s.get(Order, order.order_id).status == "oppen"  # the order's UPDATE was rolled back too
    assert count(core, Payment) == 0 and invoice_row(core, invoice_id).status == "obetald"


def test_two_orders_for_one_invoice_cannot_both_be_paid(core, recep, person):
    """Should two desks both have made an order for the invoice, the till still takes the money once."""
    invoice_id = new_invoice(core, person)
    first = pay_at_desk(core, recep, invoice_id)
    with core.sessions() as s, s.begin():  # a second open order for the same invoice, as a race would leave it
        twin = Order(order_number=999001, person_id=person, desk="Kassa 2",
                     routine=inv.invoice_payment_routine(invoice_row(core, invoice_id).invoice_number),
                     status="oppen", created_at=NOW)
        from db.models import OrderLine
        twin.lines = [OrderLine(description="Betalning", unit_price_ore=50000, amount_ore=50000, vat_basis_points=0)]
        s.add(twin)
        s.flush()
        twin_id = twin.id
    PayOrderRoutine(core).execute(PayOrder(first.order_id, "kort"), recep)
    with pytest.raises(Conflict):
        PayOrderRoutine(core).execute(PayOrder(twin_id, "swish"), recep)
    assert count(core, Payment) == 1


# --------------------------------------------------------------------------
# Kreditera
# --------------------------------------------------------------------------

def test_credit_marks_the_invoice_and_adds_a_credit_invoice_with_the_next_number(core, recep, person):
    invoice_id = new_invoice(core, person, 50000, paid_ore=5000)
    result = inv.CreditInvoiceRoutine(core).execute(inv.CreditInvoice(invoice_id, "  Fel pris på kortet "), recep)
    original = invoice_row(core, invoice_id)
    credit = invoice_row(core, result.credit_invoice_id)
    assert original.status == "krediterad" and original.paid_ore == 5000
    assert (credit.invoice_number, credit.amount_ore, credit.paid_ore, credit.status, credit.credited_invoice_id,
            credit.issued_on, credit.due_on, credit.kind, credit.person_id) == (
        500001, -45000, 0, "krediterad", invoice_id, TODAY, TODAY, "faktura", person)
    assert (result.credit_invoice_number, result.credited_ore, result.invoice_number) == (
        500001, 45000, original.invoice_number)
    assert unpaid_total_of(core, person) == 0
    (audit,) = audits(core, "Kreditera faktura")
    assert json.loads(audit.details)["reason"] == "  Fel pris på kortet "
    assert audit.entity_id == invoice_id and audit.user_id == recep.user_id
    # The next credit takes the following number from the shared invoice counter.
    second = new_invoice(core, person, 1000)
    assert inv.CreditInvoiceRoutine(core).execute(inv.CreditInvoice(second, "Dubbeldebitering"),
                                                  recep).credit_invoice_number == 500002


def invoice_counter(core) -> int | None:
    with core.sessions() as s:
        return s.scalar(select(Counter.value).where(Counter.name == "invoice_number"))


def credit_refused(core, actor, invoice_id, reason="Fel pris", error=Conflict) -> str:
    before = (count(core, Invoice), invoice_counter(core), len(audits(core, "Kreditera faktura")))
    with pytest.raises(error) as err:
        inv.CreditInvoiceRoutine(core).execute(inv.CreditInvoice(invoice_id, reason), actor)
    assert (count(core, Invoice), invoice_counter(core), len(audits(core, "Kreditera faktura"))) == before
    return err.value.message


def test_credit_needs_a_reason(core, recep, person):
    invoice_id = new_invoice(core, person)
    assert credit_refused(core, recep, invoice_id, "   ", ValidationError) == "Skriv varför fakturan krediteras."
    assert credit_refused(core, recep, invoice_id, "x" * 501, ValidationError) == "Orsaken får vara högst 500 tecken."
    assert invoice_row(core, invoice_id).status == "obetald"


@pytest.mark.parametrize("setup, message", [
    ({"status": "betald", "paid_ore": 50000}, "Fakturan är redan betald och kan inte krediteras."),
    ({"status": "krediterad"}, "Fakturan är redan krediterad."),
])
def test_credit_refuses_a_settled_invoice(core, recep, person, setup, message):
    invoice_id = new_invoice(core, person, 50000, **setup)
    assert credit_refused(core, recep, invoice_id) == message
    assert invoice_row(core, invoice_id).status == setup["status"]


def test_credit_refuses_a_credit_invoice_an_open_desk_order_and_a_user_without_kassa(core, recep, person):
    invoice_id = new_invoice(core, person)
    credit = inv.CreditInvoiceRoutine(core).execute(inv.CreditInvoice(invoice_id, "Fel"), recep)
    assert credit_refused(core, recep, credit.credit_invoice_id) == "En kreditfaktura kan inte krediteras."
    other = new_invoice(core, person)
    order = pay_at_desk(core, recep, other)
    assert credit_refused(core, recep, other) == (
        f"Fakturan har en öppen order i kassan (order {order.order_number}). Makulera ordern i kassan först.")
    no_till_right = Actor(recep.user_id, "recep", "Rut Reception", frozenset({"Kundrutiner"}))
    third = new_invoice(core, person)
    assert "”Kassa”" in credit_refused(core, no_till_right, third, error=NotAllowed)
    assert credit_refused(core, recep, third + 1000, error=NotFound) == inv.INVOICE_MISSING


# --------------------------------------------------------------------------
# Skicka
# --------------------------------------------------------------------------

def test_send_queues_an_email_with_the_pdf(core, recep, person):
    invoice_id = new_invoice(core, person, 49900)
    number = invoice_row(core, invoice_id).invoice_number
    sent = inv.SendInvoiceRoutine(core).execute(inv.SendInvoice(invoice_id, PDF), recep)
    with core.sessions() as s:
        message = s.get(OutboxMessage, sent.message_id)
    assert (message.channel, message.recipient, message.status, message.person_id) == (
        "epost", "ingrid@example.se", "vantar", person)
    assert (message.attachment_name, message.attachment) == (f"faktura-{number}.pdf", PDF)
    assert message.subject == f"Faktura {number} från Reception"
    assert "Att betala: 499,00 kr senast 2026-12-22" in message.body
    assert f"Ange {number} som OCR/referens" in message.body
    assert message.body.startswith("Hej Ingrid Fakturasson!")
    assert message.next_attempt_at == core.clock.now()
    (audit,) = audits(core, "Skicka faktura")
    assert "<16 bytes>" in audit.details and audit.entity_id == invoice_id
    assert sent == inv.SentInvoice(number, "ingrid@example.se", sent.message_id)


def test_send_without_an_email_address_is_refused_and_nothing_queued(core, recep, person):
    from db.models import Person

    invoice_id = new_invoice(core, person)
    with core.sessions() as s, s.begin():
        s.get(Person, person).email = "  "
    with pytest.raises(ValidationError) as err:
        inv.SendInvoiceRoutine(core).execute(inv.SendInvoice(invoice_id, PDF), recep)
    assert err.value.message == "Kunden saknar e-postadress. Skriv in den under Basuppgifter och försök igen."
    nothing_written(core)


def test_send_refuses_something_that_is_not_a_pdf(core, recep, person):
    invoice_id = new_invoice(core, person)
    with pytest.raises(ValidationError) as err:
        inv.SendInvoiceRoutine(core).execute(inv.SendInvoice(invoice_id, b"<html>"), recep)
    assert err.value.message == "Fakturan är ingen PDF-fil och skickades inte."
    nothing_written(core)


def test_credit_invoice_email_says_nothing_is_to_be_paid(core, recep, person):
    invoice_id = new_invoice(core, person, 20000)
    credit = inv.CreditInvoiceRoutine(core).execute(inv.CreditInvoice(invoice_id, "Fel"), recep)
    with core.sessions() as s:
        subject, body = inv.invoice_email_text(inv.invoice_details(s, credit.credit_invoice_id))
        _s, original_body = inv.invoice_email_text(inv.invoice_details(s, invoice_id))
    assert subject == "Kreditfaktura 500001 från Reception"
    number = invoice_row(core, invoice_id).invoice_number
    assert f"krediterar faktura {number} med 200,00 kr. Du behöver inte betala något." in body
    assert "Fakturan är krediterad." in original_body and "Att betala" not in original_body


# --------------------------------------------------------------------------
# What the PDF shows
# --------------------------------------------------------------------------

def test_details_use_the_invoice_address_and_the_order_lines(core, recep, person):
    from db.models import Person

    with core.sessions() as s, s.begin():
        p = s.get(Person, person)
        s.add(Address(person_id=person, kind="hem", street="Hemvägen 1", postal_code="11122", town="Stockholm"))
        s.add(Address(person_id=person, kind="faktura", street="Box 7", co="Ekonomi AB", postal_code="0150",
                      town="Oslo", country="NO"))
        order = add_order(s, p, [30000, 20000], status="betald")
        order_id = order.id
    invoice_id = new_invoice(core, person, 50000)
    with core.sessions() as s, s.begin():
        s.get(Invoice, invoice_id).order_id = order_id
    with core.sessions() as s:
        details = inv.invoice_details(s, invoice_id)
    assert details.address == ("c/o Ekonomi AB", "Box 7", "0150 Oslo", "NO")
    assert [(line.description, line.amount_ore) for line in details.lines] == [("Rad 1", 30000), ("Rad 2", 20000)]
    assert [(v.vat_basis_points, v.vat_ore) for v in details.vat] == [(600, 2830)]
    assert (details.reference, details.remaining_ore, details.club_name, details.is_credit) == (
        str(details.invoice_number), 50000, "Reception", False)


def test_details_of_an_invoice_without_an_order_and_of_a_credit(core, recep, person):
    from db.models import Person

    with core.sessions() as s, s.begin():
        s.add(Address(person_id=person, kind="hem", street="Hemvägen 1", postal_code="11122", town="Stockholm"))
        ag = add_invoice(s, s.get(Person, person), 39900)
        ag.kind = "autogiro"
        ag_id = ag.id
    credit = inv.CreditInvoiceRoutine(core).execute(inv.CreditInvoice(ag_id, "Fel"), recep)
    with core.sessions() as s:
        details = inv.invoice_details(s, ag_id)
        credit_details = inv.invoice_details(s, credit.credit_invoice_id)
    assert details.address == ("Hemvägen 1", "11122 Stockholm")
    assert [(line.description, line.amount_ore) for line in details.lines] == [("Autogirodragning", 39900)]
    assert details.vat == ()  # the VAT is not known without the order
    assert credit_details.is_credit and credit_details.credited_invoice_number == details.invoice_number
    assert [(line.description, line.amount_ore) for line in credit_details.lines] == [
        (f"Kreditering av faktura {details.invoice_number}", -39900)]


# --------------------------------------------------------------------------
# Dokument: the bytes for Öppna, with the card's visibility rule
# --------------------------------------------------------------------------

def test_document_content_follows_the_visibility_rule(core, recep, make_actor, person):
    admin = make_actor(core, "admin")
    with core.sessions() as s, s.begin():
        shared = Document(person_id=person, filename="avtal.pdf", content=b"%PDF-avtal", created_at=NOW,
                          created_by=admin.user_id)
        private = Document(person_id=person, filename="privat.pdf", content=b"%PDF-privat", created_at=NOW,
                           created_by=admin.user_id, only_owner_visible=True)
        s.add_all([shared, private])
        s.flush()
        shared_id, private_id = shared.id, private.id
    with core.sessions() as s:
        assert load_document_content(s, recep, person, shared_id) == ("avtal.pdf", b"%PDF-avtal")
        assert load_document_content(s, admin, person, private_id) == ("privat.pdf", b"%PDF-privat")
        for args in ((recep, person, private_id), (admin, person + 1, shared_id)):
            with pytest.raises(NotFound) as err:
                load_document_content(s, *args)
            assert err.value.message == "Dokumentet finns inte längre. Ladda om personkortet."


def test_due_dates_come_from_the_clock(core, recep, person, clock):
    invoice_id = new_invoice(core, person)
    clock.advance(days=3)
    credit = inv.CreditInvoiceRoutine(core).execute(inv.CreditInvoice(invoice_id, "Fel"), recep)
    assert invoice_row(core, credit.credit_invoice_id).issued_on == TODAY + timedelta(days=3)


def test_the_debt_is_counted_once_while_the_desk_order_for_an_invoice_is_open(core, recep, person):
    invoice_id = new_invoice(core, person, 37500)
    assert unpaid_total_of(core, person) == 37500
    pay_at_desk(core, recep, invoice_id)  # the open till order is the same debt as the invoice
    assert unpaid_total_of(core, person) == 37500


def test_the_person_card_and_the_skuld_deviation_count_an_invoice_being_paid_once(core, recep, person):
    from app.queries.deviations import load_deviations
    from app.queries.person_card import load_person_card

    invoice_id = new_invoice(core, person, 37500)
    pay_at_desk(core, recep, invoice_id)
    with core.sessions() as s:
        card = load_person_card(s, recep, person, core.clock.today())
        skuld = [d for d in load_deviations(s, person, core.clock.today()).person if d.code == "skuld"]
    assert card.economy.debt_ore == 37500
    assert [d for d in card.deviations.person if d.code == "skuld"][0].text == skuld[0].text
    assert "375,00 kr" in skuld[0].text and "beställningar" not in skuld[0].text
