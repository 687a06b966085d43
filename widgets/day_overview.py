"""Dagsöversikt (issue 13): today's visits per hour against the same weekday's average over the last
eight weeks, the number checked in and refused today, and the refused check-ins with their reasons.

The chart is a small QPainter bar chart (`HourChart`): QtCharts is not in the PySide6-Essentials
wheels the app ships with, and a web view is out of the question. The figures come from
app.queries.visits.day_overview (index-only counts), read on a worker thread on PostgreSQL.
"""
from __future__ import annotations

import logging

from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtGui import QColor, QFont, QKeySequence, QPainter, QPen, QShortcut
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from app.clock import STOCKHOLM
from app.errors import UserError
from app.queries.visits import DayOverview, day_overview
from widgets.person_tabs.common import fill_table, read_only_table
from widgets.search_panel import QueryRunner
from widgets.services import UiServices
from widgets.tones import tone_style

log = logging.getLogger("reception.ui.day_overview")
WEEKDAYS = ("måndag", "tisdag", "onsdag", "torsdag", "fredag", "lördag", "söndag")
MONTHS = ("januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti", "september", "oktober",
          "november", "december")
TODAY_COLOUR = QColor("#2563eb")
AVERAGE_COLOUR = QColor("#9ca3af")
FIRST_HOUR, LAST_HOUR = 5, 23   # shown unless visits fall outside


def swedish_day(day) -> str:
    return f"{WEEKDAYS[day.weekday()]} {day.day} {MONTHS[day.month - 1]} {day.year}"


class HourChart(QWidget):
    """Bars per hour: today (filled) beside the eight-week average for the weekday (grey)."""

    painted = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("hour_chart")
        self.setMinimumSize(640, 260)
        self.today: tuple[int, ...] = ()
        self.average: tuple[float, ...] = ()

    def set_data(self, today: tuple[int, ...], average: tuple[float, ...]) -> None:
        self.today, self.average = today, average
        self.update()

    def hours(self) -> range:
        used = [h for h in range(24) if (self.today and self.today[h]) or (self.average and self.average[h])]
        first = min([FIRST_HOUR, *used])
        last = max([LAST_HOUR - 1, *used])
        return range(first, last + 1)

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt API
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(self.rect(), QColor("white"))
        if not self.today:
            painter.end()
            return
        hours = self.hours()
        left, right, top, bottom = 44, 12, 28, 28
        width = self.width() - left - right
        height = self.height() - top - bottom
        peak = max([1, *(self.today[h] for h in hours), *(self.average[h] for h in hours)])
        step = max(1, _nice_step(peak / 4))
        scale_top = step * (int(peak / step) + 1)
        painter.setPen(QPen(QColor("#e5e7eb")))
        small = QFont(self.font())
        small.setPointSizeF(max(7.0, small.pointSizeF() - 1))
        painter.setFont(small)
        for value in range(0, int(scale_top) + 1, int(step)):
            y = top + height - height * value / scale_top
            painter.setPen(QPen(QColor("#e5e7eb")))
            painter.drawLine(left, int(y), left + width, int(y))
            painter.setPen(QPen(QColor("#6b7280")))
            painter.drawText(QRectF(0, y - 8, left - 6, 16), Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                             str(value))
        slot = width / len(hours)
        bar = slot * 0.36
        for i, hour in enumerate(hours):
            x = left + i * slot + slot * 0.12
            for offset, value, colour in ((0, self.today[hour], TODAY_COLOUR),
                                          (bar, self.average[hour], AVERAGE_COLOUR)):
                h = height * value / scale_top
                painter.fillRect(QRectF(x + offset, top + height - h, bar, h), colour)
            painter.setPen(QPen(QColor("#374151")))
            painter.drawText(QRectF(left + i * slot, top + height + 4, slot, 18), Qt.AlignmentFlag.AlignHCenter,
                             f"{hour:02d}")
        legend_y = 6
        for j, (colour, text) in enumerate(((TODAY_COLOUR, "Idag"),
                                            (AVERAGE_COLOUR, "Snitt samma veckodag, 8 veckor"))):
            x = left + j * 120
            painter.fillRect(QRectF(x, legend_y + 3, 12, 12), colour)
            painter.setPen(QPen(QColor("#111827")))
            painter.drawText(QRectF(x + 16, legend_y, 260, 18), Qt.AlignmentFlag.AlignLeft, text)
        painter.end()
        self.painted.emit()


def _nice_step(raw: float) -> int:
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 2500, 5000, 10000):
        if step >= raw:
            return step
    return int(raw)


class DayOverviewWindow(QWidget):
    loaded = Signal(object)      # the DayOverview shown

    def __init__(self, services: UiServices, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.services = services
        self.data: DayOverview | None = None
        self.setObjectName("day_overview")
        self.setWindowTitle("Dagsöversikt")
        self.resize(900, 680)
        self.runner = QueryRunner.for_core(services.core, self)
        self.title = QLabel(self)
        self.title.setObjectName("day_title")
        self.title.setStyleSheet("font-size: 16pt; font-weight: 600;")
        self.checked_in = QLabel(self)
        self.checked_in.setObjectName("checked_in_today")
        self.checked_in.setStyleSheet(tone_style("ok", "font-size: 22pt; font-weight: 700;"))
        self.refused = QLabel(self)
        self.refused.setObjectName("refused_today")
        self.refused.setStyleSheet(tone_style("error", "font-size: 22pt; font-weight: 700;"))
        self.chart = HourChart(self)
        self.refresh_button = QPushButton("&Uppdatera (F5)", self)
        self.refresh_button.setObjectName("refresh")
        self.refresh_button.clicked.connect(self.refresh)
        QShortcut(QKeySequence("F5"), self, self.refresh)
        self.table = read_only_table(self, "refused_visits")
        self.empty = QLabel("Inga nekade incheckningar idag.", self)
        self.empty.setObjectName("refused_empty")
        self.error = QLabel(self)
        self.error.setObjectName("error")
        self.error.setStyleSheet(tone_style("error"))
        self.error.hide()

        figures = QHBoxLayout()
        figures.addWidget(self.checked_in)
        figures.addSpacing(32)
        figures.addWidget(self.refused)
        figures.addStretch(1)
        figures.addWidget(self.refresh_button, 0, Qt.AlignmentFlag.AlignBottom)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addLayout(figures)
        layout.addWidget(self.error)
        layout.addWidget(QLabel("Besök per timme (insläppta)", self))
        layout.addWidget(self.chart, 3)
        layout.addWidget(QLabel("Nekade incheckningar idag", self))
        layout.addWidget(self.empty)
        layout.addWidget(self.table, 2)

    def refresh(self) -> None:
        core = self.services.core
        day = core.clock.today()

        def query() -> DayOverview:
            with core.sessions() as session:
                return day_overview(session, day)

        self.runner.run(query, self._show, self._failed)

    def _failed(self, error: Exception) -> None:
        log.error("loading the day overview failed", exc_info=error)
        self.error.setText(error.message if isinstance(error, UserError)
                           else "Dagsöversikten kunde inte läsas. Försök igen (F5).")
        self.error.show()

    def _show(self, data: DayOverview) -> None:
        self.data = data
        self.error.hide()
        self.title.setText(f"Dagsöversikt – {swedish_day(data.day)}")
        self.checked_in.setText(f"Incheckade idag: {data.checked_in}")
        self.refused.setText(f"Nekade: {data.refused}")
        self.chart.set_data(data.today_by_hour, data.average_by_hour)
        rows = []
        for r in data.refused_rows:
            rows.append((r.at.astimezone(STOCKHOLM).strftime("%H:%M"), r.name,
                         "" if r.customer_number is None else r.customer_number, r.reason_text,
                         f"Ja – {r.let_in_reason}" if r.let_in else "Nej"))
        fill_table(self.table, ("Tid", "Namn", "Kundnummer", "Orsak", "Insläppt ändå"), rows)
        self.empty.setVisible(not rows)
        self.loaded.emit(data)
