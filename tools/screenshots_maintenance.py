"""Screenshots of the desk-upkeep screens from the running demo app (logged in as the demo admin):
the Hjälp menu with Skapa felrapport / Datorer och versioner, and the desk list.

    xvfb-run -a -s "-screen 0 1280x800x24" .venv/bin/python tools/screenshots_maintenance.py
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


def step_menu():
    win = window()
    if win is None:
        later(300, step_menu)
        return
    from app.desks import record_contact

    record_contact(win.services.core, machine="RECEPTION-2", user="reception", version="0.0.9")
    record_contact(win.services.core, machine="KASSA-HALLEN", user="kundansvarig")
    help_menu = win.menuBar().actions()[-1].menu()
    win.menuBar().setActiveAction(win.menuBar().actions()[-1])
    later(600, lambda: (screen("hjalp-meny.png"), help_menu.close(), step_desks(win)))


def step_desks(win):
    win.maintenance.show_desks()
    dialog = win.maintenance.desks_dialog
    later(800, lambda: (dialog.grab().save(str(OUT / "datorer-och-versioner.png")), dialog.close(),
                        win.close(), QApplication.instance().quit()))


if __name__ == "__main__":
    OUT.mkdir(parents=True, exist_ok=True)
    application()
    later(500, step_menu)
    sys.exit(main(["--demo"]))
