"""The page viewer: zoom/pan over a scan with layout overlays; click a line or word to edit it.

Rendering is level-of-detail: :class:`PageImageItem` paints the cached preview at low zoom and
only the exposed part of the full-resolution image once the zoom needs more pixels than the
preview has, so 600-dpi pages stay smooth.  Scene coordinates are the displayed image's pixels;
overlays are in master coordinates under a parent item whose transform is the page's
master-to-preprocessed :class:`~digitizer.model.Transform` when the preprocessed image is shown.
"""

from __future__ import annotations

import time
from typing import Any

from PySide6.QtCore import QEvent, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QImage, QPainter, QPainterPath, QPen, QPixmap, QTransform
from PySide6.QtWidgets import (QGraphicsItem, QGraphicsPathItem, QGraphicsRectItem, QGraphicsScene, QGraphicsView,
                               QStyleOptionGraphicsItem, QToolTip, QWidget)

from ...model import BBox, Page, PageLayout, Transform
from .page_images import PageImage
from .page_overlays import OVERLAY_KINDS, PageOverlays, confidence_color

__all__ = ["OVERLAY_KINDS", "PageImageItem", "PageViewer", "confidence_color", "qtransform"]

def qtransform(t: Transform) -> QTransform:
    return QTransform(t.a, t.d, t.b, t.e, t.c, t.f)


class PageImageItem(QGraphicsItem):
    """The page pixels: a preview for low zoom, the full image (exposed part only) for high zoom."""

    def __init__(self) -> None:
        super().__init__()
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemUsesExtendedStyleOption, True)
        self._size = (0, 0)
        self._preview: QPixmap | None = None
        self._full: QImage | None = None
        self.painted_once = False

    def clear(self, size: tuple[int, int]) -> None:
        self.prepareGeometryChange()
        self._size, self._preview, self._full, self.painted_once = size, None, None, False
        self.update()

    def set_preview(self, image: QImage, size: tuple[int, int]) -> None:
        self.prepareGeometryChange()
        self._size, self._preview = size, QPixmap.fromImage(image)
        self.update()

    def set_full(self, image: QImage) -> None:
        self._full = image
        self.update()

    @property
    def has_pixels(self) -> bool:
        return self._preview is not None or self._full is not None

    @property
    def full_loaded(self) -> bool:
        return self._full is not None

    def boundingRect(self) -> QRectF:
        return QRectF(0, 0, self._size[0], self._size[1])

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None) -> None:
        exposed = option.exposedRect.intersected(self.boundingRect())
        if exposed.isEmpty():
            return
        lod = QStyleOptionGraphicsItem.levelOfDetailFromTransform(painter.worldTransform())
        prev = self._preview
        pscale = prev.width() / self._size[0] if prev is not None and self._size[0] else 0.0
        if self._full is not None and (prev is None or lod > pscale * 1.05):
            painter.drawImage(exposed, self._full, exposed)
        elif prev is not None:
            src = QRectF(exposed.x() * pscale, exposed.y() * pscale, exposed.width() * pscale, exposed.height() * pscale)
            painter.drawPixmap(exposed, prev, src)
        else:
            return
        self.painted_once = True


class PageViewer(QGraphicsView):
    """Signals: ``lineClicked(line_id)``, ``wordClicked(line_id, index)``, ``rectDrawn(kind, bbox)``
    (master coordinates), ``firstPaint(ms)`` once per opened page, ``drawModeChanged(kind or "")``,
    ``layoutShown()`` after the overlays were rebuilt (the layout edit mode draws on top of them)."""

    lineClicked = Signal(str)
    wordClicked = Signal(str, int)
    rectDrawn = Signal(str, object)
    firstPaint = Signal(float)
    drawModeChanged = Signal(str)
    layoutShown = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setScene(QGraphicsScene(self))
        self.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.SmoothPixmapTransform)
        self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setResizeAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.SmartViewportUpdate)
        self.setBackgroundBrush(QBrush(QColor(70, 72, 76)))
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.image_item = PageImageItem()
        self.scene().addItem(self.image_item)
        self.overlay_root = QGraphicsRectItem()
        self.overlay_root.setPen(QPen(Qt.PenStyle.NoPen))
        self.overlay_root.setZValue(1)
        self.scene().addItem(self.overlay_root)
        self._current = QGraphicsPathItem(self.overlay_root)
        self._current.setZValue(5)
        self._current.setPen(QPen(QColor(255, 111, 0), 0))
        self._current.setBrush(QBrush(QColor(255, 235, 59, 60)))
        self.overlays = PageOverlays(self.overlay_root)     # a few items, refilled for each page
        self.page: Page | None = None
        self.layout_: PageLayout | None = None
        self.threshold = 0.8
        self.showing = "master"
        self._draw_kind: str | None = None
        self._draw_item: QGraphicsRectItem | None = None
        self._press: QPointF | None = None
        self._t_open: float | None = None
        self.first_paint_ms: float | None = None
        self._fit_pending = True

    # ------------------------------------------------------------------ content
    def set_page(self, page: Page, layout: PageLayout | None, showing: str = "master") -> None:
        """Show ``page`` (pixels arrive later through :meth:`set_image`) with ``layout`` overlays."""
        self._t_open = time.perf_counter()
        self.first_paint_ms = None
        self.page, self.showing = page, showing
        self.image_item.clear((page.width, page.height))
        self.overlay_root.setTransform(qtransform(page.transform) if showing == "preprocessed" else QTransform())
        self.set_layout(layout)
        self.scene().setSceneRect(QRectF(0, 0, page.width, page.height))
        self._fit_pending = True

    def clear_page(self) -> None:
        """Show nothing (no project open, or another project opened)."""
        self.page = None
        self.image_item.clear((0, 0))
        self.set_layout(None)

    def set_image(self, img: PageImage) -> None:
        if img.kind == "preview":
            self.image_item.set_preview(img.image, img.size)
            self.scene().setSceneRect(QRectF(0, 0, *img.size))
            if self._fit_pending:
                self.fit_width()
                self._fit_pending = False
        else:
            self.image_item.set_full(img.image)

    def set_layout(self, layout: PageLayout | None) -> None:
        self.layout_ = layout
        self._current.setPath(QPainterPath())
        self.overlays.threshold = self.threshold
        self.overlays.set_layout(layout)
        self.layoutShown.emit()

    def update_line(self, line: Any) -> None:
        """Redraw the words of one line (after an edit) without rebuilding the page's overlays."""
        self.overlays.update_line(line)

    def set_threshold(self, threshold: float) -> None:
        self.threshold = threshold
        self.overlays.set_threshold(threshold)

    def set_overlay_visible(self, kind: str, visible: bool) -> None:
        self.overlays.set_visible(kind, visible)

    def overlay_count(self, kind: str) -> int:
        """How many blocks, lines or words the overlays draw."""
        return self.overlays.count(kind)

    def set_current_line(self, line_id: str | None, *, ensure_visible: bool = True) -> None:
        line = self.layout_.find_line(line_id) if (self.layout_ and line_id) else None
        if line is None:
            self._current.setPath(QPainterPath())
            return
        b = line.bbox
        path = QPainterPath()
        path.addRect(QRectF(b.x0 - 4, b.y0 - 4, b.width + 8, b.height + 8))
        self._current.setPath(path)
        if ensure_visible:
            rect = self.overlay_root.mapRectToScene(path.boundingRect())
            self.ensureVisible(rect, 40, 60)

    # ------------------------------------------------------------------ zoom
    @property
    def zoom(self) -> float:
        return self.transform().m11()

    def set_zoom(self, factor: float) -> None:
        factor = max(0.02, min(factor, 8.0))
        self.setTransform(QTransform.fromScale(factor, factor))

    def zoom_by(self, step: float) -> None:
        self.set_zoom(self.zoom * step)

    def view_state(self) -> tuple[float, int, int]:
        """Zoom and scroll position, for :meth:`restore_view` after the same page is shown again."""
        return self.zoom, self.horizontalScrollBar().value(), self.verticalScrollBar().value()

    def restore_view(self, state: tuple[float, int, int]) -> None:
        """Back to a :meth:`view_state` (and no fit-to-width when the page's pixels arrive)."""
        self._fit_pending = False
        self.set_zoom(state[0])
        self.horizontalScrollBar().setValue(state[1])
        self.verticalScrollBar().setValue(state[2])

    def fit_page(self) -> None:
        self.fitInView(self.sceneRect(), Qt.AspectRatioMode.KeepAspectRatio)

    def fit_width(self) -> None:
        rect = self.sceneRect()
        if rect.width() > 0:
            self.set_zoom((self.viewport().width() - 4) / rect.width())
            self.centerOn(rect.center().x(), rect.top())
            self.verticalScrollBar().setValue(self.verticalScrollBar().minimum())

    def wheelEvent(self, event: Any) -> None:
        steps = event.angleDelta().y() / 120.0
        if steps:
            self.zoom_by(1.2 ** steps)
        event.accept()

    def keyPressEvent(self, event: Any) -> None:
        key = event.key()
        if key in (Qt.Key.Key_Plus, Qt.Key.Key_Equal):
            self.zoom_by(1.25)
        elif key == Qt.Key.Key_Minus:
            self.zoom_by(0.8)
        elif key == Qt.Key.Key_0:
            self.fit_page()
        elif key == Qt.Key.Key_W:
            self.fit_width()
        else:
            super().keyPressEvent(event)

    # ------------------------------------------------------------------ clicks and drawing
    def set_draw_mode(self, kind: str | None) -> None:
        """``"line"`` or ``"region"``: the next drag draws one; ``None``: back to panning."""
        self._draw_kind = kind
        self.setDragMode(QGraphicsView.DragMode.NoDrag if kind else QGraphicsView.DragMode.ScrollHandDrag)
        self.viewport().setCursor(Qt.CursorShape.CrossCursor if kind else Qt.CursorShape.OpenHandCursor)
        self.drawModeChanged.emit(kind or "")

    def mousePressEvent(self, event: Any) -> None:
        self._press = event.position()
        if self._draw_kind and event.button() == Qt.MouseButton.LeftButton:
            start = self.mapToScene(event.position().toPoint())
            self._draw_item = QGraphicsRectItem(QRectF(start, start))
            pen = QPen(QColor(255, 87, 34), 0, Qt.PenStyle.DashLine)
            pen.setCosmetic(True)
            self._draw_item.setPen(pen)
            self._draw_item.setZValue(10)
            self.scene().addItem(self._draw_item)
            event.accept()
            return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: Any) -> None:
        if self._draw_item is not None:
            start = self.mapToScene(self._press.toPoint())
            self._draw_item.setRect(QRectF(start, self.mapToScene(event.position().toPoint())).normalized())
            event.accept()
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: Any) -> None:
        if self._draw_item is not None:
            rect = self._draw_item.rect()
            self.scene().removeItem(self._draw_item)
            self._draw_item = None
            kind = self._draw_kind
            self.set_draw_mode(None)
            if rect.width() >= 3 and rect.height() >= 3:
                self.rectDrawn.emit(kind, self._to_master(rect))
            event.accept()
            return
        moved = self._press is not None and (event.position() - self._press).manhattanLength() > 4
        super().mouseReleaseEvent(event)
        if not moved and event.button() == Qt.MouseButton.LeftButton:
            self.click_at(self.mapToScene(event.position().toPoint()))

    def click_at(self, scene_pos: QPointF) -> None:
        """Emit the word (preferred) or line under ``scene_pos``."""
        hit = self.overlays.hit(self.overlay_root.mapFromScene(scene_pos))
        if hit is None:
            return
        if hit[0] == "word":
            self.wordClicked.emit(hit[1], hit[2])
        else:
            self.lineClicked.emit(hit[1])

    def viewportEvent(self, event: Any) -> bool:
        """A word's tooltip gives its confidence (the words are no items of their own)."""
        if event.type() == QEvent.Type.ToolTip:
            scene = self.mapToScene(event.pos())
            word = self.overlays.word_at(self.overlay_root.mapFromScene(scene))
            if word is not None and word[2] is not None:
                QToolTip.showText(event.globalPos(), f"confidence {word[2] * 100:.0f} %", self.viewport())
                return True
        return super().viewportEvent(event)

    def _to_master(self, rect: QRectF) -> BBox:
        inv, ok = self.overlay_root.transform().inverted()
        r = (inv if ok else QTransform()).mapRect(rect)
        page = self.page
        box = BBox(int(r.left()), int(r.top()), int(r.right()), int(r.bottom()))
        return box.clip(page.width, page.height) if page else box

    def scene_pos_of(self, x: float, y: float) -> QPointF:
        """Scene point of a master-coordinate point (for tests and tools)."""
        return self.overlay_root.mapToScene(QPointF(x, y))

    # ------------------------------------------------------------------ first paint
    def paintEvent(self, event: Any) -> None:
        super().paintEvent(event)
        if self.first_paint_ms is None and self._t_open is not None and self.image_item.painted_once:
            self.first_paint_ms = (time.perf_counter() - self._t_open) * 1000
            self.firstPaint.emit(self.first_paint_ms)
