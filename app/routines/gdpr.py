"""Registerutdrag and Anonymisera from the person card (GDPR art. 15 and 17), as routines on the engine.

*Registerutdrag* reads every row about the person (app/queries/register_extract.py) and records in the
audit trail that an extract was made and by whom. It needs Kundrutiner and Kundjournal: the extract
is complete, so it contains the journal.

*Anonymisera* needs Systeminställningar. It is refused, with the reason, while a subscription the
person uses or pays runs (or is still to start, or is cancelled but not ended), while an invoice or an
order is unpaid, or while an online purchase waits for pickup. Otherwise, in one transaction:

* the person row keeps only its id, customer number, customer type and timestamps — names become
  "Anonymiserad", personnummer/phones/e-mail/messages/marketing/staff fields/web password are cleared,
  the birth date becomes 1900-01-01;
* addresses, photos, documents, notes and journal, customer-type proofs, cards, autogiro mandates (with
  their history) and the population-register entry are deleted; autogiro debits are kept without the
  payer number (it may be the personnummer);
* subscriptions, freezes, orders, order lines, payments, invoices, value cards, bookings and online
  purchases are KEPT for the bookkeeping (Bokföringslagen, 7 years) — they hold no personal data once
  the person row is anonymised, except the stored receipt PDF (cleared; it can be printed again) and a
  freeze's agent name (cleared); pre-orders the person used lose name, personnummer and e-mail;
* outbox messages to the person are emptied and never sent;
* the Överlåt notes on the other party's card ("Överlåtet till/från <name> (<customer no>)") lose the name;
* the audit trail keeps who did what and when, but every text in the details of a row about the person
  that carries the person's data is replaced by "[anonymiserad]"; stored command results likewise;
* on PostgreSQL the change feed's triggers record the deletes and updates (the tombstones), so every
  desk's offline replica deletes and overwrites its copies at its next refresh; the feed holds keys only;
* on SQLite the deleted pages are overwritten (secure_delete) and the WAL is checkpointed, so the bytes
  do not survive in the file;
* after the commit the person's data is removed from this desk's log files (app/logging_setup.py).

Every table that points at persons (directly or through another) must be classified in `HANDLING`; a
test fails when a new table is not, so a new kind of personal data cannot be forgotten.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from app.context import Actor
from app.errors import UserError
from app.masking import mask
from app.queries.register_extract import PersonRows, RegisterExtract, build_extract, collect_person_rows
from app.rights import CUSTOMER_JOURNAL, CUSTOMER_ROUTINES, SYSTEM_SETTINGS
from app.routines.base import Routine

ANONYMISED = "Anonymiserad"
SCRUBBED = "[anonymiserad]"
ANONYMOUS_BIRTH_DATE = date(1900, 1, 1)
# What happens to the rows of each table that is about the person.
DELETE, KEEP, ANONYMISE = "radera", "behåll", "anonymisera"
HANDLING = {
    "persons": ANONYMISE, "addresses": DELETE, "customer_type_proofs": DELETE, "notes": DELETE,
    "documents": DELETE, "photos": DELETE, "cards": DELETE,
    "autogiro_mandate_events": DELETE, "autogiro_mandates": DELETE,  # the history before its mandate
    "autogiro_debits": ANONYMISE,  # kept for the bookkeeping; the payer number may be a personnummer
    "person_register": DELETE, "outbox": ANONYMISE, "preorders": ANONYMISE, "freezes": ANONYMISE,
    "orders": ANONYMISE, "subscriptions": KEEP, "order_lines": KEEP, "payments": KEEP, "invoices": KEEP,
    "value_cards": KEEP, "bookings": KEEP, "online_purchases": KEEP,
    "visits": DELETE,  # check-ins: attendance history, not bookkeeping
}
NOT_ENDED = ("kommande", "aktivt", "fryst", "framtida_frysning")


class AnonymiseRefused(UserError):
    title = "Kan inte anonymiseras"


@dataclass(frozen=True)
class MakeRegisterExtract:
    person_id: int


class RegisterExtractRoutine(Routine[MakeRegisterExtract, RegisterExtract]):
    name = "Registerutdrag"
    required_rights = (CUSTOMER_ROUTINES, CUSTOMER_JOURNAL)

    def perform(self, session: Session, command: MakeRegisterExtract, actor: Actor):
        from app.settings import load_settings

        extract = build_extract(session, command.person_id, made_at=self.core.clock.now(), made_by=actor.username,
                                club_name=load_settings(session).club_name)
        return extract, "person", command.person_id


@dataclass(frozen=True)
class AnonymisePerson:
    person_id: int


@dataclass(frozen=True)
class Anonymised:
    person_id: int
    customer_number: int
    deleted: dict[str, int]


def blocking_reason(session: Session, person_id: int, today: date) -> str | None:
    """Why the person cannot be anonymised now, or None."""
    from db.models import Invoice, OnlinePurchase, Order, OrderLine, Product, Subscription

    running = session.execute(
        select(Product.name, Subscription.status).join(Product, Product.id == Subscription.product_id)
        .where(or_(Subscription.user_id == person_id, Subscription.payer_id == person_id),
               or_(Subscription.status.in_(NOT_ENDED),
                   (Subscription.status == "uppsagt") & (or_(Subscription.end_date.is_(None),
                                                             Subscription.end_date >= today))))
        .order_by(Subscription.id).limit(1)).first()
    if running is not None:
        return (f"Personen har ett abonnemang som löper ({running.name}, {running.status}). Det måste vara "
                "avslutat innan personen kan anonymiseras.")
    invoice = session.execute(select(Invoice.invoice_number, Invoice.amount_ore - Invoice.paid_ore)
                              .where(Invoice.person_id == person_id, Invoice.status == "obetald",
                                     Invoice.amount_ore > Invoice.paid_ore).limit(1)).first()
    if invoice is not None:
        from app.domain.money import format_sek

        return (f"Personen har en obetald faktura (nr {invoice[0]}, {format_sek(invoice[1])} kvar att betala). "
                "Skulden måste vara betald eller krediterad innan personen kan anonymiseras.")
    order = session.execute(select(Order.order_number).join(OrderLine, OrderLine.order_id == Order.id)
                            .where(Order.person_id == person_id, Order.status == "oppen",
                                   OrderLine.amount_ore != 0).limit(1)).first()
    if order is not None:
        return (f"Personen har en obetald order (nr {order[0]}) i kassan. Den måste betalas eller makuleras "
                "innan personen kan anonymiseras.")
    if session.scalar(select(OnlinePurchase.id).where(OnlinePurchase.person_id == person_id,
                                                      OnlinePurchase.status == "vantar").limit(1)) is not None:
        return "Personen har ett onlineköp som väntar på att hämtas ut. Hämta ut eller makulera det först."
    return None


def personal_values(rows: PersonRows) -> list[str]:
    """The person's own strings, in the spellings they may have been written in (for scrubbing texts)."""
    p = rows.tables["persons"][0]
    values: set[str] = set()
    for key in ("first_name", "last_name", "email", "mobile", "phone_home", "phone_work", "mobile_digits",
                "phone_home_digits", "phone_work_digits", "first_name_norm", "last_name_norm", "email_norm",
                "staff_employee_number", "staff_position", "staff_notes", "internal_message", "customer_message",
                "marketing_interests"):
        if p.get(key):
            values.add(str(p[key]))
    values.add(f"{p['first_name']} {p['last_name']}")
    pnr = p.get("personnummer")
    if pnr:
        values |= {pnr, pnr[2:], f"{pnr[:8]}-{pnr[8:]}", f"{pnr[2:8]}-{pnr[8:]}", mask(f"{pnr[:8]}-{pnr[8:]}"),
                   mask(f"{pnr[2:8]}-{pnr[8:]}"), mask(pnr)}
    for a in rows.tables.get("addresses", []):
        values |= {str(a[k]) for k in ("street", "co") if a.get(k)}
    for m in rows.tables.get("autogiro_mandates", []):
        values |= {str(m[k]) for k in ("holder_name", "holder_personnummer", "account_number") if m.get(k)}
        values.add(f"{m['clearing']}{m['account_number']}")
        values.add(mask(str(m["account_number"])))
    for n in rows.tables.get("notes", []):  # the journal is free text about the person
        values.add(str(n["text"]))
    for d in rows.tables.get("documents", []):
        values.add(str(d["filename"]))
    for c in rows.tables.get("cards", []):
        values.add(str(c["card_number"]))
    for o in rows.tables.get("preorders", []):
        values |= {str(o[k]) for k in ("name", "email") if o.get(k)}
    # Longest first, so "Anna Öberg" is replaced before "Anna"; short fragments would hit other data.
    return sorted((v for v in values if len(v.strip()) >= 3), key=len, reverse=True)


def scrub_text(text: str, values: list[str]) -> str:
    for value in values:
        text = text.replace(value, SCRUBBED)
    return text


def _scrub_json(value: Any, values: list[str]) -> Any:
    if isinstance(value, str):
        return SCRUBBED if any(v in value for v in values) else value
    if isinstance(value, list):
        return [_scrub_json(v, values) for v in value]
    if isinstance(value, dict):
        return {k: _scrub_json(v, values) for k, v in value.items()}
    return value


def scrub_json_text(text: str, values: list[str]) -> str:
    try:
        return json.dumps(_scrub_json(json.loads(text), values), ensure_ascii=False, sort_keys=True)
    except ValueError:
        return scrub_text(text, values)


class AnonymisePersonRoutine(Routine[AnonymisePerson, Anonymised]):
    name = "Anonymisera person"
    required_rights = (SYSTEM_SETTINGS,)

    def validate(self, session: Session, command: AnonymisePerson) -> None:
        from db.models import Person

        if session.get(Person, command.person_id) is None:
            from app.errors import NotFound

            raise NotFound("Personen finns inte längre. Sök fram kunden på nytt.")
        reason = blocking_reason(session, command.person_id, self.core.clock.today())
        if reason:
            raise AnonymiseRefused(reason + " Ingenting har ändrats.")

    def execute(self, command: AnonymisePerson, actor: Actor) -> Anonymised:
        self._values: list[str] = []
        result = super().execute(command, actor)
        if self._values:
            from app.logging_setup import scrub_log_files

            scrub_log_files(self._values, SCRUBBED)
        if self.core.engine.dialect.name == "sqlite":
            with self.core.engine.connect() as conn:  # the old page images leave the WAL file
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        return result

    def perform(self, session: Session, command: AnonymisePerson, actor: Actor):
        from db import models as m

        if session.bind.dialect.name == "sqlite":
            session.connection().exec_driver_sql("PRAGMA secure_delete = ON")
        rows = collect_person_rows(session, command.person_id)
        unknown = set(rows.tables) - set(HANDLING)
        if unknown:  # a table added without deciding what anonymising does to it: refuse, do not guess
            raise AnonymiseRefused("Programmet vet inte hur tabellerna " + ", ".join(sorted(unknown)) +
                                   " ska anonymiseras. Ingenting har ändrats; kontakta leverantören.")
        values = personal_values(rows)
        pid = command.person_id
        person = session.get(m.Person, pid)
        deleted: dict[str, int] = {}
        for table, how in HANDLING.items():
            ids = rows.ids(table)
            if how == DELETE and table != "person_register" and ids:
                model = _model(table)
                deleted[table] = session.execute(delete(model).where(model.id.in_(sorted(ids)))).rowcount
        pnr = person.personnummer
        if pnr:
            deleted["person_register"] = session.execute(
                delete(m.PersonRegisterEntry).where(m.PersonRegisterEntry.personnummer == pnr)).rowcount
        session.expire(person, ["addresses"])
        for key in ("personnummer", "gender", "email", "email_norm", "mobile", "phone_home", "phone_work",
                    "mobile_digits", "phone_home_digits", "phone_work_digits", "pensioner_subtype",
                    "price_guarantee_until", "organisation_id", "internal_message", "customer_message",
                    "marketing_interests", "marketing_source", "staff_employee_number", "staff_position",
                    "staff_notes", "web_password_hash"):
            setattr(person, key, None)
        person.first_name = person.last_name = ANONYMISED
        person.first_name_norm = person.last_name_norm = ANONYMISED.lower()
        person.birth_date = ANONYMOUS_BIRTH_DATE
        person.is_coordination = person.protected_identity = False
        person.marketing_email_ok = person.marketing_sms_ok = False
        person.updated_at = self.core.clock.now()
        if rows.ids("orders"):
            session.execute(update(m.Order).where(m.Order.id.in_(sorted(rows.ids("orders")))).values(receipt_pdf=None))
        if rows.ids("freezes"):
            session.execute(update(m.Freeze).where(m.Freeze.id.in_(sorted(rows.ids("freezes")))).values(agent_name=None))
        if rows.ids("autogiro_debits"):
            session.execute(update(m.AutogiroDebit).where(m.AutogiroDebit.id.in_(sorted(rows.ids("autogiro_debits"))))
                            .values(payer_number=""))
        if rows.ids("preorders"):
            session.execute(update(m.PreOrder).where(m.PreOrder.id.in_(sorted(rows.ids("preorders"))))
                            .values(name=ANONYMISED, personnummer=None, email=None,
                                    birth_date=ANONYMOUS_BIRTH_DATE))
        self._anonymise_outbox(session, rows, values)
        self._scrub_audit_and_results(session, rows, values, pnr)
        # Överlåt's trace on the other party's card names this person ("Överlåtet till/från <name> (<no>)").
        number = person.customer_number
        for note in session.scalars(select(m.Note).where(m.Note.person_id != pid, or_(
                m.Note.text.like(f"Överlåtet till % ({number}):%"), m.Note.text.like(f"Överlåtet från % ({number}):%")))):
            note.text = scrub_text(note.text, values)
        self._values = values
        return Anonymised(pid, person.customer_number, deleted), "person", pid

    def _anonymise_outbox(self, session: Session, rows: PersonRows, values: list[str]) -> None:
        from db.models import OutboxMessage

        p = rows.tables["persons"][0]
        recipients = [v for v in (p.get("email"), p.get("mobile"), p.get("mobile_digits")) if v]
        condition = OutboxMessage.person_id == rows.person_id
        if recipients:
            condition = or_(condition, OutboxMessage.recipient.in_(recipients))
        for message in session.scalars(select(OutboxMessage).where(condition)):
            message.recipient, message.subject, message.body = SCRUBBED, "", ""
            message.attachment_name = message.attachment = None
            if message.status == "vantar":
                message.status = "misslyckad"
            message.last_error = "Mottagaren är anonymiserad; meddelandet skickas inte."

    def _scrub_audit_and_results(self, session: Session, rows: PersonRows, values: list[str], pnr: str | None) -> None:
        from db.models import AuditEntry, ExecutedCommand

        for entry in (session.get(AuditEntry, a["id"]) for a in rows.audit):
            entry.details = scrub_json_text(entry.details, values)
        # Texts elsewhere that carry the person's unique identifiers (personnummer, e-mail, phone).
        unique = [v for v in values if v.isdigit() and len(v) >= 10 or "@" in v]
        if pnr:
            unique.append(pnr)
        if unique:
            for entry in session.scalars(select(AuditEntry).where(or_(*(AuditEntry.details.contains(v) for v in unique)))):
                entry.details = scrub_json_text(entry.details, values)
            for stored in session.scalars(select(ExecutedCommand).where(
                    or_(*(ExecutedCommand.result.contains(v) for v in unique)))):
                stored.result = scrub_json_text(stored.result, values)


def _model(table: str):
    from db.models import Base

    for mapper in Base.registry.mappers:
        if mapper.local_table.name == table:
            return mapper.class_
    raise KeyError(table)
