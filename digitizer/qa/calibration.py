"""Calibration and routing: how well engine confidence predicts that a line is wrong.

From the project's corrected lines (lines a person edited or verified, :mod:`digitizer.workflow`):
a line is *wrong* when its engine text differs from its current text.  The reliability diagram bins lines by
engine confidence and compares the predicted probability of being wrong (``1 - confidence``) with
the observed share.  Routing "review lines with P(wrong) >= p" is scored by the share of the
character errors it catches and the errors caught per line read.
"""

from __future__ import annotations

from typing import Any

THRESHOLDS = (0.05, 0.1, 0.2, 0.3, 0.5)


def corrected_lines(store: Any) -> list[tuple[float, int]]:
    """``(confidence, character errors of the engine text)`` for every line on a corrected page."""
    from .. import workflow
    from ..htr.evaluate import distance
    from .engine_text import engine_lines

    out = []
    for page in store.pages():
        layout = store.load_layout(page.id)
        if layout is None:
            continue
        states = workflow.line_states(store, page.id, layout)
        engine = engine_lines(store, page.id)
        for ln in layout.lines():
            text, conf = engine.get(ln.id, ("", None))
            if states.get(ln.id) in workflow.PERSON_STATES and conf is not None:
                out.append((conf, distance(ln.text, text)))
    return out


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


def routing(lines: list[tuple[float, int]]) -> list[dict[str, Any]]:
    total = sum(e for _, e in lines)
    rows = []
    for p in THRESHOLDS:
        read = [(c, e) for c, e in lines if 1 - c >= p]
        caught = sum(e for _, e in read)
        rows.append({"p": p, "lines_read": len(read), "share_of_lines": len(read) / len(lines) if lines else 0.0,
                     "errors_caught": caught, "share_of_errors": caught / total if total else None,
                     "errors_per_line_read": caught / len(read) if read else 0.0})
    return rows


def calibration(store: Any) -> dict[str, Any]:
    lines = corrected_lines(store)
    return {"lines": len(lines), "wrong_lines": sum(1 for _, e in lines if e),
            "char_errors": sum(e for _, e in lines), "reliability": reliability(lines), "routing": routing(lines)}
