"""Screenshots of Inställningar > Autogiro (Bankgirot)… from the running demo app (logged in as the demo
admin): the files written for Bankgirot, and the preview of a medgivandeavisering from Bankgirot.

    Xvfb :12 -screen 0 1280x800x24 & DISPLAY=:12 .venv/bin/python tools/screenshots_autogiro.py
"""
from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
WORK = Path(tempfile.mkdtemp(prefix="reception-autogiro-"))
os.environ.setdefault("RECEPTION_DATA_DIR", str(WORK / "data"))
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


def grab(widget, name):
    widget.grab().save(str(OUT / name))
    print("saved", name, file=sys.stderr)


def settings(core):
    from app.settings import save_setting

    with core.write_session() as s, s.begin():
        save_setting(s, "autogiro_bankgiro", "5050-1055")
        save_setting(s, "autogiro_customer_number", "123456")


def advice_file(core) -> Path:
    """Bankgirot's answer for the mandates now at Bankgirot: the first refused, the others approved."""
    from sqlalchemy import select

    from app.autogiro.format import number, record, ymd
    from db.models import AutogiroMandate

    today = core.clock.today()
    with core.sessions() as s:
        payers = s.scalars(select(AutogiroMandate.payer_number).where(AutogiroMandate.status == "hos_bgc")
                           .order_by(AutogiroMandate.id)).all()
    out = [record("01", "AUTOGIRO", " " * 14, ymd(today).ljust(20), "AG-MEDAVI".ljust(20), "123456", "0050501055")]
    for i, payer in enumerate(payers):
        out.append(record("73", "0050501055", number(payer, 16), " " * 16, " " * 12, " " * 5, "04",
                          "05" if i == 0 else "32", ymd(today)))
    out.append(record("73", "0050501055", number("99999", 16), " " * 16, " " * 12, " " * 5, "46", "02", ymd(today)))
    out.append(record("09", ymd(today), "9900", number(len(payers) + 1, 7)))
    path = WORK / "medgivandeavisering.txt"
    path.write_bytes(b"".join(out))
    return path


def step_open():
    win = window()
    if win is None:
        later(300, step_open)
        return
    settings(win.services.core)
    (action,) = [a for a in win.settings_menu.actions() if a.text().replace("&", "") == "Autogiro (Bankgirot)…"]
    action.trigger()
    dialog = win.services.extra["open_dialogs"][-1]
    dialog.resize(1000, 760)
    folder = WORK / "till_bankgirot"
    folder.mkdir()
    dialog.folder.setText(str(folder))
    dialog.export()
    later(4000, lambda: preview(win, dialog))


def preview(win, dialog):
    dialog.file.setText(str(advice_file(win.services.core)))
    dialog.preview()
    later(1500, lambda: done(win, dialog))


def done(win, dialog):
    grab(dialog, "autogiro.png")
    dialog.reject()
    win.close()
    QApplication.instance().quit()


if __name__ == "__main__":
    OUT.mkdir(parents=True, exist_ok=True)
    application()
    later(500, step_open)
    sys.exit(main(["--demo"]))
