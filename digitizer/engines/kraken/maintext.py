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

Reading order is kept (lines are only removed).  What goes stays on the page as typed regions
without lines (``stamp``, ``marginalia``, ``other`` for a facing page), so it is neither recognised
nor in any text export, but PAGE/ALTO still say where it is.  ``[recognition] options =
{ main_text_only = false }`` in a profile keeps everything as lines.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field

from ...model import BBox, Line, PageLayout, TextBlock

OVERLAP = 0.5
LONG = 0.5          # a line at least this share of the column's widest line sets the column's extent
TALL = 2.5
SHORT = 0.35


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


def main_text_ids(lines: list[Line]) -> set[str]:
    """Ids of the lines that belong to the main text (all of them when there are fewer than 3)."""
    return {ln.id for ln in lines} if len(lines) < 3 else _split(lines)[0]


def _split(lines: list[Line]) -> tuple[set[str], list[tuple[str, list[Line]]]]:
    """Main-text line ids, and the rest as ``(type, lines)`` groups: one ``marginalia`` group per
    narrow other column, ``other`` for a column at least half as wide as the main one (a facing
    page), ``stamp`` for each stamp."""
    columns = _columns(lines)
    main = max(columns, key=lambda c: c.writing)
    med_h = statistics.median(ln.bbox.y1 - ln.bbox.y0 for ln in main.lines)
    keep = {ln.id for ln in main.lines if not _is_stamp(ln, med_h, main.widest)}
    groups = [("stamp", [ln]) for ln in main.lines if ln.id not in keep]
    for col in columns:
        if col is not main:
            wide = col.x1 - col.x0 >= 0.5 * (main.x1 - main.x0)
            groups.append(("other" if wide else "marginalia", col.lines))
    return keep, groups


def keep_main_text(layout: PageLayout, *, keep_regions: bool = True) -> int:
    """Take the lines outside the main text out of ``layout`` (in place); returns how many went.

    With ``keep_regions`` what was dropped stays as typed regions **without lines** (``stamp``,
    ``marginalia``, ``other`` for a facing page; box = the dropped lines'), after the main text:
    not recognised, no text in any export, but visible and typed in PAGE/ALTO, and a person can
    draw lines into them and recognise those (``digitizer lines --recognise``)."""
    lines = layout.lines()
    if len(lines) < 3:
        return 0
    keep, groups = _split(lines)
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
