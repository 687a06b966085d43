"""Sequential numbers (customer, order, invoice) that work the same on SQLite and PostgreSQL.

The counter row is updated in the caller's transaction, so the number is taken
only if the routine commits; on PostgreSQL the row lock serialises two desks.
"""
from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

START = {"customer_number": 10001, "order_number": 100001, "invoice_number": 500001}


def next_number(session: Session, name: str) -> int:
    from db.models import Counter

    result = session.execute(
        update(Counter).where(Counter.name == name).values(value=Counter.value + 1).returning(Counter.value)
    ).scalar_one_or_none()
    if result is not None:
        return result
    session.add(Counter(name=name, value=START[name]))
    session.flush()
    return START[name]


def peek(session: Session, name: str) -> int | None:
    from db.models import Counter

    return session.scalar(select(Counter.value).where(Counter.name == name))


def next_numbers(session: Session, name: str, count: int) -> int:
    """Take ``count`` consecutive numbers in one statement; returns the first (bulk work, e.g. autogiro)."""
    from db.models import Counter

    if count < 1:
        raise ValueError("count must be at least 1")
    last = session.execute(
        update(Counter).where(Counter.name == name).values(value=Counter.value + count).returning(Counter.value)
    ).scalar_one_or_none()
    if last is not None:
        return last - count + 1
    session.add(Counter(name=name, value=START[name] + count - 1))
    session.flush()
    return START[name]
