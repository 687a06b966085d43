"""A read-only table model over a list of row objects — the one shape every result table here has.

Subclasses set HEADERS and implement `display(row, column)`; optionally `tooltip`, `foreground`
and `sort_key`. ROW_ROLE gives the row object itself, SORT_ROLE the column's sort key.
"""
from __future__ import annotations

from typing import Any, Generic, TypeVar

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt

Index = QModelIndex | QPersistentModelIndex
SORT_ROLE = Qt.ItemDataRole.UserRole
ROW_ROLE = Qt.ItemDataRole.UserRole + 1
T = TypeVar("T")


class RowTableModel(QAbstractTableModel, Generic[T]):
    HEADERS: tuple[str, ...] = ()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.rows: list[T] = []

    def set_rows(self, rows) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self.endResetModel()

    def row_at(self, row: int) -> T:
        return self.rows[row]

    # -- to implement --------------------------------------------------------
    def display(self, row: T, column: int) -> Any:
        raise NotImplementedError

    def tooltip(self, row: T, column: int) -> Any:
        return None

    def foreground(self, row: T, column: int) -> Any:
        return None

    def sort_key(self, row: T, column: int) -> Any:
        return self.display(row, column)

    # -- Qt API --------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008 - Qt API
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008 - Qt API
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802 - Qt API
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal \
                and 0 <= section < len(self.HEADERS):
            return self.HEADERS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.rows):
            return None
        row, column = self.rows[index.row()], index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self.display(row, column)
        if role == ROW_ROLE:
            return row
        if role == SORT_ROLE:
            return self.sort_key(row, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self.tooltip(row, column)
        if role == Qt.ItemDataRole.ForegroundRole:
            return self.foreground(row, column)
        return None


class FilePreviewModel(RowTableModel):
    """The preview of a file before it is imported (förbeställningar, lokalt register): every row of the
    file as the subclass's ``cells(row)`` (a static method giving the row's texts, the line number first,
    shown right-aligned), a refused row (``row.ok`` false) in the error tone, each text also as its tooltip."""

    def display(self, row, column: int) -> Any:
        return self.cells(row)[column]

    def tooltip(self, row, column: int) -> Any:
        return self.cells(row)[column] or None

    def foreground(self, row, column: int) -> Any:
        from widgets.tones import tone_color

        return None if row.ok else tone_color("error")

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.TextAlignmentRole and index.isValid() and index.column() == 0:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return super().data(index, role)

