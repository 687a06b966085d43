"""Editing from the person card: every routine writes and audits; bad input and missing rights write nothing."""
from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import func, select

from app.errors import Conflict, NotAllowed, NotFound, ValidationError
from app.routines import person_edit as pe
from app.routines.person_data import AddressData, PersonData
from db.models import Address, AuditEntry, Document, Note, Person
from tests.app.conftest_data import add_person


@pytest.fixture
def person_id(core):
    with core.sessions() as s, s.begin():
        p = add_person(s, "Åke", "Öberg", personnummer="900101-1239", email="ake@example.se")
        s.add(Address(person_id=p.id, kind="hem", street="Storgatan 1", postal_code="11455", town="Stockholm"))
        add_person(s, "Anna", "Svensson", personnummer="19450315-2466")
        return p.id


def audits(core, action=None):
    with core.sessions() as s:
        stmt = select(AuditEntry)
        if action:
            stmt = stmt.where(AuditEntry.action == action)
        return list(s.scalars(stmt.order_by(AuditEntry.id)))  # in the order written (PostgreSQL keeps no order)


def load(core, pid):
    with core.sessions() as s:
        p = s.get(Person, pid)
        s.expunge(p)
        return p


def data(**kw):
    base = dict(first_name="Åke", last_name="Öberg", email="ake@example.se", mobile="070-123 45 67",
                personnummer="19900101-1239")
    base.update(kw)
    return PersonData(**base)


def test_update_person_data_keeps_addresses_and_search_keys(core, person_id, make_actor):
    actor = make_actor(core, "recep")
    pe.UpdatePersonDataRoutine(core).execute(pe.UpdatePersonData(person_id, data(
        first_name="Åsa", email="Asa@Example.SE", mobile="+46 70 999 88 77", phone_home="08-12 34 56")), actor)
    p = load(core, person_id)
    assert (p.first_name, p.first_name_norm, p.email_norm) == ("Åsa", "asa", "asa@example.se")
    assert (p.mobile_digits, p.phone_home_digits) == ("+46709998877", "+468123456")
    with core.sessions() as s:
        assert s.scalar(select(Address.street).where(Address.person_id == person_id)) == "Storgatan 1"
    (entry,) = audits(core, "Ändra basuppgifter")
    assert entry.user_id == actor.user_id and entry.entity_id == person_id
    assert "19900101-1239" not in entry.details  # personnummer masked in the audit log


def test_personnummer_change_refuses_a_duplicate(core, person_id, make_actor):
    with pytest.raises(Conflict) as err:
        pe.UpdatePersonDataRoutine(core).execute(
            pe.UpdatePersonData(person_id, data(personnummer="450315-2466")), make_actor(core, "recep"))
    assert err.value.field == "personnummer"
    assert load(core, person_id).personnummer == "199001011239" and audits(core, "Ändra basuppgifter") == []


@pytest.mark.parametrize("bad, field", [
    (dict(email="inte-en-adress"), "email"), (dict(first_name=" "), "first_name"),
    (dict(personnummer="900101-1238"), "personnummer"), (dict(mobile="12"), "mobile")])
def test_bad_person_data_writes_nothing(core, person_id, make_actor, bad, field):
    with pytest.raises(ValidationError) as err:
        pe.UpdatePersonDataRoutine(core).execute(pe.UpdatePersonData(person_id, data(**bad)),
                                                 make_actor(core, "recep"))
    assert err.value.field == field and err.value.message
    p = load(core, person_id)
    assert (p.first_name, p.email, p.mobile) == ("Åke", "ake@example.se", "070-111 22 33")
    assert audits(core) == []


def test_unknown_person(core, person_id, make_actor):
    with pytest.raises(NotFound):
        pe.UpdateMessagesRoutine(core).execute(pe.UpdateMessages(999999, "x", ""), make_actor(core, "recep"))


def test_update_addresses(core, person_id, make_actor):
    actor = make_actor(core, "recep")
    pe.UpdateAddressesRoutine(core).execute(pe.UpdateAddresses(
        person_id, AddressData("Kungsgatan 2", "", "41101", "Göteborg", "SE"),
        AddressData("Box 1", "Firma AB", "0150", "Oslo", "NO")), actor)
    with core.sessions() as s:
        rows = {a.kind: (a.street, a.co, a.postal_code, a.town, a.country)
                for a in s.scalars(select(Address).where(Address.person_id == person_id))}
    assert rows == {"hem": ("Kungsgatan 2", None, "41101", "Göteborg", "SE"),
                    "faktura": ("Box 1", "Firma AB", "0150", "Oslo", "NO")}
    pe.UpdateAddressesRoutine(core).execute(pe.UpdateAddresses(person_id, AddressData(), None), actor)
    with core.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Address).where(Address.person_id == person_id)) == 0
    assert len(audits(core, "Ändra adresser")) == 2


def test_bad_address_country(core, person_id, make_actor):
    with pytest.raises(ValidationError) as err:
        pe.UpdateAddressesRoutine(core).execute(pe.UpdateAddresses(
            person_id, AddressData("Gata 1", "", "12345", "Ort", "DK")), make_actor(core, "recep"))
    assert err.value.field == "country"
    assert audits(core) == []


def test_messages(core, person_id, make_actor):
    pe.UpdateMessagesRoutine(core).execute(pe.UpdateMessages(person_id, " Ring tränaren ", "Välkommen!"),
                                           make_actor(core, "recep"))
    p = load(core, person_id)
    assert (p.internal_message, p.customer_message) == ("Ring tränaren", "Välkommen!")
    pe.UpdateMessagesRoutine(core).execute(pe.UpdateMessages(person_id, "  ", ""), make_actor(core, "recep"))
    assert load(core, person_id).internal_message is None
    with pytest.raises(ValidationError):
        pe.UpdateMessagesRoutine(core).execute(pe.UpdateMessages(person_id, "x" * 4001, ""), make_actor(core, "recep"))
    assert len(audits(core, "Ändra meddelanden")) == 2


def test_note_and_journal_rights(core, person_id, make_actor):
    recep, admin = make_actor(core, "recep"), make_actor(core, "admin")
    note_id = pe.AddNoteRoutine(core).execute(pe.AddNote(person_id, " Glömde handduk "), recep)
    with pytest.raises(NotAllowed) as err:
        pe.AddJournalEntryRoutine(core).execute(pe.AddJournalEntry(person_id, "Skadad axel"), recep)
    assert "Kundjournal" in err.value.message
    journal_id = pe.AddJournalEntryRoutine(core).execute(pe.AddJournalEntry(person_id, "Skadad axel"), admin)
    with pytest.raises(ValidationError):
        pe.AddNoteRoutine(core).execute(pe.AddNote(person_id, "   "), recep)
    with core.sessions() as s:
        notes = {n.id: (n.kind, n.text, n.created_by) for n in s.scalars(select(Note))}
    assert notes == {note_id: ("anteckning", "Glömde handduk", recep.user_id),
                     journal_id: ("journal", "Skadad axel", admin.user_id)}
    assert [a.action for a in audits(core)] == ["Ny anteckning", "Ny kundjournalanteckning"]


def test_marketing_and_staff(core, person_id, make_actor):
    actor = make_actor(core, "recep")
    pe.UpdateMarketingRoutine(core).execute(pe.UpdateMarketing(person_id, True, False, "Yoga, simning", "Annons"),
                                            actor)
    pe.UpdateStaffFieldsRoutine(core).execute(pe.UpdateStaffFields(person_id, "A-12", "Instruktör", "Nycklar",
                                                                   web_password="hemligt123"), actor)
    p = load(core, person_id)
    assert (p.marketing_email_ok, p.marketing_sms_ok, p.marketing_interests) == (True, False, "Yoga, simning")
    assert (p.staff_employee_number, p.staff_position) == ("A-12", "Instruktör") and p.web_password_hash
    staff_audit = audits(core, "Ändra personaluppgifter")[0].details
    with pytest.raises(ValidationError) as err:
        pe.UpdateStaffFieldsRoutine(core).execute(pe.UpdateStaffFields(person_id, web_password="kort"), actor)
    assert err.value.field == "web_password"
    assert load(core, person_id).staff_position == "Instruktör"
    assert json.loads(staff_audit)["employee_number"] == "A-12"


def test_documents(core, person_id, make_actor):
    recep, admin = make_actor(core, "recep"), make_actor(core, "admin")
    doc_id = pe.AddDocumentRoutine(core).execute(pe.AddDocument(person_id, "C:\\tmp\\avtal.pdf", b"%PDF-1.4",
                                                                only_owner_visible=True), recep)
    with core.sessions() as s:
        doc = s.get(Document, doc_id)
        assert (doc.filename, doc.content, doc.created_by) == ("avtal.pdf", b"%PDF-1.4", recep.user_id)
    assert "<8 bytes>" in audits(core, "Nytt dokument")[0].details
    with pytest.raises(NotAllowed):
        pe.UpdateDocumentFlagsRoutine(core).execute(pe.UpdateDocumentFlags(person_id, doc_id, False, True, True), admin)
    pe.UpdateDocumentFlagsRoutine(core).execute(pe.UpdateDocumentFlags(person_id, doc_id, False, True, True), recep)
    with core.sessions() as s:
        doc = s.get(Document, doc_id)
        assert (doc.only_owner_visible, doc.show_on_web, doc.processed) == (False, True, True)
    with pytest.raises(ValidationError):
        pe.AddDocumentRoutine(core).execute(pe.AddDocument(person_id, "tom.pdf", b""), recep)
    with pytest.raises(NotFound):
        pe.UpdateDocumentFlagsRoutine(core).execute(pe.UpdateDocumentFlags(person_id + 1, doc_id, False, False, False),
                                                    recep)
    with core.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Document)) == 1
    assert len(audits(core, "Ändra dokument")) == 1


def test_birth_date_person_without_personnummer(core, person_id, make_actor):
    pe.UpdatePersonDataRoutine(core).execute(pe.UpdatePersonData(person_id, data(
        personnummer="", birth_date=date(1980, 5, 5), gender="M")), make_actor(core, "recep"))
    p = load(core, person_id)
    assert (p.personnummer, p.birth_date, p.gender) == (None, date(1980, 5, 5), "M")
