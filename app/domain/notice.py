"""Säg upp: the end date of the notice period (uppsägningstid) and the slutbetalning.

SPEC §6: notice counted from today, or from tomorrow when "Inkludera dagens datum
i uppsägningstid" is off, and never ending before the binding period ends. Only
AG subscriptions are cancelled this way; add-ons end with the main subscription.

Worked example (notice 1 månad): today 2026-03-15, today included ->
2026-03-15 … 2026-04-14; not included -> 2026-03-16 … 2026-04-15. With a binding
end 2026-06-30 both end 2026-06-30.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Sequence

from app.domain.debit import DebitPlan, charge_through_date
from app.domain.periods import ONE_DAY, Length
from app.domain.subscriptions import SubscriptionFacts
from app.errors import ValidationError


def notice_end(today: date, notice_months: int, binding_end: date | None, include_today: bool) -> date:
    """Last day of the subscription when cancelled today.

    The notice period starts today (``include_today``) or tomorrow and lasts
    ``notice_months`` calendar months; the result is never before ``binding_end``
    and never before today (a 0-month notice ends today).
    """
    if isinstance(notice_months, bool) or not isinstance(notice_months, int) or notice_months < 0:
        raise ValidationError("Uppsägningstiden måste vara 0 månader eller fler.")
    first = today if include_today else today + ONE_DAY
    end = max(Length(notice_months, "månader").end_inclusive(first), today)
    if binding_end is not None:
        end = max(end, binding_end)
    return end


@dataclass(frozen=True)
class CancellationPlan:
    """What "Säg upp" would do: the end date and the optional slutbetalning."""

    end: date
    final_payment: DebitPlan

    @property
    def final_payment_ore(self) -> int:
        return self.final_payment.total_ore


def plan_cancellation(
    main: SubscriptionFacts,
    addons: Sequence[SubscriptionFacts],
    today: date,
    include_today: bool,
) -> CancellationPlan:
    """End date for main + add-ons, and the lines of paying the whole notice period now."""
    if main.kind != "AG":
        raise ValidationError("Endast autogiroabonnemang kan sägas upp.")
    if main.end is not None:
        raise ValidationError(f"Abonnemanget är redan uppsagt med slutdatum {main.end.isoformat()}.")
    end = notice_end(today, main.notice_months, main.binding_end, include_today)
    ended_main = main.replace(end=end)
    ended_addons = [a.replace(end=min(a.end, end) if a.end else end) for a in addons]
    return CancellationPlan(end, charge_through_date(ended_main, ended_addons, end))
