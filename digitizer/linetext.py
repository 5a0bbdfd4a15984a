"""Putting a person's text into a :class:`~digitizer.model.Line` (a base module: the store and the
correction tools both use it).

The text is kept exactly as typed: no-break spaces (U+00A0) and leading/trailing spaces survive.
Words are the runs between ASCII whitespace, so a no-break space stays inside its word.
"""

from __future__ import annotations

import re
from dataclasses import replace

from .model import BBox, Line, Word
from .tags import remap

_WORD_SEP = re.compile(r"[ \t\r\n]+")


def tokens(text: str) -> list[str]:
    """The words of ``text``: split on ASCII whitespace only (a no-break space joins two parts)."""
    return [t for t in _WORD_SEP.split(text) if t]


def split_words(text: str, box: BBox) -> list[Word]:
    """Words for ``text`` with boxes spread along ``box`` in proportion to their length (incl. one space)."""
    toks = tokens(text)
    if not toks:
        return []
    total = sum(len(t) for t in toks) + (len(toks) - 1)
    unit = box.width / max(total, 1)
    words, pos = [], 0
    for tok in toks:
        x0 = box.x0 + int(round(pos * unit))
        x1 = max(x0 + 1, box.x0 + int(round((pos + len(tok)) * unit)))
        words.append(Word(text=tok, bbox=BBox(x0, box.y0, min(x1, max(box.x1, x0 + 1)), box.y1)))
        pos += len(tok) + 1
    return words


def set_line_text(line: Line, text: str) -> None:
    """Replace a line's text by a human correction, keeping word geometry where it still fits.

    Same number of words: boxes are kept, changed words get confidence 1.0 (verified by a person).
    Otherwise words are re-derived along the line box.  Line confidence becomes the words' mean.
    Tags follow their characters (:func:`digitizer.tags.remap`).
    ``line.text`` becomes ``text`` exactly (spaces and no-break spaces included).
    """
    toks = tokens(text)
    if len(toks) == len(line.words):
        for w, tok in zip(line.words, toks):
            if w.text != tok:
                w.text, w.confidence, w.char_confidences = tok, 1.0, None
    else:
        line.words = split_words(text, line.bbox)
        for i, w in enumerate(line.words):
            w.id = f"{line.id}_w{i + 1}"
            w.confidence = 1.0
    line.tags = remap(line.tags, line.text, text)
    line.text = text
    confs = [w.confidence for w in line.words if w.confidence is not None]
    line.confidence = sum(confs) / len(confs) if confs else None
    line.hyphenated = bool(toks) and line.hyphenated and toks[-1][-1:] in "-\u00ad¬⸗"


def _map_box(box: BBox, old: BBox, new: BBox) -> BBox:
    """``box`` moved and scaled by the map that takes box ``old`` onto box ``new``, kept inside ``new``."""
    sx = new.width / old.width if old.width else 1.0
    sy = new.height / old.height if old.height else 1.0
    x0, x1 = (min(max(round(new.x0 + (x - old.x0) * sx), new.x0), new.x1) for x in (box.x0, box.x1))
    y0, y1 = (min(max(round(new.y0 + (y - old.y0) * sy), new.y0), new.y1) for y in (box.y0, box.y1))
    return BBox(x0, y0, max(x0, x1), max(y0, y1))


def in_geometry(version: Line, current: Line) -> Line:
    """A stored version of a line (text, words, confidences, tags) placed in the line's *current*
    geometry (box, outline, baseline): what restoring an older version brings back, so that a restore
    (or the GUI's undo of a text edit) never undoes a move, resize, outline or baseline edit made
    since.  When the boxes differ, each word box goes through the map that takes the version's line
    box onto the current one (a move shifts it, a resize scales it) and is kept inside the line."""
    words = [replace(w, bbox=_map_box(w.bbox, version.bbox, current.bbox) if version.bbox != current.bbox
                     else w.bbox) for w in version.words]
    return replace(version, bbox=current.bbox, words=words,
                   polygon=list(current.polygon) if current.polygon is not None else None,
                   baseline=list(current.baseline) if current.baseline is not None else None)
