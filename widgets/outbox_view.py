"""Inställningar > E-post och SMS…: the outbox — waiting, sent and failed messages (issue 12 point 7).

Every user sees the list and why a message has not left (no server set, the server's answer, the
number of attempts). *Skicka om* and *Ta bort* are there for a user with the right
Systeminställningar; each is one audited run of app.routines.outbox_admin.ChangeOutboxMessage.
"""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QDialog, QDialogButtonBox, QHBoxLayout, QHeaderView,
                               QLabel, QPushButton, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from app.errors import UserError
from app.queries.outbox import CHANNEL_TEXT, STATUS_TEXT, OutboxRow, outbox_counts, outbox_rows
from app.rights import SYSTEM_SETTINGS
from app.routines.outbox_admin import ChangeOutboxMessage, OutboxCommand
from widgets.receipt import local_time_text
from widgets.field_messages import make_error_label, set_message

FILTER_CHOICES = (("vantar", "Väntar"), ("misslyckad", "Misslyckade"), ("skickad", "Skickade"), (None, "Alla"))
COLUMNS = ("Kanal", "Mottagare", "Ämne", "Status", "Försök", "Skapat", "Nästa försök / skickat", "Orsak")


def transport_state(core) -> tuple[bool, str]:
    """(e-mail can be sent from this desk, what to say about sms here)."""
    from app.jobs.outbox import smtp_from_settings
    from app.jobs.sms import NO_PASSWORD, sms_from_settings
    from app.settings import load_settings

    try:
        email = smtp_from_settings(core) is not None
    except Exception:  # a keyring that does not answer: the view says mail waits, never crashes
        email = False
    try:
        sms = sms_from_settings(core) is not None
    except Exception:
        sms = False
    if sms:
        return email, "SMS skickas härifrån."
    with core.sessions() as session:
        provider = load_settings(session).sms_provider
    if provider == "ingen":
        return email, "Ingen SMS-leverantör är inställd – sms väntar (Inställningar > Inställningar…)."
    return email, NO_PASSWORD.replace("SMS väntar – ", "SMS väntar: ") + "."


class OutboxDialog(QDialog):
    def __init__(self, services, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.setWindowTitle("E-post och SMS")
        self.rows: list[OutboxRow] = []
        self.may_change = SYSTEM_SETTINGS in services.actor.rights
        self.state = QLabel()
        self.state.setObjectName("transport_state")
        self.state.setWordWrap(True)
        filter_label = QLabel("&Visa")
        self.filter = QComboBox()
        self.filter.setObjectName("filter")
        filter_label.setBuddy(self.filter)
        self.filter.currentIndexChanged.connect(lambda _i: self.reload())
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setObjectName("messages")
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        header = self.table.horizontalHeader()
        for column in range(len(COLUMNS) - 1):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(len(COLUMNS) - 1, QHeaderView.ResizeMode.Stretch)  # the reason: the rest
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.table.verticalHeader().hide()
        self.table.setWordWrap(False)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        self.detail = QLabel()
        self.detail.setObjectName("detail")
        self.detail.setWordWrap(True)
        self.error = make_error_label(self)
        self.resend_button = QPushButton("Skicka &om")
        self.remove_button = QPushButton("&Ta bort")
        self.resend_button.clicked.connect(lambda: self.run("skicka_om"))
        self.remove_button.clicked.connect(lambda: self.run("ta_bort"))
        self.refresh_button = QPushButton("&Uppdatera")
        self.refresh_button.clicked.connect(lambda: self.reload())
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.button(QDialogButtonBox.StandardButton.Close).setText("&Stäng")
        close.rejected.connect(self.reject)

        top = QHBoxLayout()
        top.addWidget(filter_label)
        top.addWidget(self.filter)
        top.addStretch(1)
        top.addWidget(self.refresh_button)
        buttons = QHBoxLayout()
        if self.may_change:
            buttons.addWidget(self.resend_button)
            buttons.addWidget(self.remove_button)
        else:
            self.resend_button.hide()
            self.remove_button.hide()
            buttons.addWidget(QLabel("Skicka om och Ta bort kräver rättigheten Systeminställningar."))
        buttons.addStretch(1)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.state)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.detail)
        layout.addWidget(self.error)
        layout.addLayout(buttons)
        self.resize(900, 480)
        email, sms = transport_state(services.core)
        self.state.setText(self._state_text(email, sms))
        self._fill_filter()
        self.reload()
        self.table.setFocus()

    @staticmethod
    def _state_text(email: bool, sms: str) -> str:
        mail = ("E-post skickas härifrån." if email else
                "Ingen e-postserver är inställd för den här datorn – e-post väntar tills en server anges i "
                "Inställningar > Inställningar… (och lösenordet finns på datorn).")
        return f"{mail} {sms}"

    def _fill_filter(self) -> None:
        with self.services.core.sessions() as session:
            counts = outbox_counts(session)
        current = self.filter.currentData() if self.filter.count() else "vantar"
        self.filter.blockSignals(True)
        self.filter.clear()
        for status, title in FILTER_CHOICES:
            n = counts.get(status, 0) if status else sum(counts.values())
            self.filter.addItem(f"{title} ({n})", status)
        self.filter.setCurrentIndex(max(0, self.filter.findData(current)))
        self.filter.blockSignals(False)

    def reload(self, select_id: int | None = None) -> None:
        with self.services.core.sessions() as session:
            self.rows = outbox_rows(session, self.filter.currentData())
        self.table.setRowCount(len(self.rows))
        for i, row in enumerate(self.rows):
            later = row.sent_at if row.status == "skickad" else (row.next_attempt_at if row.status == "vantar" else None)
            values = (CHANNEL_TEXT.get(row.channel, row.channel), row.recipient, row.subject,
                      STATUS_TEXT.get(row.status, row.status), str(row.attempts), local_time_text(row.created_at),
                      local_time_text(later) if later else "–", row.last_error or "")
            for column, text in enumerate(values):
                item = QTableWidgetItem(text)
                if column == len(values) - 1 and text:
                    item.setToolTip(text)
                self.table.setItem(i, column, item)
        for i, row in enumerate(self.rows):
            if row.id == select_id:
                self.table.selectRow(i)
        if select_id is None and self.rows:
            self.table.selectRow(0)
        self._selection_changed()

    def selected(self) -> OutboxRow | None:
        rows = self.table.selectionModel().selectedRows()
        return self.rows[rows[0].row()] if rows else None

    def _selection_changed(self) -> None:
        row = self.selected()
        changeable = row is not None and row.status != "skickad"
        self.resend_button.setEnabled(changeable)
        self.remove_button.setEnabled(changeable)
        if row is None:
            self.detail.setText("Inga meddelanden." if not self.rows else "")
            return
        reason = f" Senaste svar: {row.last_error}" if row.last_error else ""
        self.detail.setText(f"{CHANNEL_TEXT.get(row.channel, row.channel)} till {row.recipient}: "
                            f"{STATUS_TEXT.get(row.status, row.status).lower()} efter {row.attempts} försök.{reason}")

    def run(self, action: str) -> None:
        set_message(self.error, None)
        row = self.selected()
        if row is None:
            set_message(self.error, "Välj ett meddelande i listan först.")
            return
        try:
            ChangeOutboxMessage(self.services.core).execute(OutboxCommand(action, row.id), self.services.actor)
        except UserError as err:
            set_message(self.error, err.message)
            self._fill_filter()
            self.reload()
            return
        self.services.bus.status.emit("Meddelandet skickas vid nästa utskick." if action == "skicka_om"
                                      else "Meddelandet är borttaget ur utkorgen.")
        self._fill_filter()
        self.reload(row.id if action == "skicka_om" and self.filter.currentData() in (None, "vantar") else None)
