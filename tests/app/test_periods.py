"""Calendar months, lengths and debit grids (SPEC §4: lengths in calendar months)."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.domain.periods import (
    Length,
    add_months,
    days_in_spans,
    days_inclusive,
    grid_index,
    grid_interval,
    overlap_days,
)

dates = st.dates(min_value=date(2000, 1, 1), max_value=date(2060, 12, 31))


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        (date(2026, 1, 1), 1, date(2026, 2, 1)),
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2028, 1, 31), 1, date(2028, 2, 29)),  # leap year
        (date(2026, 3, 31), 1, date(2026, 4, 30)),
        (date(2026, 11, 15), 3, date(2027, 2, 15)),
        (date(2026, 3, 31), -1, date(2026, 2, 28)),
        (date(2026, 1, 15), -13, date(2024, 12, 15)),
        (date(2026, 5, 5), 0, date(2026, 5, 5)),
    ],
)
def test_add_months_is_calendar_months_clamped_to_month_end(start, n, expected):
    assert add_months(start, n) == expected


def test_length_after_and_end_inclusive():
    month = Length(1, "månader")
    assert month.after(date(2026, 1, 1)) == date(2026, 2, 1)
    assert month.end_inclusive(date(2026, 1, 1)) == date(2026, 1, 31)
    # 31 Jan + 1 månad = 28 Feb, so a month from 31 Jan ends 27 Feb.
    assert month.end_inclusive(date(2026, 1, 31)) == date(2026, 2, 27)
    assert Length(14, "dagar").after(date(2026, 3, 1)) == date(2026, 3, 15)
    assert Length(14, "dagar").end_inclusive(date(2026, 3, 1)) == date(2026, 3, 14)
    assert Length(12, "månader").end_inclusive(date(2026, 3, 1)) == date(2027, 2, 28)
    assert Length(0, "dagar").end_inclusive(date(2026, 3, 1)) == date(2026, 2, 28)


@pytest.mark.parametrize(
    ("length", "text"),
    [
        (Length(1, "månader"), "1 månad"),
        (Length(12, "månader"), "12 månader"),
        (Length(14, "dagar"), "14 dagar"),
        (Length(1, "dagar"), "1 dag"),
        (Length(0, "månader"), "0 månader"),
    ],
)
def test_length_reads_as_swedish(length, text):
    assert str(length) == text


def test_length_rejects_unknown_unit_and_negative_number():
    with pytest.raises(ValueError):
        Length(1, "veckor")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        Length(-1, "dagar")


def test_days_inclusive_and_overlap():
    assert days_inclusive(date(2026, 3, 1), date(2026, 3, 31)) == 31
    assert days_inclusive(date(2026, 3, 1), date(2026, 3, 1)) == 1
    assert days_inclusive(date(2026, 3, 2), date(2026, 3, 1)) == 0
    assert overlap_days(date(2026, 3, 1), date(2026, 3, 31), date(2026, 3, 20), date(2026, 4, 10)) == 12
    assert overlap_days(date(2026, 3, 1), date(2026, 3, 10), date(2026, 3, 11), date(2026, 4, 10)) == 0
    spans = [(date(2026, 3, 5), date(2026, 3, 6)), (date(2026, 3, 30), date(2026, 4, 2))]
    assert days_in_spans(date(2026, 3, 1), date(2026, 3, 31), spans) == 4


def test_grid_anchored_at_the_31st_does_not_drift():
    anchor = date(2026, 1, 31)
    assert grid_interval(anchor, 1, date(2026, 2, 10)) == (date(2026, 1, 31), date(2026, 2, 27))
    assert grid_interval(anchor, 1, date(2026, 3, 5)) == (date(2026, 2, 28), date(2026, 3, 30))
    # back on the 31st in March, not stuck on the 28th
    assert grid_interval(anchor, 1, date(2026, 4, 1)) == (date(2026, 3, 31), date(2026, 4, 29))
    assert grid_index(anchor, 1, date(2026, 1, 30)) == -1
    assert grid_interval(date(2026, 1, 1), 3, date(2026, 5, 20)) == (date(2026, 4, 1), date(2026, 6, 30))


@settings(deadline=None, max_examples=200)
@given(dates, st.integers(min_value=-60, max_value=60))
def test_add_months_round_trips_when_no_clamping(d, n):
    moved = add_months(d, n)
    assert (moved.year * 12 + moved.month) - (d.year * 12 + d.month) == n
    assert moved.day <= d.day
    if d.day <= 28:
        assert add_months(moved, -n) == d


@settings(deadline=None, max_examples=200)
@given(dates, st.integers(min_value=1, max_value=12), dates)
def test_grid_interval_contains_the_day_and_tiles(anchor, m, day):
    first, last = grid_interval(anchor, m, day)
    assert first <= day <= last
    assert grid_interval(anchor, m, last + timedelta(days=1))[0] == last + timedelta(days=1)
