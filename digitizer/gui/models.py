"""Qt item models: adapters over core lists (items/pages, find & replace previews, line history)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractItemModel, QAbstractTableModel, QModelIndex, QPersistentModelIndex, QSortFilterProxyModel, Qt
from PySide6.QtGui import QBrush, QColor, QIcon, QImage, QPixmap

from ..correction import Replacement
from ..model import Item, Page
from ..store import LineVersion

PAGE_ROLE = Qt.ItemDataRole.UserRole + 1      # page id (pages) / None (items)
ITEM_ROLE = Qt.ItemDataRole.UserRole + 2      # item id
STATUS_ROLE = Qt.ItemDataRole.UserRole + 3

STATUS_COLORS = {
    "imported": "#7a7a7a", "failed": "#c62828", "processed": "#1565c0",
    "corrected": "#2e7d32", "reviewed": "#6a1b9a", "approved": "#00695c",
}
Index = QModelIndex | QPersistentModelIndex


def confidence_text(value: float | None) -> str:
    return "" if value is None else f"{value * 100:.0f} %"


class ProjectModel(QAbstractItemModel):
    """Items (top level) with their pages as children; columns: name, status, mean confidence."""

    HEADERS = ("Page", "Status", "Conf.")

    def __init__(self, items: list[Item] | None = None, parent: Any = None) -> None:
        super().__init__(parent)
        self._items: list[Item] = []
        self._thumbs: dict[int, QIcon] = {}
        self._progress: dict[int, Any] = {}          # item id -> digitizer.items.ItemProgress (from a worker)
        if items:
            self.reset(items)

    # ------------------------------------------------------------- content
    def reset(self, items: list[Item]) -> None:
        self.beginResetModel()
        self._items = list(items)
        self.endResetModel()

    def items(self) -> list[Item]:
        return list(self._items)

    def pages(self) -> list[Page]:
        return [p for it in self._items for p in it.pages]

    def _locate(self, page_id: int) -> tuple[int, int] | None:
        for i, it in enumerate(self._items):
            for r, p in enumerate(it.pages):
                if p.id == page_id:
                    return i, r
        return None

    def index_for_page(self, page_id: int, column: int = 0) -> QModelIndex:
        loc = self._locate(page_id)
        return QModelIndex() if loc is None else self.createIndex(loc[1], column, loc[0] + 1)

    def index_for_item(self, item_id: int, column: int = 0) -> QModelIndex:
        row = next((i for i, it in enumerate(self._items) if it.id == item_id), None)
        return QModelIndex() if row is None else self.createIndex(row, column, 0)

    def page(self, page_id: int) -> Page | None:
        loc = self._locate(page_id)
        return None if loc is None else self._items[loc[0]].pages[loc[1]]

    def update_page(self, page: Page) -> None:
        loc = self._locate(page.id)
        if loc is None:
            return
        old = self._items[loc[0]].pages[loc[1]]
        self._items[loc[0]].pages[loc[1]] = page
        if (old.seq, old.status, old.label, confidence_text(old.mean_confidence), old.error) == \
                (page.seq, page.status, page.label, confidence_text(page.mean_confidence), page.error):
            return                 # nothing the tree shows changed (most line edits): no re-filter, no repaint
        self.dataChanged.emit(self.createIndex(loc[1], 0, loc[0] + 1), self.createIndex(loc[1], 2, loc[0] + 1))

    def set_thumbnail(self, page_id: int, image: QImage) -> None:
        self._thumbs[page_id] = QIcon(QPixmap.fromImage(image))
        idx = self.index_for_page(page_id)
        if idx.isValid():
            self.dataChanged.emit(idx, idx, [Qt.ItemDataRole.DecorationRole])

    def has_thumbnail(self, page_id: int) -> bool:
        return page_id in self._thumbs

    # ------------------------------------------------------------- QAbstractItemModel
    def index(self, row: int, column: int, parent: Index = QModelIndex()) -> QModelIndex:
        if not self.hasIndex(row, column, parent):
            return QModelIndex()
        if not parent.isValid():
            return self.createIndex(row, column, 0)
        return self.createIndex(row, column, parent.row() + 1)

    def parent(self, index: Index = QModelIndex()) -> QModelIndex:  # type: ignore[override]
        if not index.isValid() or index.internalId() == 0:
            return QModelIndex()
        return self.createIndex(int(index.internalId()) - 1, 0, 0)

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        if not parent.isValid():
            return len(self._items)
        if parent.internalId() == 0 and parent.column() == 0:
            return len(self._items[parent.row()].pages)
        return 0

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return len(self.HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.HEADERS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        if index.internalId() == 0:
            return self._item_data(self._items[index.row()], index.column(), role)
        page = self._items[int(index.internalId()) - 1].pages[index.row()]
        return self._page_data(page, index.column(), role)

    def set_progress(self, progress: dict[int, Any]) -> None:
        """Per-item progress (pages by state, lines edited/verified) read by a worker."""
        self._progress = dict(progress)
        if self._items:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._items) - 1, len(self.HEADERS) - 1))

    def item_status(self, item: Item) -> str:
        """Pages by state, then the share of lines a person edited or verified (once known)."""
        counts: dict[str, int] = {}
        for page in item.pages:
            counts[page.status] = counts.get(page.status, 0) + 1
        text = ", ".join(f"{n} {state}" for state, n in counts.items())
        prog = self._progress.get(item.id)
        if prog is not None and prog.lines:
            text += f" · {prog.touched_share * 100:.0f} % lines checked"
        return text

    def _item_data(self, item: Item, col: int, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            if col == 0:
                return f"{item.title or item.identifier}  ({len(item.pages)})"
            if col == 1:
                return self.item_status(item)
            if col == 2:
                confs = [p.mean_confidence for p in item.pages if p.mean_confidence is not None]
                return confidence_text(sum(confs) / len(confs) if confs else None)
        if role == ITEM_ROLE:
            return item.id
        if role == Qt.ItemDataRole.ToolTipRole:
            prog = self._progress.get(item.id)
            return f"{item.identifier} — profile {item.profile}" + (f"\n{prog.summary()}" if prog else "")
        return None

    def _page_data(self, page: Page, col: int, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            return (f"p. {page.seq}" + (f"  [{page.label}]" if page.label and page.label != str(page.seq) else ""),
                    page.status, confidence_text(page.mean_confidence))[col]
        if role == Qt.ItemDataRole.DecorationRole and col == 0:
            return self._thumbs.get(page.id)
        if role == Qt.ItemDataRole.ForegroundRole and col == 1:
            return QBrush(QColor(STATUS_COLORS.get(page.status, "#000000")))
        if role == Qt.ItemDataRole.ToolTipRole:
            return page.error or f"{page.master.path} — {page.width}×{page.height}" + (
                f" @ {page.dpi:g} dpi" if page.dpi else "")
        if role == PAGE_ROLE:
            return page.id
        if role == ITEM_ROLE:
            return page.item_id
        if role == STATUS_ROLE:
            return page.status
        return None


class StatusFilterProxy(QSortFilterProxyModel):
    """Shows pages with one status (items stay when a page of theirs matches); ``""`` shows all."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._status = ""
        self.setRecursiveFilteringEnabled(True)

    def set_status(self, status: str) -> None:
        if hasattr(self, "beginFilterChange"):     # Qt >= 6.9
            self.beginFilterChange()
            self._status = status
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)
        else:
            self._status = status
            self.invalidateFilter()

    def filterAcceptsRow(self, row: int, parent: Index) -> bool:
        if not self._status:
            return True
        idx = self.sourceModel().index(row, 0, parent)
        return idx.data(STATUS_ROLE) == self._status


class _RowsTableModel(QAbstractTableModel):
    """A table over a list ``_rows`` with fixed column ``HEADERS``."""

    HEADERS: tuple[str, ...] = ()
    _rows: list

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return len(self.HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.HEADERS[section]
        return None


class ReplacementModel(_RowsTableModel):
    """Preview rows of a find & replace, each checkable (checked rows get applied)."""

    HEADERS = ("Page", "Line", "Before", "After")

    def __init__(self, rows: list[Replacement] | None = None, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[Replacement] = []
        self._checked: list[bool] = []
        self.set_rows(rows or [])

    def set_rows(self, rows: list[Replacement]) -> None:
        self.beginResetModel()
        self._rows, self._checked = list(rows), [True] * len(rows)
        self.endResetModel()

    def row_at(self, row: int) -> Replacement:
        return self._rows[row]

    def checked(self) -> list[Replacement]:
        return [r for r, c in zip(self._rows, self._checked) if c]

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        r = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return (f"p. {r.page_seq}", r.line_id, r.old, r.new)[index.column()]
        if role == Qt.ItemDataRole.CheckStateRole and index.column() == 0:
            return Qt.CheckState.Checked if self._checked[index.row()] else Qt.CheckState.Unchecked
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        base = super().flags(index)
        return base | Qt.ItemFlag.ItemIsUserCheckable if index.column() == 0 else base

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role == Qt.ItemDataRole.CheckStateRole and index.column() == 0:
            self._checked[index.row()] = Qt.CheckState(value) == Qt.CheckState.Checked
            self.dataChanged.emit(index, index, [role])
            return True
        return False


class HistoryModel(_RowsTableModel):
    """The versions of one line, oldest first."""

    HEADERS = ("Version", "Text", "Who", "When", "Source")

    def __init__(self, versions: list[LineVersion] | None = None, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows = list(versions or [])

    def set_versions(self, versions: list[LineVersion]) -> None:
        self.beginResetModel()
        self._rows = list(versions)
        self.endResetModel()

    def version_at(self, row: int) -> LineVersion:
        return self._rows[row]

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or role != Qt.ItemDataRole.DisplayRole:
            return None
        v = self._rows[index.row()]
        return (str(v.version), v.text, v.agent, v.at, v.source)[index.column()]
