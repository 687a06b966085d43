"""Screenshots of the Inställningar menu and its dialogs from the running demo app (logged in as the
demo admin): the menu, Kundrutiner… (and a refused value), Inställningar… (with a test message to a
server that is not there), Personstatustyper…, Avvikelseorsaker…, Produkter och prislistor…, the
product editor and E-post och SMS… (with the status bar saying why mail waits).

    Xvfb :11 -screen 0 1280x800x24 & DISPLAY=:11 .venv/bin/python tools/screenshots_admin.py
"""
from __future__ import annotations

import os
import socket
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


def grab(widget, name):
    widget.grab().save(str(OUT / name))
    print("saved", name, file=sys.stderr)


def entry(win, title):
    (action,) = [a for a in win.settings_menu.actions() if a.text().replace("&", "") == title]
    action.trigger()
    return win.services.extra["open_dialogs"][-1]


def step_menu():
    win = window()
    if win is None:
        later(300, step_menu)
        return
    menu_action = win.settings_menu.menuAction()
    win.menuBar().setActiveAction(menu_action)
    later(600, lambda: (screen("installningar-meny.png"), win.settings_menu.close(), step_routines(win)))


def step_routines(win):
    dialog = entry(win, "Kundrutiner…")
    dialog.resize(780, 1000)

    def error():
        dialog.editors["freeze_min"].number.setValue(14)
        dialog.save()  # 14 months > 12 months: refused at the field
        later(300, lambda: (grab(dialog, "kundrutiner-fel.png"), dialog.reject(), step_global(win)))
    later(500, lambda: (grab(dialog, "kundrutiner.png"), error()))


def step_global(win):
    dialog = entry(win, "Inställningar…")
    dialog.resize(780, 1000)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    dialog.editors["club_name"].set("Friskis Gamlestaden")
    dialog.editors["smtp_host"].set("127.0.0.1")
    dialog.editors["smtp_port"].set(port)
    dialog.editors["smtp_security"].set("ingen")
    dialog.editors["smtp_sender"].set("reception@friskis.se")
    dialog.test_recipient.setText("ada@friskis.se")
    dialog.send_test()
    later(1200, lambda: (grab(dialog, "installningar.png"), dialog.reject(), step_severities(win)))


def step_severities(win):
    dialog = entry(win, "Personstatustyper…")
    combo = dialog.combos["fryst"]
    combo.setCurrentIndex(combo.findData("varning"))
    later(500, lambda: (grab(dialog, "personstatustyper.png"), dialog.reject(), step_reasons(win)))


def step_reasons(win):
    dialog = entry(win, "Avvikelseorsaker…")
    dialog.name_edit.setText("Flytt till annan ort")
    dialog.run("lagg_till")
    if dialog.rows:
        dialog.table.selectRow(0)
    later(500, lambda: (grab(dialog, "avvikelseorsaker.png"), dialog.reject(), step_products(win)))


def step_products(win):
    dialog = entry(win, "Produkter och prislistor…")
    dialog.resize(900, 600)
    later(500, lambda: (grab(dialog, "prislistor.png"), products_tab(win, dialog)))


def products_tab(win, dialog):
    dialog.tabs.setCurrentIndex(1)
    later(400, lambda: (grab(dialog, "produkter.png"), editor(win, dialog)))


def editor(win, dialog):
    main = next((p for p in dialog.products if p.kind == "huvud"), None)
    dialog.open_editor(main.id if main else None)
    editor_dialog = dialog.editor
    editor_dialog.resize(900, 1000)

    def done():
        grab(editor_dialog, "produkt.png")
        editor_dialog.reject()
        dialog.reject()
        step_outbox(win)
    later(600, done)


def step_outbox(win):
    """E-post och SMS…: a message waiting for its next attempt, one the server refused for good, one sent."""
    from datetime import timedelta

    from db.models import OutboxMessage

    core = win.services.core
    now = core.clock.now()
    with core.sessions() as s, s.begin():
        for recipient, subject, status, attempts, error, age in (
                ("anna.berg@example.se", "Bekräftelse på frysning", "vantar", 2,
                 "ConnectionRefusedError: [Errno 111] Connection refused", 20),
                ("per.ek@exempel.se", "Faktura 10023", "misslyckad", 8,
                 "SMTPRecipientsRefused: 550 5.1.1 Mottagaren finns inte", 300),
                ("lisa.holm@example.se", "Kvitto", "skickad", 1, None, 600)):
            s.add(OutboxMessage(channel="epost", recipient=recipient, subject=subject, body="Hej!", status=status,
                                attempts=attempts, last_error=error, created_at=now - timedelta(minutes=age),
                                next_attempt_at=now + timedelta(minutes=4), sent_at=now if status == "skickad" else None))
    dialog = entry(win, "E-post och SMS…")
    dialog.filter.setCurrentIndex(dialog.filter.findData(None))
    dialog.table.selectRow(1)
    win.send_outbox()

    def done():
        grab(dialog, "e-post-och-sms.png")
        dialog.reject()
        later(300, lambda: (grab(win.statusBar(), "statusrad-e-post-vantar.png"), win.close(), QApplication.instance().quit()))
    later(1500, done)


if __name__ == "__main__":
    OUT.mkdir(parents=True, exist_ok=True)
    application()
    later(500, step_menu)
    sys.exit(main(["--demo"]))
