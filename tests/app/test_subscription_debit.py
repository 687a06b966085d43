"""Debitera, Debitera ikapp and lagging (SPEC §1.4, §6) — worked examples in dates and öre."""
from __future__ import annotations

from datetime import date

import pytest

from app.domain.debit import (
    catch_up_intervals,
    charge_through_date,
    debit_plan,
    max_debit_intervals,
    prepay_horizon,
)
from app.domain.subscriptions import (
    Freeze,
    SubscriptionFacts,
    expected_charged_through,
    is_lagging,
    round_half_up,
)
from app.errors import ValidationError
from fractions import Fraction


def ag(ct, *, key="gym", price=39900, start=date(2026, 1, 1), **kw):
    return SubscriptionFacts(key, "AG", price, 1, start, ct, **kw)


def kontant(ct, *, key="kort", price=349900, months=12, start=date(2025, 6, 1), **kw):
    return SubscriptionFacts(key, "kontant", price, months, start, ct, **kw)


def test_round_half_up_to_whole_ore():
    assert round_half_up(Fraction(5, 2)) == 3
    assert round_half_up(Fraction(7, 2)) == 4
    assert round_half_up(Fraction(249, 100)) == 2
    assert round_half_up(Fraction(-5, 2)) == -3


# --- lagging -------------------------------------------------------------------------------


def test_expected_date_is_end_of_current_interval_for_ag_and_today_for_kontant():
    assert expected_charged_through(ag(date(2026, 3, 31)), date(2026, 4, 10)) == date(2026, 4, 30)
    assert expected_charged_through(kontant(date(2026, 5, 31)), date(2026, 4, 10)) == date(2026, 4, 10)
    # before the start nothing is expected
    assert expected_charged_through(ag(None, start=date(2026, 5, 1)), date(2026, 4, 10)) == date(2026, 4, 30)
    assert not is_lagging(ag(None, start=date(2026, 5, 1)), date(2026, 4, 10))
    # a cancelled subscription is never expected past its slutdatum
    assert expected_charged_through(ag(date(2026, 3, 31), end=date(2026, 4, 14)), date(2026, 4, 10)) == date(2026, 4, 14)


def test_lagging_examples():
    assert is_lagging(ag(date(2026, 3, 31)), date(2026, 4, 1))      # April not yet charged
    assert not is_lagging(ag(date(2026, 4, 30)), date(2026, 4, 1))
    assert not is_lagging(kontant(date(2026, 5, 31)), date(2026, 5, 31))
    assert is_lagging(kontant(date(2026, 5, 31)), date(2026, 6, 1))
    assert is_lagging(ag(None), date(2026, 1, 1))                   # nothing charged yet


def test_usable_credit_days_count_as_coverage():
    sub = ag(date(2026, 6, 30), binding_end=date(2026, 6, 30), credit_days=31)
    assert not is_lagging(sub, date(2026, 7, 15))          # 31 credit days cover all of July
    assert is_lagging(sub, date(2026, 8, 1))
    # 20 credit days cover 1–20 Jul; 21–31 Jul of the current interval is still due.
    assert is_lagging(sub.replace(credit_days=20), date(2026, 7, 15))
    still_bound = ag(date(2026, 5, 31), binding_end=date(2026, 6, 30), credit_days=20)
    assert is_lagging(still_bound, date(2026, 6, 1))       # credit is only usable after the binding end


# --- Debitera N intervals -----------------------------------------------------------------


def test_three_months_prepaid_with_an_addon_on_its_own_date():
    # Gym 399 kr/month paid through 31 Mar; towel 50 kr/month started 15 Feb, paid through 14 Mar.
    towel = ag(date(2026, 3, 14), key="handduk", price=5000, start=date(2026, 2, 15))
    plan = debit_plan(ag(date(2026, 3, 31)), [towel], 3, 12, date(2026, 3, 20))
    gym_line, towel_line = plan.lines
    assert (gym_line.period_from, gym_line.period_to, gym_line.amount_ore) == (
        date(2026, 4, 1), date(2026, 6, 30), 3 * 39900)
    # The towel is charged to the same date: 15 Mar–14 Jun = 3 whole towel months (150 kr)
    # + 15–30 Jun = 16 of that interval's 30 days: 5000 × 16/30 = 2666.67 öre -> 2667.
    assert (towel_line.period_from, towel_line.period_to) == (date(2026, 3, 15), date(2026, 6, 30))
    assert towel_line.amount_ore == 15000 + 2667
    assert plan.new_charged_through == date(2026, 6, 30)
    assert plan.total_ore == 119700 + 17667
    applied = plan.apply(towel)
    assert applied.charged_through == date(2026, 6, 30)


def test_addon_already_paid_beyond_main_gets_no_line():
    towel = ag(date(2026, 12, 31), key="handduk", price=5000)
    plan = debit_plan(ag(date(2026, 3, 31)), [towel], 1, 12, date(2026, 3, 20))
    assert [line.subscription_key for line in plan.lines] == ["gym"]


def test_off_grid_ag_pays_a_part_interval_first():
    # After a credit the gym is covered to 10 Apr: one interval now = 11–30 Apr,
    # 20 of April's 30 days: 39900 × 20/30 = 26600 öre (the smaller next debit).
    plan = debit_plan(ag(date(2026, 4, 10)), [], 1, 12, date(2026, 4, 5))
    (line,) = plan.lines
    assert (line.period_from, line.period_to, line.amount_ore, line.charged_days) == (
        date(2026, 4, 11), date(2026, 4, 30), 26600, 20)


def test_kontant_interval_is_a_whole_validity_period_from_the_day_after():
    plan = debit_plan(kontant(date(2026, 5, 31)), [], 1, 12, date(2026, 5, 20))
    assert plan.lines[0].period_to == date(2027, 5, 31)
    assert plan.total_ore == 349900


def test_interval_count_outside_one_to_max_is_rejected_in_swedish():
    for bad in (0, 13, -1):
        with pytest.raises(ValidationError, match="mellan 1 och 12") as err:
            debit_plan(ag(date(2026, 3, 31)), [], bad, 12, date(2026, 3, 20))
        assert err.value.field == "intervals"


def test_prepay_horizon_is_max_intervals_ahead_of_today():
    # Expected today (20 Mar) is 31 Mar; 12 intervals beyond -> 31 Mar 2027.
    sub = ag(date(2026, 12, 31))
    assert prepay_horizon(sub, 12, date(2026, 3, 20)) == date(2027, 3, 31)
    assert max_debit_intervals(sub, 12, date(2026, 3, 20)) == 3
    with pytest.raises(ValidationError, match="högst 3 debiteringsintervall till"):
        debit_plan(sub, [], 4, 12, date(2026, 3, 20))
    full = ag(date(2027, 3, 31))
    assert max_debit_intervals(full, 12, date(2026, 3, 20)) == 0
    with pytest.raises(ValidationError, match="redan förskottsbetalt"):
        debit_plan(full, [], 1, 12, date(2026, 3, 20))


def test_cancelled_subscription_is_not_charged_past_its_end():
    sub = ag(date(2026, 3, 31), end=date(2026, 4, 14))
    plan = debit_plan(sub, [], 1, 12, date(2026, 3, 20))
    # 1–14 Apr = 14 of 30 days: 39900 × 14/30 = 18620
    assert (plan.new_charged_through, plan.total_ore) == (date(2026, 4, 14), 18620)
    assert max_debit_intervals(sub, 12, date(2026, 3, 20)) == 1
    with pytest.raises(ValidationError, match="slutdatumet 2026-04-14"):
        debit_plan(sub.replace(charged_through=date(2026, 4, 14)), [], 1, 12, date(2026, 3, 20))


# --- Debitera ikapp ----------------------------------------------------------------------


def test_ikapp_charges_exactly_to_the_end_of_the_current_interval():
    # Paid through 31 Mar, today 20 May: April and May are due (2 × 399 kr).
    towel = ag(date(2026, 3, 31), key="handduk", price=5000)
    plan = debit_plan(ag(date(2026, 3, 31)), [towel], "ikapp", 12, date(2026, 5, 20))
    assert plan.new_charged_through == date(2026, 5, 31)
    assert plan.intervals == 2
    assert [line.amount_ore for line in plan.lines] == [79800, 10000]
    assert not is_lagging(plan.apply(ag(date(2026, 3, 31))), date(2026, 5, 20))


def test_ikapp_is_not_limited_by_the_maximum():
    sub = ag(date(2025, 12, 31), start=date(2025, 1, 1))
    assert catch_up_intervals(sub, date(2027, 2, 10)) == 14
    plan = debit_plan(sub, [], "ikapp", 12, date(2027, 2, 10))
    assert plan.new_charged_through == date(2027, 2, 28)
    assert plan.total_ore == 14 * 39900


def test_ikapp_for_an_expired_kontant_card_renews_a_whole_period():
    plan = debit_plan(kontant(date(2026, 5, 31)), [], "ikapp", 12, date(2026, 6, 2))
    assert (plan.new_charged_through, plan.total_ore) == (date(2027, 5, 31), 349900)


def test_ikapp_when_not_lagging_is_rejected():
    with pytest.raises(ValidationError, match="inte släpande"):
        debit_plan(ag(date(2026, 4, 30)), [], "ikapp", 12, date(2026, 4, 10))


# --- free (frozen) days and credit days --------------------------------------------------------


def test_frozen_free_days_are_not_charged_and_coverage_runs_through_the_freeze():
    # Paid through 31 Mar; a freeze 15 Apr–15 May was booked after a gap.
    sub = ag(date(2026, 3, 31), freezes=(Freeze(date(2026, 4, 15), date(2026, 5, 15)),))
    plan = debit_plan(sub, [], 1, 12, date(2026, 4, 1))
    (line,) = plan.lines
    # April: only 1–14 Apr are charged: 39900 × 14/30 = 18620; covered on to 15 May.
    assert (line.amount_ore, line.charged_days, line.period_to) == (18620, 14, date(2026, 5, 15))
    nxt = debit_plan(plan.apply(sub), [], 1, 12, date(2026, 5, 16)).lines[0]
    # 16–31 May = 16 of 31 days: 39900 × 16/31 = 20593.5 -> 20594
    assert (nxt.period_from, nxt.period_to, nxt.amount_ore) == (date(2026, 5, 16), date(2026, 5, 31), 20594)


def test_credit_days_are_given_first_after_the_binding_end_and_skip_frozen_days():
    sub = ag(
        date(2026, 6, 30), binding_end=date(2026, 6, 30), credit_days=10,
        freezes=(Freeze(date(2026, 4, 1), date(2026, 7, 5), charged_until=date(2026, 6, 30)),),
    )
    plan = debit_plan(sub, [], 1, 12, date(2026, 6, 25))
    (line,) = plan.lines
    # 1–5 Jul are free (frozen after the binding end); 10 credit days = 6–15 Jul;
    # charged 16–31 Jul = 16 of 31 days: 20593.5 -> 20594.
    assert (line.period_from, line.period_to, line.credit_days_used) == (date(2026, 7, 1), date(2026, 7, 31), 10)
    assert (line.charged_days, line.amount_ore) == (16, 20594)
    assert plan.apply(sub).credit_days == 0


def test_credit_days_alone_can_reach_the_target():
    main = ag(date(2026, 7, 31))
    addon = ag(date(2026, 6, 30), key="handduk", price=5000, binding_end=date(2026, 6, 30), credit_days=40)
    plan = charge_through_date(main, [addon], date(2026, 7, 31))
    (line,) = plan.lines
    assert (line.amount_ore, line.credit_days_used, line.period_to) == (0, 31, date(2026, 7, 31))
    assert plan.apply(addon).credit_days == 9
