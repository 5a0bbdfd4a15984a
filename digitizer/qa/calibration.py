"""Calibration and routing: how well engine confidence predicts that a line is wrong.

From the project's corrected lines (lines a person edited or verified, :mod:`digitizer.workflow`):
a line is *wrong* when its engine text differs from its current text.  The reliability diagram bins lines by
engine confidence and compares the predicted probability of being wrong (``1 - confidence``) with
the observed share.  The observed share of a line's bin is its *calibrated* P(wrong) (histogram
binning).  Routing "review lines with P(wrong) >= p" is scored on the corrected lines by the share of
the character errors it catches and the errors caught per line read; :func:`route` lists the lines
nobody has edited or verified yet whose calibrated P(wrong) reaches ``p``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

THRESHOLDS = (0.05, 0.1, 0.2, 0.3, 0.5)


def _lines(store: Any) -> Iterator[tuple[int, str, str, str, str, float]]:
    """``(page id, line id, state, current text, engine text, engine confidence)`` of every line whose
    recognition gave a confidence."""
    from .. import workflow
    from .engine_text import engine_lines

    for page in store.pages():
        layout = store.load_layout(page.id)
        if layout is None:
            continue
        states = workflow.line_states(store, page.id, layout)
        engine = engine_lines(store, page.id)
        for ln in layout.lines():
            text, conf = engine.get(ln.id, ("", None))
            if conf is not None:
                yield page.id, ln.id, states.get(ln.id, "machine"), ln.text, text, conf


def corrected_lines(store: Any) -> list[tuple[float, int]]:
    """``(engine confidence, character errors of the engine text)`` of every line a person edited or verified."""
    from ..htr.evaluate import distance
    from ..workflow import PERSON_STATES

    return [(conf, distance(now, read)) for _p, _l, state, now, read, conf in _lines(store) if state in PERSON_STATES]


def reliability(lines: list[tuple[float, int]], bins: int = 10) -> list[dict[str, Any]]:
    rows = []
    for b in range(bins):
        lo, hi = b / bins, (b + 1) / bins
        inside = [(c, e) for c, e in lines if lo <= c < hi or (b == bins - 1 and c == 1.0)]
        if inside:
            rows.append({"low": lo, "high": hi, "lines": len(inside),
                         "predicted_wrong": 1 - sum(c for c, _ in inside) / len(inside),
                         "observed_wrong": sum(1 for _, e in inside if e) / len(inside)})
    return rows


def p_wrong(confidence: float, table: list[dict[str, Any]]) -> float:
    """Calibrated probability that a line of this engine confidence is wrong (its bin's observed share;
    ``1 - confidence`` where no corrected line fell into the bin)."""
    for r in table:
        if r["low"] <= confidence < r["high"] or (r["high"] == 1.0 and confidence == 1.0):
            return float(r["observed_wrong"])
    return 1 - confidence


def routing(lines: list[tuple[float, int]]) -> list[dict[str, Any]]:
    table = reliability(lines)
    scored = [(p_wrong(c, table), e) for c, e in lines]
    total = sum(e for _, e in lines)
    rows = []
    for p in THRESHOLDS:
        read = [e for pw, e in scored if pw >= p]
        caught = sum(read)
        rows.append({"p": p, "lines_read": len(read), "share_of_lines": len(read) / len(lines) if lines else 0.0,
                     "errors_caught": caught, "share_of_errors": caught / total if total else None,
                     "errors_per_line_read": caught / len(read) if read else 0.0})
    return rows


def route(store: Any, p: float) -> list[tuple[int, str, float, float]]:
    """``(page id, line id, confidence, calibrated P(wrong))`` of the lines still as recognised whose
    P(wrong) is at least ``p``, most likely wrong first."""
    table = reliability(corrected_lines(store))
    out = [(page_id, line_id, conf, p_wrong(conf, table))
           for page_id, line_id, state, _now, _read, conf in _lines(store) if state == "machine"]
    return sorted((r for r in out if r[3] >= p), key=lambda r: (-r[3], r[0], r[1]))


def calibration(store: Any) -> dict[str, Any]:
    lines = corrected_lines(store)
    return {"lines": len(lines), "wrong_lines": sum(1 for _, e in lines if e),
            "char_errors": sum(e for _, e in lines), "reliability": reliability(lines), "routing": routing(lines)}
