"""Arkiv > Kör nattjobbet nu through the real main window (issue 14 §5): the job runs on a worker thread
with a progress dialog, the window's event loop keeps running meanwhile, a second start is refused while
it runs, and the result is reported and written."""
from __future__ import annotations

import sqlite3
from datetime import date

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QProgressDialog

from tests.app import sub_builders as sb
from widgets.main_window import MainWindow
from widgets.services import Bus, UiServices

pytestmark = pytest.mark.qt_log_ignore(r"This plugin does not support propagateSizeHints",
                                       r"This plugin does not support raise\(\)")

TODAY = date(2026, 11, 22)


@pytest.fixture
def window(qtbot, sqlite_core, make_actor, tmp_path, monkeypatch):
    from app.postal import PostalCodes

    monkeypatch.setenv("RECEPTION_DATA_DIR", str(tmp_path / "data"))
    services = UiServices(core=sqlite_core, actor=make_actor(sqlite_core, "admin"), bus=Bus(),
                          user_data_dir=tmp_path / "data", postal=PostalCodes.load())
    win = MainWindow(services)
    win.reports = []
    monkeypatch.setattr(MainWindow, "info_box", staticmethod(lambda p, title, text: win.reports.append((title, text))))
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    return win


def test_the_nightly_job_runs_off_the_ui_thread_and_reports(qtbot, window, sqlite_core):
    cat = sb.catalog(sqlite_core)
    anna = sb.person(sqlite_core, 1)
    gym = sb.subscription(sqlite_core, anna, cat.gym, price_list_id=cat.ordinarie)
    sb.freeze(sqlite_core, gym, TODAY, date(2026, 12, 20), status="framtida")

    # Another desk holds the database's write lock: the job must wait for it — on the worker, not on the UI.
    blocker = sqlite3.connect(sqlite_core.engine.url.database, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    ticks = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(1))
    timer.start(20)
    try:
        window.nightly_action.trigger()
        progress = window.findChild(QProgressDialog, "nightly_progress")
        assert progress is not None and progress.maximum() == 5
        qtbot.waitUntil(progress.isVisible, timeout=5000)
        assert not window.nightly_action.isEnabled()  # one run at a time
        qtbot.wait(600)
        assert len(ticks) >= 10, "the event loop stood still while the job waited"
        assert window.nightly_runner.busy and window.reports == []
        window.run_nightly_job()  # a second start (e.g. a shortcut) while it runs: nothing more starts
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    qtbot.waitUntil(lambda: bool(window.reports), timeout=20000)
    timer.stop()
    ((title, text),) = window.reports
    assert title == "Nattjobbet är klart" and "Frysningar som började: 1" in text
    assert window.nightly_action.isEnabled() and window.nightly_progress is None
    assert sb.sub(sqlite_core, gym)["status"] == "fryst"
    assert sb.audit_actions(sqlite_core).count("Nattjobb") == 1


def test_progress_counts_the_steps(sqlite_core, make_actor):
    from app.jobs.nightly import STEPS, run_nightly

    seen = []
    run_nightly(sqlite_core, make_actor(sqlite_core, "admin"), progress=lambda done, total: seen.append((done, total)))
    assert seen == [(n, STEPS) for n in range(STEPS + 1)]
