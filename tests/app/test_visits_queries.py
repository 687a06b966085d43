"""Visits read back (app.queries.visits) on SQLite and PostgreSQL: the Besök tab's rows and the
Dagsöversikt's figures, against visits written straight to the table."""
from __future__ import annotations

from datetime import date, datetime, timedelta

from app.clock import STOCKHOLM
from app.queries.visits import day_overview, person_visits
from db.models import User, Visit
from sqlalchemy import select
from tests.app import builders as b

TODAY = date(2026, 11, 22)   # a Sunday


def add_visit(core, day: date, hour: int, verdict: str = "valkommen", person_id=None, card="1", minute=0, **kw):
    at = datetime(day.year, day.month, day.day, hour, minute, tzinfo=STOCKHOLM)
    with core.sessions() as s, s.begin():
        s.add(Visit(person_id=person_id, card_number=card, at=at, local_date=day, local_hour=hour, desk="Kassa 1",
                    method="kort", verdict=verdict, swipes=1, **kw))


def test_day_overview_counts_today_and_the_same_weekday_of_eight_weeks(core):
    anna = b.add_person(core, b.person_data("850709-9805", "Anna", "Öberg"))
    for _ in range(3):
        add_visit(core, TODAY, 7, person_id=anna)
    add_visit(core, TODAY, 17, person_id=anna)
    add_visit(core, TODAY, 17, "inslappt", person_id=anna, reason_text="Skuld 10,00 kr", let_in_reason="Betalat")
    add_visit(core, TODAY, 18, "nekad", person_id=anna, reason_text="Abonnemanget är fryst", minute=5)
    add_visit(core, TODAY, 18, "nekad", card="999", reason_text="Kortet finns inte i registret", minute=10)
    for week in range(1, 9):                       # the same Sunday, eight weeks back: 2 visits at 07 each
        add_visit(core, TODAY - timedelta(days=7 * week), 7, person_id=anna)
        add_visit(core, TODAY - timedelta(days=7 * week), 7, person_id=anna)
    add_visit(core, TODAY - timedelta(days=7 * 9), 7, person_id=anna)   # nine weeks back: not counted
    add_visit(core, TODAY - timedelta(days=1), 7, person_id=anna)       # another weekday: not counted
    add_visit(core, TODAY - timedelta(days=7), 7, "nekad", person_id=anna)  # refused: not in the average
    with core.sessions() as s:
        data = day_overview(s, TODAY)
    assert data.today_by_hour[7] == 3 and data.today_by_hour[17] == 2 and data.today_by_hour[18] == 0
    assert sum(data.today_by_hour) == data.checked_in == 5
    assert data.refused == 2
    assert data.average_by_hour[7] == 2.0 and sum(data.average_by_hour) == 2.0 and data.weeks == 8
    assert [(r.name, r.reason_text, r.let_in) for r in data.refused_rows] == [
        ("Okänt kort 999", "Kortet finns inte i registret", False),
        ("Anna Öberg", "Abonnemanget är fryst", False),
        ("Anna Öberg", "Skuld 10,00 kr", True)]
    assert data.refused_rows[2].let_in_reason == "Betalat"


def test_an_empty_day(core):
    with core.sessions() as s:
        data = day_overview(s, TODAY)
    assert data.checked_in == data.refused == 0 and data.refused_rows == () and len(data.today_by_hour) == 24


def test_person_visits_newest_first_with_who_let_in(core):
    anna = b.add_person(core, b.person_data("850709-9805", "Anna", "Öberg"))
    with core.sessions() as s:
        recep = s.scalar(select(User.id).where(User.username == "recep"))
    add_visit(core, TODAY - timedelta(days=2), 10, person_id=anna)
    add_visit(core, TODAY, 8, "inslappt", person_id=anna, let_in_by=recep, let_in_reason="Glömt kortet",
              reason_text="Kortet som drogs är spärrat")
    add_visit(core, TODAY, 9, person_id=None, card="1")               # somebody else's swipe
    with core.sessions() as s:
        rows = person_visits(s, anna)
    assert [(r.at.astimezone(STOCKHOLM).hour, r.verdict_name, r.let_in_by, r.let_in_reason) for r in rows] == [
        (8, "Insläppt ändå", "Rut Reception", "Glömt kortet"), (10, "Välkommen", None, None)]
