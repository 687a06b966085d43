"""Hypothesis property tests for the subscription arithmetic's invariants."""
from __future__ import annotations

from datetime import date, timedelta
from fractions import Fraction

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from app.domain.debit import debit_plan, max_debit_intervals
from app.domain.freeze import FreezeRules, plan_extend, plan_freeze, plan_shorten, plan_thaw
from app.domain.notice import notice_end
from app.domain.periods import days_in_spans, days_inclusive
from app.domain.pickup import pickup_extension_days
from app.domain.pricing import downgrade_shift_days, upgrade_difference
from app.domain.subscriptions import (
    SubscriptionFacts,
    daily_price,
    expected_charged_through,
    grid_value,
    is_lagging,
)
from app.errors import ValidationError

FAST = settings(deadline=None, max_examples=120)
START = date(2026, 1, 1)
days_st = st.integers(min_value=0, max_value=400)
prices = st.integers(min_value=100, max_value=200_000)


@st.composite
def subscriptions(draw, kind=None):
    kind = kind or draw(st.sampled_from(["AG", "kontant"]))
    months = 1 if kind == "AG" else draw(st.sampled_from([1, 3, 6, 12]))
    start = START + timedelta(days=draw(st.integers(0, 60)))
    paid = draw(st.integers(0, 500))
    ct = start + timedelta(days=paid - 1) if paid else None
    binding = draw(st.one_of(st.none(), st.integers(0, 400).map(lambda d: start + timedelta(days=d))))
    return SubscriptionFacts("gym", kind, draw(prices), months, start, ct, binding_end=binding)


def _coverage_identity(facts: SubscriptionFacts, paid_before: int, lines, horizon_ct: date) -> None:
    """Every day from the start to the final date is paid once, free (frozen) or a credit day."""
    charged = sum(line.charged_days for line in lines)
    credit = sum(line.credit_days_used for line in lines)
    free = days_in_spans(facts.start, horizon_ct, facts.free_spans)
    assert days_inclusive(facts.start, horizon_ct) == paid_before + charged + free + credit


@FAST
@given(subscriptions(), st.integers(0, 300), st.integers(0, 380), st.integers(0, 60), st.booleans())
def test_a_frozen_day_is_never_charged_and_paid_days_are_never_lost(facts, offset, length, delay, variant):
    today = facts.start + timedelta(days=delay)
    start = today + timedelta(days=offset)
    end = start + timedelta(days=length)
    rules = FreezeRules(debit_during_binding=variant)
    try:
        plan = plan_freeze(facts, start, end, today, rules)
    except ValidationError:
        assume(False)
    row = plan.main
    frozen = row.apply(facts)
    paid_before = days_inclusive(facts.start, facts.covered_until)
    # Paid days are conserved: non-free covered days before == after.
    covered_after = frozen.covered_until
    assert days_inclusive(frozen.start, covered_after) - days_in_spans(
        frozen.start, covered_after, frozen.free_spans) == paid_before
    # Debit far beyond the freeze: coverage identity (no day both free and charged).
    plan2 = debit_plan(frozen, [], "ikapp", 12, end + timedelta(days=40)) if is_lagging(
        frozen, end + timedelta(days=40)) else None
    lines = plan2.lines if plan2 else ()
    final = plan2.new_charged_through if plan2 else frozen.covered_until
    _coverage_identity(frozen, paid_before, lines, final)
    in_binding = row.new_freeze.charged_until
    if not (variant and facts.kind == "AG" and in_binding is not None):
        assert row.credit_days_after_binding == 0
    else:
        # The variant: frozen days up to the binding end are charged and come back as credit days.
        assert row.credit_days_after_binding == days_inclusive(start, min(end, in_binding))


@FAST
@given(subscriptions(), st.integers(0, 200), st.integers(28, 200), st.integers(0, 200), st.integers(1, 150))
def test_extend_then_shorten_back_returns_the_original_state(facts, offset, length, into, extra):
    rules = FreezeRules()
    today0 = facts.start + timedelta(days=offset)
    start, end = today0, today0 + timedelta(days=length)
    try:
        frozen = plan_freeze(facts, start, end, today0, rules).main.apply(facts)
    except ValidationError:
        assume(False)
    today = start + timedelta(days=min(into, length))
    new_end = end + timedelta(days=extra)
    assume(new_end <= rules.latest_end(start))
    extended = plan_extend(frozen, new_end, today, rules).main.apply(frozen)
    assert extended.covered_until >= frozen.covered_until
    back = plan_shorten(extended, end, today, rules).main.apply(extended)
    assert back == frozen


@FAST
@given(subscriptions(), st.integers(1, 100), st.integers(28, 300))
def test_future_freeze_removed_restores_the_subscription(facts, ahead, length):
    today = facts.start
    start = today + timedelta(days=ahead)
    try:
        frozen = plan_freeze(facts, start, start + timedelta(days=length), today, FreezeRules()).main.apply(facts)
    except ValidationError:
        assume(False)
    plan = plan_thaw(frozen, today, FreezeRules())
    assert plan.main.apply(frozen) == facts
    # Removing a future freeze never creates a payment; an AG that already lagged is
    # brought up to date (the catch-up is exactly "Debitera ikapp").
    if facts.kind == "AG" and is_lagging(facts, today):
        assert plan.catch_up.new_charged_through == expected_charged_through(facts, today)
    else:
        assert plan.catch_up is None


@FAST
@given(subscriptions(kind="AG"), st.integers(0, 100), st.integers(28, 200), st.integers(0, 250))
def test_after_a_thaw_and_its_catch_up_nothing_lags(facts, offset, length, later):
    rules = FreezeRules()
    today0 = facts.start + timedelta(days=offset)
    start = today0
    try:
        frozen = plan_freeze(facts, start, start + timedelta(days=length), today0, rules).main.apply(facts)
    except ValidationError:
        assume(False)
    lagging_before = is_lagging(frozen, today0)
    today = start + timedelta(days=min(later, length))
    try:
        plan = plan_thaw(frozen, today, rules)
    except ValidationError:
        assume(False)
    thawed = plan.main.apply(frozen)
    if plan.catch_up is not None:
        thawed = plan.catch_up.apply(thawed)
        assert plan.catch_up_ore >= 0
    if not lagging_before:
        assert not is_lagging(thawed, today)


@FAST
@given(prices, prices, days_st)
def test_a_downgrade_never_lowers_the_value_paid_for(old, new, remaining):
    assume(new < old)
    old_d, new_d = daily_price(old, 1), daily_price(new, 1)
    shift = downgrade_shift_days(old_d, new_d, remaining)
    assert shift >= 0
    paid_value = old_d * remaining
    # The days kept + shift at the new price are worth at most what was paid,
    # and less than one new day short of it (floor): the customer loses less than a day.
    assert new_d * (remaining + shift) <= paid_value
    assert paid_value < new_d * (remaining + shift + 1)


@FAST
@given(prices, prices, st.integers(0, 400), st.integers(0, 60))
def test_upgrade_difference_is_monotone_and_exact_for_whole_months(old, new, ahead, back):
    assume(new > old)
    ct = date(2026, 12, 31)
    today = ct - timedelta(days=ahead)
    amount = upgrade_difference(old, new, 1, today, ct)
    assert 0 <= amount
    earlier = upgrade_difference(old, new, 1, today - timedelta(days=back), ct)
    assert earlier >= amount
    # whole months counted back from the charged-through date cost exactly the difference each
    assert upgrade_difference(old, new, 1, date(2026, 10, 1), ct) == 3 * (new - old)


@FAST
@given(prices, st.sampled_from([1, 3, 12]), st.integers(-40, 40), st.integers(0, 400), st.integers(0, 400))
def test_value_of_days_is_additive(price, months, anchor_shift, a, b):
    anchor = START + timedelta(days=anchor_shift)
    first = START
    mid = first + timedelta(days=a)
    last = mid + timedelta(days=b)
    whole = grid_value(price, months, anchor, first, last)
    split = grid_value(price, months, anchor, first, mid) + grid_value(price, months, anchor, mid + timedelta(days=1), last)
    assert whole == split
    assert whole >= 0


@FAST
@given(subscriptions(), st.integers(0, 500), st.integers(1, 12), st.integers(1, 24))
def test_debit_lands_on_the_grid_and_never_past_the_horizon(facts, delay, n, max_intervals):
    today = facts.start + timedelta(days=delay)
    allowed = max_debit_intervals(facts, max_intervals, today)
    assume(1 <= n <= allowed)
    plan = debit_plan(facts, [], n, max_intervals, today)
    assert plan.new_charged_through > facts.covered_until
    if facts.kind == "kontant":
        assert plan.total_ore == n * facts.price_ore
    elif facts.charged_through is None or (facts.charged_through + timedelta(days=1)).day == facts.start.day:
        # aligned AG: N whole intervals cost N × price
        assert plan.total_ore == n * facts.price_ore
    if is_lagging(facts, today):
        ikapp = debit_plan(facts, [], "ikapp", max_intervals, today)
        assert not is_lagging(ikapp.apply(facts), today)
        assert ikapp.new_charged_through >= expected_charged_through(facts, today)


@FAST
@given(st.integers(0, 400), st.integers(0, 24), st.one_of(st.none(), st.integers(0, 800)), st.booleans())
def test_notice_end_never_before_binding_end_or_today(delay, months, binding_days, include_today):
    today = START + timedelta(days=delay)
    binding = START + timedelta(days=binding_days) if binding_days is not None else None
    end = notice_end(today, months, binding, include_today)
    assert end >= today
    if binding is not None:
        assert end >= binding
    assert end <= notice_end(today, months, binding, False)


@FAST
@given(st.integers(0, 100), st.integers(0, 30))
def test_pickup_extension_is_the_smaller_of_elapsed_days_and_max(elapsed, max_days):
    registered = START
    got = pickup_extension_days(registered, registered + timedelta(days=elapsed), max_days)
    assert got == min(elapsed, max_days)


def test_downgrade_value_bound_is_tight_on_an_example():
    # 17 days × 499 kr/month -> 4 extra days at 399 kr: 21 × 399 ≤ 17 × 499 < 22 × 399
    assert 21 * 399 <= 17 * 499 < 22 * 399
    assert downgrade_shift_days(Fraction(499), Fraction(399), 17) == 4
