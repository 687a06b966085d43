"""The person card's Fakturor routines (seed "Personkortet": Visa, Skicka, Betala, Kreditera).

* `SendInvoiceRoutine` queues an e-mail with the invoice PDF (rendered by the
  widget; the core never imports Qt) to the person's e-mail address.
* `PayInvoiceAtDeskRoutine` creates a till order for what is left to pay on an
  unpaid invoice; the order opens in the till like every other charge. When the
  till takes payment for that order, `PayOrderRoutine` calls
  `settle_invoice_paid_at_desk` in the same transaction and the invoice becomes
  'betald'.
* `CreditInvoiceRoutine` credits an unpaid invoice: it becomes 'krediterad' and
  a credit invoice (kreditfaktura) with the next invoice number and the negative
  remaining amount points back at it through `credited_invoice_id`.

The desk order is linked to its invoice by its routine name, "Betala faktura
<fakturanummer>" (invoice numbers are unique; only this module writes such a
name). See docs/decisions/invoices.md for why, and for what stays open.

`pay_refusal` and `credit_refusal` are the rules the routines check AND the
reasons the Fakturor tab shows as the disabled buttons' tooltips, so the two
cannot drift apart.
"""
from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.domain.inputs import max_length
from app.context import Actor
from app.counters import next_number
from app.domain.money import format_sek
from app.errors import Conflict, NotFound, ValidationError
from app.orders import INVOICE_PAYMENT_ROUTINE, OrderLineDraft, VatRow, create_order, require_till, vat_rows
from app.rights import TILL
from app.routines.base import Routine
from app.settings import load_settings

_PAYMENT_ROUTINE_RE = re.compile(r"^Betala faktura (\d+)$")
KIND_NAMES = {"autogiro": "Autogiro", "faktura": "Faktura"}
MAX_REASON = max_length("reason")
INVOICE_MISSING = "Fakturan finns inte längre. Sök fram kunden igen."
NO_EMAIL = "Kunden saknar e-postadress. Skriv in den under Basuppgifter och försök igen."


def _new_id() -> str:
    return str(uuid.uuid4())


def invoice_payment_routine(invoice_number: int) -> str:
    """The routine name of the till order that pays invoice `invoice_number` at the desk."""
    return f"{INVOICE_PAYMENT_ROUTINE} {invoice_number}"


def paid_invoice_number(routine: str | None) -> int | None:
    """The invoice a desk order pays, read back from its routine name; None for every other order."""
    match = _PAYMENT_ROUTINE_RE.match(routine or "")
    return int(match.group(1)) if match else None


def invoice_file_name(invoice_number: int) -> str:
    return f"faktura-{invoice_number}.pdf"


# --------------------------------------------------------------------------
# The rules (shared with the Fakturor tab's tooltips)
# --------------------------------------------------------------------------


def pay_refusal(status: str, amount_ore: int, paid_ore: int, is_credit: bool,
                open_order_number: int | None) -> str | None:
    """Why this invoice cannot be paid at the desk now, or None when it can."""
    if is_credit:
        return "En kreditfaktura betalas inte."
    if status == "betald":
        return "Fakturan är redan betald."
    if status == "krediterad":
        return "Fakturan är krediterad och ska inte betalas."
    if open_order_number is not None:
        return f"Fakturan har redan en öppen order i kassan (order {open_order_number})."
    if amount_ore - paid_ore <= 0:
        return "Det finns inget kvar att betala på fakturan."
    return None


def credit_refusal(status: str, is_credit: bool, open_order_number: int | None) -> str | None:
    """Why this invoice cannot be credited now, or None when it can."""
    if is_credit:
        return "En kreditfaktura kan inte krediteras."
    if status == "betald":
        return "Fakturan är redan betald och kan inte krediteras."
    if status == "krediterad":
        return "Fakturan är redan krediterad."
    if open_order_number is not None:
        return (f"Fakturan har en öppen order i kassan (order {open_order_number}). "
                "Makulera ordern i kassan först.")
    return None


def _load_invoice(session: Session, invoice_id: int, *, lock: bool = False):
    from db.models import Invoice

    statement = select(Invoice).where(Invoice.id == invoice_id)
    if lock:
        statement = statement.with_for_update()
    invoice = session.scalars(statement).first()
    if invoice is None:
        raise NotFound(INVOICE_MISSING)
    return invoice


def open_payment_order_number(session: Session, invoice) -> int | None:
    """The order number of an open till order that pays this invoice, if there is one."""
    from db.models import Order

    return session.scalar(select(Order.order_number).where(
        Order.person_id == invoice.person_id, Order.status == "oppen",
        Order.routine == invoice_payment_routine(invoice.invoice_number)).order_by(Order.id).limit(1))


# --------------------------------------------------------------------------
# What an invoice PDF shows
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class InvoiceLine:
    description: str
    amount_ore: int
    vat_basis_points: int | None   # None: not known (an invoice without an order)


@dataclass(frozen=True)
class InvoiceDetails:
    invoice_id: int
    invoice_number: int
    kind: str                      # autogiro / faktura
    issued_on: date
    due_on: date
    amount_ore: int
    paid_ore: int
    status: str
    credited_invoice_number: int | None   # set on a credit invoice (kreditfaktura)
    person_id: int
    customer_name: str
    customer_number: int
    email: str
    address: tuple[str, ...]       # the invoice address (fakturaadress), else the home address
    lines: tuple[InvoiceLine, ...]
    vat: tuple[VatRow, ...]
    club_name: str

    @property
    def is_credit(self) -> bool:
        return self.credited_invoice_number is not None

    @property
    def remaining_ore(self) -> int:
        return self.amount_ore - self.paid_ore

    @property
    def reference(self) -> str:
        """OCR/referens the customer gives when paying: the invoice number."""
        return str(self.invoice_number)


def _address_lines(address) -> tuple[str, ...]:
    if address is None:
        return ()
    town = " ".join(part for part in (address.postal_code or "", address.town or "") if part)
    lines = [address.co and f"c/o {address.co}", address.street, town,
             None if (address.country or "SE") == "SE" else address.country]
    return tuple(line for line in lines if line)


def invoice_details(session: Session, invoice_id: int) -> InvoiceDetails:
    """Everything the invoice PDF and e-mail show, in a handful of reads."""
    from db.models import Address, Invoice, Order, Person

    invoice = _load_invoice(session, invoice_id)
    person = session.get(Person, invoice.person_id)
    addresses = {a.kind: a for a in session.scalars(select(Address).where(Address.person_id == person.id))}
    credited_number = None
    if invoice.credited_invoice_id is not None:
        credited_number = session.scalar(select(Invoice.invoice_number)
                                         .where(Invoice.id == invoice.credited_invoice_id))
    order = session.get(Order, invoice.order_id) if invoice.order_id is not None else None
    if credited_number is not None:
        lines = (InvoiceLine(f"Kreditering av faktura {credited_number}", invoice.amount_ore, None),)
    elif order is not None and order.lines:
        lines = tuple(InvoiceLine(line.description, line.amount_ore, line.vat_basis_points) for line in order.lines)
    else:
        text = "Autogirodragning" if invoice.kind == "autogiro" else "Fakturabelopp"
        lines = (InvoiceLine(text, invoice.amount_ore, None),)
    known_vat = [line for line in lines if line.vat_basis_points is not None]
    return InvoiceDetails(
        invoice_id=invoice.id, invoice_number=invoice.invoice_number, kind=invoice.kind, issued_on=invoice.issued_on,
        due_on=invoice.due_on, amount_ore=invoice.amount_ore, paid_ore=invoice.paid_ore, status=invoice.status,
        credited_invoice_number=credited_number, person_id=person.id,
        customer_name=f"{person.first_name} {person.last_name}",
        customer_number=person.customer_number, email=(person.email or "").strip(),
        address=_address_lines(addresses.get("faktura") or addresses.get("hem")), lines=lines,
        vat=vat_rows(known_vat) if len(known_vat) == len(lines) else (),
        club_name=load_settings(session).club_name)


def invoice_email_text(details: InvoiceDetails) -> tuple[str, str]:
    """Subject and body of the e-mail that carries the invoice PDF."""
    if details.is_credit:
        subject = f"Kreditfaktura {details.invoice_number} från {details.club_name}"
        what = (f"Här kommer kreditfaktura {details.invoice_number}, som krediterar faktura "
                f"{details.credited_invoice_number} med {format_sek(-details.amount_ore)}. Du behöver inte betala något.")
    else:
        subject = f"Faktura {details.invoice_number} från {details.club_name}"
        if details.status == "obetald" and details.remaining_ore > 0:
            what = (f"Här kommer faktura {details.invoice_number}. Att betala: {format_sek(details.remaining_ore)} "
                    f"senast {details.due_on:%Y-%m-%d}. Ange {details.reference} som OCR/referens när du betalar.")
        elif details.status == "krediterad":
            what = f"Här kommer en kopia av faktura {details.invoice_number}. Fakturan är krediterad."
        else:
            what = f"Här kommer en kopia av faktura {details.invoice_number}. Fakturan är betald."
    body = "\n".join([f"Hej {details.customer_name}!", "", what, "Fakturan finns som PDF i det här brevet.", "",
                      "Med vänliga hälsningar", details.club_name])
    return subject, body


# --------------------------------------------------------------------------
# Skicka
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class SendInvoice:
    """E-mail the invoice; `pdf` is the invoice rendered by the Fakturor tab."""

    invoice_id: int
    pdf: bytes
    command_id: str = field(default_factory=_new_id)


@dataclass(frozen=True)
class SentInvoice:
    invoice_number: int
    recipient: str
    message_id: int


class SendInvoiceRoutine(Routine[SendInvoice, SentInvoice]):
    name = "Skicka faktura"

    def validate(self, session: Session, command: SendInvoice) -> None:
        if not isinstance(command.pdf, bytes) or not command.pdf.startswith(b"%PDF"):
            raise ValidationError("Fakturan är ingen PDF-fil och skickades inte.", field="pdf")
        details = invoice_details(session, command.invoice_id)
        if not details.email:
            raise ValidationError(NO_EMAIL, field="email")

    def perform(self, session: Session, command: SendInvoice, actor: Actor):
        from db.models import OutboxMessage

        details = invoice_details(session, command.invoice_id)
        subject, body = invoice_email_text(details)
        now = self.core.clock.now()
        message = OutboxMessage(channel="epost", recipient=details.email, subject=subject, body=body,
                                attachment_name=invoice_file_name(details.invoice_number), attachment=command.pdf,
                                person_id=details.person_id, status="vantar", attempts=0, created_at=now,
                                next_attempt_at=now)
        session.add(message)
        session.flush()
        return SentInvoice(details.invoice_number, details.email, message.id), "invoice", details.invoice_id


# --------------------------------------------------------------------------
# Betala (in the till)
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class PayInvoiceAtDesk:
    invoice_id: int
    command_id: str = field(default_factory=_new_id)


@dataclass(frozen=True)
class InvoiceOrder:
    """The till order that pays the invoice; the UI emits bus.order_created(order_id)."""

    order_id: int
    order_number: int
    invoice_number: int
    amount_ore: int


class PayInvoiceAtDeskRoutine(Routine[PayInvoiceAtDesk, InvoiceOrder]):
    name = "Betala faktura"
    required_rights = (TILL,)

    def validate(self, session: Session, command: PayInvoiceAtDesk) -> None:
        require_till(self.core)
        invoice = _load_invoice(session, command.invoice_id, lock=True)
        reason = pay_refusal(invoice.status, invoice.amount_ore, invoice.paid_ore,
                             invoice.credited_invoice_id is not None, open_payment_order_number(session, invoice))
        if reason:
            raise Conflict(reason)

    def perform(self, session: Session, command: PayInvoiceAtDesk, actor: Actor):
        invoice = _load_invoice(session, command.invoice_id)
        remaining = invoice.amount_ore - invoice.paid_ore
        # The VAT was charged on the invoice; paying it at the desk settles a claim and is no new sale.
        line = OrderLineDraft(f"Betalning av faktura {invoice.invoice_number}", remaining, 0)
        order = create_order(session, self.core, actor, invoice.person_id,
                             invoice_payment_routine(invoice.invoice_number), [line])
        result = InvoiceOrder(order.id, order.order_number, invoice.invoice_number, remaining)
        return result, "invoice", invoice.id


def check_invoice_payment(session: Session, order_id: int, method: str) -> None:
    """PayOrder's check for a desk order that pays an invoice: no new invoice, and the invoice is still unpaid."""
    from db.models import Invoice, Order

    order = session.get(Order, order_id)
    number = paid_invoice_number(order.routine) if order is not None else None
    if number is None:
        return
    if method == "faktura":
        raise ValidationError("En faktura kan inte betalas med en ny faktura. Välj kontant, kort eller Swish.",
                              field="method")
    status = session.scalar(select(Invoice.status).where(Invoice.invoice_number == number,
                                                         Invoice.person_id == order.person_id))
    if status != "obetald":
        raise Conflict(_unsettled_message(number, status))


def _unsettled_message(number: int, status: str | None) -> str:
    state = {"betald": "redan betald", "krediterad": "krediterad", None: "borttagen"}.get(status, "ändrad")
    return f"Faktura {number} är {state}, så ordern ska inte betalas. Makulera ordern i kassan."


def settle_invoice_paid_at_desk(session: Session, order, total_ore: int) -> int | None:
    """Mark the invoice a just-paid desk order pays as 'betald', in PayOrder's transaction.

    Returns the invoice number, or None when the order pays no invoice. The
    conditional UPDATE makes a credit or another payment that got there first
    fail the whole payment with a Conflict (nothing is written).
    """
    from db.models import Invoice

    number = paid_invoice_number(order.routine)
    if number is None:
        return None
    result = session.execute(
        update(Invoice)
        .where(Invoice.invoice_number == number, Invoice.person_id == order.person_id, Invoice.status == "obetald",
               Invoice.amount_ore - Invoice.paid_ore == total_ore)
        .values(status="betald", paid_ore=Invoice.amount_ore)
        .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        status = session.scalar(select(Invoice.status).where(Invoice.invoice_number == number,
                                                             Invoice.person_id == order.person_id))
        if status == "obetald":
            raise Conflict(f"Det som återstår att betala på faktura {number} har ändrats. "
                           "Makulera ordern och tryck Betala på fakturan igen.")
        raise Conflict(_unsettled_message(number, status))
    return number


# --------------------------------------------------------------------------
# Kreditera
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class CreditInvoice:
    """Credit an unpaid invoice. The reason is kept in the audit log with who did it and when."""

    invoice_id: int
    reason: str
    command_id: str = field(default_factory=_new_id)


@dataclass(frozen=True)
class CreditedInvoice:
    invoice_id: int
    invoice_number: int
    credit_invoice_id: int
    credit_invoice_number: int
    credited_ore: int          # positive: how much was taken off


class CreditInvoiceRoutine(Routine[CreditInvoice, CreditedInvoice]):
    name = "Kreditera faktura"
    required_rights = (TILL,)

    def validate(self, session: Session, command: CreditInvoice) -> None:
        reason = (command.reason or "").strip()
        if not reason:
            raise ValidationError("Skriv varför fakturan krediteras.", field="reason")
        if len(reason) > MAX_REASON:
            raise ValidationError(f"Orsaken får vara högst {MAX_REASON} tecken.", field="reason")
        invoice = _load_invoice(session, command.invoice_id, lock=True)
        refusal = credit_refusal(invoice.status, invoice.credited_invoice_id is not None,
                                 open_payment_order_number(session, invoice))
        if refusal:
            raise Conflict(refusal)

    def perform(self, session: Session, command: CreditInvoice, actor: Actor):
        from db.models import Invoice

        invoice = _load_invoice(session, command.invoice_id)
        remaining = invoice.amount_ore - invoice.paid_ore
        moved = session.execute(update(Invoice).where(Invoice.id == invoice.id, Invoice.status == "obetald")
                                .values(status="krediterad").execution_options(synchronize_session=False))
        if moved.rowcount != 1:
            raise Conflict("Fakturan har ändrats av någon annan. Ladda om personkortet och försök igen.")
        today = self.core.clock.today()
        credit = Invoice(invoice_number=next_number(session, "invoice_number"), person_id=invoice.person_id,
                         kind=invoice.kind, issued_on=today, due_on=today, amount_ore=-remaining, paid_ore=0,
                         status="krediterad", credited_invoice_id=invoice.id)
        session.add(credit)
        session.flush()
        result = CreditedInvoice(invoice.id, invoice.invoice_number, credit.id, credit.invoice_number, remaining)
        return result, "invoice", invoice.id
