"""Which words, lines and image areas of a page a set of restrictions hits.

Text is compared in a *folded* form: Unicode NFKD without combining marks, case-folded
(``Zürich``, ``ZURICH`` and ``zurich`` are equal).  A page is read as one stream of words in reading
order; a word hyphenated at a line end (``Kowal-`` / ``ski``) is joined with the first word of the
next line, so a restriction hits both parts.  Words are compared whole, so a restricted word inside
a longer word (``Anna`` in ``Annalen``) is not hit, but a part of a compound joined by a hyphen or an
apostrophe is (``Kowalski-Nowak``, ``beau-frère``, ``d'Anna``: the whole compound is removed); ``fuzzy`` allows that many edits per word (for
OCR errors) in words of four or more letters.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Iterable

from ..correction import split_words, word_spans
from ..model import BBox, Line, PageLayout, Word
from .rules import Restriction

HYPHENS = "-\u00ad¬⸗\u2010"
_EDGE = re.compile(r"^[\W_]+|[\W_]+$")


def fold(text: str) -> str:
    """Case- and diacritics-insensitive form of ``text`` (NFKD, combining marks dropped, casefold)."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def fold_word(text: str) -> str:
    """:func:`fold` without punctuation at either end (``"Kowalski,"`` -> ``kowalski``)."""
    return _EDGE.sub("", fold(text))


def edit_distance(a: str, b: str, limit: int) -> int:
    """Levenshtein distance, stopping early once it exceeds ``limit``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        if min(cur) > limit:
            return limit + 1
        prev = cur
    return prev[-1]


def line_words(line: Line) -> list[Word]:
    """The line's words when they still match its text, else words spread along the line box."""
    if line.words and word_spans(line):
        return line.words
    words = split_words(line.text, line.bbox)
    for i, w in enumerate(words, 1):
        w.id = f"{line.id}_w{i}"
    return words


@dataclass
class Token:
    """One logical word of the page; ``parts`` are ``(line id, word index)`` (two for a hyphenated word)."""

    text: str
    folded: str
    parts: list[tuple[str, int]]


def _continued(text: str, *, last: bool, alone: bool) -> str | None:
    """The start of a word that goes on at the next line: a hyphenated line end (``Kowal-``, ``Aufklaͤ-``)
    or a drop initial alone on its line (``A`` / ``ufklärung``); else None."""
    if last and len(text) > 1 and text[-1] in HYPHENS and (text[-2].isalpha() or unicodedata.combining(text[-2])):
        return text[:-1]
    if alone and len(text) == 1 and text.isupper():
        return text
    return None


def page_tokens(layout: PageLayout) -> tuple[list[Token], dict[str, list[Word]]]:
    """The page's words in reading order (hyphenated words and drop initials joined) and each line's words."""
    words = {ln.id: line_words(ln) for ln in layout.lines()}
    tokens: list[Token] = []
    carry: tuple[str, list[tuple[str, int]]] | None = None
    for ln in layout.lines():
        ws = words[ln.id]
        for i, w in enumerate(ws):
            text, parts = w.text, [(ln.id, i)]
            if carry is not None:
                text, parts, carry = carry[0] + text, carry[1] + parts, None
            head = _continued(text, last=i == len(ws) - 1, alone=len(ws) == 1)
            if head is not None:
                carry = (head, parts)
                continue
            tokens.append(Token(text, fold_word(text), parts))
        if carry is not None and not ws:
            carry = None
    if carry is not None:
        tokens.append(Token(carry[0], fold_word(carry[0]), carry[1]))
    return tokens, words


def _word_equal(token: str, target: str, fuzzy: int) -> bool:
    if token == target:
        return True
    if target in re.split(r"[-'’‐]", token):      # Kowalski's, Kowalski-Nowak, beau-frère, d'Anna
        return True
    return fuzzy > 0 and len(target) >= 4 and edit_distance(token, target, fuzzy) <= fuzzy


def text_hits(tokens: list[Token], words: str, fuzzy: int = 0) -> list[list[Token]]:
    """Every run of tokens equal to ``words`` (folded, word by word)."""
    target = [fold_word(w) for w in words.split() if fold_word(w)]
    if not target:
        return []
    hits = []
    for i in range(len(tokens) - len(target) + 1):
        run = tokens[i:i + len(target)]
        if all(_word_equal(t.folded, w, fuzzy) for t, w in zip(run, target)):
            hits.append(run)
    return hits


def regex_hits(tokens: list[Token], pattern: str) -> list[list[Token]]:
    """Tokens overlapping each match of ``pattern`` (case-insensitive) in the page text (words joined by
    single spaces, hyphenated words joined)."""
    offsets, pos = [], 0
    for t in tokens:
        offsets.append(pos)
        pos += len(t.text) + 1
    text = " ".join(t.text for t in tokens)
    hits = []
    for m in re.finditer(pattern, text, re.IGNORECASE):
        if m.end() > m.start():
            hits.append([t for t, o in zip(tokens, offsets) if o < m.end() and o + len(t.text) > m.start()])
    return hits


def redact_string(value: str, restrictions: Iterable[Restriction]) -> str:
    """``value`` without the words that text/regex ``restrictions`` hit (for metadata fields)."""
    tokens = [Token(w, fold_word(w), [("", i)]) for i, w in enumerate(value.split())]
    hit: set[int] = set()
    for r in restrictions:
        if r.scope in ("text", "regex"):
            runs = text_hits(tokens, r.target, r.fuzzy) if r.scope == "text" else regex_hits(tokens, r.target)
            hit |= {t.parts[0][1] for run in runs for t in run}
    if not hit:
        return value
    return " ".join(t.text for i, t in enumerate(tokens) if i not in hit)


@dataclass
class PageHits:
    """What the restrictions hit on one page."""

    withheld: Restriction | None = None                      # page or item restriction
    words: dict[tuple[str, int], Restriction] = field(default_factory=dict)
    lines: dict[str, Restriction] = field(default_factory=dict)   # whole lines (line/region restrictions)
    blocks: set[str] = field(default_factory=set)             # whole regions
    strings: set[str] = field(default_factory=set)            # folded restricted strings, for the leak check
    boxes: list[BBox] = field(default_factory=list)           # image areas to burn, master pixels

    @property
    def empty(self) -> bool:
        return self.withheld is None and not self.words and not self.lines


def _ids(target: str) -> set[str]:
    return {t.strip() for t in target.split(",") if t.strip()}


def _apply_layout_scope(r: Restriction, layout: PageLayout, words: dict[str, list[Word]], hits: PageHits) -> None:
    ids = _ids(r.target)
    for block in layout.blocks:
        whole = r.scope == "region" and block.id in ids
        if whole:
            hits.blocks.add(block.id)
        for ln in block.lines:
            if whole or (r.scope == "line" and ln.id in ids):
                hits.lines[ln.id] = r
            elif r.scope == "word":
                for i, w in enumerate(words[ln.id]):
                    if w.id in ids:
                        hits.words[(ln.id, i)] = r


def match_page(layout: PageLayout | None, restrictions: Iterable[Restriction], *, page_id: int,
               item_id: int) -> PageHits:
    """Apply the active ``restrictions`` to one page's layout."""
    hits = PageHits()
    rs = [r for r in restrictions if (r.page_id in (None, page_id)) and (r.item_id in (None, item_id))]
    for r in rs:
        if r.scope == "item" or (r.scope == "page" and r.page_id == page_id):
            hits.withheld = hits.withheld or r
    if layout is None:
        return hits
    tokens, words = page_tokens(layout)
    for r in rs:
        if r.scope in ("region", "line", "word") and r.page_id == page_id:
            _apply_layout_scope(r, layout, words, hits)
        elif r.scope in ("text", "regex"):
            runs = text_hits(tokens, r.target, r.fuzzy) if r.scope == "text" else regex_hits(tokens, r.target)
            for run in runs:
                hits.strings.add(" ".join(t.folded for t in run))
                for t in run:
                    for part in t.parts:
                        hits.words[part] = r
            if r.scope == "text":
                hits.strings.add(" ".join(fold_word(w) for w in r.target.split()))
    _whole_tokens(tokens, hits)
    _collect(layout, words, hits)
    return hits


def _whole_tokens(tokens: list[Token], hits: PageHits) -> None:
    """A word hyphenated over two lines is hit as a whole when either part is (a selected word, a line)."""
    for t in tokens:
        if len(t.parts) < 2:
            continue
        r = next((hits.words.get(p) or hits.lines.get(p[0]) for p in t.parts
                  if hits.words.get(p) or hits.lines.get(p[0])), None)
        if r is not None:
            for p in t.parts:
                if p[0] not in hits.lines:
                    hits.words.setdefault(p, r)


def line_string(text: str) -> str:
    """The folded text of a whole restricted line, for the leak check; ``""`` when it is too short to tell
    apart from ordinary text elsewhere (under two words or 12 characters, e.g. a page number)."""
    folded = " ".join(fold(text).split())
    return folded if len(folded) >= 12 and " " in folded else ""


def _estimate_slack(line: Line, words: list[Word]) -> int:
    """Pixels to add on each side of a word box spread along the line (no word geometry from the engine):
    one and a half average character widths, since the ink may sit a little left or right of the estimate."""
    if words is line.words:
        return 0
    return round(1.5 * line.bbox.width / max(len(line.text), 1))


def _collect(layout: PageLayout, words: dict[str, list[Word]], hits: PageHits) -> None:
    """Boxes to burn and strings to search for, from the hit lines and words."""
    for ln in layout.lines():
        if ln.id in hits.lines:
            hits.boxes.append(BBox.from_points(ln.polygon) if ln.polygon else ln.bbox)
            hits.strings.add(line_string(ln.text))
        slack = _estimate_slack(ln, words[ln.id])
        for i, w in enumerate(words[ln.id]):
            if (ln.id, i) in hits.words and ln.id not in hits.lines:
                b = w.bbox
                hits.boxes.append(BBox(max(ln.bbox.x0, b.x0 - slack), b.y0, max(min(ln.bbox.x1, b.x1 + slack), b.x0),
                                       b.y1))
                if hits.words[(ln.id, i)].scope == "word" and fold_word(w.text):
                    hits.strings.add(fold_word(w.text).rstrip(HYPHENS))
    hits.boxes += [b.bbox for b in layout.blocks if b.id in hits.blocks]
    hits.strings.discard("")
