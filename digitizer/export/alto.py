"""ALTO 4 writer: one :class:`~digitizer.model.PageLayout` -> one ALTO document.

Validated against ALTO 4.4 and kept within what 4.2 allows (no 4.3+-only attributes), so the
same file is valid ALTO 4.2, 4.3 and 4.4.  Tesseract's own ALTO (5.3) is v3 and is not used.

Rules
-----
* Coordinates are integers in ``measurement_unit`` (pixels of the master image by default),
  clipped to the page.  ``mm10``/``inch1200`` need ``dpi``.
* IDs are ``<file_id>_<model id>``, made XML-safe (NCName) and unique within the file.
* ``WC`` = word confidence with 4 decimals; ``CC`` = one digit per character, ``0`` = sure,
  ``9`` = unsure (``(1 - c) * 9`` rounded half up), only when the word has ``char_confidences``.
* ``SP`` between Strings; a hyphenated line ends with ``HYP`` (CONTENT = the hyphen character),
  the hyphen is removed from the last String, and that String (``HypPart1``) and the first String
  of the next line (``HypPart2``) carry ``SUBS_CONTENT`` = the joined word (trailing punctuation of
  part 2 dropped).
* Words are used when they spell the line's text (``" ".join(words) == text``); otherwise (an HTR
  engine that gives only line text, or text corrected after recognition) Strings are derived by
  splitting the text on spaces, each token getting a share of the line box proportional to its
  length (a space counts as one character), with the line confidence as ``WC``.
* A line's scholarly tags (:mod:`digitizer.tags`) become ``Tags`` (NamedEntityTag for person,
  place, date, organisation; OtherTag for the rest; ``LABEL``/``TYPE`` the kind, ``DESCRIPTION`` the
  value) and every String they touch lists them in ``TAGREFS``.
* A region's type other than main text is an ``OtherTag`` (SegmOnto label, e.g. ``StampZone``)
  named in the TextBlock's ``TAGREFS`` (:mod:`digitizer.export.regiontypes`).
* Lines with empty text are left out (an ALTO TextLine needs at least one String).
* ``Processing`` elements are rendered from ``layout.steps`` (oldest first) plus one for this export.
"""

from __future__ import annotations

import re
import string
from collections.abc import Sequence
from dataclasses import dataclass

from lxml import etree

from .. import __version__
from .. import tags as tagrules
from ..linetext import tokens as words_of
from ..model import BBox, Line, PageLayout, Point, ProcessingStep, TextBlock
from .geometry import line_baseline, line_polygon
from .regiontypes import ALTO_LABEL
from .validate import ALTO_NS, ensure_valid, ncname

XLINK_NS = "http://www.w3.org/1999/xlink"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
VERSIONS = ("4.2", "4.3", "4.4")
HYPHENS = ("-", "\u00ad", "\u00ac", "\u2e17")
UNITS = {"pixel": None, "mm10": 254.0, "inch1200": 1200.0}   # unit per inch
CATEGORY = {"ocr": "contentGeneration", "htr": "contentGeneration", "recognize": "contentGeneration",
            "segment": "contentGeneration", "correct": "contentModification", "preprocess": "preOperation",
            "deskew": "preOperation", "binarize": "preOperation", "denoise": "preOperation",
            "crop": "preOperation", "export": "postOperation"}
CREATORS = {"tesseract": "Tesseract OCR project", "kraken": "kraken (Benjamin Kiessling)"}
_LANG_RE = re.compile(r"^[a-zA-Z]{1,8}(-[a-zA-Z0-9]{1,8})*$")


def _q(tag: str) -> str:
    return f"{{{ALTO_NS}}}{tag}"


class IdMaker:
    """XML-safe (NCName), unique IDs with a common prefix."""

    def __init__(self, prefix: str = "") -> None:
        self.prefix = prefix
        self.seen: set[str] = set()

    def __call__(self, local: str) -> str:
        base = ncname("_".join(p for p in (self.prefix, local) if p) or "id")
        out, n = base, 1
        while out in self.seen:
            n += 1
            out = f"{base}_{n}"
        self.seen.add(out)
        return out


@dataclass
class _Scale:
    """Pixel -> measurement unit (identity for pixels); everything ends up an int inside the page."""

    factor: float
    width: int
    height: int

    def n(self, v: float) -> int:
        return int(round(v * self.factor))

    def box(self, b: BBox) -> dict[str, str]:
        b = b.clip(self.width, self.height)
        x0, y0, x1, y1 = self.n(b.x0), self.n(b.y0), self.n(b.x1), self.n(b.y1)
        return {"HPOS": str(x0), "VPOS": str(y0), "WIDTH": str(x1 - x0), "HEIGHT": str(y1 - y0)}

    def points(self, pts: Sequence[Point]) -> str:
        return " ".join(f"{self.n(min(max(x, 0), self.width))},{self.n(min(max(y, 0), self.height))}"
                        for x, y in pts)


def _lang(value: str | None) -> str | None:
    if not value:
        return None
    value = value.replace("_", "-")
    return value if _LANG_RE.match(value) else None


def _wc(c: float) -> str:
    return f"{min(1.0, max(0.0, c)):.4f}"


def char_confidence_string(confs: Sequence[float]) -> str:
    """ALTO ``CC``: one digit per character, 0 = sure ... 9 = unsure."""
    return "".join(str(min(9, max(0, int((1.0 - c) * 9 + 0.5)))) for c in confs)    # half up


# --------------------------------------------------------------------------- Description


def _value(v: object) -> str:
    if isinstance(v, (list, tuple)):
        return ",".join(_value(x) for x in v)
    if isinstance(v, dict):
        return ",".join(f"{k}:{_value(x)}" for k, x in v.items())
    return str(v)


def _settings(step: ProcessingStep) -> str:
    lines = [f"{k}={_value(v)}" for k, v in step.parameters.items()]
    if step.model:
        lines.append(f"model={step.model}")
    if step.model_sha256:
        lines.append(f"model_sha256={step.model_sha256}")
    if step.agent:
        lines.append(f"operator={step.agent}")
    if step.outcome != "success":
        lines.append(f"outcome={step.outcome}")
    return "\n".join(lines)


def _processing(parent: etree._Element, step: ProcessingStep, pid: str, *, with_time: bool = True) -> None:
    el = etree.SubElement(parent, _q("Processing"), ID=pid)
    etree.SubElement(el, _q("processingCategory")).text = CATEGORY.get(step.action, "other")
    if with_time and step.timestamp:
        etree.SubElement(el, _q("processingDateTime")).text = step.timestamp
    desc = step.action + (f": {step.detail}" if step.detail else "")
    etree.SubElement(el, _q("processingStepDescription")).text = desc
    settings = _settings(step)
    if settings:
        etree.SubElement(el, _q("processingStepSettings")).text = settings
    sw = etree.SubElement(el, _q("processingSoftware"))
    etree.SubElement(sw, _q("softwareCreator")).text = CREATORS.get(step.tool, "digitizer project")
    etree.SubElement(sw, _q("softwareName")).text = step.tool
    if step.tool_version:
        etree.SubElement(sw, _q("softwareVersion")).text = step.tool_version


def _description(root: etree._Element, layout: PageLayout, ids: IdMaker, *, image_filename: str,
                 measurement_unit: str, software_version: str, version: str) -> None:
    desc = etree.SubElement(root, _q("Description"))
    etree.SubElement(desc, _q("MeasurementUnit")).text = measurement_unit
    src = etree.SubElement(desc, _q("sourceImageInformation"))
    etree.SubElement(src, _q("fileName")).text = image_filename
    for n, step in enumerate(layout.steps, 1):
        _processing(desc, step, ids(f"proc{n}"))
    export = ProcessingStep(action="export", tool="digitizer", tool_version=software_version,
                            parameters={"format": f"ALTO {version}"}, timestamp="")
    _processing(desc, export, ids(f"proc{len(layout.steps) + 1}"), with_time=False)


# --------------------------------------------------------------------------- Layout


@dataclass
class _Tok:
    """One String to write: text, pixel box, confidences."""

    text: str
    bbox: BBox
    wc: float | None
    cc: list[float] | None = None
    id: str = ""


def words_match_text(line: Line) -> bool:
    return bool(line.words) and " ".join(w.text for w in line.words) == " ".join(words_of(line.text))


def split_text(text: str, box: BBox, confidence: float | None) -> list[_Tok]:
    """Tokens of ``text`` with boxes proportional to their length along ``box`` (documented above)."""
    tokens = words_of(text)          # ASCII whitespace only: a no-break space stays inside its String
    units = sum(len(t) for t in tokens) + max(0, len(tokens) - 1)
    out, pos = [], 0
    for t in tokens:
        x0 = box.x0 + box.width * pos / units
        x1 = box.x0 + box.width * (pos + len(t)) / units
        out.append(_Tok(t, BBox(int(round(x0)), box.y0, int(round(x1)), box.y1), confidence))
        pos += len(t) + 1
    return out


def _tokens(line: Line) -> list[_Tok]:
    if words_match_text(line):
        return [_Tok(w.text, w.bbox, w.confidence,
                     w.char_confidences if w.char_confidences and len(w.char_confidences) == len(w.text) else None,
                     w.id)
                for w in line.words]
    return split_text(line.text, line.bbox, line.confidence)


def _strip_hyphen(tok: _Tok) -> tuple[_Tok, str, BBox] | None:
    """Split the trailing hyphen off ``tok``: (token without hyphen, hyphen char, hyphen box)."""
    if len(tok.text) < 2 or not tok.text.endswith(HYPHENS):
        return None
    n = len(tok.text)
    hx0 = tok.bbox.x1 - max(1, tok.bbox.width // n) if tok.bbox.width else tok.bbox.x1
    part = _Tok(tok.text[:-1], BBox(tok.bbox.x0, tok.bbox.y0, max(tok.bbox.x0, hx0), tok.bbox.y1), tok.wc,
                tok.cc[:-1] if tok.cc else None, tok.id)
    return part, tok.text[-1], BBox(max(tok.bbox.x0, hx0), tok.bbox.y0, tok.bbox.x1, tok.bbox.y1)


def _inside_box(tok: _Tok, outline: BBox) -> _Tok:
    """``tok`` with its box cut to the line's outline (a String lies inside its TextLine)."""
    b = tok.bbox
    x0, x1 = min(max(b.x0, outline.x0), outline.x1), max(min(b.x1, outline.x1), outline.x0)
    y0, y1 = min(max(b.y0, outline.y0), outline.y1), max(min(b.y1, outline.y1), outline.y0)
    return _Tok(tok.text, BBox(x0, y0, max(x0, x1), max(y0, y1)), tok.wc, tok.cc, tok.id)


def _part2(word: str) -> str:
    return word.rstrip(string.punctuation + "»«„“”‚‘’")


def _string(parent: etree._Element, tok: _Tok, sid: str, sc: _Scale, subs: tuple[str, str] | None,
            tagrefs: list[str]) -> None:
    el = etree.SubElement(parent, _q("String"), ID=sid, **sc.box(tok.bbox))
    el.set("CONTENT", tok.text)
    if tagrefs:
        el.set("TAGREFS", " ".join(tagrefs))
    if subs:
        el.set("SUBS_TYPE", subs[0])
        el.set("SUBS_CONTENT", subs[1])
    if tok.wc is not None:
        el.set("WC", _wc(tok.wc))
    if tok.cc:
        el.set("CC", char_confidence_string(tok.cc))


def _text_line(parent: etree._Element, line: Line, local: str, toks: list[_Tok], ids: IdMaker, sc: _Scale,
               hyp_in: str | None, next_first: str | None, lang: str | None, tag_ids: list[str]) -> str | None:
    """Write one TextLine; returns the joined word when this line hands a HypPart2 to the next."""
    polygon = line_polygon(line, sc.width, sc.height)
    outline = BBox.from_points(polygon)
    el = etree.SubElement(parent, _q("TextLine"), ID=ids(local), **sc.box(outline))
    el.set("BASELINE", sc.points(line_baseline(line, polygon, sc.width, sc.height)))
    if _lang(line.language) and _lang(line.language) != lang:
        el.set("LANG", _lang(line.language) or "")
    shape = etree.SubElement(el, _q("Shape"))
    etree.SubElement(shape, _q("Polygon"), POINTS=sc.points(polygon))
    refs = [[tag_ids[i] for i in idx] for idx in tagrules.token_tags(line.text, [t.text for t in toks], line.tags)]
    toks = [_inside_box(t, outline) for t in toks]
    hyp = _strip_hyphen(toks[-1]) if line.hyphenated and next_first is not None else None
    joined = None
    if hyp:
        toks = toks[:-1] + [hyp[0]]
        joined = hyp[0].text + _part2(next_first or "")
    for i, tok in enumerate(toks):
        subs = None
        if i == 0 and hyp_in:
            subs = ("HypPart2", hyp_in)
        if i == len(toks) - 1 and joined:
            subs = ("HypPart1", joined)
        if i:
            prev = toks[i - 1].bbox
            x0 = min(prev.x1, tok.bbox.x0)
            etree.SubElement(el, _q("SP"), **{k: v for k, v in sc.box(
                BBox(x0, outline.y0, max(x0, tok.bbox.x0), outline.y0)).items() if k in ("HPOS", "VPOS", "WIDTH")})
        _string(el, tok, ids(tok.id or f"{local}_s{i + 1}"), sc, subs, refs[i])
    if hyp:
        etree.SubElement(el, _q("HYP"), CONTENT=hyp[1], **sc.box(hyp[2]))
    return joined


def _text_block(parent: etree._Element, block: TextBlock, local: str, ids: IdMaker, sc: _Scale,
                default_lang: str | None, tag_ids: dict[int, list[str]]) -> None:
    lines = [ln for ln in block.lines if ln.text.strip()]
    el = etree.SubElement(parent, _q("TextBlock"), ID=ids(local), **sc.box(block.bbox))
    if tag_ids.get(id(block)):
        el.set("TAGREFS", " ".join(tag_ids[id(block)]))
    lang = _lang(block.language) or default_lang
    if lang:
        el.set("LANG", lang)
    if block.polygon and len(block.polygon) >= 3:
        shape = etree.SubElement(el, _q("Shape"))
        etree.SubElement(shape, _q("Polygon"), POINTS=sc.points(block.polygon))
    toks = [_tokens(ln) for ln in lines]
    carry = None
    for i, ln in enumerate(lines):
        next_first = toks[i + 1][0].text if i + 1 < len(lines) else None
        carry = _text_line(el, ln, ln.id or f"{local}_l{i + 1}", toks[i], ids, sc, carry, next_first, lang,
                           tag_ids.get(id(ln), []))


NAMED_ENTITIES = ("person", "place", "date", "organisation")


def _tags(root: etree._Element, layout: PageLayout, ids: IdMaker) -> dict[int, list[str]]:
    """``Tags``: one NamedEntityTag (person, place, date, organisation) or OtherTag (unclear, gap,
    supplied, deletion, abbreviation) per tag of a line, LABEL its kind, DESCRIPTION its value, and
    one OtherTag per region type other than main text; returns ``{id(line): [tag ID per line.tags]}``
    for the Strings' ``TAGREFS`` and ``{id(block): [type tag ID]}`` for the TextBlocks'."""
    tagged = [ln for ln in layout.lines() if ln.tags and ln.text.strip()]
    typed = [b for b in layout.blocks if b.type != "text"]
    if not tagged and not typed:
        return {}
    el = etree.SubElement(root, _q("Tags"))
    out: dict[int, list[str]] = {}
    type_ids: dict[str, str] = {}
    for b in typed:              # region types: one OtherTag per type, eScriptorium's convention
        label = ALTO_LABEL.get(b.type, ALTO_LABEL["other"])
        if label not in type_ids:
            type_ids[label] = ids(f"type_{label}")
            etree.SubElement(el, _q("OtherTag"), ID=type_ids[label], LABEL=label, DESCRIPTION=f"block type {label}")
        out[id(b)] = [type_ids[label]]
    for ln in tagged:
        for n, t in enumerate(ln.tags, 1):
            name = "NamedEntityTag" if t.kind in NAMED_ENTITIES else "OtherTag"
            tid = ids(f"tag_{ln.id}_{n}")
            tel = etree.SubElement(el, _q(name), ID=tid, TYPE=t.kind, LABEL=t.kind)
            if t.value:
                tel.set("DESCRIPTION", t.value)
            out.setdefault(id(ln), []).append(tid)
    return out


def build_alto(layout: PageLayout, *, image_filename: str, file_id: str = "", measurement_unit: str = "pixel",
               software_version: str = __version__, language: str | None = None,
               physical_img_nr: int = 1, dpi: float | None = None, version: str = "4.4") -> etree._ElementTree:
    """The ALTO 4 tree for ``layout`` (master-pixel coordinates) of the image ``image_filename``.

    ``version`` (4.2, 4.3, 4.4) only changes ``SCHEMAVERSION``/``xsi:schemaLocation``: the content
    is valid for all three.
    """
    if version not in VERSIONS:
        raise ValueError(f"ALTO version {version!r} not one of {', '.join(VERSIONS)}")
    if measurement_unit not in UNITS:
        raise ValueError(f"measurement unit {measurement_unit!r} not one of {', '.join(UNITS)}")
    per_inch = UNITS[measurement_unit]
    if per_inch is not None and not dpi:
        raise ValueError(f"measurement unit {measurement_unit} needs the image dpi")
    sc = _Scale(per_inch / dpi if per_inch and dpi else 1.0, layout.width, layout.height)
    ids = IdMaker(file_id)
    root = etree.Element(_q("alto"), nsmap={None: ALTO_NS, "xlink": XLINK_NS, "xsi": XSI_NS})
    root.set(f"{{{XSI_NS}}}schemaLocation",
             f"{ALTO_NS} http://www.loc.gov/standards/alto/v4/alto-{version.replace('.', '-')}.xsd")
    root.set("SCHEMAVERSION", version)
    _description(root, layout, ids, image_filename=image_filename, measurement_unit=measurement_unit,
                 software_version=software_version, version=version)
    tag_ids = _tags(root, layout, ids)
    page = etree.SubElement(etree.SubElement(root, _q("Layout")), _q("Page"), ID=ids("page"),
                            PHYSICAL_IMG_NR=str(physical_img_nr), WIDTH=str(sc.n(layout.width)),
                            HEIGHT=str(sc.n(layout.height)))
    mean = layout.mean_confidence()
    if mean is not None:
        page.set("PC", _wc(mean))
    space = etree.SubElement(page, _q("PrintSpace"), **sc.box(BBox(0, 0, layout.width, layout.height)))
    for n, block in enumerate(layout.blocks, 1):
        _text_block(space, block, block.id or f"b{n}", ids, sc, _lang(language), tag_ids)
    return root.getroottree()


def alto_bytes(layout: PageLayout, *, image_filename: str, file_id: str = "", measurement_unit: str = "pixel",
               software_version: str = __version__, language: str | None = None,
               physical_img_nr: int = 1, dpi: float | None = None, version: str = "4.4") -> bytes:
    """Serialised ALTO validated against ALTO ``version`` (raises ExportInvalidError, never returns
    an invalid document)."""
    tree = build_alto(layout, image_filename=image_filename, file_id=file_id, measurement_unit=measurement_unit,
                      software_version=software_version, language=language, physical_img_nr=physical_img_nr,
                      dpi=dpi, version=version)
    return ensure_valid(tree, f"alto-{version}", subject=f"ALTO for {image_filename}")
