"""The image of one line in the editor, shown at its one scale (never shrunk to the row's width).

A line wider than the row is cut at the right edge (a fade marks that there is more); it scrolls
sideways with a horizontal wheel, Shift+wheel or a drag, and follows the text cursor of its line
(:meth:`LineImageView.follow`).  A vertical wheel goes on to the editor's scroll area.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtGui import QColor, QImage, QLinearGradient, QPainter, QPixmap
from PySide6.QtWidgets import QSizePolicy, QWidget

FADE_PX = 28         # the fade at a cut edge


class LineImageView(QWidget):
    """A line crop at 1:1 (its pixels are already at the editor's scale), or a grey placeholder text."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.setFixedHeight(24)
        self._pixmap: QPixmap | None = None
        self._text = ""
        self._offset = 0
        self._drag: QPoint | None = None
        self.image: QImage | None = None
        self.scale = 0.0                 # crop pixels per source pixel
        self.px_per_text_height = 0.0    # crop pixels per text height of the page

    # ------------------------------------------------------------------ content
    def set_text(self, text: str) -> None:
        """No image (yet): a grey label such as ``line 3``."""
        self._pixmap, self.image, self._text, self._offset = None, None, text, 0
        self.scale = self.px_per_text_height = 0.0
        self.setFixedHeight(24)
        self.update()

    def text(self) -> str:
        return "" if self._pixmap is not None else self._text

    def set_image(self, image: QImage, scale: float = 0.0, px_per_text_height: float = 0.0) -> None:
        keep = self._pixmap is not None and self._pixmap.width() and self._offset / self._pixmap.width()
        self.image, self.scale, self.px_per_text_height = image, scale, px_per_text_height
        self._pixmap = QPixmap.fromImage(image)
        self._offset = self._clamp(int((keep or 0) * image.width()))
        self.setFixedHeight(image.height() + 2)
        self.update()

    def overflow(self) -> int:
        """How many pixels of the line do not fit (0: all of it is visible)."""
        return max(0, self._pixmap.width() - self.width()) if self._pixmap is not None else 0

    @property
    def offset(self) -> int:
        return self._offset

    def _clamp(self, x: int) -> int:
        return max(0, min(x, self.overflow()))

    def scroll_to(self, x: int) -> None:
        x = self._clamp(x)
        if x != self._offset:
            self._offset = x
            self.update()

    def follow(self, fraction: float) -> None:
        """Keep the part of the line at ``fraction`` of its length (the text cursor's) in view."""
        if self._pixmap is None or not self.overflow():
            return
        x = int(fraction * self._pixmap.width())
        margin = min(FADE_PX * 3, self.width() // 4)
        if x < self._offset + margin or x > self._offset + self.width() - margin:
            self.scroll_to(x - self.width() // 2)

    # ------------------------------------------------------------------ events
    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        self._offset = self._clamp(self._offset)

    def wheelEvent(self, event: Any) -> None:
        delta = event.angleDelta()
        dx = delta.x() or (delta.y() if event.modifiers() & Qt.KeyboardModifier.ShiftModifier else 0)
        if dx and self.overflow():
            self.scroll_to(self._offset - dx)
            event.accept()
        else:
            event.ignore()

    def mousePressEvent(self, event: Any) -> None:
        if self.overflow() and event.button() == Qt.MouseButton.LeftButton:
            self._drag = event.position().toPoint()
            self.setCursor(Qt.CursorShape.ClosedHandCursor)
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: Any) -> None:
        if self._drag is not None:
            pos = event.position().toPoint()
            self.scroll_to(self._offset - (pos.x() - self._drag.x()))
            self._drag = pos
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: Any) -> None:
        self._drag = None
        self.unsetCursor()
        super().mouseReleaseEvent(event)

    def paintEvent(self, event: Any) -> None:
        p = QPainter(self)
        if self._pixmap is None:
            p.setPen(QColor("gray"))
            p.drawText(self.rect(), int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), self._text)
            p.end()
            return
        p.drawPixmap(-self._offset, 1, self._pixmap)
        bg = self.palette().window().color()
        if self._offset > 0:
            self._fade(p, QRect(0, 0, FADE_PX, self.height()), bg, left=True)
        if self._offset < self.overflow():
            self._fade(p, QRect(self.width() - FADE_PX, 0, FADE_PX, self.height()), bg, left=False)
        p.end()

    @staticmethod
    def _fade(p: QPainter, rect: QRect, colour: QColor, *, left: bool) -> None:
        grad = QLinearGradient(rect.topLeft(), rect.topRight())
        clear = QColor(colour)
        clear.setAlpha(0)
        grad.setColorAt(0.0, colour if left else clear)
        grad.setColorAt(1.0, clear if left else colour)
        p.fillRect(rect, grad)
        p.setPen(QColor("gray"))
        p.drawText(rect, int(Qt.AlignmentFlag.AlignCenter), "‹" if left else "›")
