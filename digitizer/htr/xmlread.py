"""Small namespace-agnostic reader for PAGE (2013-2019) and ALTO (v2-v4) text lines.

Used for ground truth (evaluation) and for cutting training lines out of pages.  Parsing is
done with entity resolution and network access off.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from ..errors import InputFileError

Point = tuple[float, float]


@dataclass
class XmlLine:
    id: str
    text: str
    polygon: list[Point] | None = None
    baseline: list[Point] | None = None
    bbox: tuple[int, int, int, int] | None = None
    region: str = ""


@dataclass
class XmlPage:
    path: str
    format: str                       # "page" | "alto"
    image_filename: str
    width: int
    height: int
    lines: list[XmlLine] = field(default_factory=list)

    def image_path(self) -> Path | None:
        """The page image (beside the XML file, or the path as written), None when unknown."""
        if not self.image_filename:
            return None
        written = Path(self.image_filename)
        for cand in (Path(self.path).parent / written.name, Path(self.path).parent / written, written):
            if cand.is_file():
                return cand
        return Path(self.path).parent / written.name


def safe_parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, remove_blank_text=False)


def _local(el: etree._Element) -> str:
    return etree.QName(el).localname if isinstance(el.tag, str) else ""


def _children(el: etree._Element, name: str) -> list[etree._Element]:
    return [c for c in el if _local(c) == name]


def _iter(el: etree._Element, name: str) -> list[etree._Element]:
    return [c for c in el.iter() if _local(c) == name]


def _points_page(s: str | None) -> list[Point] | None:
    if not s:
        return None
    pts = []
    for tok in s.split():
        x, _, y = tok.partition(",")
        pts.append((float(x), float(y)))
    return pts or None


def _points_alto(s: str | None) -> list[Point] | None:
    if not s:
        return None
    nums = [float(v) for v in s.replace(",", " ").split()]
    return [(nums[i], nums[i + 1]) for i in range(0, len(nums) - 1, 2)] or None


def read_xml(path: str | os.PathLike) -> XmlPage:
    """Parse a PAGE or ALTO file; raises :class:`InputFileError` for anything else."""
    try:
        root = etree.parse(str(path), safe_parser()).getroot()
    except (OSError, etree.XMLSyntaxError) as exc:
        raise InputFileError(path, f"cannot parse XML ({exc})") from exc
    name = _local(root)
    if name == "PcGts":
        return _read_page(root, str(path))
    if name == "alto":
        return _read_alto(root, str(path))
    raise InputFileError(path, f"not PAGE or ALTO (root element {name!r})")


def _page_text(el: etree._Element) -> str:
    for te in _children(el, "TextEquiv"):
        for u in _children(te, "Unicode"):
            return u.text or ""
    return ""


def _read_page(root: etree._Element, path: str) -> XmlPage:
    page = _iter(root, "Page")[0]
    out = XmlPage(path, "page", page.get("imageFilename", ""), int(page.get("imageWidth", 0)),
                  int(page.get("imageHeight", 0)))
    order = _page_reading_order(root)
    regions = _iter(page, "TextRegion")
    if order:
        rank = {rid: i for i, rid in enumerate(order)}
        regions.sort(key=lambda r: rank.get(r.get("id", ""), len(rank)))
    for reg in regions:
        for tl in _children(reg, "TextLine"):
            coords = _children(tl, "Coords")
            poly = _points_page(coords[0].get("points")) if coords else None
            bl = _children(tl, "Baseline")
            text = _page_text(tl)
            if not text:
                words = [_page_text(w) for w in _children(tl, "Word")]
                text = " ".join(w for w in words if w)
            out.lines.append(XmlLine(tl.get("id", ""), text, poly, _points_page(bl[0].get("points")) if bl else None,
                                     _bbox(poly), reg.get("id", "")))
    return out


def _page_reading_order(root: etree._Element) -> list[str]:
    ro = _iter(root, "ReadingOrder")
    if not ro:
        return []
    refs = [(int(r.get("index", 0)), r.get("regionRef", "")) for r in ro[0].iter() if _local(r).startswith(
        "RegionRefIndexed")]
    return [rid for _, rid in sorted(refs)]


def _read_alto(root: etree._Element, path: str) -> XmlPage:
    fn = ""
    for el in _iter(root, "fileName"):
        fn = (el.text or "").strip()
        break
    pages = _iter(root, "Page")
    w = int(float(pages[0].get("WIDTH", 0))) if pages else 0
    h = int(float(pages[0].get("HEIGHT", 0))) if pages else 0
    out = XmlPage(path, "alto", fn, w, h)
    for tl in _iter(root, "TextLine"):
        text = " ".join(c.get("CONTENT", "") for c in tl if _local(c) == "String")
        poly = None
        for shape in _children(tl, "Shape"):
            for pg in _children(shape, "Polygon"):
                poly = _points_alto(pg.get("POINTS"))
        box = None
        if tl.get("HPOS") is not None:
            x, y = float(tl.get("HPOS", 0)), float(tl.get("VPOS", 0))
            box = (int(x), int(y), int(x + float(tl.get("WIDTH", 0))), int(y + float(tl.get("HEIGHT", 0))))
        bl = tl.get("BASELINE")
        baseline = _points_alto(bl) if bl and ("," in bl or len(bl.split()) > 1) else None
        parent = tl.getparent()
        out.lines.append(XmlLine(tl.get("ID", ""), " ".join(text.split()), poly, baseline,
                                 _bbox(poly) or box, parent.get("ID", "") if parent is not None else ""))
    return out


def _bbox(poly: list[Point] | None) -> tuple[int, int, int, int] | None:
    if not poly:
        return None
    xs, ys = [p[0] for p in poly], [p[1] for p in poly]
    return int(min(xs)), int(min(ys)), int(max(xs)) + 1, int(max(ys)) + 1
