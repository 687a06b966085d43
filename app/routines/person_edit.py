"""Editing from the person card: Basuppgifter, Adress/Fakturaadress, Meddelanden, anteckningar,
Kundjournal, Marknad, Personal and Dokument.

Each is a routine on the engine (app/routines/base.py): rights checked, the
input re-validated against the database as it is now, one transaction, one
audit row. Bad input raises a ValidationError naming the field, and nothing is
written.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

from sqlalchemy import exc, select
from sqlalchemy.orm import Session

from app.domain.inputs import check_text, max_length
from app.context import Actor
from app.errors import Conflict, NotAllowed, NotFound, ValidationError
from app.rights import CUSTOMER_JOURNAL, CUSTOMER_ROUTINES
from app.routines.base import Routine
from app.routines.person_data import (AddressData, PersonData, apply_person_data, validate_address,
                                      validate_person_data)

COUNTRIES = ("SE", "NO", "FI")
MAX_TEXT = 4000
MAX_DOCUMENT_BYTES = 20 * 1024 * 1024
MIN_WEB_PASSWORD = 8


def _person(session: Session, person_id: int):
    from db.models import Person

    person = session.get(Person, person_id)
    if person is None:
        raise NotFound("Personen finns inte längre. Sök fram kunden på nytt.")
    return person


def _address_of(person, kind: str) -> AddressData | None:
    row = next((a for a in person.addresses if a.kind == kind), None)
    if row is None:
        return None
    return AddressData(row.street or "", row.co or "", row.postal_code or "", row.town or "", row.country or "SE")


def _limit(text: str, field: str, label: str) -> str:
    """Control characters refused, and the field's one length (app.domain.inputs.max_length)."""
    check_text(text, field.removeprefix("invoice_"))
    maximum = max_length(field.removeprefix("invoice_"))
    if len(text) > maximum:
        raise ValidationError(f"{label} får vara högst {maximum} tecken.", field=field)
    return text


# --------------------------------------------------------------------------
# Basuppgifter
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class UpdatePersonData:
    """Name, personnummer (or birth date + gender), e-mail and phones. Addresses are not touched."""

    person_id: int
    data: PersonData


class UpdatePersonDataRoutine(Routine[UpdatePersonData, int]):
    name = "Ändra basuppgifter"

    def validate(self, session: Session, command: UpdatePersonData) -> None:
        from db.models import Person

        data = validate_person_data(command.data, self.core.clock.today())
        _person(session, command.person_id)
        if data.personnummer:
            other = session.scalar(select(Person.id).where(Person.personnummer == data.personnummer,
                                                           Person.id != command.person_id))
            if other is not None:
                raise Conflict("En annan kund har redan det personnumret. Kontrollera siffrorna.",
                               field="personnummer")

    def perform(self, session: Session, command: UpdatePersonData, actor: Actor):
        person = _person(session, command.person_id)
        data = validate_person_data(command.data, self.core.clock.today())
        # apply_person_data also writes addresses: keep the stored ones.
        data = replace(data, address=_address_of(person, "hem") or AddressData(),
                       invoice_address=_address_of(person, "faktura"))
        apply_person_data(person, data, self.core.clock.now())
        return person.id, "person", person.id

    def conflict_message(self, error: exc.IntegrityError) -> str:
        if "personnummer" in str(error.orig):
            return "En annan kund har redan det personnumret (en annan kassa hann före)."
        return super().conflict_message(error)


# --------------------------------------------------------------------------
# Adress / Fakturaadress
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class UpdateAddresses:
    """Hemadress and fakturaadress; an empty address removes the stored one."""

    person_id: int
    home: AddressData
    invoice: AddressData | None = None


def _check_address(address: AddressData, prefix: str) -> AddressData:
    if address.country not in COUNTRIES:
        raise ValidationError("Välj land: Sverige, Norge eller Finland.", field=f"{prefix}country")
    for name, label in (("street", "Gatuadressen"), ("co", "c/o-adressen"), ("postal_code", "Postnumret"),
                        ("town", "Orten")):
        _limit(getattr(address, name), f"{prefix}{name}", label)
    try:
        return validate_address(address)  # the one address rule: postal code as one key spelling
    except ValidationError as err:
        raise ValidationError(err.message, field=f"{prefix}{err.field}") from None


class UpdateAddressesRoutine(Routine[UpdateAddresses, int]):
    name = "Ändra adresser"

    def validate(self, session: Session, command: UpdateAddresses) -> None:
        _check_address(command.home, "")
        if command.invoice is not None:
            _check_address(command.invoice, "invoice_")
        _person(session, command.person_id)

    def perform(self, session: Session, command: UpdateAddresses, actor: Actor):
        from db.models import Address

        person = _person(session, command.person_id)
        wanted = {"hem": _check_address(command.home, ""),
                  "faktura": _check_address(command.invoice, "invoice_") if command.invoice else None}
        for kind, address in wanted.items():
            existing = next((a for a in person.addresses if a.kind == kind), None)
            if address is None or address.is_empty:
                if existing is not None:
                    person.addresses.remove(existing)
                continue
            if existing is None:
                existing = Address(kind=kind)
                person.addresses.append(existing)
            existing.street, existing.co = address.street or None, address.co or None
            existing.postal_code, existing.town = address.postal_code or None, address.town or None
            existing.country = address.country
        person.updated_at = self.core.clock.now()
        return person.id, "person", person.id


# --------------------------------------------------------------------------
# Meddelanden, anteckningar, kundjournal
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class UpdateMessages:
    """Internt meddelande (shown whenever the person is looked up) and kundmeddelande (web, kiosk)."""

    person_id: int
    internal_message: str
    customer_message: str


class UpdateMessagesRoutine(Routine[UpdateMessages, int]):
    name = "Ändra meddelanden"

    def validate(self, session: Session, command: UpdateMessages) -> None:
        _limit(command.internal_message, "internal_message", "Det interna meddelandet")
        _limit(command.customer_message, "customer_message", "Kundmeddelandet")
        _person(session, command.person_id)

    def perform(self, session: Session, command: UpdateMessages, actor: Actor):
        person = _person(session, command.person_id)
        person.internal_message = command.internal_message.strip() or None
        person.customer_message = command.customer_message.strip() or None
        person.updated_at = self.core.clock.now()
        return person.id, "person", person.id


@dataclass(frozen=True)
class AddNote:
    person_id: int
    text: str


def _note_text(text: str) -> str:
    stripped = text.strip()
    if not stripped:
        raise ValidationError("Skriv något i anteckningen.", field="text")
    return _limit(stripped, "text", "Anteckningen")


class AddNoteRoutine(Routine[AddNote, int]):
    name = "Ny anteckning"
    kind = "anteckning"

    def validate(self, session: Session, command: AddNote) -> None:
        _note_text(command.text)
        _person(session, command.person_id)

    def perform(self, session: Session, command: AddNote, actor: Actor):
        from db.models import Note

        note = Note(person_id=command.person_id, kind=self.kind, text=_note_text(command.text),
                    created_at=self.core.clock.now(), created_by=actor.user_id)
        session.add(note)
        session.flush()
        return note.id, "note", note.id


@dataclass(frozen=True)
class AddJournalEntry:
    person_id: int
    text: str


class AddJournalEntryRoutine(AddNoteRoutine):
    """Kundjournal: only users with the right "Kundjournal" may read or write it."""

    name = "Ny kundjournalanteckning"
    kind = "journal"
    required_rights = (CUSTOMER_JOURNAL,)


# --------------------------------------------------------------------------
# Marknad, Personal
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class UpdateMarketing:
    person_id: int
    email_ok: bool
    sms_ok: bool
    interests: str = ""
    source: str = ""


class UpdateMarketingRoutine(Routine[UpdateMarketing, int]):
    name = "Ändra marknadsuppgifter"

    def validate(self, session: Session, command: UpdateMarketing) -> None:
        _limit(command.interests, "interests", "Intressen")
        _limit(command.source, "source", "Källan")
        _person(session, command.person_id)

    def perform(self, session: Session, command: UpdateMarketing, actor: Actor):
        person = _person(session, command.person_id)
        person.marketing_email_ok, person.marketing_sms_ok = command.email_ok, command.sms_ok
        person.marketing_interests = command.interests.strip() or None
        person.marketing_source = command.source.strip() or None
        person.updated_at = self.core.clock.now()
        return person.id, "person", person.id


@dataclass(frozen=True)
class UpdateStaffFields:
    """Personal: staff-only fields, and the web password customers also use (None = unchanged)."""

    person_id: int
    employee_number: str = ""
    position: str = ""
    notes: str = ""
    web_password: str | None = None


class UpdateStaffFieldsRoutine(Routine[UpdateStaffFields, int]):
    name = "Ändra personaluppgifter"

    def validate(self, session: Session, command: UpdateStaffFields) -> None:
        _limit(command.employee_number, "employee_number", "Anställningsnumret")
        _limit(command.position, "position", "Befattningen")
        _limit(command.notes, "notes", "Anteckningen")
        if command.web_password is not None and len(command.web_password) < MIN_WEB_PASSWORD:
            raise ValidationError(f"Lösenordet måste ha minst {MIN_WEB_PASSWORD} tecken.", field="web_password")
        _person(session, command.person_id)

    def perform(self, session: Session, command: UpdateStaffFields, actor: Actor):
        from app.auth import hash_password

        person = _person(session, command.person_id)
        person.staff_employee_number = command.employee_number.strip() or None
        person.staff_position = command.position.strip() or None
        person.staff_notes = command.notes.strip() or None
        if command.web_password is not None:
            person.web_password_hash = hash_password(command.web_password)
        person.updated_at = self.core.clock.now()
        return person.id, "person", person.id


# --------------------------------------------------------------------------
# Dokument
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class AddDocument:
    person_id: int
    filename: str
    content: bytes
    only_owner_visible: bool = False   # Endast synlig för ansvarig
    show_on_web: bool = False          # Visas på Internet
    processed: bool = False


def _check_document(command: AddDocument) -> str:
    name = command.filename.strip().replace("\\", "/").rsplit("/", 1)[-1]
    if not name:
        raise ValidationError("Dokumentet saknar filnamn.", field="filename")
    _limit(name, "filename", "Filnamnet")
    if not command.content:
        raise ValidationError("Filen är tom. Välj en annan fil.", field="content")
    if len(command.content) > MAX_DOCUMENT_BYTES:
        raise ValidationError("Filen är större än 20 MB. Välj en mindre fil.", field="content")
    return name


class AddDocumentRoutine(Routine[AddDocument, int]):
    name = "Nytt dokument"

    def validate(self, session: Session, command: AddDocument) -> None:
        _check_document(command)
        _person(session, command.person_id)

    def perform(self, session: Session, command: AddDocument, actor: Actor):
        from db.models import Document

        doc = Document(person_id=command.person_id, filename=_check_document(command), content=command.content,
                       only_owner_visible=command.only_owner_visible, show_on_web=command.show_on_web,
                       processed=command.processed, created_at=self.core.clock.now(), created_by=actor.user_id)
        session.add(doc)
        session.flush()
        return doc.id, "document", doc.id


@dataclass(frozen=True)
class UpdateDocumentFlags:
    person_id: int
    document_id: int
    only_owner_visible: bool
    show_on_web: bool
    processed: bool


class UpdateDocumentFlagsRoutine(Routine[UpdateDocumentFlags, int]):
    name = "Ändra dokument"
    required_rights = (CUSTOMER_ROUTINES,)

    def _document(self, session: Session, command: UpdateDocumentFlags):
        from db.models import Document

        doc = session.get(Document, command.document_id)
        if doc is None or doc.person_id != command.person_id:
            raise NotFound("Dokumentet finns inte längre. Öppna personkortet på nytt.")
        return doc

    def validate(self, session: Session, command: UpdateDocumentFlags) -> None:
        self._document(session, command)

    def perform(self, session: Session, command: UpdateDocumentFlags, actor: Actor):
        doc = self._document(session, command)
        if doc.only_owner_visible and doc.created_by != actor.user_id:
            raise NotAllowed("Dokumentet är bara synligt för den som lade upp det och kan bara ändras av den.")
        doc.only_owner_visible, doc.show_on_web = command.only_owner_visible, command.show_on_web
        doc.processed = command.processed
        return doc.id, "document", doc.id
