"""The Models dialog: the registered recognition models, their scores side by side, and the sidecar.

One row per model (project, user and built-in registry; what ``digitizer models list --json``
prints, read through the same core call :func:`digitizer.htr.overview.model_entries`): name,
origin, kind, alphabet size, training data, the CER on its own validation set and, for a retrained
model, the base model's and the new model's CER on the *same* held-back lines.  The details pane
shows the sidecar: sources, licence, base model, training and every evaluation.

The dialog only shows; its buttons ask the window's model actions
(:mod:`.model_actions`) to retrain or to switch an item to the selected model.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (QAbstractItemView, QDialog, QHBoxLayout, QHeaderView, QLabel, QPlainTextEdit,
                               QPushButton, QSplitter, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from ...htr.overview import VERDICT_SHORT, difference_text, model_entries, pct, training_text
from ...htr.registry import ModelInfo

COLUMNS = ["Model", "Origin", "Kind", "Chars", "Training data", "Val. CER", "Held-back: base", "Held-back: this",
           "Held-back lines"]
COL = {name: i for i, name in enumerate(COLUMNS)}


def held_back_cells(entry: dict[str, Any]) -> tuple[str, str, str]:
    """(base CER, this model's CER, lines) on the held-back lines of its latest retraining."""
    ev = entry.get("held_back")
    if ev is None:
        return "-", "-", "-"
    if not ev.get("lines"):
        return "none held back", "none held back", "0"
    base = "n/a (new model)" if ev.get("cer_before") is None else pct(ev.get("cer_before"))
    new = pct(ev.get("cer_after"))
    if ev.get("difference"):
        new += f" ({VERDICT_SHORT.get(ev['difference'].get('verdict'), '?')})"
    return base, new, f"{ev['lines']} ({ev.get('pages', '?')} pages)"


def details_text(entry: dict[str, Any]) -> str:
    """The sidecar as the details pane shows it."""
    m = ModelInfo.from_dict(entry)
    out = [f"{m.name}  ({entry.get('origin') or '?'}{', read-only' if entry.get('read_only') else ''})",
           f"file: {entry.get('path') or m.file}", f"kind: {m.kind}, engine {m.engine}, lines {m.seg_type or '?'}",
           f"language: {m.language or '-'}, script: {m.script or '-'}, alphabet: {len(m.alphabet)} characters",
           f"source: {m.source or '-'}", f"licence: {m.licence or '-'}", f"base model: {m.base_model or '-'}",
           f"created: {m.created or '-'}, sha256: {m.sha256 or '-'}",
           f"validation CER: {pct(m.cer)}" + (f" on {m.cer_set}" if m.cer_set else "")]
    if m.evaluations:
        out.append("evaluations:")
        for ev in m.evaluations:
            if "cer_after" in ev:
                out.append(f"  {ev.get('date', '')}  {ev.get('set', '')}")
                out.append(f"    base {ev.get('base_model') or '-'} {pct(ev.get('cer_before'))} -> this "
                           f"{pct(ev.get('cer_after'))} on the same {ev.get('lines', 0)} held-back lines; "
                           f"trained on {ev.get('train_lines', '?')} lines")
                if ev.get("difference"):
                    out.append(f"    this - base: {difference_text(ev)}")
            else:
                rest = ", ".join(f"{k} {v}" for k, v in ev.items() if k not in ("set", "date"))
                out.append(f"  {ev.get('date', '')}: {ev.get('set', '')}: {rest}")
    if m.training:
        out.append("training:")
        out += [f"  {k}: {v}" for k, v in m.training.items() if v not in ("", None, [], {})]
    if m.notes:
        out.append(f"notes: {m.notes}")
    return "\n".join(out)


class ModelsDialog(QDialog):
    """Signals: ``retrainRequested(base model name)``, ``useRequested(model name)``."""

    retrainRequested = Signal(str)
    useRequested = Signal(str)

    def __init__(self, project: str | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.project = project
        self.entries: list[dict[str, Any]] = []
        self.setWindowTitle("Models")
        self.resize(1180, 620)
        lay = QVBoxLayout(self)
        self.summary = QLabel("")
        self.summary.setWordWrap(True)
        lay.addWidget(self.summary)
        split = QSplitter(Qt.Orientation.Vertical)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.setWordWrap(False)
        head = self.table.horizontalHeader()
        head.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        head.setSectionResizeMode(COL["Training data"], QHeaderView.ResizeMode.Stretch)
        self.table.itemSelectionChanged.connect(self._selected)
        self.table.cellDoubleClicked.connect(lambda *_: self._use())
        split.addWidget(self.table)
        self.details = QPlainTextEdit()
        self.details.setReadOnly(True)
        self.details.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        split.addWidget(self.details)
        split.setSizes([300, 260])
        lay.addWidget(split, 1)
        row = QHBoxLayout()
        self.retrain_button = QPushButton("&Retrain on corrected pages…")
        self.retrain_button.setToolTip("Fine-tune the selected model on this project's corrected lines "
                                       "(digitizer retrain)")
        self.retrain_button.clicked.connect(lambda: self.retrainRequested.emit(self.current_name() or ""))
        self.use_button = QPushButton("&Use for item…")
        self.use_button.setToolTip("Switch an item to the selected model; pages without a person's work are "
                                   "processed again with it (digitizer models use)")
        self.use_button.clicked.connect(self._use)
        refresh = QPushButton("Re&fresh")
        refresh.clicked.connect(self.refresh)
        close = QPushButton("Close")
        close.clicked.connect(self.accept)
        for b in (self.retrain_button, self.use_button):
            row.addWidget(b)
        row.addStretch(1)
        row.addWidget(refresh)
        row.addWidget(close)
        lay.addLayout(row)
        self.refresh()

    # ------------------------------------------------------------------ content
    def refresh(self, select: str | None = None) -> None:
        """Read the registry again (the sidecars: small JSON files) and show it."""
        keep = select or self.current_name()
        self.entries = model_entries(self.project)
        self.table.setRowCount(len(self.entries))
        for r, e in enumerate(self.entries):
            base, new, lines = held_back_cells(e)
            info = ModelInfo.from_dict(e)
            cells = [e["name"], e.get("origin", ""), e.get("kind", ""), str(len(e.get("alphabet", ""))),
                     training_text(info, source=False), pct(e.get("cer")), base, new, lines]
            tips = {COL["Training data"]: training_text(info), COL["Val. CER"]: e.get("cer_set") or "",
                    COL["Held-back: this"]: difference_text(e.get("held_back"))}
            for c, text in enumerate(cells):
                it = QTableWidgetItem(text)
                it.setToolTip(tips.get(c) or text)
                if c in (COL["Chars"], COL["Val. CER"], COL["Held-back: base"], COL["Held-back: this"]):
                    it.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(r, c, it)
        retrained = sum(1 for e in self.entries if e.get("held_back"))
        self.summary.setText(f"{len(self.entries)} model(s); {retrained} retrained with a before/after score. "
                             "Held-back: the base model and this model scored on the same held-back lines, "
                             "never trained on.")
        names = [e["name"] for e in self.entries]
        self.select_model(keep if keep in names else (names[0] if names else None))

    def select_model(self, name: str | None) -> None:
        for r, e in enumerate(self.entries):
            if e["name"] == name:
                self.table.selectRow(r)
                return
        self._selected()

    def current_name(self) -> str | None:
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        return self.entries[rows[0].row()]["name"] if rows and rows[0].row() < len(self.entries) else None

    def entry(self, name: str) -> dict[str, Any]:
        return next(e for e in self.entries if e["name"] == name)

    def row_of(self, name: str) -> int:
        return next(r for r, e in enumerate(self.entries) if e["name"] == name)

    def cell(self, name: str, column: str) -> str:
        item = self.table.item(self.row_of(name), COL[column])
        return item.text() if item is not None else ""

    def _selected(self) -> None:
        name = self.current_name()
        e = next((x for x in self.entries if x["name"] == name), None)
        self.details.setPlainText(details_text(e) if e else "No model selected.")
        usable = e is not None and e.get("kind") == "recognition" and e.get("engine") == "kraken"
        self.use_button.setEnabled(usable and self.project is not None)
        self.retrain_button.setEnabled(usable and self.project is not None)

    def _use(self) -> None:
        name = self.current_name()
        if name and self.use_button.isEnabled():
            self.useRequested.emit(name)
