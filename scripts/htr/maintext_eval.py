#!/usr/bin/env python3
"""Measure the main-text filter (``digitizer/engines/kraken/maintext.py``) on pages with ground truth.

    python scripts/htr/maintext_eval.py GITDIR [--source poilus] [--pages 90] [--cache DIR]

GITDIR is a bare git directory of a pinned source (see README.md here); pages are read at the
pinned commit, drawn by the hash of their path (the same draw on every machine), and only from
the source's ``train`` / ``validation`` / ``heldout`` pages: never the dev wills.  Each page is
segmented by blla as the ``manuscript`` profile does (colour, 1200 px; layouts cached in
``--cache``), then every segmented line is labelled by the ground truth: *transcribed* when it
pairs with a GT line by box overlap, *untranscribed* when GT boxes cover less than a fifth of it
(the others are left out as unclear).  The report counts, for the rules in turn (shapes only:
rules 1-3; + ink colour: rule 4; + notes outside the body: rule 5), how many lines of each kind
are kept, and the share of their width (in the page's median line heights, a proxy for characters):
what a rule takes away from each side.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import statistics
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts" / "htr"))
sys.path.insert(0, str(ROOT / "benchmarks"))

import build_dataset as bd  # noqa: E402
from bench_htr import segment_cached  # noqa: E402

from digitizer.engines.kraken.engine import KrakenEngine  # noqa: E402
from digitizer.engines.kraken.maintext import ink_colours, main_text_ids  # noqa: E402
from digitizer.htr.evaluate import pair_by_overlap  # noqa: E402
from digitizer.htr.xmlread import read_xml  # noqa: E402

STAGES = ("all lines", "shapes (rules 1-3)", "+ ink colour (rule 4)", "+ notes outside (rule 5)")


def coverage(box: tuple[float, float, float, float], gt: list[tuple[float, float, float, float]]) -> float:
    x0, y0, x1, y1 = box
    area = max(1.0, (x1 - x0) * (y1 - y0))
    inside = sum(max(0.0, min(x1, b[2]) - max(x0, b[0])) * max(0.0, min(y1, b[3]) - max(y0, b[1])) for b in gt)
    return min(1.0, inside / area)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("gitdir", type=Path)
    ap.add_argument("--source", default="poilus", choices=[s.short for s in bd.SOURCES])
    ap.add_argument("--pages", type=int, default=90)
    ap.add_argument("--cache", type=Path, help="keep/reuse blla layouts here")
    ap.add_argument("--json", type=Path, help="write the counts here too")
    args = ap.parse_args(argv)
    src = next(s for s in bd.SOURCES if s.short == args.source)
    names = set(bd.git(args.gitdir, "ls-tree", "-r", "--name-only", "-z", src.commit).decode().split("\0"))
    xmls = [x for x in bd.pages(replace(src, max_pages=None), args.gitdir)
            if bd.split_of(src, bd.hand_of(src, x), x) in ("train", "validation", "heldout")]
    xmls.sort(key=lambda p: hashlib.sha1(p.encode()).hexdigest())
    eng = KrakenEngine()
    kept = {s: {"transcribed": [0, 0.0], "untranscribed": [0, 0.0]} for s in STAGES}
    done = 0
    for xml_path in xmls:
        if done >= args.pages:
            break
        with tempfile.TemporaryDirectory() as tmp:
            xml = Path(tmp) / f"{Path(xml_path).stem}.xml"
            xml.write_bytes(bd.git(args.gitdir, "show", f"{src.commit}:{xml_path}"))
            page = read_xml(xml)
            data = bd.page_image_bytes(args.gitdir, src.commit, xml_path, page.image_filename, names)
            if data is None:
                continue
            im = Image.open(io.BytesIO(data)).convert("RGB")
            layout, _ = segment_cached(eng, im, xml, args.cache, 1200)
        gt = [ln.bbox for ln in page.lines if ln.bbox and ln.text.strip()]
        lines = layout.lines()
        boxes = [(ln.bbox.x0, ln.bbox.y0, ln.bbox.x1, ln.bbox.y1) for ln in lines]
        paired = {j for i, j in pair_by_overlap(gt, boxes) if i >= 0 and j >= 0} if gt and boxes else set()
        kind = {ln.id: "transcribed" if j in paired else "untranscribed" if coverage(boxes[j], gt) < 0.2 else None
                for j, ln in enumerate(lines)}
        ink = ink_colours(im, lines)
        med_h = statistics.median(ln.bbox.y1 - ln.bbox.y0 for ln in lines) if lines else 1.0
        ids = {STAGES[0]: {ln.id for ln in lines}, STAGES[1]: main_text_ids(lines),
               STAGES[2]: main_text_ids(lines, ink, notes=False), STAGES[3]: main_text_ids(lines, ink)}
        for stage, keep in ids.items():
            for ln in lines:
                if ln.id in keep and kind[ln.id]:
                    kept[stage][kind[ln.id]][0] += 1
                    kept[stage][kind[ln.id]][1] += (ln.bbox.x1 - ln.bbox.x0) / max(1.0, med_h)
        done += 1
        print(f"{done:3d} {xml_path}: {len(lines)} lines", file=sys.stderr, flush=True)
    base = kept[STAGES[0]]
    print(f"{src.short}: {done} pages (transcribed / untranscribed lines kept; share of their width)")
    for stage in STAGES:
        t, u = kept[stage]["transcribed"], kept[stage]["untranscribed"]
        print(f"  {stage:26s} {t[0]:5d} ({t[1] / max(1e-9, base['transcribed'][1]):6.1%})"
              f"  {u[0]:5d} ({u[1] / max(1e-9, base['untranscribed'][1]):6.1%})")
    if args.json:
        args.json.write_text(json.dumps({"source": src.short, "pages": done, "kept": kept}, indent=1) + "\n",
                             encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
