"""PAGE XML 2019-07-15 writer: one :class:`~digitizer.model.PageLayout` -> one PcGts document.

* ``TextRegion`` (Coords) > ``TextLine`` (Coords + ``Baseline``, always; ``Word``s with Coords +
  TextEquiv, then the line's ``TextEquiv``); geometry follows :mod:`digitizer.export.geometry`
  (words inside their line, lines inside their region, no degenerate polygons);
  ``TextEquiv/@conf`` is the engine confidence in [0, 1].
* ``TextLine/@custom`` in the Transkribus convention: ``readingOrder {index:N;}`` (N from 0 in its
  region), what else an imported file carried there (``textStyle`` ...), then the line's scholarly
  tags (:mod:`digitizer.tags`), e.g. ``person {offset:3; length:5;}``.
* Region types (:mod:`digitizer.export.regiontypes`): ``TextRegion/@type`` plus the Transkribus
  ``@custom="structure {type:NAME;}"`` for every type but main text; a stamp or image region
  without lines is a ``GraphicRegion type="stamp"`` / ``ImageRegion``.
* ``ReadingOrder/OrderedGroup`` lists the regions in layout order.
* Coordinates are non-negative integers clipped to the page; IDs are NCNames, unique per file.
* ``Metadata/MetadataItem[@type=processingStep]`` records every ``layout.steps`` entry.
* Validated against ``schemas/page/pagecontent-2019-07-15.xsd`` before it is returned.
"""

from __future__ import annotations

from collections.abc import Sequence

from lxml import etree

from .. import __version__
from .. import tags as tagrules
from ..model import Line, PageLayout, TextBlock, utcnow
from .alto import IdMaker
from .regiontypes import PAGE_LINELESS, PAGE_TEXT_TYPE, page_custom
from .geometry import line_baseline, line_polygon, region_polygon, words_in_line
from .validate import ensure_valid

PAGE_NS = "http://schema.primaresearch.org/PAGE/gts/pagecontent/2019-07-15"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
REGION_TYPES = PAGE_TEXT_TYPE        # our block type -> TextRegion/@type (digitizer.export.regiontypes)


def _q(tag: str) -> str:
    return f"{{{PAGE_NS}}}{tag}"


def _coords(parent: etree._Element, pts: Sequence[tuple[int, int]]) -> None:
    etree.SubElement(parent, _q("Coords"), points=" ".join(f"{x},{y}" for x, y in pts))


def _text_equiv(parent: etree._Element, text: str, conf: float | None) -> None:
    te = etree.SubElement(parent, _q("TextEquiv"))
    if conf is not None:
        te.set("conf", f"{min(1.0, max(0.0, conf)):.4f}")
    etree.SubElement(te, _q("Unicode")).text = text


def _line(parent: etree._Element, line: Line, polygon: list[tuple[int, int]], ids: IdMaker, w: int, h: int,
          index: int) -> None:
    lid = ids(line.id or "line")
    el = etree.SubElement(parent, _q("TextLine"), id=lid)
    # the current reading order and tags, not stale ones an imported file had
    el.set("custom", tagrules.to_custom(line.tags, tagrules.other_custom(line.custom), index))
    _coords(el, polygon)
    etree.SubElement(el, _q("Baseline"), points=" ".join(f"{x},{y}" for x, y in line_baseline(line, polygon, w, h)))
    words = words_in_line(line, polygon, w, h) if " ".join(wd.text for wd in line.words) == line.text else None
    for i, (wd, ring) in enumerate(zip(line.words, words or [])):
        wel = etree.SubElement(el, _q("Word"), id=ids(wd.id or f"{lid}_w{i + 1}"))
        _coords(wel, ring)
        _text_equiv(wel, wd.text, wd.confidence)
    _text_equiv(el, line.text, line.confidence)


def _region(parent: etree._Element, block: TextBlock, rid: str, ids: IdMaker, w: int, h: int) -> None:
    lineless = PAGE_LINELESS.get(block.type) if not block.lines else None
    if lineless:                     # a stamp or image region with no text: GraphicRegion / ImageRegion
        el = etree.SubElement(parent, _q(lineless[0]), id=rid)
        if lineless[1]:
            el.set("type", lineless[1])
        _coords(el, region_polygon(block, [], w, h))
        return
    el = etree.SubElement(parent, _q("TextRegion"), id=rid, type=REGION_TYPES.get(block.type, "other"))
    custom = page_custom(block.type, block.custom)
    if custom:
        el.set("custom", custom)
    polygons = [line_polygon(ln, w, h) for ln in block.lines]
    _coords(el, region_polygon(block, polygons, w, h))
    for index, (line, polygon) in enumerate(zip(block.lines, polygons)):
        _line(el, line, polygon, ids, w, h, index)
    if block.lines:
        confs = [ln.confidence for ln in block.lines if ln.confidence is not None]
        _text_equiv(el, block.text, sum(confs) / len(confs) if confs else None)


def _metadata(root: etree._Element, layout: PageLayout, creator: str) -> None:
    md = etree.SubElement(root, _q("Metadata"))
    etree.SubElement(md, _q("Creator")).text = creator
    now = utcnow()
    created = min((s.timestamp for s in layout.steps if s.timestamp), default=now)
    etree.SubElement(md, _q("Created")).text = created
    etree.SubElement(md, _q("LastChange")).text = now
    for s in layout.steps:
        value = f"{s.tool} {s.tool_version}".strip()
        if s.model:
            value += f"; model {s.model}" + (f" sha256:{s.model_sha256}" if s.model_sha256 else "")
        item = etree.SubElement(md, _q("MetadataItem"), type="processingStep", name=s.action, value=value)
        if s.timestamp:
            item.set("date", s.timestamp)


def build_page(layout: PageLayout, *, image_filename: str,
               creator: str = f"digitizer {__version__}") -> etree._ElementTree:
    """The PAGE 2019 tree for ``layout`` (coordinates in pixels of ``image_filename``)."""
    w, h = layout.width, layout.height
    root = etree.Element(_q("PcGts"), nsmap={None: PAGE_NS, "xsi": XSI_NS})
    root.set(f"{{{XSI_NS}}}schemaLocation",
             f"{PAGE_NS} http://schema.primaresearch.org/PAGE/gts/pagecontent/2019-07-15/pagecontent.xsd")
    ids = IdMaker()
    root.set("pcGtsId", ids("pc_" + (image_filename.rsplit("/", 1)[-1] or "page")))
    _metadata(root, layout, creator)
    page = etree.SubElement(root, _q("Page"), imageFilename=image_filename, imageWidth=str(w), imageHeight=str(h))
    rids = [ids(b.id or f"r{i}") for i, b in enumerate(layout.blocks, 1)]
    if rids:
        ro = etree.SubElement(page, _q("ReadingOrder"))
        og = etree.SubElement(ro, _q("OrderedGroup"), id=ids("ro"), caption="reading order")
        for i, rid in enumerate(rids):
            etree.SubElement(og, _q("RegionRefIndexed"), index=str(i), regionRef=rid)
    for block, rid in zip(layout.blocks, rids):
        _region(page, block, rid, ids, w, h)
    return root.getroottree()


def page_bytes(layout: PageLayout, *, image_filename: str, creator: str = f"digitizer {__version__}") -> bytes:
    """Serialised PAGE XML, validated (raises ExportInvalidError, never returns an invalid document)."""
    tree = build_page(layout, image_filename=image_filename, creator=creator)
    return ensure_valid(tree, "page", subject=f"PAGE XML for {image_filename}")
