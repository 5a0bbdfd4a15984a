"""Project browser: items and pages with thumbnails, status, mean confidence; filter; drop to import."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QItemSelectionModel, QModelIndex, QSize, Qt, Signal
from PySide6.QtWidgets import QAbstractItemView, QComboBox, QHBoxLayout, QLabel, QTreeView, QVBoxLayout, QWidget

from ...model import PAGE_STATUSES, Item, Page
from ..models import ITEM_ROLE, PAGE_ROLE, ProjectModel, StatusFilterProxy


class PageTree(QTreeView):
    """A tree view that accepts dropped files and folders (``filesDropped(paths, item_id or -1)``) and
    says which page a right click is on (``contextPage(page_id)``), before its context menu opens."""

    filesDropped = Signal(list, int)
    contextPage = Signal(int)

    def mousePressEvent(self, event: Any) -> None:
        super().mousePressEvent(event)
        if event.button() == Qt.MouseButton.RightButton:
            page_id = self.indexAt(event.position().toPoint()).data(PAGE_ROLE)
            if page_id is not None:
                self.contextPage.emit(int(page_id))

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAcceptDrops(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DropOnly)

    def dragEnterEvent(self, event: Any) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()
        else:
            super().dragEnterEvent(event)

    def dragMoveEvent(self, event: Any) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()
        else:
            super().dragMoveEvent(event)

    def dropEvent(self, event: Any) -> None:
        paths = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
        if not paths:
            return super().dropEvent(event)
        idx = self.indexAt(event.position().toPoint())
        item_id = idx.data(ITEM_ROLE) if idx.isValid() else None
        self.filesDropped.emit(paths, -1 if item_id is None else int(item_id))
        event.acceptProposedAction()


class ProjectBrowser(QWidget):
    """Signals: ``pageActivated(page_id)``, ``filesDropped(paths, item_id or -1)``."""

    pageActivated = Signal(int)
    filesDropped = Signal(list, int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = ProjectModel(parent=self)
        self.proxy = StatusFilterProxy(self)
        self.proxy.setSourceModel(self.model)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        top = QHBoxLayout()
        top.addWidget(QLabel("Show"))
        self.filter = QComboBox()
        self.filter.addItem("all pages", "")
        for status in PAGE_STATUSES:
            self.filter.addItem(status, status)
        self.filter.currentIndexChanged.connect(lambda _i: self.proxy.set_status(self.filter.currentData()))
        top.addWidget(self.filter, 1)
        lay.addLayout(top)
        self.tree = PageTree()
        self.tree.setModel(self.proxy)
        self.tree.setIconSize(QSize(56, 72))
        self.tree.setUniformRowHeights(False)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.tree.setColumnWidth(0, 150)
        self.tree.setColumnWidth(1, 76)
        self.tree.setColumnWidth(2, 44)
        self.tree.setAlternatingRowColors(True)
        self.tree.filesDropped.connect(self.filesDropped)
        self.tree.activated.connect(self._activated)
        self.tree.clicked.connect(self._activated)
        self.tree.contextPage.connect(self._context_page)
        lay.addWidget(self.tree, 1)
        self.hint = QLabel("Drop scans or folders here to import them.")
        self.hint.setStyleSheet("color: gray;")
        self.hint.setWordWrap(True)
        lay.addWidget(self.hint)

    def set_context_actions(self, actions: list[Any]) -> None:
        """The tree's context menu (``None``: a separator), e.g. review actions and "Edit metadata…"."""
        from PySide6.QtGui import QAction

        self.tree.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        for act in actions:
            if act is None:
                act = QAction(self.tree)
                act.setSeparator(True)
            self.tree.addAction(act)

    def set_items(self, items: list[Item]) -> None:
        self.model.reset(items)
        self.tree.expandAll()
        self.hint.setVisible(not any(it.pages for it in items))

    def update_page(self, page: Page) -> None:
        self.model.update_page(page)

    def _activated(self, index: QModelIndex) -> None:
        page_id = index.data(PAGE_ROLE)
        if page_id is not None:
            self.pageActivated.emit(int(page_id))

    def _context_page(self, page_id: int) -> None:
        """A right click on a page (not inside a multi-selection) shows that page: the context menu's
        page actions then act on the page shown, the one the click was on."""
        if not self.multi_selection():
            self.pageActivated.emit(page_id)

    def select_page(self, page_id: int) -> None:
        """Make ``page_id`` the current and only selected page.

        ``QTreeView.setCurrentIndex`` takes its selection command from the keyboard modifiers held at
        that moment: reached with Ctrl+PgDown or Ctrl+Enter it *extended* the selection to pages that
        were never shown.  The selection model is told explicitly to clear and select instead."""
        src = self.model.index_for_page(page_id)
        idx = self.proxy.mapFromSource(src)
        if idx.isValid():
            flags = (QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows)
            self.tree.selectionModel().setCurrentIndex(idx, flags)
            self.tree.scrollTo(idx)

    def visible_page_ids(self) -> list[int]:
        """Pages the status filter lets through, in tree order."""
        out = []
        for r in range(self.proxy.rowCount()):
            parent = self.proxy.index(r, 0)
            for c in range(self.proxy.rowCount(parent)):
                pid = self.proxy.index(c, 0, parent).data(PAGE_ROLE)
                if pid is not None:
                    out.append(int(pid))
        return out

    def set_status_filter(self, status: str) -> None:
        """Show only pages with ``status`` (``""``: all)."""
        self.filter.setCurrentIndex(max(0, self.filter.findData(status)))

    def selected_page_ids(self) -> list[int]:
        ids = []
        for idx in self.tree.selectionModel().selectedRows(0):
            pid = idx.data(PAGE_ROLE)
            if pid is not None:
                ids.append(int(pid))
            else:
                item_id = idx.data(ITEM_ROLE)
                ids.extend(p.id for it in self.model.items() if it.id == item_id for p in it.pages)
        return list(dict.fromkeys(ids))

    def multi_selection(self) -> list[int]:
        """The pages of an explicit multi-selection (two or more pages picked in the tree), else ``[]``."""
        ids = self.selected_page_ids()
        return ids if len(ids) > 1 else []

    def select_item(self, item_id: int) -> None:
        """Make the item row ``item_id`` the current one (where imports and item actions go)."""
        idx = self.proxy.mapFromSource(self.model.index_for_item(item_id))
        if idx.isValid():
            flags = (QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows)
            self.tree.selectionModel().setCurrentIndex(idx, flags)
            self.tree.scrollTo(idx)

    def current_item_id(self) -> int | None:
        idx = self.tree.currentIndex()
        value = idx.data(ITEM_ROLE) if idx.isValid() else None
        return None if value is None else int(value)
