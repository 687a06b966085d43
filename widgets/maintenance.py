"""Keeping a desk: Arkiv > Säkerhetskopiera…, Hjälp > Skapa felrapport…, Hjälp > Datorer och versioner….

The copy and the report run on a pool thread behind a busy progress dialog (a large embedded
database takes seconds to copy); the result or the reason it failed is said in Swedish.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import QObject, QRunnable, QSettings, QThreadPool, Qt, Signal, qVersion
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QFileDialog, QHeaderView, QMenu, QMessageBox,
                               QProgressDialog, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from app.backup import backup_to
from app.clock import STOCKHOLM
from app.desks import list_desks
from app.diagnostics import write_report
from app.errors import UserError
from app.paths import backup_dir, user_log_dir
from app.rights import SYSTEM_SETTINGS

log = logging.getLogger("reception.ui")


class _Done(QObject):
    finished = Signal(object, object)  # result, error


class _Job(QRunnable):
    def __init__(self, work: Callable[[], object], done: _Done) -> None:
        super().__init__()
        self.work, self.done = work, done

    def run(self) -> None:
        try:
            self.done.finished.emit(self.work(), None)
        except Exception as err:  # reported on the UI thread
            self.done.finished.emit(None, err)


class Maintenance(QObject):
    """The entries and what they do, for one main window."""

    # Replaceable in tests: the file chooser and the message boxes.
    save_file = staticmethod(lambda parent, title, start, filt: QFileDialog.getSaveFileName(parent, title, start, filt)[0])
    info_box = staticmethod(lambda parent, title, text: QMessageBox.information(parent, title, text))
    error_box = staticmethod(lambda parent, title, text: QMessageBox.warning(parent, title, text))

    def __init__(self, window, services) -> None:
        super().__init__(window)
        self.window, self.services = window, services
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(1)
        self._done: list[_Done] = []
        self.desks_dialog: QDialog | None = None

    # -- menus ---------------------------------------------------------------
    def add_file_entries(self, menu: QMenu) -> None:
        if self._sqlite_path() is not None:  # a shared PostgreSQL database is backed up on the server
            self.backup_action = self.window._action("Säkerhets&kopiera…", self.back_up)
            menu.addAction(self.backup_action)

    def add_help_entries(self, menu: QMenu) -> None:
        self.report_action = self.window._action("Skapa &felrapport…", self.make_report)
        menu.addAction(self.report_action)
        if SYSTEM_SETTINGS in self.services.actor.rights:
            self.desks_action = self.window._action("&Datorer och versioner…", self.show_desks)
            menu.addAction(self.desks_action)

    # -- work ----------------------------------------------------------------
    def _sqlite_path(self) -> Path | None:
        engine = self.services.core.engine
        return Path(engine.url.database) if engine.dialect.name == "sqlite" else None

    def _run(self, label: str, work: Callable[[], object], on_done: Callable[[object, object], None]) -> None:
        progress = QProgressDialog(label, "", 0, 0, self.window)
        progress.setCancelButton(None)
        progress.setWindowTitle("Reception")
        progress.setWindowModality(Qt.WindowModality.WindowModal)
        progress.setMinimumDuration(300)
        done = _Done()
        self._done.append(done)

        def finished(result, error) -> None:
            progress.close()
            self._done.remove(done)
            on_done(result, error)
        done.finished.connect(finished, Qt.ConnectionType.QueuedConnection)
        self.pool.start(_Job(work, done))

    def back_up(self) -> None:
        path = self._sqlite_path()
        now = self.services.core.clock.now()
        start = str(backup_dir() / f"{path.stem}-{now.astimezone(STOCKHOLM):%Y%m%d-%H%M}.db")
        backup_dir().mkdir(parents=True, exist_ok=True)
        target = self.save_file(self.window, "Säkerhetskopiera databasen", start, "Reception-databas (*.db)")
        if not target:
            return

        def done(result, error) -> None:
            if isinstance(error, UserError):
                self.error_box(self.window, error.title, error.message)
            elif error is not None:
                log.error("Backup failed: %r", error)
                self.error_box(self.window, "Säkerhetskopiering", f"Säkerhetskopian kunde inte göras: {error}")
            else:
                self.info_box(self.window, "Säkerhetskopiering",
                              f"Säkerhetskopian är sparad:\n{result}\n\nÅterställ den med "
                              f"”reception restore FIL” när Reception är stängt.")
        self._run("Säkerhetskopierar databasen…", lambda: backup_to(path, Path(target)), done)

    def make_report(self) -> None:
        core = self.services.core
        now = core.clock.now()
        start = str(self.services.user_data_dir / f"felrapport-{now.astimezone(STOCKHOLM):%Y%m%d-%H%M}.zip")
        target = self.save_file(self.window, "Skapa felrapport", start, "Zip-fil (*.zip)")
        if not target:
            return
        desk = self.services.desk
        qsettings: QSettings | None = desk.qsettings if desk is not None else None
        settings = {key: qsettings.value(key) for key in qsettings.allKeys()} if qsettings is not None else {}
        engine = core.engine
        database = {"kind": engine.dialect.name, "url": engine.url.render_as_string(hide_password=True),
                    "schema": self._schema()}

        def work():
            return write_report(Path(target), log_dir=user_log_dir(), data_dir=self.services.user_data_dir,
                                desk_settings=settings, database=database, now=now,
                                extra_versions={"qt": qVersion(), "pyside6": pyside_version})

        def done(result, error) -> None:
            if error is not None:
                self.error_box(self.window, "Felrapport", f"Felrapporten kunde inte sparas: {error}")
            else:
                self.info_box(self.window, "Felrapport",
                              f"Felrapporten är sparad:\n{result}\n\nSkicka filen till den som hjälper er. "
                              "Personnummer, konto- och kortnummer är maskerade och lösenord ingår inte.")
        self._run("Skapar felrapport…", work, done)

    def _schema(self) -> str:
        from sqlalchemy import text

        try:
            with self.services.core.sessions() as session:
                return session.execute(text("SELECT version_num FROM alembic_version")).scalar() or "?"
        except Exception as err:  # the report is wanted most when the database is the problem
            return f"kunde inte läsas: {type(err).__name__}"

    def show_desks(self) -> None:
        self.desks_dialog = DesksDialog(self.services, self.window)
        self.desks_dialog.show()


class DesksDialog(QDialog):
    """Which PC runs which version, and when it was last heard from (newest contact first)."""

    HEADERS = ("Dator", "Kassa", "Version", "Operativsystem", "Senaste kontakt", "Senast inloggad", "Första kontakt")

    def __init__(self, services, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Datorer och versioner")
        layout = QVBoxLayout(self)
        rows = list_desks(services.core)
        self.table = QTableWidget(len(rows), len(self.HEADERS))
        self.table.setHorizontalHeaderLabels(self.HEADERS)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        for r, row in enumerate(rows):
            values = (row.machine, row.desk_name, row.client_version, row.os,
                      f"{row.last_seen_at.astimezone(STOCKHOLM):%Y-%m-%d %H:%M}", row.last_user or "",
                      f"{row.first_seen_at.astimezone(STOCKHOLM):%Y-%m-%d}")
            for c, value in enumerate(values):
                self.table.setItem(r, c, QTableWidgetItem(value))
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        layout.addWidget(self.table)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.button(QDialogButtonBox.StandardButton.Close).setText("Stäng")
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(860, 320)
        self.table.setFocus()
