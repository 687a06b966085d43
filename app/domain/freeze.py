"""Frys, Tina upp, Förkorta frysning, Förläng frysning: freeze periods and what they do to coverage.

The model (docs/decisions/subscription-arithmetic.md, "Freezes"):

* A freeze [start, end] makes its days *free*: they are covered without being
  charged. Paid days that fall inside the freeze ("frysta debiterade dagar
  tillgodo") are credited: debiterat t.o.m. moves on past the freeze by that many
  days. So for a freeze that starts within or right after the paid period::

      new charged-through = max(charged-through, freeze end) + paid days inside the freeze

  (kontant: the validity is extended; AG: the next debit starts later / is a
  smaller part interval). A freeze that starts after a gap of unpaid days
  leaves the date alone; the debit skips the free days when it gets there.
* "Debitera fryst abonnemang under bindningstiden" (AG only): frozen days up to
  the binding end are still debited and become credit days (dagar tillgodo)
  given back at the first debit after the binding end; the rest of the freeze
  is free as usual.
* Shortening / thawing takes free days back out of coverage (debiterat t.o.m.
  moves back by the free days that were covered); extending adds them with the
  rule above. Extending and then shortening back restores the original state.
* For AG, a thaw or shorten that leaves the subscription lagging today must be
  paid now ("betala ikapp"): the catch-up plan charges up to the end of the
  current debit interval (main + add-ons to the same date).

Limits: "Kortast tillåtna frysperiod" (a new freeze, a shortened freeze and the
day an ongoing freeze can thaw) and "Längsta tillåtna frysperiod" (a new freeze
and the total after an extension: frozen 9 months with a 12-month maximum → at
most 3 more months). A future freeze can be removed at once regardless of them.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Literal, Sequence

from app.domain.debit import DebitPlan, catch_up_plan
from app.domain.periods import ONE_DAY, Length, days_inclusive, iso, overlap_days
from app.domain.subscriptions import Freeze, Kind, SubscriptionFacts
from app.errors import ValidationError


@dataclass(frozen=True)
class FreezeRules:
    """The freeze settings of SPEC §4 (defaults: 1 månad … 12 månader, binding variant off)."""

    min: Length = field(default_factory=lambda: Length(1, "månader"))
    max: Length = field(default_factory=lambda: Length(12, "månader"))
    debit_during_binding: bool = False

    def earliest_end(self, start: date) -> date:
        """The shortest allowed freeze starting on ``start`` ends on this day."""
        return self.min.end_inclusive(start)

    def latest_end(self, start: date) -> date:
        """The longest allowed freeze starting on ``start`` ends on this day."""
        return self.max.end_inclusive(start)


@dataclass(frozen=True)
class FreezeRow:
    """One row of the Period page table: a main or add-on subscription before and after.

    ``frozen_paid_days`` ("frysta debiterade dagar tillgodo") are paid days that
    became frozen and are given back after the freeze; ``taken_back_days`` are
    covered free days a thaw or shorten turns back into days to pay for;
    ``shift_days`` is how far debiterat t.o.m. moved (free days included).
    """

    subscription_key: str
    kind: Kind
    charged_through_before: date | None
    new_charged_through: date | None
    frozen_paid_days: int
    taken_back_days: int
    shift_days: int
    credit_days_before: int
    new_credit_days: int
    freeze_before: Freeze | None
    new_freeze: Freeze | None

    @property
    def credit_days_after_binding(self) -> int:
        """Change of dagar tillgodo usable after the binding end (binding-period variant)."""
        return self.new_credit_days - self.credit_days_before

    @property
    def next_debit(self) -> date | None:
        """AG: first day the next debit covers (shown as "Nästa debitering"); None for kontant."""
        if self.kind != "AG" or self.new_charged_through is None:
            return None
        return self.new_charged_through + ONE_DAY

    @property
    def validity_end(self) -> date | None:
        """kontant: the (extended) last day of validity; None for AG."""
        return self.new_charged_through if self.kind == "kontant" else None

    def apply(self, facts: SubscriptionFacts) -> SubscriptionFacts:
        """``facts`` (the subscription this row is for) after the change."""
        freezes = tuple(f for f in facts.freezes if f != self.freeze_before)
        if self.new_freeze is not None:
            freezes = tuple(sorted(freezes + (self.new_freeze,), key=lambda f: f.start))
        return facts.replace(
            charged_through=self.new_charged_through,
            credit_days=self.new_credit_days,
            freezes=freezes,
        )


@dataclass(frozen=True)
class FreezePlan:
    """Frys: ``kind`` is "framtida" (starts after today) or "pågående"."""

    kind: Literal["framtida", "pågående"]
    start: date
    end: date
    rows: tuple[FreezeRow, ...]

    @property
    def main(self) -> FreezeRow:
        return self.rows[0]


@dataclass(frozen=True)
class FreezeChangePlan:
    """Tina upp / Förkorta frysning / Förläng frysning.

    ``effective`` is the first day the change takes effect (for a thaw: the day
    the subscription is active again — today, or the day the minimum is reached).
    ``new_end`` is the freeze's new last day, None when the freeze is removed.
    ``catch_up`` is the AG "betala ikapp" order (None when nothing is due).
    """

    action: Literal["tina", "förkorta", "förläng"]
    effective: date
    new_end: date | None
    rows: tuple[FreezeRow, ...]
    catch_up: DebitPlan | None = None

    @property
    def main(self) -> FreezeRow:
        return self.rows[0]

    @property
    def catch_up_ore(self) -> int:
        return self.catch_up.total_ore if self.catch_up is not None else 0


# --- the coverage arithmetic -----------------------------------------------------------------


def _split(first: date, last: date, charged_until: date | None) -> tuple[int, tuple[date, date] | None]:
    """Days of [first, last] that stay charged (binding variant) and the free part."""
    charged = 0
    if charged_until is not None and charged_until >= first:
        charged = days_inclusive(first, min(last, charged_until))
        first = charged_until + ONE_DAY
    return charged, ((first, last) if first <= last else None)


def _covered_inside(covered: date, first: date, last: date) -> int:
    return overlap_days(first, last, date.min, covered)


def _add_free(covered: date, first: date, last: date) -> tuple[date, int]:
    """Coverage after the days [first, last] become free, and the paid days credited."""
    if first > covered + ONE_DAY:
        return covered, 0  # a gap of unpaid days first: the debit skips the free days later
    paid_inside = _covered_inside(covered, first, last)
    return max(covered, last) + timedelta(days=paid_inside), paid_inside


def _row(sub: SubscriptionFacts, before: Freeze | None, after: Freeze | None) -> FreezeRow:
    covered, credit = sub.covered_until, sub.credit_days
    charged_until = (after or before).charged_until  # type: ignore[union-attr]
    if before is None and after is not None:
        added, removed = (after.start, after.end), None
    elif after is None and before is not None:
        added, removed = None, (before.start, before.end)
    elif after is not None and before is not None and after.end > before.end:
        added, removed = (before.end + ONE_DAY, after.end), None
    elif after is not None and before is not None and after.end < before.end:
        added, removed = None, (after.end + ONE_DAY, before.end)
    else:
        added = removed = None
    new_covered, paid_frozen, taken_back = covered, 0, 0
    if added is not None:
        charged, free = _split(*added, charged_until)
        credit += charged
        if free is not None:
            new_covered, paid_frozen = _add_free(covered, *free)
    if removed is not None:
        charged, free = _split(*removed, charged_until)
        credit = max(0, credit - charged)
        if free is not None:
            taken_back = _covered_inside(covered, *free)
            new_covered = covered - timedelta(days=taken_back)
    shift = (new_covered - covered).days
    return FreezeRow(
        subscription_key=sub.key,
        kind=sub.kind,
        charged_through_before=sub.charged_through,
        new_charged_through=sub.charged_through if shift == 0 else new_covered,
        frozen_paid_days=paid_frozen,
        taken_back_days=taken_back,
        shift_days=shift,
        credit_days_before=sub.credit_days,
        new_credit_days=credit,
        freeze_before=before,
        new_freeze=after,
    )


def _charged_until(sub: SubscriptionFacts, start: date, rules: FreezeRules) -> date | None:
    if (
        rules.debit_during_binding
        and sub.kind == "AG"
        and sub.binding_end is not None
        and sub.binding_end >= start
    ):
        return sub.binding_end
    return None


# --- Frys ---------------------------------------------------------------------------------


def validate_freeze_period(
    facts: SubscriptionFacts, start: date, end: date, today: date, rules: FreezeRules
) -> None:
    """Raise ValidationError (Swedish, with the field) when [start, end] cannot be frozen."""
    if rules.earliest_end(start) > rules.latest_end(start):
        raise ValidationError(
            f"Inställningarna för frysning är motstridiga: kortast {rules.min} är längre än längst {rules.max}."
        )
    if start < today:
        raise ValidationError("Frysningen kan inte börja före idag.", field="start")
    if start < facts.start:
        raise ValidationError(
            f"Frysningen kan inte börja innan abonnemanget startar ({iso(facts.start)}).", field="start"
        )
    if end < start:
        raise ValidationError("Slutdatum kan inte vara före startdatum.", field="end")
    if end < rules.earliest_end(start):
        raise ValidationError(f"Frysperioden måste vara minst {rules.min}.", field="end")
    if end > rules.latest_end(start):
        raise ValidationError(f"Frysperioden får vara högst {rules.max}.", field="end")
    current = facts.current_freeze(today)
    if current is not None:
        raise ValidationError(
            f"Abonnemanget har redan en frysning {iso(current.start)} – {iso(current.end)}. "
            "Förläng, förkorta eller tina upp den i stället.",
            field="start",
        )
    if facts.kind == "kontant" and start > facts.covered_until:
        raise ValidationError(
            f"Frysningen måste börja inom giltighetstiden (t.o.m. {iso(facts.covered_until)}).",
            field="start",
        )
    if facts.end is not None and end > facts.end:
        raise ValidationError(
            f"Frysningen kan inte sluta efter abonnemangets slutdatum {iso(facts.end)}.", field="end"
        )


def plan_freeze(
    facts: SubscriptionFacts,
    start: date,
    end: date,
    today: date,
    rules: FreezeRules,
    addons: Sequence[SubscriptionFacts] = (),
) -> FreezePlan:
    """Frys: validate the period and compute a row for the main subscription and each add-on."""
    validate_freeze_period(facts, start, end, today, rules)
    rows = [_row(facts, None, Freeze(start, end, _charged_until(facts, start, rules)))]
    for addon in addons:
        if addon.current_freeze(today) is None:
            rows.append(_row(addon, None, Freeze(start, end, _charged_until(addon, start, rules))))
    return FreezePlan("framtida" if start > today else "pågående", start, end, tuple(rows))


# --- Tina upp / Förkorta / Förläng -------------------------------------------------------------


def _current(facts: SubscriptionFacts, today: date, ongoing_only: str | None) -> Freeze:
    freeze = facts.current_freeze(today)
    if freeze is None:
        raise ValidationError("Abonnemanget är inte fryst.")
    if ongoing_only is not None and freeze.start > today:
        raise ValidationError(ongoing_only)
    return freeze


def _rows_to_end(
    main: SubscriptionFacts, addons: Sequence[SubscriptionFacts], today: date, new_end: date | None
) -> tuple[FreezeRow, ...]:
    """Rows for moving the current freeze of main and each add-on to end on ``new_end``."""
    rows = []
    for sub in (main, *addons):
        before = sub.current_freeze(today)
        if before is None:
            continue
        if new_end is None or new_end < before.start:
            after = None
        else:
            after = Freeze(before.start, new_end, before.charged_until)
        rows.append(_row(sub, before, after))
    return tuple(rows)


def _after(rows: Sequence[FreezeRow], subs: Sequence[SubscriptionFacts]) -> list[SubscriptionFacts]:
    by_key = {row.subscription_key: row for row in rows}
    return [by_key[s.key].apply(s) if s.key in by_key else s for s in subs]


def plan_thaw(
    main: SubscriptionFacts,
    today: date,
    rules: FreezeRules,
    addons: Sequence[SubscriptionFacts] = (),
) -> FreezeChangePlan:
    """Tina upp: a future freeze is removed at once; an ongoing one thaws today or at the minimum."""
    freeze = _current(main, today, None)
    if freeze.start > today:
        effective, new_end = today, None
    else:
        effective = max(today, rules.min.after(freeze.start))
        if effective > freeze.end:
            raise ValidationError(
                f"Frysningen slutar redan {iso(freeze.end)}; kortaste frysperioden ({rules.min}) "
                "gör att den inte kan tinas upp tidigare."
            )
        new_end = effective - ONE_DAY
        if new_end < freeze.start:
            new_end = None
    rows = _rows_to_end(main, addons, today, new_end)
    new_main, *new_addons = _after(rows, (main, *addons))
    return FreezeChangePlan("tina", effective, new_end, rows, catch_up_plan(new_main, new_addons, today))


def plan_shorten(
    main: SubscriptionFacts,
    new_end: date,
    today: date,
    rules: FreezeRules,
    addons: Sequence[SubscriptionFacts] = (),
) -> FreezeChangePlan:
    """Förkorta frysning: a new, earlier end (today or later, not shorter than the minimum)."""
    freeze = _current(main, today, "Endast en pågående frysning kan förkortas.")
    if new_end >= freeze.end:
        raise ValidationError(
            f"Det nya slutdatumet måste vara före nuvarande slutdatum {iso(freeze.end)}.", field="end"
        )
    if new_end < today:
        raise ValidationError(
            "Det nya slutdatumet kan inte vara före idag. Välj Tina upp för att avsluta frysningen nu.",
            field="end",
        )
    earliest = rules.earliest_end(freeze.start)
    if new_end < earliest:
        raise ValidationError(
            f"Frysperioden måste vara minst {rules.min}. Tidigaste slutdatum är {iso(earliest)}.",
            field="end",
        )
    rows = _rows_to_end(main, addons, today, new_end)
    new_main, *new_addons = _after(rows, (main, *addons))
    return FreezeChangePlan(
        "förkorta", new_end + ONE_DAY, new_end, rows, catch_up_plan(new_main, new_addons, today)
    )


def plan_extend(
    main: SubscriptionFacts,
    new_end: date,
    today: date,
    rules: FreezeRules,
    addons: Sequence[SubscriptionFacts] = (),
) -> FreezeChangePlan:
    """Förläng frysning: a later end; the whole freeze may not exceed the maximum."""
    freeze = _current(main, today, "Endast en pågående frysning kan förlängas.")
    if new_end <= freeze.end:
        raise ValidationError(
            f"Det nya slutdatumet måste vara efter nuvarande slutdatum {iso(freeze.end)}.", field="end"
        )
    latest = rules.latest_end(freeze.start)
    if new_end > latest:
        raise ValidationError(
            f"Frysperioden får vara högst {rules.max} totalt. Senaste slutdatum är {iso(latest)}.",
            field="end",
        )
    if main.end is not None and new_end > main.end:
        raise ValidationError(
            f"Frysningen kan inte sluta efter abonnemangets slutdatum {iso(main.end)}.", field="end"
        )
    rows = _rows_to_end(main, addons, today, new_end)
    return FreezeChangePlan("förläng", freeze.end + ONE_DAY, new_end, rows, None)


def latest_extension_end(freeze: Freeze, rules: FreezeRules) -> date:
    """The last day an extended freeze may end on (the maximum counted from its start)."""
    return rules.latest_end(freeze.start)
