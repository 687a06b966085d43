"""The injected clock: the only source of "today" and "now" in the core.

Nothing in `app/` calls `date.today()` or `datetime.now()`; it asks a Clock,
so tests and the scheduled job can run on any day they like.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

STOCKHOLM = ZoneInfo("Europe/Stockholm")


class Clock:
    """Real time. `today()` is the local (Swedish) calendar day."""

    def now(self) -> datetime:
        return datetime.now(timezone.utc)

    def today(self) -> date:
        return self.now().astimezone(STOCKHOLM).date()


@dataclass
class FixedClock(Clock):
    """A clock standing still at a given moment; `advance()` moves it."""

    moment: datetime = field(default_factory=lambda: datetime(2026, 11, 22, 9, 0, tzinfo=timezone.utc))

    @classmethod
    def on(cls, day: date, hour: int = 9) -> "FixedClock":
        local = datetime(day.year, day.month, day.day, hour, tzinfo=STOCKHOLM)
        return cls(local.astimezone(timezone.utc))

    def now(self) -> datetime:
        return self.moment

    def advance(self, **kwargs: float) -> None:
        self.moment = self.moment + timedelta(**kwargs)
