"""The QA panel: a dashboard per item (target, estimate with interval, sample progress, gate state),
the QA mode (line image and the text as drawn; the checker types what the image shows), double keying
and adjudication (:mod:`digitizer.gui.qa_keying`).

A thin client of :mod:`digitizer.qa`: every action calls the same core function as its CLI twin
(``qa sample``, ``qa check``, ``qa report``).  The panel opens its own connection to the project
(SQLite WAL); each action is one short transaction.  The operator field is the "switch" of who
checks: it is recorded in every event the panel writes.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QRect, Qt, Signal
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import (QFormLayout, QGroupBox, QHBoxLayout, QLabel, QLineEdit, QPushButton, QSpinBox,
                               QTableWidget, QTableWidgetItem, QTabWidget, QVBoxLayout, QWidget)

from ...errors import DigitizerError
from ...store import ProjectStore
from .qa_keying import AdjudicationView, KeyingView

DASHBOARD_COLUMNS = ("item", "target", "estimate", "interval", "checked", "gate")


def _pct(v: float | None) -> str:
    return "–" if v is None else f"{v:.2%}"


class QaPanel(QWidget):
    """Dashboard + QA mode for the project at ``root``."""

    checked = Signal(int)          # queue entry id, after its check was stored
    sampled = Signal(int)          # sample id, after a draw
    error = Signal(str)

    def __init__(self, root: str, operator: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = ProjectStore.open(root, agent=operator)
        self.entry: Any = None
        self.worker: Any = None
        self._build()
        self.refresh()

    # ------------------------------------------------------------------ construction
    def _build(self) -> None:
        lay = QVBoxLayout(self)
        self.dashboard = QTableWidget(0, len(DASHBOARD_COLUMNS))
        self.dashboard.setHorizontalHeaderLabels(list(DASHBOARD_COLUMNS))
        self.dashboard.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.dashboard.setMaximumHeight(140)
        lay.addWidget(self.dashboard)
        form = QFormLayout()
        self.operator = QLineEdit(self.store.agent)
        self.operator.editingFinished.connect(self._operator_changed)
        form.addRow("Operator", self.operator)
        row = QHBoxLayout()
        self.seed = QSpinBox()
        self.seed.setRange(0, 2**31 - 1)
        self.size = QLineEdit("auto")
        self.draw_button = QPushButton("Draw sample")
        self.draw_button.clicked.connect(self.draw_sample)
        for w in (QLabel("seed"), self.seed, QLabel("size"), self.size, self.draw_button):
            row.addWidget(w)
        form.addRow("Sample", row)
        lay.addLayout(form)
        self.tabs = QTabWidget()
        self.tabs.addTab(self._build_mode(), "QA mode")
        self.keying = KeyingView(self.store)
        self.adjudication = AdjudicationView(self.store)
        self.tabs.addTab(self.keying, "Double keying")
        self.tabs.addTab(self.adjudication, "Adjudication")
        lay.addWidget(self.tabs)
        self.message = QLabel("")
        self.message.setWordWrap(True)
        lay.addWidget(self.message)

    def _build_mode(self) -> QGroupBox:
        box = QGroupBox("Check the sampled lines")
        v = QVBoxLayout(box)
        self.progress = QLabel("")
        self.line_image = QLabel()
        self.line_image.setMinimumHeight(40)
        self.shown_text = QLabel("")
        self.shown_text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.reference = QLineEdit()
        self.reference.setPlaceholderText("what the image shows")
        self.reference.returnPressed.connect(self.save_check)
        buttons = QHBoxLayout()
        self.ok_button = QPushButton("Correct as shown")
        self.ok_button.clicked.connect(self.mark_ok)
        self.save_button = QPushButton("Save check")
        self.save_button.clicked.connect(self.save_check)
        buttons.addWidget(self.ok_button)
        buttons.addWidget(self.save_button)
        for w in (self.progress, self.line_image, QLabel("Text as drawn:"), self.shown_text, self.reference):
            v.addWidget(w)
        v.addLayout(buttons)
        return box

    # ------------------------------------------------------------------ actions (each = a CLI twin)
    def _operator_changed(self) -> None:
        name = self.operator.text().strip()
        if name and name != self.store.agent:
            self.store.agent = name
            self.next_entry()

    def _guard(self, func: Any, *args: Any) -> Any:
        try:
            return func(*args)
        except DigitizerError as exc:
            self.message.setText(exc.user_message)
            self.error.emit(exc.user_message)
            return None

    def draw_sample(self) -> None:
        """``digitizer qa sample P --seed N --size S``, in a worker (it reads every page's layout)."""
        from ..workers import create_worker

        if self.worker is not None:
            return
        self.draw_button.setEnabled(False)
        self.message.setText("drawing…")
        self.worker = create_worker(_draw, str(self.store.root), self.store.agent, self.seed.value(),
                                    self.size.text().strip() or "auto")
        self.worker.signals.returned.connect(self._drawn)
        self.worker.signals.errored.connect(self._draw_failed)
        self.worker.signals.finished.connect(self._draw_finished)
        self.worker.start()

    def _drawn(self, res: Any) -> None:
        self.message.setText(f"sample {res.sample_id}: {res.units} unit(s) from seed {res.seed}")
        self.refresh()
        self.sampled.emit(res.sample_id)

    def _draw_failed(self, exc: BaseException) -> None:
        text = getattr(exc, "user_message", None) or str(exc)
        self.message.setText(text)
        self.error.emit(text)

    def _draw_finished(self) -> None:
        self.worker = None
        self.draw_button.setEnabled(True)

    def mark_ok(self) -> None:
        if self.entry is not None:
            self.reference.setText(self.entry.text)
            self.save_check()

    def save_check(self) -> None:
        """``digitizer qa check P --unit N --text T``."""
        from ...qa.queue import check

        if self.entry is None:
            return
        entry = self.entry
        s = self._guard(check, self.store, entry.id, self.reference.text())
        if s is not None:
            note = "" if s.fixed in ("fixed", "unchanged") else f" (line not corrected: {s.fixed})"
            self.message.setText(f"entry {entry.id}: {s.errors} error(s) in {s.chars} character(s){note}")
            self.checked.emit(entry.id)
            self.refresh()

    # ------------------------------------------------------------------ views
    def refresh(self) -> None:
        self._fill_dashboard()
        self.next_entry()

    def _fill_dashboard(self) -> None:
        from ...qa.gate import release_state

        states = [release_state(self.store, it) for it in self.store.items(with_pages=False)]
        self.dashboard.setRowCount(len(states))
        for r, s in enumerate(states):
            gate = ("no target" if not s.declared else "accepted" if s.accepted else "refused") + \
                   ("" if s.accepted or not s.declared else f": {s.reason}")
            cells = (s.item, _pct(s.target), _pct(s.accuracy),
                     "–" if s.low is None else f"[{_pct(s.low)}, {_pct(s.high)}]", f"{s.checked}/{s.sampled}", gate)
            for c, text in enumerate(cells):
                self.dashboard.setItem(r, c, QTableWidgetItem(text))
        self.dashboard.resizeColumnsToContents()

    def next_entry(self) -> None:
        from ...qa.queue import entries

        pending = entries(self.store, operator=self.store.agent)
        self.entry = pending[0] if pending else None
        self.progress.setText(f"{len(pending)} line(s) to check" if pending else "nothing to check")
        for w in (self.reference, self.ok_button, self.save_button):
            w.setEnabled(self.entry is not None)
        self.shown_text.setText(self.entry.text if self.entry else "")
        self.reference.setText(self.entry.text if self.entry else "")
        self.line_image.setPixmap(self._line_pixmap() if self.entry else QPixmap())

    def _line_pixmap(self) -> QPixmap:
        page = self.store.get_page(self.entry.page_id)
        layout = self.store.load_layout(page.id)
        line = layout.find_line(self.entry.line_id) if layout else None
        image = QImage(str(self.store.page_image_path(page)))
        if line is None or image.isNull():
            return QPixmap()
        b = line.bbox
        crop = image.copy(QRect(b.x0, b.y0, b.width, b.height))
        return QPixmap.fromImage(crop.scaledToHeight(min(60, max(b.height, 1)),
                                                     Qt.TransformationMode.SmoothTransformation))

    def close_store(self) -> None:
        if self.worker is not None:
            self.worker.quit()
        self.store.close()


def _draw(root: str, agent: str, seed: int, size: str) -> Any:
    """Worker body: its own connection to the project (SQLite connections stay in their thread)."""
    from ...qa.sampling import draw

    with ProjectStore.open(root, agent=agent) as store:
        return draw(store, seed=seed, size=size)


def attach_qa_panel(window: Any) -> QaPanel:
    """Dock a QA panel for the window's open project (replacing an earlier one)."""
    from PySide6.QtWidgets import QDockWidget

    detach_qa_panel(window)
    panel = QaPanel(str(window.store.root), window.settings.operator)
    dock = getattr(window, "qa_dock", None)
    if dock is None:               # hidden until asked for (View > Quality), like the capture dock
        dock = QDockWidget("Quality", window)
        dock.setObjectName("dock-quality")
        window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
        dock.hide()
        window.qa_dock = dock
        view = next((a.menu() for a in window.menuBar().actions() if a.text() == "&View"), None)
        if view is not None:
            view.addAction(dock.toggleViewAction())
    dock.setWidget(panel)
    window.qa_panel = panel
    return panel


def detach_qa_panel(window: Any) -> None:
    panel = getattr(window, "qa_panel", None)
    if panel is not None:
        panel.close_store()
        window.qa_dock.setWidget(QLabel("Open a project for QA."))
        panel.deleteLater()
        window.qa_panel = None
