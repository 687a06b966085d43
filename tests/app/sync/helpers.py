"""Rows written straight to the server for the sync tests (persons with a card, a photo)."""
from __future__ import annotations

import time
from datetime import date, datetime, timezone

from sqlalchemy import text

from app.domain.text import fold

NOW = datetime(2026, 11, 22, 8, 0, tzinfo=timezone.utc)


def add_person(conn, n: int, *, first: str = "Åsa", last: str = "Ström", card: str | None = None,
               photo: bytes | None = None) -> int:
    """Insert person n (customer number 10000+n) with an active card; returns the id."""
    from db.models import Card, Person, Photo

    pid = conn.execute(Person.__table__.insert().returning(Person.id), {
        "customer_number": 10000 + n, "personnummer": None, "birth_date": date(1980, 1, 1),
        "first_name": first, "last_name": last, "first_name_norm": fold(first), "last_name_norm": fold(last),
        "is_coordination": False, "customer_type": "ordinarie", "protected_identity": False,
        "marketing_email_ok": False, "marketing_sms_ok": False, "registered_with_routines": False,
        "created_at": NOW, "updated_at": NOW}).scalar()
    conn.execute(Card.__table__.insert(), {"person_id": pid, "card_number": card or f"C{n:06d}", "status": "aktivt",
                                          "issued_at": NOW})
    if photo is not None:
        conn.execute(Photo.__table__.insert(), {"person_id": pid, "jpeg": photo, "taken_at": NOW, "is_current": True})
    return pid


def clear_feed(engine) -> None:
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM reception_sync.changes"))


def until(predicate, limit: float) -> float:
    """Wait until predicate() holds; the seconds it took (AssertionError after `limit`)."""
    start = time.monotonic()
    while not predicate():
        if time.monotonic() - start > limit:
            raise AssertionError(f"not within {limit} s")
        time.sleep(0.01)
    return time.monotonic() - start
