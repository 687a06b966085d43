"""The check-in verdict above the person card (issue 13): "Välkommen" or "Nekad", large, with why.

`CheckInBanner` runs the CheckIn routine for a swipe (`check_in_card`) or for the open card
("Checka in", `check_in_person`) and shows the result the moment it is back — before the person
card has loaded below it. A refused member can be let in with "Släpp in ändå…" and a reason
(LetIn routine, audited). Sound: Qt's own `QApplication.beep()` (QtMultimedia is not in the
PySide6-Essentials wheels), once for Välkommen, twice for Nekad; the business setting
"checkin_sounds" turns it off.
"""
from __future__ import annotations

import logging

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (QApplication, QDialog, QDialogButtonBox, QFrame, QHBoxLayout, QLabel, QLineEdit,
                               QPushButton, QVBoxLayout, QWidget)

from app.errors import UserError
from app.routines.checkin import CheckIn, CheckInCommand, CheckInResult, LetIn, LetInCommand
from widgets.search_panel import QueryRunner
from widgets.services import UiServices
from widgets.tones import tone_style

log = logging.getLogger("reception.ui.checkin")
CHECKIN_KEY = "F6"
STYLES = {
    "valkommen": ("#15803d", "#f0fdf4"),
    "inslappt": ("#b45309", "#fffbeb"),
    "nekad": ("#b91c1c", "#fef2f2"),
    "fel": ("#4b5563", "#f3f4f6"),
}
BANNER_HEIGHT = 124
HEADLINES = {"valkommen": "Välkommen", "inslappt": "Insläppt", "nekad": "Nekad"}


def _beep() -> None:
    QApplication.beep()


class LetInDialog(QDialog):
    """"Släpp in ändå": why the refused member is let in (required; shown at the field when missing)."""

    def __init__(self, parent: QWidget, services: UiServices, visit_id: int, refused: str) -> None:
        super().__init__(parent)
        self.services = services
        self.visit_id = visit_id
        self.setWindowTitle("Släpp in ändå")
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(f"Nekad: {refused}\n\nVarför släpps kunden in ändå?"))
        self.reason = QLineEdit(self)
        self.reason.setObjectName("reason")
        self.reason.setPlaceholderText("t.ex. har betalat i kassan, visade legitimation")
        layout.addWidget(self.reason)
        self.error = QLabel(self)
        self.error.setObjectName("reason_error")
        self.error.setStyleSheet(tone_style("error"))
        self.error.hide()
        layout.addWidget(self.error)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Släpp in")
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("Avbryt")
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)

    def save(self) -> None:
        try:
            LetIn(self.services.core).execute(LetInCommand(self.visit_id, self.reason.text()), self.services.actor)
        except UserError as err:
            self.error.setText(err.message)
            self.error.show()
            self.reason.setFocus()
            return
        self.accept()


class CheckInBanner(QFrame):
    shown = Signal(object)        # the CheckInResult just shown
    failed = Signal(str)          # a swipe that could not be checked in (the card is opened anyway)

    # Replaceable in tests: the sound, and how the let-in dialog is asked.
    beep = staticmethod(_beep)

    def __init__(self, services: UiServices, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.result: CheckInResult | None = None
        self.person_id: int | None = None
        self.runner = QueryRunner.for_core(services.core, self, latest_only=False)
        self.setObjectName("checkin_banner")
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.headline = QLabel(self)
        self.headline.setObjectName("checkin_headline")
        self.reason = QLabel(self)
        self.reason.setObjectName("checkin_reason")
        self.reason.setWordWrap(True)
        self.detail = QLabel(self)
        self.detail.setObjectName("checkin_detail")
        self.detail.setWordWrap(True)
        self.let_in_button = QPushButton("Släpp in ändå…", self)
        self.let_in_button.setObjectName("let_in")
        self.let_in_button.clicked.connect(self.let_in)
        text = QVBoxLayout()
        text.setSpacing(2)
        text.addWidget(self.headline)
        text.addWidget(self.reason)
        text.addWidget(self.detail)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(16, 8, 16, 8)
        layout.addLayout(text, 1)
        layout.addWidget(self.let_in_button, 0, Qt.AlignmentFlag.AlignVCenter)
        self.setFixedHeight(BANNER_HEIGHT)
        self.hide()

    # -- running the routine -------------------------------------------------
    def check_in_card(self, card_number: str) -> None:
        self._run(CheckInCommand(card_number=card_number))

    def check_in_person(self, person_id: int) -> None:
        self._run(CheckInCommand(person_id=person_id))

    def _run(self, command: CheckInCommand) -> None:
        actor = self.services.actor
        routine = CheckIn(self.services.core)

        self.runner.run(lambda: routine.execute(command, actor), self._done, self._failed)

    def _done(self, result: CheckInResult) -> None:
        self.show_result(result)
        if result.sounds:
            self.beep()
            if not result.admitted:
                QTimer.singleShot(250, self.beep)

    def _failed(self, error: Exception) -> None:
        if isinstance(error, UserError):
            message = error.message
        else:
            log.error("check-in failed", exc_info=error)
            message = "Något gick fel. Försök igen; fungerar det inte, kontakta support (se loggfilen)."
        self._paint("fel", "Kunde inte checka in", message, "")
        self.let_in_button.hide()
        self.failed.emit(message)

    # -- showing ---------------------------------------------------------------
    def show_result(self, result: CheckInResult) -> None:
        self.result = result
        self.person_id = result.person_id
        if result.verdict == "inslappt":
            reason = "Släppt in ändå" + (f" (nekad: {result.refusals[0].text})" if result.refusals else "")
        else:
            reason = " · ".join(r.text for r in result.refusals)
        details = []
        if result.notes:
            details.append("Obs: " + " · ".join(r.text for r in result.notes))
        if result.repeated:
            details.append(f"Samma besök som kl. {result.first_at.astimezone(_local()).strftime('%H:%M')} "
                           "(dragen igen inom några minuter – räknas en gång)")
        if result.card_number is None:
            details.append("Incheckad från personkortet (utan kort)")
        self._paint(result.verdict, HEADLINES[result.verdict], reason, "  ".join(details))
        self.let_in_button.setVisible(result.verdict == "nekad" and result.person_id is not None)
        self.shown.emit(result)

    def _paint(self, kind: str, headline: str, reason: str, detail: str) -> None:
        # Restyled only when the kind changes, and the banner keeps one height: a swipe then costs the
        # three labels' text, not a re-polish of the banner and a new layout of the card below it.
        if self.property("verdict") != kind:
            colour, background = STYLES[kind]
            self.setProperty("verdict", kind)
            self.setStyleSheet(f"QFrame#checkin_banner {{ background: {background}; "
                               f"border-left: 10px solid {colour}; }}"
                               f"QLabel#checkin_headline {{ font-size: 30pt; font-weight: 700; color: {colour}; }}"
                               f"QLabel#checkin_reason {{ font-size: 15pt; font-weight: 600; color: {colour}; }}"
                               "QLabel#checkin_detail { font-size: 10pt; color: #374151; }")
        self.headline.setText(headline)
        self.reason.setText(reason)
        self.detail.setText(detail)
        self.show()

    def clear(self) -> None:
        self.result = None
        self.person_id = None
        self.hide()

    # -- Släpp in ändå ---------------------------------------------------------
    def ask_let_in(self, dialog: LetInDialog) -> bool:
        """Replaceable in tests (they drive the dialog's real widgets instead of exec())."""
        return dialog.exec() == QDialog.DialogCode.Accepted

    def let_in(self) -> None:
        result = self.result
        if result is None or result.verdict != "nekad" or result.person_id is None:
            return
        refused = result.refusals[0].text if result.refusals else ""
        dialog = LetInDialog(self, self.services, result.visit_id, refused)
        if not self.ask_let_in(dialog):
            return
        from dataclasses import replace

        self.show_result(replace(result, verdict="inslappt", admitted=True))
        self.services.bus.status.emit("Kunden är insläppt; orsaken är sparad.")


def _local():
    from app.clock import STOCKHOLM

    return STOCKHOLM
