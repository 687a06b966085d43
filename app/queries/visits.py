"""Visits read back (issue 13): the person card's Besök tab and the Dagsöversikt.

Both read only indexed ranges of `visits`: a person's newest visits walk ix_visits_person_at
backwards; the day overview counts by (local_date, local_hour, verdict) from ix_visits_day alone —
today and the same weekday in each of the last eight weeks, nine days of index entries whatever
the table's size — and lists today's refused check-ins.

What counts: a visit "checked in" is one that got in (Välkommen, or Nekad and then let in by hand);
refused visits are counted and listed apart. A second swipe within the double-swipe minutes is the
same visit (app.routines.checkin), so nothing is counted twice.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

VERDICT_NAMES = {"valkommen": "Välkommen", "nekad": "Nekad", "inslappt": "Insläppt ändå"}
ADMITTED = ("valkommen", "inslappt")
WEEKS_BACK = 8
MAX_PERSON_VISITS = 200


@dataclass(frozen=True)
class VisitRow:
    id: int
    at: datetime
    desk: str
    method: str                # kort / manuell
    verdict: str
    reason_text: str | None
    swipes: int
    let_in_by: str | None      # full name of whoever let the member in
    let_in_reason: str | None

    @property
    def verdict_name(self) -> str:
        return VERDICT_NAMES[self.verdict]


def person_visits(session: Session, person_id: int, limit: int = MAX_PERSON_VISITS) -> list[VisitRow]:
    """The person's newest visits first."""
    from db.models import User, Visit

    letter = aliased(User)
    rows = session.execute(
        select(Visit.id, Visit.at, Visit.desk, Visit.method, Visit.verdict, Visit.reason_text, Visit.swipes,
               letter.full_name, Visit.let_in_reason)
        .outerjoin(letter, letter.id == Visit.let_in_by)
        .where(Visit.person_id == person_id).order_by(Visit.at.desc(), Visit.id.desc()).limit(limit)).all()
    return [VisitRow(*row) for row in rows]


@dataclass(frozen=True)
class RefusedRow:
    at: datetime
    name: str                  # the person's name, or "Okänt kort 1234" for a card that is nobody's
    customer_number: int | None
    reason_text: str
    let_in: bool
    let_in_reason: str | None


@dataclass(frozen=True)
class DayOverview:
    day: date
    today_by_hour: tuple[int, ...]        # 24 counts: visits that got in, per local hour
    average_by_hour: tuple[float, ...]    # 24: the same weekday's average over the last eight weeks
    weeks: int                            # how many of those weeks the average is over
    checked_in: int                       # got in today
    refused: int                          # refused today (let in by hand not counted here)
    refused_rows: tuple[RefusedRow, ...]  # today's refused check-ins, newest first (those let in too)


def day_overview(session: Session, day: date, weeks: int = WEEKS_BACK, max_refused: int = 500) -> DayOverview:
    from db.models import Person, Visit

    earlier = [day - timedelta(days=7 * n) for n in range(1, weeks + 1)]
    counts = session.execute(
        select(Visit.local_date, Visit.local_hour, Visit.verdict, func.count())
        .where(Visit.local_date.in_([day, *earlier]))
        .group_by(Visit.local_date, Visit.local_hour, Visit.verdict)).all()
    today = [0] * 24
    before = [0] * 24
    refused = 0
    for local_date, hour, verdict, n in counts:
        if verdict not in ADMITTED:
            if local_date == day:
                refused += n
            continue
        if local_date == day:
            today[hour] += n
        else:
            before[hour] += n
    rows = session.execute(
        select(Visit.at, Visit.card_number, Visit.reason_text, Visit.verdict, Visit.let_in_reason,
               Person.first_name, Person.last_name, Person.customer_number)
        .outerjoin(Person, Person.id == Visit.person_id)
        .where(Visit.local_date == day, Visit.verdict.in_(("nekad", "inslappt")))
        .order_by(Visit.at.desc(), Visit.id.desc()).limit(max_refused)).all()
    refused_rows = tuple(
        RefusedRow(at=r.at, name=f"{r.first_name} {r.last_name}" if r.first_name is not None
                   else f"Okänt kort {r.card_number}", customer_number=r.customer_number,
                   reason_text=r.reason_text or "", let_in=r.verdict == "inslappt", let_in_reason=r.let_in_reason)
        for r in rows)
    return DayOverview(day=day, today_by_hour=tuple(today), average_by_hour=tuple(n / weeks for n in before),
                       weeks=weeks, checked_in=sum(today), refused=refused, refused_rows=refused_rows)
