"""Adding and removing points of outlines and baselines in edit mode.

A mixin of :class:`~.edit_mode.LayoutEditMode`:

* a double-click on an edge of the selected line's or region's outline (its box when it has none) or
  on a segment of the line's baseline inserts a point there (:func:`digitizer.layout_edit.insert_point`);
* a right click on a round point handle removes that point (:func:`~digitizer.layout_edit.remove_point`);
  so does Delete (or Backspace) after a click on the handle has selected it (drawn with a ring).

Each is one ``editRequested``, saved by the window as one undoable layout version; a refusal (fewer
than 3 outline or 2 baseline points would be left) is one line in the status bar.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QPen, QColor
from PySide6.QtWidgets import QGraphicsEllipseItem, QGraphicsItem

from ... import layout_edit as E

EDGE_PX = 6            # a double-click this close (on screen) to an edge or segment puts a point there
SHAPE_OF = {"vertex": "polygon", "baseline": "baseline"}


class PointEditing:
    """Insert a point on an edge (double-click), remove one (right click, or select + Delete)."""

    viewer: Any
    selection: tuple[str, str] | None
    point: Any                       # the selected point handle (a Handle of kind vertex/baseline) or None
    editRequested: Any
    _items: list[QGraphicsItem]

    def edge_at(self, pos: QPointF) -> tuple[str, int, float] | None:
        """``(shape, index, distance)``: the outline edge or baseline segment of the selection nearest to
        viewport point ``pos``, when within :data:`EDGE_PX`; ``index`` is where a point there is inserted."""
        layout = self.viewer.layout_
        if layout is None or self.selection is None:
            return None
        kind, ident = self.selection
        best: tuple[str, int, float] | None = None
        for shape in ("polygon", "baseline") if kind == "line" else ("polygon",):
            try:
                pts = E.point_list(layout, kind, ident, shape)
            except E.LayoutEditError:
                return None
            if len(pts) < 2:
                continue
            screen = [self.to_viewport(x, y) for x, y in pts]       # type: ignore[attr-defined]
            idx, dist = E.nearest_segment([(float(p.x()), float(p.y())) for p in screen], (pos.x(), pos.y()),
                                          closed=shape == "polygon")
            if dist <= EDGE_PX and (best is None or dist < best[2]):
                best = (shape, idx, dist)
        return best

    def _double_click(self, event: Any) -> bool:
        pos = event.position()
        edge = self.edge_at(pos) if event.button() == Qt.MouseButton.LeftButton else None
        if edge is None or self.selection is None:
            return True
        kind, ident = self.selection
        shape, index, _ = edge
        x, y = self._clamp(self.to_master(pos))                      # type: ignore[attr-defined]
        point = (float(x), float(y))
        self.editRequested.emit("insert point",
                                lambda lay: E.insert_point(lay, kind, ident, shape, point, index),
                                ident if kind == "line" else None,
                                {kind: ident, "shape": shape, "point": [x, y], "index": index})
        return True

    def remove_handle_point(self, handle: Any) -> None:
        """Remove the point of a vertex or baseline handle of the selection (one undoable version)."""
        if self.selection is None or handle.kind not in SHAPE_OF:
            return
        kind, ident = self.selection
        shape, index = SHAPE_OF[handle.kind], handle.index
        self.point = None
        self.editRequested.emit("remove point", lambda lay: E.remove_point(lay, kind, ident, shape, index),
                                ident if kind == "line" else None, {kind: ident, "shape": shape, "index": index})

    def _key(self, event: Any) -> bool:
        """Delete / Backspace on the viewer removes the selected point."""
        if event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace) and self.point is not None:
            self.remove_handle_point(self.point)
            return True
        return False

    def _mark_point(self) -> None:
        """A ring around the selected point (after a click on its handle)."""
        if self.point is None:
            return
        ring = QGraphicsEllipseItem(QRectF(-9, -9, 18, 18), self.viewer.overlay_root)
        ring.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations, True)
        ring.setPos(QPointF(*self.point.point))
        ring.setPen(QPen(QColor(255, 214, 0), 3))
        ring.setZValue(8.5)
        ring.setToolTip("selected point: Delete removes it")
        self._items.append(ring)
