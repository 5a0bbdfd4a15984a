"""Text and layout correction on the document model (used by the store, the GUI and the CLI)."""

from __future__ import annotations

from .model import BBox, Line, Word


def split_words(text: str, box: BBox) -> list[Word]:
    """Words for ``text`` with boxes spread along ``box`` in proportion to their length (incl. one space)."""
    tokens = text.split()
    if not tokens:
        return []
    total = sum(len(t) for t in tokens) + (len(tokens) - 1)
    unit = box.width / max(total, 1)
    words, pos = [], 0
    for tok in tokens:
        x0 = box.x0 + int(round(pos * unit))
        x1 = max(x0 + 1, box.x0 + int(round((pos + len(tok)) * unit)))
        words.append(Word(text=tok, bbox=BBox(x0, box.y0, min(x1, max(box.x1, x0 + 1)), box.y1)))
        pos += len(tok) + 1
    return words


def set_line_text(line: Line, text: str) -> None:
    """Replace a line's text by a human correction, keeping word geometry where it still fits.

    Same number of words: boxes are kept, changed words get confidence 1.0 (verified by a person).
    Otherwise words are re-derived along the line box.  Line confidence becomes the words' mean.
    """
    text = " ".join(text.split())
    tokens = text.split()
    if len(tokens) == len(line.words):
        for w, tok in zip(line.words, tokens):
            if w.text != tok:
                w.text, w.confidence, w.char_confidences = tok, 1.0, None
    else:
        line.words = split_words(text, line.bbox)
        for i, w in enumerate(line.words):
            w.id = f"{line.id}_w{i + 1}"
            w.confidence = 1.0
    line.text = text
    confs = [w.confidence for w in line.words if w.confidence is not None]
    line.confidence = sum(confs) / len(confs) if confs else None
    line.hyphenated = bool(tokens) and line.hyphenated and tokens[-1][-1:] in "-\u00ad¬⸗"
