"""Start the GUI: QApplication, logging of Qt messages, crash dialog, database, log-in, main window."""
from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable

from PySide6.QtCore import QLibraryInfo, QLocale, QSettings, QTranslator, QtMsgType, qInstallMessageHandler
from PySide6.QtWidgets import QApplication

from app.clock import Clock
from app.errors import UserError
from app.logging_setup import setup_logging
from app.startup import open_core, report_startup_error, resolve_url, seed_demo_if_empty
from app.paths import user_data_dir, user_log_dir

log = logging.getLogger("reception.ui")
qt_log = logging.getLogger("reception.qt")

_QT_LEVELS = {
    QtMsgType.QtDebugMsg: logging.DEBUG,
    QtMsgType.QtInfoMsg: logging.INFO,
    QtMsgType.QtWarningMsg: logging.WARNING,
    QtMsgType.QtCriticalMsg: logging.ERROR,
    QtMsgType.QtFatalMsg: logging.CRITICAL,
}


def _qt_message_handler(mode, context, message) -> None:
    qt_log.log(_QT_LEVELS.get(mode, logging.WARNING), "%s", message)


def application() -> QApplication:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("Reception")
    app.setOrganizationName("Reception")
    app.setApplicationDisplayName("Reception")
    install_swedish_translation(app)
    return app


def install_swedish_translation(app: QApplication) -> bool:
    """Qt's own texts in Swedish (Ja/Nej, Avbryt, the file, colour and print dialogs), from the catalogues
    PySide6 ships in its translations folder. ``qt_sv`` is Qt's meta catalogue (it only names the module
    catalogues); PySide6's wheel lacks some of the modules it names, so it may not load — then
    ``qtbase_sv``, which holds every text of the widgets' own dialogs, is loaded alone. Installed once per
    application; True when Swedish was found."""
    if app.property("reception_sv_loaded"):
        return True
    folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    swedish = QLocale(QLocale.Language.Swedish, QLocale.Country.Sweden)
    loaded = False
    for catalogue in ("qt", "qtbase"):
        translator = QTranslator(app)
        if translator.load(swedish, catalogue, "_", folder):
            app.installTranslator(translator)
            loaded = True
            break
        translator.deleteLater()
    if loaded:
        app.setProperty("reception_sv_loaded", True)
    else:
        log.warning("Qt's Swedish translation was not found in %s", folder)
    QLocale.setDefault(swedish)
    return loaded


def desk_settings_store() -> QSettings:
    path = user_data_dir() / "desk.ini"
    return QSettings(str(path), QSettings.Format.IniFormat)


def daily_backup_if_embedded(core) -> None:
    """One copy a day of the embedded database in the data folder, the newest 14 kept."""
    from pathlib import Path

    from app.backup import daily_backup
    from app.paths import backup_dir

    engine = core.engine
    if engine.dialect.name != "sqlite" or not engine.url.database:
        return
    try:
        made = daily_backup(Path(engine.url.database), backup_dir(), core.clock.today())
        if made:
            log.info("Daily backup written to %s", made)
    except Exception:  # a full disk must not keep the desk from starting; the log says why
        log.exception("The daily backup could not be written")


class DeskSession:
    """The main window of whoever is logged in. Another user logging in on the idle lock screen
    (widgets/idle_lock.py) gets a new window of their own; the previous one closes."""

    def __init__(self, core, *, desk=None, log_path=None, offline=None) -> None:
        self.core, self.desk, self.log_path, self.offline = core, desk, log_path, offline
        self.window = None

    def start(self, actor):
        from app.desks import record_contact
        from widgets.main_window import MainWindow

        try:
            if self.core.connectivity is None or self.core.connectivity.online:  # never into an offline replica
                record_contact(self.core, user=actor.username)
        except Exception:  # the desk list is for the administrator; a failure (or no server) must not stop the desk
            log.exception("Could not record this desk's contact")
        window = MainWindow.create(self.core, actor, desk=self.desk, log_path=self.log_path, offline=self.offline)
        window.user_switched.connect(self.switch)
        window.show()
        self.window = window
        return window

    def switch(self, actor) -> None:
        app = QApplication.instance()
        quits = app.quitOnLastWindowClosed()
        app.setQuitOnLastWindowClosed(False)  # between the two windows there is none
        try:
            old = self.window
            log.info("User %s takes over the desk from %s", actor.username, old.services.actor.username)
            old.close_for_new_user()
            old.deleteLater()
            self.start(actor)
        finally:
            app.setQuitOnLastWindowClosed(quits)


def run(args: argparse.Namespace, *, clock: Clock, show_error: Callable[[str, str], None] | None = None) -> int:
    from widgets.screen_fit import install_screen_fit, uninstall_screen_fit

    app = application()
    install_screen_fit(app)  # every window no larger than its screen (removed when the desk closes)
    try:
        return _run(app, args, clock=clock, show_error=show_error)
    finally:
        uninstall_screen_fit(app)


def _run(app: QApplication, args: argparse.Namespace, *, clock: Clock,
         show_error: Callable[[str, str], None] | None) -> int:
    from widgets.desk_settings import DeskSettings
    from widgets.errors import install_excepthook, show_startup_error
    from widgets.login import LoginDialog

    log_path = setup_logging(user_log_dir())
    qInstallMessageHandler(_qt_message_handler)
    desk = DeskSettings(desk_settings_store())
    url = resolve_url(args, desk.database_url)
    from app.secrets import database_password
    from app.sync.desk import open_desk
    from app.disk_encryption import data_location, require_encrypted_disk

    if not args.demo:  # the demo's made-up members need no encrypted disk
        try:
            require_encrypted_disk(data_location(url, user_data_dir()), required=desk.require_disk_encryption)
        except UserError as err:
            return report_startup_error(err, show_error or show_startup_error)

    try:  # on PostgreSQL with a replica: starts offline when the server cannot be reached
        core, offline = open_desk(url, clock, user_data_dir(), open_core=open_core, desk=args.desk or desk.desk_name,
                                  till_enabled=desk.till_enabled, password=database_password(url),
                                  photo_cap_mb=desk.photo_cache_mb)
    except UserError as err:
        return report_startup_error(err, show_error or show_startup_error)
    if args.demo:
        seed_demo_if_empty(core)
    install_excepthook(log_path)  # before the log-in: nothing may vanish silently from here on
    daily_backup_if_embedded(core)
    hint = "Demo: logga in som reception, kundansvarig eller admin med lösenordet demo." if args.demo else ""
    try:
        actor = LoginDialog.ask(core, hint=hint, username="reception" if args.demo else "")
        if actor is None:
            return 0
        session = DeskSession(core, desk=desk, log_path=log_path, offline=offline)
        session.start(actor)
        return app.exec()
    finally:
        if offline is not None:
            offline.stop()
