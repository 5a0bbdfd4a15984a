"""The transcription editor: one row per line, the line's image crop above its editable text.

Keyboard first: Enter/Down go to the next line, Up to the previous one (each move saves the
line it leaves), Ctrl+Enter asks for "page done", F3 jumps to the next
low-confidence word.  The editor never writes to the store itself: it emits
``commitRequested(line_id, old, new)`` and the window saves it through the undo stack, then
calls :meth:`LineEditor.update_line` with the stored line.
"""

from __future__ import annotations

import unicodedata

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QTextCursor
from PySide6.QtWidgets import (QDoubleSpinBox, QFrame, QHBoxLayout, QLabel, QLineEdit, QPushButton,
                               QScrollArea, QToolButton, QVBoxLayout, QWidget)

from ...correction import Position, word_spans
from ...model import Line, PageLayout
from .line_row import LineRow, char_label, parse_unicode

PREWARM_ROWS = 40     # rows built at start-up, so opening a page does not build widgets


class LineEditor(QWidget):
    """Rows for the lines of one page plus the tool bar (threshold, F3, palette, Unicode input)."""

    lineChanged = Signal(str)
    commitRequested = Signal(str, str, str)
    nextLowConfidenceRequested = Signal()
    thresholdChanged = Signal(float)
    pageDoneRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.page_id: int | None = None
        self.threshold = 0.8
        self._lines: dict[str, Line] = {}
        self._rows: list[LineRow] = []           # the rows in use (a prefix of the pool)
        self._pool: list[LineRow] = []
        self._index: dict[str, int] = {}
        self._current = -1
        self._committing = False
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(2)
        outer.addWidget(self._build_bar())
        self.palette_bar = QWidget()
        self._palette_layout = QHBoxLayout(self.palette_bar)
        self._palette_layout.setContentsMargins(6, 0, 6, 0)
        self._palette_layout.setSpacing(2)
        outer.addWidget(self.palette_bar)
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self._container = QWidget()
        self._rows_layout = QVBoxLayout(self._container)
        self._rows_layout.setContentsMargins(0, 0, 0, 0)
        self._rows_layout.setSpacing(0)
        self._rows_layout.addStretch(1)
        self.scroll.setWidget(self._container)
        outer.addWidget(self.scroll, 1)
        self.empty_label = QLabel("No page open. Pick a page in the project browser.")
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.setStyleSheet("color: gray; padding: 24px;")
        self._rows_layout.insertWidget(0, self.empty_label)
        self._ensure_rows(PREWARM_ROWS)

    def _build_bar(self) -> QWidget:
        bar = QWidget()
        lay = QHBoxLayout(bar)
        lay.setContentsMargins(6, 4, 6, 0)
        self.title = QLabel("")
        self.title.setStyleSheet("font-weight: bold;")
        lay.addWidget(self.title, 1)
        lay.addWidget(QLabel("Low conf. <"))
        self.threshold_box = QDoubleSpinBox()
        self.threshold_box.setRange(0.0, 1.0)
        self.threshold_box.setSingleStep(0.05)
        self.threshold_box.setDecimals(2)
        self.threshold_box.setValue(self.threshold)
        self.threshold_box.setToolTip("Words under this confidence are highlighted and reached with F3")
        self.threshold_box.valueChanged.connect(self._threshold_edited)
        lay.addWidget(self.threshold_box)
        nxt = QPushButton("Next low (F3)")
        nxt.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        nxt.clicked.connect(self.nextLowConfidenceRequested)
        lay.addWidget(nxt)
        self.unicode_input = QLineEdit()
        self.unicode_input.setPlaceholderText("U+017F or name (Ctrl+U)")
        self.unicode_input.setMaximumWidth(190)
        self.unicode_input.setToolTip("Insert any character: a code point (U+017F, 0x364) or a Unicode name")
        self.unicode_input.returnPressed.connect(self._insert_unicode)
        lay.addWidget(self.unicode_input)
        return bar

    # ------------------------------------------------------------------ content
    def set_special_characters(self, chars: list[str]) -> None:
        if list(chars) == getattr(self, "_chars", None):
            return
        self._chars = list(chars)
        while self._palette_layout.count():
            w = self._palette_layout.takeAt(0).widget()
            if w is not None:
                w.deleteLater()
        for ch in chars:
            btn = QToolButton()
            btn.setText(char_label(ch))
            names = ", ".join(f"U+{ord(c):04X} {unicodedata.name(c, '?')}" for c in ch)
            btn.setToolTip(names)
            btn.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            btn.setMinimumSize(QSize(28, 26))
            btn.clicked.connect(lambda _=False, c=ch: self.insert_text(c))
            self._palette_layout.addWidget(btn)
        self._palette_layout.addStretch(1)
        self.palette_bar.setVisible(bool(chars))

    def set_page(self, page_id: int | None, layout: PageLayout | None, title: str = "") -> None:
        """Show the lines of ``layout`` (``None``: an empty editor)."""
        self._container.setUpdatesEnabled(False)
        self._index, self._lines, self._current = {}, {}, -1
        self.page_id = page_id
        self.title.setText(title)
        lines = layout.lines() if layout else []
        self._ensure_rows(len(lines))
        self._rows = self._pool[:len(lines)]
        for i, (row, line) in enumerate(zip(self._rows, lines)):
            row.bind(i + 1, line, self.threshold)
            if row.isHidden():
                row.setVisible(True)
            self._index[line.id] = i
            self._lines[line.id] = line
        for row in self._pool[len(lines):]:
            if not row.isHidden():
                row.setVisible(False)
        if layout is None:
            msg = "No page open. Pick a page in the project browser."
        elif not lines:
            msg = "This page has no text lines yet. Process it (Ctrl+R) or draw a line on the page."
        else:
            msg = ""
        self.empty_label.setText(msg)
        self.empty_label.setVisible(bool(msg))
        self._container.setUpdatesEnabled(True)

    def _ensure_rows(self, n: int) -> None:
        """Rows are pooled and reused from page to page (building 40 rows costs ~60 ms; reusing ~5)."""
        while len(self._pool) < n:
            i = len(self._pool)
            row = LineRow(i + 1)
            row.edit.navigate.connect(lambda d, i=i: self.move(d, from_row=i))
            row.edit.focused.connect(lambda i=i: self._row_focused(i))
            row.edit.left.connect(lambda i=i: self._commit_row(i))
            row.edit.pageDone.connect(self.pageDoneRequested)
            self._rows_layout.insertWidget(i, row)
            row.ensurePolished()
            row.setVisible(False)
            self._pool.append(row)

    def update_line(self, line: Line) -> None:
        """The store saved ``line``: show its text (if it differs) and its word confidences."""
        i = self._index.get(line.id)
        if i is None:
            return
        self._lines[line.id] = line
        edit = self._rows[i].edit
        if edit.text() != line.text:
            edit.setPlainText(line.text)
        edit.highlighter.line = line
        edit.highlighter.rehighlight()

    def _threshold_edited(self, value: float) -> None:
        self.set_threshold(value)
        self.thresholdChanged.emit(value)

    def set_threshold(self, value: float) -> None:
        self.threshold = value
        if abs(self.threshold_box.value() - value) > 1e-9:
            self.threshold_box.blockSignals(True)
            self.threshold_box.setValue(value)
            self.threshold_box.blockSignals(False)
        for row in self._rows:
            row.edit.highlighter.threshold = value
            row.edit.highlighter.rehighlight()

    def set_line_states(self, states: dict[str, tuple[str, str]]) -> None:
        """``{line id: (state, comment)}`` from the store; lines not named are ``machine``."""
        for row in self._rows:
            row.set_state(*states.get(row.line_id, ("machine", "")))

    def line_state(self, line_id: str) -> str:
        return self.row(line_id).state

    def set_read_only(self, reason: str | None) -> None:
        """Lines of a page the workflow closes (reviewed, approved) cannot be typed into; ``reason``
        says why (shown as the rows' tooltip); ``None`` makes them editable again."""
        for row in self._rows:
            if row.edit.isReadOnly() != (reason is not None) or row.edit.toolTip() != (reason or ""):
                row.edit.setReadOnly(reason is not None)
                row.edit.setToolTip(reason or "")

    def pending_line(self) -> tuple[str, str, str] | None:
        """``(line id, stored text, typed text)`` when the current line has unsaved typing."""
        lid = self.current_line_id()
        if lid is None:
            return None
        typed = " ".join(self._rows[self._current].edit.text().split())
        return (lid, self._lines[lid].text, typed) if typed != self._lines[lid].text else None

    # ------------------------------------------------------------------ navigation
    def line_ids(self) -> list[str]:
        return [r.line_id for r in self._rows]

    def row(self, line_id: str) -> LineRow:
        return self._rows[self._index[line_id]]

    def current_line_id(self) -> str | None:
        return self._rows[self._current].line_id if 0 <= self._current < len(self._rows) else None

    def current_position(self) -> Position | None:
        """Page, line and the word the cursor is in (for F3 'next after here')."""
        lid = self.current_line_id()
        if lid is None or self.page_id is None:
            return None
        edit = self._rows[self._current].edit
        pos = edit.textCursor().selectionStart()
        word = None
        for i, (s, e, _w) in enumerate(word_spans(self._lines[lid])):
            if s <= pos <= e:
                word = i
                break
        return Position(self.page_id, lid, word)

    def search_position(self) -> Position | None:
        """Where "next low-confidence word" starts: after the last word that begins before the cursor
        (the end of the selection when a word is selected).  With the cursor at the start of a line
        (e.g. just after Enter) no word is passed yet, so the line's first word is still ahead."""
        lid = self.current_line_id()
        if lid is None or self.page_id is None:
            return None
        pos = self._rows[self._current].edit.textCursor().selectionEnd()
        passed = [i for i, (s, _e, _w) in enumerate(word_spans(self._lines[lid])) if s < pos]
        return Position(self.page_id, lid, passed[-1] if passed else None)

    def move(self, delta: int, *, from_row: int | None = None) -> None:
        """Save the current line and go ``delta`` lines down (negative: up), cursor at the line's start."""
        start = self._current if from_row is None else from_row
        target = max(0, min(len(self._rows) - 1, start + delta))
        self.focus_line_index(target)
        if self._rows:
            self._rows[target].edit.moveCursor(QTextCursor.MoveOperation.StartOfLine)

    def keep_current_visible(self) -> None:
        """Scroll so that the current line is in view (after its row or the rows above it changed size)."""
        if not 0 <= self._current < len(self._rows):
            return
        layout = self._container.layout()
        if layout is not None:
            layout.activate()                     # the rows' new heights, before measuring
        self.scroll.ensureWidgetVisible(self._rows[self._current], 0, 40)

    def focus_line_index(self, index: int) -> None:
        if not self._rows:
            return
        row = self._rows[index]
        row.edit.setFocus(Qt.FocusReason.OtherFocusReason)
        if self._current != index:
            self._row_focused(index)
        self.scroll.ensureWidgetVisible(row, 0, 40)

    def focus_line(self, line_id: str, word: int | None = None) -> bool:
        """Put the cursor in ``line_id`` and select word number ``word`` (if given)."""
        i = self._index.get(line_id)
        if i is None:
            return False
        self.focus_line_index(i)
        edit = self._rows[i].edit
        cur = edit.textCursor()
        spans = word_spans(self._lines[line_id]) if word is not None else []
        if word is not None and 0 <= word < len(spans) and edit.text() == self._lines[line_id].text:
            cur.setPosition(spans[word][0])
            cur.setPosition(spans[word][1], QTextCursor.MoveMode.KeepAnchor)
        else:
            cur.movePosition(QTextCursor.MoveOperation.End)
        edit.setTextCursor(cur)
        return True

    def _row_focused(self, index: int) -> None:
        if index == self._current or index >= len(self._rows):
            return
        if 0 <= self._current < len(self._rows):
            self._commit_row(self._current)      # leaving a line saves it (also without focus events)
            self._rows[self._current].set_current(False)
        self._current = index
        self._rows[index].set_current(True)
        self.lineChanged.emit(self._rows[index].line_id)

    # ------------------------------------------------------------------ saving
    def commit_current(self) -> bool:
        """Ask to save the current line if its text changed; True when a save was requested."""
        return self._commit_row(self._current) if self._current >= 0 else False

    def _commit_row(self, index: int) -> bool:
        if self._committing or not 0 <= index < len(self._rows):
            return False
        row = self._rows[index]
        line = self._lines.get(row.line_id)
        new = " ".join(row.edit.text().split())
        if line is None or new == line.text:
            return False
        self._committing = True
        try:
            self.commitRequested.emit(row.line_id, line.text, new)
        finally:
            self._committing = False
        return True

    def pending_text(self, line_id: str) -> str:
        return self.row(line_id).edit.text()

    # ------------------------------------------------------------------ characters
    def insert_text(self, text: str) -> None:
        """Insert at the cursor of the current line (the palette and Unicode input use this)."""
        if not 0 <= self._current < len(self._rows):
            return
        edit = self._rows[self._current].edit
        edit.insertPlainText(text)
        edit.setFocus()

    def _insert_unicode(self) -> None:
        try:
            text = parse_unicode(self.unicode_input.text())
        except ValueError as exc:
            self.unicode_input.setToolTip(str(exc))
            self.unicode_input.selectAll()
            return
        self.unicode_input.clear()
        self.insert_text(text)
