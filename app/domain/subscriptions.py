"""The subscription model the routines compute with: facts, freezes, coverage, value of days, lagging.

Pure, Qt-free and database-free. The routines load a subscription into a frozen
:class:`SubscriptionFacts`, ask the functions here and in ``debit``, ``notice``,
``pricing``, ``freeze``, ``pickup`` and ``eligibility`` what would happen, and
write the answer back. See docs/decisions/subscription-arithmetic.md.

Words
-----
* **debiterat t.o.m.** (``charged_through``): the last day the subscription is
  *covered*. Covered days are paid days, plus the frozen days a freeze makes
  free of charge, plus paid days moved forward by a freeze or a downgrade.
  ``None`` means nothing has been charged yet (coverage ends the day before start).
* **free days**: the days of a freeze that are not charged (all of them, or,
  with "Debitera fryst abonnemang under bindningstiden", those after the
  binding end). Debits skip free days; a day is never both free and charged.
* **dagar tillgodo** (``credit_days``): frozen days that *were* charged during the
  binding period (the binding-period variant); they are given back at the first
  debit after the binding end.

Value of days (the one pricing rule)
------------------------------------
A price is per debit interval (``interval_months`` months). To value a span of
days it is cut at the interval boundaries of a grid: each whole interval costs
the price, a part of an interval costs ``price × days / days in that interval``.
The grid of an AG subscription is anchored at its start date; a kontant
subscription's grid starts at the first day of the span being charged (so N
intervals bought cost exactly N × price). Fractions are kept exact and each
line is rounded once, half up, to whole öre.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from fractions import Fraction
from typing import Literal, Sequence

from app.domain.periods import (
    ONE_DAY,
    days_in_spans,
    days_inclusive,
    grid_boundary,
    grid_index,
    grid_interval,
)

Kind = Literal["AG", "kontant"]
KINDS: tuple[Kind, ...] = ("AG", "kontant")


def round_half_up(value: Fraction | int) -> int:
    """Round to a whole number, halves away from zero (0.5 öre -> 1 öre)."""
    value = Fraction(value)
    if value >= 0:
        return int((value + Fraction(1, 2)).__floor__())
    return -int((-value + Fraction(1, 2)).__floor__())


@dataclass(frozen=True)
class Freeze:
    """One freeze period (frysning) of one subscription, inclusive dates.

    ``charged_until`` is set when the freeze was planned with "Debitera fryst
    abonnemang under bindningstiden": frozen days up to and including it (the
    binding end) are still charged and became credit days instead of free days.
    """

    start: date
    end: date
    charged_until: date | None = None

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError("a freeze ends on or after its start")

    @property
    def free_span(self) -> tuple[date, date] | None:
        """The days of this freeze that are not charged, or None when all are charged."""
        first = self.start
        if self.charged_until is not None and self.charged_until >= first:
            first = self.charged_until + ONE_DAY
        return (first, self.end) if first <= self.end else None

    def status(self, today: date) -> Literal["framtida", "pågående", "avslutad"]:
        if today < self.start:
            return "framtida"
        if today <= self.end:
            return "pågående"
        return "avslutad"

    @property
    def length_days(self) -> int:
        return days_inclusive(self.start, self.end)


@dataclass(frozen=True)
class SubscriptionFacts:
    """What the arithmetic needs to know about one (main or add-on) subscription.

    ``price_ore`` is the price of one debit interval of ``interval_months`` months
    (for kontant: of one validity period). ``end`` is the slutdatum of a cancelled
    subscription. ``freezes`` holds all freezes (past, ongoing, future), disjoint.
    ``key`` identifies the subscription in plan lines (e.g. its id or product name).
    """

    key: str
    kind: Kind
    price_ore: int
    interval_months: int
    start: date
    charged_through: date | None
    binding_end: date | None = None
    end: date | None = None
    notice_months: int = 0
    credit_days: int = 0
    freezes: tuple[Freeze, ...] = field(default=())

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}")
        if not isinstance(self.price_ore, int) or self.price_ore < 0:
            raise ValueError("price_ore must be a non-negative int (öre)")
        if self.interval_months < 1:
            raise ValueError("interval_months must be at least 1")
        if self.credit_days < 0 or self.notice_months < 0:
            raise ValueError("credit_days and notice_months cannot be negative")

    @property
    def covered_until(self) -> date:
        """``charged_through``, or the day before start when nothing is charged yet."""
        return self.charged_through if self.charged_through is not None else self.start - ONE_DAY

    @property
    def free_spans(self) -> tuple[tuple[date, date], ...]:
        return tuple(s for s in (f.free_span for f in self.freezes) if s is not None)

    def current_freeze(self, today: date) -> Freeze | None:
        """The ongoing or future freeze, if any (there is at most one)."""
        for f in sorted(self.freezes, key=lambda f: f.start):
            if f.end >= today:
                return f
        return None

    def replace(self, **changes) -> "SubscriptionFacts":
        return replace(self, **changes)


def credit_usable(facts: SubscriptionFacts) -> bool:
    """Credit days can be used once coverage has reached the binding end."""
    return facts.credit_days > 0 and (
        facts.binding_end is None or facts.covered_until >= facts.binding_end
    )


def skip_credit_days(facts: SubscriptionFacts, first: date, credit: int) -> date:
    """The first day after spending ``credit`` credit days from ``first`` on; free days do not use credit."""
    day, remaining = first, credit
    spans = sorted(facts.free_spans)
    while remaining > 0:
        inside = next(((a, b) for a, b in spans if a <= day <= b), None)
        if inside is not None:
            day = inside[1] + ONE_DAY
            continue
        upcoming = [a for a, _ in spans if a > day]
        chunk = remaining if not upcoming else min(remaining, (min(upcoming) - day).days)
        day += chunk * ONE_DAY
        remaining -= chunk
    return day


def effective_charged_through(facts: SubscriptionFacts) -> date:
    """Coverage including usable credit days (those are given back before the next charge)."""
    if not credit_usable(facts):
        return facts.covered_until
    return skip_credit_days(facts, facts.covered_until + ONE_DAY, facts.credit_days) - ONE_DAY


# --- value of days -------------------------------------------------------------------------


def daily_price(price_ore: int, interval_months: int) -> Fraction:
    """Nominal daily price: price × 12 / (365 × interval months), exact.

    Used only by the downgrade formula (SPEC §6), whose result depends on the
    ratio of two daily prices; everything that charges money uses :func:`span_value`.
    """
    return Fraction(price_ore * 12, 365 * interval_months)


def grid_value(
    price_ore: int,
    interval_months: int,
    anchor: date,
    first: date,
    last: date,
    free: Sequence[tuple[date, date]] = (),
) -> Fraction:
    """Exact value of the non-free days of [first, last] on the grid anchored at ``anchor``."""
    if last < first:
        return Fraction(0)
    total = Fraction(0)
    k = grid_index(anchor, interval_months, first)
    while True:
        lo = grid_boundary(anchor, interval_months, k)
        if lo > last:
            return total
        hi = grid_boundary(anchor, interval_months, k + 1) - ONE_DAY
        a, b = max(lo, first), min(hi, last)
        charged = days_inclusive(a, b) - days_in_spans(a, b, free)
        total += Fraction(price_ore * charged, days_inclusive(lo, hi))
        k += 1


def span_value(facts: SubscriptionFacts, first: date, last: date) -> Fraction:
    """Exact value of the days [first, last] this subscription charges (its free days excluded)."""
    anchor = facts.start if facts.kind == "AG" else first
    return grid_value(facts.price_ore, facts.interval_months, anchor, first, last, facts.free_spans)


def charged_days(facts: SubscriptionFacts, first: date, last: date) -> int:
    """Days of [first, last] that are charged, i.e. not free because of a freeze."""
    return days_inclusive(first, last) - days_in_spans(first, last, facts.free_spans)


# --- lagging -----------------------------------------------------------------------------


def expected_charged_through(facts: SubscriptionFacts, today: date) -> date:
    """The date coverage must reach today (SPEC §1.4 Decision).

    kontant: today (validity must include today). AG: the last day of the debit
    interval that contains today (grid anchored at the start). Never after the
    slutdatum of a cancelled subscription; before the start nothing is expected.
    """
    if today < facts.start:
        return facts.start - ONE_DAY
    if facts.kind == "kontant":
        expected = today
    else:
        expected = grid_interval(facts.start, facts.interval_months, today)[1]
    if facts.end is not None:
        expected = min(expected, facts.end)
    return expected


def is_lagging(facts: SubscriptionFacts, today: date) -> bool:
    """Släpande: covered (incl. usable credit days) to an earlier date than expected."""
    return effective_charged_through(facts) < expected_charged_through(facts, today)
