"""Debitera: what to charge for N debit intervals, for "Debitera ikapp", and up to a given date.

SPEC §6 "Debitera": choose 1 … max intervals ("Max antal debiteringsintervall att
förskottsbetala abonnemang"), or, when the subscription is lagging, "Debitera
ikapp" = exactly what is needed to stop lagging. Add-ons are charged to the same
date as the main subscription.

Rules (docs/decisions/subscription-arithmetic.md):

* Charging starts the day after ``charged_through`` (or at the start). Usable
  credit days (dagar tillgodo, binding-period freeze variant) are given first:
  they move the first charged day forward and are used up.
* AG: N intervals end on a boundary of the debit grid anchored at the start. If
  coverage is off the grid (after a freeze credit or a downgrade) the first
  interval is a part interval and costs its share of days — "nästa dragning
  blir billigare". kontant: N intervals of ``interval_months`` follow on from the
  first charged day and cost exactly N × price.
* Free (frozen) days inside the charged span cost nothing; if the new
  charged-through date falls inside a freeze, coverage runs on to the freeze end.
* "i förväg" is a horizon: coverage may not go beyond ``max_intervals``
  intervals after the date expected today (see :func:`max_debit_intervals`).
* "Debitera ikapp" charges the fewest whole intervals that reach the expected
  date (AG: exactly the end of the current interval; kontant: whole validity
  periods, so an expired 12-month card is renewed for 12 months).
* Never beyond the slutdatum of a cancelled subscription.
* Each line's amount is rounded once, half up, to whole öre.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal, Sequence

from app.domain.periods import ONE_DAY, add_months, grid_boundary, grid_index, iso
from app.domain.subscriptions import (
    SubscriptionFacts,
    charged_days,
    credit_usable,
    effective_charged_through,
    expected_charged_through,
    is_lagging,
    round_half_up,
    skip_credit_days,
    span_value,
)
from app.errors import ValidationError

IKAPP: Literal["ikapp"] = "ikapp"


@dataclass(frozen=True)
class DebitLine:
    """One order line: subscription, period charged (inclusive), amount in öre.

    ``period_from`` is the day after the old debiterat t.o.m., ``period_to`` the new
    one. The first ``credit_days_used`` days of the period are dagar tillgodo and
    cost nothing; ``charged_days`` counts the days that cost money (credit days and
    frozen free days excluded).
    """

    subscription_key: str
    period_from: date
    period_to: date
    amount_ore: int
    charged_days: int
    credit_days_used: int = 0


@dataclass(frozen=True)
class DebitPlan:
    lines: tuple[DebitLine, ...]
    new_charged_through: date
    intervals: int | None = None

    @property
    def total_ore(self) -> int:
        return sum(line.amount_ore for line in self.lines)

    def line_for(self, key: str) -> DebitLine | None:
        return next((line for line in self.lines if line.subscription_key == key), None)

    def apply(self, facts: SubscriptionFacts) -> SubscriptionFacts:
        """The subscription as it is after this plan is carried out."""
        line = self.line_for(facts.key)
        if line is None:
            return facts
        return facts.replace(
            charged_through=line.period_to,
            credit_days=facts.credit_days - line.credit_days_used,
        )


def _first_charge_day(facts: SubscriptionFacts) -> tuple[date, int]:
    """First day to charge and the credit days given before it."""
    credit = facts.credit_days if credit_usable(facts) else 0
    return skip_credit_days(facts, facts.covered_until + ONE_DAY, credit), credit


def _target(facts: SubscriptionFacts, first: date, intervals: int) -> date:
    """Last day covered after charging ``intervals`` intervals from ``first`` (capped at slutdatum)."""
    if facts.kind == "AG":
        base = max(first, facts.start)
        k0 = grid_index(facts.start, facts.interval_months, base)
        target = grid_boundary(facts.start, facts.interval_months, k0 + intervals) - ONE_DAY
    else:
        target = add_months(first, intervals * facts.interval_months) - ONE_DAY
    if facts.end is not None:
        target = min(target, facts.end)
    return target


def _run_through_free(facts: SubscriptionFacts, day: date) -> date:
    """Coverage ending on ``day`` runs on through a freeze that ``day`` lies inside."""
    for a, b in facts.free_spans:
        if a <= day < b:
            return b
    return day


def charge_to(facts: SubscriptionFacts, target: date) -> DebitLine | None:
    """The line that brings ``facts`` to ``target`` (None when already covered that far).

    The line's period starts the day after the old charged-through date; usable
    credit days are spent first (only as many as needed to reach ``target``).
    """
    period_from = facts.covered_until + ONE_DAY
    if target < period_from:
        return None
    first, credit = _first_charge_day(facts)
    if target < first:
        # The credit days alone reach the target: spend only those needed.
        return DebitLine(
            facts.key, period_from, _run_through_free(facts, target), 0, 0,
            charged_days(facts, period_from, target),
        )
    return DebitLine(
        subscription_key=facts.key,
        period_from=period_from,
        period_to=_run_through_free(facts, target),
        amount_ore=round_half_up(span_value(facts, first, target)),
        charged_days=charged_days(facts, first, target),
        credit_days_used=credit,
    )


def _plan_to(main: SubscriptionFacts, addons: Sequence[SubscriptionFacts], target: date,
             intervals: int | None) -> DebitPlan:
    main_line = charge_to(main, target)
    new_ct = main_line.period_to if main_line else main.covered_until
    lines = [main_line] if main_line else []
    for addon in addons:
        line = charge_to(addon, new_ct)
        if line is not None:
            lines.append(line)
    return DebitPlan(tuple(lines), new_ct, intervals)


def prepay_horizon(main: SubscriptionFacts, max_intervals: int, today: date) -> date:
    """The furthest debiterat t.o.m. allowed: ``max_intervals`` intervals beyond today's expected date."""
    expected = expected_charged_through(main, today)
    return _target(main, expected + ONE_DAY, max_intervals)


def max_debit_intervals(main: SubscriptionFacts, max_intervals: int, today: date) -> int:
    """How many intervals may be charged now (0 … max_intervals) — the upper bound for the UI."""
    horizon = prepay_horizon(main, max_intervals, today)
    first, _ = _first_charge_day(main)
    if main.end is not None and first > main.end:
        return 0
    allowed = 0
    previous = main.covered_until
    for n in range(1, max_intervals + 1):
        target = _target(main, first, n)
        if target > horizon or target <= previous:
            break
        allowed, previous = n, target
    return allowed


def catch_up_intervals(main: SubscriptionFacts, today: date) -> int:
    """Number of intervals "Debitera ikapp" charges (0 when not lagging)."""
    if not is_lagging(main, today):
        return 0
    expected = expected_charged_through(main, today)
    first, _ = _first_charge_day(main)
    n = 1
    while _target(main, first, n) < expected:
        n += 1
    return n


def debit_plan(
    main: SubscriptionFacts,
    addons: Sequence[SubscriptionFacts],
    intervals: int | Literal["ikapp"],
    max_intervals: int,
    today: date,
) -> DebitPlan:
    """Lines, new charged-through date and total for "Debitera".

    ``intervals`` is 1 … ``max_intervals`` or ``"ikapp"`` (only when lagging; it is
    not limited by the maximum, since it only reaches the expected date).
    Raises ValidationError (Swedish) for anything the receptionist must change.
    """
    if max_intervals < 1:
        raise ValidationError("Inställningen för max antal debiteringsintervall måste vara minst 1.")
    if main.end is not None and effective_charged_through(main) >= main.end:
        raise ValidationError(
            f"Abonnemanget är redan debiterat t.o.m. slutdatumet {iso(main.end)}.", field="intervals"
        )
    if intervals == IKAPP:
        n = catch_up_intervals(main, today)
        if n == 0:
            raise ValidationError(
                "Abonnemanget är inte släpande. Välj antal debiteringsintervall i stället.",
                field="intervals",
            )
        first, _ = _first_charge_day(main)
        return _plan_to(main, addons, _target(main, first, n), n)
    if isinstance(intervals, bool) or not isinstance(intervals, int) or not 1 <= intervals <= max_intervals:
        raise ValidationError(
            f"Antal debiteringsintervall måste vara mellan 1 och {max_intervals}.", field="intervals"
        )
    allowed = max_debit_intervals(main, max_intervals, today)
    if intervals > allowed:
        if allowed == 0:
            raise ValidationError(
                f"Abonnemanget är redan förskottsbetalt så långt det går (t.o.m. "
                f"{iso(main.covered_until)}); högst {max_intervals} debiteringsintervall i förväg.",
                field="intervals",
            )
        raise ValidationError(
            f"Abonnemanget kan förskottsbetalas högst {allowed} debiteringsintervall till "
            f"(högst {max_intervals} i förväg).",
            field="intervals",
        )
    first, _ = _first_charge_day(main)
    return _plan_to(main, addons, _target(main, first, intervals), intervals)


def charge_through_date(
    main: SubscriptionFacts, addons: Sequence[SubscriptionFacts], target: date
) -> DebitPlan:
    """Charge main and add-ons up to ``target`` (slutbetalning, catch-up after a thaw)."""
    return _plan_to(main, addons, target, None)


def catch_up_plan(
    main: SubscriptionFacts, addons: Sequence[SubscriptionFacts], today: date
) -> DebitPlan | None:
    """"Betala ikapp" for an AG subscription that lags today; None when nothing is due."""
    if main.kind != "AG" or not is_lagging(main, today):
        return None
    plan = _plan_to(main, addons, expected_charged_through(main, today), None)
    return plan if plan.lines else None


def next_debit(main: SubscriptionFacts, addons: Sequence[SubscriptionFacts]) -> DebitPlan | None:
    """AG: what the next autogiro debit covers and costs — one debit interval from the first uncharged
    day, add-ons to the same date, free (frozen) days excluded. None for kontant, and when nothing is
    left to charge before a cancelled subscription's slutdatum. The person card's overview shows it."""
    if main.kind != "AG":
        return None
    if main.end is not None and effective_charged_through(main) >= main.end:
        return None
    first, _ = _first_charge_day(main)
    plan = _plan_to(main, addons, _target(main, first, 1), 1)
    return plan if plan.lines else None
