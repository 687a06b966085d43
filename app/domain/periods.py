"""Calendar arithmetic for business periods: months, lengths, inclusive day counts, debit grids.

All periods in the reception client are *inclusive* date ranges (``first`` and
``last`` both belong to the period), the way Swedish receipts say "t.o.m.".

Months are calendar months and clamp to the end of a short month
(SPEC §4): 1 Jan + 1 månad = 1 Feb; 31 Jan + 1 månad = 28 Feb (29 in a leap year).
A period of one month that starts on ``d`` ends the day before ``add_months(d, 1)``.

A *debit grid* is the sequence of interval boundaries ``add_months(anchor, k * m)``
for every integer ``k`` (each computed from the anchor, never chained, so a
subscription that starts on the 31st does not drift to the 28th for ever).
"""
from __future__ import annotations

import calendar
import functools
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Iterable, Literal

ONE_DAY = timedelta(days=1)

Unit = Literal["dagar", "månader"]
UNITS: tuple[Unit, ...] = ("dagar", "månader")


@functools.lru_cache(maxsize=1 << 16)  # pure; the debit grids ask for the same few dates again and again
def add_months(d: date, n: int) -> date:
    """``d`` moved ``n`` calendar months (``n`` may be negative), clamped to the month's last day."""
    index = d.year * 12 + (d.month - 1) + n
    year, month0 = divmod(index, 12)
    month = month0 + 1
    day = min(d.day, calendar.monthrange(year, month)[1])
    return date(year, month, day)


def days_inclusive(first: date, last: date) -> int:
    """Number of days from ``first`` to ``last``, both included; 0 when ``last`` is before ``first``."""
    return max(0, (last - first).days + 1)


def overlap_days(first: date, last: date, other_first: date, other_last: date) -> int:
    """Number of days the inclusive ranges [first, last] and [other_first, other_last] share."""
    return days_inclusive(max(first, other_first), min(last, other_last))


def days_in_spans(first: date, last: date, spans: Iterable[tuple[date, date]]) -> int:
    """Days of [first, last] that lie in any of the (disjoint, inclusive) ``spans``."""
    return sum(overlap_days(first, last, a, b) for a, b in spans)


@dataclass(frozen=True)
class Length:
    """A length setting such as "1 månad", "12 månader" or "14 dagar" (number + unit).

    ``after(start)`` is the first day *after* a period of this length starting on
    ``start``; ``end_inclusive(start)`` is its last day. A length of 0 gives an
    empty period (``end_inclusive`` is the day before ``start``).
    """

    number: int
    unit: Unit

    def __post_init__(self) -> None:
        if self.unit not in UNITS:
            raise ValueError(f"unit must be one of {UNITS}, not {self.unit!r}")
        if not isinstance(self.number, int) or self.number < 0:
            raise ValueError("number must be a non-negative int")

    def after(self, start: date) -> date:
        if self.unit == "dagar":
            return start + timedelta(days=self.number)
        return add_months(start, self.number)

    def end_inclusive(self, start: date) -> date:
        return self.after(start) - ONE_DAY

    def __str__(self) -> str:
        if self.unit == "dagar":
            return f"{self.number} {'dag' if self.number == 1 else 'dagar'}"
        return f"{self.number} {'månad' if self.number == 1 else 'månader'}"


def months(n: int) -> Length:
    return Length(n, "månader")


def days(n: int) -> Length:
    return Length(n, "dagar")


# --- debit grids --------------------------------------------------------------------------


def grid_boundary(anchor: date, interval_months: int, k: int) -> date:
    """First day of interval ``k`` of the grid anchored at ``anchor`` (interval 0 starts at the anchor)."""
    return add_months(anchor, k * interval_months)


def grid_index(anchor: date, interval_months: int, day: date) -> int:
    """Index ``k`` of the grid interval that contains ``day`` (negative before the anchor)."""
    if interval_months < 1:
        raise ValueError("interval_months must be at least 1")
    month_diff = (day.year - anchor.year) * 12 + (day.month - anchor.month)
    k = month_diff // interval_months
    while grid_boundary(anchor, interval_months, k) > day:
        k -= 1
    while grid_boundary(anchor, interval_months, k + 1) <= day:
        k += 1
    return k


def grid_interval(anchor: date, interval_months: int, day: date) -> tuple[date, date]:
    """The inclusive grid interval (first, last) that contains ``day``."""
    k = grid_index(anchor, interval_months, day)
    return (
        grid_boundary(anchor, interval_months, k),
        grid_boundary(anchor, interval_months, k + 1) - ONE_DAY,
    )


def iso(d: date) -> str:
    """A date as Swedish users write it: 2026-03-15."""
    return d.isoformat()
