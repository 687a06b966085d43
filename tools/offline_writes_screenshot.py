"""Take the write-side screenshots of the offline desk: the real app on PostgreSQL, the link cut.

    Xvfb :10 -screen 0 1400x900x24 &
    DISPLAY=:10 .venv/bin/python tools/offline_writes_screenshot.py postgresql+psycopg://postgres@127.0.0.1:5432/

Creates (drops and recreates) the database `reception_offline_writes_shot` with the demo data, starts
the application's own start-up path through a TCP proxy (tests/app/sync/proxy.py), waits for the
replica, cuts the link silently and freezes two members' subscriptions from the window's own core
(the routine the Frys wizard runs at Slutför): both are queued. Meanwhile "another desk" ends the
second member's subscription on the server. Saves:
* offline-koad.png — the banner, the first member's card with its "Köad: Frys" line, the counter;
* koade-atgarder.png — after the reconnect: Skickad and Konflikt with the server's reason;
* ratta-och-skicka-igen.png — the conflict opened for correction.
"""
from __future__ import annotations

import os
import sys
import tempfile
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
os.environ.setdefault("RECEPTION_DATA_DIR", tempfile.mkdtemp(prefix="reception-offline-writes-shot-"))
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, text  # noqa: E402

from app.errors import QueuedOffline  # noqa: E402
from reception.launcher import main  # noqa: E402
from app.routines.subscriptions.freeze import FreezeSubscription, FreezeSubscriptionRoutine  # noqa: E402
from tests.app.sync.proxy import TcpProxy  # noqa: E402
from tools.offline_screenshot import later, prepare, window  # noqa: E402 - logs in as reception/demo

NAME = "reception_offline_writes_shot"


def two_members(url: str) -> list[tuple[int, int]]:
    engine = create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT s.user_id, s.id FROM subscriptions s JOIN products p ON p.id = s.product_id "
            "WHERE s.status = 'aktivt' AND s.parent_id IS NULL AND p.payment = 'AG' "
            "ORDER BY s.id LIMIT 2")).all()
        reason = conn.execute(text("SELECT min(id) FROM deviation_reasons")).scalar()
    engine.dispose()
    return [(r[0], r[1], reason) for r in rows]


def run(proxy: TcpProxy, url: str):
    members = two_members(url)

    def start():
        win = window()
        offline = win.services.extra.get("offline_desk") if win else None
        if win is None or offline is None or not offline.routing.replica_ready:
            later(300, start)
            return
        proxy.blackhole()
        later(2500, lambda: queue(win))

    def queue(win):
        assert win.offline_banner.isVisible(), "no banner"
        core, actor = win.services.core, win.services.actor
        today = core.clock.today()
        for _person, sub, reason in members:
            try:
                FreezeSubscriptionRoutine(core).execute(
                    FreezeSubscription(sub, today, today + timedelta(days=61), reason_id=reason), actor)
            except QueuedOffline:
                pass
        engine = create_engine(url)                     # another desk, online, ends the second subscription
        with engine.begin() as conn:
            conn.execute(text("UPDATE subscriptions SET status = 'avslutat', end_date = CURRENT_DATE WHERE id = :i"),
                         {"i": members[1][1]})
        engine.dispose()
        win.open_person(members[0][0])
        later(1500, lambda: shoot_queued(win))

    def shoot_queued(win):
        win.grab().save(str(OUT / "offline-koad.png"))
        print("saved offline-koad.png", file=sys.stderr)
        proxy.restore()
        later(6000, lambda: shoot_list(win))

    def shoot_list(win):
        dialog = win.queued_work.show_dialog()
        later(800, lambda: (dialog.grab().save(str(OUT / "koade-atgarder.png")),
                            print("saved koade-atgarder.png", file=sys.stderr), correct(win, dialog)))

    def correct(win, dialog):
        from widgets.queued_work import CorrectDialog

        conflict = [e for e in dialog.entries if e.state == "conflict"]
        if not conflict:
            print("no conflict", file=sys.stderr)
            win.close()
            return
        box = CorrectDialog(dialog, win.services, conflict[0])
        box.show()
        later(800, lambda: (box.grab().save(str(OUT / "ratta-och-skicka-igen.png")),
                            print("saved ratta-och-skicka-igen.png", file=sys.stderr), box.reject(), dialog.close(),
                            win.close()))
    later(500, start)


if __name__ == "__main__":
    server = sys.argv[1] if len(sys.argv) > 1 else "postgresql+psycopg://postgres@127.0.0.1:5432/"
    url = prepare(server, NAME)
    proxy = TcpProxy.for_url(url)
    from widgets.app import application

    application()
    run(proxy, url)
    code = main(["--db", proxy.url(url)])
    proxy.close()
    sys.exit(code)
