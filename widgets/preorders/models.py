"""The table of an organisation's pre-orders and its status and text filter."""
from __future__ import annotations

from PySide6.QtCore import QObject, QSortFilterProxyModel

from app.queries.organisations import PreOrderListRow, preorder_matches, swedish_sort_key
from widgets.preorders.common import Index
from widgets.tones import muted_color
from widgets.table_model import ROW_ROLE, SORT_ROLE, RowTableModel


class PreOrderTableModel(RowTableModel[PreOrderListRow]):
    """Pre-orders of one organisation. SORT_ROLE gives sortable keys, ROW_ROLE the PreOrderListRow."""

    HEADERS = ("Namn", "Personnr / födelsedatum", "E-post", "Produkt", "Giltig från", "Giltig till", "Status")

    def display(self, row: PreOrderListRow, column: int):
        return (row.name, row.identity, row.email or "", row.product_name, row.valid_from.isoformat(),
                row.valid_to.isoformat(), row.status_label)[column]

    def sort_key(self, row: PreOrderListRow, column: int):
        return (swedish_sort_key(row.name), (row.personnummer or "")[:8] or row.identity.replace("-", ""),
                (row.email or "").lower(), swedish_sort_key(row.product_name), row.valid_from.isoformat(),
                row.valid_to.isoformat(), row.status_label)[column]

    def foreground(self, row: PreOrderListRow, column: int):
        return muted_color() if row.status in ("borttagen", "utgangen") else None


STATUS_FILTERS = (("Alla", None), ("Öppna", "oppen"), ("Utnyttjade", "utnyttjad"), ("Utgångna", "utgangen"),
                  ("Borttagna", "borttagen"))


class PreOrderFilterProxy(QSortFilterProxyModel):
    """Status and text filter over PreOrderTableModel; sorts on SORT_ROLE (Swedish order for names)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.status: str | None = None
        self.text = ""
        self.setSortRole(SORT_ROLE)
        self.setDynamicSortFilter(True)

    def set_filter(self, status: str | None, text: str) -> None:
        self.beginFilterChange()
        self.status, self.text = status, text
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, source_row: int, source_parent: Index) -> bool:
        row: PreOrderListRow = self.sourceModel().index(source_row, 0, source_parent).data(ROW_ROLE)
        if row is None:
            return False
        return (self.status is None or row.status == self.status) and preorder_matches(row, self.text)
