"""Capture QC on real dev pages and degraded copies: detection rate and false alarms.

Run: ``.venv/bin/python benchmarks/bench_qc.py [--corpus ../shared/corpus/dev] [--json out.json]``

For every real page of the dev corpus (good, as scanned) this makes degraded copies and runs
:func:`digitizer.capture.qc.check_image` with the default thresholds:

* blur: Gaussian blur of sigma 1.5, 2 and 3 px at 300 ppi (0.13 / 0.17 / 0.25 mm)
* rotation: +3, -3 and +5 degrees (paper-coloured fill)
* under-exposure (``v*0.55 - 25``), over-exposure (``v*1.5 + 30``), clipped
* blank: the page with its ink removed (morphological closing keeps paper and lighting)
* duplicate: the page again, shifted 1 %, rotated 0.3 deg, noise, JPEG q85, placed after itself
* low resolution: the page resampled to 150 ppi

Detection rate = degraded copies flagged by the check meant to catch them.  False alarms =
good pages flagged by a check (per check), and consecutive *different* pages flagged as
duplicates.  The page without resolution metadata is counted separately (a true flag).
"""

from __future__ import annotations

import argparse
import glob
import io
import json
import sys
import time
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from digitizer.capture.qc import CHECKS, QCSettings, check_image  # noqa: E402


def load(path: str) -> tuple[np.ndarray, float | None]:
    im = Image.open(path)
    dpi = im.info.get("dpi", (None,))[0]
    return np.asarray(im.convert("RGB")), (float(dpi) if dpi else None)


def blur(a: np.ndarray, dpi: float | None, sigma300: float) -> np.ndarray:
    return cv2.GaussianBlur(a, (0, 0), sigma300 * (dpi or 300) / 300)


def paper_colour(a: np.ndarray) -> tuple[int, ...]:
    return tuple(int(v) for v in np.percentile(a.reshape(-1, a.shape[-1]), 90, axis=0))


def rotate(a: np.ndarray, angle: float) -> np.ndarray:
    h, w = a.shape[:2]
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    return cv2.warpAffine(a, m, (w, h), flags=cv2.INTER_CUBIC, borderValue=paper_colour(a))


def exposure(a: np.ndarray, gain: float, offset: float) -> np.ndarray:
    return np.clip(a.astype(np.float32) * gain + offset, 0, 255).astype(np.uint8)


def blank(a: np.ndarray, dpi: float | None) -> np.ndarray:
    k = int(round(41 * (dpi or 300) / 300)) | 1
    return cv2.morphologyEx(a, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (k, k)))


def rescan(a: np.ndarray, seed: int) -> np.ndarray:
    h, w = a.shape[:2]
    m = cv2.getRotationMatrix2D((w / 2, h / 2), 0.3, 1.0)
    m[:, 2] += (0.01 * w, 0.01 * h)
    out = cv2.warpAffine(a, m, (w, h), flags=cv2.INTER_LINEAR, borderValue=paper_colour(a))
    rng = np.random.default_rng(seed)
    out = np.clip(out.astype(np.int16) + rng.normal(0, 4, out.shape).astype(np.int16), 0, 255).astype(np.uint8)
    buf = io.BytesIO()
    Image.fromarray(out).save(buf, "JPEG", quality=85)
    return np.asarray(Image.open(io.BytesIO(buf.getvalue())).convert("RGB"))


def downsample(a: np.ndarray, dpi: float | None, target: float = 150.0) -> tuple[np.ndarray, float]:
    s = target / (dpi or 300)
    return cv2.resize(a, None, fx=s, fy=s, interpolation=cv2.INTER_AREA), target


DEGRADATIONS = {   # name -> (check expected to fire, function(a, dpi, seed) -> (array, dpi))
    "blur_s1.5": ("blur", lambda a, d, s: (blur(a, d, 1.5), d)),
    "blur_s2": ("blur", lambda a, d, s: (blur(a, d, 2.0), d)),
    "blur_s3": ("blur", lambda a, d, s: (blur(a, d, 3.0), d)),
    "rotate_3": ("skew", lambda a, d, s: (rotate(a, 3.0), d)),
    "rotate_-3": ("skew", lambda a, d, s: (rotate(a, -3.0), d)),
    "rotate_5": ("skew", lambda a, d, s: (rotate(a, 5.0), d)),
    "under_exposed": ("exposure", lambda a, d, s: (exposure(a, 0.55, -25), d)),
    "over_exposed": ("exposure", lambda a, d, s: (exposure(a, 1.5, 30), d)),
    "blank": ("blank", lambda a, d, s: (blank(a, d), d)),
    "low_resolution": ("resolution", lambda a, d, s: downsample(a, d)),
}


def run(corpus: Path, settings: QCSettings) -> dict:
    files = sorted(glob.glob(str(corpus / "**" / "*.jp*g"), recursive=True)
                   + glob.glob(str(corpus / "**" / "*.tif"), recursive=True))
    good_flags = {c: 0 for c in CHECKS}
    good_values: dict[str, list[float]] = {c: [] for c in CHECKS}
    detected = {k: 0 for k in DEGRADATIONS}
    other_flags = {k: 0 for k in DEGRADATIONS}
    dup_detected = dup_false = dup_pairs = 0
    no_dpi = 0
    prev_hash = None
    t0 = time.perf_counter()
    n_checked = 0
    for i, path in enumerate(files):
        a, dpi = load(path)
        good = check_image(a, dpi, settings, previous=prev_hash)
        n_checked += 1
        if prev_hash is not None:
            dup_pairs += 1
            dup_false += good.get("duplicate").status == "fail"
        prev_hash = (good.dhash, good.phash)
        for c in good.checks:
            if c.value is not None:
                good_values[c.name].append(c.value)
            if c.status == "fail":
                if c.name == "resolution" and dpi is None:
                    no_dpi += 1
                else:
                    good_flags[c.name] += 1
                    print(f"  false alarm {c.name}: {Path(path).name}: {c.message}", file=sys.stderr)
        for name, (check, fn) in DEGRADATIONS.items():
            b, bdpi = fn(a, dpi, i)
            q = check_image(b, bdpi, settings, previous=None)
            n_checked += 1
            hit = q.get(check)
            detected[name] += hit is not None and hit.status == "fail"
            other_flags[name] += any(c.status == "fail" and c.name not in (check, "resolution") for c in q.checks)
        dup = rescan(a, i)
        q = check_image(dup, dpi, settings, previous=(good.dhash, good.phash))
        n_checked += 1
        dup_detected += q.get("duplicate").status == "fail"
    elapsed = time.perf_counter() - t0
    n = len(files)
    return {
        "pages": n, "checked_images": n_checked, "seconds": round(elapsed, 1),
        "seconds_per_image": round(elapsed / max(n_checked, 1), 3),
        "good_false_alarms": good_flags, "good_missing_dpi_flagged": no_dpi,
        "good_value_ranges": {k: [round(min(v), 4), round(max(v), 4)] for k, v in good_values.items() if v},
        "detection": {k: f"{v}/{n}" for k, v in detected.items()},
        "degraded_flagged_by_other_checks": {k: f"{v}/{n}" for k, v in other_flags.items()},
        "duplicate_detection": f"{dup_detected}/{n}",
        "duplicate_false_alarms": f"{dup_false}/{dup_pairs} consecutive different pages",
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpus", default=str(Path(__file__).resolve().parent.parent.parent / "shared/corpus/dev"))
    ap.add_argument("--json", help="write the results here too")
    args = ap.parse_args()
    res = run(Path(args.corpus), QCSettings())
    text = json.dumps(res, indent=2)
    print(text)
    if args.json:
        Path(args.json).write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
