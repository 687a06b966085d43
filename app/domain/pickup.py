"""Hämta ut onlineköp: how many days debiterat t.o.m. moves forward at pickup (SPEC §5 flow 5).

The subscription of an online purchase runs from the online registration; at
pickup its charged-through date moves forward by
``min(days since the registration, "Max antal dagar att förlänga uthämtade
abonnemang vid uthämtningstillfället")``. With the default 14: picked up 10 days
after registering -> 10 days; 20 days after -> 14 days.
"""
from __future__ import annotations

from datetime import date, timedelta

from app.errors import ValidationError


def pickup_extension_days(registered_on: date, today: date, max_days: int) -> int:
    """Days to add to debiterat t.o.m. when the purchase is picked up today."""
    if isinstance(max_days, bool) or not isinstance(max_days, int) or max_days < 0:
        raise ValidationError("Max antal dagar att förlänga måste vara 0 eller fler.")
    if registered_on > today:
        raise ValidationError("Onlineköpet kan inte vara registrerat senare än idag.")
    return min((today - registered_on).days, max_days)


def pickup_charged_through(
    charged_through: date, registered_on: date, today: date, max_days: int
) -> date:
    """The new debiterat t.o.m. after pickup today."""
    return charged_through + timedelta(days=pickup_extension_days(registered_on, today, max_days))
