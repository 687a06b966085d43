"""Uppgradera and Nedgradera: the price difference for the paid period, and the downgrade day shift.

Upgrade (SPEC §6): the difference between the new and the old price for the part
of the already-paid period that is still ahead (today included) is charged.
The paid period is counted back from debiterat t.o.m. in whole debit intervals;
a part interval costs its share of days (same rule as every other charge).
Example: 399 kr -> 499 kr a month, paid through 2026-03-31, today 2026-03-15:
17 of March's 31 days remain, 100 kr × 17/31 = 54,838… -> 54,84 kr.

Downgrade (SPEC §6, verbatim): nothing is refunded; debiterat t.o.m. moves forward
by ``floor(remaining paid days × (old daily − new daily) / new daily)`` days.
Example: 499 kr -> 399 kr a month, 17 paid days remain: floor(17 × 100 / 399) = 4.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from fractions import Fraction
from math import floor

from app.domain.periods import ONE_DAY
from app.domain.subscriptions import (
    SubscriptionFacts,
    charged_days,
    daily_price,
    grid_value,
    round_half_up,
)
from app.errors import ValidationError


def upgrade_difference(
    old_price_ore: int,
    new_price_ore: int,
    interval_months: int,
    today: date,
    charged_through: date | None,
    free: tuple[tuple[date, date], ...] = (),
) -> int:
    """Öre to pay now for using the dearer product for the rest of the paid period.

    0 when nothing paid lies ahead. ``free`` are frozen days (not paid, not charged).
    """
    if new_price_ore <= old_price_ore:
        raise ValidationError("Det går bara att uppgradera till en dyrare produkt.")
    if charged_through is None or charged_through < today:
        return 0
    value = grid_value(
        new_price_ore - old_price_ore, interval_months, charged_through + ONE_DAY,
        today, charged_through, free,
    )
    return round_half_up(value)


@dataclass(frozen=True)
class UpgradePlan:
    period_from: date
    period_to: date
    paid_days: int
    amount_ore: int


def plan_upgrade(facts: SubscriptionFacts, new_price_ore: int, today: date) -> UpgradePlan | None:
    """The upgrade order line for ``facts``; None when no paid days remain (nothing to charge)."""
    ct = facts.charged_through
    amount = upgrade_difference(
        facts.price_ore, new_price_ore, facts.interval_months, today, ct, facts.free_spans
    )
    if ct is None or ct < today:
        return None
    return UpgradePlan(today, ct, charged_days(facts, today, ct), amount)


def downgrade_shift_days(
    old_daily: Fraction | int, new_daily: Fraction | int, remaining_paid_days: int
) -> int:
    """floor(remaining paid days × (old daily − new daily) / new daily), exactly (SPEC §6)."""
    old_daily, new_daily = Fraction(old_daily), Fraction(new_daily)
    if new_daily <= 0:
        raise ValidationError("Den nya produkten saknar pris; välj en produkt med pris.")
    if new_daily >= old_daily:
        raise ValidationError("Det går bara att nedgradera till en billigare produkt.")
    if remaining_paid_days < 0:
        raise ValueError("remaining_paid_days cannot be negative")
    return floor(remaining_paid_days * (old_daily - new_daily) / new_daily)


@dataclass(frozen=True)
class DowngradePlan:
    remaining_paid_days: int
    shift_days: int
    new_charged_through: date | None


def plan_downgrade(
    facts: SubscriptionFacts, new_price_ore: int, new_interval_months: int, today: date
) -> DowngradePlan:
    """Remaining paid days (today … debiterat t.o.m., frozen free days excluded), shift and new date.

    For AG the next debit becomes smaller; for kontant the validity is extended.
    """
    old = daily_price(facts.price_ore, facts.interval_months)
    new = daily_price(new_price_ore, new_interval_months)
    ct = facts.charged_through
    remaining = charged_days(facts, today, ct) if ct is not None and ct >= today else 0
    shift = downgrade_shift_days(old, new, remaining)
    new_ct = ct + timedelta(days=shift) if ct is not None else None
    return DowngradePlan(remaining, shift, new_ct)
