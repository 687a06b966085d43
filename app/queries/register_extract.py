"""Registerutdrag (GDPR art. 15): every row the club holds about one person, found generically.

The walk starts at the person's row and follows the foreign keys of db/models.py *backwards*: every
table with a foreign key to a table already collected contributes the rows that point at collected
rows (addresses, photos, cards, subscriptions -> freezes, orders -> order lines and payments, ...), until
nothing new is found. A table added later is therefore included without touching this module. Rows
that name the person by value rather than by key (a pre-order or a register entry with the
personnummer) are found by their `personnummer` column. The audit trail is every audit row about a
collected row (its entity name maps to a table) or whose details contain the personnummer.

The result is plain data (dicts of column -> JSON-able value); widgets/register_extract_pdf.py draws
the PDF, and `extract_json` is the machine-readable copy.
"""
from __future__ import annotations

import base64
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import Table, or_, select
from sqlalchemy.orm import Session

from app.errors import NotFound

# Audit rows name their entity in Swedish or English; the table each name stands for.
AUDIT_ENTITIES = {
    "person": "persons", "abonnemang": "subscriptions", "invoice": "invoices", "document": "documents",
    "order": "orders", "kort": "cards", "forbestallning": "preorders", "note": "notes",
    "autogiromedgivande": "autogiro_mandates",
}
# Columns that identify a person by value (no foreign key): matched against the person's personnummer.
BY_VALUE = ("personnummer", "holder_personnummer")
# Tables that are not "about" anyone even when they point at a collected row.
NOT_ABOUT_THE_PERSON = frozenset({"audit_log"})


@dataclass
class PersonRows:
    """Rows per table (tables in dependency order), and the audit rows, as column -> raw value."""

    person_id: int
    tables: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    audit: list[dict[str, Any]] = field(default_factory=list)

    def ids(self, table: str) -> set[Any]:
        return {row["id"] for row in self.tables.get(table, []) if "id" in row}


def _metadata():
    from db.models import Base

    return Base.metadata


def _single_key(table: Table) -> str | None:
    keys = list(table.primary_key.columns)
    return keys[0].name if len(keys) == 1 else None


def _row(mapping) -> dict[str, Any]:
    return dict(mapping)


def collect_person_rows(session: Session, person_id: int) -> PersonRows:
    """Every row linked to the person by foreign keys (transitively) or by personnummer."""
    md = _metadata()
    persons = md.tables["persons"]
    person = session.execute(select(persons).where(persons.c.id == person_id)).mappings().first()
    if person is None:
        raise NotFound("Personen finns inte längre. Sök fram kunden på nytt.")
    found = PersonRows(person_id, {"persons": [_row(person)]})
    keys: dict[str, set[Any]] = {"persons": {person_id}}
    personnummer = person["personnummer"]
    changed = True
    while changed:  # self-references (subscriptions.parent_id, invoices.credited_invoice_id) need a second pass
        changed = False
        for table in md.sorted_tables:
            if table.name in NOT_ABOUT_THE_PERSON:
                continue
            conditions = []
            for fk in table.foreign_keys:
                target = fk.column.table.name
                if target in keys and fk.column.name == _single_key(fk.column.table) and keys[target]:
                    conditions.append(fk.parent.in_(sorted(keys[target])))
            if personnummer:
                conditions += [table.c[name] == personnummer for name in BY_VALUE if name in table.c]
            if not conditions:
                continue
            rows = [_row(r) for r in session.execute(select(table).where(or_(*conditions))).mappings()]
            pk = _single_key(table)
            known = found.tables.setdefault(table.name, [])
            seen = {_identity(table, r) for r in known}
            for r in rows:
                if _identity(table, r) not in seen:
                    known.append(r)
                    seen.add(_identity(table, r))
                    changed = True
                    if pk is not None:
                        keys.setdefault(table.name, set()).add(r[pk])
            if not known:
                del found.tables[table.name]
    found.audit = audit_rows(session, found, personnummer)
    return found


def _identity(table: Table, row: dict[str, Any]) -> tuple:
    return tuple(row[c.name] for c in table.primary_key.columns)


def audit_rows(session: Session, rows: PersonRows, personnummer: str | None) -> list[dict[str, Any]]:
    from db.models import AuditEntry

    conditions = []
    for entity, table in AUDIT_ENTITIES.items():
        ids = rows.ids(table)
        if ids:
            conditions.append((AuditEntry.entity == entity) & AuditEntry.entity_id.in_(sorted(ids)))
    if personnummer:
        conditions.append(AuditEntry.details.contains(personnummer))
    audit = AuditEntry.__table__
    statement = select(audit).where(or_(*conditions)).order_by(audit.c.at, audit.c.id)
    return [_row(r) for r in session.execute(statement).mappings()]


# --------------------------------------------------------------------------
# The extract: JSON and the plain data the PDF is drawn from
# --------------------------------------------------------------------------

TABLE_TITLES = {
    "persons": "Personuppgifter", "addresses": "Adresser", "customer_type_proofs": "Intyganden av kundtyp",
    "notes": "Anteckningar och kundjournal", "documents": "Dokument", "photos": "Foton", "cards": "Medlemskort",
    "subscriptions": "Abonnemang", "freezes": "Frysningar", "preorders": "Förbeställningar",
    "online_purchases": "Onlineköp", "autogiro_mandates": "Autogiromedgivanden", "orders": "Ordrar",
    "order_lines": "Orderrader", "payments": "Betalningar", "invoices": "Fakturor", "value_cards": "Värdekort",
    "bookings": "Bokningar", "outbox": "Skickade och väntande e-post och sms", "person_register": "Folkbokföringsuppgifter",
}


# Swedish headings for the PDF (the JSON keeps the column names); a column not listed shows its name.
COLUMN_LABELS = {
    "id": "Id", "person_id": "Person (id)", "customer_number": "Kundnummer", "personnummer": "Personnummer",
    "is_coordination": "Samordningsnummer", "birth_date": "Födelsedatum", "gender": "Kön", "first_name": "Förnamn",
    "last_name": "Efternamn", "first_name_norm": "Förnamn (sökform)", "last_name_norm": "Efternamn (sökform)",
    "email": "E-post", "email_norm": "E-post (sökform)", "mobile": "Mobil", "phone_home": "Telefon hem",
    "phone_work": "Telefon arbete", "mobile_digits": "Mobil (sökform)", "phone_home_digits": "Telefon hem (sökform)",
    "phone_work_digits": "Telefon arbete (sökform)", "customer_type": "Kundtyp", "pensioner_subtype": "Pensionärstyp",
    "price_guarantee_until": "Prisgaranti t.o.m.", "organisation_id": "Organisation (id)",
    "protected_identity": "Skyddad identitet", "internal_message": "Internt meddelande",
    "customer_message": "Kundmeddelande", "marketing_email_ok": "E-post med erbjudanden",
    "marketing_sms_ok": "Sms med erbjudanden", "marketing_interests": "Intressen", "marketing_source": "Hittade oss via",
    "staff_employee_number": "Anställningsnummer", "staff_position": "Befattning", "staff_notes": "Personalanteckningar",
    "web_password_hash": "Lösenord för webben", "registered_with_routines": "Registrerad med kundrutiner",
    "created_at": "Skapad", "updated_at": "Ändrad", "kind": "Slag", "street": "Gatuadress", "co": "c/o",
    "postal_code": "Postnummer", "town": "Ort", "country": "Land", "text": "Text", "filename": "Filnamn",
    "content": "Innehåll", "jpeg": "Foto", "taken_at": "Fotograferad", "is_current": "Aktuellt",
    "card_number": "Kortnummer", "status": "Status", "issued_at": "Utfärdat", "blocked_at": "Spärrat",
    "product_id": "Produkt (id)", "user_id": "Nyttjare / användare (id)", "payer_id": "Betalare (id)",
    "price_ore": "Pris (öre)", "start_date": "Startdatum", "end_date": "Slutdatum", "binding_end": "Bindningstid t.o.m.",
    "charged_through": "Debiterat t.o.m.", "holder_name": "Kontohavare", "holder_personnummer": "Kontohavarens personnummer",
    "clearing": "Clearingnummer", "account_number": "Kontonummer", "bank_name": "Bank", "order_number": "Ordernummer",
    "amount_ore": "Belopp (öre)", "paid_at": "Betald", "method": "Betalsätt", "invoice_number": "Fakturanummer",
    "issued_on": "Fakturadatum", "due_on": "Förfallodatum", "paid_ore": "Betalt (öre)", "description": "Beskrivning",
    "recipient": "Mottagare", "subject": "Ämne", "body": "Meddelande", "channel": "Kanal", "sent_at": "Skickat",
    "name": "Namn", "valid_from": "Giltig från", "valid_to": "Giltig till", "certified_at": "Intygat",
    "proof_kind": "Intyg", "valid_until": "Giltigt t.o.m.", "id_document": "Legitimation",
}


def _json_value(value: Any) -> Any:
    if isinstance(value, bytes):
        return {"base64": base64.b64encode(value).decode("ascii"), "bytes": len(value)}
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value


def _display_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bytes):
        return f"<{len(value)} byte binärdata, finns i JSON-filen>"
    if isinstance(value, bool):
        return "ja" if value else "nej"
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


# Secrets that are about the person but are not data *of* the person: shown as present, never copied out.
HIDDEN = {("persons", "web_password_hash")}


@dataclass(frozen=True)
class Section:
    title: str
    table: str
    rows: tuple[tuple[tuple[str, str], ...], ...]  # per row: (column, displayed value)


@dataclass(frozen=True)
class RegisterExtract:
    person_id: int
    customer_number: int
    name: str
    made_at: datetime
    made_by: str
    club_name: str
    sections: tuple[Section, ...]
    audit: tuple[tuple[str, str, str, str], ...]  # (when, who, action, details)
    json_text: str


def _rows_for(table: str, rows: Iterable[dict[str, Any]], convert) -> list[dict[str, Any]]:
    out = []
    for row in rows:
        out.append({k: ("<lagras, visas inte>" if (table, k) in HIDDEN and v is not None else convert(v))
                    for k, v in row.items()})
    return out


def build_extract(session: Session, person_id: int, *, made_at: datetime, made_by: str,
                  club_name: str) -> RegisterExtract:
    from db.models import User

    rows = collect_person_rows(session, person_id)
    person = rows.tables["persons"][0]
    users = dict(session.execute(select(User.id, User.username)).all())
    data = {
        "registerutdrag": {"person_id": person_id, "kundnummer": person["customer_number"],
                           "skapat": made_at.isoformat(), "skapat_av": made_by, "klubb": club_name},
        "tabeller": {t: _rows_for(t, r, _json_value) for t, r in rows.tables.items()},
        "händelselogg": [{**{k: _json_value(v) for k, v in a.items()}, "användare": users.get(a["user_id"])}
                         for a in rows.audit],
    }
    sections = tuple(
        Section(TABLE_TITLES.get(t, t), t, tuple(tuple((COLUMN_LABELS.get(k, k), v) for k, v in row.items())
                                                 for row in _rows_for(t, r, _display_value)))
        for t, r in rows.tables.items())
    audit = tuple((_display_value(a["at"]), users.get(a["user_id"]) or "", a["action"], a["details"])
                  for a in rows.audit)
    return RegisterExtract(person_id, person["customer_number"], f"{person['first_name']} {person['last_name']}",
                           made_at, made_by, club_name, sections, audit,
                           json.dumps(data, ensure_ascii=False, indent=2, sort_keys=False))
