"""Find & replace across the project: search (worker), preview with checkboxes, apply (worker).

Each applied change goes through ``store.update_line_text``: a line version with the operator."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (QAbstractItemView, QCheckBox, QDialog, QFormLayout, QHBoxLayout, QHeaderView, QLabel,
                               QLineEdit, QPushButton, QTableView, QVBoxLayout)

from ...correction import Replacement
from ..jobs.tasks import find_job, replace_job
from ..models import ReplacementModel
from ..workers import Worker, create_worker


class FindReplaceDialog(QDialog):
    """Signals ``applied(count, page_ids)`` after changes were saved; ``jumpTo(page_id, line_id)``."""

    applied = Signal(int, object)
    jumpTo = Signal(int, str)
    searched = Signal(int)

    def __init__(self, root: str, *, agent: str, parent: Any = None) -> None:
        super().__init__(parent)
        self.root, self.agent = root, agent
        self.worker: Worker | None = None
        self.setWindowTitle("Find and replace in project")
        self.resize(820, 520)
        lay = QVBoxLayout(self)
        form = QFormLayout()
        self.find = QLineEdit()
        self.replace = QLineEdit()
        form.addRow("Find", self.find)
        form.addRow("Replace with", self.replace)
        lay.addLayout(form)
        opts = QHBoxLayout()
        self.case = QCheckBox("Match case")
        self.case.setChecked(True)
        self.word = QCheckBox("Whole words")
        self.regex = QCheckBox("Regular expression")
        self.delete = QCheckBox("Delete matches")
        self.delete.setToolTip("With an empty \"Replace with\": remove the matches (otherwise an empty field only finds)")
        for cb in (self.case, self.word, self.regex, self.delete):
            opts.addWidget(cb)
        opts.addStretch(1)
        self.preview_button = QPushButton("Preview")
        self.preview_button.setDefault(True)
        self.preview_button.clicked.connect(self.search)
        opts.addWidget(self.preview_button)
        lay.addLayout(opts)
        self.model = ReplacementModel(parent=self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.table.horizontalHeader().setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().hide()
        self.table.doubleClicked.connect(self._jump)
        lay.addWidget(self.table, 1)
        bottom = QHBoxLayout()
        self.status = QLabel("")
        bottom.addWidget(self.status, 1)
        self.apply_button = QPushButton("Replace checked")
        self.apply_button.setEnabled(False)
        self.apply_button.clicked.connect(self.apply_checked)
        bottom.addWidget(self.apply_button)
        close = QPushButton("Close")
        close.clicked.connect(self.reject)
        bottom.addWidget(close)
        lay.addLayout(bottom)

    def search(self) -> None:
        if self.worker is not None or not self.find.text():
            return
        self.status.setText("Searching…")
        self.worker = create_worker(find_job, self.root, self.find.text(), self._replacement(), agent=self.agent,
                                    regex=self.regex.isChecked(), case_sensitive=self.case.isChecked(),
                                    whole_word=self.word.isChecked())
        self.worker.signals.returned.connect(self._found)
        self.worker.signals.errored.connect(self._error)
        self.worker.signals.finished.connect(lambda w=self.worker: self._idle(w))
        self.worker.start()

    def _replacement(self) -> str | None:
        """The replacement text; ``None`` (find only) for an empty field unless "Delete matches" is on."""
        text = self.replace.text()
        return text if text or self.delete.isChecked() else None

    def _found(self, rows: list[Replacement]) -> None:
        self.worker = None
        self.model.set_rows(rows)
        n = sum(r.count for r in rows)
        changes = any(r.new != r.old for r in rows)
        hint = ("Uncheck lines to leave them alone." if changes
                else "Type a replacement (or tick \"Delete matches\") to change them.")
        self.status.setText(f"{n} match(es) in {len(rows)} line(s). {hint}")
        self.apply_button.setEnabled(changes)
        self.searched.emit(len(rows))

    def apply_checked(self) -> None:
        rows = self.model.checked()
        if self.worker is not None or not rows:
            return
        self.apply_button.setEnabled(False)
        self.status.setText(f"Saving {len(rows)} line(s)…")
        pages = sorted({r.page_id for r in rows})
        self.worker = create_worker(replace_job, self.root, rows, agent=self.agent)
        self.worker.signals.returned.connect(lambda res: self._applied(res, pages))
        self.worker.signals.errored.connect(self._error)
        self.worker.signals.finished.connect(lambda w=self.worker: self._idle(w))
        self.worker.start()

    def _applied(self, result: tuple[int, list[Replacement]], pages: list[int]) -> None:
        self.worker = None
        count, skipped = result
        msg = f"Replaced in {count} line(s)."
        if skipped:
            msg += f" {len(skipped)} line(s) changed since the preview and were left alone."
        self.status.setText(msg)
        self.model.set_rows([])
        self.applied.emit(count, pages)

    def _error(self, exc: BaseException) -> None:
        self.worker = None
        self.status.setText(getattr(exc, "user_message", None) or str(exc))

    def _idle(self, worker: Worker) -> None:
        if self.worker is worker:
            self.worker = None

    def _jump(self, index: Any) -> None:
        row = self.model.row_at(index.row())
        self.jumpTo.emit(row.page_id, row.line_id)
