"""Screenshots of the GDPR entries from the running demo app (logged in as the demo admin): the person
card's Kunduppgifter menu with Registerutdrag / Anonymisera, and the first page of a Registerutdrag.

    Xvfb :18 -screen 0 1280x800x24 & DISPLAY=:18 .venv/bin/python tools/screenshots_personal_data.py
"""
from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
os.environ.setdefault("RECEPTION_DATA_DIR", tempfile.mkdtemp(prefix="reception-shots-"))
sys.path.insert(0, str(ROOT))

from PySide6.QtCore import QTimer  # noqa: E402
from PySide6.QtGui import QFont, QImage, QPainter, QTextDocument  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

import widgets.login as login_module  # noqa: E402
from app.auth import login  # noqa: E402
from reception.launcher import main  # noqa: E402
from widgets.app import application  # noqa: E402

login_module.LoginDialog.ask = classmethod(lambda cls, core, **kw: login(core, "admin", "demo"))


def later(ms, fn):
    QTimer.singleShot(ms, fn)


def window():
    wins = [w for w in QApplication.instance().topLevelWidgets() if w.__class__.__name__ == "MainWindow" and w.isVisible()]
    return wins[0] if wins else None


def screen(name):
    QApplication.primaryScreen().grabWindow(0).save(str(OUT / name))
    print("saved", name, file=sys.stderr)


def step_open():
    win = window()
    if win is None:
        later(300, step_open)
        return
    from sqlalchemy import select

    from db.models import Person

    with win.services.core.sessions() as s:
        pid = s.scalar(select(Person.id).order_by(Person.id).limit(1))
    win.resize(1280, 780)
    win.move(0, 0)
    win.open_person(pid)
    later(1200, lambda: step_menu(win, pid))


def step_menu(win, pid):
    button = win.person_card.person_menu_button
    menu = button.menu()
    menu.popup(button.mapToGlobal(button.rect().bottomLeft()))
    later(700, lambda: (screen("personkort-registerutdrag-meny.png"), menu.close(), step_extract(win, pid)))


def step_extract(win, pid):
    from app.routines.gdpr import MakeRegisterExtract, RegisterExtractRoutine
    from widgets.personal_data import extract_html

    extract = RegisterExtractRoutine(win.services.core).execute(MakeRegisterExtract(pid), win.services.actor)
    document = QTextDocument()
    font = QFont()
    font.setPointSizeF(10)
    document.setDefaultFont(font)
    document.setHtml(extract_html(extract))
    document.setTextWidth(800)
    image = QImage(840, 1000, QImage.Format.Format_RGB32)
    image.fill(0xFFFFFF)
    painter = QPainter(image)
    painter.translate(20, 20)
    document.drawContents(painter)
    painter.end()
    image.save(str(OUT / "registerutdrag.png"))
    print("saved registerutdrag.png", file=sys.stderr)
    win.close()
    QApplication.instance().quit()


if __name__ == "__main__":
    OUT.mkdir(parents=True, exist_ok=True)
    application()
    later(500, step_open)
    sys.exit(main(["--demo"]))
