"""The typed document model: the common language of engines, store, correction and export.

Conventions
-----------
* All geometry is in **master image pixel coordinates** (the file the METS points to),
  origin top-left, x to the right, y down.  Engines that work on a preprocessed
  derivative map their results back through :class:`Transform` before results are
  stored, so exports never have to know about preprocessing.
* Confidences are floats in ``[0, 1]`` or ``None`` when the engine gives none.
* Everything round-trips through :func:`to_dict` / ``from_dict`` (JSON-safe).
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Literal, Sequence

Point = tuple[float, float]

PageStatus = Literal["imported", "failed", "processed", "corrected", "reviewed", "approved"]
PAGE_STATUSES: tuple[str, ...] = ("imported", "failed", "processed", "corrected", "reviewed", "approved")
# Region (block) types.  ``text`` is the main text; ``page-number`` and ``stamp`` are kept apart so
# an export can tell them from the text.  What each becomes in PAGE and ALTO, and back on import:
# :mod:`digitizer.export.regiontypes` (docs/interop.md "Region types").
BlockType = Literal["text", "heading", "marginalia", "page-number", "stamp", "caption", "table", "image", "other"]
BLOCK_TYPES: tuple[str, ...] = ("text", "heading", "marginalia", "page-number", "stamp", "caption", "table",
                                "image", "other")


def utcnow() -> str:
    """ISO 8601 UTC timestamp with seconds precision, e.g. ``2026-11-23T12:00:00Z``."""
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


# --------------------------------------------------------------------------- geometry


@dataclass(frozen=True)
class BBox:
    """Axis-aligned box, ``x0,y0`` inclusive top-left, ``x1,y1`` exclusive bottom-right."""

    x0: int
    y0: int
    x1: int
    y1: int

    def __post_init__(self) -> None:
        if self.x1 < self.x0 or self.y1 < self.y0:
            raise ValueError(f"invalid BBox {self!r}")

    @property
    def width(self) -> int:
        return self.x1 - self.x0

    @property
    def height(self) -> int:
        return self.y1 - self.y0

    @property
    def area(self) -> int:
        return self.width * self.height

    def union(self, other: "BBox") -> "BBox":
        return BBox(min(self.x0, other.x0), min(self.y0, other.y0), max(self.x1, other.x1), max(self.y1, other.y1))

    def clip(self, width: int, height: int) -> "BBox":
        x0 = min(max(self.x0, 0), width)
        y0 = min(max(self.y0, 0), height)
        return BBox(x0, y0, max(x0, min(self.x1, width)), max(y0, min(self.y1, height)))

    def as_polygon(self) -> list[Point]:
        return [(self.x0, self.y0), (self.x1, self.y0), (self.x1, self.y1), (self.x0, self.y1)]

    @classmethod
    def from_points(cls, pts: Sequence[Point]) -> "BBox":
        xs = [p[0] for p in pts]
        ys = [p[1] for p in pts]
        return cls(int(math.floor(min(xs))), int(math.floor(min(ys))), int(math.ceil(max(xs))), int(math.ceil(max(ys))))

    @staticmethod
    def union_all(boxes: Sequence["BBox"]) -> "BBox | None":
        out: BBox | None = None
        for b in boxes:
            out = b if out is None else out.union(b)
        return out


@dataclass(frozen=True)
class Transform:
    """2x3 affine matrix mapping **master** coordinates to **derived** image coordinates.

    ``(x', y') = (a*x + b*y + c, d*x + e*y + f)``.  ``inverse()`` maps derived back to
    master.  Preprocessing composes one transform per geometric step (rotate, crop).
    """

    a: float = 1.0
    b: float = 0.0
    c: float = 0.0
    d: float = 0.0
    e: float = 1.0
    f: float = 0.0

    @classmethod
    def identity(cls) -> "Transform":
        return cls()

    @classmethod
    def from_matrix(cls, m: Sequence[Sequence[float]]) -> "Transform":
        return cls(float(m[0][0]), float(m[0][1]), float(m[0][2]), float(m[1][0]), float(m[1][1]), float(m[1][2]))

    def matrix(self) -> list[list[float]]:
        return [[self.a, self.b, self.c], [self.d, self.e, self.f]]

    def apply(self, x: float, y: float) -> Point:
        return (self.a * x + self.b * y + self.c, self.d * x + self.e * y + self.f)

    def apply_points(self, pts: Sequence[Point]) -> list[Point]:
        return [self.apply(x, y) for x, y in pts]

    def then(self, other: "Transform") -> "Transform":
        """Composition: first ``self``, then ``other``."""
        return Transform(
            other.a * self.a + other.b * self.d,
            other.a * self.b + other.b * self.e,
            other.a * self.c + other.b * self.f + other.c,
            other.d * self.a + other.e * self.d,
            other.d * self.b + other.e * self.e,
            other.d * self.c + other.e * self.f + other.f,
        )

    def inverse(self) -> "Transform":
        det = self.a * self.e - self.b * self.d
        if abs(det) < 1e-12:
            raise ValueError("transform is not invertible")
        ia, ib = self.e / det, -self.b / det
        id_, ie = -self.d / det, self.a / det
        return Transform(ia, ib, -(ia * self.c + ib * self.f), id_, ie, -(id_ * self.c + ie * self.f))

    def is_identity(self, tol: float = 1e-9) -> bool:
        return all(abs(u - v) <= tol for u, v in zip(dataclasses.astuple(self), (1, 0, 0, 0, 1, 0)))

    def map_bbox(self, box: BBox, clip: tuple[int, int] | None = None) -> BBox:
        out = BBox.from_points(self.apply_points(box.as_polygon()))
        return out.clip(*clip) if clip else out


# --------------------------------------------------------------------------- provenance


@dataclass
class ProcessingStep:
    """One processing step (a PREMIS event / ALTO Processing element in the making)."""

    action: str                     # e.g. "import", "preprocess", "ocr", "htr", "correct", "export"
    tool: str                       # e.g. "tesseract", "digitizer.deskew", "kraken"
    tool_version: str = ""
    parameters: dict[str, Any] = field(default_factory=dict)
    model: str | None = None        # model name or file
    model_sha256: str | None = None
    agent: str = ""                 # operator (person) who ran it
    timestamp: str = field(default_factory=utcnow)
    outcome: str = "success"        # success | failure | warning
    detail: str = ""


# --------------------------------------------------------------------------- layout


@dataclass
class Word:
    text: str
    bbox: BBox
    confidence: float | None = None
    id: str = ""
    # per-character confidences (len == len(text)) when the engine gives them
    char_confidences: list[float] | None = None

    def __post_init__(self) -> None:
        if self.confidence is not None and not (0.0 <= self.confidence <= 1.0):
            raise ValueError(f"word confidence {self.confidence} outside [0,1]")


@dataclass
class Tag:
    """A scholarly tag on the characters ``[offset, offset + length)`` of a line's text (kinds and
    rules: :mod:`digitizer.tags`); ``value`` is e.g. an abbreviation's expansion."""

    kind: str
    offset: int
    length: int
    value: str = ""


@dataclass
class Line:
    id: str
    bbox: BBox
    text: str = ""
    confidence: float | None = None
    words: list[Word] = field(default_factory=list)
    polygon: list[Point] | None = None      # boundary polygon (HTR segmentation)
    baseline: list[Point] | None = None     # polyline left to right
    hyphenated: bool = False                # ends with a hyphenated word continued on the next line
    language: str | None = None
    custom: str = ""                        # PAGE @custom tags kept from an imported file (Transkribus)
    tags: list[Tag] = field(default_factory=list)   # scholarly tags on spans of ``text``

    def __post_init__(self) -> None:
        if self.confidence is not None and not (0.0 <= self.confidence <= 1.0):
            raise ValueError(f"line confidence {self.confidence} outside [0,1]")


@dataclass
class TextBlock:
    id: str
    bbox: BBox
    lines: list[Line] = field(default_factory=list)
    polygon: list[Point] | None = None
    type: str = "text"
    language: str | None = None
    custom: str = ""                        # PAGE @custom tags kept from an imported file

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)


@dataclass
class PageLayout:
    """Recognised layout of one page in master coordinates, blocks in reading order."""

    width: int
    height: int
    blocks: list[TextBlock] = field(default_factory=list)
    steps: list[ProcessingStep] = field(default_factory=list)

    def lines(self) -> list[Line]:
        return [ln for b in self.blocks for ln in b.lines]

    def words(self) -> list[Word]:
        return [w for ln in self.lines() for w in ln.words]

    @property
    def text(self) -> str:
        return "\n\n".join(b.text for b in self.blocks if b.lines)

    def mean_confidence(self) -> float | None:
        confs = [w.confidence for w in self.words() if w.confidence is not None]
        if not confs:
            confs = [ln.confidence for ln in self.lines() if ln.confidence is not None]
        return sum(confs) / len(confs) if confs else None

    def find_line(self, line_id: str) -> Line | None:
        for ln in self.lines():
            if ln.id == line_id:
                return ln
        return None

    def transformed(self, t: Transform, width: int | None = None, height: int | None = None) -> "PageLayout":
        """A copy with every coordinate mapped through ``t``, clipped to the target page size
        (``width``/``height``, default: this layout's)."""
        return _transform_layout(self, t, width or self.width, height or self.height)

    def assign_ids(self, prefix: str = "") -> None:
        """Give stable, unique, XML-safe ids (``b1``, ``b1_l2``, ``b1_l2_w3``) where missing."""
        seen: set[str] = set()
        for bi, b in enumerate(self.blocks, 1):
            if not b.id or b.id in seen:
                b.id = f"{prefix}b{bi}"
            seen.add(b.id)
            for li, ln in enumerate(b.lines, 1):
                if not ln.id or ln.id in seen:
                    ln.id = f"{b.id}_l{li}"
                seen.add(ln.id)
                for wi, w in enumerate(ln.words, 1):
                    if not w.id or w.id in seen:
                        w.id = f"{ln.id}_w{wi}"
                    seen.add(w.id)


def _transform_layout(layout: PageLayout, t: Transform, width: int, height: int) -> PageLayout:
    clip = (width, height)

    def pts(p: list[Point] | None) -> list[Point] | None:
        if p is None:
            return None
        return [(min(max(x, 0.0), width), min(max(y, 0.0), height)) for x, y in t.apply_points(p)]

    blocks = []
    for b in layout.blocks:
        lines = []
        for ln in b.lines:
            words = [dataclasses.replace(w, bbox=t.map_bbox(w.bbox, clip)) for w in ln.words]
            lines.append(dataclasses.replace(ln, bbox=t.map_bbox(ln.bbox, clip), words=words,
                                             polygon=pts(ln.polygon), baseline=pts(ln.baseline)))
        blocks.append(dataclasses.replace(b, bbox=t.map_bbox(b.bbox, clip), lines=lines, polygon=pts(b.polygon)))
    return PageLayout(width=width, height=height, blocks=blocks, steps=list(layout.steps))


# --------------------------------------------------------------------------- project objects


@dataclass
class FileRef:
    """A file inside the project folder (path relative to the project root)."""

    path: str
    sha256: str
    size: int
    mime: str = ""
    role: str = "master"            # master | derivative | export


@dataclass
class Page:
    id: int
    item_id: int
    seq: int                        # 1-based order within the item
    master: FileRef
    width: int
    height: int
    dpi: float | None = None        # None when the file carries no resolution
    dpi_source: str = "metadata"    # metadata | assumed | pdf-render
    source_path: str = ""           # where it was imported from
    source_page: int = 0            # page/frame index inside a multi-page source (0-based)
    label: str = ""                 # e.g. "1r", "2v", printed page number
    status: str = "imported"
    derived: dict[str, FileRef] = field(default_factory=dict)   # name -> file (e.g. "preprocessed")
    transform: Transform = field(default_factory=Transform)       # master -> "preprocessed"
    engine_override: str | None = None
    mean_confidence: float | None = None
    error: str | None = None

    @property
    def dpi_missing(self) -> bool:
        return self.dpi is None or self.dpi_source != "metadata"


@dataclass
class Item:
    """A document, volume or folder: an ordered list of pages with descriptive metadata."""

    id: int
    identifier: str                 # stable, filename-safe (e.g. "item-0001" or the folder name)
    title: str = ""
    profile: str = "printed-modern"
    metadata: dict[str, Any] = field(default_factory=dict)
    pages: list[Page] = field(default_factory=list)


@dataclass
class Project:
    path: str
    name: str
    created: str = ""
    schema_version: int = 0
    items: list[Item] = field(default_factory=list)


# --------------------------------------------------------------------------- (de)serialisation


def to_dict(obj: Any) -> Any:
    """JSON-safe dict of any model object (BBox as ``[x0,y0,x1,y1]``, tuples as lists)."""
    if isinstance(obj, BBox):
        return [obj.x0, obj.y0, obj.x1, obj.y1]
    if isinstance(obj, Transform):
        return obj.matrix()
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: to_dict(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, (list, tuple)):
        return [to_dict(v) for v in obj]
    if isinstance(obj, dict):
        return {k: to_dict(v) for k, v in obj.items()}
    return obj


def _pts(v: Any) -> list[Point] | None:
    return None if v is None else [(float(p[0]), float(p[1])) for p in v]


def word_from_dict(d: dict) -> Word:
    return Word(text=d["text"], bbox=BBox(*d["bbox"]), confidence=d.get("confidence"), id=d.get("id", ""),
                char_confidences=d.get("char_confidences"))


def line_from_dict(d: dict) -> Line:
    return Line(id=d["id"], bbox=BBox(*d["bbox"]), text=d.get("text", ""), confidence=d.get("confidence"),
                words=[word_from_dict(w) for w in d.get("words", [])], polygon=_pts(d.get("polygon")),
                baseline=_pts(d.get("baseline")), hyphenated=bool(d.get("hyphenated", False)),
                language=d.get("language"), custom=d.get("custom", ""),
                tags=[Tag(**t) for t in d.get("tags", [])])


def block_from_dict(d: dict) -> TextBlock:
    return TextBlock(id=d["id"], bbox=BBox(*d["bbox"]), lines=[line_from_dict(x) for x in d.get("lines", [])],
                     polygon=_pts(d.get("polygon")), type=d.get("type", "text"), language=d.get("language"),
                     custom=d.get("custom", ""))


def step_from_dict(d: dict) -> ProcessingStep:
    return ProcessingStep(**d)


def layout_from_dict(d: dict) -> PageLayout:
    return PageLayout(width=int(d["width"]), height=int(d["height"]),
                      blocks=[block_from_dict(b) for b in d.get("blocks", [])],
                      steps=[step_from_dict(s) for s in d.get("steps", [])])


def transform_from_dict(m: Any) -> Transform:
    return Transform() if not m else Transform.from_matrix(m)
