"""One line of the transcription editor: the line's image crop above its editable text
(:class:`LineRow`), the text field with low-confidence highlighting (:class:`LineTextEdit`) and the
Unicode helpers of the character input (:func:`parse_unicode`, :func:`char_label`).
"""

from __future__ import annotations

import unicodedata
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QFont, QImage, QKeyEvent, QPainter, QSyntaxHighlighter, QTextCharFormat
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPlainTextEdit, QVBoxLayout, QWidget

from ...correction import low_confidence_spans
from ...keyboard import parse_unicode  # noqa: F401  (the editor's Unicode field)
from ...model import Line
from .line_image_view import LineImageView

# how a line state (digitizer.workflow) is shown next to the line: label, colour
STATE_LOOK = {"machine": ("machine", "gray"), "edited": ("✎ edited", "#1565c0"),
              "verified": ("✓ verified", "#2e7d32"), "flagged": ("⚑ flagged", "#e65100")}



def char_label(ch: str) -> str:
    """How a palette button shows ``ch`` (combining marks on a dotted circle)."""
    return "◌" + ch if ch and all(unicodedata.combining(c) for c in ch) else ch


class LowConfidenceHighlighter(QSyntaxHighlighter):
    """Marks words still under the threshold (amber background, red wavy underline)."""

    def __init__(self, document: Any) -> None:
        super().__init__(document)
        self.line: Line | None = None
        self.threshold = 0.8
        self.fmt = QTextCharFormat()
        self.fmt.setBackground(QColor(255, 224, 130))
        self.fmt.setForeground(QColor(20, 20, 20))
        self.fmt.setUnderlineStyle(QTextCharFormat.UnderlineStyle.WaveUnderline)
        self.fmt.setUnderlineColor(QColor(211, 47, 47))

    def highlightBlock(self, text: str) -> None:
        if self.line is None:
            return
        for start, end in low_confidence_spans(text, self.line, self.threshold):
            self.setFormat(start, end - start, self.fmt)


class LineTextEdit(QPlainTextEdit):
    """A one-line editor; emits ``navigate(delta)`` for Enter/Down (+1) and Up (-1)."""

    navigate = Signal(int)
    pageDone = Signal()
    focused = Signal()
    left = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setTabChangesFocus(True)
        self.setUndoRedoEnabled(False)       # undo is the window's (store-backed) undo stack
        font = QFont(self.font())
        font.setPointSizeF(max(11.0, font.pointSizeF() * 1.2))
        self.setFont(font)
        height = self.fontMetrics().lineSpacing() + 2 * int(self.document().documentMargin()) + 2 * self.frameWidth() + 2
        self.setFixedHeight(height)
        self.highlighter = LowConfidenceHighlighter(self.document())

    def text(self) -> str:
        return self.toPlainText().replace("\n", " ")

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key, mods = event.key(), event.modifiers()
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            if mods & Qt.KeyboardModifier.ControlModifier:
                self.pageDone.emit()
            else:
                self.navigate.emit(1)
            event.accept()
        elif key == Qt.Key.Key_Down and not mods & Qt.KeyboardModifier.ShiftModifier:
            self.navigate.emit(1)
            event.accept()
        elif key == Qt.Key.Key_Up and not mods & Qt.KeyboardModifier.ShiftModifier:
            self.navigate.emit(-1)
            event.accept()
        elif mods & Qt.KeyboardModifier.ControlModifier and not mods & Qt.KeyboardModifier.AltModifier \
                and event.text():
            # Ctrl+letter is a command (select all, copy, word moves...), never text to insert
            plain = QKeyEvent(event.type(), key, mods, "", event.isAutoRepeat(), event.count())
            super().keyPressEvent(plain)
            event.setAccepted(plain.isAccepted())
        else:
            super().keyPressEvent(event)

    def focusInEvent(self, event: Any) -> None:
        super().focusInEvent(event)
        self.focused.emit()

    def focusOutEvent(self, event: Any) -> None:
        super().focusOutEvent(event)
        self.left.emit()

    def insertFromMimeData(self, source: Any) -> None:
        self.insertPlainText(" ".join(source.text().split()))


class LineRow(QFrame):
    """Crop above text; paints an accent bar when it is the current line."""

    def __init__(self, number: int, line: Line | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.line_id = line.id if line else ""
        self.current = False
        lay = QVBoxLayout(self)
        lay.setContentsMargins(10, 4, 4, 4)
        lay.setSpacing(2)
        self.crop = LineImageView()          # the line's image at the editor's one scale
        self.edit = LineTextEdit()
        self.edit.cursorPositionChanged.connect(self._follow_cursor)
        self.edit.focused.connect(self._follow_cursor)
        self.state_label = QLabel("")
        self.state_label.setFixedWidth(86)
        self.state_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.state = "machine"
        lay.addWidget(self.crop)
        text_row = QHBoxLayout()
        text_row.setContentsMargins(0, 0, 0, 0)
        text_row.addWidget(self.edit, 1)
        text_row.addWidget(self.state_label)
        lay.addLayout(text_row)
        if line is not None:
            self.bind(number, line, 0.8)

    def bind(self, number: int, line: Line, threshold: float) -> None:
        """Show ``line`` in this (possibly reused) row; the crop follows with :meth:`set_crop`."""
        self.line_id = line.id
        self.set_current(False)
        self.crop.set_text(f"line {number}")
        hl = self.edit.highlighter
        hl.line, hl.threshold = line, threshold
        if self.edit.toPlainText() != line.text:
            self.edit.setPlainText(line.text)     # highlights through the highlighter
        else:
            hl.rehighlight()

    def set_state(self, state: str, comment: str = "") -> None:
        """Show the line's stored state (machine, edited, verified, flagged + comment)."""
        if (state, comment) == (self.state, self.state_label.toolTip()) and self.state_label.text():
            return                        # a style sheet change re-polishes the label: only when needed
        self.state = state
        label, colour = STATE_LOOK.get(state, (state, "gray"))
        self.state_label.setText(label)
        self.state_label.setStyleSheet(f"color: {colour};")
        self.state_label.setToolTip(comment)

    def set_crop(self, image: QImage, scale: float = 0.0, px_per_text_height: float = 0.0) -> None:
        """Show the line's image as it is: crops come at the editor's one scale (line_images.py), so a
        long line is cut at the right (it scrolls) and a short one is not enlarged."""
        self.crop.set_image(image, scale, px_per_text_height)
        self._follow_cursor()

    def _follow_cursor(self) -> None:
        """The line being typed keeps the part of its image near the text cursor in view."""
        if self.crop.image is not None and self.edit.hasFocus():
            self.crop.follow(self.edit.textCursor().position() / max(1, len(self.edit.toPlainText())))

    def set_current(self, current: bool) -> None:
        if current != self.current:
            self.current = current
            self.update()

    def paintEvent(self, event: Any) -> None:
        super().paintEvent(event)
        if self.current:
            p = QPainter(self)
            p.fillRect(0, 0, 5, self.height(), QColor(255, 111, 0))
            p.end()


