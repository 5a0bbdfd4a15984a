"""Keep the main text of a segmented page: drop the facing page, marginal notes and stamps.

blla finds every line on the image: on the scan of a will it also segments the facing page of a
double spread, the archivist's notes in the margin and the lines of round stamps, none of which
the ground truth (or a reader) wants in the page text.  The rule here is geometric and cheap:

1. Lines are grouped into **columns**: a line joins a column when at least ``OVERLAP`` of its
   width lies within the column's horizontal extent (set by its long lines, widest first).
2. The **main column** is the one with the most writing (sum of line widths); lines of the
   other columns (facing page, margins) are dropped.
3. Within it, lines much taller than the column's median line (``TALL`` x) and short
   (narrower than ``SHORT`` x the widest line) are stamps or seals and are dropped.
4. On a colour image, lines whose **ink colour** is far from the main text's (distance in the
   CIELAB a*b* plane above ``INK_DELTA``) are stamps too: the violet or blue rubber stamps and
   deposit notes of courts and registries.  The main text's ink is the median over its lines,
   weighted by ink pixels, so a page written in violet copying-pencil keeps its lines; and the
   rule never takes away more than half of the column's ink.  A line more than ``STAMP_SHARE``
   of whose written pixels are in such another ink is a stamp too, though its median is the
   pen's: a judge's signature across the court's stamp (unless that would take half the ink:
   then only the lines whose median is off go).  A grey image skips this rule (the
   ``manuscript`` profile keeps colour for it).  On 38 Poilus wills with ground truth (none of the
   dev wills) it drops 42 of the 283 untranscribed lines the shape rules keep, and 1 of 467
   transcribed ones: a signature the court's stamp is printed across.  The share rule (chosen on a
   second draw of 40 Poilus wills, where transcribed lines have at most 15 % of their written pixels in
   another ink) drops 19 more of the 295 untranscribed lines left there, and no transcribed one.
5. **Notes outside the body.**  A short line (at most ``NOTE_SHORT`` of the widest line) whose middle
   lies more than ``OUTSIDE`` line pitches above the column's first long line or below its last,
   and whose ink is even a little off the main text's (a*b* distance above ``INK_NEAR``, far under
   the stamp threshold), is a note: the archive's or the court's numbers in pencil, "Page
   première", a registry's date written over its stamp.  The main text's own headings, dates and
   signatures sit there too, but in the pen of the text.  Chosen on 90 Poilus wills with ground
   truth (train and validation wills, none of the dev wills): of the 1,714 lines the rules above
   keep that are clearly transcribed or clearly not, it drops 140 of the 455 untranscribed ones
   (21 % of their width) and 2 of the 1,259 transcribed ones (a signature and an initial); on the
   8 dev wills, 4 untranscribed lines and no transcribed one (end-to-end CER 27.0 -> 26.6 %).  What
   counts as main text is the transcription guideline's choice: on 24 CREMMA-MSS-19 pages (letters,
   whose transcriptions keep everything) it drops 2 untranscribed lines (an archive's stamp) and 4
   transcribed ones (0.24 % of their width: signatures in a paler ink, a folio number, an archivist's
   note).  ``notes_outside = false`` in the profile's recognition options turns this rule off.

Reading order is kept (lines are only removed).  What goes stays on the page as typed regions
without lines (``stamp``, ``marginalia``, ``other`` for a facing page), so it is neither recognised
nor in any text export, but PAGE/ALTO still say where it is.  ``[recognition] options =
{ main_text_only = false }`` in a profile keeps everything as lines; ``notes_outside = false``
keeps rules 1-4 only.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from ...model import BBox, Line, PageLayout, TextBlock

OVERLAP = 0.5
LONG = 0.5          # a line at least this share of the column's widest line sets the column's extent
TALL = 2.5
SHORT = 0.35
INK_DELTA = 30.0    # a*b* distance of a line's ink from the main text's (CIELAB units)
MIN_INK = 20        # ink pixels a line needs for its colour to count
DARK = 40           # a pixel this much darker (L*, 0-255) than its line's paper is written on
STAMP_SHARE = 0.25  # a line with more of its written pixels in another ink than this is a stamp
NOTE_SHORT = 0.35   # rule 5: a note is at most this share of the column's widest line ...
OUTSIDE = 0.5       # ... its middle this many line pitches above the first long line or below the last ...
INK_NEAR = 4.0      # ... and its ink this far (a*b*) from the main text's


class LineInk(NamedTuple):
    """A line's ink: median a*, b* of its ink pixels (Otsu), their count, and the a*b* (int8,
    shape (k, 2)) of every written pixel (``DARK`` below the line's paper), for the share rule."""
    a: float
    b: float
    n: int
    written: Any = None


Ink = dict[str, LineInk]   # line id -> its ink


@dataclass
class _Column:
    x0: float
    x1: float
    widest: float
    lines: list[Line] = field(default_factory=list)

    def takes(self, ln: Line) -> bool:
        w = max(1, ln.bbox.x1 - ln.bbox.x0)
        inside = min(self.x1, ln.bbox.x1) - max(self.x0, ln.bbox.x0)
        return inside >= OVERLAP * w

    def add(self, ln: Line) -> None:
        self.lines.append(ln)
        if ln.bbox.x1 - ln.bbox.x0 >= LONG * self.widest:
            self.x0, self.x1 = min(self.x0, ln.bbox.x0), max(self.x1, ln.bbox.x1)

    @property
    def writing(self) -> int:
        return sum(ln.bbox.x1 - ln.bbox.x0 for ln in self.lines)


def _columns(lines: list[Line]) -> list[_Column]:
    columns: list[_Column] = []
    for ln in sorted(lines, key=lambda x: x.bbox.x1 - x.bbox.x0, reverse=True):
        col = next((c for c in columns if c.takes(ln)), None)
        if col is None:
            col = _Column(ln.bbox.x0, ln.bbox.x1, ln.bbox.x1 - ln.bbox.x0)
            columns.append(col)
        col.add(ln)
    return columns


def _is_stamp(ln: Line, med_h: float, widest: float) -> bool:
    return ln.bbox.y1 - ln.bbox.y0 > TALL * med_h and ln.bbox.x1 - ln.bbox.x0 < SHORT * widest


def is_colour(image: Any) -> bool:
    """Whether ``image`` (PIL) has colour for the ink rule to look at."""
    return image is not None and image.mode in ("RGB", "RGBA", "CMYK", "YCbCr", "P")


def ink_colours(image: Any, lines: list[Line]) -> Ink:
    """Each line's ink colour on a colour ``image`` (PIL): the median CIELAB a* and b* of the
    pixels inside its polygon (else its box) at or below the line's Otsu threshold, and the a*b*
    of every pixel ``DARK`` below the median (the paper) inside it.  Empty for a grey or bilevel
    image, and lines with fewer than ``MIN_INK`` ink pixels are left out."""
    if not is_colour(image):
        return {}
    import cv2
    import numpy as np

    rgb = np.asarray(image.convert("RGB"))
    grey = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    height, width = grey.shape
    out: Ink = {}
    for ln in lines:
        x0, y0 = max(0, int(ln.bbox.x0)), max(0, int(ln.bbox.y0))
        x1, y1 = min(width, int(ln.bbox.x1) + 1), min(height, int(ln.bbox.y1) + 1)
        if x1 - x0 < 3 or y1 - y0 < 3:
            continue
        mask = np.zeros((y1 - y0, x1 - x0), np.uint8)
        if ln.polygon and len(ln.polygon) >= 3:
            pts = np.array([[p[0] - x0, p[1] - y0] for p in ln.polygon], np.int32)
            cv2.fillPoly(mask, [pts], 1)
        else:
            mask[:] = 1
        g = grey[y0:y1, x0:x1]
        inside = g[mask > 0]
        if inside.size < MIN_INK:
            continue
        t, _ = cv2.threshold(inside.reshape(-1, 1), 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
        ink = (g <= t) & (mask > 0)
        n = int(ink.sum())
        if n < MIN_INK:
            continue
        lab = cv2.cvtColor(np.ascontiguousarray(rgb[y0:y1, x0:x1]), cv2.COLOR_RGB2LAB)
        inked = lab[ink].astype(np.float32)
        written = (lab[..., 0].astype(np.int16) < int(np.median(lab[..., 0][mask > 0])) - DARK) & (mask > 0)
        ab = (lab[written][:, 1:].astype(np.int16) - 128).astype(np.int8)
        out[ln.id] = LineInk(float(np.median(inked[:, 1])) - 128.0, float(np.median(inked[:, 2])) - 128.0, n, ab)
    return out


def _weighted_median(values: list[tuple[float, int]]) -> float:
    values = sorted(values)
    half, acc = sum(w for _, w in values) / 2, 0
    for v, w in values:
        acc += w
        if acc >= half:
            return v
    return values[-1][0]


def _stamp_share(line_ink: LineInk, a0: float, b0: float) -> float:
    """Share of a line's written pixels whose a*b* is more than ``INK_DELTA`` from (a0, b0)."""
    ab = line_ink.written
    if ab is None or len(ab) < MIN_INK:
        return 0.0
    import numpy as np

    d = np.hypot(ab[:, 0].astype(np.float32) - a0, ab[:, 1].astype(np.float32) - b0)
    return float((d > INK_DELTA).mean())


def _main_ink(ids: list[str], ink: Ink) -> tuple[float, float]:
    """The main text's ink: the a*, b* medians of ``ids``' lines, weighted by their ink pixels."""
    return (_weighted_median([(ink[i][0], ink[i][2]) for i in ids]),
            _weighted_median([(ink[i][1], ink[i][2]) for i in ids]))


def _off_colour(lines: list[Line], ink: Ink) -> set[str]:
    """Ids of ``lines`` whose ink is more than ``INK_DELTA`` away from their ink-weighted median
    colour, unless those lines hold half the ink or more (then there is no one main ink); then
    the lines more than ``STAMP_SHARE`` of whose written pixels are that far (a signature written
    across a stamp: the median is the pen's), as long as all of them together stay under half
    the ink (else only the first set goes: the share rule never undoes the median rule)."""
    have = [ln.id for ln in lines if ln.id in ink]
    if len(have) < 3:
        return set()
    a0, b0 = _main_ink(have, ink)
    total = sum(ink[i][2] for i in have)

    def under_half(ids: set[str]) -> bool:
        return 2 * sum(ink[i][2] for i in ids) < total

    off = {i for i in have if ((ink[i][0] - a0) ** 2 + (ink[i][1] - b0) ** 2) ** 0.5 > INK_DELTA}
    if not under_half(off):
        return set()
    more = off | {i for i in have if i not in off and _stamp_share(ink[i], a0, b0) > STAMP_SHARE}
    return more if under_half(more) else off


def _notes_outside(lines: list[Line], ink: Ink) -> list[Line]:
    """Rule 5: the short lines above or below the body of ``lines`` (the main column after the
    other rules) whose ink is more than ``INK_NEAR`` from the main text's."""
    have = [ln.id for ln in lines if ln.id in ink]
    if len(lines) < 3 or len(have) < 3:
        return []

    def width(ln: Line) -> float:
        return ln.bbox.x1 - ln.bbox.x0

    def middle(ln: Line) -> float:
        return (ln.bbox.y0 + ln.bbox.y1) / 2

    widest = max(width(ln) for ln in lines)
    body = [ln for ln in lines if width(ln) >= LONG * widest]
    top, bottom = min(ln.bbox.y0 for ln in body), max(ln.bbox.y1 for ln in body)
    middles = sorted(middle(ln) for ln in lines)
    pitch = statistics.median(b - a for a, b in zip(middles, middles[1:]))
    if pitch <= 0:
        return []
    a0, b0 = _main_ink(have, ink)
    out = []
    for ln in lines:
        own = ink.get(ln.id)
        if own is None or width(ln) > NOTE_SHORT * widest:
            continue
        outside = top - middle(ln) > OUTSIDE * pitch or middle(ln) - bottom > OUTSIDE * pitch
        if outside and ((own.a - a0) ** 2 + (own.b - b0) ** 2) ** 0.5 > INK_NEAR:
            out.append(ln)
    return out


def main_text_ids(lines: list[Line], ink: Ink | None = None, *, notes: bool = True) -> set[str]:
    """Ids of the lines that belong to the main text (all of them when there are fewer than 3);
    ``ink`` (from :func:`ink_colours`) adds the colour rules (``notes``: rule 5 too)."""
    return {ln.id for ln in lines} if len(lines) < 3 else _split(lines, ink, notes=notes)[0]


def _split(lines: list[Line], ink: Ink | None = None, *,
           notes: bool = True) -> tuple[set[str], list[tuple[str, list[Line]]]]:
    """Main-text line ids, and the rest as ``(type, lines)`` groups: one ``marginalia`` group per
    narrow other column, ``other`` for a column at least half as wide as the main one (a facing
    page), ``stamp`` for each stamp (by shape or by ink colour), ``marginalia`` for each note
    outside the body (rule 5)."""
    columns = _columns(lines)
    main = max(columns, key=lambda c: c.writing)
    med_h = statistics.median(ln.bbox.y1 - ln.bbox.y0 for ln in main.lines)
    keep = {ln.id for ln in main.lines if not _is_stamp(ln, med_h, main.widest)}
    if ink:
        keep -= _off_colour([ln for ln in main.lines if ln.id in keep], ink)
    groups: list[tuple[str, list[Line]]] = [("stamp", [ln]) for ln in main.lines if ln.id not in keep]
    if ink and notes:
        outside = _notes_outside([ln for ln in main.lines if ln.id in keep], ink)
        keep -= {ln.id for ln in outside}
        groups += [("marginalia", [ln]) for ln in outside]
    for col in columns:
        if col is not main:
            wide = col.x1 - col.x0 >= 0.5 * (main.x1 - main.x0)
            groups.append(("other" if wide else "marginalia", col.lines))
    return keep, groups


def keep_main_text(layout: PageLayout, *, keep_regions: bool = True, image: Any = None,
                   notes: bool = True) -> int:
    """Take the lines outside the main text out of ``layout`` (in place); returns how many went.

    ``image`` is the page the layout was found on: when it is in colour, the ink-colour rules
    apply too (the module's rule 4, and rule 5 unless ``notes`` is false: a collection whose
    transcriptions keep signatures and folio numbers in another ink wants them as lines).

    With ``keep_regions`` what was dropped stays as typed regions **without lines** (``stamp``,
    ``marginalia``, ``other`` for a facing page; box = the dropped lines'), after the main text:
    not recognised, no text in any export, but visible and typed in PAGE/ALTO, and a person can
    draw lines into them and recognise those (``digitizer lines --recognise``)."""
    lines = layout.lines()
    if len(lines) < 3:
        return 0
    keep, groups = _split(lines, ink_colours(image, lines), notes=notes)
    dropped = 0
    for block in layout.blocks:
        before = len(block.lines)
        block.lines = [ln for ln in block.lines if ln.id in keep]
        if block.lines and len(block.lines) < before:
            dropped += before - len(block.lines)
            block.bbox = BBox.union_all([ln.bbox for ln in block.lines]) or block.bbox
        elif not block.lines:
            dropped += before
    layout.blocks = [b for b in layout.blocks if b.lines]
    if keep_regions:
        for n, (rtype, group) in enumerate(groups, 1):
            box = BBox.union_all([ln.bbox for ln in group])
            if box is not None:
                layout.blocks.append(TextBlock(id=f"dropped{n}", bbox=box, type=rtype))
    return dropped
