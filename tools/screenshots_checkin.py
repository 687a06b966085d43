"""Screenshots of check-in (issue 13) from the running demo app, logged in as the demo admin:
a swipe that is welcome, a swipe that is refused (with "Släpp in ändå…"), and the Dagsöversikt.

    Xvfb :13 -screen 0 1280x800x24 &  DISPLAY=:13 .venv/bin/python tools/screenshots_checkin.py

The demo database has no visits of its own: for the Dagsöversikt the script first writes a day's
worth of visits for today and the same weekday of the eight weeks before (straight into `visits`,
like benchmarks/generate.py does), then swipes two real demo cards through the window.
"""
from __future__ import annotations

import os
import random
import sys
import tempfile
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
os.environ.setdefault("RECEPTION_DATA_DIR", tempfile.mkdtemp(prefix="reception-shots-"))
sys.path.insert(0, str(ROOT))

from PySide6.QtCore import QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

import widgets.login as login_module  # noqa: E402
from app.auth import login  # noqa: E402
from reception.launcher import main  # noqa: E402
from widgets.app import application  # noqa: E402

login_module.LoginDialog.ask = classmethod(lambda cls, core, **kw: login(core, "admin", "demo"))
HOURS = {6: 5, 7: 8, 8: 6, 9: 4, 10: 3, 11: 4, 12: 6, 13: 4, 14: 3, 15: 4, 16: 7, 17: 10, 18: 10, 19: 8,
         20: 5, 21: 3}


def later(ms, fn):
    QTimer.singleShot(ms, fn)


def window():
    wins = [w for w in QApplication.instance().topLevelWidgets() if w.__class__.__name__ == "MainWindow" and w.isVisible()]
    return wins[0] if wins else None


def pick_cards(core):
    """A welcome card and a refused (frozen) card among the demo's active cards, with a photo if possible."""
    from sqlalchemy import select

    from app.checkin import CheckInRules, decide
    from app.routines.checkin import load_checkin_facts
    from app.settings import load_settings
    from db.models import Card, Photo

    today = core.clock.today()
    welcome = refused = None
    with core.sessions() as s:
        rules = CheckInRules.from_settings(load_settings(s))
        photos = set(s.scalars(select(Photo.person_id).where(Photo.is_current.is_(True))))
        cards = s.execute(select(Card.person_id, Card.card_number).where(Card.status == "aktivt")
                          .order_by(Card.id)).all()
        for person_id, number in sorted(cards, key=lambda c: c[0] not in photos):
            verdict = decide(load_checkin_facts(s, person_id, today, "aktivt"), rules, today)
            if verdict.admitted and not verdict.notes and welcome is None:
                welcome = number
            if not verdict.admitted and verdict.code == "fryst" and refused is None:
                refused = number
            if welcome and refused:
                break
    return welcome, refused


def seed_visits(core):
    from sqlalchemy import select

    from app.clock import STOCKHOLM
    from db.models import Person, Visit

    rng = random.Random(2026)
    today = core.clock.today()
    local_now = core.clock.now().astimezone(STOCKHOLM)
    now_hour = local_now.hour
    with core.sessions() as s, s.begin():
        ids = list(s.scalars(select(Person.id)))
        for week in range(0, 9):
            day = today - timedelta(days=7 * week)
            for hour, weight in HOURS.items():
                if week == 0 and hour > now_hour:
                    continue
                for _ in range(int(weight * rng.uniform(0.6, 1.4))):
                    verdict = "valkommen" if rng.random() < 0.9 else "nekad"
                    minutes = local_now.minute + 1 if (week, hour) == (0, now_hour) else 60
                    at = datetime(day.year, day.month, day.day, hour, rng.randrange(minutes), tzinfo=STOCKHOLM)
                    reason = None if verdict == "valkommen" else rng.choice(
                        ["Kunden har inget abonnemang", "Abonnemanget är fryst", "Skuld 350,00 kr"])
                    s.add(Visit(person_id=rng.choice(ids), card_number=None, at=at, local_date=day, local_hour=hour,
                                desk="Kassa 1", method="manuell", verdict=verdict, swipes=1,
                                reason=None if reason is None else "inget_abonnemang", reason_text=reason))


def step_start():
    win = window()
    if win is None:
        later(300, step_start)
        return
    win.resize(1280, 760)
    core = win.services.core
    win.welcome_card, win.refused_card = pick_cards(core)
    print("cards", win.welcome_card, win.refused_card, file=sys.stderr)
    seed_visits(core)
    win.checkin_banner.beep = lambda: None
    win.on_card_swiped(win.welcome_card)
    later(1200, lambda: step_welcome(win))


def step_welcome(win):
    win.grab().save(str(OUT / "incheckning-valkommen.png"))
    win.on_card_swiped(win.refused_card)
    later(1200, lambda: step_refused(win))


def step_refused(win):
    win.grab().save(str(OUT / "incheckning-nekad.png"))
    win.show_day_overview()
    later(1500, lambda: step_overview(win))


def step_overview(win):
    win.day_overview.grab().save(str(OUT / "dagsoversikt.png"))
    win.day_overview.close()
    win.close()
    QApplication.instance().quit()


if __name__ == "__main__":
    OUT.mkdir(parents=True, exist_ok=True)
    application()
    later(500, step_start)
    sys.exit(main(["--demo"]))
