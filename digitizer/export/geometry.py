"""Line geometry the field's readers need: every exported TextLine gets a boundary polygon and a
baseline, words lie inside their line, lines inside their region, and no polygon is degenerate.

Rules (used by the ALTO and PAGE writers alike, all in master-image pixels, integers, clipped to
the page):

* **Line polygon**: the engine's boundary polygon (kraken) when it is a valid polygon of non-zero
  area (a self-intersecting one is repaired, keeping its largest part); otherwise the rectangle
  around the line box and its word boxes (Tesseract).
* **Baseline**: the engine's baseline, cut to the part inside the line polygon; otherwise (or when
  nothing of it is inside) a straight baseline at the median bottom of the words (the line box
  bottom when there are none), from the left to the right edge of the polygon, one pixel inside.
* **Word polygon**: the word box cut by the line polygon (its largest part); a word with nothing
  inside its line gets no polygon, and then the line is written without words (its text stays).
* **Region polygon**: the block polygon when it holds every line polygon; otherwise the convex hull
  of the block outline and its lines.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence

from shapely.geometry import LineString, MultiPoint, Polygon, box
from shapely.geometry.base import BaseGeometry
from shapely.validation import make_valid

from ..model import BBox, Line, Point, TextBlock

IntPoints = list[tuple[int, int]]


def _clip_round(pts: Sequence[Point], w: int, h: int) -> IntPoints:
    out: IntPoints = []
    for x, y in pts:
        p = (int(round(min(max(float(x), 0.0), float(w)))), int(round(min(max(float(y), 0.0), float(h)))))
        if not out or out[-1] != p:
            out.append(p)
    if len(out) > 1 and out[0] == out[-1]:
        out.pop()
    return out


def _largest(geom: BaseGeometry) -> Polygon | None:
    """The largest polygon of ``geom`` (None when it has no area)."""
    if geom.is_empty:
        return None
    parts = [geom] if isinstance(geom, Polygon) else [g for g in getattr(geom, "geoms", []) if isinstance(g, Polygon)]
    parts = [p for p in parts if p.area > 0]
    return max(parts, key=lambda p: p.area) if parts else None


def _four(pts: IntPoints) -> IntPoints:
    """At least four points (OCR-D's validator refuses triangles): split the longest edge."""
    pts = list(pts)
    while len(pts) < 4:
        i = max(range(len(pts)), key=lambda k: abs(pts[k][0] - pts[(k + 1) % len(pts)][0])
                + abs(pts[k][1] - pts[(k + 1) % len(pts)][1]))
        a, b = pts[i], pts[(i + 1) % len(pts)]
        mid = ((a[0] + b[0]) // 2, (a[1] + b[1]) // 2)
        if mid in (a, b):
            break
        pts.insert(i + 1, mid)
    return pts


def _valid(pts: IntPoints) -> IntPoints | None:
    if len(pts) < 3:
        return None
    pts = _four(pts)
    candidate = Polygon(pts)
    return pts if len(pts) >= 4 and candidate.is_valid and candidate.area > 0 else None


def _ring(poly: Polygon, w: int, h: int) -> IntPoints | None:
    return _valid(_clip_round(list(poly.exterior.coords), w, h))


def clean_polygon(pts: Sequence[Point] | None, w: int, h: int) -> IntPoints | None:
    """``pts`` as a valid integer polygon of non-zero area inside the page, or None."""
    if not pts or len(pts) < 3:
        return None
    ring = _clip_round(pts, w, h)
    if len(ring) < 3:
        return None
    good = _valid(ring)
    if good is not None:
        return good
    fixed = _largest(make_valid(Polygon(ring)))
    return _ring(fixed, w, h) if fixed is not None else None


def rect(b: BBox, w: int, h: int) -> IntPoints:
    """The rectangle of ``b`` inside the page, at least one pixel wide and high."""
    x0, y0 = min(max(b.x0, 0), max(w - 1, 0)), min(max(b.y0, 0), max(h - 1, 0))
    x1, y1 = max(min(b.x1, w), x0 + 1), max(min(b.y1, h), y0 + 1)
    return [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]


def line_polygon(line: Line, w: int, h: int) -> IntPoints:
    """The line's boundary polygon (see the module rules)."""
    own = clean_polygon(line.polygon, w, h)
    if own is not None:
        return own
    outer = BBox.union_all([line.bbox] + [wd.bbox for wd in line.words]) or line.bbox
    return rect(outer, w, h)


def _longest_piece(geom: BaseGeometry) -> LineString | None:
    if geom.is_empty:
        return None
    parts = [geom] if isinstance(geom, LineString) else [g for g in getattr(geom, "geoms", [])
                                                         if isinstance(g, LineString)]
    parts = [p for p in parts if p.length > 0]
    return max(parts, key=lambda p: p.length) if parts else None


def _inside(pts: IntPoints, poly: Polygon) -> bool:
    return len(set(pts)) >= 2 and poly.contains(LineString(pts))


def line_baseline(line: Line, polygon: IntPoints, w: int, h: int) -> IntPoints:
    """The line's baseline inside ``polygon`` (see the module rules)."""
    poly = Polygon(polygon)
    if line.baseline and len(line.baseline) >= 2:
        own = _clip_round(line.baseline, w, h)
        if _inside(own, poly):
            return own
        if len(set(own)) >= 2:
            piece = _longest_piece(LineString(own).intersection(poly.buffer(-0.5)))
            if piece is not None:
                cut = _clip_round(list(piece.coords), w, h)
                if _inside(cut, poly):
                    return cut
    return _computed_baseline(line, poly)


def _computed_baseline(line: Line, poly: Polygon) -> IntPoints:
    minx, miny, maxx, maxy = poly.bounds
    bottoms = [wd.bbox.y1 for wd in line.words] or [line.bbox.y1]
    y = min(max(int(statistics.median(bottoms)) - 1, int(miny) + 1), int(maxy) - 1)
    y = max(y, int(miny))
    across = _longest_piece(LineString([(minx, y + 0.5), (maxx, y + 0.5)]).intersection(poly.buffer(-0.5)))
    if across is not None:
        xs = sorted(int(round(x)) for x, _ in across.coords)
        pts = [(xs[0], y), (xs[-1], y)]
        if _inside(pts, poly):
            return pts
    cx, cy = poly.representative_point().coords[0]
    return [(int(cx), int(cy)), (int(cx) + 1, int(cy))]


def word_polygon(word_box: BBox, line_poly: Polygon, w: int, h: int) -> IntPoints | None:
    """``word_box`` cut by the line polygon, as integer points inside it; None when nothing is."""
    target = box(word_box.x0, word_box.y0, max(word_box.x1, word_box.x0 + 1), max(word_box.y1, word_box.y0 + 1))
    for shrink in (0.0, 0.5, 1.0):
        area = line_poly.buffer(-shrink) if shrink else line_poly
        part = _largest(target.intersection(area))
        if part is None:
            return None
        ring = _ring(part, w, h)
        if ring is not None and line_poly.contains(Polygon(ring)):
            return ring
    return None


def region_polygon(block: TextBlock, lines: Sequence[IntPoints], w: int, h: int) -> IntPoints:
    """The block's polygon when it holds all ``lines``, else the convex hull of block and lines."""
    own = clean_polygon(block.polygon, w, h) or rect(block.bbox, w, h)
    poly = Polygon(own)
    if all(poly.contains(Polygon(ln)) for ln in lines):
        return own
    hull = MultiPoint([p for ln in lines for p in ln] + list(own)).convex_hull
    return _ring(hull, w, h) if isinstance(hull, Polygon) else own


def words_in_line(line: Line, polygon: IntPoints, w: int, h: int) -> list[IntPoints] | None:
    """Polygons of all words of ``line`` inside ``polygon``; None when one of them has none."""
    poly = Polygon(polygon)
    out = []
    for wd in line.words:
        ring = word_polygon(wd.bbox, poly, w, h)
        if ring is None:
            return None
        out.append(ring)
    return out
