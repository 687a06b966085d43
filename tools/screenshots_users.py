"""Screenshots of Inställningar > Användare och roller… and of the idle lock screen, from the running demo
app (logged in as the demo admin): the users tab with a refused password at its field and a lock-out
after wrong passwords, the roles tab, and the lock screen after a wrong password.

    QT_QPA_PLATFORM=offscreen .venv/bin/python tools/screenshots_users.py
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
from app.auth import USER_LIMIT, login  # noqa: E402
from app.errors import UserError  # noqa: E402
from app.main import main  # noqa: E402
from widgets.app import application  # noqa: E402

login_module.LoginDialog.ask = classmethod(lambda cls, core, **kw: login(core, "admin", "demo"))


def later(ms, fn):
    QTimer.singleShot(ms, fn)


def window():
    wins = [w for w in QApplication.instance().topLevelWidgets() if w.__class__.__name__ == "MainWindow" and w.isVisible()]
    return wins[0] if wins else None


def grab(widget, name):
    widget.grab().save(str(OUT / name))
    print("saved", name, file=sys.stderr)


def step_users():
    win = window()
    if win is None:
        later(300, step_users)
        return
    for _ in range(USER_LIMIT):  # somebody guessed the receptionist's password at this desk
        try:
            login(win.services.core, "reception", "gissning")
        except UserError:
            pass
    (action,) = [a for a in win.settings_menu.actions() if a.text().replace("&", "") == "Användare och roller…"]
    action.trigger()
    dialog = win.services.extra["open_dialogs"][-1]
    tab = dialog.users
    tab.new_user()
    tab.username.setText("stina")
    tab.full_name.setText("Stina Ström")
    tab.email.setText("stina@friskis.se")
    tab.password.setText("kort")
    tab.password_again.setText("kort")
    tab.save()  # too short: refused at the field, nothing written
    tab.locks_table.selectRow(0)
    later(500, lambda: (grab(dialog, "anvandare.png"), step_roles(win, dialog)))


def step_roles(win, dialog):
    dialog.tabs.setCurrentWidget(dialog.roles)
    dialog.roles.select("Kundansvarig")
    later(400, lambda: (grab(dialog, "roller.png"), dialog.reject(), step_lock(win)))


def step_lock(win):
    win.idle_lock.lock()
    screen = win.idle_lock.screen
    screen.password.setText("fel")
    screen.try_login()

    def done():
        grab(screen, "kassan-last.png")
        win.idle_lock.stop()
        win.close()
        QApplication.instance().quit()
    later(600, done)


if __name__ == "__main__":
    OUT.mkdir(parents=True, exist_ok=True)
    application()
    later(500, step_users)
    sys.exit(main(["--demo"]))
