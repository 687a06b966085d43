"""Log-in dialog, crash dialog and the masking of personal numbers in the log."""
import logging

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication

from app.logging_setup import setup_logging
from widgets.errors import CrashDialog
from widgets.login import LoginDialog


def test_login_with_the_right_password_gives_the_actor_with_rights(qtbot, sqlite_core):
    dialog = LoginDialog(sqlite_core)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClicks(dialog.username, "recep")
    qtbot.keyClicks(dialog.password, "hemligt")
    qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
    assert dialog.result() == LoginDialog.DialogCode.Accepted
    assert dialog.actor.username == "recep"
    assert dialog.actor.rights == frozenset({"Kundrutiner", "Kassa"})


def test_wrong_password_says_so_and_keeps_the_dialog_open(qtbot, sqlite_core):
    dialog = LoginDialog(sqlite_core, username="recep")
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClicks(dialog.password, "fel")
    qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
    assert dialog.actor is None and dialog.isVisible()
    assert dialog.error.text() == "Fel användarnamn eller lösenord."
    assert dialog.username.text() == "recep"


def test_the_lock_out_message_wraps_and_the_hint_below_it_keeps_its_room(qtbot, sqlite_core):
    from PySide6.QtWidgets import QLabel

    hint = "Demo: logga in som reception, kundansvarig eller admin med lösenordet demo."
    dialog = LoginDialog(sqlite_core, username="recep", hint=hint)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    width = dialog.width()
    for _ in range(5):  # app.auth: the fifth wrong password locks the name
        qtbot.keyClicks(dialog.password, "fel")
        qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
    assert dialog.error.text().startswith("För många felaktiga försök")
    hint_label = next(label for label in dialog.findChildren(QLabel) if label.text() == hint)
    qtbot.wait(50)  # the layout settles
    assert dialog.error.geometry().bottom() < hint_label.geometry().top()
    assert dialog.error.height() >= dialog.error.heightForWidth(dialog.error.width())  # every line shown
    assert dialog.width() <= width  # the long message wraps; the log-in box does not widen across the screen


def test_crash_dialog_shows_the_log_path_and_copies_masked_details(qtbot, tmp_path):
    dialog = CrashDialog("Traceback ...\nValueError: personnummer 198507099805", tmp_path / "reception.log")
    qtbot.addWidget(dialog)
    assert str(tmp_path / "reception.log") in dialog.message.text()
    qtbot.mouseClick(dialog.copy_button, Qt.MouseButton.LeftButton)
    copied = QGuiApplication.clipboard().text()
    assert "ValueError" in copied and "198507099805" not in copied and "19850709****" in copied


def test_log_file_masks_personnummer_and_account_numbers(tmp_path):
    path = setup_logging(tmp_path)
    logger = logging.getLogger("reception.test")
    logger.warning("Kund %s med konto %s", "19850709-9805", "8327 9912345678")
    for handler in logging.getLogger().handlers:
        handler.flush()
    text = path.read_text(encoding="utf-8")
    assert "19850709-****" in text and "9805" not in text
    assert "9912345678" not in text and "991234****" in text
    root = logging.getLogger()
    for handler in [h for h in root.handlers if getattr(h, "_reception", False)]:
        root.removeHandler(handler)
        handler.close()


def test_the_crash_dialog_is_ready_before_the_log_in_and_a_crash_is_kept_for_the_report(qtbot, tmp_path,
                                                                                        monkeypatch):
    import sys

    from reception.launcher import main
    from widgets import errors

    monkeypatch.setenv("RECEPTION_DATA_DIR", str(tmp_path))
    monkeypatch.setattr(sys, "excepthook", sys.__excepthook__)
    seen = {}

    def ask(cls, core, **kw):  # the log-in dialog: by now the hook must be ours
        seen["hook"] = sys.excepthook
        try:
            raise RuntimeError("fel i inloggningen för 198507099805")
        except RuntimeError:
            monkeypatch.setattr(errors.CrashDialog, "exec", lambda self: seen.setdefault("dialog", self.details))
            sys.excepthook(*sys.exc_info())
        return None
    monkeypatch.setattr(LoginDialog, "ask", classmethod(ask))
    assert main(["--db", f"sqlite+pysqlite:///{tmp_path / 'r.db'}"]) == 0
    assert seen["hook"] is not sys.__excepthook__ and "RuntimeError" in seen["dialog"]
    kept = (tmp_path / "senaste-krasch.txt").read_text(encoding="utf-8")
    assert "fel i inloggningen" in kept and "198507099805" not in kept
