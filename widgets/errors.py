"""The two kinds of failure dialog.

* Known, environmental faults (UserError: database unreachable, bad input, a card
  already taken) get a friendly Swedish message box.
* Bugs get the crash dialog: what happened, where the log is, "Kopiera detaljer".
The application never dies silently.
"""
from __future__ import annotations

import logging
import sys
import traceback
from pathlib import Path

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QLabel, QMessageBox, QPlainTextEdit, QPushButton,
                               QVBoxLayout, QWidget)

from app.diagnostics import save_crash
from app.errors import UserError
from app.masking import mask
from app.paths import user_data_dir

log = logging.getLogger("reception.ui")


def show_user_error(parent: QWidget | None, err: UserError) -> None:
    QMessageBox.warning(parent, err.title, err.message)


def show_startup_error(title: str, message: str) -> None:
    box = QMessageBox(QMessageBox.Icon.Critical, f"Reception – {title}", message)
    box.setInformativeText("Programmet avslutas. Ingenting har ändrats i databasen.")
    box.exec()


class CrashDialog(QDialog):
    """Shown for unexpected exceptions: the log path and the details, copyable."""

    def __init__(self, details: str, log_path: Path | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Reception – ett oväntat fel inträffade")
        self.details = mask(details)
        layout = QVBoxLayout(self)
        where = f"Detaljerna finns också i loggfilen:\n{log_path}" if log_path else ""
        self.message = QLabel(
            "Ett oväntat fel inträffade. Det du höll på med har inte sparats om du inte fick en bekräftelse.\n"
            "Kontakta supporten och skicka med detaljerna nedan.\n\n" + where)
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(self.message.textInteractionFlags())
        layout.addWidget(self.message)
        self.text = QPlainTextEdit(self.details)
        self.text.setReadOnly(True)
        layout.addWidget(self.text)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.copy_button = QPushButton("&Kopiera detaljer")
        buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.copy_button.clicked.connect(self.copy_details)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(640, 420)

    def copy_details(self) -> None:
        QGuiApplication.clipboard().setText(self.details)


def install_excepthook(log_path: Path | None) -> None:
    """Route uncaught exceptions (also those raised in Qt slots) to the log and a dialog."""

    def hook(exc_type, exc, tb):
        if issubclass(exc_type, KeyboardInterrupt):
            sys.__excepthook__(exc_type, exc, tb)
            return
        if isinstance(exc, UserError):
            log.warning("User error escaped to the top: %s", exc.message)
            show_user_error(None, exc)
            return
        details = "".join(traceback.format_exception(exc_type, exc, tb))
        log.error("Uncaught exception:\n%s", details)
        save_crash(user_data_dir(), details)  # for Hjälp > Skapa felrapport
        CrashDialog(details, log_path).exec()

    sys.excepthook = hook
