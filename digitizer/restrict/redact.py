"""The one redaction step of an export: a redacted layout and a redacted page image per page,
made *before* the writers run, so every writer (ALTO, PAGE, text, PDF, IIIF, search data) only ever
sees what may be published.

* Preservation package (``access=False``): nothing is removed; the active restrictions are recorded as
  PREMIS rights statements in a METS ``rightsMD`` (:meth:`Redactor.rights_md`), and their
  ``restrict``/``lift-restriction`` events are PREMIS events like every other event.
* Access package (``access=True``): withheld items and pages are left out, restricted lines and words
  are removed from the layout, their areas are burnt into the page image as solid black boxes (a new
  file; masters are never touched), and event parameters that can hold text are dropped from PREMIS.

An export is an access package when asked for, and by default when it makes IIIF or PDF.
"""

from __future__ import annotations

import copy
import dataclasses
import shutil
import tempfile
from datetime import date
from pathlib import Path
from typing import Any, Iterable

from ..model import BBox, Item, Page, PageLayout
from .match import PageHits, match_page, page_tokens, redact_string
from .rules import Restriction, list_restrictions, reason_vocabulary

ACCESS_FORMATS = ("iiif", "pdf")
SENSITIVE_PARAMETERS = ("old", "new", "text", "target", "pattern", "metadata", "title")
PAD = 3          # pixels around a burnt box


def is_access(formats: Iterable[str], access: bool | None) -> bool:
    """An export is an access package when asked for, and by default when it makes IIIF or PDF."""
    return access if access is not None else any(f in ACCESS_FORMATS for f in formats)


def burn_boxes(src: Path, boxes: list[BBox], out: Path) -> Path:
    """A copy of the image ``src`` with ``boxes`` filled solid black, as lossless PNG at ``out``."""
    from PIL import Image, ImageDraw

    with Image.open(src) as im:
        dpi = im.info.get("dpi")
        img = im.convert("L") if im.mode in ("1", "I;16", "I;16B", "I", "F") else \
            im.convert("RGB") if im.mode not in ("L", "RGB") else im.copy()
    draw = ImageDraw.Draw(img)
    for b in boxes:
        pad_y = max(PAD, round(b.height * 0.1))
        box = BBox(b.x0 - PAD, b.y0 - pad_y, b.x1 + PAD, b.y1 + pad_y).clip(img.width, img.height)
        if box.area:
            draw.rectangle([box.x0, box.y0, box.x1 - 1, box.y1 - 1], fill=0)
    out.parent.mkdir(parents=True, exist_ok=True)
    img.save(out, format="PNG", compress_level=1, **({"dpi": dpi} if dpi else {}))   # lossless, fast
    return out


def redact_layout(layout: PageLayout, hits: PageHits) -> PageLayout:
    """A copy of ``layout`` without the hit regions, lines and words (emptied lines/blocks dropped)."""
    out = copy.deepcopy(layout)
    _, words = page_tokens(out)
    blocks = []
    for block in out.blocks:
        if block.id in hits.blocks:
            continue
        lines = []
        for ln in block.lines:
            if ln.id in hits.lines:
                continue
            ws = words[ln.id]
            keep = [w for i, w in enumerate(ws) if (ln.id, i) not in hits.words]
            if len(keep) != len(ws):
                if not keep:
                    continue
                ln.hyphenated = ln.hyphenated and keep[-1] is ws[-1]
                ln.words, ln.text = keep, " ".join(w.text for w in keep)
            lines.append(ln)
        if lines:
            block.lines = lines
            blocks.append(block)
    out.blocks = blocks
    return out


class Redactor:
    """Restrictions of one item, applied page by page during an export."""

    def __init__(self, store: Any, item: Item, *, access: bool, today: date | None = None):
        self.store, self.item, self.access = store, item, access
        self.restrictions = [r for r in list_restrictions(store, active_only=True, today=today)
                             if r.item_id in (None, item.id)]
        self.withheld: list[int] = []            # page seqs left out of the access package
        self._tmp: Path | None = None
        self._hits: dict[int, PageHits] = {}

    @property
    def redacting(self) -> bool:
        return self.access and bool(self.restrictions)

    def hits(self, page: Page, layout: PageLayout | None = None) -> PageHits:
        if page.id not in self._hits:
            layout = layout if layout is not None else self.store.load_layout(page.id)
            self._hits[page.id] = match_page(layout, self.restrictions, page_id=page.id, item_id=page.item_id)
        return self._hits[page.id]

    def item_withheld(self) -> bool:
        return self.redacting and any(r.scope == "item" for r in self.restrictions)

    def pages(self, pages: list[Page]) -> list[Page]:
        """The pages an export may contain (all of them in a preservation package)."""
        if not self.redacting:
            return pages
        keep = [p for p in pages if self.hits(p).withheld is None]
        self.withheld = [p.seq for p in pages if p not in keep]
        return keep

    def layout(self, page: Page, layout: PageLayout | None) -> PageLayout | None:
        if layout is None or not self.redacting:
            return layout
        hits = self.hits(page, layout)
        return layout if hits.empty else redact_layout(layout, hits)

    def image(self, page: Page, src: Path, mime: str) -> tuple[Path, str]:
        """The page image an export may use: ``src`` itself, or a burnt copy (PNG) in a temporary folder."""
        if not self.redacting or not self.hits(page).boxes:
            return src, mime
        if self._tmp is None:
            self._tmp = Path(tempfile.mkdtemp(prefix="digitizer-redact-"))
        out = self._tmp / f"{page.seq:04d}_{Path(src).stem}.png"
        return burn_boxes(src, self.hits(page).boxes, out), "image/png"

    def metadata(self, meta: dict[str, Any]) -> dict[str, Any]:
        """Descriptive metadata for the package: restricted fields left out, restricted words removed."""
        if not self.redacting:
            return meta
        fields = {f.strip() for r in self.restrictions if r.scope == "field" for f in r.target.split(",")}
        return {k: _scrub(v, self.restrictions) for k, v in meta.items() if k not in fields}

    def events(self, events: list[Any]) -> list[Any]:
        """Events for the METS: in an access package without parameters that may hold restricted text."""
        if not self.redacting:
            return events
        return [dataclasses.replace(ev, parameters={k: v for k, v in ev.parameters.items()
                                                    if k not in SENSITIVE_PARAMETERS}) for ev in events]

    def rights_md(self, object_ids: dict[int, list[str]]) -> list[Any]:
        """``mets:rightsMD`` sections (PREMIS rights statements) for a preservation package."""
        if self.access or not self.restrictions:
            return []
        from .premis_rights import rights_md

        return [rights_md(r, object_ids, reason_vocabulary().label(r.reason)) for r in self.restrictions]

    def close(self) -> None:
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None


def _scrub(value: Any, restrictions: list[Restriction]) -> Any:
    if isinstance(value, str):
        return redact_string(value, restrictions)
    if isinstance(value, list):
        return [_scrub(v, restrictions) for v in value]
    if isinstance(value, dict):
        return {k: _scrub(v, restrictions) for k, v in value.items()}
    return value


def access_preview(store: Any, items: list[Item] | None = None) -> list[str]:
    """One line per item or page saying what an access package will withhold (empty: nothing)."""
    out = []
    for item in items if items is not None else store.items(with_pages=False):
        red = Redactor(store, item, access=True)
        if red.item_withheld():
            reason = next(r.reason for r in red.restrictions if r.scope == "item")
            out.append(f"{item.identifier}: the whole item is withheld ({reason})")
            continue
        fields = [r.target for r in red.restrictions if r.scope == "field"]
        if fields:
            out.append(f"{item.identifier}: metadata left out: {', '.join(fields)}")
        for page in store.pages(item.id):
            h = red.hits(page)
            if h.withheld is not None:
                out.append(f"{item.identifier} page {page.seq}: withheld ({h.withheld.reason})")
            elif not h.empty:
                out.append(f"{item.identifier} page {page.seq}: {len(h.words)} word(s) and {len(h.lines)} line(s) "
                           f"removed, {len(h.boxes)} area(s) blacked out")
    return out


__all__ = ["Redactor", "redact_layout", "burn_boxes", "is_access", "access_preview"]
