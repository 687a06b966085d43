"""Uppgradera, Nedgradera, Ta bort annan betalare, Sluta betala för abonnemang — SQLite and PostgreSQL.

Today 2026-11-22; Gym AG 399 kr/month paid through 2026-11-30: 9 paid days ahead (22–30 Nov).
"""
from __future__ import annotations

from datetime import date

import pytest

from app.errors import Conflict, ValidationError
from app.routines.subscriptions import (
    ChangeProduct,
    DowngradeSubscriptionRoutine,
    RemoveOtherPayer,
    RemoveOtherPayerRoutine,
    StopPayingForOther,
    StopPayingForOtherRoutine,
    UpgradeSubscriptionRoutine,
)
from tests.app import sub_builders as b


@pytest.fixture
def world(core):
    cat = b.catalog(core)
    anna = b.person(core, 1)
    gym = b.subscription(core, anna, cat.gym, price_list_id=cat.ordinarie)
    return cat, anna, gym


def test_upgrade_charges_the_difference_for_the_paid_days_ahead(core, admin, world):
    cat, anna, gym = world
    routine = UpgradeSubscriptionRoutine(core)
    assert [o.name for o in routine.options(gym)] == ["Gym Plus AG"]
    cmd = ChangeProduct(gym, cat.gym_plus)
    preview = routine.preview(cmd)
    # (499 − 399 kr) × 9/30 of November = 30 kr
    assert (preview.paid_days_ahead, preview.total_ore) == (9, 3000)
    result = routine.execute(cmd, admin)
    state = b.sub(core, gym)
    assert (state["product_id"], state["price_ore"], state["charged_through"]) == (
        cat.gym_plus, 49900, date(2026, 11, 30))
    assert b.order_lines(core, result.order_id) == [
        ("Uppgradering Gym AG → Gym Plus AG 2026-11-22 – 2026-11-30", date(2026, 11, 22), date(2026, 11, 30),
         3000, 600, gym)]
    assert "Uppgradera" in b.audit_actions(core)


def test_upgrade_to_a_cheaper_product_is_refused(core, admin, world):
    cat, anna, gym = world
    before = b.snapshot(core)
    with pytest.raises(ValidationError, match="bara att uppgradera till ett dyrare"):
        UpgradeSubscriptionRoutine(core).execute(ChangeProduct(gym, cat.gym_light), admin)
    assert b.snapshot(core) == before


def test_upgrade_to_another_kind_is_refused(core, admin, world):
    cat, anna, gym = world
    before = b.snapshot(core)
    with pytest.raises(ValidationError, match=r"samma typ \(AG\)"):
        UpgradeSubscriptionRoutine(core).execute(ChangeProduct(gym, cat.card12_plus), admin)
    assert b.snapshot(core) == before


def test_upgrade_of_a_kontant_card_uses_its_own_price_list(core, admin):
    cat = b.catalog(core)
    anna = b.person(core, 1, customer_type="student")
    card = b.subscription(core, anna, cat.card12, price_list_id=cat.student, price_ore=339900,
                          start_date=date(2026, 6, 1), charged_through=date(2027, 5, 31))
    result = UpgradeSubscriptionRoutine(core).execute(ChangeProduct(card, cat.card12_plus), admin)
    # student prices 3 399 → 4 199 kr; 191 of the 365 paid days (22 Nov 2026 – 31 May 2027) remain
    assert result.total_ore == round(80000 * 191 / 365) == 41863
    assert b.sub(core, card)["price_ore"] == 419900


def test_downgrade_moves_charged_through_forward_and_refunds_nothing(core, admin, world):
    cat, anna, gym = world
    routine = DowngradeSubscriptionRoutine(core)
    assert [o.name for o in routine.options(gym)] == ["Gym Dag AG"]
    preview = routine.preview(ChangeProduct(gym, cat.gym_light))
    # floor(9 × (399 − 299) / 299) = 3 days
    assert (preview.paid_days_ahead, preview.shift_days, preview.total_ore) == (9, 3, 0)
    assert preview.row.next_debit == date(2026, 12, 4)
    result = routine.execute(ChangeProduct(gym, cat.gym_light), admin)
    assert result.order_id is None
    state = b.sub(core, gym)
    assert (state["product_id"], state["price_ore"], state["charged_through"]) == (
        cat.gym_light, 29900, date(2026, 12, 3))
    assert b.snapshot(core)["counts"]["orders"] == 0


def test_downgrade_to_a_dearer_product_is_refused(core, admin, world):
    cat, anna, gym = world
    before = b.snapshot(core)
    with pytest.raises(ValidationError, match="billigare"):
        DowngradeSubscriptionRoutine(core).execute(ChangeProduct(gym, cat.gym_plus), admin)
    assert b.snapshot(core) == before


# --------------------------------------------------------------------------
# Payer
# --------------------------------------------------------------------------


@pytest.fixture
def paid_by_other(core):
    cat = b.catalog(core)
    anna = b.person(core, 1)
    bertil = b.person(core, 2)
    gym = b.subscription(core, anna, cat.gym, price_list_id=cat.ordinarie, payer_id=bertil)
    towel = b.subscription(core, anna, cat.towel, parent_id=gym, payer_id=bertil)
    return cat, anna, bertil, gym, towel


def test_remove_other_payer_makes_the_user_pay_and_asks_for_a_mandate(core, admin, paid_by_other):
    cat, anna, bertil, gym, towel = paid_by_other
    routine = RemoveOtherPayerRoutine(core)
    preview = routine.preview(RemoveOtherPayer(gym))
    assert (preview.old_payer_id, preview.user_id, preview.user_has_mandate) == (bertil, anna, False)
    assert preview.mandate_email == "kund1@example.se"
    result = routine.execute(RemoveOtherPayer(gym), admin)
    assert b.sub(core, gym)["payer_id"] == b.sub(core, towel)["payer_id"] == anna
    assert result.outbox_message_id is not None
    [mail] = b.outbox(core)
    assert (mail["recipient"], mail["person_id"], mail["subject"]) == (
        "kund1@example.se", anna, "Du behöver ett autogiromedgivande")
    assert "autogiromedgivande" in mail["body"] and "Gym AG" in mail["body"]
    assert "Ta bort annan betalare" in b.audit_actions(core)


def test_remove_other_payer_sends_no_mail_when_the_user_has_a_mandate(core, admin, paid_by_other):
    cat, anna, bertil, gym, towel = paid_by_other
    b.mandate(core, anna, status="hos_bgc")
    result = RemoveOtherPayerRoutine(core).execute(RemoveOtherPayer(gym), admin)
    assert result.outbox_message_id is None and b.outbox(core) == []
    assert b.sub(core, gym)["payer_id"] == anna


def test_remove_other_payer_of_a_kontant_subscription_sends_no_mail(core, admin):
    cat = b.catalog(core)
    anna, bertil = b.person(core, 1), b.person(core, 2)
    card = b.subscription(core, anna, cat.card12, price_list_id=cat.ordinarie, payer_id=bertil,
                          charged_through=date(2027, 5, 31))
    RemoveOtherPayerRoutine(core).execute(RemoveOtherPayer(card), admin)
    assert b.sub(core, card)["payer_id"] == anna and b.outbox(core) == []


def test_remove_other_payer_without_another_payer_is_refused(core, admin):
    cat = b.catalog(core)
    anna = b.person(core, 1)
    gym = b.subscription(core, anna, cat.gym, price_list_id=cat.ordinarie)
    before = b.snapshot(core)
    with pytest.raises(ValidationError, match="ingen annan betalare"):
        RemoveOtherPayerRoutine(core).execute(RemoveOtherPayer(gym), admin)
    assert b.snapshot(core) == before


def test_stop_paying_from_the_payers_side(core, admin, paid_by_other):
    cat, anna, bertil, gym, towel = paid_by_other
    cmd = StopPayingForOther(gym, payer_id=bertil)
    result = StopPayingForOtherRoutine(core).execute(cmd, admin)
    assert result.payer_id == anna and set(result.subscription_ids) == {gym, towel}
    assert b.sub(core, gym)["payer_id"] == b.sub(core, towel)["payer_id"] == anna
    assert [m["recipient"] for m in b.outbox(core)] == ["kund1@example.se"]
    assert "Sluta betala för abonnemang" in b.audit_actions(core)
    assert StopPayingForOtherRoutine(core).execute(cmd, admin) == result  # the stored result: nothing runs twice
    assert len(b.outbox(core)) == 1


def test_stop_paying_by_someone_who_is_not_the_payer_is_refused(core, admin, paid_by_other):
    cat, anna, bertil, gym, towel = paid_by_other
    cecilia = b.person(core, 3)
    before = b.snapshot(core)
    with pytest.raises(ValidationError, match="betalar inte för det här abonnemanget"):
        StopPayingForOtherRoutine(core).execute(StopPayingForOther(gym, payer_id=cecilia), admin)
    assert b.snapshot(core) == before
