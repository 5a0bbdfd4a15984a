"""Readers for transcriptions made elsewhere: PAGE (2013, 2019), ALTO (2-4) and hOCR -> one
:class:`Transcription` (a :class:`~digitizer.model.PageLayout` in the file's own pixel space plus
what the file says about itself).

Region types come from PAGE ``@type`` / Transkribus ``structure {type:...}`` and from the ALTO
tag a TextBlock names in ``TAGREFS`` (:mod:`digitizer.export.regiontypes`).  PAGE and ALTO lines come from the namespace-agnostic reader :mod:`digitizer.htr.xmlread` (regions
in PAGE ``ReadingOrder``); this module adds regions, the ``@custom`` tags Transkribus writes
(``readingOrder {index:N;}`` orders the lines of a region; all tags are kept verbatim, and the
scholarly ones, :mod:`digitizer.tags`, also become the line's typed tags) and the
producing software.  XML is parsed with entities and network access off.

Normalisation (documented in docs/interop.md): a line's text is taken as written with leading and
trailing white space removed and runs of white space collapsed to one space; an ALTO line is its
Strings joined by one space.  Coordinates are pixels of the image the file describes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from ..errors import InputFileError
from ..export.regiontypes import from_alto, from_page
from ..fsutil import sha256_file
from ..htr.xmlread import XmlLine, read_xml, safe_parser
from ..model import BBox, Line, PageLayout, Point, TextBlock, Word
from ..tags import from_custom

_RO_INDEX = re.compile(r"readingOrder\s*\{[^}]*index\s*:\s*(\d+)")
_BBOX = re.compile(r"bbox\s+(-?\d+)\s+(-?\d+)\s+(-?\d+)\s+(-?\d+)")
_BASELINE = re.compile(r"baseline\s+(-?[\d.]+)\s+(-?[\d.]+)")
_IMAGE = re.compile(r'image\s+"([^"]*)"|image\s+([^;]+)')
_WCONF = re.compile(r"x_wconf\s+(\d+)")
REGIONS = ("TextRegion", "GraphicRegion", "ImageRegion")
ALTO_TAGS = ("OtherTag", "StructureTag", "LayoutTag")
HOCR_LINES = ("ocr_line", "ocr_textfloat", "ocr_header", "ocr_caption")


@dataclass
class Transcription:
    path: str
    format: str                       # "PAGE 2013", "PAGE 2019", "ALTO 2" ... "ALTO 4", "hOCR"
    image_ref: str                    # the image the file names ("" when none)
    width: int                        # 0 when the file does not say
    height: int
    software: str                     # the producing software named in the file ("" when none)
    sha256: str
    layout: PageLayout = field(default_factory=lambda: PageLayout(0, 0))


def _local(el: etree._Element) -> str:
    return etree.QName(el).localname if isinstance(el.tag, str) else ""


def _text(s: str) -> str:
    return " ".join(s.split())


def read_transcription(path: str | Path) -> Transcription:
    """Read a PAGE, ALTO or hOCR file; raises :class:`InputFileError` (one line) for anything else."""
    path = Path(path)
    head = path.read_bytes()[:4096].lower()
    if path.suffix.lower() in (".html", ".htm", ".hocr") or b"ocr_page" in head:
        return _read_hocr(path)
    page = read_xml(path)
    root = etree.parse(str(path), safe_parser()).getroot()
    fmt = _xml_format(root, page.format)
    layout = _page_layout(page.lines, root) if page.format == "page" else _alto_layout(page.lines, root)
    layout.width, layout.height = page.width, page.height
    return Transcription(path=str(path), format=fmt, image_ref=page.image_filename, width=page.width,
                         height=page.height, software=_software(root, page.format), sha256=sha256_file(path),
                         layout=layout)


def _xml_format(root: etree._Element, kind: str) -> str:
    ns = etree.QName(root).namespace or ""
    if kind == "page":
        year = re.search(r"/(\d{4})-\d\d-\d\d", ns)
        return f"PAGE {year.group(1) if year else '?'}"
    version = re.search(r"ns-v(\d)", ns)
    return f"ALTO {version.group(1) if version else 2}" if "alto" in ns.lower() or not ns else f"ALTO ({ns})"


def _software(root: etree._Element, kind: str) -> str:
    if kind == "page":
        for el in root.iter():
            if _local(el) == "Creator" and (el.text or "").strip():
                return _text(el.text)
        return ""
    name = ""
    for el in root.iter():
        if _local(el) == "processingSoftware":
            parts = {_local(c): _text(c.text or "") for c in el}
            name = " ".join(p for p in (parts.get("softwareName", ""), parts.get("softwareVersion", "")) if p)
    return name


def _line(x: XmlLine, custom: str = "") -> Line | None:
    box = BBox(*x.bbox) if x.bbox and x.bbox[2] >= x.bbox[0] and x.bbox[3] >= x.bbox[1] else None
    if box is None:
        return None
    text = _text(x.text)
    return Line(id="", bbox=box, text=text, polygon=list(x.polygon) if x.polygon else None,
                baseline=list(x.baseline) if x.baseline else None, custom=custom, tags=from_custom(custom, text))


def _attr_by_id(root: etree._Element, name: str) -> dict[str, etree._Element]:
    return {el.get("id", ""): el for el in root.iter() if _local(el) == name and el.get("id")}


def _page_layout(lines: list[XmlLine], root: etree._Element) -> PageLayout:
    """Blocks = PAGE regions in reading order (as :func:`read_xml` gives the lines), typed
    (:func:`digitizer.export.regiontypes.from_page`); a text region without lines, a stamp
    (``GraphicRegion type="stamp"``) and an image region become blocks without lines."""
    regions = {el.get("id", ""): el for el in root.iter() if _local(el) in REGIONS and el.get("id")}
    tlines = _attr_by_id(root, "TextLine")
    blocks: dict[str, TextBlock] = {}
    for x in lines:
        el = tlines.get(x.id)
        line = _line(x, el.get("custom", "") if el is not None else "")
        if line is None:
            continue
        if x.region not in blocks:
            blocks[x.region] = _page_block(regions.get(x.region), line.bbox)
        block = blocks[x.region]
        block.lines.append(line)
        block.bbox = block.bbox.union(line.bbox)
    for rid, reg in regions.items():
        if rid not in blocks and (_local(reg) != "GraphicRegion" or reg.get("type") == "stamp"):
            poly = _region_points(reg)
            if poly is not None:
                blocks[rid] = _page_block(reg, BBox.from_points(poly))
    for block in blocks.values():
        block.lines.sort(key=_custom_index)      # stable: lines without an index keep file order
        if block.polygon:
            block.bbox = block.bbox.union(BBox.from_points(block.polygon))
    rank = {rid: i for i, rid in enumerate(_page_order(root))}
    pos = {rid: i for i, rid in enumerate(regions)}
    order = sorted(blocks, key=lambda rid: (rank.get(rid, len(rank)), pos.get(rid, len(pos))))
    return PageLayout(0, 0, blocks=[blocks[rid] for rid in order])


def _page_block(reg: etree._Element | None, bbox: BBox) -> TextBlock:
    custom = reg.get("custom", "") if reg is not None else ""
    rtype = from_page(_local(reg), reg.get("type"), custom) if reg is not None else "text"
    return TextBlock(id="", bbox=bbox, polygon=_region_points(reg), custom=custom, type=rtype)


def _page_order(root: etree._Element) -> list[str]:
    refs = [(int(r.get("index", 0)), r.get("regionRef", "")) for r in root.iter()
            if _local(r) == "RegionRefIndexed" and r.get("index", "").isdigit()]
    return [rid for _, rid in sorted(refs)]


def _custom_index(line: Line) -> int:
    m = _RO_INDEX.search(line.custom)
    return int(m.group(1)) if m else 1 << 30


def _region_points(reg: etree._Element | None) -> list[Point] | None:
    if reg is None:
        return None
    for c in reg:
        if _local(c) == "Coords" and c.get("points"):
            pts = [tuple(float(v) for v in p.split(",")) for p in c.get("points").split() if "," in p]
            return [(x, y) for x, y in pts] if len(pts) >= 3 else None
    return None


def _alto_layout(lines: list[XmlLine], root: etree._Element) -> PageLayout:
    """Blocks = ALTO TextBlocks in document order, typed by the ``LABEL`` of the tag their
    ``TAGREFS`` name (:func:`digitizer.export.regiontypes.from_alto`); a TextBlock without lines
    becomes a block without lines."""
    labels = {t.get("ID", ""): t.get("LABEL", "") for t in root.iter() if _local(t) in ALTO_TAGS}
    tblocks = {el.get("ID", ""): el for el in root.iter() if _local(el) == "TextBlock"}
    blocks: dict[str, TextBlock] = {}
    for rid, el in tblocks.items():
        label = next((labels[r] for r in (el.get("TAGREFS") or "").split() if labels.get(r)), None)
        box = _alto_box(el)
        if box is not None:
            blocks[rid] = TextBlock(id="", bbox=box, type=from_alto(label))
    for x in lines:
        line = _line(x)
        if line is None:
            continue
        block = blocks.setdefault(x.region, TextBlock(id="", bbox=line.bbox))
        if not block.lines:
            block.bbox = line.bbox
        block.lines.append(line)
        block.bbox = block.bbox.union(line.bbox)
    return PageLayout(0, 0, blocks=list(blocks.values()))


def _alto_box(el: etree._Element) -> BBox | None:
    try:
        x, y = float(el.get("HPOS", "")), float(el.get("VPOS", ""))
        w, h = float(el.get("WIDTH", "")), float(el.get("HEIGHT", ""))
    except ValueError:
        return None
    return BBox(int(x), int(y), int(x + w), int(y + h)) if w >= 0 and h >= 0 else None


# --------------------------------------------------------------------------- hOCR


def _title(el: etree._Element) -> str:
    return el.get("title", "") or ""


def _bbox(title: str) -> BBox | None:
    m = _BBOX.search(title)
    if not m:
        return None
    x0, y0, x1, y1 = (int(v) for v in m.groups())
    return BBox(x0, y0, x1, y1) if x1 >= x0 and y1 >= y0 else None


def _classes(el: etree._Element) -> set[str]:
    return set((el.get("class") or "").split())


def _hocr_line(el: etree._Element) -> Line | None:
    box = _bbox(_title(el))
    if box is None:
        return None
    words, texts = [], []
    for w in el.iter():
        if "ocrx_word" in _classes(w):
            text = _text("".join(w.itertext()))
            wbox = _bbox(_title(w))
            if text and wbox is not None:
                conf = _WCONF.search(_title(w))
                words.append(Word(text, wbox, int(conf.group(1)) / 100 if conf else None))
                texts.append(text)
    text = " ".join(texts) if words else _text("".join(el.itertext()))
    m = _BASELINE.search(_title(el))
    baseline = None
    if m:      # hOCR: slope and offset from the bottom-left corner of the line box
        slope, offset = float(m.group(1)), float(m.group(2))
        baseline = [(float(box.x0), box.y1 + offset), (float(box.x1), box.y1 + offset + slope * box.width)]
    return Line(id="", bbox=box, text=text, words=words, baseline=baseline)


def _read_hocr(path: Path) -> Transcription:
    parser = etree.HTMLParser(no_network=True, remove_comments=True)
    try:
        root = etree.parse(str(path), parser).getroot()
    except (OSError, etree.XMLSyntaxError) as exc:
        raise InputFileError(path, f"cannot parse hOCR ({exc})") from exc
    pages = [el for el in root.iter() if "ocr_page" in _classes(el)] if root is not None else []
    if not pages:
        raise InputFileError(path, "not PAGE, ALTO or hOCR (no ocr_page element)")
    page = pages[0]
    size = _bbox(_title(page))
    image = _IMAGE.search(_title(page))
    blocks = []
    for area in [el for el in page.iter() if _classes(el) & {"ocr_carea", "ocr_par"}] or [page]:
        if "ocr_par" in _classes(area) and any("ocr_carea" in _classes(a) for a in area.iterancestors()):
            continue           # paragraphs inside a content area: the area is the block
        lines = [ln for el in area.iter() if _classes(el) & set(HOCR_LINES) and (ln := _hocr_line(el))]
        if lines:
            box = _bbox(_title(area)) or BBox.union_all([ln.bbox for ln in lines])
            blocks.append(TextBlock(id="", bbox=box, lines=lines))
    software = ""
    for meta in root.iter("meta"):
        if meta.get("name") == "ocr-system":
            software = _text(meta.get("content", ""))
    w, h = (size.x1, size.y1) if size else (0, 0)
    ref = (image.group(1) or image.group(2) or "").strip() if image else ""
    return Transcription(path=str(path), format="hOCR", image_ref=ref, width=w, height=h, software=software,
                         sha256=sha256_file(path), layout=PageLayout(w, h, blocks=blocks))
