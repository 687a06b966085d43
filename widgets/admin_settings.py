"""Inställningar > Kundrutiner… and Inställningar > Inställningar…: forms generated from the
declarations in app.settings.OPTIONS.

Every Option of the dialog's page becomes one field in the box of its group (in declaration order),
with its Swedish title, unit, help text and a red message line. A setting another module declares
later appears here without code of its own, as long as its kind is one of EDITORS. Spara runs the
routine app.routines.admin_settings.SaveSettings with the changed keys; a refused value is shown
at its field and nothing is written.
"""
from __future__ import annotations

from typing import Any, Callable

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Qt, QTimer, Signal
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDialog, QDialogButtonBox, QGroupBox, QHBoxLayout, QLabel,
                               QLineEdit, QListWidget, QListWidgetItem, QPlainTextEdit, QPushButton, QScrollArea, QSpinBox,
                               QVBoxLayout, QWidget)

from app.errors import UserError
from app.queries.admin import price_lists, product_choices
from app.routines.admin_settings import SaveSettings, SaveSettingsCommand
from app.settings import GLOBAL_PAGE, LENGTH_MAX, OPTIONS, ROUTINES_PAGE, Option, stored_values
from widgets.field_messages import make_error_label, set_message
from widgets.tones import muted_color, set_muted, tone_style

HELP_STYLE = "font-size: 9pt;"  # with set_muted: the theme's dimmed colour
SPIN_MAX = 99_999  # the spin boxes take more than the options allow, so the routine's reason is shown


class Editor:
    """One setting's input widget: ``widget`` to place, ``get``/``set`` the value as stored."""

    def __init__(self, widget: QWidget, get: Callable[[], Any], set_: Callable[[Any], None],
                 focus: QWidget | None = None) -> None:
        self.widget, self.get, self.set, self.focus = widget, get, set_, focus or widget


def _spin(parent: QWidget, minimum: int = 0) -> QSpinBox:
    spin = QSpinBox(parent)
    spin.setRange(min(0, minimum), SPIN_MAX)
    spin.setMinimumWidth(90)
    return spin


def _row(parent: QWidget, *widgets: QWidget, unit: str = "") -> QWidget:
    row = QWidget(parent)
    layout = QHBoxLayout(row)
    layout.setContentsMargins(0, 0, 0, 0)
    for w in widgets:
        layout.addWidget(w)
    if unit:
        layout.addWidget(QLabel(unit, row))
    layout.addStretch(1)
    return row


def _bool_editor(dialog, option: Option) -> Editor:
    box = QCheckBox(option.title, dialog)
    return Editor(box, box.isChecked, lambda v: box.setChecked(bool(v)))


def _int_editor(dialog, option: Option) -> Editor:
    spin = _spin(dialog, option.minimum)
    return Editor(_row(dialog, spin, unit=option.unit), spin.value, spin.setValue, spin)


def _text_editor(dialog, option: Option) -> Editor:
    if option.lines > 1:
        edit = QPlainTextEdit(dialog)
        edit.setFixedHeight(22 * option.lines + 12)
        return Editor(edit, edit.toPlainText, edit.setPlainText)
    line = QLineEdit(dialog)
    if option.maximum:
        line.setMaxLength(option.maximum)
    return Editor(_row(dialog, line, unit=option.unit) if option.unit else line, line.text, line.setText, line)


def _choice_editor(dialog, option: Option) -> Editor:
    combo = QComboBox(dialog)
    for value, label in option.choices:
        combo.addItem(label, value)
    return Editor(_row(dialog, combo), combo.currentData, lambda v: combo.setCurrentIndex(max(0, combo.findData(v))),
                  combo)


def _price_list_editor(dialog, option: Option) -> Editor:
    combo = QComboBox(dialog)
    combo.addItem("(ingen prislista)", None)
    for row in dialog.price_lists:
        combo.addItem(row.name, row.id)
    return Editor(_row(dialog, combo), combo.currentData, lambda v: combo.setCurrentIndex(max(0, combo.findData(v))),
                  combo)


def _length_editor(dialog, option: Option) -> Editor:
    spin = _spin(dialog)
    unit = QComboBox(dialog)
    for name in LENGTH_MAX:
        unit.addItem(name, name)

    def set_(value: dict) -> None:
        spin.setValue(int(value["number"]))
        unit.setCurrentIndex(max(0, unit.findData(value["unit"])))

    editor = Editor(_row(dialog, spin, unit), lambda: {"number": spin.value(), "unit": unit.currentData()}, set_,
                    spin)
    editor.number, editor.unit = spin, unit
    return editor


def _product_list_editor(dialog, option: Option) -> Editor:
    listing = QListWidget(dialog)
    listing.setMaximumHeight(120)

    def set_(ids: list) -> None:
        listing.clear()
        for product in dialog.products:
            if not product.active and product.id not in ids:
                continue
            item = QListWidgetItem(product.name if product.active else f"{product.name} (inaktiv)", listing)
            item.setData(Qt.ItemDataRole.UserRole, product.id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if product.id in ids else Qt.CheckState.Unchecked)

    def get() -> list:
        return [listing.item(i).data(Qt.ItemDataRole.UserRole) for i in range(listing.count())
                if listing.item(i).checkState() == Qt.CheckState.Checked]

    return Editor(listing, get, set_)


def _followup_editor(dialog, option: Option) -> Editor:
    days = _spin(dialog)
    email = QCheckBox("via e-post", dialog)
    sms = QCheckBox("via SMS", dialog)

    def set_(value: dict) -> None:
        days.setValue(int(value.get("days", 0)))
        email.setChecked(bool(value.get("email")))
        sms.setChecked(bool(value.get("sms")))

    editor = Editor(_row(dialog, days, QLabel(option.unit, dialog), email, sms),
                    lambda: {"days": days.value(), "email": email.isChecked(), "sms": sms.isChecked()}, set_, days)
    editor.days, editor.email, editor.sms = days, email, sms
    return editor


EDITORS: dict[str, Callable[[Any, Option], Editor]] = {
    "bool": _bool_editor, "int": _int_editor, "text": _text_editor, "choice": _choice_editor,
    "price_list": _price_list_editor, "length": _length_editor, "product_list": _product_list_editor,
    "followup": _followup_editor,
}

PAGE_TITLES = {ROUTINES_PAGE: "Kundrutiner", GLOBAL_PAGE: "Inställningar"}


class SettingsDialog(QDialog):
    """The generated form for one page of settings; Spara writes the changed ones in one routine."""

    def __init__(self, services, page: str = ROUTINES_PAGE, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.page = page
        self.setWindowTitle(PAGE_TITLES[page])
        self.options = [o for o in OPTIONS if o.page == page]
        with services.core.sessions() as session:
            self.shown = stored_values(session)
            self.price_lists = price_lists(session, services.actor)
            self.products = product_choices(session, services.actor)
        self.editors: dict[str, Editor] = {}
        self.errors: dict[str, QLabel] = {}
        self.groups: dict[str, QGroupBox] = {}

        body = QWidget()
        self.body_layout = QVBoxLayout(body)
        for option in self.options:
            self._add(option)
        self.extra_layout = QVBoxLayout()  # room for page-specific parts (the e-mail password)
        self.body_layout.addLayout(self.extra_layout)
        self.body_layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(body)
        self.message = make_error_label(self)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Save).setText("&Spara")
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("&Avbryt")
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(scroll, 1)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self.resize(760, 720)

    @property
    def save_button(self):
        return self.buttons.button(QDialogButtonBox.StandardButton.Save)

    def _group(self, name: str) -> QVBoxLayout:
        if name not in self.groups:
            box = QGroupBox(name)
            box.setLayout(QVBoxLayout())
            self.groups[name] = box
            self.body_layout.addWidget(box)
        return self.groups[name].layout()

    def _add(self, option: Option) -> None:
        make = EDITORS.get(option.kind)
        if make is None:
            raise TypeError(f"no editor for setting kind {option.kind!r} ({option.key})")
        layout = self._group(option.group)
        editor = make(self, option)
        editor.set(self.shown[option.key])
        editor.widget.setObjectName(option.key)
        if option.kind != "bool":
            title = QLabel(option.title)
            title.setWordWrap(True)
            title.setBuddy(editor.focus)
            layout.addWidget(title)
        layout.addWidget(editor.widget)
        if option.help:
            help_label = QLabel(option.help)
            help_label.setWordWrap(True)
            help_label.setStyleSheet(HELP_STYLE)
            set_muted(help_label)
            layout.addWidget(help_label)
        error = make_error_label(self)
        layout.addWidget(error)
        self.editors[option.key] = editor
        self.errors[option.key] = error

    # -- values ------------------------------------------------------------
    def values(self) -> dict[str, Any]:
        return {key: editor.get() for key, editor in self.editors.items()}

    def command(self) -> SaveSettingsCommand:
        return SaveSettingsCommand.of({k: self.shown[k] for k in self.editors}, self.values())

    def clear_errors(self) -> None:
        for label in (*self.errors.values(), self.message):
            set_message(label, None)

    def show_error(self, err: UserError) -> None:
        label = self.errors.get(err.field or "")
        if label is None:
            set_message(self.message, err.message)
            return
        set_message(label, err.message)
        editor = self.editors.get(err.field)
        if editor is not None:
            editor.focus.setFocus(Qt.FocusReason.OtherFocusReason)
        scroll = self.findChild(QScrollArea)
        if scroll is not None:  # once the message has its place in the layout
            QTimer.singleShot(0, scroll, lambda: scroll.ensureWidgetVisible(label, 20, 40))

    def before_save(self) -> None:
        """Page-specific work that must succeed before the settings are written (raises UserError)."""

    def after_save(self) -> None:
        """Page-specific work after the settings are written."""

    def save(self) -> None:
        self.clear_errors()
        command = self.command()
        try:
            self.before_save()
            if command.changes:
                SaveSettings(self.services.core).execute(command, self.services.actor)
            self.after_save()
        except UserError as err:
            self.show_error(err)
            return
        self.saved_keys = tuple(c.key for c in command.changes)
        bus = getattr(self.services, "bus", None)
        if bus is not None and command.changes:
            bus.status.emit(f"{PAGE_TITLES[self.page]}: {len(command.changes)} ändring(ar) sparade.")
        self.accept()


class _Relay(QObject):
    done = Signal(object)  # None = sent, else the Swedish reason


class _TestMailJob(QRunnable):
    """Sends the test message (or test SMS) on a pool thread: a slow or dead server never freezes the desk."""

    def __init__(self, transport, recipient: str, club: str, relay: _Relay, send=None) -> None:
        super().__init__()
        self.transport, self.recipient, self.club, self.relay = transport, recipient, club, relay
        self.send = send

    def run(self) -> None:
        from app.jobs.mail_test import send_test_message

        result = (self.send or send_test_message)(self.transport, self.recipient, self.club)
        try:
            self.relay.done.emit(result)
        except RuntimeError:  # the dialog closed while the message was on its way
            pass


class GlobalSettingsDialog(SettingsDialog):
    """Inställningar…: the global switches, the club's name, e-mail and SMS. The SMTP password and the
    SMS provider's API password are kept in this PC's keyring (app.secrets), never in the database;
    see docs/decisions/smtp-password.md and docs/decisions/sms.md."""

    def __init__(self, services, parent: QWidget | None = None) -> None:
        super().__init__(services, GLOBAL_PAGE, parent)
        self.setWindowTitle("Inställningar")
        mail = self._group("E-post")
        password_label = QLabel("&Lösenord")
        self.password_edit = QLineEdit()
        self.password_edit.setObjectName("smtp_password")
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_edit.setPlaceholderText("oförändrat")
        password_label.setBuddy(self.password_edit)
        self.password_state = QLabel()
        self.password_state.setWordWrap(True)
        self.password_state.setStyleSheet(HELP_STYLE)
        set_muted(self.password_state)
        self.password_error = make_error_label(self)
        for widget in (password_label, self.password_edit, self.password_state, self.password_error):
            mail.addWidget(widget)
        self.errors["smtp_password"] = self.password_error
        test_label = QLabel("Skicka ett &testmeddelande till")
        self.test_recipient = QLineEdit()
        self.test_recipient.setObjectName("test_recipient")
        self.test_recipient.setPlaceholderText("din.adress@klubben.se")
        test_label.setBuddy(self.test_recipient)
        self.test_button = QPushButton("Skicka &testmeddelande")
        self.test_button.clicked.connect(self.send_test)
        self.test_result = QLabel()
        self.test_result.setWordWrap(True)
        self.test_result.setObjectName("test_result")
        self.test_result.hide()
        mail.addWidget(test_label)
        mail.addWidget(_row(self, self.test_recipient, self.test_button))
        mail.addWidget(self.test_result)
        self.relay = _Relay(self)
        self.relay.done.connect(self._test_done)
        for key in ("smtp_user", "smtp_host"):  # the password belongs to user@host: say whether it is stored
            self.editors[key].focus.textChanged.connect(self._show_password_state)
        self._show_password_state()
        self._add_sms()

    def _show_password_state(self) -> None:
        from app.secrets import smtp_password

        user, host = self.editors["smtp_user"].get().strip(), self.editors["smtp_host"].get().strip()
        if not user:
            text = "Inget användarnamn: servern används utan inloggning."
        elif smtp_password(user, host) is not None:
            text = "Ett lösenord är sparat i den här datorns nyckelring. Lämna fältet tomt för att behålla det."
        else:
            text = ("Inget lösenord är sparat på den här datorn: den skickar ingen e-post förrän lösenordet "
                    "anges här (varje dator som ska skicka e-post behöver det).")
        self.password_state.setText(text)

    def _password(self) -> str | None:
        from app.secrets import smtp_password

        typed = self.password_edit.text()
        if typed:
            return typed
        user, host = self.editors["smtp_user"].get().strip(), self.editors["smtp_host"].get().strip()
        return smtp_password(user, host) if user else None

    def _store_smtp_password(self) -> None:
        from app.errors import ValidationError
        from app.secrets import store_smtp_password

        typed = self.password_edit.text()
        user, host = self.editors["smtp_user"].get().strip(), self.editors["smtp_host"].get().strip()
        if not typed:
            return
        if not user:
            raise ValidationError("Ange användarnamnet som lösenordet hör till.", field="smtp_password")
        try:
            store_smtp_password(user, host, typed)
        except Exception as err:  # no keyring backend on this PC
            raise ValidationError("Lösenordet kunde inte sparas i datorns nyckelring "
                                  f"({type(err).__name__}). Övriga inställningar är sparade.",
                                  field="smtp_password") from None

    def send_test(self) -> None:
        from app.domain.inputs import check_email
        from app.errors import ValidationError
        from app.jobs.outbox import smtp_transport
        from app.settings import BusinessSettings, check_values

        self.clear_errors()
        values = {**self.shown, **self.values()}
        try:
            with self.services.core.sessions() as session:
                check_values(session, {k: values[k] for k in self.editors})
            if not values["smtp_host"].strip():
                raise ValidationError("Ange e-postservern först.", field="smtp_host")
            recipient = check_email(self.test_recipient.text(), "test_recipient")
        except ValidationError as err:
            if err.field == "test_recipient":
                self._show_test(False, "Ange en giltig e-postadress att skicka testmeddelandet till.")
            else:
                self.show_error(err)
            return
        transport = smtp_transport(BusinessSettings(**values), self._password())
        if transport is None:
            self.show_error(ValidationError("Ange lösenordet för användarnamnet (eller töm användarnamnet).",
                                            field="smtp_password"))
            return
        self.test_button.setEnabled(False)
        self._show_test(None, f"Skickar till {recipient} via {transport.host}:{transport.port} …")
        QThreadPool.globalInstance().start(_TestMailJob(transport, recipient, values["club_name"], self.relay))

    def _test_done(self, reason: str | None) -> None:
        self.test_button.setEnabled(True)
        if reason is None:
            self._show_test(True, "Testmeddelandet är skickat. Kontrollera att det har kommit fram.")
        else:
            self._show_test(False, f"Testmeddelandet kunde inte skickas: {reason}")

    def _show_test(self, ok: bool | None, text: str) -> None:
        self.test_result.setStyleSheet({True: tone_style("ok"), False: tone_style("error"),
                                        None: f"color: {muted_color().name()};"}[ok])
        self.test_result.setProperty("ok", ok)
        self.test_result.setText(text)
        self.test_result.show()

    # -- SMS ---------------------------------------------------------------
    def _add_sms(self) -> None:
        """Under the generated SMS fields: the API password (keyring) and "Skicka test-SMS"."""
        sms = self._group("SMS")
        label = QLabel("API-&lösenord")
        self.sms_password_edit = QLineEdit()
        self.sms_password_edit.setObjectName("sms_password")
        self.sms_password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.sms_password_edit.setPlaceholderText("oförändrat")
        label.setBuddy(self.sms_password_edit)
        self.sms_password_state = QLabel()
        self.sms_password_state.setWordWrap(True)
        self.sms_password_state.setStyleSheet(HELP_STYLE)
        self.sms_password_error = make_error_label(self)
        for widget in (label, self.sms_password_edit, self.sms_password_state, self.sms_password_error):
            sms.addWidget(widget)
        self.errors["sms_password"] = self.sms_password_error
        test_label = QLabel("Skicka ett test-SMS till &mobilnummer")
        self.sms_test_recipient = QLineEdit()
        self.sms_test_recipient.setObjectName("sms_test_recipient")
        self.sms_test_recipient.setPlaceholderText("070-123 45 67")
        test_label.setBuddy(self.sms_test_recipient)
        self.sms_test_button = QPushButton("Skicka test-&SMS")
        self.sms_test_button.clicked.connect(self.send_test_sms)
        self.sms_test_result = QLabel()
        self.sms_test_result.setWordWrap(True)
        self.sms_test_result.setObjectName("sms_test_result")
        self.sms_test_result.hide()
        sms.addWidget(test_label)
        sms.addWidget(_row(self, self.sms_test_recipient, self.sms_test_button))
        sms.addWidget(self.sms_test_result)
        self.sms_relay = _Relay(self)
        self.sms_relay.done.connect(self._sms_test_done)
        for key in ("sms_username", "sms_api_url"):  # the password belongs to user@address
            self.editors[key].focus.textChanged.connect(self._show_sms_password_state)
        self._show_sms_password_state()

    def _sms_account(self) -> tuple[str, str]:
        return self.editors["sms_username"].get().strip(), self.editors["sms_api_url"].get().strip()

    def _show_sms_password_state(self) -> None:
        from app.secrets import sms_password

        user, url = self._sms_account()
        if not user:
            text = "Ange API-användarnamnet först; lösenordet hör till det."
        elif sms_password(user, url) is not None:
            text = "Ett API-lösenord är sparat i den här datorns nyckelring. Lämna fältet tomt för att behålla det."
        else:
            text = ("Inget API-lösenord är sparat på den här datorn: den skickar inga SMS förrän lösenordet "
                    "anges här (varje dator som ska skicka SMS behöver det).")
        self.sms_password_state.setText(text)

    def _sms_password(self) -> str | None:
        from app.secrets import sms_password

        typed = self.sms_password_edit.text()
        if typed:
            return typed
        user, url = self._sms_account()
        return sms_password(user, url) if user else None

    def before_save(self) -> None:
        from app.errors import ValidationError

        # With a provider chosen, Spara itself refuses an empty user name at its field.
        if self.sms_password_edit.text() and not self._sms_account()[0] \
                and self.editors["sms_provider"].get() == "ingen":
            raise ValidationError("Ange API-användarnamnet som lösenordet hör till.", field="sms_password")

    def after_save(self) -> None:
        from app.errors import ValidationError
        from app.secrets import store_sms_password

        errors = []
        try:
            self._store_smtp_password()
        except ValidationError as err:
            errors.append(err)
        typed = self.sms_password_edit.text()
        if typed:
            user, url = self._sms_account()
            try:
                store_sms_password(user, url, typed)
            except Exception as err:  # no keyring backend on this PC
                errors.append(ValidationError("API-lösenordet kunde inte sparas i datorns nyckelring "
                                              f"({type(err).__name__}). Övriga inställningar är sparade.",
                                              field="sms_password"))
        if errors:
            raise errors[0]

    def send_test_sms(self) -> None:
        from app.errors import ValidationError
        from app.jobs.sms import e164, send_test_sms, sms_transport
        from app.settings import BusinessSettings, check_values

        self.clear_errors()
        values = {**self.shown, **self.values()}
        try:
            if values["sms_provider"] == "ingen":
                raise ValidationError("Välj en SMS-leverantör först.", field="sms_provider")
            with self.services.core.sessions() as session:
                check_values(session, {k: values[k] for k in self.editors})
        except ValidationError as err:
            self.show_error(err)
            return
        recipient = e164(self.sms_test_recipient.text())
        if recipient is None:
            self._show_sms_test(False, "Ange ett giltigt mobilnummer att skicka test-SMS:et till.")
            return
        transport = sms_transport(BusinessSettings(**values), self._sms_password())
        if transport is None:
            self.show_error(ValidationError("Ange API-lösenordet från SMS-leverantören.", field="sms_password"))
            return
        self.sms_test_button.setEnabled(False)
        self._show_sms_test(None, f"Skickar test-SMS till {recipient} via {transport.url} …")
        QThreadPool.globalInstance().start(_TestMailJob(transport, recipient, values["club_name"], self.sms_relay,
                                                        send_test_sms))

    def _sms_test_done(self, reason: str | None) -> None:
        self.sms_test_button.setEnabled(True)
        if reason is None:
            self._show_sms_test(True, "Test-SMS:et är skickat. Kontrollera att det har kommit fram.")
        else:
            self._show_sms_test(False, f"Test-SMS:et kunde inte skickas: {reason}")

    def _show_sms_test(self, ok: bool | None, text: str) -> None:
        self.sms_test_result.setStyleSheet({True: tone_style("ok"), False: tone_style("error"),
                                            None: f"color: {muted_color().name()};"}[ok])
        self.sms_test_result.setProperty("ok", ok)
        self.sms_test_result.setText(text)
        self.sms_test_result.show()
