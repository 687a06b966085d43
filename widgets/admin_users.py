"""Inställningar > Användare och roller… (right Administrera användare, issue 12 §6 and issue 15 §6).

Two tabs. *Användare*: the users with role and status (Inaktiv, Spärrad till 14:32); below, the
selected user's form — Ny användare, Spara (app.routines.users_admin.SaveUser), Sätt lösenord
(SetPassword) — and the running lock-outs after wrong passwords with Lås upp (UnlockLogin).
*Roller*: the roles with their rights; Ny roll and Spara (SaveRole). Every change is one audited
routine run with the right checked in the routine; the lists come from app.queries.users, which checks
the right too. A refused value is shown at its field and nothing is written.
"""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QAbstractItemView, QCheckBox, QComboBox, QDialog, QDialogButtonBox, QFormLayout,
                               QGridLayout, QHBoxLayout, QLabel, QLineEdit, QPushButton, QTableWidget,
                               QTableWidgetItem, QTabWidget, QVBoxLayout, QWidget)

from app.clock import STOCKHOLM
from app.errors import UserError
from app.queries.users import LockRow, RoleRow, UserRow, right_rows, role_rows, running_locks, user_rows
from app.routines.users_admin import (MIN_PASSWORD, PasswordCommand, RoleCommand, SaveRole, SaveUser, SetPassword,
                                      UnlockCommand, UnlockLogin, UserCommand)
from widgets.field_messages import make_error_label, set_message
from widgets.tones import set_muted, tone_style

PASSWORDS_DIFFER = "Lösenorden är inte lika. Skriv samma lösenord i båda fälten."


def _table(columns: list[str], name: str) -> QTableWidget:
    table = QTableWidget(0, len(columns))
    table.setObjectName(name)
    table.setHorizontalHeaderLabels(columns)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.horizontalHeader().setStretchLastSection(True)
    table.verticalHeader().hide()
    return table


def _fill(table: QTableWidget, rows: list[tuple[str, ...]], grey: list[bool] | None = None) -> None:
    table.setRowCount(len(rows))
    for i, texts in enumerate(rows):
        for column, text in enumerate(texts):
            item = QTableWidgetItem(text)
            if grey and grey[i]:
                item.setForeground(Qt.GlobalColor.gray)
            table.setItem(i, column, item)


def _local(moment) -> str:
    return f"{moment.astimezone(STOCKHOLM):%H:%M}"


class UsersTab(QWidget):
    def __init__(self, dialog: "UsersDialog") -> None:
        super().__init__()
        self.dialog = dialog
        self.rows: list[UserRow] = []
        self.locks: list[LockRow] = []
        self.table = _table(["Användarnamn", "Namn", "Roll", "Status"], "users")
        self.table.setColumnWidth(0, 130)
        self.table.setColumnWidth(1, 190)
        self.table.setColumnWidth(2, 130)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        self.list_error = make_error_label(self)

        self.username = QLineEdit()
        self.username.setObjectName("username")
        self.username.setMaxLength(80)
        self.full_name = QLineEdit()
        self.full_name.setObjectName("full_name")
        self.full_name.setMaxLength(160)
        self.email = QLineEdit()
        self.email.setObjectName("email")
        self.email.setMaxLength(254)
        self.role = QComboBox()
        self.role.setObjectName("role_id")
        self.active = QCheckBox("&Aktiv (kan logga in)")
        self.active.setObjectName("active")
        self.password = QLineEdit()
        self.password.setObjectName("password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setMaxLength(128)
        self.password.setPlaceholderText(f"minst {MIN_PASSWORD} tecken")
        self.password_again = QLineEdit()
        self.password_again.setObjectName("password_again")
        self.password_again.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_again.setMaxLength(128)
        self.errors = {f: make_error_label(self) for f in ("username", "full_name", "email", "role_id", "active",
                                                           "password")}
        form = QFormLayout()
        for text, field, widget in (("A&nvändarnamn", "username", self.username), ("&Namn", "full_name", self.full_name),
                                    ("&E-post", "email", self.email), ("&Roll", "role_id", self.role),
                                    ("", "active", self.active), ("&Lösenord", "password", self.password)):
            label = QLabel(text)
            label.setBuddy(widget)
            form.addRow(label, widget)
            if field == "password":
                again = QLabel("&Upprepa lösenordet")
                again.setBuddy(self.password_again)
                form.addRow(again, self.password_again)
            form.addRow("", self.errors[field])
        self.password_note = QLabel()
        self.password_note.setWordWrap(True)
        set_muted(self.password_note)
        form.addRow("", self.password_note)

        self.new_button = QPushButton("N&y användare")
        self.save_button = QPushButton("&Spara")
        self.password_button = QPushButton("Sätt &lösenord")
        self.new_button.clicked.connect(self.new_user)
        self.save_button.clicked.connect(self.save)
        self.password_button.clicked.connect(self.set_password)
        buttons = QHBoxLayout()
        for b in (self.new_button, self.save_button, self.password_button):
            buttons.addWidget(b)
        buttons.addStretch(1)

        self.locks_caption = QLabel("<b>Spärrade inloggningar</b> (för många felaktiga lösenord)")
        self.locks_table = _table(["Spärrad", "Namn", "Spärrad till"], "locks")
        self.locks_table.setMaximumHeight(110)
        self.locks_table.setColumnWidth(0, 110)
        self.locks_table.setColumnWidth(1, 200)
        self.locks_table.itemSelectionChanged.connect(self._lock_selection_changed)
        self.unlock_button = QPushButton("Lås &upp")
        self.unlock_button.clicked.connect(self.unlock)
        self.lock_error = make_error_label(self)
        unlock_row = QHBoxLayout()
        unlock_row.addWidget(self.unlock_button)
        unlock_row.addStretch(1)

        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.list_error)
        layout.addLayout(form)
        layout.addLayout(buttons)
        layout.addWidget(self.locks_caption)
        layout.addWidget(self.locks_table)
        layout.addLayout(unlock_row)
        layout.addWidget(self.lock_error)

    # -- data ----------------------------------------------------------------
    def reload(self, select_id: int | None = None) -> None:
        services = self.dialog.services
        now = services.core.clock.now()
        with services.core.sessions() as session:
            self.rows = user_rows(session, services.actor, now)
            roles = role_rows(session, services.actor)
            self.locks = running_locks(session, services.actor, now)
        current = self.role.currentData()
        self.role.clear()
        for role in roles:
            self.role.addItem(role.name, role.id)
        if current is not None:
            self.role.setCurrentIndex(max(0, self.role.findData(current)))

        def status(r: UserRow) -> str:
            parts = ["Aktiv" if r.active else "Inaktiv"]
            if r.locked_until is not None:
                parts.append(f"Spärrad till {_local(r.locked_until)}")
            return " · ".join(parts)

        _fill(self.table, [(r.username, r.full_name, r.role_name, status(r)) for r in self.rows],
              [not r.active for r in self.rows])
        _fill(self.locks_table, [("Användarnamn" if lk.kind == "anvandare" else "Dator", lk.name,
                                  _local(lk.locked_until)) for lk in self.locks])
        self.locks_caption.setVisible(bool(self.locks))
        self.locks_table.setVisible(bool(self.locks))
        self.unlock_button.setVisible(bool(self.locks))
        self.table.clearSelection()
        if select_id is not None:
            for i, r in enumerate(self.rows):
                if r.id == select_id:
                    self.table.selectRow(i)
        if self.selected() is None:
            self.new_user()
        self._lock_selection_changed()

    def selected(self) -> UserRow | None:
        rows = self.table.selectionModel().selectedRows()
        return self.rows[rows[0].row()] if rows else None

    def select(self, username: str) -> None:
        for i, r in enumerate(self.rows):
            if r.username == username:
                self.table.selectRow(i)

    def _clear_messages(self) -> None:
        for label in (*self.errors.values(), self.list_error, self.lock_error):
            set_message(label, None)

    def _selection_changed(self) -> None:
        row = self.selected()
        self._clear_messages()
        self.password.clear()
        self.password_again.clear()
        if row is None:
            return
        self.username.setText(row.username)
        self.full_name.setText(row.full_name)
        self.email.setText(row.email)
        self.role.setCurrentIndex(max(0, self.role.findData(row.role_id)))
        self.active.setChecked(row.active)
        self.password_button.setEnabled(True)
        self.password_note.setText("Skriv ett nytt lösenord två gånger och tryck Sätt lösenord. Spara ändrar "
                                   "de andra uppgifterna.")

    def new_user(self) -> None:
        self.table.clearSelection()
        self._clear_messages()
        for edit in (self.username, self.full_name, self.email, self.password, self.password_again):
            edit.clear()
        receptionist = self.role.findText("Receptionist")
        self.role.setCurrentIndex(receptionist if receptionist >= 0 else 0)
        self.active.setChecked(True)
        self.password_button.setEnabled(False)
        self.password_note.setText(f"En ny användare behöver ett lösenord (minst {MIN_PASSWORD} tecken). "
                                   "Tryck Spara.")
        self.username.setFocus()

    def _show(self, err: UserError) -> None:
        label = self.errors.get(err.field or "")
        set_message(label if label is not None else self.list_error, err.message)

    def _passwords_match(self) -> bool:
        if self.password.text() != self.password_again.text():
            set_message(self.errors["password"], PASSWORDS_DIFFER)
            return False
        return True

    # -- actions ---------------------------------------------------------------
    def save(self) -> None:
        self._clear_messages()
        row = self.selected()
        if row is None and not self._passwords_match():
            return
        command = UserCommand(None if row is None else row.id, self.username.text(), self.full_name.text(),
                              self.role.currentData() or 0, email=self.email.text(), active=self.active.isChecked(),
                              password=self.password.text() if row is None else "")
        try:
            user_id = SaveUser(self.dialog.services.core).execute(command, self.dialog.services.actor)
        except UserError as err:
            self._show(err)
            return
        self.dialog.changed()
        self.reload(user_id)
        self.dialog.status(f"Användaren {command.username.strip().lower()} är sparad.")

    def set_password(self) -> None:
        self._clear_messages()
        row = self.selected()
        if row is None or not self._passwords_match():
            return
        try:
            SetPassword(self.dialog.services.core).execute(PasswordCommand(row.id, self.password.text()),
                                                           self.dialog.services.actor)
        except UserError as err:
            self._show(err)
            return
        self.password.clear()
        self.password_again.clear()
        self.dialog.status(f"Lösenordet för {row.username} är bytt.")

    def selected_lock(self) -> LockRow | None:
        rows = self.locks_table.selectionModel().selectedRows()
        return self.locks[rows[0].row()] if rows else None

    def _lock_selection_changed(self) -> None:
        self.unlock_button.setEnabled(self.selected_lock() is not None)

    def unlock(self) -> None:
        set_message(self.lock_error, None)
        lock = self.selected_lock()
        if lock is None:
            return
        try:
            UnlockLogin(self.dialog.services.core).execute(UnlockCommand(lock.kind, lock.name),
                                                           self.dialog.services.actor)
        except UserError as err:
            set_message(self.lock_error, err.message)
            return
        selected = self.selected()
        self.reload(selected.id if selected else None)
        self.dialog.status(f"{lock.name} kan logga in igen.")


class RolesTab(QWidget):
    def __init__(self, dialog: "UsersDialog") -> None:
        super().__init__()
        self.dialog = dialog
        self.rows: list[RoleRow] = []
        self.table = _table(["Roll", "Rättigheter", "Användare"], "roles")
        self.table.setColumnWidth(0, 150)
        self.table.setColumnWidth(1, 380)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        self.list_error = make_error_label(self)
        self.name = QLineEdit()
        self.name.setObjectName("name")
        self.name.setMaxLength(80)
        self.name_error = make_error_label(self)
        services = dialog.services
        with services.core.sessions() as session:
            rights = right_rows(session, services.actor)
        self.right_boxes: dict[str, QCheckBox] = {}
        grid = QGridLayout()
        for i, right in enumerate(rights):
            box = QCheckBox(right.code)
            box.setToolTip(right.description)
            self.right_boxes[right.code] = box
            grid.addWidget(box, i // 2, i % 2)
        self.rights_error = make_error_label(self)
        form = QFormLayout()
        name_label = QLabel("&Namn")
        name_label.setBuddy(self.name)
        form.addRow(name_label, self.name)
        form.addRow("", self.name_error)
        form.addRow("Rättigheter", grid)
        form.addRow("", self.rights_error)
        self.new_button = QPushButton("N&y roll")
        self.save_button = QPushButton("&Spara roll")
        self.new_button.clicked.connect(self.new_role)
        self.save_button.clicked.connect(self.save)
        buttons = QHBoxLayout()
        buttons.addWidget(self.new_button)
        buttons.addWidget(self.save_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.list_error)
        layout.addLayout(form)
        layout.addLayout(buttons)

    def reload(self, select_id: int | None = None) -> None:
        services = self.dialog.services
        with services.core.sessions() as session:
            self.rows = role_rows(session, services.actor)
        _fill(self.table, [(r.name, ", ".join(r.rights) or "–", str(r.users)) for r in self.rows])
        self.table.clearSelection()
        if select_id is not None:
            for i, r in enumerate(self.rows):
                if r.id == select_id:
                    self.table.selectRow(i)
        if self.selected() is None:
            self.new_role()

    def selected(self) -> RoleRow | None:
        rows = self.table.selectionModel().selectedRows()
        return self.rows[rows[0].row()] if rows else None

    def select(self, name: str) -> None:
        for i, r in enumerate(self.rows):
            if r.name == name:
                self.table.selectRow(i)

    def _clear(self) -> None:
        for label in (self.list_error, self.name_error, self.rights_error):
            set_message(label, None)

    def _selection_changed(self) -> None:
        self._clear()
        row = self.selected()
        if row is None:
            return
        self.name.setText(row.name)
        for code, box in self.right_boxes.items():
            box.setChecked(code in row.rights)

    def new_role(self) -> None:
        self.table.clearSelection()
        self._clear()
        self.name.clear()
        for box in self.right_boxes.values():
            box.setChecked(False)

    def save(self) -> None:
        self._clear()
        row = self.selected()
        command = RoleCommand(None if row is None else row.id, self.name.text(),
                              tuple(code for code, box in self.right_boxes.items() if box.isChecked()))
        try:
            role_id = SaveRole(self.dialog.services.core).execute(command, self.dialog.services.actor)
        except UserError as err:
            label = {"name": self.name_error, "rights": self.rights_error}.get(err.field or "", self.list_error)
            set_message(label, err.message)
            return
        self.dialog.changed()
        self.reload(role_id)
        self.dialog.status(f"Rollen {command.name.strip()} är sparad.")


class UsersDialog(QDialog):
    def __init__(self, services, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.setWindowTitle("Användare och roller")
        self.tabs = QTabWidget()
        self.users = UsersTab(self)
        self.roles = RolesTab(self)
        self.tabs.addTab(self.users, "&Användare")
        self.tabs.addTab(self.roles, "R&oller")
        self.message = QLabel()
        self.message.setObjectName("message")
        self.message.setStyleSheet(tone_style("ok"))
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.button(QDialogButtonBox.StandardButton.Close).setText("S&täng")
        close.rejected.connect(self.reject)
        bottom = QHBoxLayout()
        bottom.addWidget(self.message, 1)
        bottom.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs, 1)
        layout.addLayout(bottom)
        self.resize(760, 720)
        self.users.reload()
        self.roles.reload()

    def changed(self) -> None:
        """A user or a role was saved: both tabs show the new state (role names, user counts)."""
        self.users.reload(self.users.selected().id if self.users.selected() else None)
        self.roles.reload(self.roles.selected().id if self.roles.selected() else None)

    def status(self, text: str) -> None:
        self.message.setText(text)
