"""The table of a subscription and its add-ons that the Period and Bekräfta pages show.

One row per :class:`app.routines.subscriptions.SubscriptionRowPreview`: debiterat t.o.m.
now, what it becomes (next debit for autogiro, validity for kontant), the end date,
dagar tillgodo and what the row adds to the order.
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem, QWidget

from app.domain.money import format_sek
from app.routines.subscriptions import SubscriptionRowPreview

COLUMNS = ("Abonnemang", "Debiterat t.o.m.", "Därefter", "Slutdatum", "Dagar tillgodo", "Belopp")


def _iso(d: date | None) -> str:
    return d.isoformat() if d is not None else "–"


def after_text(row: SubscriptionRowPreview) -> str:
    """Next debit (AG) or the validity (kontant) after the routine; "Slutar" when it ends paid up."""
    end = row.end_date_after
    if end is not None and (row.charged_through_after is None or row.charged_through_after >= end):
        return f"Slutar {_iso(end)}"
    if row.kind == "AG":
        return f"Nästa debitering {_iso(row.next_debit)}" if row.next_debit else "–"
    return f"Giltigt t.o.m. {_iso(row.validity_end)}" if row.validity_end else "–"


def credit_text(row: SubscriptionRowPreview) -> str:
    parts = []
    if row.frozen_paid_days:
        parts.append(f"{row.frozen_paid_days} frysta betalda")
    if row.taken_back_days:
        parts.append(f"{row.taken_back_days} återtagna")
    if row.credit_days_after:
        parts.append(f"{row.credit_days_after} efter bindningstiden")
    return ", ".join(parts) or "–"


class SubscriptionTable(QTableWidget):
    """Read-only; ``set_rows(rows)`` fills it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(0, len(COLUMNS), parent)
        self.setObjectName("subscription_rows")
        self.setHorizontalHeaderLabels(list(COLUMNS))
        self.verticalHeader().hide()
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setWordWrap(False)
        header = self.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in range(1, len(COLUMNS)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self._fit()

    def show_amounts(self, shown: bool) -> None:
        """Hide the amount column for routines that never charge (Frys, Förläng, Nedgradera)."""
        self.setColumnHidden(len(COLUMNS) - 1, not shown)

    def _fit(self) -> None:
        """As tall as its rows (at most eight), so the page has no empty grid."""
        rows = min(max(self.rowCount(), 1), 8)
        height = self.horizontalHeader().sizeHint().height() + rows * self.verticalHeader().defaultSectionSize()
        self.setFixedHeight(height + 2 * self.frameWidth() + 6)

    def set_rows(self, rows: Sequence[SubscriptionRowPreview]) -> None:
        self.setRowCount(len(rows))
        for r, row in enumerate(rows):
            name = f"{row.product_name} (tillägg)" if row.is_addon else row.product_name
            cells = (name, _iso(row.charged_through_before), after_text(row),
                     _iso(row.end_date_after), credit_text(row), format_sek(row.amount_ore))
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if c == len(cells) - 1:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.setItem(r, c, item)
        self._fit()

    def cell_texts(self) -> list[tuple[str, ...]]:
        return [tuple(self.item(r, c).text() for c in range(self.columnCount())) for r in range(self.rowCount())]
