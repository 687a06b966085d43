"""Säg upp and Debitera (SPEC §6) against the database, on SQLite and PostgreSQL.

Worked numbers: today 2026-11-22; Gym AG 399 kr/month and Handduk AG 50 kr/month,
both started 2026-01-01 and paid through 2026-11-30; notice 2 months.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from app.errors import Conflict, NotAllowed, ValidationError
from app.routines.subscriptions import (
    CancelSubscription,
    CancelSubscriptionRoutine,
    DebitSubscription,
    DebitSubscriptionRoutine,
)
from tests.app import sub_builders as b


@pytest.fixture
def world(core):
    cat = b.catalog(core)
    anna = b.person(core, 1)
    gym = b.subscription(core, anna, cat.gym, price_list_id=cat.ordinarie)
    towel = b.subscription(core, anna, cat.towel, parent_id=gym)
    return cat, anna, gym, towel


# --------------------------------------------------------------------------
# Säg upp
# --------------------------------------------------------------------------


def test_cancel_with_final_payment_charges_the_notice_period_and_cancels_the_addon(core, admin, world):
    cat, anna, gym, towel = world
    routine = CancelSubscriptionRoutine(core)
    cmd = CancelSubscription(gym, final_payment=True, agent_name="Bo Ombud")
    preview = routine.preview(cmd)
    # notice from today (included): 2026-11-22 + 2 months - 1 day
    assert preview.end_date == date(2027, 1, 21)
    # December whole (399 kr) + 21/31 of January (270,29 kr); towel 50 + 33,87 kr
    assert [(li.period_from, li.period_to, li.amount_ore) for li in preview.lines] == [
        (date(2026, 12, 1), date(2027, 1, 21), 66929),
        (date(2026, 12, 1), date(2027, 1, 21), 8387),
    ]
    assert preview.total_ore == preview.final_payment_total_ore == 75316
    assert [r.charged_through_after for r in preview.rows] == [date(2027, 1, 21)] * 2

    result = routine.execute(cmd, admin)

    assert result.end_date == date(2027, 1, 21) and result.total_ore == 75316
    for sid in (gym, towel):
        state = b.sub(core, sid)
        assert (state["status"], state["end_date"], state["charged_through"], state["final_payment"]) == (
            "uppsagt", date(2027, 1, 21), date(2027, 1, 21), True)
    assert b.order_lines(core, result.order_id) == [
        ("Gym AG 2026-12-01 – 2027-01-21", date(2026, 12, 1), date(2027, 1, 21), 66929, 600, gym),
        ("Handduk AG 2026-12-01 – 2027-01-21", date(2026, 12, 1), date(2027, 1, 21), 8387, 600, towel),
    ]
    assert b.order_person(core, result.order_id) == anna
    assert "Säg upp" in b.audit_actions(core)


def test_cancel_letting_autogiro_continue_writes_no_order(core, admin, world):
    cat, anna, gym, towel = world
    preview = CancelSubscriptionRoutine(core).preview(CancelSubscription(gym, final_payment=False))
    assert preview.lines == () and preview.total_ore == 0
    assert preview.final_payment_total_ore == 75316  # still shown so the customer can choose
    result = CancelSubscriptionRoutine(core).execute(CancelSubscription(gym, final_payment=False), admin)
    assert result.order_id is None
    assert b.snapshot(core)["counts"]["orders"] == 0
    for sid in (gym, towel):
        state = b.sub(core, sid)
        assert (state["status"], state["end_date"], state["charged_through"], state["final_payment"]) == (
            "uppsagt", date(2027, 1, 21), date(2026, 11, 30), False)


def test_cancel_counts_from_tomorrow_when_today_is_not_included(core, admin, world):
    cat, anna, gym, towel = world
    b.setting(core, "notice_include_today", False)
    result = CancelSubscriptionRoutine(core).execute(CancelSubscription(gym, final_payment=False), admin)
    assert result.end_date == date(2027, 1, 22)
    assert b.sub(core, towel)["end_date"] == date(2027, 1, 22)


def test_cancel_never_ends_before_the_binding_end(core, admin):
    cat = b.catalog(core)
    anna = b.person(core, 1)
    gym = b.subscription(core, anna, cat.gym, price_list_id=cat.ordinarie, binding_end=date(2027, 6, 30))
    result = CancelSubscriptionRoutine(core).execute(CancelSubscription(gym, final_payment=False), admin)
    assert result.end_date == date(2027, 6, 30)
    assert b.sub(core, gym)["end_date"] == date(2027, 6, 30)


def test_cancel_of_a_kontant_subscription_is_refused_and_nothing_is_written(core, admin):
    cat = b.catalog(core)
    anna = b.person(core, 1)
    card = b.subscription(core, anna, cat.card12, price_list_id=cat.ordinarie, start_date=date(2026, 6, 1),
                          charged_through=date(2027, 5, 31))
    before = b.snapshot(core)
    with pytest.raises(ValidationError, match="Endast autogiroabonnemang kan sägas upp"):
        CancelSubscriptionRoutine(core).execute(CancelSubscription(card, final_payment=True), admin)
    assert b.snapshot(core) == before


def test_cancel_of_an_already_cancelled_subscription_is_refused(core, admin, world):
    cat, anna, gym, towel = world
    CancelSubscriptionRoutine(core).execute(CancelSubscription(gym, final_payment=False), admin)
    before = b.snapshot(core)
    with pytest.raises(ValidationError, match="redan uppsagt med slutdatum 2027-01-21"):
        CancelSubscriptionRoutine(core).execute(CancelSubscription(gym, final_payment=False), admin)
    assert b.snapshot(core) == before


def test_cancel_is_refused_while_a_freeze_runs_past_the_end_date(core, admin, world):
    cat, anna, gym, towel = world
    b.freeze(core, gym, date(2026, 11, 1), date(2027, 4, 30))
    before = b.snapshot(core)
    with pytest.raises(ValidationError, match="fryst t.o.m. 2027-04-30"):
        CancelSubscriptionRoutine(core).execute(CancelSubscription(gym, final_payment=False), admin)
    assert b.snapshot(core) == before


# --------------------------------------------------------------------------
# Debitera
# --------------------------------------------------------------------------


def test_debit_three_intervals_charges_main_and_addon_to_the_same_date(core, admin, world):
    cat, anna, gym, towel = world
    routine = DebitSubscriptionRoutine(core)
    options = routine.options(gym)
    assert (options.max_intervals, options.lagging) == (12, False)
    cmd = DebitSubscription(gym, 3)
    preview = routine.preview(cmd)
    assert preview.new_charged_through == date(2027, 2, 28)
    assert [(r.subscription_id, r.charged_through_after, r.amount_ore, r.next_debit) for r in preview.rows] == [
        (gym, date(2027, 2, 28), 119700, date(2027, 3, 1)),
        (towel, date(2027, 2, 28), 15000, date(2027, 3, 1)),
    ]
    assert preview.total_ore == 134700

    result = routine.execute(cmd, admin)

    assert result.total_ore == 134700 and result.new_charged_through == date(2027, 2, 28)
    assert b.sub(core, gym)["charged_through"] == b.sub(core, towel)["charged_through"] == date(2027, 2, 28)
    assert b.order_lines(core, result.order_id) == [
        ("Gym AG 2026-12-01 – 2027-02-28", date(2026, 12, 1), date(2027, 2, 28), 119700, 600, gym),
        ("Handduk AG 2026-12-01 – 2027-02-28", date(2026, 12, 1), date(2027, 2, 28), 15000, 600, towel),
    ]
    assert "Debitera" in b.audit_actions(core)


def test_debit_ikapp_charges_exactly_what_stops_the_lagging(core, admin):
    cat = b.catalog(core)
    anna = b.person(core, 1)
    gym = b.subscription(core, anna, cat.gym, price_list_id=cat.ordinarie, charged_through=date(2026, 9, 30))
    towel = b.subscription(core, anna, cat.towel, parent_id=gym, charged_through=date(2026, 9, 30))
    routine = DebitSubscriptionRoutine(core)
    options = routine.options(gym)
    assert (options.lagging, options.catch_up_intervals) == (True, 2)
    result = routine.execute(DebitSubscription(gym, "ikapp"), admin)
    assert result.new_charged_through == date(2026, 11, 30)
    assert [(li[1], li[2], li[3]) for li in b.order_lines(core, result.order_id)] == [
        (date(2026, 10, 1), date(2026, 11, 30), 79800),
        (date(2026, 10, 1), date(2026, 11, 30), 10000),
    ]
    assert b.sub(core, towel)["charged_through"] == date(2026, 11, 30)


def test_debit_ikapp_when_not_lagging_is_refused(core, admin, world):
    cat, anna, gym, towel = world
    before = b.snapshot(core)
    with pytest.raises(ValidationError, match="inte släpande"):
        DebitSubscriptionRoutine(core).execute(DebitSubscription(gym, "ikapp"), admin)
    assert b.snapshot(core) == before


def test_debit_more_intervals_than_the_setting_allows_is_refused(core, admin, world):
    cat, anna, gym, towel = world
    b.setting(core, "max_prepay_intervals", 2)
    before = b.snapshot(core)
    with pytest.raises(ValidationError, match="mellan 1 och 2"):
        DebitSubscriptionRoutine(core).execute(DebitSubscription(gym, 3), admin)
    assert b.snapshot(core) == before
    assert DebitSubscriptionRoutine(core).options(gym).max_intervals == 2


def test_debit_without_a_till_is_not_allowed_and_nothing_is_written(core, admin, world):
    cat, anna, gym, towel = world
    core.till_enabled = False
    before = b.snapshot(core)
    with pytest.raises(NotAllowed, match="kassakoppling"):
        DebitSubscriptionRoutine(core).execute(DebitSubscription(gym, 1), admin)
    assert b.snapshot(core) == before


def test_debit_command_runs_exactly_once(core, admin, world):
    cat, anna, gym, towel = world
    cmd = DebitSubscription(gym, 1)
    first = DebitSubscriptionRoutine(core).execute(cmd, admin)
    after_first = b.snapshot(core)
    assert DebitSubscriptionRoutine(core).execute(cmd, admin) == first  # the stored result: nothing runs twice
    assert b.snapshot(core) == after_first
    assert b.sub(core, gym)["charged_through"] == date(2026, 12, 31)
    # a new command (new id) is a new debit
    DebitSubscriptionRoutine(core).execute(replace(cmd, command_id="second"), admin)
    assert b.sub(core, gym)["charged_through"] == date(2027, 1, 31)
