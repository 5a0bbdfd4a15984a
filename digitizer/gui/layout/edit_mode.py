"""The layout edit mode of the page viewer: select a line or region, drag it, its corners, its polygon
vertices or baseline points; add and remove points (:mod:`.points`); right-click a region for its type
and reading order (:mod:`.region_menu`).

:class:`LayoutEditMode` watches the viewer's viewport while the mode is on.  A press on a line (or on
a region where no line is) selects it and shows its handles: square corner handles resize the box,
round handles move one polygon vertex (when the outline is not just the box) or one baseline point;
dragging inside the box moves it with everything in it.  While dragging only a preview outline
moves; on release ONE :func:`digitizer.layout_edit` operation is emitted (``editRequested(action,
op, focus, params)``) and the window saves it as one undoable layout version.  A press on empty page
still pans.  Nothing here writes: the window applies ``op`` to the stored layout.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from PySide6.QtCore import QEvent, QObject, QPoint, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QPainterPath, QPen
from PySide6.QtWidgets import QGraphicsEllipseItem, QGraphicsItem, QGraphicsPathItem, QGraphicsRectItem, QMenu

from ... import layout_edit as E
from ...model import BBox, PageLayout
from ..correction.page_overlays import shape_path
from .points import PointEditing
from .region_menu import RegionMenu

HANDLE_PX = 5          # half size of a handle on screen
DRAG_PX = 3            # a press moved less than this is a click


@dataclass
class Handle:
    kind: str          # "corner" (0 top-left, 1 top-right, 2 bottom-right, 3 bottom-left) | "vertex" | "baseline"
    index: int
    point: tuple[float, float]


@dataclass
class Drag:
    kind: str          # "move" or a handle kind
    index: int
    start: QPointF     # master coordinates of the press
    moved: bool = False


def _rect_polygon(points: list[tuple[float, float]] | None, box: BBox) -> bool:
    return bool(points) and sorted(points or []) == sorted((float(x), float(y)) for x, y in box.as_polygon())


class LayoutEditMode(QObject, RegionMenu, PointEditing):
    """See the module docstring.  ``selection`` is ``("line" | "region", id)`` or ``None``; ``point`` the
    selected point handle (Delete removes it) or ``None``."""

    editRequested = Signal(str, object, object, dict)     # action, op(layout), line to focus, event parameters
    selectionChanged = Signal(object)

    def __init__(self, viewer: Any) -> None:
        super().__init__(viewer)
        self.viewer = viewer
        self.active = False
        self.selection: tuple[str, str] | None = None
        self.point: Handle | None = None
        self.menu: QMenu | None = None
        self._drag: Drag | None = None
        self._items: list[QGraphicsItem] = []
        self._handles: list[Handle] = []
        self._preview = QGraphicsPathItem(viewer.overlay_root)
        pen = QPen(QColor(255, 87, 34), 2, Qt.PenStyle.DashLine)
        pen.setCosmetic(True)
        self._preview.setPen(pen)
        self._preview.setZValue(9)
        viewer.viewport().installEventFilter(self)
        viewer.installEventFilter(self)               # Delete on a selected point
        viewer.layoutShown.connect(self.refresh)

    # ------------------------------------------------------------------ mode and selection
    def set_active(self, on: bool) -> None:
        self.active = on
        self._drag = None
        if on:
            self.viewer.set_draw_mode(None)
            self.viewer.viewport().setCursor(Qt.CursorShape.ArrowCursor)
        else:
            self.viewer.viewport().setCursor(Qt.CursorShape.OpenHandCursor)
        self.refresh()

    def select(self, kind: str | None, ident: str | None = None) -> None:
        self.selection = (kind, ident) if kind and ident else None
        self.point = None
        self.refresh()
        self.selectionChanged.emit(self.selection)

    def _layout(self) -> PageLayout | None:
        return self.viewer.layout_  # type: ignore[no-any-return]

    def _geometry(self) -> tuple[BBox, list[tuple[float, float]] | None, list[tuple[float, float]] | None] | None:
        """Box, polygon and baseline of the selection (``None`` when it is gone)."""
        layout = self._layout()
        if layout is None or self.selection is None:
            return None
        kind, ident = self.selection
        try:
            if kind == "line":
                block, i = E.find_line(layout, ident)
                ln = block.lines[i]
                return ln.bbox, ln.polygon, ln.baseline
            b = E.find_block(layout, ident)
            return b.bbox, b.polygon, None
        except E.LayoutEditError:
            return None

    # ------------------------------------------------------------------ drawing
    def refresh(self) -> None:
        """Redraw the selection's outline and handles (after a new layout or selection)."""
        scene = self.viewer.scene()
        for it in self._items:
            if it.scene() is scene:
                scene.removeItem(it)
        self._items.clear()
        self._handles.clear()
        self._preview.setPath(QPainterPath())
        geo = self._geometry() if self.active else None
        if geo is None:
            if self.selection is not None and self._layout() is not None and self.active:
                self.selection = None
            return
        box, polygon, baseline = geo
        root = self.viewer.overlay_root
        outline = QGraphicsPathItem(self._outline(box, polygon), root)
        pen = QPen(QColor(255, 111, 0), 2)
        pen.setCosmetic(True)
        outline.setPen(pen)
        outline.setZValue(7)
        self._items.append(outline)
        corners = box.as_polygon()
        for i, pt in enumerate(corners):
            self._add_handle(Handle("corner", i, (float(pt[0]), float(pt[1]))), QColor(255, 255, 255))
        if polygon and not _rect_polygon(polygon, box):
            for i, pt in enumerate(polygon):
                self._add_handle(Handle("vertex", i, pt), QColor(0, 188, 212))
        for i, pt in enumerate(baseline or []):
            self._add_handle(Handle("baseline", i, pt), QColor(216, 27, 96))
        if self.point not in self._handles:           # gone with the last edit
            self.point = None
        self._mark_point()

    @staticmethod
    def _outline(box: BBox, polygon: list[tuple[float, float]] | None) -> QPainterPath:
        return shape_path(polygon, box)

    def _add_handle(self, h: Handle, color: QColor) -> None:
        r = QRectF(-HANDLE_PX, -HANDLE_PX, 2 * HANDLE_PX, 2 * HANDLE_PX)
        item: QGraphicsItem = QGraphicsRectItem(r, self.viewer.overlay_root) if h.kind == "corner" else \
            QGraphicsEllipseItem(r, self.viewer.overlay_root)
        item.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations, True)
        item.setPos(QPointF(*h.point))
        item.setBrush(QBrush(color))      # type: ignore[attr-defined]
        item.setPen(QPen(QColor(33, 33, 33), 1))   # type: ignore[attr-defined]
        item.setZValue(8)
        item.setToolTip({"corner": "drag to resize",
                         "vertex": "drag to move this point of the outline; right-click removes it",
                         "baseline": "drag to move this baseline point; right-click removes it"}[h.kind])
        self._items.append(item)
        self._handles.append(h)

    # ------------------------------------------------------------------ coordinates and hits
    def to_master(self, pos: QPoint | QPointF) -> QPointF:
        scene = self.viewer.mapToScene(QPoint(int(pos.x()), int(pos.y())))
        return self.viewer.overlay_root.mapFromScene(scene)  # type: ignore[no-any-return]

    def to_viewport(self, x: float, y: float) -> QPoint:
        return self.viewer.mapFromScene(self.viewer.scene_pos_of(x, y))  # type: ignore[no-any-return]

    def handle_at(self, pos: QPointF) -> Handle | None:
        """The handle under viewport point ``pos`` (baseline and vertex handles before corners)."""
        order = {"baseline": 0, "vertex": 1, "corner": 2}
        for h in sorted(self._handles, key=lambda h: order[h.kind]):
            p = self.to_viewport(*h.point)
            if abs(p.x() - pos.x()) <= HANDLE_PX + 1 and abs(p.y() - pos.y()) <= HANDLE_PX + 1:
                return h
        return None

    def item_at(self, m: QPointF) -> tuple[str, str] | None:
        """The smallest line, else region, whose box holds master point ``m``."""
        layout = self._layout()
        if layout is None:
            return None

        def inside(b: BBox) -> bool:
            return b.x0 <= m.x() <= b.x1 and b.y0 <= m.y() <= b.y1

        lines = [ln for ln in layout.lines() if inside(ln.bbox)]
        if lines:
            return "line", min(lines, key=lambda ln: ln.bbox.area).id
        blocks = [b for b in layout.blocks if inside(b.bbox)]
        return ("region", min(blocks, key=lambda b: b.bbox.area).id) if blocks else None

    # ------------------------------------------------------------------ events
    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if not self.active or self._layout() is None:
            return False
        t = event.type()
        if obj is self.viewer:
            return t == QEvent.Type.KeyPress and self._key(event)
        if t == QEvent.Type.MouseButtonDblClick:
            return self._double_click(event)
        if t == QEvent.Type.MouseButtonPress:
            return self._press(event)
        if t == QEvent.Type.MouseMove:
            return self._move(event)
        if t == QEvent.Type.MouseButtonRelease:
            return self._release(event)
        if t == QEvent.Type.ContextMenu:
            return True                   # the menu opened on the right press already
        return False

    def _press(self, event: Any) -> bool:
        pos = event.position()
        m = self.to_master(pos)
        if event.button() == Qt.MouseButton.RightButton:
            h = self.handle_at(pos)
            if h is not None and h.kind != "corner":
                self.remove_handle_point(h)           # right-click a point: it goes
                return True
            hit = self.item_at(m)
            if hit is not None:
                self.open_type_menu(hit, event.globalPosition().toPoint())
            return True
        if event.button() != Qt.MouseButton.LeftButton:
            return False
        h = self.handle_at(pos)
        if h is not None:
            self._drag = Drag(h.kind, h.index, m)
            return True
        hit = self.item_at(m)
        if hit != self.selection and self.edge_at(pos) is not None:
            return True                   # on the selection's edge (a double-click adds a point there)
        if hit is None:
            self.select(None)
            return False                  # empty page: the viewer pans
        if hit != self.selection:
            self.select(*hit)
            if hit[0] == "line":
                self.viewer.lineClicked.emit(hit[1])
        self._drag = Drag("move", -1, m)
        return True

    def _move(self, event: Any) -> bool:
        if self._drag is None:
            self._hover(event.position())
            return False
        m = self.to_master(event.position())
        d = self._drag
        if not d.moved and (self.to_viewport(d.start.x(), d.start.y()) - event.position().toPoint()).manhattanLength() \
                < DRAG_PX:
            return True
        d.moved = True
        geo = self._geometry()
        if geo is not None:
            preview = self._result(geo, m)
            if preview is not None:
                self._preview.setPath(self._outline(*preview[:2]))
        return True

    def _hover(self, pos: QPointF) -> None:
        h = self.handle_at(pos)
        shape = {"corner": Qt.CursorShape.SizeFDiagCursor if h and h.index in (0, 2) else Qt.CursorShape.SizeBDiagCursor,
                 "vertex": Qt.CursorShape.CrossCursor, "baseline": Qt.CursorShape.CrossCursor}
        if h is not None:
            self.viewer.viewport().setCursor(shape[h.kind])
        elif self.selection is not None and self.item_at(self.to_master(pos)) == self.selection:
            self.viewer.viewport().setCursor(Qt.CursorShape.SizeAllCursor)
        else:
            self.viewer.viewport().setCursor(Qt.CursorShape.ArrowCursor)

    def _release(self, event: Any) -> bool:
        d, self._drag = self._drag, None
        if d is None:
            return False
        self._preview.setPath(QPainterPath())
        if not d.moved and d.kind in ("vertex", "baseline"):      # a click on a point selects it
            self.point = next((h for h in self._handles if (h.kind, h.index) == (d.kind, d.index)), None)
            self.refresh()
            return True
        if not d.moved or self.selection is None:
            return True
        self._drag = d
        try:
            self._emit(self.to_master(event.position()))
        finally:
            self._drag = None
        return True

    # ------------------------------------------------------------------ the edit
    def _clamp(self, m: QPointF) -> tuple[float, float]:
        layout = self._layout()
        w, h = (layout.width, layout.height) if layout else (0, 0)
        return min(max(round(m.x()), 0), w), min(max(round(m.y()), 0), h)

    def _result(self, geo: Any, m: QPointF) -> tuple[BBox, list[tuple[float, float]] | None, Any] | None:
        """Box and outline the drag would give (for the preview); also the op's argument."""
        box, polygon, baseline = geo
        d = self._drag
        assert d is not None
        x, y = self._clamp(m)
        if d.kind == "move":
            dx, dy = self._move_delta(box, m)
            moved = BBox(box.x0 + dx, box.y0 + dy, box.x1 + dx, box.y1 + dy)
            return moved, [(px + dx, py + dy) for px, py in polygon] if polygon else None, (dx, dy)
        if d.kind == "corner":
            fixed = box.as_polygon()[(d.index + 2) % 4]
            new = BBox(int(min(x, fixed[0])), int(min(y, fixed[1])), int(max(x, fixed[0])), int(max(y, fixed[1])))
            return new, None, new
        pts = list(polygon if d.kind == "vertex" else baseline)
        pts[d.index] = (float(x), float(y))
        if d.kind == "vertex":
            return BBox.from_points(pts), pts, pts
        return box, None, pts

    def _move_delta(self, box: BBox, m: QPointF) -> tuple[int, int]:
        """The drag's offset, limited so that the box stays on the page."""
        layout = self._layout()
        d = self._drag
        assert d is not None and layout is not None
        dx, dy = round(m.x() - d.start.x()), round(m.y() - d.start.y())
        dx = min(max(dx, -box.x0), layout.width - box.x1)
        dy = min(max(dy, -box.y0), layout.height - box.y1)
        return int(dx), int(dy)

    def _emit(self, m: QPointF) -> None:
        geo = self._geometry()
        if geo is None or self.selection is None or self._drag is None:
            return
        kind, ident = self.selection
        res = self._result(geo, m)
        if res is None:
            return
        arg = res[2]
        d = self._drag
        focus = ident if kind == "line" else None
        op: Callable[[PageLayout], Any]
        if d.kind == "move":
            dx, dy = arg
            if (dx, dy) == (0, 0):
                return
            fn = E.move_line if kind == "line" else E.move_region
            op, action, params = (lambda lay: fn(lay, ident, dx, dy)), f"move {kind}", {kind: ident, "dx": dx, "dy": dy}
        elif d.kind == "corner":
            if arg.width < 1 or arg.height < 1:
                return
            fn = E.resize_line if kind == "line" else E.resize_region
            op, action = (lambda lay: fn(lay, ident, arg)), f"resize {kind}"
            params = {kind: ident, "bbox": [arg.x0, arg.y0, arg.x1, arg.y1]}
        elif d.kind == "vertex":
            fn = E.set_line_polygon if kind == "line" else E.set_region_polygon
            op, action, params = (lambda lay: fn(lay, ident, arg)), f"{kind} polygon", {kind: ident, "vertex": d.index}
        else:
            op, action, params = (lambda lay: E.set_baseline(lay, ident, arg)), "baseline", {"line": ident,
                                                                                               "point": d.index}
        self.editRequested.emit(action, op, focus, params)
