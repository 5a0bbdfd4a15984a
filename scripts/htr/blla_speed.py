#!/usr/bin/env python3
"""blla seconds per page against input height and threads, with what it costs in lines found.

    python scripts/htr/blla_speed.py PAGE.jpg [PAGE.jpg ...] [--heights 1800,1400,1200,1000] [--threads 1,2]

Each page's GT (the ``.xml`` beside it) says how many of its lines blla still finds (a GT line
counts as found when a blla line overlaps its box with IoU >= 0.2) and how many lines the
main-text filter keeps.  The model is loaded once before timing (load time printed apart).
Bounded by the number of pages x configurations; prints a Markdown table.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("pages", nargs="+", type=Path)
    ap.add_argument("--heights", default="1800,1400,1200,1000")
    ap.add_argument("--threads", default="1")
    ap.add_argument("--precision", default="fp32,bf16",
                    help="fp32 and/or bf16 (bfloat16 autocast; only where the CPU has native bf16 units)")
    args = ap.parse_args(argv)
    from PIL import Image

    from digitizer.engines.base import RecognitionOptions
    from digitizer.engines.kraken import _exec
    from digitizer.engines.kraken.engine import KrakenEngine
    from digitizer.engines.kraken.maintext import main_text_ids
    from digitizer.htr.evaluate import iou, read_lines_boxes

    t = time.perf_counter()
    _exec.load_segmenter(_exec.default_segmentation_model())
    print(f"model load: {time.perf_counter() - t:.1f} s (once per process; cached)", file=sys.stderr)
    eng = KrakenEngine()
    precisions = [p for p in args.precision.split(",") if p == "fp32" or (p == "bf16" and _exec.bf16_fast())]
    print("| height | threads | precision | s/page (median) | GT lines found | blla lines | main text |\n"
          "|---|---|---|---|---|---|---|")
    for threads, h, prec in [(int(t), int(h), p) for t in args.threads.split(",")
                             for h in args.heights.split(",") for p in precisions]:
        secs, found, gt_n, blla_n, main_n = [], 0, 0, 0, 0
        for page in args.pages:
            with Image.open(page) as src:
                im = src.convert("L")
            _, gt_boxes = read_lines_boxes(page.with_suffix(".xml"))
            t = time.perf_counter()
            layout = eng.segment(im, RecognitionOptions(extra={"threads": threads, "seg_height": h,
                                                               "main_text_only": False,
                                                               "seg_bf16": prec == "bf16"}))
            secs.append(time.perf_counter() - t)
            boxes = [(ln.bbox.x0, ln.bbox.y0, ln.bbox.x1, ln.bbox.y1) for ln in layout.lines()]
            found += sum(1 for g in gt_boxes or [] if g and any(iou(g, b) >= 0.2 for b in boxes))
            gt_n += len(gt_boxes or [])
            blla_n += len(boxes)
            main_n += len(main_text_ids(layout.lines()))
        print(f"| {h} | {threads} | {prec} | {statistics.median(secs):.1f} | {found}/{gt_n} | {blla_n} | {main_n} |",
              flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
