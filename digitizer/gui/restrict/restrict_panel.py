"""The Restrictions panel: restrict the selected word, line or region (or a text everywhere) with a reason and an
optional end date, see restricted areas hatched on the page, list and lift restrictions.

Every action is a core call (``digitizer.restrict``), run through the window's store writer like every
other write; the CLI twin is ``digitizer restrict``.  :func:`attach_restrict_panel` docks it in a
:class:`~digitizer.gui.main_window.MainWindow`; :func:`add_access_choice` is the export dialog's note on
what an access package will withhold, with its access-package box.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QPen
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDockWidget, QFormLayout, QGraphicsRectItem, QHBoxLayout, QLabel,
                               QLineEdit, QPushButton, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from ...restrict import add_restriction, lift_restriction, list_restrictions, match_page
from ...restrict.rules import reason_vocabulary

HATCH = QColor(198, 40, 40)


class RestrictPanel(QWidget):
    """Signals: ``changed()`` after a restriction was added or lifted."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.window_: Any = None
        self.selection: tuple[str, int | None] | None = None     # (line id, word index or None)
        self.hatches: list[QGraphicsRectItem] = []
        self._rows: list[tuple[Any, ...]] | None = None        # the table's texts shown
        lay = QVBoxLayout(self)
        form = QFormLayout()
        self.reason = QComboBox()
        for code, label in reason_vocabulary().terms.items():
            self.reason.addItem(code, code)
            self.reason.setItemData(self.reason.count() - 1, label, Qt.ItemDataRole.ToolTipRole)
        form.addRow("Reason", self.reason)
        self.until = QLineEdit()
        self.until.setPlaceholderText("YYYY-MM-DD (optional end date)")
        form.addRow("Until", self.until)
        self.text = QLineEdit()
        self.text.setPlaceholderText("words to restrict everywhere")
        form.addRow("Text", self.text)
        lay.addLayout(form)
        self.selection_label = QLabel("Click a word or line on the page to select it.")
        self.selection_label.setWordWrap(True)
        lay.addWidget(self.selection_label)
        row = QHBoxLayout()
        self.word_button = self._button(row, "Restrict word", lambda: self.restrict_selection("word"))
        self.line_button = self._button(row, "Restrict line", lambda: self.restrict_selection("line"))
        self.region_button = self._button(row, "Restrict region", lambda: self.restrict_selection("region"))
        self.text_button = self._button(row, "Restrict text", self.restrict_text)
        lay.addLayout(row)
        self.table = QTableWidget(0, 4)
        self.table.setHorizontalHeaderLabels(["#", "What", "Reason", "Until"])
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        lay.addWidget(self.table, 1)
        self.lift_button = QPushButton("Lift selected")
        self.lift_button.clicked.connect(self.lift_selected)
        lay.addWidget(self.lift_button)
        self.message = QLabel("")
        self.message.setWordWrap(True)
        lay.addWidget(self.message)

    @staticmethod
    def _button(row: QHBoxLayout, text: str, slot: Any) -> QPushButton:
        b = QPushButton(text)
        b.clicked.connect(slot)
        row.addWidget(b)
        return b

    # ------------------------------------------------------------------ wiring
    def attach(self, window: Any) -> None:
        self.window_ = window
        window.viewer.wordClicked.connect(lambda lid, i: self.select(lid, i))
        window.viewer.lineClicked.connect(lambda lid: self.select(lid, None))
        window.pageOpened.connect(self.page_opened)

    def select(self, line_id: str, word: int | None) -> None:
        self.selection = (line_id, word)
        layout = getattr(self.window_, "layout_", None)
        line = layout.find_line(line_id) if layout is not None else None
        what = line.words[word].text if line is not None and word is not None and word < len(line.words) else \
            (line.text if line is not None else line_id)
        self.selection_label.setText(f"Selected {'word' if word is not None else 'line'}: {what}")

    # ------------------------------------------------------------------ actions (core calls)
    def _add(self, scope: str, target: str, page_scoped: bool) -> None:
        win = self.window_
        page = win.page
        kwargs = {"reason": self.reason.currentData(), "target": target, "until": self.until.text().strip() or None,
                  "agent": win.settings.operator}
        if page_scoped:
            kwargs.update(item_id=page.item_id, page_id=page.id)
        try:
            r = win.writer.call(add_restriction, scope, **kwargs)
        except Exception as exc:          # the core's one-line message, shown in the panel
            self.message.setText(getattr(exc, "user_message", str(exc)))
            return
        self.message.setText(f"Restriction {r.id}: {r.describe()}")
        self.refresh()
        self.changed.emit()

    def restrict_selection(self, kind: str) -> None:
        if self.window_ is None or self.window_.page is None or self.selection is None:
            self.message.setText("Select a word or line on the page first.")
            return
        line_id, word = self.selection
        layout = self.window_.layout_
        line = layout.find_line(line_id) if layout is not None else None
        if kind == "word":
            if line is None or word is None or word >= len(line.words):
                self.message.setText("Select a word on the page first.")
                return
            self._add("word", line.words[word].id, True)
        elif kind == "region":
            block = next((b for b in layout.blocks if any(ln.id == line_id for ln in b.lines)), None)
            if block is not None:
                self._add("region", block.id, True)
        else:
            self._add("line", line_id, True)

    def restrict_text(self) -> None:
        if self.window_ is None or not self.text.text().strip():
            self.message.setText("Type the words to restrict.")
            return
        self._add("text", self.text.text().strip(), False)

    def lift_selected(self) -> None:
        rows = sorted({i.row() for i in self.table.selectedIndexes()})
        for row in rows:
            rid = int(self.table.item(row, 0).text())
            self.window_.writer.call(lift_restriction, rid, agent=self.window_.settings.operator)
        if rows:
            self.message.setText(f"{len(rows)} restriction(s) lifted")
            self.refresh()
            self.changed.emit()

    # ------------------------------------------------------------------ views
    def page_opened(self, page_id: int) -> None:
        """A page was opened (or reloaded): its restrictions and hatched areas are read on the store
        writer's thread (after the saves queued before), then shown; nothing is read on the GUI thread."""
        win = self.window_
        if win is None or win.store is None or win.page is None:
            return
        self._clear_hatches()
        if win.writer is None:
            self.refresh()
            return
        page = win.page
        win.writer.read(read_page_restrictions, page.id, page.item_id, page.width, page.height,
                        callback=lambda got, pid=page.id: self._show(pid, *got))

    def refresh(self) -> None:
        """Re-read the restrictions now: the list, and the hatched areas of the page shown."""
        win = self.window_
        if win is None or win.store is None:
            return
        win.flush_saves()
        rs = list_restrictions(win.store, active_only=True)
        page, layout = win.page, win.layout_
        boxes = [] if page is None else hatch_boxes(layout, rs, page.id, page.item_id, page.width, page.height)
        self._show(page.id if page is not None else None, rs, boxes)

    def _show(self, page_id: int | None, rs: list[Any], boxes: list[tuple[int, int, int, int]]) -> None:
        win = self.window_
        if win is None or (win.page.id if win.page is not None else None) != page_id:
            return                                      # another page is shown meanwhile
        rows = [(str(r.id), r.describe().split(" (")[0], r.reason, r.until or "") for r in rs]
        if rows != self._rows:                          # the table is rebuilt only when the list changed
            self._rows = rows
            self.table.setRowCount(len(rows))
            for row, texts in enumerate(rows):
                for col, text in enumerate(texts):
                    self.table.setItem(row, col, QTableWidgetItem(text))
        self._hatch(boxes)

    def _clear_hatches(self) -> None:
        scene = self.window_.viewer.scene()
        for it in self.hatches:
            scene.removeItem(it)
        self.hatches = []

    def _hatch(self, boxes: list[tuple[int, int, int, int]]) -> None:
        self._clear_hatches()
        root = self.window_.viewer.overlay_root
        for x, y, w, h in boxes:
            item = QGraphicsRectItem(QRectF(x, y, w, h), root)
            item.setPen(QPen(HATCH, 0))
            item.setBrush(QBrush(HATCH, Qt.BrushStyle.BDiagPattern))
            item.setZValue(4)
            item.setToolTip("restricted: withheld from access packages")
            self.hatches.append(item)


def hatch_boxes(layout: Any, rs: list[Any], page_id: int, item_id: int, width: int,
                height: int) -> list[tuple[int, int, int, int]]:
    """``(x, y, w, h)`` of the restricted areas of a page (the whole page when it is withheld)."""
    if not rs:
        return []
    hits = match_page(layout, rs, page_id=page_id, item_id=item_id)
    if hits.withheld is not None:
        return [(0, 0, width, height)]
    return [(b.x0, b.y0, b.width, b.height) for b in hits.boxes]


def read_page_restrictions(store: Any, page_id: int, item_id: int, width: int,
                           height: int) -> tuple[list[Any], list[tuple[int, int, int, int]]]:
    """The active restrictions and the hatched areas of a page, read in one go (the writer thread):
    the layout is parsed only when something is restricted."""
    rs = list_restrictions(store, active_only=True)
    return rs, hatch_boxes(store.load_layout(page_id) if rs else None, rs, page_id, item_id, width, height)


def attach_restrict_panel(window: Any) -> tuple[RestrictPanel, QDockWidget]:
    """Dock a :class:`RestrictPanel` on the right of ``window`` and wire it to its viewer and pages."""
    panel = RestrictPanel()
    dock = QDockWidget("Restrictions", window)
    dock.setObjectName("dock-restrictions")
    dock.setWidget(panel)
    window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
    panel.attach(window)
    return panel, dock


def withheld_text(root: str, item_ids: list[int] | None = None) -> str:
    """What an access package of these items will withhold, for the export dialog."""
    from ...restrict.redact import access_preview
    from ...store import ProjectStore

    with ProjectStore.open(root) as store:
        items = [store.get_item(i) for i in item_ids] if item_ids else None
        lines = access_preview(store, items)
    if not lines:
        return "Nothing is restricted: access and preservation packages hold the same material."
    return "Access packages (IIIF, PDF, or any export marked access) will withhold:\n" + "\n".join(
        f"• {ln}" for ln in lines)


def add_access_choice(layout: Any, root: str, item_ids: list[int] | None = None) -> QCheckBox:
    """The export dialog's note on what will be withheld and its "access package" box (``--access``)."""
    label = QLabel(withheld_text(root, item_ids))
    label.setObjectName("withheld")
    label.setWordWrap(True)
    layout.addWidget(label)
    check = QCheckBox("Access package: leave restricted material out (always done for IIIF and PDF)")
    check.setObjectName("access")
    layout.addWidget(check)
    return check
