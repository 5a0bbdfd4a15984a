"""Deskew benchmark: digitizer's ``estimate_skew`` vs the PyPI ``deskew`` package.

Run from the repository root::

    .venv/bin/python benchmarks/bench_deskew.py            # 300-dpi A4 pages, ~1.5-3 min
    .venv/bin/python benchmarks/bench_deskew.py --quick    # 150-dpi pages, < 1 min

Both estimators get the very same images in the same run: synthetic text pages (DejaVu
fonts) rotated by known angles from -15 to +15 deg, and three real dev-corpus scans
(print, typescript, handwriting) rotated by known angles.  For real scans the error is
``estimate(rotated) - estimate(original) - angle`` (each tool against its own reading of the
unrotated scan, whose true skew is unknown).  ``deskew`` returns the correction angle, so its
sign is flipped; it runs with its defaults (1 deg Hough resolution, sigma 3) and the same
+-15 deg search range as ours (``min_angle``/``max_angle``).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from typing import Callable

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from _corpus import TEST_DATA, add_corpus_argument  # noqa: E402
from _preprocess_helpers import dev_pages, render_text_page, rotate_page  # noqa: E402
from deskew import determine_skew  # noqa: E402

from digitizer.imaging.skew import estimate_skew  # noqa: E402

EXTRA_ANGLES = [-2.63, 0.37]   # plus two arbitrary non-integer angles
REAL_PAGES = ["INPUT_0017.tif", "22_c266f_default.jpg", "TestamentsDePoilus_will_AN_0154-0.jpg"]


def ours(gray: np.ndarray) -> float:
    return estimate_skew(gray, 15.0)


def pypi_deskew(gray: np.ndarray) -> float:
    angle = determine_skew(gray, min_angle=-15.0, max_angle=15.0)
    return 0.0 if angle is None else -float(angle)


TOOLS: dict[str, Callable[[np.ndarray], float]] = {"digitizer": ours, "deskew (PyPI)": pypi_deskew}


def timed(fn: Callable[[np.ndarray], float], gray: np.ndarray) -> tuple[float, float]:
    t0 = time.perf_counter()
    value = fn(gray)
    return value, time.perf_counter() - t0


def synthetic(quick: bool) -> dict[str, dict[str, list[float]]]:
    size = (1240, 1754) if quick else (2480, 3508)
    # steps of 2.5 / 1.5 deg alternate whole and half degrees (deskew's Hough grid is 1 deg)
    step = 2.5 if quick else 1.5
    angles = [round(a, 2) for a in np.arange(-15.0, 15.01, step)] + EXTRA_ANGLES
    pages = [render_text_page(*size, seed=1), render_text_page(*size, seed=2, font_name="DejaVuSansMono.ttf")]
    out: dict[str, dict[str, list[float]]] = {t: {"err": [], "time": []} for t in TOOLS}
    for i, angle in enumerate(angles):
        gray = np.asarray(rotate_page(pages[i % len(pages)], angle))
        for name, fn in TOOLS.items():
            value, dt = timed(fn, gray)
            out[name]["err"].append(abs(value - angle))
            out[name]["time"].append(dt)
    print(f"synthetic: {len(angles)} pages {size[0]}x{size[1]} (~{size[0] * 300 // 2480} dpi), "
          f"angles {min(angles)}..{max(angles)}")
    return out


def real(quick: bool, corpus: Path) -> list[tuple[str, float, dict[str, float]]]:
    found = {p.name: p for p in dev_pages(("tapuscorpus", "ocrd-assets-kant", "testaments-de-poilus"), corpus)}
    rows = []
    for name in REAL_PAGES:
        if name not in found:
            print(f"  (skipped {name}: not in {corpus}; pass --corpus DIR, the dev corpus)")
            continue
        page = Image.open(found[name]).convert("L")
        base = {t: fn(np.asarray(page)) for t, fn in TOOLS.items()}
        for angle in ((4.4,) if quick else (-6.3, 9.1)):
            gray = np.asarray(rotate_page(page, angle))
            rows.append((name, angle, {t: fn(gray) - base[t] - angle for t, fn in TOOLS.items()}))
    return rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="half-resolution pages, fewer angles (< 1 min)")
    add_corpus_argument(ap, TEST_DATA)
    args = ap.parse_args(argv)
    t_start = time.perf_counter()
    syn = synthetic(args.quick)
    print(f"{'tool':15s} {'median|err|':>11s} {'mean|err|':>10s} {'max|err|':>9s} {'<=0.1deg':>8s} {'s/page':>8s}")
    for name, r in syn.items():
        err = np.array(r["err"])
        print(f"{name:15s} {np.median(err):11.3f} {err.mean():10.3f} {err.max():9.3f} "
              f"{(err <= 0.1).mean():8.0%} {statistics.mean(r['time']):8.3f}")
    ratio = statistics.mean(syn["deskew (PyPI)"]["time"]) / statistics.mean(syn["digitizer"]["time"])
    print(f"time ratio deskew/digitizer: {ratio:.1f}x  (digitizer is {ratio:.1f}x faster)")
    print("\nreal dev-corpus scans rotated by a known angle (error vs each tool's unrotated reading):")
    print(f"{'page':40s} {'angle':>6s} " + " ".join(f"{t:>14s}" for t in TOOLS))
    for name, angle, errs in real(args.quick, args.corpus):
        print(f"{name:40s} {angle:6.1f} " + " ".join(f"{errs[t]:+14.3f}" for t in TOOLS))
    print(f"\ntotal benchmark time {time.perf_counter() - t_start:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
