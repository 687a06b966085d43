"""Log-in dialog: user name and password, checked against the database (Argon2 hashes)."""
from __future__ import annotations

from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QVBoxLayout, QWidget)

from app.auth import login
from app.context import Actor, Core
from app.errors import UserError
from widgets.tones import set_muted, tone_style


class LoginDialog(QDialog):
    def __init__(self, core: Core, *, hint: str = "", username: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.core = core
        self.actor: Actor | None = None
        self.setWindowTitle("Reception – logga in")
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.username = QLineEdit(username)
        self.username.setObjectName("username")
        self.password = QLineEdit()
        self.password.setObjectName("password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        form.addRow("&Användarnamn:", self.username)
        form.addRow("&Lösenord:", self.password)
        layout.addLayout(form)
        self.error = QLabel()
        self.error.setObjectName("error")
        self.error.setStyleSheet(tone_style("error"))
        self.error.setWordWrap(True)  # the lock-out message says how long: a line of its own, never clipped
        self.error.hide()
        layout.addWidget(self.error)
        if hint:
            hint_label = QLabel(hint)
            hint_label.setWordWrap(True)
            set_muted(hint_label)
            layout.addWidget(hint_label)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Logga in")
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("Avbryt")
        buttons.accepted.connect(self.try_login)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        (self.password if username else self.username).setFocus()

    def try_login(self) -> None:
        try:
            self.actor = login(self.core, self.username.text(), self.password.text())
        except UserError as err:
            self.error.setText(err.message)
            self.error.show()
            self.adjustSize()  # room for the message: the demo hint below it is not squeezed
            self.password.selectAll()
            self.password.setFocus()
            return
        self.accept()

    @classmethod
    def ask(cls, core: Core, *, hint: str = "", username: str = "", parent: QWidget | None = None) -> Actor | None:
        dialog = cls(core, hint=hint, username=username, parent=parent)
        return dialog.actor if dialog.exec() == QDialog.DialogCode.Accepted else None
