"""Issue 15 points 1–4 through the routine layer, on SQLite and PostgreSQL (app.domain.inputs).

Keys in Unicode digits are the same key; text the database would choke on is refused at the
field; dates and amounts are bounded; one e-mail rule; phones as E.164 with the desk's country.
"""
from __future__ import annotations

import sys
import unicodedata
from dataclasses import replace
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select, text

from app.domain.inputs import (AMOUNT_RANGE_MESSAGE, CONTROL_MESSAGE, DATE_RANGE_MESSAGE, EMAIL_MESSAGE,
                               ascii_key, max_length, phone_key)
from app.domain.money import parse_sek
from app.errors import Conflict, ValidationError
from app.queries.search import SearchKind, search_persons
from app.routines.create_person import CreatePerson, CreatePersonRoutine
from app.routines.pay_order import PayOrder, PayOrderRoutine
from app.routines.person_data import AddressData, PersonData
from app.routines.person_edit import AddNote, AddNoteRoutine, UpdateAddresses, UpdateAddressesRoutine
from app.routines.subscriptions import FreezeSubscription, FreezeSubscriptionRoutine
from db.models import Address, Note, Person
from tests.app import builders
from tests.app import sub_builders as b

TODAY = date(2026, 11, 22)
ANNA = PersonData(first_name="Anna", last_name="Öberg", email="anna@example.se", mobile="070-123 45 67",
                  personnummer="19850709-9805", address=AddressData("Storgatan 1", "", "11455", "Stockholm", "SE"))

# Every Unicode decimal digit, grouped by its value: '٣', '３', '३', '𝟑' … for 3.
ND_DIGITS: dict[int, list[str]] = {d: [] for d in range(10)}
for _code in range(sys.maxunicode + 1):
    _ch = chr(_code)
    if unicodedata.category(_ch) == "Nd":
        ND_DIGITS[unicodedata.decimal(_ch)].append(_ch)


def spelled(digits: str, draw_choice) -> str:
    return "".join(draw_choice(ND_DIGITS[int(d)]) for d in digits)


def persons(core) -> int:
    with core.sessions() as s:
        return s.scalar(select(func.count()).select_from(Person))


def create(core, actor, data: PersonData):
    return CreatePersonRoutine(core).execute(CreatePerson(data), actor)


# --------------------------------------------------------------------------
# 1. Unicode digits: one key, one spelling
# --------------------------------------------------------------------------

def test_ascii_key_turns_every_unicode_digit_into_ascii():
    assert ascii_key("１９８５０７１２１２３７") == "198507121237"
    assert ascii_key("٨٥٠٧٠٩-٩٨٠٥") == "850709-9805"
    assert ascii_key("𝟖𝟓") == "85"  # mathematical digits (NFKC)
    assert all(ascii_key(ch) == str(v) for v, chars in ND_DIGITS.items() for ch in chars)
    assert sum(len(c) for c in ND_DIGITS.values()) > 600  # the whole Nd category is covered


def test_full_width_personnummer_is_the_same_customer(core, admin):
    create(core, admin, ANNA)
    with pytest.raises(Conflict, match="finns redan") as info:
        create(core, admin, replace(ANNA, personnummer="１９８５０７０９－９８０５"))
    assert info.value.field == "personnummer" and persons(core) == 1
    with core.sessions() as s:
        assert s.scalar(select(Person.personnummer)) == "198507099805"


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_property_same_person_in_any_unicode_digits_exists_already(core, admin, data):
    """Any mix of Nd digits, with or without century and separator: "finns redan", nothing written."""
    with core.sessions() as s:
        if s.scalar(select(func.count()).select_from(Person)) == 0:
            create(core, admin, ANNA)
    body = data.draw(st.sampled_from(["198507099805", "8507099805"]))
    sep = data.draw(st.sampled_from(["", "-"])) if len(body) == 10 else ""
    typed = spelled(body[:-4], lambda xs: data.draw(st.sampled_from(xs))) + sep + \
        spelled(body[-4:], lambda xs: data.draw(st.sampled_from(xs)))
    with pytest.raises(Conflict, match="finns redan"):
        create(core, admin, replace(ANNA, personnummer=typed))
    assert persons(core) == 1
    with core.sessions() as s:  # and the search finds the one person under that spelling
        result = search_persons(s, typed, TODAY)
    assert result.kind is SearchKind.PERSONNUMMER and len(result.hits) == 1


def test_card_postal_code_and_bank_keys_are_stored_in_ascii(core, admin):
    from app.domain.bankaccount import parse_bank_account
    from app.domain.orgnr import parse_orgnr
    from app.routines.membership_card import normalise_card_number

    assert normalise_card_number("０００４５２０１００") == "0004520100"
    assert parse_orgnr("５５６０１６－０６８０") == "556016-0680"
    account = parse_bank_account("８３２７-９", "٩٠٢٣٤٥٦٧٨٩")  # Swedbank, Arabic-Indic digits
    assert (account.clearing, account.account).__str__().isascii()
    person = create(core, admin, replace(ANNA, address=AddressData("Storgatan 1", "", "１１４ ５５", "Stockholm")))
    with core.sessions() as s:
        assert s.scalar(select(Address.postal_code).where(Address.person_id == person.person_id)) == "11455"


def test_search_by_customer_and_card_number_in_full_width_digits(core, admin):
    created = create(core, admin, ANNA)
    with core.sessions() as s:
        number = "".join(chr(0xFF10 + int(d)) for d in str(created.customer_number))
        assert [h.person_id for h in search_persons(s, number, TODAY).hits] == [created.person_id]


# --------------------------------------------------------------------------
# 2. Text the database or a later reader chokes on
# --------------------------------------------------------------------------

@pytest.mark.parametrize("field, value, message", [
    ("first_name", "A" * 10_000, "Förnamnet får vara högst 100 tecken."),
    ("first_name", "An\x00na", CONTROL_MESSAGE),
    ("last_name", "Öb\ud800erg", CONTROL_MESSAGE),          # a lone surrogate
    ("first_name", "\u200b", CONTROL_MESSAGE),                # a zero-width space alone is no name
    ("last_name", "\u200bÖberg", CONTROL_MESSAGE),          # zero-width space before the name
    ("first_name", "1234", "Namnet måste innehålla minst en bokstav."),
    ("email", "anna\x00@example.se", CONTROL_MESSAGE),
    ("mobile", "070\x07123 45 67", CONTROL_MESSAGE),
])
def test_bad_text_is_refused_at_the_field_and_nothing_written(core, admin, field, value, message):
    with pytest.raises(ValidationError) as info:
        create(core, admin, replace(ANNA, **{field: value}))
    assert (info.value.field, info.value.message) == (field, message)
    assert persons(core) == 0


@pytest.mark.parametrize("town, message", [("Stock\x00holm", CONTROL_MESSAGE), ("S" * 101, "Orten får vara högst 100 tecken.")])
def test_bad_address_text_is_refused_in_both_routines(core, admin, town, message):
    with pytest.raises(ValidationError, match=message[:20]):
        create(core, admin, replace(ANNA, address=replace(ANNA.address, town=town)))
    person = create(core, admin, ANNA).person_id
    with pytest.raises(ValidationError) as info:
        UpdateAddressesRoutine(core).execute(UpdateAddresses(person, replace(ANNA.address, town=town)), admin)
    assert info.value.field == "town" and info.value.message == message
    with core.sessions() as s:
        assert s.scalar(select(Address.town).where(Address.person_id == person)) == "Stockholm"


def test_notes_keep_line_breaks_but_refuse_nul(core, admin):
    person = create(core, admin, ANNA).person_id
    with pytest.raises(ValidationError) as info:
        AddNoteRoutine(core).execute(AddNote(person, "Ring\x00 före"), admin)
    assert info.value.field == "text"
    AddNoteRoutine(core).execute(AddNote(person, "Rad ett\r\nRad två\tslut"), admin)
    with core.sessions() as s:
        assert s.scalars(select(Note.text)).all() == ["Rad ett\r\nRad två\tslut"]


def test_limits_are_the_model_columns():
    assert max_length("first_name") == Person.__table__.c.first_name.type.length == 100
    assert max_length("town") == Address.__table__.c.town.type.length
    assert max_length("email") == 254


@pytest.mark.parametrize("typed", ["\x00", "an\x00na", "\ud800", "\u200b", "８５０７０９\x00", "@\x00", "A" * 5000])
def test_search_never_fails_on_what_is_typed(core, admin, typed):
    create(core, admin, ANNA)
    with core.sessions() as s:
        result = search_persons(s, typed, TODAY)
    assert isinstance(result.hits, list)
    with core.sessions() as s:  # the NUL is dropped: "an\x00na" is the name "anna"
        assert [h.name for h in search_persons(s, "an\x00na", TODAY).hits] == ["Anna Öberg"]


# --------------------------------------------------------------------------
# 3. Dates and money out of range
# --------------------------------------------------------------------------

@pytest.fixture
def gym(core):
    cat = b.catalog(core)
    anna = b.person(core, 1)
    return b.subscription(core, anna, cat.gym, price_list_id=cat.ordinarie)


@pytest.mark.parametrize("start, end, field", [(TODAY, date(9999, 12, 31), "end"),
                                               (date(2101, 1, 1), date(2101, 3, 1), "start"),
                                               (TODAY, date(1899, 12, 31), "end")])
def test_freeze_dates_outside_1900_2100_are_refused(core, admin, gym, start, end, field):
    routine = FreezeSubscriptionRoutine(core)
    before = b.snapshot(core)
    for run in (routine.preview, lambda c: routine.execute(c, admin)):
        with pytest.raises(ValidationError) as info:
            run(FreezeSubscription(gym, start, end))
        assert (info.value.field, info.value.message) == (field, DATE_RANGE_MESSAGE)
    with pytest.raises(ValidationError, match="1900-01-01 och 2100-12-31"):
        routine.limits(gym, date(9999, 12, 31))
    assert b.snapshot(core) == before


def test_pay_order_refuses_an_amount_the_till_cannot_hold(core, make_actor):
    from tests.app.test_orders import FEE, TRAINING, charge, make_person

    recep = make_actor(core, "recep")
    order_id = charge(core, recep, make_person(core), TRAINING, FEE)
    with pytest.raises(ValidationError) as info:
        PayOrderRoutine(core).execute(PayOrder(order_id, "kontant", received_ore=10 ** 30), recep)
    assert (info.value.field, info.value.message) == ("received_ore", AMOUNT_RANGE_MESSAGE)
    with core.sessions() as s:
        assert s.execute(text("SELECT status FROM orders")).scalar() == "oppen"
        assert s.execute(text("SELECT count(*) FROM payments")).scalar() == 0


@pytest.mark.parametrize("typed", ["1" + "0" * 30, "10000000,01", "99999999999999,99"])
def test_parse_sek_refuses_more_than_the_till_holds(typed):
    with pytest.raises(ValidationError, match="Beloppet är för stort"):
        parse_sek(typed)
    assert parse_sek("10 000 000,00") == 1_000_000_000 and parse_sek("１２３,５０") == 12350


# --------------------------------------------------------------------------
# 4. One e-mail rule; phones as E.164
# --------------------------------------------------------------------------

@pytest.mark.parametrize("email", ["a..b@example.com", "a@-x.se", "a@[1.2.3.4].se", "ada@example.s"])
def test_the_one_email_rule_refuses_what_the_importer_refuses(core, admin, email):
    from app.domain.preorder_csv import _parse_email

    with pytest.raises(ValidationError) as info:
        create(core, admin, replace(ANNA, email=email))
    assert (info.value.field, info.value.message) == ("email", EMAIL_MESSAGE)
    assert _parse_email(email)[1] == "E-postadressen är ogiltig"
    assert persons(core) == 0


def test_international_addresses_are_accepted_everywhere(core, admin):
    from app.domain.preorder_csv import _parse_email

    created = create(core, admin, replace(ANNA, email="åsa@exämple.se"))
    assert _parse_email("åsa@exämple.se") == ("åsa@exämple.se", None)
    assert created.person_id


def test_phones_are_e164_and_found_as_typed(core, admin):
    swede = create(core, admin, ANNA).person_id
    norwegian = create(core, admin, replace(ANNA, personnummer="", birth_date=date(1990, 1, 1), gender="K",
                                            first_name="Kari", mobile="+47 912 34 567")).person_id
    with core.sessions() as s:
        assert s.get(Person, swede).mobile_digits == "+46701234567"
        assert s.get(Person, norwegian).mobile_digits == "+4791234567"
        for typed in ("+47 912 34 567", "0047 91 23 45 67"):
            result = search_persons(s, typed, TODAY)
            assert result.kind is SearchKind.PHONE and [h.person_id for h in result.hits] == [norwegian]
        for typed in ("070-123 45 67", "+46701234567", "+46 70 123 45 67", "０７０１２３４５６７"):
            assert [h.person_id for h in search_persons(s, typed, TODAY).hits] == [swede]
        # At a Norwegian desk a number without a country code is Norwegian.
        assert [h.person_id for h in search_persons(s, "912 34 567", TODAY, country="NO").hits] == [norwegian]


def test_desk_country_is_the_default_for_stored_phones(core, admin):
    created = create(core, admin, replace(ANNA, mobile="912 34 567", phone_country="NO"))
    with core.sessions() as s:
        assert s.get(Person, created.person_id).mobile_digits == "+4791234567"
    assert phone_key("912 34 567", "NO") == "+4791234567" and phone_key("0701", "SE") is None


def test_impossible_phone_numbers_are_refused(core, admin):
    with pytest.raises(ValidationError) as info:
        create(core, admin, replace(ANNA, mobile="+999 123 45 67"))
    assert info.value.field == "mobile" and "inget telefonnummer" in info.value.message
    assert persons(core) == 0


# --------------------------------------------------------------------------
# The migration rewrites what earlier versions stored
# --------------------------------------------------------------------------

def test_migration_normalised_keys_rewrites_old_spellings(db, core, admin):
    from alembic import command
    from alembic.script import ScriptDirectory

    from db.migrate import alembic_config
    from db.models import Card

    a = create(core, admin, ANNA)
    b_ = create(core, admin, replace(ANNA, personnummer="", birth_date=date(1990, 1, 1), gender="K",
                                     first_name="Kari", mobile="+47 912 34 567"))
    c = create(core, admin, replace(ANNA, personnummer="19900101-0017", first_name="Bo", mobile="08-123 456"))
    with db.engine.begin() as conn:  # what the old code wrote
        conn.execute(text("UPDATE persons SET mobile_digits = '0701234567' WHERE id = :i"), {"i": a.person_id})
        conn.execute(text("UPDATE persons SET mobile_digits = '4791234567' WHERE id = :i"), {"i": b_.person_id})
        conn.execute(text("UPDATE persons SET personnummer = :p, mobile_digits = '08123456' WHERE id = :i"),
                     {"p": "1985０７０９９８０５", "i": c.person_id})  # a second spelling of Anna's
        conn.execute(text("UPDATE addresses SET postal_code = '１１４５５' WHERE person_id = :i"), {"i": a.person_id})
        conn.execute(Card.__table__.insert().values(person_id=a.person_id, card_number="０００１", status="aktivt",
                                                    issued_at=core.clock.now()))
        cfg = alembic_config()
        before = ScriptDirectory.from_config(cfg).get_revision("normalised_keys").down_revision
        conn.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": before})
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "normalised_keys")
        from db.migrate import head_revision

        # later revisions are already in place (the rows above were written by them): back to the head
        conn.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": head_revision()})
    with core.sessions() as s:
        pa, pb, pc = (s.get(Person, x.person_id) for x in (a, b_, c))
        assert (pa.mobile_digits, pb.mobile_digits, pc.mobile_digits) == ("+46701234567", "+4791234567",
                                                                          "+468123456")
        assert pa.personnummer == "198507099805" and pc.personnummer is None
        assert pc.internal_message.startswith(f"Dubblett av kundnummer {a.customer_number}")
        assert s.scalar(select(Address.postal_code).where(Address.person_id == a.person_id)) == "11455"
        assert s.scalar(select(Card.card_number)) == "0001"
        result = search_persons(s, "070-123 45 67", TODAY)
        assert [h.person_id for h in result.hits] == [a.person_id]


@pytest.mark.parametrize("typed", ["\x00", "Före\x00tag", "\ud800", "５５６０１６－０６８０", "F" * 5000])
def test_organisation_search_never_fails_and_reads_unicode_digits(core, typed):
    from app.queries.catalog import search_organisations

    org = builders.add_organisation(core)  # Företag AB, 556016-0680
    with core.sessions() as s:
        hits = [o.id for o in search_organisations(s, typed)]
    if typed in ("Före\x00tag", "５５６０１６－０６８０"):
        assert hits == [org]
