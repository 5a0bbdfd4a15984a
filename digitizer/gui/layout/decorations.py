"""Reading-order numbers and region types drawn on the page image.

:class:`LayoutDecorations` puts a number badge left of every line (its place in the page's reading
order, :func:`digitizer.layout_edit.reading_order`) and tints every region with the colour of its
type, with the region's place in the reading order and its type's name ("2 · heading") in a label at
its top-left corner.  Badges and labels keep their size on
screen at any zoom.  The items are children of the viewer's overlay root (master coordinates) and
are rebuilt whenever the viewer shows a layout (``layoutShown``).
"""

from __future__ import annotations

import zlib
from typing import Any

from PySide6.QtCore import QObject, QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QPainterPath, QPen, QPolygonF
from PySide6.QtWidgets import QGraphicsItem, QGraphicsPathItem, QGraphicsRectItem, QGraphicsSimpleTextItem

from ...layout_edit import reading_order

# one colour per region type; a type not listed here (added to the model later) gets a stable colour of its own
TYPE_COLORS: dict[str, QColor] = {
    "text": QColor(30, 136, 229),
    "heading": QColor(142, 36, 170),
    "marginalia": QColor(245, 124, 0),
    "caption": QColor(0, 137, 123),
    "table": QColor(109, 76, 65),
    "image": QColor(84, 110, 122),
    "other": QColor(117, 117, 117),
    "page-number": QColor(216, 27, 96),
    "stamp": QColor(198, 40, 40),
}


def type_color(kind: str) -> QColor:
    if kind in TYPE_COLORS:
        return QColor(TYPE_COLORS[kind])
    return QColor.fromHsv(zlib.crc32(kind.encode()) % 360, 200, 190)


def _badge(parent: QGraphicsItem, text: str, pos: QPointF, fill: QColor, *, left: bool, z: float) -> QGraphicsRectItem:
    """A filled label of constant screen size anchored at ``pos``: to its left (top aligned) when
    ``left``, else above it (left aligned)."""
    label = QGraphicsSimpleTextItem(text)
    font = QFont()
    font.setPointSizeF(8.5)
    font.setBold(True)
    label.setFont(font)
    label.setBrush(QBrush(QColor(255, 255, 255)))
    r = label.boundingRect()
    w, h = r.width() + 8, r.height() + 2
    box = QGraphicsRectItem(QRectF(-w - 3, 0, w, h) if left else QRectF(0, -h, w, h), parent)
    box.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations, True)
    box.setPos(pos)
    box.setBrush(QBrush(fill))
    box.setPen(QPen(Qt.PenStyle.NoPen))
    box.setZValue(z)
    label.setParentItem(box)
    label.setPos(box.rect().x() + 4, box.rect().y() + 1)
    return box


class LayoutDecorations(QObject):
    """Order numbers and region types over the viewer's page; :meth:`set_visible` shows or hides them."""

    def __init__(self, viewer: Any) -> None:
        super().__init__(viewer)
        self.viewer = viewer
        self.visible = False
        self.items: list[QGraphicsItem] = []
        self.numbers: dict[str, str] = {}        # line id -> the number drawn next to it
        self.type_labels: dict[str, str] = {}    # region id -> the type named on it
        self.region_numbers: dict[str, int] = {}  # region id -> its place in the reading order (on its label)
        viewer.layoutShown.connect(self.refresh)

    def set_visible(self, on: bool) -> None:
        self.visible = on
        self.refresh()

    def clear(self) -> None:
        scene = self.viewer.scene()
        for it in self.items:
            if it.scene() is scene:
                scene.removeItem(it)
        self.items.clear()
        self.numbers.clear()
        self.type_labels.clear()
        self.region_numbers.clear()

    def refresh(self) -> None:
        self.clear()
        layout = self.viewer.layout_
        if not self.visible or layout is None:
            return
        root = self.viewer.overlay_root
        for place, block in enumerate(layout.blocks, 1):
            color = type_color(block.type)
            path = QPainterPath()
            if block.polygon and len(block.polygon) > 2:
                path.addPolygon(QPolygonF([QPointF(x, y) for x, y in block.polygon]))
                path.closeSubpath()
            else:
                path.addRect(QRectF(block.bbox.x0, block.bbox.y0, block.bbox.width, block.bbox.height))
            tint = QGraphicsPathItem(path, root)
            fill = QColor(color)
            fill.setAlpha(28)
            tint.setBrush(QBrush(fill))
            pen = QPen(color, 2)
            pen.setCosmetic(True)
            tint.setPen(pen)
            tint.setZValue(0.5)
            self.items.append(tint)
            self.items.append(_badge(root, f"{place} · {block.type}", QPointF(block.bbox.x0, block.bbox.y0), color,
                                     left=False, z=6))
            self.items[-1].setToolTip(f"region {block.id}: {block.type}, number {place} in the reading order")
            self.type_labels[block.id] = block.type
            self.region_numbers[block.id] = place
        lines = {ln.id: ln for ln in layout.lines()}
        for lid, n in reading_order(layout):
            box = lines[lid].bbox
            badge = _badge(root, str(n), QPointF(box.x0, box.y0), QColor(38, 50, 56, 220), left=True, z=6)
            badge.setToolTip(f"line {lid}: number {n} in the reading order")
            self.items.append(badge)
            self.numbers[lid] = str(n)
