"""The QA report as one self-contained HTML page with inline SVG plots (no scripts, no network)."""

from __future__ import annotations

from html import escape
from typing import Any

from .report import Report

W, ROW = 640, 22


def _pct(v: float | None) -> str:
    return "n/a" if v is None else f"{v:.2%}"


def accuracy_plot(groups: list[Any], target: float) -> str:
    """Accuracy per group: point estimate, interval bar, dashed target line."""
    vals = [v for g in groups for v in (g.estimate.low, g.estimate.accuracy) if v is not None]
    lo = min([*vals, target]) - 0.002

    def x(v: float) -> float:
        return float(200 + (W - 220) * (v - lo) / (1 - lo))

    h = ROW * (len(groups) + 1)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{h}" role="img" '
           f'aria-label="accuracy per stratum with intervals">',
           f'<line x1="{x(target):.1f}" y1="0" x2="{x(target):.1f}" y2="{h}" stroke="#c00" stroke-dasharray="4"/>',
           f'<text x="{x(target) - 3:.1f}" y="{h - 4}" font-size="11" fill="#c00" text-anchor="end">'
           f'target {_pct(target)}</text>']
    for i, g in enumerate(groups):
        y = ROW * i + ROW / 2
        out.append(f'<text x="4" y="{y + 4:.0f}" font-size="12">{escape(g.kind)}: {escape(g.name)[:24]}</text>')
        e = g.estimate
        if e.accuracy is None:
            continue
        colour = {"pass": "#080", "fail": "#c00"}.get(g.decision, "#c80")
        out.append(f'<line x1="{x(e.low):.1f}" y1="{y:.0f}" x2="{x(e.high):.1f}" y2="{y:.0f}" stroke="{colour}" '
                   f'stroke-width="3"/><circle cx="{x(e.accuracy):.1f}" cy="{y:.0f}" r="4" fill="{colour}"/>')
    return "".join(out) + "</svg>"


def reliability_plot(rows: list[dict[str, Any]]) -> str:
    """Observed vs predicted share of wrong lines per confidence bin (diagonal = perfect calibration)."""
    s = 240
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{s + 40}" height="{s + 30}" role="img" '
           f'aria-label="reliability diagram"><rect x="30" y="0" width="{s}" height="{s}" fill="none" stroke="#999"/>',
           f'<line x1="30" y1="{s}" x2="{30 + s}" y2="0" stroke="#999" stroke-dasharray="3"/>',
           f'<text x="30" y="{s + 20}" font-size="11">predicted P(wrong) = 1 - confidence</text>']
    for r in rows:
        cx, cy = 30 + s * r["predicted_wrong"], s - s * r["observed_wrong"]
        out.append(f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="{min(3 + r["lines"] ** 0.5, 12):.1f}" '
                   f'fill="#36c" fill-opacity="0.6"><title>{r["lines"]} lines</title></circle>')
    return "".join(out) + "</svg>"


def _table(head: list[str], rows: list[list[Any]]) -> str:
    th = "".join(f"<th>{escape(h)}</th>" for h in head)
    body = "".join("<tr>" + "".join(f"<td>{escape(str(c))}</td>" for c in r) + "</tr>" for r in rows)
    return f"<table><tr>{th}</tr>{body}</table>"


def render_html(rep: Report) -> str:
    g_rows = [[g.kind, g.name, _pct(g.estimate.accuracy), f"[{_pct(g.estimate.low)}, {_pct(g.estimate.high)}]",
               f"{g.checked}/{g.sampled}", g.estimate.chars, g.estimate.errors,
               "n/a" if g.estimate.design_effect is None else f"{g.estimate.design_effect:.2f}", g.decision]
              for g in rep.groups]
    parts = [f"<h1>QA report: {escape(rep.project)}</h1>",
             f"<p>Target {_pct(rep.target['target'])} character accuracy at {rep.target['confidence']:.0%} "
             f"confidence; unit {escape(rep.target['unit'])}; sample {escape(str(rep.sample))}</p>"]
    if rep.groups:
        parts += ["<h2>Estimates</h2>", accuracy_plot(rep.groups, rep.target["target"]),
                  _table(["kind", "group", "accuracy", "interval", "units checked", "chars", "errors",
                          "design effect", "decision"], g_rows),
                  "<h2>Errors by type</h2>", _table(["type", "count"], [[k, v] for k, v in rep.errors_by_type.items()]),
                  "<h2>Top confusions</h2>",
                  _table(["correct", "read as", "count"], [[a or "(inserted)", b or "(deleted)", n]
                                                           for a, b, n in rep.confusions])]
    parts += ["<h2>Release gate</h2>", _table(["item", "accepted", "state"],
                                              [[s["item"], s["accepted"] if s["declared"] else "no target",
                                                s["reason"] or "accepted"] for s in rep.items])]
    if rep.gold:
        parts += ["<h2>Accuracy on gold pages</h2>", _table(["person", "lines", "chars", "errors", "accuracy"], [
            [p, v["lines"], v["chars"], v["errors"], _pct(v["accuracy"])] for p, v in rep.gold.items()])]
    if rep.agreement.get("pairs"):
        parts += ["<h2>Double-keying agreement</h2>", _table(["pair / page", "lines", "differences", "agreement"], [
            [k, v["lines"], v["differences"], _pct(v["agreement"])]
            for k, v in [*rep.agreement["pairs"].items(), *(("page " + p, v) for p, v in rep.agreement["pages"].items())]])]
    cal = rep.calibration
    if cal.get("lines"):
        parts += ["<h2>Calibration</h2>", reliability_plot(cal["reliability"]),
                  _table(["review lines with P(wrong) >=", "lines read", "share of errors caught", "errors per line"],
                         [[r["p"], r["lines_read"], _pct(r["share_of_errors"]), f"{r['errors_per_line_read']:.2f}"]
                          for r in cal["routing"]])]
    style = "body{font-family:sans-serif;max-width:60em}table{border-collapse:collapse}td,th{border:1px solid #ccc;" \
            "padding:2px 6px;text-align:left}"
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>QA report</title>'
            f"<style>{style}</style></head><body>{''.join(parts)}</body></html>")
