"""The idle lock of a shared desk PC (issue 15 §6): after the desk's idle time (Inställningar för den
här datorn > Lås efter inaktivitet, default 15 minutes, "Aldrig" = off) without keyboard, mouse or
card-reader input, a lock screen covers the main window, and every other window of the program
(wizards, admin dialogs, the till, the day overview) is hidden — not closed, so a wizard keeps what was
typed. Arkiv > Lås kassan (Ctrl+L) locks at once.

The next person logs in on the lock screen, through app.auth.login (the same lock-out after wrong
passwords, the same audit). The same user gets everything back as it was; another user gets a fresh
main window of their own (MainWindow.user_switched; widgets/app.py DeskSession), and the previous
user's open windows are closed without saving — what they typed is not handed to somebody else.

A window in a modal loop of its own (a question box, QDialog.exec) stays where it is, blocked by the
lock screen, which is application-modal: hiding it would answer the question.
"""
from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import (QApplication, QDialog, QFormLayout, QFrame, QLabel, QLayout, QLineEdit,
                               QPushButton, QVBoxLayout, QWidget)

from app.auth import login
from app.errors import UserError

ACTIVITY = frozenset({QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.MouseMove,
                      QEvent.Type.Wheel, QEvent.Type.TouchBegin, QEvent.Type.InputMethod})


class IdleWatcher(QObject):
    """Emits `idle` after `interval_ms` without user input anywhere in the application."""

    idle = Signal()

    def __init__(self, parent: QObject, interval_ms: int) -> None:
        super().__init__(parent)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.timeout.connect(self.idle)
        self.paused = False
        QApplication.instance().installEventFilter(self)
        self.set_interval_ms(interval_ms)

    def set_interval_ms(self, interval_ms: int) -> None:
        self.interval_ms = interval_ms
        if interval_ms <= 0:
            self.timer.stop()
        else:
            self.timer.setInterval(interval_ms)
            if not self.paused:
                self.timer.start()

    @property
    def active(self) -> bool:
        return self.timer.isActive()

    def pause(self) -> None:
        self.paused = True
        self.timer.stop()

    def resume(self) -> None:
        self.paused = False
        self.set_interval_ms(self.interval_ms)

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 - Qt API
        if not self.paused and self.interval_ms > 0 and event.type() in ACTIVITY:
            self.timer.start()
        return False


class LockScreen(QWidget):
    """Covers the main window until somebody logs in. `unlocked` (same user) or `switched(actor)`."""

    unlocked = Signal()
    switched = Signal(object)

    def __init__(self, window) -> None:
        super().__init__(window, Qt.WindowType.Window | Qt.WindowType.FramelessWindowHint)
        self.window_ = window
        self.setObjectName("lock_screen")
        self.setWindowTitle("Kassan är låst")
        self.setWindowModality(Qt.WindowModality.ApplicationModal)
        self.setAutoFillBackground(True)
        self.setStyleSheet("#lock_screen { background: #263238; } QLabel { color: white; }"
                           "#lock_box { background: #37474f; border-radius: 8px; }")
        self.hidden_windows: list[QWidget] = []
        actor = window.services.actor
        box = QFrame()
        box.setObjectName("lock_box")
        title = QLabel("Kassan är låst")
        title.setStyleSheet("font-size: 22pt; font-weight: 600;")
        text_width = 460 - 2 * 28  # the box less its margins: a wrapped label knows its height
        self.who = QLabel()
        self.who.setWordWrap(True)
        self.who.setFixedWidth(text_width)
        self.who.setStyleSheet("font-size: 11pt;")
        self.switch_note = QLabel("Loggar en annan användare in stängs de öppna fönstren, och det som inte "
                                  "sparats försvinner.")
        self.switch_note.setWordWrap(True)
        self.switch_note.setFixedWidth(text_width)
        self.switch_note.setStyleSheet("color: #cfd8dc;")
        self.username = QLineEdit(actor.username)
        self.username.setMinimumWidth(260)
        self.username.setObjectName("username")
        self.username.setMaxLength(80)
        self.password = QLineEdit()
        self.password.setObjectName("password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.returnPressed.connect(self.try_login)
        self.username.returnPressed.connect(self.password.setFocus)
        self.error = QLabel()
        self.error.setObjectName("error")
        self.error.setWordWrap(True)
        self.error.setFixedWidth(text_width)
        self.error.setStyleSheet("color: #ffab91; font-weight: 600;")
        self.error.hide()
        self.login_button = QPushButton("&Logga in")
        self.login_button.setDefault(True)
        self.login_button.clicked.connect(self.try_login)
        form = QFormLayout()
        user_label, password_label = QLabel("&Användarnamn"), QLabel("&Lösenord")
        user_label.setBuddy(self.username)
        password_label.setBuddy(self.password)
        form.addRow(user_label, self.username)
        form.addRow(password_label, self.password)
        inner = QVBoxLayout(box)
        inner.setSizeConstraint(QLayout.SizeConstraint.SetFixedSize)  # the box is as big as its wrapped texts
        inner.setContentsMargins(28, 24, 28, 24)
        inner.addWidget(title)
        inner.addWidget(self.who)
        inner.addWidget(self.switch_note)
        inner.addSpacing(8)
        inner.addLayout(form)
        inner.addWidget(self.error)
        inner.addWidget(self.login_button, 0, Qt.AlignmentFlag.AlignRight)
        outer = QVBoxLayout(self)
        outer.addStretch(1)
        outer.addWidget(box, 0, Qt.AlignmentFlag.AlignHCenter)
        outer.addStretch(2)

    # -- locking -------------------------------------------------------------
    def lock(self) -> None:
        if self.isVisible():
            return
        actor = self.window_.services.actor
        self.who.setText(f"{actor.full_name} var inloggad på {actor.desk}. Logga in för att fortsätta – det som "
                         "var öppet finns kvar.")
        self.hidden_windows = [w for w in QApplication.topLevelWidgets()
                               if w.isVisible() and w is not self and w is not self.window_
                               and w.windowType() in (Qt.WindowType.Window, Qt.WindowType.Dialog)  # no tooltips
                               and w.windowModality() != Qt.WindowModality.ApplicationModal]
        for w in self.hidden_windows:
            w.hide()
        self.username.setText(actor.username)
        self.password.clear()
        self.error.hide()
        self.setGeometry(self.window_.frameGeometry())
        self.show()
        self.raise_()
        self.activateWindow()
        self.password.setFocus()

    def restore_windows(self) -> None:
        for w in self.hidden_windows:
            w.show()
        self.hidden_windows = []

    def close_hidden_windows(self) -> None:
        """Another user logged in: the previous user's windows go, without questions and unsaved."""
        for w in self.hidden_windows:
            if isinstance(w, QDialog):
                w.done(QDialog.DialogCode.Rejected)
            w.close()
        self.hidden_windows = []

    def try_login(self) -> None:
        core = self.window_.services.core
        try:
            actor = login(core, self.username.text(), self.password.text())
        except UserError as err:
            self.error.setText(err.message)
            self.error.show()
            self.password.clear()
            self.password.setFocus()
            return
        self.password.clear()
        self.hide()
        if actor.user_id == self.window_.services.actor.user_id:
            self.restore_windows()
            self.unlocked.emit()
        else:
            self.switched.emit(actor)

    def keyPressEvent(self, event) -> None:  # noqa: N802 - Qt API
        if event.key() == Qt.Key.Key_Escape:  # Esc does not unlock
            return
        super().keyPressEvent(event)

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt API
        if self.window_.isVisible():
            event.ignore()  # Alt+F4 on the lock screen does not unlock it
            return
        super().closeEvent(event)


class IdleLock(QObject):
    """The main window's idle watcher and lock screen."""

    def __init__(self, window, minutes: int) -> None:
        super().__init__(window)
        self.window_ = window
        self.screen = LockScreen(window)
        self.watcher = IdleWatcher(self, minutes * 60_000)
        self.watcher.idle.connect(self.lock)
        self.screen.unlocked.connect(self.watcher.resume)

    @property
    def locked(self) -> bool:
        return self.screen.isVisible()

    def set_minutes(self, minutes: int) -> None:
        self.watcher.set_interval_ms(minutes * 60_000)

    def lock(self) -> None:
        self.watcher.pause()
        self.screen.lock()

    def stop(self) -> None:
        """The window closes: no more timer, no more event filter."""
        self.watcher.pause()
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self.watcher)
        self.screen.hide()
