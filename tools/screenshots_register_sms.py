"""Screenshots of Inställningar > Lokalt register… (the preview of an extract with bad rows), the SMS group
of Inställningar… (after "Skicka test-SMS" to a local stand-in for 46elks) and the status bar while SMS
wait without a provider, from the running demo app (logged in as the demo admin).

    Xvfb :19 -screen 0 1280x900x24 & DISPLAY=:19 .venv/bin/python tools/screenshots_register_sms.py
"""
from __future__ import annotations

import json
import os
import sys
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
os.environ.setdefault("RECEPTION_DATA_DIR", tempfile.mkdtemp(prefix="reception-shots-"))
sys.path.insert(0, str(ROOT))

from PySide6.QtCore import QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication, QScrollArea  # noqa: E402

import widgets.login as login_module  # noqa: E402
from app.auth import login  # noqa: E402
from app.main import main  # noqa: E402
from widgets.app import application  # noqa: E402

login_module.LoginDialog.ask = classmethod(lambda cls, core, **kw: login(core, "admin", "demo"))

EXTRACT = ("personnummer;förnamn;efternamn;gatuadress;co;postnummer;ort;skyddad\n"
           "19850709-9805;Åsa;Öberg;Storgatan 1;;114 55;Stockholm;\n"
           "850769-9802;Sami;Virtanen;Kungsgatan 2;c/o Berg;41101;Göteborg;nej\n"
           "196703151230;Hemlig;Person;Gömd väg 3;;11122;Stockholm;ja\n"
           "19900101-0017;Bo;Berg;Sveavägen 12;;113 50;Stockholm;\n"
           "19850709-9806;Fel;Siffra;Ågatan 3;;58223;Linköping;\n"
           "19850709-9805;Åsa;Dubbel;;;;;\n"
           "1,98507E+11;Excel;Exponent;;;;;\n"
           "19640823-3234;Bo;Ek;Väg 1;;1234;Ort;kanske\n")


class Elks(BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 - http.server API
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        body = json.dumps({"status": "created", "id": "s1"}).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def later(ms, fn):
    QTimer.singleShot(ms, fn)


def window():
    wins = [w for w in QApplication.instance().topLevelWidgets()
            if w.__class__.__name__ == "MainWindow" and w.isVisible()]
    return wins[0] if wins else None


def grab(widget, name):
    widget.grab().save(str(OUT / name))
    print("saved", name, file=sys.stderr)


def entry(win, title):
    (action,) = [a for a in win.settings_menu.actions() if a.text().replace("&", "") == title]
    action.trigger()
    return win.services.extra["open_dialogs"][-1]


def step_status_bar():
    win = window()
    if win is None:
        later(300, step_status_bar)
        return
    from db.models import OutboxMessage

    core = win.services.core
    with core.write_session() as s, s.begin():
        for _ in range(2):
            s.add(OutboxMessage(channel="sms", recipient="070-123 45 67", subject="", body="Påminnelse",
                                status="vantar", attempts=0, created_at=core.clock.now(),
                                next_attempt_at=core.clock.now()))
    win._after_admin_change()
    later(400, lambda: (grab(win, "statusrad-sms-vantar.png"), step_register(win)))


def step_register(win):
    path = Path(os.environ["RECEPTION_DATA_DIR"]) / "spar-utdrag.csv"
    path.write_bytes(EXTRACT.encode("cp1252"))
    dialog = entry(win, "Lokalt register…")
    dialog.choose_file = lambda parent: str(path)
    later(300, dialog.pick_file)
    later(1200, lambda: (grab(dialog, "lokalt-register-import.png"), dialog.reject(), step_sms(win)))


def step_sms(win):
    server = ThreadingHTTPServer(("127.0.0.1", 0), Elks)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    dialog = entry(win, "Inställningar…")
    dialog.resize(780, 900)
    dialog.editors["club_name"].set("Friskis Gamlestaden")
    dialog.editors["sms_provider"].set("46elks")
    dialog.editors["sms_api_url"].set(f"http://127.0.0.1:{server.server_address[1]}/a1/sms")
    dialog.editors["sms_username"].set("u1f2e3d4c5b6a7")
    dialog.editors["sms_sender"].set("Friskis")
    dialog.sms_password_edit.setText("hemligt")
    dialog.sms_test_recipient.setText("070-123 45 67")
    dialog.send_test_sms()

    def shoot():
        scroll = dialog.findChild(QScrollArea)
        scroll.verticalScrollBar().setValue(scroll.verticalScrollBar().maximum())
        later(300, lambda: (grab(dialog, "installningar-sms.png"), dialog.reject(), done(win, server)))
    later(1500, shoot)


def done(win, server):
    server.shutdown()
    win.close()
    QApplication.instance().quit()


if __name__ == "__main__":
    OUT.mkdir(parents=True, exist_ok=True)
    application()
    later(500, step_status_bar)
    sys.exit(main(["--demo"]))
