"""The person card's Besök tab (issue 13): date, time, desk, verdict and who let the member in.

The visits are not part of the card's own three statements (app.queries.person_card): the tab reads
them (app.queries.visits.person_visits) only when it is shown, so a swipe's card load stays as it was.
"""
from __future__ import annotations

import logging

from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from app.clock import STOCKHOLM
from app.queries.visits import person_visits
from widgets.person_tabs.common import fill_table, read_only_table
from widgets.search_panel import QueryRunner

log = logging.getLogger("reception.ui.visits")
HEADERS = ("Datum", "Tid", "Kassa", "Sätt", "Besked", "Orsak", "Insläppt av", "Varför insläppt", "Dragningar")


class VisitsTab(QWidget):
    def __init__(self, card) -> None:
        super().__init__(card)
        self.core = card.services.core
        self.person_id: int | None = None
        self.stale = False
        self.runner = QueryRunner.for_core(self.core, self)
        self.table = read_only_table(self, "visits")
        self.empty = QLabel("Inga besök registrerade.", self)
        self.empty.setObjectName("visits_empty")
        layout = QVBoxLayout(self)
        layout.addWidget(self.empty)
        layout.addWidget(self.table, 1)

    def load(self, data) -> None:
        self.person_id = data.person.id
        self.stale = True
        if self.isVisible():
            self.refresh()

    def visit_recorded(self, person_id: int | None) -> None:
        """A check-in for the person shown: read again (now if the tab is shown, else when it is)."""
        if person_id is not None and person_id == self.person_id:
            self.stale = True
            if self.isVisible():
                self.refresh()

    def showEvent(self, event) -> None:  # noqa: N802 - Qt API
        super().showEvent(event)
        if self.stale:
            self.refresh()

    def refresh(self) -> None:
        person_id = self.person_id
        if person_id is None:
            return
        self.stale = False
        core = self.core

        def query():
            with core.sessions() as session:
                return person_id, person_visits(session, person_id)

        self.runner.run(query, self._show, lambda error: log.error("loading visits failed", exc_info=error))

    def _show(self, outcome) -> None:
        person_id, visits = outcome
        if person_id != self.person_id:
            return
        rows = []
        for v in visits:
            local = v.at.astimezone(STOCKHOLM)
            rows.append((local.strftime("%Y-%m-%d"), local.strftime("%H:%M"), v.desk,
                         "Kort" if v.method == "kort" else "Utan kort", v.verdict_name, v.reason_text or "",
                         v.let_in_by or "", v.let_in_reason or "", v.swipes))
        fill_table(self.table, HEADERS, rows)
        self.empty.setVisible(not rows)
