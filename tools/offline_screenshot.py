"""Take docs/screenshots/offline-banner.png: the real app on PostgreSQL, the link cut, the banner up.

    Xvfb :11 -screen 0 1400x900x24 &
    DISPLAY=:11 .venv/bin/python tools/offline_screenshot.py postgresql+psycopg://postgres@127.0.0.1:5432/

Creates (drops and recreates) the database `reception_offline_shot` on that server with the demo data,
starts the application's own start-up path (reception.launcher.main(["--db", …])) through a TCP proxy on
127.0.0.1 (tests/app/sync/proxy.py), waits for the desk's replica, searches a customer, silently
cuts the link (all bytes dropped), waits for the banner, searches again from the replica and saves
the window.
"""
from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
os.environ.setdefault("RECEPTION_DATA_DIR", tempfile.mkdtemp(prefix="reception-offline-shot-"))
sys.path.insert(0, str(ROOT))

from PySide6.QtCore import Qt, QTimer  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

import widgets.login as login_module  # noqa: E402
from app.auth import login  # noqa: E402
from app.clock import Clock  # noqa: E402
from app.startup import open_core, seed_demo_if_empty  # noqa: E402
from reception.launcher import main  # noqa: E402
from tests.app.sync.proxy import TcpProxy  # noqa: E402

NAME = "reception_offline_shot"
login_module.LoginDialog.ask = classmethod(lambda cls, core, **kw: login(core, "reception", "demo"))


def prepare(server: str, name: str = NAME) -> str:
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    url = make_url(server).set(database=name).render_as_string(hide_password=False)
    core = open_core(url, Clock())
    seed_demo_if_empty(core)
    core.engine.dispose()
    return url


def later(ms, fn):
    QTimer.singleShot(ms, fn)


def window():
    wins = [w for w in QApplication.instance().topLevelWidgets()
            if w.__class__.__name__ == "MainWindow" and w.isVisible()]
    return wins[0] if wins else None


def run(proxy: TcpProxy):
    def start():
        win = window()
        offline = win.services.extra.get("offline_desk") if win else None
        if win is None or offline is None or not offline.routing.replica_ready:
            later(300, start)
            return
        proxy.blackhole()
        later(2500, lambda: search(win))

    def search(win):
        assert win.offline_banner.isVisible(), "no banner"
        win.focus_search()
        QTest.keyClicks(win.search_panel.search_edit, "an", Qt.KeyboardModifier.NoModifier, 60)
        QTest.keyClick(win.search_panel.search_edit, Qt.Key.Key_Return)
        later(1200, lambda: open_first(win))

    def open_first(win):
        win.search_panel.table.setFocus()
        QTest.keyClick(win.search_panel.table, Qt.Key.Key_Return)
        later(1500, lambda: shoot(win))

    def shoot(win):
        win.grab().save(str(OUT / "offline-banner.png"))
        print("saved offline-banner.png", file=sys.stderr)
        proxy.restore()
        later(2500, lambda: (print("banner after restore:", win.offline_banner.isVisible(), file=sys.stderr),
                             win.close()))
    later(500, start)


if __name__ == "__main__":
    server = sys.argv[1] if len(sys.argv) > 1 else "postgresql+psycopg://postgres@127.0.0.1:5432/"
    url = prepare(server)
    proxy = TcpProxy.for_url(url)
    from widgets.app import application

    application()
    run(proxy)
    code = main(["--db", proxy.url(url)])
    proxy.close()
    sys.exit(code)
