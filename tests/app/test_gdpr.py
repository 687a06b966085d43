"""Registerutdrag and Anonymisera (issue 15 point 10) through the routine layer, on SQLite and PostgreSQL.

The anonymising test fills every kind of personal data through the real routines (registration with
photo, card and autogiro mandate, notes, journal, document, edits that leave audit rows, an outbox
message, a pre-order, a register entry, a log line), closes the subscription and pays the order, then
searches EVERY text and binary column of EVERY table in the database for each value."""
from __future__ import annotations

import json
import logging
from dataclasses import replace
from datetime import date

import pytest
from sqlalchemy import LargeBinary, String, Text, inspect, select, text, update

from app.errors import NotAllowed
from app.queries.register_extract import collect_person_rows
from app.routines.gdpr import (HANDLING, AnonymisePerson, AnonymisePersonRoutine, AnonymiseRefused,
                               MakeRegisterExtract, RegisterExtractRoutine)
from app.routines.person_data import AddressData
from app.routines.person_edit import AddDocument, AddDocumentRoutine, AddJournalEntry, AddJournalEntryRoutine, AddNote, AddNoteRoutine
from app.routines.register import RegisterRoutine
from app.routines.registration_data import AccessData, MandateData
from db import models as m
from tests.app import builders as b

PNR = b.pnr("19731205", "347")
FIRST, LAST = "Zlatana", "Qwertyström"
EMAIL = "zlatana.qwertystrom@exempel.se"
MOBILE = "070-987 65 43"
STREET = "Hemligvägen 17"
ACCOUNT = "9876545"
CARD = "0004529911"
PHOTO = b"\xff\xd8\xff\xe0" + b"UNIKT-FOTO-4711" * 1500 + b"\xff\xd9"  # 22 kB: overflow pages, like a real photo
DOCUMENT = b"%PDF-1.4 UNIKT-DOKUMENT-0815"


def _needles() -> dict[str, bytes]:
    digits = PNR.replace("-", "")
    return {"personnummer": digits.encode(), "personnummer10": digits[2:].encode(), "personnummer-dash": PNR.encode(),
            "first": FIRST.encode(), "last": LAST.encode(), "last-folded": b"qwertystrom", "email": EMAIL.encode(),
            "mobile": b"709876543", "street": STREET.encode(), "account": ACCOUNT.encode(), "card": CARD.encode(),
            "photo": b"UNIKT-FOTO-4711", "document": b"UNIKT-DOKUMENT-0815", "journal": b"knaskador"}


@pytest.fixture
def cat(core):
    return b.build_catalog(core)


def _full_person(core, cat, make_actor) -> int:
    recep = make_actor(core, "recep")
    data = replace(b.person_data(PNR, FIRST, LAST, EMAIL), mobile=MOBILE,
                   address=AddressData(STREET, "", "11455", "Stockholm", "SE"))
    mandate = MandateData(holder_name=f"{FIRST} {LAST}", holder_personnummer=PNR, clearing="5000", account=ACCOUNT)
    result = RegisterRoutine(core).execute(
        b.registration(cat, person=data, mandate=mandate, access=AccessData(card_number=CARD, photo_jpeg=PHOTO)), recep)
    pid = result.person_id
    AddNoteRoutine(core).execute(AddNote(pid, f"Ringde från {MOBILE}, vill ha kvitto till {EMAIL}"), recep)
    admin = make_actor(core, "admin")
    AddJournalEntryRoutine(core).execute(AddJournalEntry(pid, "Tränar försiktigt efter knaskador"), admin)
    AddDocumentRoutine(core).execute(AddDocument(pid, "intyg.pdf", DOCUMENT), recep)
    with core.write_session() as s, s.begin():
        s.execute(update(m.Subscription).where(m.Subscription.user_id == pid).values(status="avslutat",
                                                                                     end_date=date(2026, 11, 1)))
        s.execute(update(m.Order).where(m.Order.person_id == pid).values(status="betald", receipt_pdf=b"%PDF " + LAST.encode()))
        s.add(m.OutboxMessage(channel="epost", recipient=EMAIL, subject=f"Välkommen {FIRST}", body=f"Hej {FIRST} {LAST}",
                              person_id=pid, created_at=b.NOW, next_attempt_at=b.NOW))
        s.add(m.PersonRegisterEntry(personnummer=PNR.replace("-", ""), first_name=FIRST, last_name=LAST, street=STREET))
    logging.getLogger("reception.test").warning("Kunde inte skicka till %s (%s %s)", EMAIL, FIRST, LAST)
    return pid


def _plain_sqlite_default(engine) -> None:
    """Connections start with secure_delete OFF, as Python's own SQLite on Windows does (Debian's is
    built with SECURE_DELETE on, which would hide a missing pragma here)."""
    from sqlalchemy import event

    if engine.dialect.name != "sqlite":
        return
    event.listen(engine, "connect", lambda dbapi, _r: dbapi.execute("PRAGMA secure_delete=OFF"), insert=True)
    engine.dispose()


def _scan(engine) -> dict[str, list[str]]:
    """Every needle -> 'table.column' where it still appears (every text and binary column of every table)."""
    hits: dict[str, list[str]] = {}
    insp = inspect(engine)
    schemas = [None] + (["reception_sync"] if engine.dialect.name == "postgresql" else [])
    with engine.connect() as conn:
        for schema in schemas:
            for table in insp.get_table_names(schema=schema):
                qualified = f"{schema}.{table}" if schema else table
                for col in insp.get_columns(table, schema=schema):
                    kind = str(col["type"]).upper()
                    if not any(k in kind for k in ("CHAR", "TEXT", "BLOB", "BYTEA", "JSON", "CLOB")):
                        continue
                    cast = f'CAST("{col["name"]}" AS TEXT)' if "JSON" in kind else f'"{col["name"]}"'
                    for value in conn.execute(text(f'SELECT {cast} FROM {qualified} WHERE "{col["name"]}" IS NOT NULL')).scalars():
                        raw = value if isinstance(value, (bytes, memoryview)) else str(value).encode()
                        raw = bytes(raw)
                        for name, needle in _needles().items():
                            if needle.lower() in raw.lower():
                                hits.setdefault(name, []).append(f"{qualified}.{col['name']}")
    return hits


def test_registerutdrag_holds_every_row_about_the_person_and_the_audit_trail(core, cat, make_actor):
    pid = _full_person(core, cat, make_actor)
    extract = RegisterExtractRoutine(core).execute(MakeRegisterExtract(pid), make_actor(core, "admin"))
    data = json.loads(extract.json_text)
    tables = data["tabeller"]
    for table in ("persons", "addresses", "photos", "cards", "autogiro_mandates", "subscriptions", "orders",
                  "order_lines", "notes", "documents", "outbox", "person_register", "customer_type_proofs"):
        assert tables.get(table), table
    assert tables["persons"][0]["personnummer"] == PNR.replace("-", "")
    assert tables["persons"][0]["web_password_hash"] is None
    assert any("knaskador" in n["text"] for n in tables["notes"])
    assert tables["photos"][0]["jpeg"]["bytes"] == len(PHOTO)
    actions = [a["action"] for a in data["händelselogg"]]
    assert {"Ny anteckning", "Ny kundjournalanteckning", "Nytt dokument"} <= set(actions)
    assert all(a["användare"] for a in data["händelselogg"])
    with core.sessions() as s:  # the extract itself is audited
        assert s.scalar(select(m.AuditEntry).where(m.AuditEntry.action == "Registerutdrag",
                                                   m.AuditEntry.entity_id == pid)) is not None
    # nobody else's rows: a second person's data is not in the extract
    other = b.add_person(core, b.person_data("850709-9805", "Annan", "Persson", "annan@example.se"))
    assert "Persson" not in RegisterExtractRoutine(core).execute(MakeRegisterExtract(pid), make_actor(core, "admin")).json_text
    assert other


def test_new_tables_about_persons_are_found_by_the_walk_and_must_be_classified(core, cat, make_actor):
    """Every table that points at persons (directly or through another) is in the extract's walk and has
    a decision in HANDLING — a new table without one fails here."""
    from db.models import Base

    about = {"persons"}
    changed = True
    while changed:
        changed = False
        for table in Base.metadata.sorted_tables:
            if table.name not in about and table.name != "audit_log" and any(
                    fk.column.table.name in about for fk in table.foreign_keys):
                about.add(table.name)
                changed = True
    about.add("person_register")  # by personnummer
    assert about == set(HANDLING)


def test_rights_registerutdrag_needs_journal_and_anonymisera_needs_system_settings(core, cat, make_actor):
    pid = b.add_person(core)
    recep = make_actor(core, "recep")
    with pytest.raises(NotAllowed, match="Systeminställningar"):
        AnonymisePersonRoutine(core).execute(AnonymisePerson(pid), recep)
    without_journal = replace(recep, rights=recep.rights - {"Kundjournal"} | {"Kundrutiner"})
    with pytest.raises(NotAllowed, match="Kundjournal"):
        RegisterExtractRoutine(core).execute(MakeRegisterExtract(pid), without_journal)
    with_both = replace(recep, rights=recep.rights | {"Kundjournal", "Kundrutiner"})
    assert RegisterExtractRoutine(core).execute(MakeRegisterExtract(pid), with_both).person_id == pid
    with core.sessions() as s:
        assert s.get(m.Person, pid).first_name == "Anna"


def test_anonymisera_is_refused_while_a_subscription_runs_or_a_debt_is_open(core, cat, make_actor):
    admin = make_actor(core, "admin")
    result = RegisterRoutine(core).execute(b.registration(cat), make_actor(core, "recep"))
    pid = result.person_id
    with pytest.raises(AnonymiseRefused, match="abonnemang som löper.*Ingenting har ändrats"):
        AnonymisePersonRoutine(core).execute(AnonymisePerson(pid), admin)
    with core.write_session() as s, s.begin():
        s.execute(update(m.Subscription).where(m.Subscription.user_id == pid).values(status="avslutat"))
    with pytest.raises(AnonymiseRefused, match="obetald order"):  # the registration's order is unpaid
        AnonymisePersonRoutine(core).execute(AnonymisePerson(pid), admin)
    with core.write_session() as s, s.begin():
        s.execute(update(m.Order).where(m.Order.person_id == pid).values(status="betald"))
        s.add(m.Invoice(invoice_number=900001, person_id=pid, kind="faktura", issued_on=b.TODAY, due_on=b.TODAY,
                        amount_ore=12500, paid_ore=2500, status="obetald"))
    with pytest.raises(AnonymiseRefused, match=r"obetald faktura \(nr 900001, 100,00 kr"):
        AnonymisePersonRoutine(core).execute(AnonymisePerson(pid), admin)
    with core.sessions() as s:
        assert s.get(m.Person, pid).personnummer == "198507099805"
        assert s.scalar(select(m.Photo.id).where(m.Photo.person_id == pid)) is not None


def test_after_anonymisera_no_personal_data_survives_anywhere_in_the_database(core, cat, make_actor, tmp_path):
    from app.logging_setup import log_files, setup_logging

    root = logging.getLogger()
    old_handlers = list(root.handlers)
    log_path = setup_logging(tmp_path / "logs")
    _plain_sqlite_default(core.engine)
    try:
        pid = _full_person(core, cat, make_actor)
        with core.sessions() as s:
            order_ids = list(s.scalars(select(m.Order.id).where(m.Order.person_id == pid)))
            payments = s.scalar(select(m.Payment.id).limit(1))
        before = _scan(core.engine)
        assert {"personnummer", "first", "last", "email", "street", "account", "photo", "card", "mobile"} <= set(before)
        assert FIRST in log_path.read_text(encoding="utf-8")

        result = AnonymisePersonRoutine(core).execute(AnonymisePerson(pid), make_actor(core, "admin"))

        assert _scan(core.engine) == {}
        for path in log_files():
            content = path.read_text(encoding="utf-8")
            assert FIRST not in content and EMAIL not in content and LAST not in content
        with core.sessions() as s:
            person = s.get(m.Person, pid)
            assert (person.first_name, person.last_name, person.personnummer, person.email) == (
                "Anonymiserad", "Anonymiserad", None, None)
            assert person.customer_number == result.customer_number
            # bookkeeping stays: orders, their lines and the ended subscription
            assert list(s.scalars(select(m.Order.id).where(m.Order.person_id == pid))) == order_ids
            assert s.scalar(select(m.OrderLine.id).where(m.OrderLine.order_id.in_(order_ids))) is not None
            assert s.scalar(select(m.Subscription.id).where(m.Subscription.user_id == pid)) is not None
            assert payments is None or s.get(m.Payment, payments) is not None
            message = s.scalar(select(m.OutboxMessage).where(m.OutboxMessage.person_id == pid))
            assert message.status == "misslyckad" and message.attachment is None
            entry = s.scalar(select(m.AuditEntry).where(m.AuditEntry.action == "Anonymisera person"))
            assert entry.entity_id == pid and entry.user_id is not None
            # the audit trail of the person is still there, only without the data
            assert s.scalar(select(m.AuditEntry.id).where(m.AuditEntry.action == "Ny anteckning")) is not None
        assert result.deleted["photos"] == 1 and result.deleted["autogiro_mandates"] == 1
        if core.engine.dialect.name == "postgresql":
            with core.engine.connect() as conn:  # the desks' replicas learn of it through the feed
                ops = set(conn.execute(text("SELECT tbl || ':' || op FROM reception_sync.changes")).scalars())
            assert {"photos:D", "addresses:D", "cards:D", "persons:U"} <= ops
        else:  # the photo's bytes are not left in the SQLite file's free pages or its WAL
            path = core.engine.url.database
            core.engine.dispose()
            for suffix in ("", "-wal"):
                try:
                    with open(path + suffix, "rb") as fh:
                        raw = fh.read()
                except FileNotFoundError:
                    continue
                assert b"UNIKT-FOTO-4711" not in raw and LAST.encode() not in raw, suffix
    finally:
        for h in list(root.handlers):
            if h not in old_handlers:
                root.removeHandler(h)
                h.close()


@pytest.mark.pg
def test_the_desks_offline_replica_loses_the_person_at_its_next_pull(pg_db, clock, make_actor, tmp_path):
    """The change feed's tombstones reach every desk's replica: after a pull the SQLite copy holds none of
    the person's data, neither in its tables nor in the bytes of the file and its WAL."""
    from app.context import Core
    from app.sync.replica import Replica
    from db.engine import make_session_factory

    core = Core(sessions=make_session_factory(pg_db.engine), clock=clock, desk="Kassa 1")
    pid = _full_person(core, b.build_catalog(core), make_actor)
    replica = Replica(tmp_path / "replica.db").open()
    _plain_sqlite_default(replica.engine)
    assert replica.fill(pg_db.engine)
    with replica.engine.connect() as conn:
        assert conn.execute(select(m.Person.last_name).where(m.Person.id == pid)).scalar() == LAST
        assert conn.execute(select(m.Photo.id).where(m.Photo.person_id == pid)).scalar() is not None
    AnonymisePersonRoutine(core).execute(AnonymisePerson(pid), make_actor(core, "admin"))
    replica.pull(pg_db.engine)
    assert _scan(replica.engine) == {}
    replica.close()
    for suffix in ("", "-wal"):
        path = tmp_path / f"replica.db{suffix}"
        if path.exists():
            raw = path.read_bytes()
            assert b"UNIKT-FOTO-4711" not in raw and LAST.encode() not in raw and EMAIL.encode() not in raw, suffix
