"""The offline banner of the main window, the first-fill progress bar, and the card refresh.

Plain words at the top of the window while the desk works from its local copy:
"Ingen kontakt med servern – uppgifterna är från kl. 14:02. Det du gör sparas och skickas när
kontakten är tillbaka." It goes away when the server answers again. While the local copy is filled
the first time a progress bar says so (the desk works on the server meanwhile). A change another
desk makes reaches this desk through NOTIFY; when it concerns the person on the open card, the card
reloads. The sync and the monitor run on worker threads: everything here hops to the UI thread
through queued signals.
"""
from __future__ import annotations

import logging

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QMainWindow, QProgressBar, QVBoxLayout, QWidget

from app.sync.desk import FillProgress, OfflineDesk, banner_text

log = logging.getLogger("reception.ui.offline")
BANNER_STYLE = ("QWidget#offline_banner { background: #fff4ce; border-bottom: 2px solid #c77700; }"
                "QLabel { color: #4a3000; font-size: 12pt; font-weight: 600; }")
PROBLEM_STYLE = "color: #b00020; font-weight: 600;"


class _Relay(QObject):
    state_changed = Signal()
    changed = Signal(object)      # set of person ids
    progress = Signal(int, int)
    problem = Signal(str)


class OfflineBanner(QWidget):
    def __init__(self, window: QMainWindow, offline: OfflineDesk | None) -> None:
        super().__init__(window)
        self.window_ = window
        self.core = window.services.core
        self.offline = offline
        self.setObjectName("offline_banner")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setStyleSheet(BANNER_STYLE)
        self.label = QLabel(self)
        self.label.setObjectName("offline_text")
        self.label.setWordWrap(True)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 8)
        layout.addWidget(self.label, 1)
        self.hide()

        self.fill_bar = QProgressBar(window)
        self.fill_bar.setObjectName("replica_fill")
        self.fill_bar.setFormat("Den lokala kopian för arbete utan nät fylls: %p %")
        self.fill_bar.hide()
        self.problem_label = QLabel(window)
        self.problem_label.setObjectName("replica_problem")
        self.problem_label.setWordWrap(True)
        self.problem_label.setStyleSheet(PROBLEM_STYLE)
        self.problem_label.hide()

        self.relay = _Relay(self)
        queued = Qt.ConnectionType.QueuedConnection
        self.relay.state_changed.connect(self.refresh, queued)
        self.relay.changed.connect(self._changed, queued)
        self.relay.progress.connect(self._progress, queued)
        self.relay.problem.connect(self._problem, queued)
        self._unsubscribe = self.core.connectivity.subscribe(lambda _c: self.relay.state_changed.emit())
        if offline is not None:
            offline.sync.on_changes.append(lambda result: self.relay.changed.emit(set(result.person_ids)))
            offline.sync.on_progress.append(lambda p: self.relay.progress.emit(p.done, p.total))
            offline.sync.on_problem.append(self.relay.problem.emit)
        # The time in the banner follows data_as_of; a slow tick keeps it right while offline.
        self.timer = QTimer(self)
        self.timer.setInterval(30_000)
        self.timer.timeout.connect(self.refresh)
        self.timer.start()
        self.refresh()

    def stop(self) -> None:
        self.timer.stop()
        self._unsubscribe()

    def refresh(self) -> None:
        state = self.core.connectivity
        if state.online:
            self.hide()
            return
        self.label.setText(banner_text(state, self.core.clock.now()))
        self.show()

    def _changed(self, person_ids: set) -> None:
        window = self.window_
        card = window.person_card
        if card.person_id in person_ids and window.stack.currentWidget() is card:
            card.reload()

    def _progress(self, done: int, total: int) -> None:
        if total <= 0 or FillProgress(done, total, "").finished:
            self.fill_bar.hide()
            return
        self.fill_bar.setRange(0, total)
        self.fill_bar.setValue(done)
        self.fill_bar.show()

    def _problem(self, text: str) -> None:
        self.problem_label.setText(text)
        self.problem_label.setVisible(bool(text))


def install_offline_banner(window: QMainWindow) -> OfflineBanner | None:
    """Put the banner (and the fill bar) above the main window's contents; None on an embedded desk."""
    services = window.services
    if services.core.connectivity is None:
        return None
    offline: OfflineDesk | None = services.extra.get("offline_desk")
    banner = OfflineBanner(window, offline)
    body = window.takeCentralWidget()
    container = QWidget(window)
    layout = QVBoxLayout(container)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(0)
    layout.addWidget(banner)
    layout.addWidget(banner.problem_label)
    layout.addWidget(banner.fill_bar)
    layout.addWidget(body, 1)
    window.setCentralWidget(container)
    if offline is not None:
        window.bus.open_person.connect(offline.note_seen)
    return banner
