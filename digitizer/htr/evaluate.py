"""CER / WER with standard Levenshtein edit distance, raw and normalised, per line/page/item/category.

Definitions (the usual ones, e.g. ocrevalUAtion, dinglehopper, jiwer):

* ``CER = (S + D + I) / N`` over Unicode code points of the reference, where S, D, I are the
  substitutions, deletions and insertions of a minimal alignment and N the reference length.
  ``WER`` is the same over whitespace-separated words.  Values can exceed 1 (many insertions).
* An empty reference (nothing to read) gives rate ``errors / 1``: 0 when the hypothesis is empty
  too, else the number of inserted characters (words).  Totals are **micro averages**: sum of
  errors / sum of reference lengths, so one empty line cannot dominate a page.
* Line pairing, never by index alone: by position when both sides have line boxes (each GT line
  with the hypothesis line it overlaps most, intersection over union >= ``MIN_IOU``, greedily
  from the best overlap), else by a global alignment of the two line sequences (cost of pairing
  two lines = their edit distance, of leaving a line unpaired = its length); unpaired GT lines
  count as deleted, unpaired hypothesis lines as inserted.
* Page level: besides the per-line scores, each page gets a CER/WER of its whole text in reading
  order (lines joined by newlines), which also counts lines read in the wrong order.
* Blank lines are ignored in both; ``raw`` only strips line ends and collapses runs of spaces.
"""

from __future__ import annotations

import string
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Sequence, TypeVar

T = TypeVar("T")
Box = tuple[float, float, float, float]          # x0, y0, x1, y1
MIN_IOU = 0.2

HISTORICAL = {"ſ": "s", "ꝛ": "r", "ﬅ": "st", "ﬆ": "st", "ꝰ": "us", "ꝯ": "con"}
COMBINING_E = "\u0364"
UMLAUT = {"a": "ä", "o": "ö", "u": "ü", "A": "Ä", "O": "Ö", "U": "Ü"}


# ---------------------------------------------------------------------- edit distance


def align(ref: Sequence[T], hyp: Sequence[T]) -> list[tuple[str, T | None, T | None]]:
    """Minimal Levenshtein alignment: ``(op, ref_item, hyp_item)`` with op in match/sub/del/ins."""
    n, m = len(ref), len(hyp)
    prev = list(range(m + 1))
    rows = [prev]
    for i in range(1, n + 1):
        cur = [i] + [0] * m
        ri = ref[i - 1]
        for j in range(1, m + 1):
            cost = 0 if ri == hyp[j - 1] else 1
            cur[j] = min(prev[j - 1] + cost, prev[j] + 1, cur[j - 1] + 1)
        rows.append(cur)
        prev = cur
    ops: list[tuple[str, T | None, T | None]] = []
    i, j = n, m
    while i > 0 or j > 0:
        if i > 0 and j > 0 and rows[i][j] == rows[i - 1][j - 1] + (0 if ref[i - 1] == hyp[j - 1] else 1):
            ops.append(("match" if ref[i - 1] == hyp[j - 1] else "sub", ref[i - 1], hyp[j - 1]))
            i, j = i - 1, j - 1
        elif i > 0 and rows[i][j] == rows[i - 1][j] + 1:
            ops.append(("del", ref[i - 1], None))
            i -= 1
        else:
            ops.append(("ins", None, hyp[j - 1]))
            j -= 1
    ops.reverse()
    return ops


def distance(ref: Sequence[T], hyp: Sequence[T]) -> int:
    """Levenshtein distance (two-row DP)."""
    if len(ref) < len(hyp):
        ref, hyp = hyp, ref
    prev = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        cur = [i]
        for j, h in enumerate(hyp, 1):
            cur.append(min(prev[j - 1] + (r != h), prev[j] + 1, cur[j - 1] + 1))
        prev = cur
    return prev[-1]


def cer(ref: str, hyp: str) -> float:
    """Character error rate of one string pair (see the module docstring for empty references)."""
    return _rate(distance(ref, hyp), len(ref))


def wer(ref: str, hyp: str) -> float:
    r, h = ref.split(), hyp.split()
    return _rate(distance(r, h), len(r))


# ---------------------------------------------------------------------- normalisation


@dataclass(frozen=True)
class Normalization:
    """How texts are normalised before comparison; ``name`` labels the result columns."""

    name: str = "raw"
    form: str | None = None           # None | NFC | NFD | NFKC | NFKD
    casefold: bool = False
    no_punct: bool = False
    historical: bool = False          # ſ->s, combining e above -> umlaut, a few ligatures
    transcription: bool = False       # the HTR training normalisation (digitizer.htr.normalize) first

    def __call__(self, text: str) -> str:
        if self.transcription:
            from .normalize import transcription

            text = transcription(text)
        if self.historical:
            text = historical_normalize(text)
        if self.form:
            text = unicodedata.normalize(self.form, text)
        if self.casefold:
            text = text.casefold()
        if self.no_punct:
            text = "".join(c for c in text if not unicodedata.category(c).startswith("P")
                           and c not in string.punctuation)
        return " ".join(text.split())


RAW = Normalization("raw")
# the one normalisation HTR models are trained on (digitizer.htr.normalize), then NFKC, case and
# punctuation folded: what docs/htr.md reports as "normalised CER"
HTR = Normalization("htr-norm-1+NFKC+casefold+nopunct", "NFKC", True, True, False, True)


def historical_normalize(text: str) -> str:
    """ſ->s and other historical glyphs; vowel + U+0364 (combining e above) -> umlaut."""
    text = unicodedata.normalize("NFD", text)
    out: list[str] = []
    for c in text:
        if c == COMBINING_E and out and out[-1] in UMLAUT:
            out[-1] = UMLAUT[out[-1]]
            continue
        out.append(HISTORICAL.get(c, c))
    return unicodedata.normalize("NFC", "".join(out))


def normalization_from_options(form: str | None = None, casefold: bool = False, no_punct: bool = False,
                               historical: bool = False) -> Normalization:
    if form == "htr":
        return HTR
    parts = [p for p in ((form or "").upper(), "casefold" if casefold else "", "nopunct" if no_punct else "",
                         "historical" if historical else "") if p]
    return Normalization("+".join(parts) or "raw", (form or "").upper() or None, casefold, no_punct, historical)


# ---------------------------------------------------------------------- scores


@dataclass
class Counts:
    char_errors: int = 0
    ref_chars: int = 0
    word_errors: int = 0
    ref_words: int = 0
    lines: int = 0

    def add(self, other: Counts) -> None:
        self.char_errors += other.char_errors
        self.ref_chars += other.ref_chars
        self.word_errors += other.word_errors
        self.ref_words += other.ref_words
        self.lines += other.lines

    @property
    def cer(self) -> float:
        return _rate(self.char_errors, self.ref_chars)

    @property
    def wer(self) -> float:
        return _rate(self.word_errors, self.ref_words)

    def to_dict(self) -> dict[str, object]:
        return {"cer": self.cer, "wer": self.wer, "char_errors": self.char_errors, "ref_chars": self.ref_chars,
                "word_errors": self.word_errors, "ref_words": self.ref_words, "lines": self.lines}


def _rate(errors: int, n: int) -> float:
    return errors / n if n else float(errors)


@dataclass
class LineScore:
    ref: str
    hyp: str
    counts: Counts
    index: int = -1            # GT line index, -1 for an inserted hypothesis line
    confusions: Counter = field(default_factory=Counter)


def score_line(ref: str, hyp: str, index: int = -1) -> LineScore:
    """Errors of one (already normalised) line pair, with its character confusions."""
    ops = align(ref, hyp)
    conf: Counter = Counter()
    errors = 0
    for op, r, h in ops:
        if op != "match":
            errors += 1
            conf[(r or "", h or "")] += 1
    rw, hw = ref.split(), hyp.split()
    c = Counts(errors, len(ref), distance(rw, hw), len(rw), 1)
    return LineScore(ref, hyp, c, index, conf)


def pair_lines(refs: Sequence[str], hyps: Sequence[str], ref_boxes: Sequence[Box | None] | None = None,
               hyp_boxes: Sequence[Box | None] | None = None) -> list[tuple[int, int]]:
    """Pairs ``(ref_index, hyp_index)``; -1 marks an unpaired side (see module docstring)."""
    if _all_boxes(ref_boxes, len(refs)) and _all_boxes(hyp_boxes, len(hyps)):
        return pair_by_overlap(ref_boxes, hyp_boxes)    # type: ignore[arg-type]
    return pair_by_alignment(refs, hyps)


def _all_boxes(boxes: Sequence[Box | None] | None, n: int) -> bool:
    return boxes is not None and len(boxes) == n and n > 0 and all(b is not None for b in boxes)


def iou(a: Box, b: Box) -> float:
    """Intersection over union of two boxes."""
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    if w <= 0 or h <= 0:
        return 0.0
    inter = w * h
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def pair_by_overlap(ref_boxes: Sequence[Box], hyp_boxes: Sequence[Box]) -> list[tuple[int, int]]:
    """Greedy one-to-one pairing by box overlap (best IoU first, at least ``MIN_IOU``), GT order."""
    cands = sorted(((iou(r, h), i, j) for i, r in enumerate(ref_boxes) for j, h in enumerate(hyp_boxes)),
                   reverse=True)
    ref_to_hyp: dict[int, int] = {}
    used: set[int] = set()
    for v, i, j in cands:
        if v < MIN_IOU:
            break
        if i not in ref_to_hyp and j not in used:
            ref_to_hyp[i] = j
            used.add(j)
    out = [(i, ref_to_hyp.get(i, -1)) for i in range(len(ref_boxes))]
    return out + [(-1, j) for j in range(len(hyp_boxes)) if j not in used]


def pair_by_alignment(refs: Sequence[str], hyps: Sequence[str]) -> list[tuple[int, int]]:
    """Global alignment of the two line sequences (pair cost = edit distance, unpaired = length)."""
    n, m = len(refs), len(hyps)
    inf = float("inf")
    cost = [[inf] * (m + 1) for _ in range(n + 1)]
    back: list[list[str]] = [[""] * (m + 1) for _ in range(n + 1)]
    cost[0][0] = 0
    for i in range(n + 1):
        for j in range(m + 1):
            if i and cost[i - 1][j] + len(refs[i - 1]) < cost[i][j]:
                cost[i][j], back[i][j] = cost[i - 1][j] + len(refs[i - 1]), "del"
            if j and cost[i][j - 1] + len(hyps[j - 1]) < cost[i][j]:
                cost[i][j], back[i][j] = cost[i][j - 1] + len(hyps[j - 1]), "ins"
            if i and j:
                c = cost[i - 1][j - 1] + distance(refs[i - 1], hyps[j - 1])
                if c < cost[i][j]:
                    cost[i][j], back[i][j] = c, "pair"
    out: list[tuple[int, int]] = []
    i, j = n, m
    while i or j:
        b = back[i][j]
        if b == "pair":
            out.append((i - 1, j - 1))
            i, j = i - 1, j - 1
        elif b == "del":
            out.append((i - 1, -1))
            i -= 1
        else:
            out.append((-1, j - 1))
            j -= 1
    out.reverse()
    return out


def clean_lines(lines: Sequence[str]) -> list[str]:
    return [ln.strip("\r\n") for ln in lines if ln.strip()]


def _kept(lines: Sequence[str], boxes: Sequence[Box | None] | None,
          norm: Normalization) -> tuple[list[int], list[str], list[Box | None] | None]:
    """Indices, normalised texts and boxes of the non-blank lines."""
    texts = [norm(x.strip("\r\n")) if x.strip() else "" for x in lines]
    keep = [i for i, x in enumerate(texts) if x]
    kept_boxes = [boxes[i] for i in keep] if boxes is not None and len(boxes) == len(lines) else None
    return keep, [texts[i] for i in keep], kept_boxes


def score_page(refs: Sequence[str], hyps: Sequence[str], norm: Normalization = RAW,
               ref_boxes: Sequence[Box | None] | None = None,
               hyp_boxes: Sequence[Box | None] | None = None) -> list[LineScore]:
    """Normalise, pair (by position when both sides have boxes) and score the lines of one page."""
    r_keep, r, rb = _kept(refs, ref_boxes, norm)
    _, h, hb = _kept(hyps, hyp_boxes, norm)
    out = []
    for ri, hi in pair_lines(r, h, rb, hb):
        out.append(score_line(r[ri] if ri >= 0 else "", h[hi] if hi >= 0 else "", r_keep[ri] if ri >= 0 else -1))
    return out


def score_reading_order(refs: Sequence[str], hyps: Sequence[str], norm: Normalization = RAW) -> Counts:
    """Page-level errors of the whole text in reading order (non-blank lines joined by newlines)."""
    r = "\n".join(x for x in (norm(y) for y in clean_lines(refs)) if x)
    h = "\n".join(x for x in (norm(y) for y in clean_lines(hyps)) if x)
    rw, hw = r.split(), h.split()
    return Counts(distance(r, h), len(r), distance(rw, hw), len(rw), 1)


# ---------------------------------------------------------------------- many pages


@dataclass
class PageInput:
    key: str                     # page identifier (e.g. GT file stem)
    ref_lines: list[str]
    hyp_lines: list[str]
    item: str = ""
    category: str = ""
    ref_boxes: list[Box | None] | None = None    # per line, when known: pairing by position
    hyp_boxes: list[Box | None] | None = None


@dataclass
class PageResult:
    key: str
    item: str
    category: str
    norm: str
    lines: list[LineScore]
    totals: Counts
    reading_order: Counts = field(default_factory=Counts)    # whole page text in reading order


@dataclass
class EvalResult:
    norms: list[str]
    pages: list[PageResult]
    totals: dict[str, Counts]                       # norm -> micro total
    reading_order: dict[str, Counts] = field(default_factory=dict)   # norm -> page-level total
    by_item: dict[str, dict[str, Counts]] = field(default_factory=dict)   # norm -> item -> counts
    by_category: dict[str, dict[str, Counts]] = field(default_factory=dict)
    confusions: dict[str, Counter] = field(default_factory=dict)          # norm -> (ref, hyp) -> n

    def top_confusions(self, norm: str, n: int = 20) -> list[tuple[str, str, int]]:
        return [(r, h, c) for (r, h), c in self.confusions[norm].most_common(n)]

    def to_dict(self, top: int = 30) -> dict[str, object]:
        return {
            "definitions": "CER=(S+D+I)/N code points, WER over words; micro-averaged totals",
            "normalizations": self.norms,
            "totals": {k: v.to_dict() for k, v in self.totals.items()},
            "reading_order": {k: v.to_dict() for k, v in self.reading_order.items()},
            "by_item": {k: {i: c.to_dict() for i, c in v.items()} for k, v in self.by_item.items()},
            "by_category": {k: {i: c.to_dict() for i, c in v.items()} for k, v in self.by_category.items()},
            "confusions": {k: [{"ref": r, "hyp": h, "count": c} for r, h, c in self.top_confusions(k, top)]
                           for k in self.norms},
            "pages": [{"page": p.key, "item": p.item, "category": p.category, "normalization": p.norm,
                       **p.totals.to_dict(), "reading_order": p.reading_order.to_dict(),
                       "lines": [{"index": ls.index, "ref": ls.ref, "hyp": ls.hyp, **ls.counts.to_dict()}
                                 for ls in p.lines]} for p in self.pages],
        }


def evaluate(pages: Sequence[PageInput], norms: Sequence[Normalization] = (RAW,)) -> EvalResult:
    """Score every page under every normalisation; aggregate per item, category and overall."""
    res = EvalResult([n.name for n in norms], [], {})
    for norm in norms:
        tot, ro, items, cats, conf = Counts(), Counts(), {}, {}, Counter()
        for p in pages:
            scores = score_page(p.ref_lines, p.hyp_lines, norm, p.ref_boxes, p.hyp_boxes)
            pt = Counts()
            for s in scores:
                pt.add(s.counts)
                conf.update(s.confusions)
            page_ro = score_reading_order(p.ref_lines, p.hyp_lines, norm)
            res.pages.append(PageResult(p.key, p.item, p.category, norm.name, scores, pt, page_ro))
            tot.add(pt)
            ro.add(page_ro)
            items.setdefault(p.item, Counts()).add(pt)
            cats.setdefault(p.category, Counts()).add(pt)
        res.totals[norm.name], res.by_item[norm.name], res.by_category[norm.name] = tot, items, cats
        res.reading_order[norm.name] = ro
        res.confusions[norm.name] = conf
    return res


# ---------------------------------------------------------------------- file readers


def read_lines(path: str | Path) -> list[str]:
    """Text lines of a PAGE/ALTO file (in reading order) or of a plain-text file."""
    return read_lines_boxes(path)[0]


def read_lines_boxes(path: str | Path) -> tuple[list[str], list[Box | None] | None]:
    """Text lines and their boxes (PAGE/ALTO, in reading order); a text file has no boxes."""
    p = Path(path)
    if p.suffix.lower() == ".xml":
        from .xmlread import read_xml

        lines = read_xml(p).lines
        return [ln.text for ln in lines], [tuple(map(float, ln.bbox)) if ln.bbox else None for ln in lines]
    return clean_lines(p.read_text(encoding="utf-8").splitlines()), None


def page_key(path: str | Path) -> str:
    """Matching key of a GT/hypothesis file: the name without ``.gt``/``.txt``/``.xml`` and ``_ALTO``/``_PAGE``."""
    name = Path(path).name
    for suf in (".xml", ".txt", ".gt", ".hyp", ".pred"):
        if name.lower().endswith(suf):
            name = name[: -len(suf)]
    for suf in ("_ALTO", "_PAGE", ".alto", ".page"):
        if name.endswith(suf):
            name = name[: -len(suf)]
    return name


# ---------------------------------------------------------------------- two models on the same lines


@dataclass(frozen=True)
class Difference:
    """Model B's CER minus model A's on the *same* units (lines), with a confidence interval.

    ``diff`` < 0: B makes fewer errors.  ``low``/``high`` are None with fewer than two units.
    """

    cer_a: float
    cer_b: float
    diff: float
    low: float | None
    high: float | None
    units: int
    chars: int
    confidence: float

    @property
    def verdict(self) -> str:
        """``better`` / ``worse`` (B against A: the whole interval on one side of 0),
        ``same`` (no unit differs) or ``no clear difference``."""
        if self.low is not None and self.high is not None:
            if self.low == self.high == self.diff == 0:
                return "same"
            if self.high < 0:
                return "better"
            if self.low > 0:
                return "worse"
        return "no clear difference"

    def to_dict(self) -> dict[str, object]:
        return {"cer_a": self.cer_a, "cer_b": self.cer_b, "diff": self.diff, "low": self.low, "high": self.high,
                "units": self.units, "chars": self.chars, "confidence": self.confidence, "verdict": self.verdict}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Difference:
        """The inverse of :meth:`to_dict` (a sidecar's or an event's ``difference``; ``verdict`` is recomputed)."""
        return cls(cer_a=d["cer_a"], cer_b=d["cer_b"], diff=d["diff"], low=d.get("low"), high=d.get("high"),
                   units=d["units"], chars=d.get("chars", 0), confidence=d.get("confidence", 0.95))

    def describe(self, unit: str = "line", *, per_unit: bool = False,
                 verdicts: Mapping[str, str] | None = None) -> str:
        """In words, the one wording for the CLI, the GUI and the benchmarks:
        ``-4.20 points (95% interval -7.01 to -1.39, 30 lines): better``; ``per_unit`` says what a
        point is counted over (``points per page``); ``verdicts`` maps :attr:`verdict` to other words."""
        words = (verdicts or {}).get(self.verdict, self.verdict)
        points = f"{self.diff * 100:+.2f} points" + (f" per {unit}" if per_unit else "")
        if self.low is None or self.high is None:
            return f"{points} (too few {unit}s for an interval): {words}"
        return (f"{points} ({self.confidence:.0%} interval {self.low * 100:+.2f} to {self.high * 100:+.2f}, "
                f"{self.units} {unit}s): {words}")


def paired_difference(units: Sequence[tuple[int, int, int]], confidence: float = 0.95) -> Difference:
    """CER of B minus CER of A on the same units, ``units`` = (reference characters, errors of A,
    errors of B) per line, with a ``confidence`` interval that treats the *units* as the sample.

    Errors cluster in lines (one bad line carries many), so characters are not independent trials.
    The difference of two ratios with one denominator is itself a ratio ``D = sum d_i / sum c_i``
    (``d_i = b_i - a_i``); its linearisation variance over ``n`` units drawn with replacement is
    ``n/(n-1) * sum (d_i - D c_i)^2 / (sum c_i)^2``, and the interval is ``D +- t(n-1) * sqrt(v)``
    (Student's t: two held-back pages give few lines and an honest, wide interval).  Lines of one
    page share a hand, so the interval is about *these* pages' hands, not a collection's.
    """
    n = len(units)
    chars = sum(c for c, _, _ in units)
    x = max(1, chars)
    ea, eb = sum(a for _, a, _ in units), sum(b for _, _, b in units)
    d = (eb - ea) / x
    low = high = None
    if n >= 2:
        var = n / (n - 1) * sum(((b - a) - d * c) ** 2 for c, a, b in units) / (x * x)
        from scipy.stats import t    # scipy comes with kraken

        half = float(t.ppf(1 - (1 - confidence) / 2, n - 1)) * var ** 0.5
        low, high = d - half, d + half
    return Difference(cer_a=ea / x, cer_b=eb / x, diff=d, low=low, high=high, units=n, chars=chars,
                      confidence=confidence)


def paired_units(base: EvalResult, other: EvalResult, unit: str = "line",
                 norm: str = "raw") -> list[tuple[int, int, int]]:
    """``(reference characters, errors of base, errors of other)`` per unit both scored: ``"line"``
    = GT lines (hypothesis lines that pair with no GT line left out), ``"page"`` = pages
    (everything, inserted lines included).  Units of several results can be pooled."""
    def lines(res: EvalResult) -> dict[object, tuple[int, int]]:
        return {(p.key, ls.index): (ls.counts.ref_chars, ls.counts.char_errors)
                for p in res.pages if p.norm == norm for ls in p.lines if ls.index >= 0}

    def pages(res: EvalResult) -> dict[object, tuple[int, int]]:
        return {p.key: (p.totals.ref_chars, p.totals.char_errors) for p in res.pages if p.norm == norm}

    units = lines if unit == "line" else pages
    a, b = units(base), units(other)
    return [(a[k][0], a[k][1], b[k][1]) for k in a if k in b]


def compare(base: EvalResult, other: EvalResult, norm: str = "raw",
            confidence: float = 0.95) -> dict[str, Difference]:
    """``other``'s CER minus ``base``'s on the same ground truth, as :func:`paired_difference`:
    ``"line"`` over the GT lines both scored and ``"page"`` over the pages (:func:`paired_units`)."""
    return {unit: paired_difference(paired_units(base, other, unit, norm), confidence) for unit in ("line", "page")}
