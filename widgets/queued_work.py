"""What the desk did while the server was away: Kund > Köade åtgärder…, the status-bar counter and
the "Köad" line above the open person card.

* The view lists every entry of the desk's outbox: Köad (waits for the server), Skickad, Konflikt
  (the server refused it: the reason in red) and Kasserad. A conflict can be opened, corrected
  field by field and sent again, or discarded with a reason (audited on the server).
* The status bar says "2 köade · 1 konflikt" while there is anything to say; a click opens the view.
* Above the person card a yellow line shows the open person's own queued work ("Köad: Frys –
  skickas när kontakten är tillbaka"), so the desk always sees what it did (read your writes).

The outbox changes on the sync thread; a queued signal brings each change to the UI thread.
"""
from __future__ import annotations

import logging

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import (QAbstractItemView, QDialog, QDialogButtonBox, QFormLayout, QHBoxLayout,
                               QHeaderView, QLabel, QLineEdit, QMessageBox, QPushButton, QScrollArea,
                               QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from app.clock import STOCKHOLM
from app.errors import UserError
from app.routines.offline import discard_queued, editable_fields, resend_corrected
from app.sync.outbox import CONFLICT, QUEUED, Entry
from widgets.tones import tone_color, tone_style

log = logging.getLogger("reception.ui.outbox")
QUEUED_STYLE = ("QLabel#queued_for_person { background: #fff4ce; border: 1px solid #c77700; padding: 6px;"
                " color: #4a3000; font-weight: 600; }")


class _Relay(QObject):
    changed = Signal()


def _time(entry: Entry) -> str:
    return entry.queued_at.astimezone(STOCKHOLM).strftime("%Y-%m-%d %H:%M")


class CorrectDialog(QDialog):
    """The entered data of a conflicting entry, field by field; Skicka igen queues it again."""

    def __init__(self, parent, services, entry: Entry) -> None:
        super().__init__(parent)
        self.services, self.entry = services, entry
        self.setWindowTitle(f"Rätta och skicka igen – {entry.title}")
        layout = QVBoxLayout(self)
        reason = QLabel(f"Servern tog inte emot åtgärden: {entry.reason}")
        reason.setObjectName("conflict_reason")
        reason.setWordWrap(True)
        reason.setStyleSheet(tone_style("error", "font-weight: 600;"))
        layout.addWidget(reason)
        form_host = QWidget()
        form = QFormLayout(form_host)
        self.edits: dict[tuple, QLineEdit] = {}
        for field in editable_fields(entry.command):
            edit = QLineEdit(field.value)
            edit.setObjectName("field_" + "_".join(map(str, field.path)))
            edit.setReadOnly(field.kind == "fixed")
            edit.setEnabled(field.kind != "fixed")  # shown for reference, not in the Tab order
            self.edits[field.path] = edit
            form.addRow(field.label, edit)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(form_host)
        layout.addWidget(scroll, 1)
        self.error = QLabel("")
        self.error.setObjectName("correct_error")
        self.error.setWordWrap(True)
        self.error.setStyleSheet(tone_style("error"))
        layout.addWidget(self.error)
        buttons = QDialogButtonBox()
        self.send_button = buttons.addButton("&Skicka igen", QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton("Avbryt", QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self.send)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(620, 560)

    def send(self) -> None:
        edits = {path: edit.text() for path, edit in self.edits.items() if not edit.isReadOnly()}
        try:
            resend_corrected(self.services.core, self.services.actor, self.entry.command_id, edits)
        except UserError as err:
            self.error.setText(err.message)
            return
        self.accept()


class DiscardDialog(QDialog):
    def __init__(self, parent, services, entry: Entry) -> None:
        super().__init__(parent)
        self.services, self.entry = services, entry
        self.setWindowTitle("Kassera köad åtgärd")
        layout = QVBoxLayout(self)
        text = QLabel(f"{entry.summary} ({_time(entry)}) tas bort ur kön och skickas aldrig. Varför?")
        text.setWordWrap(True)
        layout.addWidget(text)
        self.reason = QLineEdit()
        self.reason.setObjectName("discard_reason")
        self.reason.setPlaceholderText("T.ex. kunden ångrade sig, registrerad på nytt")
        layout.addWidget(self.reason)
        self.error = QLabel("")
        self.error.setObjectName("discard_error")
        self.error.setStyleSheet(tone_style("error"))
        layout.addWidget(self.error)
        buttons = QDialogButtonBox()
        buttons.addButton("&Kassera", QDialogButtonBox.ButtonRole.AcceptRole)
        cancel = buttons.addButton("Avbryt", QDialogButtonBox.ButtonRole.RejectRole)
        cancel.setDefault(False)
        buttons.accepted.connect(self.discard)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def discard(self) -> None:
        try:
            discard_queued(self.services.core, self.services.actor, self.entry.command_id, self.reason.text())
        except UserError as err:
            self.error.setText(err.message)
            self.reason.setFocus()
            return
        self.accept()


class QueuedWorkDialog(QDialog):
    """Kund > Köade åtgärder…"""

    COLUMNS = ("Köad", "Åtgärd", "Användare", "Status", "Orsak / resultat")

    def __init__(self, parent, services) -> None:
        super().__init__(parent)
        self.services = services
        self.outbox = services.core.outbox
        self.setWindowTitle("Köade åtgärder")
        layout = QVBoxLayout(self)
        intro = QLabel("Det som gjorts vid den här datorn utan kontakt med servern. Köade åtgärder skickas när "
                       "kontakten är tillbaka. En konflikt har servern inte tagit emot: rätta och skicka igen, "
                       "eller kassera den med en anledning.")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.table = QTableWidget(0, len(self.COLUMNS))
        self.table.setObjectName("queued_table")
        self.table.setHorizontalHeaderLabels(self.COLUMNS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        self.table.itemSelectionChanged.connect(self._selection)
        self.table.doubleClicked.connect(lambda _i: self.correct())
        layout.addWidget(self.table, 1)
        row = QHBoxLayout()
        self.correct_button = QPushButton("&Rätta och skicka igen…")
        self.correct_button.clicked.connect(self.correct)
        self.discard_button = QPushButton("&Kassera…")
        self.discard_button.clicked.connect(self.discard)
        close = QPushButton("&Stäng")
        close.clicked.connect(self.accept)
        row.addWidget(self.correct_button)
        row.addWidget(self.discard_button)
        row.addStretch(1)
        row.addWidget(close)
        layout.addLayout(row)
        self.relay = _Relay(self)
        self.relay.changed.connect(self.reload, Qt.ConnectionType.QueuedConnection)
        self._unsubscribe = self.outbox.subscribe(self.relay.changed.emit)
        self.finished.connect(lambda _r: self._unsubscribe())
        self.entries: list[Entry] = []
        self.resize(980, 480)
        self.reload()

    def reload(self) -> None:
        selected = self.current()
        self.entries = list(reversed(self.outbox.entries()))  # newest first
        self.table.setRowCount(len(self.entries))
        for r, entry in enumerate(self.entries):
            detail = entry.reason or entry.last_error or (entry.discard_reason and
                                                         f"Kasserad av {entry.discarded_by}: {entry.discard_reason}")
            values = (_time(entry), entry.summary, entry.actor_data.get("username", ""), entry.state_text,
                      detail or "")
            for c, value in enumerate(values):
                item = QTableWidgetItem(value)
                if entry.state == CONFLICT:
                    item.setForeground(tone_color("error"))
                self.table.setItem(r, c, item)
        if selected is not None:
            for r, entry in enumerate(self.entries):
                if entry.command_id == selected.command_id:
                    self.table.selectRow(r)
        elif self.entries:
            self.table.selectRow(0)
        self._selection()

    def current(self) -> Entry | None:
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        return self.entries[rows[0].row()] if rows and rows[0].row() < len(self.entries) else None

    def _selection(self) -> None:
        entry = self.current()
        self.correct_button.setEnabled(entry is not None and entry.state == CONFLICT)
        self.discard_button.setEnabled(entry is not None and entry.state in (CONFLICT, QUEUED))

    def correct(self) -> None:
        entry = self.current()
        if entry is None or entry.state != CONFLICT:
            return
        CorrectDialog(self, self.services, entry).exec()
        self.reload()

    def discard(self) -> None:
        entry = self.current()
        if entry is None:
            return
        DiscardDialog(self, self.services, entry).exec()
        self.reload()


class QueuedWork(QObject):
    """The window's part: the status-bar counter, the line above the card, the menu entry's dialog."""

    def __init__(self, window) -> None:
        super().__init__(window)
        self.window = window
        self.services = window.services
        self.outbox = self.services.core.outbox
        self.counter = QPushButton("")
        self.counter.setObjectName("queued_counter")
        self.counter.setFlat(True)
        self.counter.setStyleSheet("QPushButton { color: #4a3000; font-weight: 600; }")
        self.counter.clicked.connect(self.show_dialog)
        window.statusBar().addPermanentWidget(self.counter)
        self.person_line = QLabel("")
        self.person_line.setObjectName("queued_for_person")
        self.person_line.setWordWrap(True)
        self.person_line.setStyleSheet(QUEUED_STYLE)
        self.person_line.hide()
        self.relay = _Relay(self)
        self.relay.changed.connect(self.refresh, Qt.ConnectionType.QueuedConnection)
        self._unsubscribe = self.outbox.subscribe(self.relay.changed.emit)
        self.dialog: QueuedWorkDialog | None = None
        self.current_person: int | None = None  # the card being shown (its data may still be loading)
        self.refresh()

    def stop(self) -> None:
        self._unsubscribe()

    def refresh(self) -> None:
        counts = self.outbox.counts()
        parts = []
        if counts.get(QUEUED):
            parts.append(f"{counts[QUEUED]} köad{'e' if counts[QUEUED] > 1 else ''}")
        if counts.get(CONFLICT):
            parts.append(f"{counts[CONFLICT]} konflikt{'er' if counts[CONFLICT] > 1 else ''}")
        self.counter.setText("Köade åtgärder: " + " · ".join(parts) if parts else "")
        self.counter.setVisible(bool(parts))
        card = self.window.person_card
        self.show_for_person(self.current_person if self.window.stack.currentWidget() is card else None)

    def show_for_person(self, person_id: int | None) -> None:
        self.current_person = person_id
        entries = self.outbox.for_person(person_id) if person_id is not None else []
        if not entries:
            self.person_line.hide()
            return
        lines = []
        for entry in entries:
            if entry.state == CONFLICT:
                lines.append(f"Konflikt: {entry.title} – {entry.reason} (Kund > Köade åtgärder)")
            elif entry.state == QUEUED:
                lines.append(f"Köad: {entry.title} ({_time(entry)}) – skickas när kontakten är tillbaka")
            else:
                lines.append(f"Skickad: {entry.title} – visas här när kopian är uppdaterad")
        self.person_line.setText("\n".join(lines))
        self.person_line.show()

    def show_dialog(self) -> QueuedWorkDialog:
        if self.dialog is None or not self.dialog.isVisible():
            self.dialog = QueuedWorkDialog(self.window, self.services)
        self.dialog.show()
        self.dialog.raise_()
        self.dialog.activateWindow()
        return self.dialog


