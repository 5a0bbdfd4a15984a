"""Layout geometry, region types and reading order: pure functions on a :class:`~digitizer.model.PageLayout`.

Everything here is Qt-free and edits the layout in place; a front end (GUI edit mode, ``digitizer
layout``) applies one function to a copy of the stored layout and saves the result with
:func:`digitizer.correction.commit_layout` (a new layout version and an event).  Every refusal is a
:class:`LayoutEditError` (a ``ValueError`` and a :class:`~digitizer.errors.DigitizerError`) with one
line saying what and why.  A change that changes nothing returns ``None`` so that the caller records
no version and no undo step.

Geometry (master pixel coordinates, see :mod:`digitizer.model`):

* :func:`move_region` moves a region with everything in it (lines, words, polygons, baselines);
  :func:`resize_region` gives it a new box (its polygon is scaled along, its lines stay).
* :func:`move_line` / :func:`resize_line` move or rescale a line; its words, polygon and baseline
  follow (words are scaled with the box and clipped to it).
* :func:`set_line_polygon`, :func:`set_region_polygon` (at least 3 points) and :func:`set_baseline`
  (at least 2) replace outlines; the box of a line or region is recomputed from its new polygon.
* :func:`insert_point` / :func:`remove_point` add a point to, or take one from, the outline (polygon)
  of a line or region or a line's baseline; removing is refused below 3 outline / 2 baseline points.
  A line or region that has only a box gets an outline from its corners when a point is inserted.
  :func:`nearest_segment` says where a point goes (the edge or baseline segment nearest to it).
* :func:`set_region_type` sets a region's type, one of ``typing.get_args(BlockType)``.

Reading order is the order of the blocks and of the lines in them.  :func:`move_line_to` puts a line
at a position of any block; :func:`move_line_in_order` steps it up or down *across* block boundaries
(the last line of a block goes down to the top of the next block).  A region left without lines
is kept (it is geometry somebody drew).  :func:`move_region_in_order` moves a whole region (with its
lines) earlier or later.  :func:`reading_order` numbers the lines 1, 2, 3 ...
"""

from __future__ import annotations

import math
import typing
from collections.abc import Sequence

from .errors import DigitizerError, ExitCode
from .model import BBox, BlockType, Line, PageLayout, Point, TextBlock, Word


class LayoutEditError(DigitizerError, ValueError):
    """A layout edit that cannot be done (unknown id or type, too few points, outside the page)."""

    exit_code = ExitCode.USAGE


def region_types() -> tuple[str, ...]:
    """The region types a block may have (the model's ``BlockType`` vocabulary)."""
    return tuple(str(t) for t in typing.get_args(BlockType))


# --------------------------------------------------------------------------- lookup and checks


def find_block(layout: PageLayout, block_id: str) -> TextBlock:
    for b in layout.blocks:
        if b.id == block_id:
            return b
    raise LayoutEditError(f"no region {block_id!r} on this page")


def find_line(layout: PageLayout, line_id: str) -> tuple[TextBlock, int]:
    """The block holding ``line_id`` and the line's index in it (:func:`correction.locate_line` with
    this module's error)."""
    from .correction import locate_line

    try:
        return locate_line(layout, line_id)
    except KeyError:
        raise LayoutEditError(f"no line {line_id!r} on this page") from None


def _check_points(layout: PageLayout, what: str, points: Sequence[Point], minimum: int) -> list[Point]:
    pts = [(float(x), float(y)) for x, y in points]
    if len(pts) < minimum:
        raise LayoutEditError(f"{what} needs at least {minimum} points, got {len(pts)}")
    for x, y in pts:
        if not (math.isfinite(x) and math.isfinite(y)) or not (0 <= x <= layout.width and 0 <= y <= layout.height):
            raise LayoutEditError(f"{what}: point ({x:g},{y:g}) is outside the page "
                                  f"({layout.width} x {layout.height} px)")
    return pts


def _check_box(layout: PageLayout, what: str, box: BBox) -> BBox:
    if box.width < 1 or box.height < 1:
        raise LayoutEditError(f"{what}: box {box.x0},{box.y0},{box.x1},{box.y1} is empty")
    if box.x0 < 0 or box.y0 < 0 or box.x1 > layout.width or box.y1 > layout.height:
        raise LayoutEditError(f"{what}: box {box.x0},{box.y0},{box.x1},{box.y1} is outside the page "
                              f"({layout.width} x {layout.height} px)")
    return box


def _polygon_box(layout: PageLayout, pts: Sequence[Point]) -> BBox:
    return BBox.from_points(pts).clip(layout.width, layout.height)


# --------------------------------------------------------------------------- geometry helpers


def _map_pts(pts: list[Point] | None, old: BBox, new: BBox) -> list[Point] | None:
    """``pts`` mapped by the axis-aligned affine map that takes box ``old`` onto box ``new``."""
    if pts is None:
        return None
    sx = new.width / old.width if old.width else 1.0
    sy = new.height / old.height if old.height else 1.0
    return [(new.x0 + (x - old.x0) * sx, new.y0 + (y - old.y0) * sy) for x, y in pts]


def _map_box(box: BBox, old: BBox, new: BBox) -> BBox:
    pts = _map_pts(box.as_polygon(), old, new) or []
    return BBox(*(round(v) for v in (pts[0][0], pts[0][1], pts[2][0], pts[2][1])))


def _clip_to(box: BBox, frame: BBox) -> BBox:
    """``box`` cut to ``frame`` (a box wholly outside collapses onto the nearest edge of ``frame``)."""
    x0 = min(max(box.x0, frame.x0), frame.x1)
    y0 = min(max(box.y0, frame.y0), frame.y1)
    return BBox(x0, y0, max(x0, min(box.x1, frame.x1)), max(y0, min(box.y1, frame.y1)))


def _shift_box(box: BBox, dx: int, dy: int) -> BBox:
    return BBox(box.x0 + dx, box.y0 + dy, box.x1 + dx, box.y1 + dy)


def _shift_pts(pts: list[Point] | None, dx: int, dy: int) -> list[Point] | None:
    return None if pts is None else [(x + dx, y + dy) for x, y in pts]


def _shift_line(line: Line, dx: int, dy: int) -> None:
    line.bbox = _shift_box(line.bbox, dx, dy)
    line.polygon = _shift_pts(line.polygon, dx, dy)
    line.baseline = _shift_pts(line.baseline, dx, dy)
    for w in line.words:
        w.bbox = _shift_box(w.bbox, dx, dy)


def _fit_block(block: TextBlock) -> None:
    """The region's box takes in its lines (a region with its own polygon keeps it and only grows)."""
    box = BBox.union_all([ln.bbox for ln in block.lines])
    if box is not None:
        block.bbox = box if block.polygon is None else block.bbox.union(box)


def _fit_words(line: Line, words: list[Word]) -> None:
    for w in words:
        w.bbox = _clip_to(w.bbox, line.bbox)


# --------------------------------------------------------------------------- regions


def move_region(layout: PageLayout, block_id: str, dx: int, dy: int) -> TextBlock | None:
    """Move a region and everything in it by ``(dx, dy)`` pixels; refused if it would leave the page."""
    block = find_block(layout, block_id)
    dx, dy = int(round(dx)), int(round(dy))
    if dx == 0 and dy == 0:
        return None
    boxes = [block.bbox, *(ln.bbox for ln in block.lines)]
    whole = BBox.union_all(boxes) or block.bbox
    _check_box(layout, f"region {block_id} moved by {dx},{dy}", _shift_box(whole, dx, dy))
    block.bbox = _shift_box(block.bbox, dx, dy)
    block.polygon = _shift_pts(block.polygon, dx, dy)
    for ln in block.lines:
        _shift_line(ln, dx, dy)
    return block


def resize_region(layout: PageLayout, block_id: str, bbox: BBox) -> TextBlock | None:
    """Give a region a new box (its polygon is scaled onto it; its lines stay where they are)."""
    block = find_block(layout, block_id)
    _check_box(layout, f"region {block_id}", bbox)
    if bbox == block.bbox:
        return None
    old = block.bbox
    block.polygon = _map_pts(block.polygon, old, bbox) if block.polygon else bbox.as_polygon()
    block.bbox = bbox
    return block


def set_region_polygon(layout: PageLayout, block_id: str, points: Sequence[Point]) -> TextBlock | None:
    """Replace a region's outline (at least 3 points inside the page); its box follows the polygon."""
    block = find_block(layout, block_id)
    pts = _check_points(layout, f"polygon of region {block_id}", points, 3)
    if pts == block.polygon:
        return None
    block.polygon = pts
    block.bbox = _polygon_box(layout, pts)
    return block


def set_region_type(layout: PageLayout, block_id: str, type: str) -> TextBlock | None:
    """Set the region's type (main text, marginalia, heading, ...: one of :func:`region_types`)."""
    known = region_types()
    if type not in known:
        raise LayoutEditError(f"unknown region type {type!r} (one of: {', '.join(known)})")
    block = find_block(layout, block_id)
    if block.type == type:
        return None
    block.type = type
    return block


# --------------------------------------------------------------------------- lines


def move_line(layout: PageLayout, line_id: str, dx: int, dy: int) -> Line | None:
    """Move a line (box, words, polygon, baseline) by ``(dx, dy)``; its region grows to take it in."""
    block, idx = find_line(layout, line_id)
    line = block.lines[idx]
    dx, dy = int(round(dx)), int(round(dy))
    if dx == 0 and dy == 0:
        return None
    _check_box(layout, f"line {line_id} moved by {dx},{dy}", _shift_box(line.bbox, dx, dy))
    _shift_line(line, dx, dy)
    _fit_block(block)
    return line


def resize_line(layout: PageLayout, line_id: str, bbox: BBox) -> Line | None:
    """Give a line a new box: words, polygon and baseline are scaled from the old box onto the new one
    (words clipped to it); its region grows to take it in."""
    block, idx = find_line(layout, line_id)
    line = block.lines[idx]
    _check_box(layout, f"line {line_id}", bbox)
    if bbox == line.bbox:
        return None
    old = line.bbox
    line.polygon = _map_pts(line.polygon, old, bbox)
    line.baseline = _map_pts(line.baseline, old, bbox)
    for w in line.words:
        w.bbox = _map_box(w.bbox, old, bbox)
    line.bbox = bbox
    _fit_words(line, line.words)
    _fit_block(block)
    return line


def set_line_polygon(layout: PageLayout, line_id: str, points: Sequence[Point]) -> Line | None:
    """Replace a line's outline (at least 3 points inside the page); its box is recomputed from the
    polygon and its words are clipped to the box."""
    block, idx = find_line(layout, line_id)
    line = block.lines[idx]
    pts = _check_points(layout, f"polygon of line {line_id}", points, 3)
    if pts == line.polygon:
        return None
    line.polygon = pts
    line.bbox = _polygon_box(layout, pts)
    _fit_words(line, line.words)
    _fit_block(block)
    return line


def set_baseline(layout: PageLayout, line_id: str, points: Sequence[Point]) -> Line | None:
    """Replace a line's baseline (at least 2 points inside the page, kept left to right)."""
    block, idx = find_line(layout, line_id)
    line = block.lines[idx]
    pts = sorted(_check_points(layout, f"baseline of line {line_id}", points, 2))
    if pts == line.baseline:
        return None
    line.baseline = pts
    return line


# --------------------------------------------------------------------------- reading order


def reading_order(layout: PageLayout) -> list[tuple[str, int]]:
    """``[(line_id, number), ...]``: every line with its 1-based place in the page's reading order."""
    return [(ln.id, n) for n, ln in enumerate(layout.lines(), 1)]


def move_line_to(layout: PageLayout, line_id: str, block_id: str, index: int) -> Line | None:
    """Put a line at position ``index`` (0-based, clamped) of region ``block_id``, any region of the
    page.  Both regions' boxes follow their lines; ``None`` when the line is already there."""
    source, idx = find_line(layout, line_id)
    target = find_block(layout, block_id)
    if index < 0:
        raise LayoutEditError(f"position {index} in region {block_id} is not a position (0 is the first)")
    room = len(target.lines) - (1 if target is source else 0)
    index = min(index, room)
    if target is source and index == idx:
        return None
    line = source.lines.pop(idx)
    target.lines.insert(index, line)
    _fit_block(source)
    _fit_block(target)
    return line


def _step(layout: PageLayout, line_id: str, down: bool) -> bool:
    block, idx = find_line(layout, line_id)
    bi = layout.blocks.index(block)
    if down and idx + 1 < len(block.lines):
        return move_line_to(layout, line_id, block.id, idx + 1) is not None
    if not down and idx > 0:
        return move_line_to(layout, line_id, block.id, idx - 1) is not None
    nb = bi + 1 if down else bi - 1
    if not 0 <= nb < len(layout.blocks):
        return False
    other = layout.blocks[nb]
    return move_line_to(layout, line_id, other.id, 0 if down else len(other.lines)) is not None


def move_line_in_order(layout: PageLayout, line_id: str, delta: int) -> Line | None:
    """Move a line ``delta`` steps down (positive) or up (negative) in the page's reading order,
    crossing region boundaries: the last line of a region goes down to the top of the next region,
    the first goes up to the end of the previous one.  ``None`` when it cannot move (first or last
    line of the page, ``delta == 0``): nothing changed, nothing to record."""
    find_line(layout, line_id)
    moved = False
    for _ in range(abs(int(delta))):
        if not _step(layout, line_id, delta > 0):
            break
        moved = True
    if not moved:
        return None
    block, idx = find_line(layout, line_id)
    return block.lines[idx]


def move_region_in_order(layout: PageLayout, block_id: str, delta: int) -> TextBlock | None:
    """Move a region (with its lines) ``delta`` places later (positive) or earlier (negative) in the
    page's reading order, stopping at the first or last place; ``None`` when it does not move."""
    block = find_block(layout, block_id)
    idx = layout.blocks.index(block)
    new = min(max(idx + int(delta), 0), len(layout.blocks) - 1)
    if new == idx:
        return None
    layout.blocks.pop(idx)
    layout.blocks.insert(new, block)
    return block


# --------------------------------------------------------------------------- points of outlines and baselines

SHAPES = ("polygon", "baseline")
_MINIMUM = {"polygon": 3, "baseline": 2}


def point_list(layout: PageLayout, target: str, ident: str, shape: str) -> list[Point]:
    """The points of a line's or region's outline (``shape="polygon"``; its box corners when it has only
    a box) or of a line's baseline (``"baseline"``; empty when it has none)."""
    if shape not in SHAPES or target not in ("line", "region") or (target, shape) == ("region", "baseline"):
        raise LayoutEditError(f"a {target} has no {shape} (a line has a polygon and a baseline, a region a polygon)")
    if target == "region":
        block = find_block(layout, ident)
        return list(block.polygon) if block.polygon else [(float(x), float(y)) for x, y in block.bbox.as_polygon()]
    b, i = find_line(layout, ident)
    line = b.lines[i]
    if shape == "baseline":
        return list(line.baseline or [])
    return list(line.polygon) if line.polygon else [(float(x), float(y)) for x, y in line.bbox.as_polygon()]


def _segment_distance(p: Point, a: Point, b: Point) -> float:
    ax, ay = a
    vx, vy = b[0] - ax, b[1] - ay
    t = 0.0 if vx == vy == 0 else max(0.0, min(1.0, ((p[0] - ax) * vx + (p[1] - ay) * vy) / (vx * vx + vy * vy)))
    return math.hypot(p[0] - (ax + t * vx), p[1] - (ay + t * vy))


def nearest_segment(points: Sequence[Point], p: Point, *, closed: bool) -> tuple[int, float]:
    """``(index, distance)``: the segment of ``points`` (a closed outline, or an open baseline) nearest to
    ``p``; a point put there is inserted at ``index`` (after the segment's first point)."""
    n = len(points)
    if n < 2:
        raise LayoutEditError("a point is inserted between two points: there are fewer than 2")
    pairs = [(i, points[i], points[(i + 1) % n]) for i in range(n if closed else n - 1)]
    i, dist = min(((i, _segment_distance(p, a, b)) for i, a, b in pairs), key=lambda t: t[1])
    return i + 1, dist


def _set_points(layout: PageLayout, target: str, ident: str, shape: str, pts: list[Point]) -> Line | TextBlock | None:
    if target == "region":
        return set_region_polygon(layout, ident, pts)
    return set_line_polygon(layout, ident, pts) if shape == "polygon" else set_baseline(layout, ident, pts)


def insert_point(layout: PageLayout, target: str, ident: str, shape: str, point: Point,
                 index: int | None = None) -> Line | TextBlock | None:
    """Add ``point`` to the outline (``shape="polygon"``) of line or region ``ident`` or to a line's
    baseline, at ``index`` or (``None``) on the nearest edge / baseline segment."""
    pts = point_list(layout, target, ident, shape)
    what = f"{shape} of {target} {ident}"
    if shape == "baseline" and len(pts) < 2:
        raise LayoutEditError(f"line {ident} has no baseline to add a point to (give it one with --baseline)")
    (x, y), = _check_points(layout, what, [point], 1)
    if index is None:
        index = nearest_segment(pts, (x, y), closed=shape == "polygon")[0]
    if not 0 <= index <= len(pts):
        raise LayoutEditError(f"{what}: no place {index} (0 to {len(pts)})")
    if (x, y) in pts:
        return None
    return _set_points(layout, target, ident, shape, [*pts[:index], (x, y), *pts[index:]])


def remove_point(layout: PageLayout, target: str, ident: str, shape: str, index: int) -> Line | TextBlock | None:
    """Take point ``index`` (0-based) out of an outline or baseline; refused below 3 outline or 2
    baseline points."""
    pts = point_list(layout, target, ident, shape)
    what = "outline" if shape == "polygon" else "baseline"
    if not 0 <= index < len(pts):
        raise LayoutEditError(f"the {what} of {target} {ident} has no point {index} (it has {len(pts)}, from 0)")
    if len(pts) - 1 < _MINIMUM[shape]:
        raise LayoutEditError(f"cannot remove a point of the {what} of {target} {ident}: "
                              f"it needs at least {_MINIMUM[shape]} points")
    return _set_points(layout, target, ident, shape, pts[:index] + pts[index + 1:])
