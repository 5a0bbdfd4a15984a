"""A character n-gram language model and a CTC beam search that uses it.

kraken decodes a line greedily: the most probable character at every frame, repeats merged,
blanks removed.  A weak handwriting model then writes letter strings no French writer would
("Mpe le", "doasdens"); a character language model trained on transcriptions of the same period
prefers the readings that look like the language when the network hesitates between a few
characters.  This is what Transkribus and PyLaia call "language model" decoding; here it is a
small, dependency-free version:

* :class:`CharLM`: an order-``n`` character model with Witten-Bell interpolation, trained on the
  line transcriptions of the training set (never on evaluation pages), stored as gzip'd JSON
  next to the recognition model (``NAME.charlm.json.gz``).
* :func:`beam_decode`: CTC prefix beam search (Hannun et al. 2014) over the network's softmax
  output, scoring ``log P_ctc + alpha * log P_lm + beta * length``; it returns kraken's decoder
  format ``[(label, start_frame, end_frame, confidence), ...]``, so kraken's character positions,
  word boxes and confidences keep working.  :func:`kraken_decoder` wraps it for
  ``RecognitionInferenceConfig(decoder=...)``.
"""

from __future__ import annotations

import gzip
import heapq
import json
import math
from collections import defaultdict
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

BOS, EOS = "\x02", "\x03"
FORMAT = "digitizer-charlm-1"
SUFFIX = ".charlm.json.gz"
DEFAULT_DECODER: dict[str, Any] = {"alpha": 0.4, "beta": 1.5, "beam": 16}


class CharLM:
    """Order-``order`` character model, Witten-Bell interpolated down to a uniform distribution."""

    def __init__(self, order: int = 6, counts: dict[str, dict[str, int]] | None = None,
                 vocab: Iterable[str] = (), decoder: dict[str, Any] | None = None,
                 about: dict[str, Any] | None = None) -> None:
        if order < 1:
            raise ValueError("order must be at least 1")
        self.order = order
        # the decoding weights tuned for the model this file sits beside (alpha, beta, beam)
        self.decoder: dict[str, Any] = dict(DEFAULT_DECODER, **(decoder or {}))
        self.about: dict[str, Any] = dict(about or {})     # training data, tuning figures
        self.counts: dict[str, dict[str, int]] = counts or {}
        self.vocab = set(vocab)
        self._totals: dict[str, tuple[int, int]] = {}
        self._cache: dict[tuple[str, str], float] = {}
        self._reindex()

    def _reindex(self) -> None:
        self._totals = {h: (sum(nxt.values()), len(nxt)) for h, nxt in self.counts.items()}
        self._cache.clear()
        self.vocab |= {c for nxt in self.counts.values() for c in nxt}

    @classmethod
    def train(cls, texts: Iterable[str], order: int = 6, min_count: int = 1) -> CharLM:
        """Count every character after every context of 0..order-1 characters (lines padded with BOS/EOS)."""
        counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        for text in texts:
            text = text.strip()
            if not text:
                continue
            padded = BOS * (order - 1) + text + EOS
            for i in range(order - 1, len(padded)):
                c = padded[i]
                for k in range(order):
                    counts[padded[i - k:i]][c] += 1
        pruned = {h: {c: n for c, n in nxt.items() if n >= min_count or len(h) == 0}
                  for h, nxt in counts.items()}
        return cls(order, {h: nxt for h, nxt in pruned.items() if nxt})

    def logp(self, context: str, char: str) -> float:
        """Natural log of P(char | the last order-1 characters of context)."""
        n = self.order - 1
        ctx = context if len(context) == n else (BOS * n + context)[-n:] if n else ""
        key = (ctx, char)
        hit = self._cache.get(key)
        if hit is None:
            hit = math.log(self._prob(ctx, char))
            if len(self._cache) > 500_000:
                self._cache.clear()
            self._cache[key] = hit
        return hit

    def _prob(self, ctx: str, char: str) -> float:
        p = 1.0 / (len(self.vocab) + 1)                # uniform floor (+1: unseen characters)
        for k in range(0, len(ctx) + 1):                # shortest context first
            h = ctx[len(ctx) - k:]
            total = self._totals.get(h)
            if total is None:
                break                                   # longer contexts were never seen either
            n, types = total
            p = (self.counts[h].get(char, 0) + types * p) / (n + types)
        return p

    def perplexity(self, texts: Iterable[str]) -> float:
        lp, n = 0.0, 0
        for text in texts:
            text = text.strip()
            for i, c in enumerate(text + EOS):
                lp += self.logp(text[:i], c)
                n += 1
        return math.exp(-lp / max(1, n))

    # ---------------------------------------------------------------- storage
    def to_dict(self) -> dict[str, Any]:
        return {"format": FORMAT, "order": self.order, "decoder": self.decoder, "about": self.about,
                "counts": self.counts}

    def save(self, path: str | Path) -> Path:
        from ...fsutil import atomic_write_bytes

        data = json.dumps(self.to_dict(), ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        atomic_write_bytes(Path(path), gzip.compress(data, mtime=0))
        return Path(path)

    @classmethod
    def load(cls, path: str | Path) -> CharLM:
        raw = json.loads(gzip.decompress(Path(path).read_bytes()).decode("utf-8"))
        if raw.get("format") != FORMAT:
            raise ValueError(f"{path}: not a {FORMAT} file")
        return cls(int(raw["order"]), {h: dict(nxt) for h, nxt in raw["counts"].items()},
                   decoder=raw.get("decoder"), about=raw.get("about"))


def lm_path_for(model_path: str | Path) -> Path:
    """Where the language model of a recognition model lives: ``NAME.charlm.json.gz`` beside ``NAME.<ext>``."""
    p = Path(model_path)
    return p.with_name(p.stem + SUFFIX)


# -------------------------------------------------------------------- decoding
NEG = -1e30


def _logsumexp(a: float, b: float) -> float:
    if a < b:
        a, b = b, a
    if b <= NEG:
        return a
    return a + math.log1p(math.exp(b - a))


def beam_decode(probs: Any, l2c: dict[int, str], lm: CharLM | None, *, alpha: float = 0.5, beta: float = 1.0,
                beam: int = 8, prune: float = 1e-3) -> list[tuple[int, int, int, float]]:
    """CTC prefix beam search over ``probs`` (C x T softmax, label 0 = blank) with ``lm`` weighted by
    ``alpha`` and a bonus ``beta`` per character.  Returns kraken's ``(label, start, end, conf)``
    list for the best prefix.  Labels not in ``l2c`` (multi-label codes) get no LM score.

    Prefixes are nodes of a tree, numbered as they appear (one per label sequence), so the beams
    are keyed by an int rather than by the label tuple (hashing the tuples was most of the time);
    each node keeps its LM context (the last order-1 characters), its LM score and its timing as a
    linked list of records.  Same results as keying by the tuples, 1.35-1.5x faster."""
    import numpy as np

    p = np.asarray(probs, dtype=np.float64)
    logp = np.log(np.maximum(p, 1e-30))
    keep = p >= prune
    keep[0, :] = False
    fallback = np.argmax(p[1:, :], axis=0) + 1 if p.shape[0] > 1 else np.zeros(p.shape[1], int)
    n_ctx = lm.order - 1 if lm is not None else 0
    lm_logp = lm.logp if lm is not None else None
    # node 0 is the empty prefix; per node: last label, LM context, LM score (+ beta per character),
    # timing as a cons list ((label, start, end, conf), rest)
    last_label: list[int] = [-1]
    context: list[str] = [BOS * n_ctx]                # padded: always the last order-1 characters
    lm_score: list[float] = [0.0]
    timing: list[Any] = [None]
    child: dict[tuple[int, int], int] = {}
    beams: dict[int, tuple[float, float]] = {0: (0.0, NEG)}      # node -> (log p ending in blank, in non-blank)
    for t in range(p.shape[1]):
        col = logp[:, t].tolist()
        pcol = p[:, t]
        cands = np.nonzero(keep[:, t])[0].tolist() or [int(fallback[t])]
        blank: dict[int, float] = {}
        nonblank: dict[int, float] = {}
        for node, (pb, pnb) in beams.items():
            total = _logsumexp(pb, pnb)
            # blank: the prefix stays
            v = blank.get(node)
            blank[node] = total + col[0] if v is None else _logsumexp(v, total + col[0])
            last = last_label[node]
            for c in cands:
                lc = col[c]
                if c == last:
                    # repeat without a blank between: same prefix (the character goes on)
                    v = nonblank.get(node)
                    nonblank[node] = pnb + lc if v is None else _logsumexp(v, pnb + lc)
                    rec, rest = timing[node]
                    if rec[2] == t - 1 and pcol[c] > pcol[0]:              # the character goes on here
                        timing[node] = ((rec[0], rec[1], t, max(rec[3], float(pcol[c]))), rest)
                    # after a blank: a new, doubled character
                    ext_p = pb + lc
                else:
                    ext_p = total + lc
                new = child.get((node, c))
                if new is None:
                    new = child[(node, c)] = len(last_label)
                    ch = l2c.get(c)
                    score = lm_score[node] + beta
                    if lm_logp is not None and ch is not None:
                        score += alpha * lm_logp(context[node], ch)
                    last_label.append(c)
                    context.append((context[node] + ch)[-n_ctx:] if ch is not None and n_ctx > 0 else context[node])
                    lm_score.append(score)
                    timing.append(((c, t, t, float(pcol[c])), timing[node]))
                v = nonblank.get(new)
                nonblank[new] = ext_p if v is None else _logsumexp(v, ext_p)
        ranked = heapq.nlargest(beam, ((_logsumexp(blank.get(i, NEG), nonblank.get(i, NEG)) + lm_score[i], i)
                                       for i in blank.keys() | nonblank.keys()))
        beams = {i: (blank.get(i, NEG), nonblank.get(i, NEG)) for _, i in ranked}

    # the end of line is a character for the LM too
    def final(node: int) -> float:
        end = alpha * lm_logp(context[node], EOS) if lm_logp is not None else 0.0
        return _logsumexp(*beams[node]) + lm_score[node] + end

    out: list[tuple[int, int, int, float]] = []
    cell = timing[max(beams, key=final)]
    while cell is not None:
        out.append(cell[0])
        cell = cell[1]
    return out[::-1]


def kraken_decoder(l2c: dict[int, str], lm: CharLM, *, alpha: float = 0.5, beta: float = 1.0,
                   beam: int = 8) -> Callable[..., list[list[tuple[int, int, int, float]]]]:
    """A decoder for ``RecognitionInferenceConfig(decoder=...)``: (N, C, W) outputs -> label lists."""

    def decode(outputs: Any, seq_lens: Sequence[int] | None = None) -> list[list[tuple[int, int, int, float]]]:
        return [beam_decode(probs, l2c, lm, alpha=alpha, beta=beta, beam=beam)
                for probs in per_line_outputs(outputs, seq_lens)]

    return decode


def per_line_outputs(outputs: Any, seq_lens: Sequence[int] | None = None) -> list[Any]:
    """A kraken decoder's input ((N,) C x W softmax, sequence lengths) as one C x T array per line."""
    import torch

    o = torch.as_tensor(outputs)
    if o.dim() == 2:
        o = o.unsqueeze(0)
    lens = [int(x) for x in seq_lens] if seq_lens is not None else [o.shape[-1]] * o.shape[0]
    return [seq[:, :n].float().numpy() for seq, n in zip(o, lens)]
