"""The layout drawn over the page: blocks, lines with their baselines, words coloured by confidence.

A few items instead of one item per shape: a path for the blocks, one for the lines, one for the
baselines and a :class:`RectsItem` per confidence band of the words (low, near the threshold,
confident, unknown), which paints the boxes in the exposed part with one ``drawRects``.
A 40-line page had ~360 scene items; creating, indexing and deleting them cost the GUI thread
10-30 ms of every page opened (issue 15).  Clicks and tooltips do not need an item per word: they
look the word or line up in the geometry kept here (:meth:`PageOverlays.hit`).

Coordinates are the page's master coordinates (the items are children of the viewer's
``overlay_root``, whose transform maps them onto the image shown).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QPainter, QPainterPath, QPen, QPolygonF
from PySide6.QtWidgets import QGraphicsItem, QGraphicsPathItem, QStyleOptionGraphicsItem, QWidget

from ...model import BBox, PageLayout

OVERLAY_KINDS = ("blocks", "lines", "words")
BANDS = ("unknown", "low", "near", "high")        # word confidence bands, each one path item


def confidence_band(conf: float | None, threshold: float) -> str:
    """``low`` under the threshold, ``near`` in the lower half above it, ``high`` above; ``unknown``."""
    if conf is None:
        return "unknown"
    if conf < threshold:
        return "low"
    if conf < threshold + (1 - threshold) / 2:
        return "near"
    return "high"


BAND_COLORS = {"unknown": (128, 128, 128, 70), "low": (229, 57, 53, 100), "near": (255, 179, 0, 70),
               "high": (67, 160, 71, 45)}


def confidence_color(conf: float | None, threshold: float, alpha: int = 70) -> QColor:
    """Red under the threshold, amber near it, green when confident; grey when unknown."""
    r, g, b, a = BAND_COLORS[confidence_band(conf, threshold)]
    return QColor(r, g, b, a - 70 + alpha)


def shape_path(polygon: list[Any] | None, box: BBox) -> QPainterPath:
    """A block's or line's outline: its polygon, else its box."""
    path = QPainterPath()
    if polygon and len(polygon) > 2:
        path.addPolygon(QPolygonF([QPointF(x, y) for x, y in polygon]))
        path.closeSubpath()
    else:
        path.addRect(QRectF(box.x0, box.y0, box.width, box.height))
    return path


def _item(parent: QGraphicsItem, pen: QPen, z: float, brush: QBrush | None = None) -> QGraphicsPathItem:
    item = QGraphicsPathItem(parent)
    pen.setCosmetic(True)
    item.setPen(pen)
    if brush is not None:
        item.setBrush(brush)
    item.setZValue(z)
    return item


class RectsItem(QGraphicsItem):
    """Boxes filled and outlined alike (the words of one confidence band), painted with one
    ``drawRects`` of those in the exposed part; no hit testing (see :meth:`PageOverlays.hit`)."""

    def __init__(self, parent: QGraphicsItem, pen: QPen, brush: QBrush, z: float) -> None:
        super().__init__(parent)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemUsesExtendedStyleOption, True)
        pen.setCosmetic(True)
        self.pen, self.brush = pen, brush
        self.rects: list[QRectF] = []
        self._bounds = QRectF()
        self.setZValue(z)

    def set_rects(self, rects: list[QRectF]) -> None:
        self.prepareGeometryChange()
        self.rects = rects
        bounds = QRectF()
        for r in rects:
            bounds = bounds.united(r)
        self._bounds = bounds.adjusted(-1, -1, 1, 1)
        self.update()

    def boundingRect(self) -> QRectF:
        return self._bounds

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None) -> None:
        exposed = option.exposedRect
        rects = self.rects if exposed.contains(self._bounds) else [r for r in self.rects if r.intersects(exposed)]
        if rects:
            painter.setPen(self.pen)
            painter.setBrush(self.brush)
            painter.drawRects(rects)


class PageOverlays:
    """The overlay items of one viewer, refilled for every page (never re-created)."""

    def __init__(self, root: QGraphicsItem) -> None:
        self.threshold = 0.8
        self.visible = {k: True for k in OVERLAY_KINDS}
        self.blocks = _item(root, QPen(QColor(30, 136, 229), 0, Qt.PenStyle.DashLine), 1)
        self.lines = _item(root, QPen(QColor(0, 150, 136, 200), 0), 2)
        self.baselines = _item(root, QPen(QColor(216, 27, 96, 220), 2), 3)
        self.bands: dict[str, RectsItem] = {}
        for band in BANDS:
            r, g, b, a = BAND_COLORS[band]
            self.bands[band] = RectsItem(root, QPen(QColor(r, g, b, 160), 0), QBrush(QColor(r, g, b, a)), 4)
        self._counts = dict.fromkeys(OVERLAY_KINDS, 0)
        self._line_shapes: dict[str, QPainterPath] = {}          # line id -> outline, in reading order
        self._words: dict[str, list[tuple[QRectF, float | None]]] = {}   # line id -> (box, confidence)

    # ------------------------------------------------------------------ content
    def set_layout(self, layout: PageLayout | None) -> None:
        self._line_shapes, self._words = {}, {}
        blocks, lines, bases = QPainterPath(), QPainterPath(), QPainterPath()
        nblocks = 0
        for block in (layout.blocks if layout is not None else []):
            blocks.addPath(shape_path(block.polygon, block.bbox))
            nblocks += 1
            for line in block.lines:
                shape = shape_path(line.polygon, line.bbox)
                self._line_shapes[line.id] = shape
                lines.addPath(shape)
                if line.baseline and len(line.baseline) > 1:
                    bases.moveTo(QPointF(*line.baseline[0]))
                    for pt in line.baseline[1:]:
                        bases.lineTo(QPointF(*pt))
                self._words[line.id] = [(QRectF(w.bbox.x0, w.bbox.y0, w.bbox.width, w.bbox.height), w.confidence)
                                        for w in line.words]
        self.blocks.setPath(blocks)
        self.lines.setPath(lines)
        self.baselines.setPath(bases)
        self._counts["blocks"], self._counts["lines"] = nblocks, len(self._line_shapes)
        self._draw_words()
        self._apply_visibility()

    def update_line(self, line: Any) -> None:
        """The words of one line changed (an edit, a reload): redraw the word bands."""
        if line.id not in self._words:
            return
        self._words[line.id] = [(QRectF(w.bbox.x0, w.bbox.y0, w.bbox.width, w.bbox.height), w.confidence)
                                for w in line.words]
        self._draw_words()

    def set_threshold(self, threshold: float) -> None:
        self.threshold = threshold
        self._draw_words()

    def _draw_words(self) -> None:
        rects: dict[str, list[QRectF]] = {band: [] for band in BANDS}
        n = 0
        for words in self._words.values():
            for rect, conf in words:
                rects[confidence_band(conf, self.threshold)].append(rect)
                n += 1
        for band, item in self.bands.items():
            if rects[band] != item.rects:
                item.set_rects(rects[band])
        self._counts["words"] = n

    # ------------------------------------------------------------------ visibility
    def set_visible(self, kind: str, visible: bool) -> None:
        self.visible[kind] = visible
        self._apply_visibility()

    def _apply_visibility(self) -> None:
        self.blocks.setVisible(self.visible["blocks"])
        self.lines.setVisible(self.visible["lines"])
        self.baselines.setVisible(self.visible["lines"])
        for item in self.bands.values():
            item.setVisible(self.visible["words"])

    def count(self, kind: str) -> int:
        """How many blocks, lines or words are drawn (shown or hidden)."""
        return self._counts[kind]

    # ------------------------------------------------------------------ what is under a point
    def word_at(self, pos: QPointF) -> tuple[str, int, float | None] | None:
        """``(line id, word index, confidence)`` of the visible word at ``pos`` (master coordinates);
        the last drawn when boxes overlap."""
        if not self.visible["words"]:
            return None
        for line_id in reversed(self._words):
            for i in range(len(self._words[line_id]) - 1, -1, -1):
                rect, conf = self._words[line_id][i]
                if rect.contains(pos):
                    return line_id, i, conf
        return None

    def hit(self, pos: QPointF) -> tuple[str, str, int] | None:
        """``("word", line id, index)`` (preferred) or ``("line", line id, -1)`` of the visible word or
        line at ``pos`` (master coordinates); None when nothing is there."""
        word = self.word_at(pos)
        if word is not None:
            return "word", word[0], word[1]
        if self.visible["lines"]:
            for line_id in reversed(self._line_shapes):
                if self._line_shapes[line_id].contains(pos):
                    return "line", line_id, -1
        return None
