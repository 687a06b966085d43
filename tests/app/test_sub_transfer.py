"""Överlåt (SPEC §6) against the database, on SQLite and PostgreSQL.

Anna (Ordinarie) has Gym 12 mån (kontant, Tillåt överlåtelse) valid 2026-06-01 – 2027-05-31
with Handduk 12 mån as add-on; Överlåtelseavgift 200 kr (25 % moms) is mandatory, Skåp 12 mån optional.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from sqlalchemy import select

from app.errors import Conflict, NotAllowed, ValidationError
from app.routines.registration_data import AccessData
from app.routines.subscriptions import TransferSubscription, TransferSubscriptionRoutine
from tests.app import sub_builders as b

JPEG = b"\xff\xd8\xff\xe0 photo"


@pytest.fixture
def world(core):
    cat = b.catalog(core)
    anna = b.person(core, 1)
    card = b.subscription(core, anna, cat.card12, price_list_id=cat.ordinarie, start_date=date(2026, 6, 1),
                          charged_through=date(2027, 5, 31))
    towel = b.subscription(core, anna, cat.towel12, parent_id=card, start_date=date(2026, 6, 1),
                           charged_through=date(2027, 5, 31))
    return cat, anna, card, towel


def test_transfer_to_an_existing_customer_moves_the_card_and_ends_the_addons(core, admin, world):
    cat, anna, card, towel = world
    bertil = b.person(core, 2)
    routine = TransferSubscriptionRoutine(core)
    assert routine.receiver_reasons(card, bertil) == ()
    assert [(a.name, a.mandatory) for a in routine.offered_addons(card)] == [
        ("Överlåtelseavgift", True), ("Skåp 12 mån", False)]
    cmd = TransferSubscription(card, b.ORDINARIE, receiver_id=bertil, addon_ids=(cat.fee,),
                               access=AccessData(card_number="5001"))
    preview = routine.preview(cmd)
    assert (preview.transferor_name, preview.receiver_name, preview.valid_through) == (
        "Kund1 Svensson", "Kund2 Svensson", date(2027, 5, 31))
    assert [(r.subscription_id, r.end_date_after) for r in preview.ended_addons] == [(towel, date(2026, 11, 22))]
    assert (preview.total_ore, preview.card_number) == (20000, "5001")

    result = routine.execute(cmd, admin)

    state = b.sub(core, card)
    assert (state["user_id"], state["payer_id"], state["status"], state["charged_through"]) == (
        bertil, bertil, "aktivt", date(2027, 5, 31))
    towel_state = b.sub(core, towel)
    assert (towel_state["status"], towel_state["end_date"], towel_state["user_id"]) == (
        "avslutat", date(2026, 11, 22), anna)
    assert result.ended_addon_ids == (towel,) and result.new_addon_ids == ()
    assert b.order_lines(core, result.order_id) == [("Överlåtelseavgift", None, None, 20000, 2500, None)]
    assert b.order_person(core, result.order_id) == bertil
    from db.models import Card, CustomerTypeProof

    with core.sessions() as s:
        assert s.scalar(select(Card.person_id).where(Card.card_number == "5001")) == bertil
        assert s.scalar(select(CustomerTypeProof.customer_type).where(CustomerTypeProof.person_id == bertil)) \
            == "ordinarie"
    assert "Överlåt" in b.audit_actions(core)


def test_transfer_to_a_new_customer_registers_the_receiver(core, admin, world):
    cat, anna, card, towel = world
    cmd = TransferSubscription(card, b.ORDINARIE, receiver_person=b.person_data(7, first_name="Cecilia"),
                               addon_ids=(cat.fee, cat.locker), access=AccessData("6001", JPEG))
    preview = TransferSubscriptionRoutine(core).preview(cmd)
    assert (preview.receiver_id, preview.receiver_name) == (None, "Cecilia Svensson")
    # Skåp 300 kr a 12-month period, 22 Nov 2026 – 31 May 2027 = 191 of 365 days: 156,99 kr
    assert [li.amount_ore for li in preview.lines] == [20000, 15699] and preview.total_ore == 35699

    result = TransferSubscriptionRoutine(core).execute(cmd, admin)

    from db.models import Card, Person, Photo

    with core.sessions() as s:
        cecilia = s.get(Person, result.receiver_id)
        assert (cecilia.first_name, cecilia.customer_type) == ("Cecilia", "ordinarie")
        assert s.scalar(select(Card.person_id).where(Card.card_number == "6001")) == cecilia.id
        assert s.scalar(select(Photo.person_id).where(Photo.is_current.is_(True))) == cecilia.id
    assert b.sub(core, card)["user_id"] == result.receiver_id
    [locker] = result.new_addon_ids
    locker_state = b.sub(core, locker)
    assert (locker_state["user_id"], locker_state["charged_through"], locker_state["status"]) == (
        result.receiver_id, date(2027, 5, 31), "aktivt")
    assert [(li[3], li[5]) for li in b.order_lines(core, result.order_id)] == [(20000, None), (15699, locker)]


def test_transfer_to_a_receiver_with_an_active_subscription_is_refused(core, admin, world):
    cat, anna, card, towel = world
    bertil = b.person(core, 2)
    b.subscription(core, bertil, cat.gym, price_list_id=cat.ordinarie)
    assert TransferSubscriptionRoutine(core).receiver_reasons(card, bertil) == (
        "Mottagaren har redan ett aktivt abonnemang.",)
    before = b.snapshot(core)
    with pytest.raises(ValidationError, match="redan ett aktivt abonnemang"):
        TransferSubscriptionRoutine(core).execute(
            TransferSubscription(card, b.ORDINARIE, receiver_id=bertil, addon_ids=(cat.fee,)), admin)
    assert b.snapshot(core) == before


def test_transfer_to_another_customer_type_is_refused(core, admin, world):
    cat, anna, card, towel = world
    bertil = b.person(core, 2, customer_type="student", price_guarantee_until=date(2027, 6, 30))
    before = b.snapshot(core)
    with pytest.raises(ValidationError, match="samma kundtyp som överlåtaren"):
        TransferSubscriptionRoutine(core).execute(
            TransferSubscription(card, b.ORDINARIE, receiver_id=bertil, addon_ids=(cat.fee,)), admin)
    assert b.snapshot(core) == before


def test_transfer_legitimation_is_fixed_to_the_transferors_type(core, admin, world):
    cat, anna, card, towel = world
    student = replace(b.ORDINARIE, customer_type="student", proof_kind="mecenatkort",
                      proof_valid_until=date(2027, 6, 30), checked=frozenset({"id", "proof"}))
    before = b.snapshot(core)
    with pytest.raises(ValidationError, match="legitimeras som Ordinarie") as err:
        TransferSubscriptionRoutine(core).execute(
            TransferSubscription(card, student, receiver_person=b.person_data(7), addon_ids=(cat.fee,)), admin)
    assert err.value.field == "customer_type"
    assert b.snapshot(core) == before


def test_transfer_without_the_mandatory_fee_is_refused(core, admin, world):
    cat, anna, card, towel = world
    bertil = b.person(core, 2)
    before = b.snapshot(core)
    with pytest.raises(ValidationError, match="Obligatoriska tillägg saknas: Överlåtelseavgift"):
        TransferSubscriptionRoutine(core).execute(TransferSubscription(card, b.ORDINARIE, receiver_id=bertil), admin)
    assert b.snapshot(core) == before


def test_transfer_of_an_autogiro_subscription_is_refused(core, admin):
    cat = b.catalog(core)
    anna, bertil = b.person(core, 1), b.person(core, 2)
    gym = b.subscription(core, anna, cat.gym, price_list_id=cat.ordinarie)
    before = b.snapshot(core)
    with pytest.raises(ValidationError, match="Endast kontantabonnemang kan överlåtas"):
        TransferSubscriptionRoutine(core).execute(TransferSubscription(gym, b.ORDINARIE, receiver_id=bertil), admin)
    assert b.snapshot(core) == before


def test_transfer_without_a_till_is_not_allowed(core, admin, world):
    cat, anna, card, towel = world
    bertil = b.person(core, 2)
    core.till_enabled = False
    before = b.snapshot(core)
    with pytest.raises(NotAllowed):
        TransferSubscriptionRoutine(core).execute(
            TransferSubscription(card, b.ORDINARIE, receiver_id=bertil, addon_ids=(cat.fee,)), admin)
    assert b.snapshot(core) == before


def test_transfer_runs_once(core, admin, world):
    cat, anna, card, towel = world
    bertil = b.person(core, 2)
    cmd = TransferSubscription(card, b.ORDINARIE, receiver_id=bertil, addon_ids=(cat.fee,))
    first = TransferSubscriptionRoutine(core).execute(cmd, admin)
    after = b.snapshot(core)
    assert TransferSubscriptionRoutine(core).execute(cmd, admin) == first  # the stored result: nothing runs twice
    assert b.snapshot(core) == after


def test_both_cards_keep_a_note_and_anonymising_the_receiver_takes_the_name_out_of_the_givers(core, admin, world):
    """Issue 14 §1: "Överlåtet till <name> (<customer no>)" on the giver's card, "Överlåtet från …" on the
    receiver's; when the receiver is anonymised later, the giver's note keeps only the customer number."""
    from sqlalchemy import update

    from app.routines.gdpr import AnonymisePerson, AnonymisePersonRoutine
    from db.models import Note, Order, Person, Subscription

    cat, anna, card, towel = world
    bertil = b.person(core, 2)
    TransferSubscriptionRoutine(core).execute(
        TransferSubscription(card, b.ORDINARIE, receiver_id=bertil, addon_ids=(cat.fee,)), admin)
    with core.sessions() as s:
        numbers = {p.id: p.customer_number for p in s.scalars(select(Person))}
        notes = {n.person_id: n.text for n in s.scalars(select(Note))}
    what = "Gym 12 mån, giltigt t.o.m. 2027-05-31."
    assert notes == {anna: f"Överlåtet till Kund2 Svensson ({numbers[bertil]}): {what}",
                     bertil: f"Överlåtet från Kund1 Svensson ({numbers[anna]}): {what}"}
    with core.write_session() as s, s.begin():  # later: the subscription has ended and the fee is paid
        s.execute(update(Subscription).where(Subscription.user_id == bertil)
                  .values(status="avslutat", end_date=date(2026, 11, 1)))
        s.execute(update(Order).where(Order.person_id == bertil).values(status="betald"))
    AnonymisePersonRoutine(core).execute(AnonymisePerson(bertil), admin)
    with core.sessions() as s:
        assert [n.text for n in s.scalars(select(Note))] == [
            f"Överlåtet till [anonymiserad] ({numbers[bertil]}): {what}"]
