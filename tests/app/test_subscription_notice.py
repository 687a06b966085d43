"""Säg upp: notice-period end and slutbetalning (SPEC §6) — worked examples."""
from __future__ import annotations

from datetime import date

import pytest

from app.domain.notice import notice_end, plan_cancellation
from app.domain.subscriptions import SubscriptionFacts
from app.errors import ValidationError


def test_notice_counts_from_today_or_tomorrow():
    today = date(2026, 3, 15)
    assert notice_end(today, 1, None, include_today=True) == date(2026, 4, 14)
    assert notice_end(today, 1, None, include_today=False) == date(2026, 4, 15)
    assert notice_end(today, 3, None, include_today=True) == date(2026, 6, 14)


def test_notice_never_ends_before_the_binding_end():
    today = date(2026, 3, 15)
    assert notice_end(today, 1, date(2026, 6, 30), include_today=True) == date(2026, 6, 30)
    assert notice_end(today, 1, date(2026, 6, 30), include_today=False) == date(2026, 6, 30)
    # a binding end that has passed does not matter
    assert notice_end(today, 1, date(2026, 1, 31), include_today=True) == date(2026, 4, 14)


def test_month_end_clamping_in_the_notice_period():
    # From 31 Jan: 31 Jan + 1 månad = 28 Feb, so the notice ends 27 Feb.
    assert notice_end(date(2026, 1, 31), 1, None, include_today=True) == date(2026, 2, 27)
    assert notice_end(date(2026, 1, 30), 1, None, include_today=False) == date(2026, 2, 27)


def test_zero_notice_ends_today_and_negative_is_rejected():
    assert notice_end(date(2026, 3, 15), 0, None, include_today=True) == date(2026, 3, 15)
    with pytest.raises(ValidationError, match="Uppsägningstiden"):
        notice_end(date(2026, 3, 15), -1, None, include_today=True)


def test_cancellation_with_slutbetalning_of_main_and_addon():
    gym = SubscriptionFacts("gym", "AG", 39900, 1, date(2026, 1, 1), date(2026, 3, 31), notice_months=2)
    towel = SubscriptionFacts("handduk", "AG", 5000, 1, date(2026, 1, 1), date(2026, 3, 31))
    plan = plan_cancellation(gym, [towel], date(2026, 3, 15), include_today=True)
    assert plan.end == date(2026, 5, 14)
    # Slutbetalning: April in full + 1–14 May (14 of 31 days):
    # gym 39900 + 39900 × 14/31 = 39900 + 18019.35 -> 57919; towel 5000 + 2258.06 -> 7258
    assert [(l.subscription_key, l.period_from, l.period_to, l.amount_ore) for l in plan.final_payment.lines] == [
        ("gym", date(2026, 4, 1), date(2026, 5, 14), 57919),
        ("handduk", date(2026, 4, 1), date(2026, 5, 14), 7258),
    ]
    assert plan.final_payment_ore == 65177


def test_only_ag_can_be_cancelled_and_only_once():
    kontant = SubscriptionFacts("kort", "kontant", 349900, 12, date(2026, 1, 1), date(2026, 12, 31))
    with pytest.raises(ValidationError, match="Endast autogiroabonnemang"):
        plan_cancellation(kontant, [], date(2026, 3, 15), include_today=True)
    cancelled = SubscriptionFacts("gym", "AG", 39900, 1, date(2026, 1, 1), date(2026, 3, 31), end=date(2026, 4, 30))
    with pytest.raises(ValidationError, match="redan uppsagt"):
        plan_cancellation(cancelled, [], date(2026, 3, 15), include_today=True)


def test_prepaid_past_the_notice_end_needs_no_final_payment():
    gym = SubscriptionFacts("gym", "AG", 39900, 1, date(2026, 1, 1), date(2026, 6, 30), notice_months=1)
    plan = plan_cancellation(gym, [], date(2026, 3, 15), include_today=True)
    assert plan.final_payment.lines == ()
    assert plan.final_payment_ore == 0
