"""Help: the keyboard shortcuts, generated from the window's actions plus the editor's own keys."""

from __future__ import annotations

from typing import Any, Iterable

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QHeaderView, QTableWidget, QTableWidgetItem, QVBoxLayout

EDITOR_KEYS = [
    ("Enter / Down", "Save the line and go to the next one"),
    ("Up", "Save the line and go to the previous one"),
    ("Tab / Shift+Tab", "Next / previous field"),
    ("Click a word or line on the page", "Jump to it in the editor"),
    ("Mouse wheel, + / -", "Zoom the page (viewer focused)"),
    ("0 / W", "Fit page / fit width (viewer focused)"),
    ("Drag on the page", "Pan"),
    ("Shift+wheel or drag on a line image", "Scroll a long line image sideways"),
]


def shortcut_rows(actions: Iterable[QAction]) -> list[tuple[str, str]]:
    """``(keys, what)`` for every action that has a shortcut, in menu order."""
    rows = []
    for act in actions:
        keys = [k.toString(QKeySequence.SequenceFormat.NativeText) for k in act.shortcuts() if not k.isEmpty()]
        if keys:
            rows.append((", ".join(keys), act.text().replace("&", "")))
    return rows


class HelpDialog(QDialog):
    def __init__(self, actions: Iterable[QAction], parent: Any = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Keyboard shortcuts")
        self.resize(560, 620)
        lay = QVBoxLayout(self)
        rows = shortcut_rows(actions) + EDITOR_KEYS
        self.table = QTableWidget(len(rows), 2)
        self.table.setHorizontalHeaderLabels(["Keys", "Action"])
        for r, (keys, what) in enumerate(rows):
            self.table.setItem(r, 0, QTableWidgetItem(keys))
            self.table.setItem(r, 1, QTableWidgetItem(what))
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        lay.addWidget(self.table)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        lay.addWidget(buttons)

    def rows(self) -> list[tuple[str, str]]:
        return [(self.table.item(r, 0).text(), self.table.item(r, 1).text()) for r in range(self.table.rowCount())]
