"""Text and layout correction on the document model (used by the store, the GUI and the CLI).

Everything here is Qt-free.  Layout operations (:func:`delete_line`, :func:`merge_lines`,
:func:`split_line`, :func:`add_line`, :func:`add_region`, :func:`move_line`,
:func:`move_block`) edit a :class:`~digitizer.model.PageLayout` in place; a front end then
saves the result with :func:`commit_layout` (``store.update_layout`` plus a line version for
every line whose text changed).  :func:`find_replacements` / :func:`apply_replacements`
preview and apply a find & replace over a whole project, each change a line version.
:func:`next_low_confidence` walks words (or lines) under a confidence threshold.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Hashable, Iterable, Sequence

from .linetext import set_line_text, split_words  # noqa: F401  (re-exported; they live in linetext)
from .model import BBox, Line, PageLayout, Point, ProcessingStep, TextBlock, Word

# --------------------------------------------------------------------------- text


def word_spans(line: Line) -> list[tuple[int, int, Word]]:
    """``(start, end, word)`` character spans of ``line.words`` inside ``line.text``.

    Empty when the words no longer match the text (then callers fall back to the line)."""
    spans, pos = [], 0
    for w in line.words:
        start = line.text.find(w.text, pos) if w.text else -1
        if start < 0:
            return []
        spans.append((start, start + len(w.text), w))
        pos = start + len(w.text)
    return spans


# --------------------------------------------------------------------------- ids and lookup


def _all_ids(layout: PageLayout) -> set[str]:
    ids = set()
    for b in layout.blocks:
        ids.add(b.id)
        for ln in b.lines:
            ids.add(ln.id)
            ids.update(w.id for w in ln.words)
    return ids


def unique_id(layout: PageLayout, base: str) -> str:
    """``base`` or ``base_2``, ``base_3``, ... whichever is not used in ``layout``."""
    used = _all_ids(layout)
    cand, n = base, 1
    while cand in used:
        n += 1
        cand = f"{base}_{n}"
    return cand


def fresh_id(layout: PageLayout, prefix: str) -> str:
    """A new id (``prefix`` + 8 hex digits) for a line or region made by hand.  Random, so an id of a
    deleted line (whose versions stay in the store's history) is never given to a new one."""
    import uuid

    return unique_id(layout, f"{prefix}{uuid.uuid4().hex[:8]}")


def locate_line(layout: PageLayout, line_id: str) -> tuple[TextBlock, int]:
    """The block holding ``line_id`` and the line's index in it; KeyError if absent."""
    for b in layout.blocks:
        for i, ln in enumerate(b.lines):
            if ln.id == line_id:
                return b, i
    raise KeyError(f"no line {line_id!r} in this layout")


def _block(layout: PageLayout, block_id: str) -> TextBlock:
    for b in layout.blocks:
        if b.id == block_id:
            return b
    raise KeyError(f"no block {block_id!r} in this layout")


def _mean(values: Iterable[float | None]) -> float | None:
    vals = [v for v in values if v is not None]
    return sum(vals) / len(vals) if vals else None


def _refit_block(block: TextBlock) -> None:
    box = BBox.union_all([ln.bbox for ln in block.lines])
    if box is not None:
        block.bbox = box if block.polygon is None else block.bbox.union(box)


def _renumber_words(line: Line) -> None:
    for i, w in enumerate(line.words, 1):
        w.id = f"{line.id}_w{i}"


# --------------------------------------------------------------------------- layout operations


def delete_line(layout: PageLayout, line_id: str) -> Line:
    """Remove a line; a block left without lines is removed too.  Returns the removed line."""
    block, idx = locate_line(layout, line_id)
    line = block.lines.pop(idx)
    if not block.lines:
        layout.blocks.remove(block)
    else:
        _refit_block(block)
    return line


def merge_lines(layout: PageLayout, first_id: str, second_id: str) -> Line:
    """Append line ``second_id`` to ``first_id`` (words, text, geometry) and remove it."""
    if first_id == second_id:
        raise ValueError("cannot merge a line with itself")
    block, idx = locate_line(layout, first_id)
    first = block.lines[idx]
    second = delete_line(layout, second_id)
    first.words = [*first.words, *second.words]
    _renumber_words(first)
    first.text = " ".join(t for t in (first.text, second.text) if t)
    first.bbox = first.bbox.union(second.bbox)
    if first.polygon is not None or second.polygon is not None:
        first.polygon = first.bbox.as_polygon()
    if first.baseline and second.baseline:
        first.baseline = sorted([*first.baseline, *second.baseline])
    first.confidence = _mean(w.confidence for w in first.words) if first.words else \
        _mean([first.confidence, second.confidence])
    first.hyphenated = second.hyphenated
    _refit_block(locate_line(layout, first_id)[0])
    return first


def _clip_points(points: list[Point] | None, x0: float, x1: float) -> list[Point] | None:
    if not points:
        return None
    inside = [p for p in points if x0 <= p[0] <= x1]
    return inside or None


def split_line(layout: PageLayout, line_id: str, at_word: int) -> tuple[Line, Line]:
    """Split a line before word number ``at_word`` (0-based, ``0 < at_word < len(words)``).

    The second part becomes a new line right after the first in the same block."""
    block, idx = locate_line(layout, line_id)
    line = block.lines[idx]
    if not 0 < at_word < len(line.words):
        raise ValueError(f"line {line_id!r} has {len(line.words)} word(s); cannot split before word {at_word}")
    left, right = line.words[:at_word], line.words[at_word:]
    cut = right[0].bbox.x0
    new = Line(id=fresh_id(layout, f"{block.id}_s"), bbox=BBox(cut, line.bbox.y0, max(cut, line.bbox.x1), line.bbox.y1),
               text=" ".join(w.text for w in right), words=right, language=line.language,
               baseline=_clip_points(line.baseline, cut, line.bbox.x1), hyphenated=line.hyphenated,
               confidence=_mean(w.confidence for w in right))
    new.polygon = new.bbox.as_polygon() if line.polygon is not None else None
    line.words = left
    line.text = " ".join(w.text for w in left)
    line.bbox = BBox(line.bbox.x0, line.bbox.y0, max(line.bbox.x0, min(cut, line.bbox.x1)), line.bbox.y1)
    line.polygon = line.bbox.as_polygon() if line.polygon is not None else None
    line.baseline = _clip_points(line.baseline, line.bbox.x0, cut)
    line.confidence = _mean(w.confidence for w in left)
    line.hyphenated = False
    _renumber_words(new)
    block.lines.insert(idx + 1, new)
    return line, new


def _overlap(a: BBox, b: BBox) -> int:
    w = min(a.x1, b.x1) - max(a.x0, b.x0)
    h = min(a.y1, b.y1) - max(a.y0, b.y0)
    return max(0, w) * max(0, h)


def add_region(layout: PageLayout, bbox: BBox, *, type: str = "text", index: int | None = None) -> TextBlock:
    """Add an empty region (block); by default it goes before the first block that starts below it."""
    block = TextBlock(id=fresh_id(layout, "r"), bbox=bbox, type=type)
    if index is None:
        index = next((i for i, b in enumerate(layout.blocks) if b.bbox.y0 > bbox.y0), len(layout.blocks))
    layout.blocks.insert(index, block)
    return block


def add_line(layout: PageLayout, bbox: BBox, text: str = "", *, block_id: str | None = None,
             baseline: list[Point] | None = None, polygon: list[Point] | None = None) -> Line:
    """Add a line drawn by hand.  It goes into ``block_id`` or the block it overlaps most (a new
    region when none), placed in reading order by its top edge.  Typed text counts as verified."""
    if block_id is not None:
        block = _block(layout, block_id)
    else:
        scored = [(_overlap(b.bbox, bbox), i) for i, b in enumerate(layout.blocks)]
        best = max(scored, default=(0, -1))
        block = layout.blocks[best[1]] if best[0] > 0 else add_region(layout, bbox)
    line = Line(id=fresh_id(layout, f"{block.id}_n"), bbox=bbox, polygon=polygon,
                baseline=baseline or [(bbox.x0, bbox.y1 - bbox.height * 0.2), (bbox.x1, bbox.y1 - bbox.height * 0.2)])
    if text:
        set_line_text(line, text)
    index = next((i for i, ln in enumerate(block.lines) if ln.bbox.y0 > bbox.y0), len(block.lines))
    block.lines.insert(index, line)
    _refit_block(block)
    return line


def move_line(layout: PageLayout, line_id: str, index: int, *, block_id: str | None = None) -> None:
    """Move a line to position ``index`` of ``block_id`` (default: its own block): reading order."""
    block, idx = locate_line(layout, line_id)
    target = block if block_id is None else _block(layout, block_id)
    line = block.lines.pop(idx)
    target.lines.insert(max(0, min(index, len(target.lines))), line)
    if not block.lines and block is not target:
        layout.blocks.remove(block)
    _refit_block(target)


def move_block(layout: PageLayout, block_id: str, index: int) -> None:
    """Move a block to position ``index`` in the page's reading order."""
    block = _block(layout, block_id)
    layout.blocks.remove(block)
    layout.blocks.insert(max(0, min(index, len(layout.blocks))), block)


def layout_step(action: str, agent: str = "", **parameters: Any) -> ProcessingStep:
    """The provenance record of a manual layout correction."""
    from . import __version__

    return ProcessingStep(action="correct", tool="digitizer.correction", tool_version=__version__,
                          parameters={"operation": action, **parameters}, agent=agent)


def commit_layout(store: Any, page_id: int, layout: PageLayout, action: str, **parameters: Any) -> list[str]:
    """Save a corrected layout (``store.update_layout``) in one transaction; every line whose text
    differs from its last saved version gets a new line version (state ``edited``) and the page
    state follows its lines (:func:`digitizer.workflow.settle`).  Refused on a reviewed or approved
    page.  Returns the ids of the lines whose text changed."""
    from . import workflow

    changed = []
    with store.transaction():
        workflow.check_lines_editable(store.get_page(page_id).status, page_id)
        store.update_layout(page_id, layout, layout_step(action, store.agent, **parameters))
        for ln in layout.lines():
            hist = store.line_history(page_id, ln.id)
            if not hist or hist[-1].text != ln.text:
                store.update_line_text(page_id, ln.id, ln.text, source="layout")
                changed.append(ln.id)
        workflow.settle(store, page_id)
    return changed


# --------------------------------------------------------------------------- find & replace


@dataclass
class Replacement:
    """One line a find & replace would change (the preview row)."""

    item_id: int
    page_id: int
    page_seq: int
    line_id: str
    old: str
    new: str
    count: int


def _matcher(pattern: str, *, regex: bool, case_sensitive: bool, whole_word: bool) -> re.Pattern[str]:
    expr = pattern if regex else re.escape(pattern)
    if whole_word:
        expr = rf"\b(?:{expr})\b"
    try:
        return re.compile(expr, 0 if case_sensitive else re.IGNORECASE)
    except re.error as exc:
        from .errors import DigitizerError

        raise DigitizerError(f"invalid search pattern {pattern!r}: {exc}") from None


def find_replacements(store: Any, pattern: str, replacement: str | None = None, *, regex: bool = False,
                      case_sensitive: bool = True, whole_word: bool = False,
                      item_ids: Iterable[int] | None = None) -> list[Replacement]:
    """Every line of the project (or of ``item_ids``) where ``pattern`` occurs, with the text it
    would get (``replacement=None``: find only, ``new == old``).  Nothing is written."""
    if not pattern:
        return []
    rx = _matcher(pattern, regex=regex, case_sensitive=case_sensitive, whole_word=whole_word)
    wanted = set(item_ids) if item_ids is not None else None
    out = []
    for item in store.items(with_pages=False):
        if wanted is not None and item.id not in wanted:
            continue
        for page in store.pages(item.id):
            layout = store.load_layout(page.id)
            for ln in layout.lines() if layout else []:
                new, n = (rx.subn(replacement if regex else replacement.replace("\\", "\\\\"), ln.text)
                          if replacement is not None else (ln.text, len(rx.findall(ln.text))))
                if n:
                    out.append(Replacement(item.id, page.id, page.seq, ln.id, ln.text, new, n))
    return out


def apply_replacements(store: Any, replacements: Sequence[Replacement], *, cancel: Any = None,
                       progress: Any = None) -> tuple[int, list[Replacement]]:
    """Save each previewed change through :func:`digitizer.workflow.set_text` (one line version each).

    A line whose text changed since the preview, or whose page is reviewed/approved, is skipped.
    Returns ``(applied, skipped)``."""
    from .errors import DigitizerError
    from .workflow import set_text

    applied, skipped = 0, []
    if progress is not None:
        progress.start(len(replacements), "replace")
    for rep in replacements:
        if cancel is not None:
            cancel.check()
        layout = store.load_layout(rep.page_id)
        line = layout.find_line(rep.line_id) if layout else None
        if line is None or line.text != rep.old:
            skipped.append(rep)
        elif rep.new != rep.old:
            try:
                set_text(store, rep.page_id, rep.line_id, rep.new)
                applied += 1
            except DigitizerError:
                skipped.append(rep)
        if progress is not None:
            progress.advance(1)
    if progress is not None:
        progress.finish()
    return applied, skipped


# --------------------------------------------------------------------------- low-confidence navigation


@dataclass(frozen=True)
class Position:
    """A place in a set of pages: ``page`` (any key, e.g. a page id), line id, word index
    (``None`` when the line has no words and the line itself is meant)."""

    page: Hashable
    line_id: str
    word: int | None = None
    confidence: float | None = None


def low_confidence_positions(layout: PageLayout, threshold: float, page: Hashable = None) -> list[Position]:
    """Words under ``threshold`` in reading order; lines without words count by their own confidence."""
    out = []
    for ln in layout.lines():
        if ln.words:
            out.extend(Position(page, ln.id, i, w.confidence) for i, w in enumerate(ln.words)
                       if w.confidence is not None and w.confidence < threshold)
        elif ln.confidence is not None and ln.confidence < threshold:
            out.append(Position(page, ln.id, None, ln.confidence))
    return out


def next_low_confidence(layouts: PageLayout | Sequence[tuple[Hashable, PageLayout | None]], threshold: float,
                        after: Position | None = None, *, wrap: bool = False) -> Position | None:
    """The first low-confidence word (or line) strictly after ``after`` in page/reading order.

    ``layouts`` is one layout or ``[(page_key, layout), ...]`` in page order (e.g. a whole item).
    ``after=None`` starts at the beginning; ``wrap`` continues from the start when nothing follows."""
    pages = [(None, layouts)] if isinstance(layouts, PageLayout) else list(layouts)
    order: list[tuple[Hashable, list[str]]] = [(k, [ln.id for ln in lay.lines()]) for k, lay in pages if lay]
    hits = [p for k, lay in pages if lay for p in low_confidence_positions(lay, threshold, k)]
    if not hits:
        return None
    if after is None:
        return hits[0]
    rank = {(k, lid): (pi, li) for pi, (k, ids) in enumerate(order) for li, lid in enumerate(ids)}
    page_rank = {k: pi for pi, (k, _) in enumerate(order)}

    def key(p: Position) -> tuple[int, int, int]:
        pi, li = rank.get((p.page, p.line_id), (page_rank.get(p.page, -1), -1))
        return (pi, li, -1 if p.word is None else p.word)

    here = key(after)
    for p in hits:
        if key(p) > here:
            return p
    return hits[0] if wrap else None


def low_confidence_spans(text: str, line: Line, threshold: float) -> list[tuple[int, int]]:
    """Character spans in ``text`` (the line being edited) of words still under ``threshold``.

    Tokens are matched to ``line.words`` by position while the word count is unchanged; a token
    the user changed is no longer flagged.  Without words, the whole line is flagged when its own
    confidence is low."""
    tokens = [(m.start(), m.end(), m.group()) for m in re.finditer(r"\S+", text)]
    if not line.words:
        low = line.confidence is not None and line.confidence < threshold and tokens
        return [(tokens[0][0], tokens[-1][1])] if low else []
    if len(tokens) != len(line.words):
        return []
    return [(s, e) for (s, e, tok), w in zip(tokens, line.words)
            if w.confidence is not None and w.confidence < threshold and tok == w.text]
