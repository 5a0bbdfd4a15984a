"""Skew estimation (projection profiles, coarse to fine) and exact rotation geometry.

Sign convention
---------------
A skew angle is the **counter-clockwise rotation of the page content as displayed**
(image y axis pointing down), in degrees: positive means text lines rise from left to
right.  ``PIL.Image.rotate(a)`` of a straight page gives a page whose skew is ``+a``;
deskewing rotates by ``-skew``.  (The PyPI ``deskew`` package returns the opposite sign:
the correction angle.)

Method
------
1. Downscale the grey page to a working size (long side ~1600 px), Otsu-binarise.
2. Keep "text-like" connected components: not touching the image edge (scanner borders),
   not taller than a few percent of the page (pictures, rules down the margin), not specks.
3. Treat the remaining ink pixels as points; for each candidate angle project them onto
   the page normal (``p = y*cos(a) + x*sin(a)``) and score the sharpness of the histogram
   (sum of squared bin counts).  All angles are scored in one vectorised ``bincount``.
4. Coarse grid over ``[-max_angle, max_angle]`` (0.25 deg, 40k subsampled points), then
   0.1 deg and 0.02 deg grids around the best angle (up to 200k points), each followed by
   a parabola through the best score and its neighbours.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from ..model import Transform

WORK_LONG_SIDE = 1600
COARSE_STEP = 0.25
FINE_STAGES = ((0.4, 0.1), (0.16, 0.02))     # (half range, step) around the previous best
MAX_COARSE_POINTS = 40_000
MAX_FINE_POINTS = 200_000
MIN_POINTS = 200


def _working_image(gray: np.ndarray) -> np.ndarray:
    """Downscale so the long side is about ``WORK_LONG_SIDE`` (never upscale)."""
    h, w = gray.shape[:2]
    scale = min(1.0, WORK_LONG_SIDE / max(h, w))
    if scale >= 1.0:
        return gray
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    return cv2.resize(gray, size, interpolation=cv2.INTER_AREA)


def flatten_background(gray: np.ndarray, kernel: int = 0) -> np.ndarray:
    """Divide by a closing-estimated paper background, so grey paper and white fill both read ~255."""
    k = kernel or max(9, round(max(gray.shape) / 100) | 1)
    bg = cv2.morphologyEx(gray, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (k, k)))
    return cv2.divide(gray, np.maximum(bg, 1), scale=255)


def text_mask(gray: np.ndarray) -> np.ndarray:
    """Binary mask (uint8 0/1) of text-like ink: Otsu ink minus border-touching/huge/tiny blobs."""
    _, ink = cv2.threshold(flatten_background(gray), 0, 1, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    h, w = gray.shape
    x, y, bw, bh, area = (stats[:, i] for i in range(5))
    touches = (x == 0) | (y == 0) | (x + bw >= w) | (y + bh >= h)
    keep = ~touches & (bh <= max(8, h * 0.04)) & (bw <= w * 0.9) & (area >= 3)
    keep[0] = False
    return keep[labels].astype(np.uint8)


def _scores(xs: np.ndarray, ys: np.ndarray, angles_deg: np.ndarray, bin_px: float) -> np.ndarray:
    """Projection-profile sharpness (sum of squared bin counts) for each angle."""
    rad = np.deg2rad(angles_deg)
    proj = np.outer(np.cos(rad) / bin_px, ys).astype(np.float32)
    proj += np.outer(np.sin(rad) / bin_px, xs).astype(np.float32)
    lo = np.floor(proj.min())
    idx = (proj - lo).astype(np.int64)
    nbins = int(idx.max()) + 1
    idx += (np.arange(len(angles_deg), dtype=np.int64) * nbins)[:, None]
    hist = np.bincount(idx.ravel(), minlength=nbins * len(angles_deg)).astype(np.float64)
    return (hist.reshape(len(angles_deg), nbins) ** 2).sum(axis=1)


def _subsample(xs: np.ndarray, ys: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    if len(xs) <= n:
        return xs, ys
    sel = np.random.default_rng(0).choice(len(xs), n, replace=False)
    return xs[sel], ys[sel]


def _parabola_peak(angles: np.ndarray, scores: np.ndarray) -> float:
    i = int(np.argmax(scores))
    if 0 < i < len(scores) - 1:
        s0, s1, s2 = scores[i - 1], scores[i], scores[i + 1]
        denom = s0 - 2 * s1 + s2
        if denom < 0:
            off = 0.5 * (s0 - s2) / denom
            return float(angles[i] + max(-1.0, min(1.0, off)) * (angles[1] - angles[0]))
    return float(angles[i])


def estimate_skew(gray: np.ndarray, max_angle: float = 15.0) -> float:
    """Skew of the page content in degrees (CCW positive, see module doc); 0.0 if no text found."""
    if gray.ndim == 3:
        gray = cv2.cvtColor(gray, cv2.COLOR_RGB2GRAY)
    work = _working_image(np.ascontiguousarray(gray, dtype=np.uint8))
    ys, xs = np.nonzero(text_mask(work))
    if len(xs) < MIN_POINTS:
        return 0.0
    # jitter each ink pixel inside its square: integer coordinates alias with 1-px bins near 0 deg
    jitter = np.random.default_rng(1).random((2, len(xs)))
    xs = xs + jitter[0] - work.shape[1] / 2
    ys = ys + jitter[1] - work.shape[0] / 2
    cx, cy = _subsample(xs, ys, MAX_COARSE_POINTS)
    coarse = np.arange(-max_angle, max_angle + 1e-9, COARSE_STEP)
    best = float(coarse[int(np.argmax(_scores(cx, cy, coarse, 2.0)))])
    fx, fy = _subsample(xs, ys, MAX_FINE_POINTS)
    for half, step in FINE_STAGES:
        fine = np.arange(best - half, best + half + 1e-9, step)
        best = _parabola_peak(fine, _scores(fx, fy, fine, 1.0))
    angle = best
    return round(max(-max_angle, min(max_angle, angle)), 3) + 0.0     # no -0.0


# --------------------------------------------------------------------------- geometry


def rotation_transform(width: int, height: int, angle: float) -> tuple[Transform, int, int]:
    """Transform rotating content CCW (as displayed) by ``angle`` deg about the page centre,
    with the canvas expanded so nothing is cut.  Returns (transform, new_width, new_height).

    Coordinates are continuous pixel coordinates (pixel ``i`` covers ``[i, i+1)``).
    """
    rad = math.radians(angle)
    c, s = math.cos(rad), math.sin(rad)
    # y-down CCW rotation: x' = c*x + s*y, y' = -s*x + c*y  (about the centre)
    corners = [(0, 0), (width, 0), (0, height), (width, height)]
    cx, cy = width / 2, height / 2
    rot = [(c * (x - cx) + s * (y - cy), -s * (x - cx) + c * (y - cy)) for x, y in corners]
    new_w = max(1, math.ceil(max(p[0] for p in rot) - min(p[0] for p in rot) - 1e-6))
    new_h = max(1, math.ceil(max(p[1] for p in rot) - min(p[1] for p in rot) - 1e-6))
    tx = new_w / 2 - (c * cx + s * cy)
    ty = new_h / 2 - (-s * cx + c * cy)
    return Transform(c, s, tx, -s, c, ty), new_w, new_h


def warp(img: np.ndarray, t: Transform, size: tuple[int, int], fill: int | tuple[int, ...]) -> np.ndarray:
    """Apply ``t`` (continuous coords) to ``img`` with cubic interpolation on a ``size`` canvas."""
    m = np.array(t.matrix(), dtype=np.float64)
    # continuous -> OpenCV pixel-centre coords: x_cv = x - 0.5
    m[:, 2] += m[:, :2] @ np.array([0.5, 0.5]) - 0.5
    return cv2.warpAffine(img, m, size, flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_CONSTANT, borderValue=fill)
