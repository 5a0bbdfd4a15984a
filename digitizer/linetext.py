"""Putting a person's text into a :class:`~digitizer.model.Line` (a base module: the store and the
correction tools both use it).

The text is kept exactly as typed: no-break spaces (U+00A0) and leading/trailing spaces survive.
Words are the runs between ASCII whitespace, so a no-break space stays inside its word.
"""

from __future__ import annotations

import re

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
