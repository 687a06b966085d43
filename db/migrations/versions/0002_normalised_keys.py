"""normalised keys: one spelling per key (issue 15)

Revision ID: normalised_keys
Revises: offline_feed

Data only, no schema change. Rewrites what earlier versions stored:

* phone search keys (persons.mobile_digits, phone_home_digits, phone_work_digits) from national
  digits ("0701234567") to E.164 ("+46701234567"), re-read from the number as shown
  (persons.mobile, ...) with Sweden as the country for numbers stored without a country code
  (before this revision every desk stored Swedish national digits; "+47 ..." keeps its country);
* Unicode digits (full-width, Arabic-Indic, ...) in key columns as ASCII digits: personnummer
  (persons, preorders, autogiro mandates), organisationsnummer, card numbers, clearing and
  account numbers, postal codes.

A person whose personnummer in Unicode digits is the same as another person's in ASCII digits is
a duplicate the old code let in: the duplicate (the later row) keeps its data but loses the
personnummer (its birth date stays), and its internal message says which customer it duplicates,
so the desk can merge them by hand. A card number that would collide with another active card
is left as it was and logged.

The digit rule is copied here rather than imported from app/ (a migration is a snapshot; db does
not import app): NFKC, then every Unicode decimal digit as its ASCII digit — the same rule as
app.domain.inputs.ascii_key.
"""
from __future__ import annotations

import logging
import unicodedata

import sqlalchemy as sa
from alembic import op

revision = "normalised_keys"
down_revision = "offline_feed"
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.normalised_keys")
CHUNK = 5000


def _ascii(text):
    if text is None:
        return None
    folded = unicodedata.normalize("NFKC", text)
    return "".join(str(unicodedata.decimal(ch)) if ch.isdigit() and not "0" <= ch <= "9"
                   and unicodedata.decimal(ch, None) is not None else ch for ch in folded)


def _e164(shown, stored):
    import phonenumbers

    typed = _ascii(shown or "").strip()
    if not typed:
        return None
    if typed.startswith("00"):
        typed = "+" + typed[2:]
    try:
        number = phonenumbers.parse(typed, "SE")
    except phonenumbers.NumberParseException:
        return stored
    if not phonenumbers.is_possible_number(number):
        return stored
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _rewrite_column(conn, table: str, key: str, column: str) -> None:
    t = sa.table(table, sa.column(key), sa.column(column))
    rows = conn.execute(sa.select(t.c[key], t.c[column]).where(t.c[column].is_not(None))).all()
    changes = [{"k": k, "v": _ascii(v)} for k, v in rows if v is not None and not v.isascii() and _ascii(v) != v]
    for start in range(0, len(changes), CHUNK):
        conn.execute(sa.update(t).where(t.c[key] == sa.bindparam("k")).values({column: sa.bindparam("v")}),
                     changes[start:start + CHUNK])


def _persons(conn) -> None:
    p = sa.table("persons", sa.column("id"), sa.column("customer_number"), sa.column("personnummer"),
                 sa.column("internal_message"), sa.column("mobile"), sa.column("phone_home"),
                 sa.column("phone_work"), sa.column("mobile_digits"), sa.column("phone_home_digits"),
                 sa.column("phone_work_digits"))
    # Personnummer in Unicode digits.
    odd = [(i, n, pnr, msg) for i, n, pnr, msg in conn.execute(
        sa.select(p.c.id, p.c.customer_number, p.c.personnummer, p.c.internal_message)
        .where(p.c.personnummer.is_not(None))) if not pnr.isascii()]
    for person_id, customer_number, pnr, message in odd:
        ascii_pnr = _ascii(pnr)
        other = conn.execute(sa.select(p.c.customer_number).where(p.c.personnummer == ascii_pnr)).first()
        if other is None:
            conn.execute(sa.update(p).where(p.c.id == person_id).values(personnummer=ascii_pnr))
            continue
        note = (f"Dubblett av kundnummer {other.customer_number} (samma personnummer skrivet med andra "
                f"siffror). Slå ihop kunderna.")
        conn.execute(sa.update(p).where(p.c.id == person_id).values(
            personnummer=None, internal_message=f"{note}\n{message}" if message else note))
        log.warning("customer %s duplicates customer %s; personnummer removed from the duplicate",
                    customer_number, other.customer_number)
    # Phone keys as E.164.
    last_id = 0
    while True:
        rows = conn.execute(sa.select(p.c.id, p.c.mobile, p.c.phone_home, p.c.phone_work, p.c.mobile_digits,
                                      p.c.phone_home_digits, p.c.phone_work_digits)
                            .where(p.c.id > last_id).order_by(p.c.id).limit(CHUNK)).all()
        if not rows:
            break
        last_id = rows[-1].id
        changes = []
        for r in rows:
            new = (_e164(r.mobile, r.mobile_digits), _e164(r.phone_home, r.phone_home_digits),
                   _e164(r.phone_work, r.phone_work_digits))
            if new != (r.mobile_digits, r.phone_home_digits, r.phone_work_digits):
                changes.append({"k": r.id, "m": new[0], "h": new[1], "w": new[2]})
        if changes:
            conn.execute(sa.update(p).where(p.c.id == sa.bindparam("k")).values(
                mobile_digits=sa.bindparam("m"), phone_home_digits=sa.bindparam("h"),
                phone_work_digits=sa.bindparam("w")), changes)


def _cards(conn) -> None:
    c = sa.table("cards", sa.column("id"), sa.column("card_number"), sa.column("status"))
    for card_id, number, status in conn.execute(sa.select(c.c.id, c.c.card_number, c.c.status)).all():
        if number.isascii():
            continue
        fixed = "".join(_ascii(number).split()).replace("-", "")
        if status == "aktivt" and conn.execute(sa.select(c.c.id).where(
                c.c.card_number == fixed, c.c.status == "aktivt")).first() is not None:
            log.warning("card %s: %r would collide with another active card; left as it was", card_id, number)
            continue
        conn.execute(sa.update(c).where(c.c.id == card_id).values(card_number=fixed))


def upgrade() -> None:
    conn = op.get_bind()
    _persons(conn)
    _cards(conn)
    for table, key, column in (("preorders", "id", "personnummer"),
                               ("autogiro_mandates", "id", "holder_personnummer"),
                               ("autogiro_mandates", "id", "clearing"),
                               ("autogiro_mandates", "id", "account_number"),
                               ("addresses", "id", "postal_code"),
                               ("organisations", "id", "org_number")):
        _rewrite_column(conn, table, key, column)


def downgrade() -> None:
    # The old spellings were the defect; nothing to restore. Phone keys go back to national digits.
    conn = op.get_bind()
    p = sa.table("persons", sa.column("id"), sa.column("mobile_digits"), sa.column("phone_home_digits"),
                 sa.column("phone_work_digits"))
    for column in ("mobile_digits", "phone_home_digits", "phone_work_digits"):
        col = p.c[column]
        conn.execute(sa.update(p).where(col.like("+46%")).values({column: "0" + sa.func.substr(col, 4)}))
