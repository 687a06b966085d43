"""Uppgradera / Nedgradera / Hämta ut onlineköp — worked examples."""
from __future__ import annotations

from datetime import date
from fractions import Fraction

import pytest

from app.domain.pickup import pickup_charged_through, pickup_extension_days
from app.domain.pricing import downgrade_shift_days, plan_downgrade, plan_upgrade, upgrade_difference
from app.domain.subscriptions import Freeze, SubscriptionFacts, daily_price
from app.errors import ValidationError


# --- Uppgradera --------------------------------------------------------------------------


def test_upgrade_charges_the_difference_for_the_rest_of_the_paid_month():
    # 399 -> 499 kr/month, paid through 31 Mar, today 15 Mar: 17 of 31 days remain.
    # 10000 × 17/31 = 5483.87 -> 5484 öre.
    assert upgrade_difference(39900, 49900, 1, date(2026, 3, 15), date(2026, 3, 31)) == 5484


def test_upgrade_over_whole_paid_months_is_the_full_difference_per_month():
    # Paid through 30 Jun, today 1 Apr: three whole months -> 3 × 100 kr.
    assert upgrade_difference(39900, 49900, 1, date(2026, 4, 1), date(2026, 6, 30)) == 30000
    # plus a part: today 16 Mar -> 16 of 31 days of March + April–June
    assert upgrade_difference(39900, 49900, 1, date(2026, 3, 16), date(2026, 6, 30)) == 30000 + 5161


def test_upgrade_of_a_kontant_year():
    # 12-month card 3499 -> 4299 kr paid 1 Jan–31 Dec 2026; today 1 Jul: 184 of 365 days.
    # 80000 × 184/365 = 40328.77 -> 40329
    assert upgrade_difference(349900, 429900, 12, date(2026, 7, 1), date(2026, 12, 31)) == 40329


def test_upgrade_with_nothing_paid_ahead_costs_nothing_and_cheaper_is_rejected():
    assert upgrade_difference(39900, 49900, 1, date(2026, 4, 1), date(2026, 3, 31)) == 0
    assert upgrade_difference(39900, 49900, 1, date(2026, 4, 1), None) == 0
    with pytest.raises(ValidationError, match="dyrare"):
        upgrade_difference(49900, 39900, 1, date(2026, 3, 15), date(2026, 3, 31))


def test_plan_upgrade_skips_frozen_days():
    sub = SubscriptionFacts(
        "gym", "AG", 39900, 1, date(2026, 1, 1), date(2026, 5, 31),
        freezes=(Freeze(date(2026, 4, 1), date(2026, 4, 30)),),
    )
    plan = plan_upgrade(sub, 49900, date(2026, 4, 1))
    # April is frozen (free); only May is paid and ahead -> 100 kr
    assert (plan.period_from, plan.period_to, plan.paid_days, plan.amount_ore) == (
        date(2026, 4, 1), date(2026, 5, 31), 31, 10000)
    assert plan_upgrade(sub, 49900, date(2026, 6, 1)) is None


# --- Nedgradera --------------------------------------------------------------------------


def test_downgrade_formula_exactly_as_spec():
    # 499 -> 399 kr/month, 17 paid days remain: floor(17 × (499−399)/399) = floor(4.26) = 4
    assert downgrade_shift_days(daily_price(49900, 1), daily_price(39900, 1), 17) == 4
    assert downgrade_shift_days(Fraction(20), Fraction(10), 30) == 30
    assert downgrade_shift_days(3, 2, 5) == 2          # floor(5 × 1/2)
    assert downgrade_shift_days(3, 2, 0) == 0


def test_downgrade_needs_a_cheaper_priced_product():
    with pytest.raises(ValidationError, match="billigare"):
        downgrade_shift_days(10, 10, 5)
    with pytest.raises(ValidationError, match="saknar pris"):
        downgrade_shift_days(10, 0, 5)


def test_plan_downgrade_moves_charged_through_forward():
    sub = SubscriptionFacts("gym", "AG", 49900, 1, date(2026, 1, 1), date(2026, 3, 31))
    plan = plan_downgrade(sub, 39900, 1, date(2026, 3, 15))
    assert (plan.remaining_paid_days, plan.shift_days, plan.new_charged_through) == (17, 4, date(2026, 4, 4))
    # kontant 12 months 4299 -> 3499 with 184 days left: floor(184 × 800/3499) = 42
    card = SubscriptionFacts("kort", "kontant", 429900, 12, date(2026, 1, 1), date(2026, 12, 31))
    plan = plan_downgrade(card, 349900, 12, date(2026, 7, 1))
    assert (plan.remaining_paid_days, plan.shift_days, plan.new_charged_through) == (184, 42, date(2027, 2, 11))


def test_downgrade_with_nothing_paid_ahead_does_not_move():
    sub = SubscriptionFacts("gym", "AG", 49900, 1, date(2026, 1, 1), date(2026, 3, 31))
    plan = plan_downgrade(sub, 39900, 1, date(2026, 4, 2))
    assert (plan.remaining_paid_days, plan.shift_days, plan.new_charged_through) == (0, 0, date(2026, 3, 31))


# --- Hämta ut onlineköp ------------------------------------------------------------------


def test_pickup_extension_is_days_since_registration_capped_by_the_setting():
    registered = date(2026, 3, 1)
    assert pickup_extension_days(registered, date(2026, 3, 11), 14) == 10   # SPEC: 10 days -> 10
    assert pickup_extension_days(registered, date(2026, 3, 21), 14) == 14   # SPEC: 20 days -> 14
    assert pickup_extension_days(registered, date(2026, 3, 1), 14) == 0
    assert pickup_extension_days(registered, date(2026, 3, 11), 0) == 0
    assert pickup_charged_through(date(2026, 3, 31), registered, date(2026, 3, 11), 14) == date(2026, 4, 10)


def test_pickup_rejects_future_registration_and_negative_setting():
    with pytest.raises(ValidationError, match="senare än idag"):
        pickup_extension_days(date(2026, 3, 12), date(2026, 3, 11), 14)
    with pytest.raises(ValidationError, match="0 eller fler"):
        pickup_extension_days(date(2026, 3, 1), date(2026, 3, 11), -1)
