"""Evaluation report: Markdown + JSON + PNG bar charts (drawn with Pillow; no matplotlib needed)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Sequence

from PIL import Image, ImageDraw, ImageFont

from ..fsutil import atomic_write_text
from .evaluate import EvalResult


def _font(size: int) -> ImageFont.ImageFont:
    for name in ("DejaVuSans.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"):
        try:
            return ImageFont.truetype(name, size)
        except OSError:
            continue
    return ImageFont.load_default()


def bar_chart(labels: Sequence[str], values: Sequence[float], title: str, path: Path, *,
              percent: bool = True, width: int = 900) -> Path:
    """Horizontal bar chart PNG, one bar per label."""
    f, ft = _font(13), _font(16)
    row, top, left = 24, 44, min(330, 12 + max((int(f.getlength(lb)) for lb in labels), default=40))
    height = top + row * max(1, len(labels)) + 16
    im = Image.new("RGB", (width, height), "white")
    d = ImageDraw.Draw(im)
    d.text((10, 10), title, fill="black", font=ft)
    vmax = max([v for v in values if v is not None] + [1e-9])
    span = width - left - 90
    for i, (lb, v) in enumerate(zip(labels, values)):
        y = top + i * row
        d.text((8, y + 4), lb, fill="black", font=f)
        w = int(span * (v or 0) / vmax)
        d.rectangle((left, y + 3, left + max(w, 1), y + row - 4), fill=(60, 110, 180))
        d.text((left + w + 6, y + 4), f"{v:.2%}" if percent else f"{v:g}", fill="black", font=f)
    path.parent.mkdir(parents=True, exist_ok=True)
    im.save(path)
    return path


def _show(c: str) -> str:
    if c == "":
        return "∅"
    if c == " ":
        return "␣"
    return c.replace("|", "\\|")


def markdown(res: EvalResult, title: str = "HTR/OCR evaluation", charts: Sequence[str] = ()) -> str:
    out = [f"# {title}", "", "CER = (S+D+I)/N over code points, WER over words; totals are micro-averaged.", ""]
    out += ["## Totals", "", "| normalisation | CER | WER | char errors | ref chars | lines |", "|---|---|---|---|---|---|"]
    for n in res.norms:
        t = res.totals[n]
        out.append(f"| {n} | {t.cer:.2%} | {t.wer:.2%} | {t.char_errors} | {t.ref_chars} | {t.lines} |")
    for label, table in (("category", res.by_category), ("item", res.by_item)):
        keys = sorted({k for n in res.norms for k in table[n]})
        if len(keys) <= 1:
            continue
        out += ["", f"## By {label}", "", f"| {label} | " + " | ".join(f"CER {n} | WER {n}" for n in res.norms) + " |",
                "|---|" + "---|---|" * len(res.norms)]
        for k in keys:
            cells = " | ".join(f"{table[n][k].cer:.2%} | {table[n][k].wer:.2%}" for n in res.norms)
            out.append(f"| {k or '-'} | {cells} |")
    out += ["", "## By page", "", "| page | item | " + " | ".join(f"CER {n}" for n in res.norms) + " | WER raw | lines |",
            "|---|---|" + "---|" * len(res.norms) + "---|---|"]
    by_key: dict[str, dict[str, object]] = {}
    for p in res.pages:
        by_key.setdefault(p.key, {"item": p.item})[p.norm] = p.totals
    for k, d in by_key.items():
        first = d[res.norms[0]]
        out.append(f"| {k} | {d['item']} | " + " | ".join(f"{d[n].cer:.2%}" for n in res.norms)  # type: ignore[attr-defined]
                   + f" | {first.wer:.2%} | {first.lines} |")  # type: ignore[attr-defined]
    n0 = res.norms[0]
    out += ["", f"## Most frequent character confusions ({n0})", "", "| reference | hypothesis | count |", "|---|---|---|"]
    for r, h, c in res.top_confusions(n0, 20):
        out.append(f"| {_show(r)} | {_show(h)} | {c} |")
    if charts:
        out += ["", "## Charts", ""] + [f"![{Path(c).stem}]({Path(c).name})" for c in charts]
    return "\n".join(out) + "\n"


def write_report(res: EvalResult, out_dir: str | Path, title: str = "HTR/OCR evaluation") -> dict[str, Path]:
    """Write ``report.md``, ``report.json``, ``cer_by_page.png`` and ``confusions.png`` into ``out_dir``."""
    d = Path(out_dir)
    d.mkdir(parents=True, exist_ok=True)
    n0 = res.norms[0]
    pages = [p for p in res.pages if p.norm == n0]
    charts = [bar_chart([p.key[-40:] for p in pages], [p.totals.cer for p in pages],
                        f"CER per page ({n0})", d / "cer_by_page.png")]
    conf = res.top_confusions(n0, 15)
    if conf:
        charts.append(bar_chart([f"{_show(r)} → {_show(h)}" for r, h, _ in conf], [float(c) for *_, c in conf],
                                f"Most frequent confusions ({n0})", d / "confusions.png", percent=False))
    md = d / "report.md"
    atomic_write_text(md, markdown(res, title, [str(c) for c in charts]))
    js = d / "report.json"
    atomic_write_text(js, json.dumps(res.to_dict(), ensure_ascii=False, indent=2))
    return {"markdown": md, "json": js, **{c.stem: c for c in charts}}
