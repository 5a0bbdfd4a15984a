"""Line history: every saved version of one line (who, when, source); restore one as a new version."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QAbstractItemView, QDialog, QDialogButtonBox, QHeaderView, QLabel, QTableView, QVBoxLayout

from ...store import LineVersion
from ..models import HistoryModel


class HistoryDialog(QDialog):
    """Emits ``restoreRequested(version)``; the window restores that whole version (text, words,
    confidences) through the undo stack, as a new version."""

    restoreRequested = Signal(int)

    def __init__(self, line_id: str, versions: list[LineVersion], parent: Any = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"History of line {line_id}")
        self.resize(760, 320)
        lay = QVBoxLayout(self)
        lay.addWidget(QLabel(f"{len(versions)} version(s). Restoring makes the chosen version (text, words, "
                             "confidences) current again, as a new version."))
        self.model = HistoryModel(versions, self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().hide()
        if versions:
            self.table.selectRow(len(versions) - 1)
        lay.addWidget(self.table)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.restore_button = buttons.addButton("Restore selected", QDialogButtonBox.ButtonRole.ActionRole)
        self.restore_button.clicked.connect(self.restore_selected)
        buttons.rejected.connect(self.reject)
        lay.addWidget(buttons)

    def select_version(self, version: int) -> None:
        for row in range(self.model.rowCount()):
            if self.model.version_at(row).version == version:
                self.table.selectRow(row)

    def restore_selected(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        if rows:
            self.restoreRequested.emit(self.model.version_at(rows[0].row()).version)
            self.accept()
