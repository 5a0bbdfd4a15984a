"""Line history: every saved version of one line (who, when, source), what each version changed (a
diff against the version before it), and restoring one as a new version."""

from __future__ import annotations

import difflib
import html
import re
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (QAbstractItemView, QDialog, QDialogButtonBox, QHeaderView, QLabel, QTableView,
                               QTextBrowser, QVBoxLayout)

from ...store import LineVersion
from ..models import HistoryModel


def text_diff(old: str, new: str) -> list[tuple[str, str]]:
    """``old`` -> ``new`` as (op, text) runs, op in ``=``, ``-``, ``+``; compared word by word (spaces
    kept), then character by character inside a changed word pair, so one wrong letter shows as one."""
    a, b = re.findall(r"\s+|\S+", old), re.findall(r"\s+|\S+", new)
    out: list[tuple[str, str]] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        left, right = "".join(a[i1:i2]), "".join(b[j1:j2])
        if op == "equal":
            out.append(("=", left))
        elif op == "replace" and i2 - i1 == j2 - j1 == 1:
            for cop, c1, c2, d1, d2 in difflib.SequenceMatcher(None, left, right, autojunk=False).get_opcodes():
                if cop == "equal":
                    out.append(("=", left[c1:c2]))
                else:
                    out += [("-", left[c1:c2])] * (c2 > c1) + [("+", right[d1:d2])] * (d2 > d1)
        else:
            out += [("-", left)] * bool(left) + [("+", right)] * bool(right)
    merged: list[tuple[str, str]] = []
    for op, text in out:                       # neighbouring runs of one kind become one
        if merged and merged[-1][0] == op:
            merged[-1] = (op, merged[-1][1] + text)
        else:
            merged.append((op, text))
    return merged


def diff_html(old: str, new: str) -> str:
    """The diff as HTML: removed text struck through in red, added text underlined in green."""
    look = {"=": "{}", "-": '<span style="color:#b00020;text-decoration:line-through">{}</span>',
            "+": '<span style="color:#1b7f1b;text-decoration:underline">{}</span>'}
    return "".join(look[op].format(html.escape(text)) for op, text in text_diff(old, new))


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
                             "confidences) current again, as a new version; the line stays where it is now."))
        self.model = HistoryModel(versions, self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().hide()
        lay.addWidget(self.table)
        self.diff = QTextBrowser()
        self.diff.setMaximumHeight(90)
        lay.addWidget(QLabel("What the selected version changed (against the version before it):"))
        lay.addWidget(self.diff)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._show_diff())
        if versions:
            self.table.selectRow(len(versions) - 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.restore_button = buttons.addButton("Restore selected", QDialogButtonBox.ButtonRole.ActionRole)
        self.restore_button.clicked.connect(self.restore_selected)
        buttons.rejected.connect(self.reject)
        lay.addWidget(buttons)

    def _show_diff(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            self.diff.clear()
            return
        row = rows[0].row()
        before = self.model.version_at(row - 1).text if row > 0 else ""
        self.diff.setHtml(diff_html(before, self.model.version_at(row).text))

    def select_version(self, version: int) -> None:
        for row in range(self.model.rowCount()):
            if self.model.version_at(row).version == version:
                self.table.selectRow(row)

    def restore_selected(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        if rows:
            self.restoreRequested.emit(self.model.version_at(rows[0].row()).version)
            self.accept()
