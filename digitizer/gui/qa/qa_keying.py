"""Double keying and adjudication views of the QA panel (thin clients of :mod:`digitizer.qa.keying`).

``KeyingView``: the operator keys a page's lines; it shows the engine text or the operator's own
keying, never another keyer's (``qa key``).  ``AdjudicationView``: the lines where the keyings differ,
side by side; choosing a keyer's text (or typing one) makes it the line text (``qa adjudicate``).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (QHBoxLayout, QLabel, QLineEdit, QPushButton, QSpinBox, QTableWidget, QTableWidgetItem,
                               QVBoxLayout, QWidget)

from ...errors import DigitizerError


def _page_row(owner: QWidget, label: str, slot: Any) -> tuple[QHBoxLayout, QSpinBox]:
    row = QHBoxLayout()
    spin = QSpinBox(owner)
    spin.setRange(1, 2**31 - 1)
    show = QPushButton(label, owner)
    show.clicked.connect(slot)
    for w in (QLabel("page id"), spin, show):
        row.addWidget(w)
    row.addStretch(1)
    return row, spin


class KeyingView(QWidget):
    saved = Signal(int)              # page id

    def __init__(self, store: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        lay = QVBoxLayout(self)
        row, self.page = _page_row(self, "Show lines", self.load)
        lay.addLayout(row)
        self.table = QTableWidget(0, 2)
        self.table.setHorizontalHeaderLabels(["line", "your keying"])
        lay.addWidget(self.table)
        self.save_button = QPushButton("Save my keying")
        self.save_button.clicked.connect(self.save)
        self.message = QLabel("")
        lay.addWidget(self.save_button)
        lay.addWidget(self.message)

    def load(self) -> None:
        from ...qa.keying import keying_view

        rows = keying_view(self.store, self.page.value(), self.store.agent)
        self.message.setText(f"{len(rows)} line(s) to key as {self.store.agent}" if rows else "no such page or no lines")
        self.table.setRowCount(len(rows))
        for r, (line_id, text) in enumerate(rows):
            self.table.setItem(r, 0, QTableWidgetItem(line_id))
            self.table.setItem(r, 1, QTableWidgetItem(text))

    def save(self) -> None:
        from ...qa.keying import key_line

        page = self.page.value()
        try:
            for r in range(self.table.rowCount()):
                key_line(self.store, page, self.table.item(r, 0).text(), self.table.item(r, 1).text(),
                         operator=self.store.agent)
        except DigitizerError as exc:
            self.message.setText(exc.user_message)
            return
        self.message.setText(f"page {page}: {self.table.rowCount()} line(s) keyed by {self.store.agent}")
        self.saved.emit(page)


class AdjudicationView(QWidget):
    decided = Signal(int, str)       # page id, line id

    def __init__(self, store: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.keyers: list[str] = []
        lay = QVBoxLayout(self)
        row, self.page = _page_row(self, "Show differences", self.load)
        lay.addLayout(row)
        self.table = QTableWidget(0, 1)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.cellDoubleClicked.connect(lambda _r, _c: self.choose())
        lay.addWidget(self.table)
        self.take = QPushButton("Take the selected keyer's text")
        self.take.clicked.connect(lambda: self.choose())
        lay.addWidget(self.take)
        own = QHBoxLayout()
        self.own_text = QLineEdit()
        self.own_text.setPlaceholderText("or your own text for the selected line")
        self.choose_own = QPushButton("Use my text")
        self.choose_own.clicked.connect(lambda: self.choose("=" + self.own_text.text()))
        own.addWidget(self.own_text, 1)
        own.addWidget(self.choose_own)
        lay.addLayout(own)
        self.message = QLabel("")
        lay.addWidget(self.message)

    def load(self) -> None:
        from ...qa.keying import differences

        diffs = differences(self.store, self.page.value())
        self.keyers = sorted({op for _, texts in diffs for op in texts})
        self.table.clear()
        self.table.setColumnCount(1 + len(self.keyers))
        self.table.setHorizontalHeaderLabels(["line", *self.keyers])
        self.table.setRowCount(len(diffs))
        for r, (line_id, texts) in enumerate(diffs):
            self.table.setItem(r, 0, QTableWidgetItem(line_id))
            for c, op in enumerate(self.keyers, 1):
                self.table.setItem(r, c, QTableWidgetItem(texts.get(op, "")))
        self.message.setText(f"{len(diffs)} line(s) differ" if diffs else "the keyings agree (or none yet)")

    def choose(self, choice: str | None = None) -> None:
        """Take the selected cell's keyer (or ``=TEXT``) for the selected line."""
        from ...qa.keying import adjudicate

        row, col = self.table.currentRow(), self.table.currentColumn()
        if row < 0:
            return
        if choice is None:
            if col < 1:
                return
            choice = self.keyers[col - 1]
        page, line_id = self.page.value(), self.table.item(row, 0).text()
        try:
            text = adjudicate(self.store, page, line_id, choice=choice)
        except DigitizerError as exc:
            self.message.setText(exc.user_message)
            return
        self.message.setText(f"line {line_id}: {text}")
        self.decided.emit(page, line_id)
