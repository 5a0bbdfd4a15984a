"""The search panel: full-text search (core :mod:`digitizer.search`) with hits listed with their line image.

Opening a hit shows its page with the matched words highlighted on the image and selected in the
editor; F4 / Shift+F4 go to the next / previous hit.  The CLI twin is ``digitizer search``.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QRectF, QSize, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QIcon, QKeySequence, QPainterPath, QPen, QPixmap
from PySide6.QtWidgets import (QDockWidget, QGraphicsPathItem, QHBoxLayout, QLabel, QLineEdit, QListView, QListWidget,
                               QListWidgetItem, QPushButton, QSpinBox, QVBoxLayout, QWidget)

from ..workers import Worker, create_worker

HIT_ROLE = Qt.ItemDataRole.UserRole + 1


def search_job(root: str, query: str, fuzzy: int, *, agent: str, limit: int = 200) -> list[tuple[Any, Any]]:
    """Worker: the hits of ``query`` with a picture of each hit's line (``None`` when unreadable)."""
    from ...search import SearchIndex
    from ...store import ProjectStore

    with ProjectStore.open(root, agent=agent) as store:
        hits = SearchIndex(store).search(query, fuzzy=fuzzy, limit=limit)
        crops: dict[tuple[int, str], Any] = {}
        for page_id in dict.fromkeys(h.page_id for h in hits):
            crops.update(_line_crops(store, page_id, [h for h in hits if h.page_id == page_id]))
    return [(h, crops.get((h.page_id, h.line_id))) for h in hits]


def _line_crops(store: Any, page_id: int, hits: list[Any]) -> dict[tuple[int, str], Any]:
    from ...imaging.io import load_frame
    from ..correction.page_images import line_crops

    page = store.get_page(page_id)
    ref = page.derived.get("image")
    path, frame = (store.abspath(ref.path), 0) if ref is not None else (store.abspath(page.master.path),
                                                                         page.source_page)
    try:
        im, _dpi = load_frame(str(path), frame, normalize=True)
    except Exception:  # an unreadable image: the hits are listed without pictures
        return {}
    crops = line_crops(im, {h.line_id: h.line_box for h in hits if h.line_box is not None}, height=40, width=420)
    return {(page_id, lid): img for lid, img in crops.items()}


class SearchPanel(QWidget):
    """Signals ``hitOpened(page_id, line_id)`` after a hit was shown, ``searched(count)``."""

    hitOpened = Signal(int, str)
    searched = Signal(int)

    def __init__(self, window: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.window_ = window
        self.worker: Worker | None = None
        self.query = QLineEdit()
        self.query.setPlaceholderText('words, "a phrase", prefix*')
        self.query.returnPressed.connect(self.search)
        self.fuzzy = QSpinBox()
        self.fuzzy.setRange(0, 3)
        self.fuzzy.setPrefix("± ")
        self.fuzzy.setToolTip("OCR tolerance: letters that may differ per word")
        go = QPushButton("Search")
        go.clicked.connect(self.search)
        row = QHBoxLayout()
        for w in (self.query, self.fuzzy, go):
            row.addWidget(w)
        row.setStretch(0, 1)
        self.results = QListWidget()             # a column of hits: line image, then the snippet
        self.results.setViewMode(QListView.ViewMode.IconMode)
        self.results.setFlow(QListView.Flow.TopToBottom)
        self.results.setWrapping(False)
        self.results.setResizeMode(QListView.ResizeMode.Adjust)
        self.results.setMovement(QListView.Movement.Static)
        self.results.setWordWrap(True)
        self.results.setIconSize(QSize(240, 26))
        self.results.itemActivated.connect(lambda it: self.open_row(self.results.row(it)))
        self.status = QLabel("")
        lay = QVBoxLayout(self)
        lay.addLayout(row)
        lay.addWidget(self.results, 1)
        lay.addWidget(self.status)
        self.highlight = QGraphicsPathItem(window.viewer.overlay_root)
        self.highlight.setZValue(6)
        pen = QPen(QColor(216, 27, 96), 3)      # thicker than the confidence overlays, whatever the zoom
        pen.setCosmetic(True)
        self.highlight.setPen(pen)
        self.highlight.setBrush(QBrush(QColor(216, 27, 96, 90)))
        self._shown_page: int | None = None
        window.pageOpened.connect(self._page_opened)

    # ------------------------------------------------------------------ searching

    def search(self) -> None:
        root = self.window_.root
        if self.worker is not None or not root or not self.query.text().strip():
            return
        self.window_.flush_saves()           # search what was typed, too
        self.status.setText("Searching…")
        self.worker = create_worker(search_job, root, self.query.text(), self.fuzzy.value(),
                                    agent=self.window_.settings.operator)
        self.worker.signals.returned.connect(self._found)
        self.worker.signals.errored.connect(self._error)
        self.worker.signals.finished.connect(lambda w=self.worker: self._idle(w))
        self.worker.start()

    def _found(self, rows: list[tuple[Any, Any]]) -> None:
        self.worker = None
        self.results.clear()
        for hit, crop in rows:
            item = QListWidgetItem(f"{hit.item} p. {hit.page}: {hit.snippet}")
            item.setData(HIT_ROLE, hit)
            item.setToolTip(hit.text)
            if crop is not None:
                item.setIcon(QIcon(QPixmap.fromImage(crop)))
            self.results.addItem(item)
        self.status.setText(f"{len(rows)} hit(s)" if rows else "no hits")
        self.searched.emit(len(rows))

    def _error(self, exc: BaseException) -> None:
        self.worker = None
        self.status.setText(getattr(exc, "message", None) or str(exc))

    def _idle(self, worker: Worker) -> None:
        if self.worker is worker:
            self.worker = None

    # ------------------------------------------------------------------ hits

    def hit_at(self, row: int) -> Any:
        return self.results.item(row).data(HIT_ROLE)

    def open_row(self, row: int) -> None:
        """Show hit ``row``: its page, the words highlighted on the image and selected in the editor."""
        if not 0 <= row < self.results.count():
            return
        self.results.setCurrentRow(row)
        hit = self.hit_at(row)
        self.window_.open_page(hit.page_id, hit.line_id, hit.words[0].index if hit.words else None)
        path = QPainterPath()
        for w in hit.words:
            b = w.bbox
            path.addRect(QRectF(b.x0 - 2, b.y0 - 2, b.width + 4, b.height + 4))
        self.highlight.setPath(path)
        self._shown_page = hit.page_id
        viewer = self.window_.viewer
        viewer.ensureVisible(viewer.overlay_root.mapRectToScene(path.boundingRect()), 60, 80)
        self.hitOpened.emit(hit.page_id, hit.line_id)

    def step(self, delta: int) -> None:
        """Next (+1) or previous (-1) hit, wrapping around."""
        n = self.results.count()
        if n:
            cur = self.results.currentRow()
            self.open_row((cur + delta) % n if cur >= 0 else (0 if delta > 0 else n - 1))

    def _page_opened(self, page_id: int) -> None:
        if page_id != self._shown_page:
            self.highlight.setPath(QPainterPath())
            self._shown_page = None


def attach_search_panel(window: Any) -> SearchPanel:
    """Add the panel as a dock of ``window`` with its actions (Edit menu: Search, next/previous hit)."""
    panel = SearchPanel(window)
    dock = QDockWidget("Search", window)
    dock.setObjectName("dock-search")
    dock.setWidget(panel)
    window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
    dock.hide()
    window.search_dock = dock
    edit = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Edit")

    def show() -> None:
        dock.show()
        panel.query.setFocus()
        panel.query.selectAll()

    for text, slot, keys in (("&Search project…", show, "Ctrl+Alt+S"),
                             ("Next search &hit", lambda: panel.step(1), "F4"),
                             ("Previous search hit", lambda: panel.step(-1), "Shift+F4")):
        act = edit.addAction(text)
        act.setShortcut(QKeySequence(keys))
        act.triggered.connect(lambda _=False, s=slot: s())
        window.addAction(act)
    return panel
