"""Quality control at capture time: per-page checks that ask for a rescan, never block saving.

Checks (names are stable; they are the badge names in the GUI and the keys in ``--json``):

``resolution``  the page's resolution vs the profile target (``target_dpi``, ``dpi_tolerance``);
                a page without a resolution in its metadata fails.
``skew``        the content angle from :func:`digitizer.imaging.skew.estimate_skew` (``max_skew``).
``blur``        focus: mean ``|Laplacian|`` over the strongest 3 % of edges divided by the mean
                gradient magnitude there, measured at a fixed working resolution of 150 ppi.
                The Laplacian/gradient ratio falls like 1/edge width, so it is independent of
                contrast and of how much text a page holds; the fixed working resolution makes
                it comparable between 300, 400 and 600 ppi scans (``min_sharpness``).
``exposure``    clipping: the largest share, over channels, of pixels at 0-1 (shadows,
                ``max_clipped_shadows``) or 254-255 (highlights, ``max_clipped_highlights``),
                plus the paper level (95th percentile of grey, ``min_paper_level``): an
                under-exposed light page clips nothing but has grey paper.
``blank``       ink coverage: share of pixels 22 % darker than the local paper after background
                flattening (``min_ink``).
``duplicate``   64-bit dHash + 64-bit pHash of this page vs the previous page of the item; at most
                ``duplicate_distance`` of the 128 bits differing means "likely the same page twice".
``page_count``  item level: number of pages vs ``expected_pages`` (item metadata or argument).

Thresholds come from the profile's ``[qc]`` table (see :class:`QCSettings`).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from typing import Any

import cv2
import numpy as np

from .. import __version__
from ..errors import ProfileError
from ..model import Item, Page, ProcessingStep, utcnow
from ..report import Report

CHECKS = ("resolution", "skew", "blur", "exposure", "blank", "duplicate")
WORK_DPI = 150.0
EDGE_PERCENTILE = 97.0


@dataclass
class QCSettings:
    """The ``[qc]`` table of a profile; every key optional."""

    target_dpi: float = 300.0
    dpi_tolerance: float = 0.05          # accept down to target * (1 - tolerance)
    max_skew: float = 2.0                # degrees
    min_sharpness: float = 0.30          # see module doc (calibrated on the dev corpus)
    max_clipped_shadows: float = 0.005   # share of pixels at 0-1 in the worst channel
    max_clipped_highlights: float = 0.25 # share at 254-255 (clean white paper may clip a little)
    min_paper_level: float = 140.0       # 95th percentile of grey; lower = under-exposed
    min_ink: float = 0.0005              # share of ink pixels below which a page is "near blank"
    duplicate_distance: int = 32         # differing bits of dHash+pHash (128) for "same page"
    checks: list[str] = field(default_factory=lambda: list(CHECKS))
    expected_pages: int | None = None

    @classmethod
    def from_dict(cls, data: dict[str, Any], *, source: str = "[qc]") -> "QCSettings":
        """Validate a ``[qc]`` table; errors name ``source`` (file and section) and the key."""
        out = cls()
        known = {f.name for f in fields(cls)}
        for key, value in data.items():
            if key not in known:
                raise ProfileError(f"{source}: unknown key {key!r} (known: {', '.join(sorted(known))})")
            setattr(out, key, _check_value(key, value, source))
        return out

    @classmethod
    def from_profile(cls, profile: Any) -> "QCSettings":
        where = f"{getattr(profile, 'path', '') or getattr(profile, 'name', 'profile')}: [qc]"
        return cls.from_dict(profile.section("qc"), source=where)


_RANGES: dict[str, tuple[float, float]] = {
    "target_dpi": (50, 4800), "dpi_tolerance": (0, 0.9), "max_skew": (0, 45), "min_sharpness": (0, 5),
    "max_clipped_shadows": (0, 1), "max_clipped_highlights": (0, 1), "min_paper_level": (0, 255),
    "min_ink": (0, 1), "duplicate_distance": (0, 128), "expected_pages": (1, 100000),
}


def _check_value(key: str, value: Any, source: str) -> Any:
    if key == "checks":
        if not isinstance(value, list) or any(v not in CHECKS for v in value):
            raise ProfileError(f"{source}: checks must be a list drawn from {', '.join(CHECKS)}, not {value!r}")
        return list(value)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ProfileError(f"{source}: {key} must be a number, not {value!r}")
    lo, hi = _RANGES[key]
    if not lo <= value <= hi:
        raise ProfileError(f"{source}: {key} = {value!r} is outside {lo:g}..{hi:g}")
    if key in ("duplicate_distance", "expected_pages"):
        if int(value) != value:
            raise ProfileError(f"{source}: {key} must be a whole number, not {value!r}")
        return int(value)
    return float(value)


# --------------------------------------------------------------------------- results


@dataclass
class CheckResult:
    name: str
    status: str                    # pass | fail | skip
    value: float | None = None
    threshold: float | None = None
    message: str = ""


@dataclass
class PageQC:
    page_id: int | None
    seq: int | None
    checks: list[CheckResult] = field(default_factory=list)
    dhash: int = 0
    phash: int = 0

    @property
    def failed(self) -> list[CheckResult]:
        return [c for c in self.checks if c.status == "fail"]

    @property
    def ok(self) -> bool:
        return not self.failed

    def get(self, name: str) -> CheckResult | None:
        return next((c for c in self.checks if c.name == name), None)

    def to_dict(self) -> dict[str, Any]:
        return {"page_id": self.page_id, "seq": self.seq, "ok": self.ok,
                "checks": {c.name: {k: v for k, v in asdict(c).items() if k != "name"} for c in self.checks}}


# --------------------------------------------------------------------------- metrics


def to_gray(image: np.ndarray) -> np.ndarray:
    """8-bit grey view of an ``L``/``RGB`` array (copy only when needed)."""
    if image.ndim == 3:
        return cv2.cvtColor(np.ascontiguousarray(image[..., :3]), cv2.COLOR_RGB2GRAY)
    return np.ascontiguousarray(image, dtype=np.uint8)


def working_gray(gray: np.ndarray, dpi: float | None, target: float = WORK_DPI) -> np.ndarray:
    """Resample to ``target`` ppi (area interpolation; never upsample)."""
    scale = target / (dpi or 300.0)
    if scale >= 1.0:
        return gray
    return cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)


def sharpness(gray: np.ndarray, dpi: float | None) -> float:
    """Resolution- and contrast-normalised focus measure (higher is sharper; ~0.34-0.7 for good scans)."""
    g = working_gray(gray, dpi).astype(np.float32)
    lap = np.abs(cv2.Laplacian(g, cv2.CV_32F, ksize=3))
    gx = cv2.Sobel(g, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(g, cv2.CV_32F, 0, 1, ksize=3)
    mag = cv2.magnitude(gx, gy)
    strong = mag >= max(float(np.percentile(mag, EDGE_PERCENTILE)), 8.0)
    if int(strong.sum()) < 100:
        return 0.0
    return float(lap[strong].mean() / mag[strong].mean())


def clipping(image: np.ndarray) -> tuple[float, float]:
    """(under, over): worst-channel share of pixels at 0-1 and at 254-255."""
    chans = [image] if image.ndim == 2 else [image[..., i] for i in range(min(3, image.shape[2]))]
    under = over = 0.0
    for ch in chans:
        hist = cv2.calcHist([np.ascontiguousarray(ch)], [0], None, [256], [0, 256]).ravel()
        total = float(hist.sum()) or 1.0
        under = max(under, float(hist[:2].sum()) / total)
        over = max(over, float(hist[254:].sum()) / total)
    return under, over


def ink_coverage(gray: np.ndarray, dpi: float | None) -> float:
    """Share of pixels clearly darker than the local paper (background flattened by a closing)."""
    from ..imaging.skew import flatten_background

    flat = flatten_background(working_gray(gray, dpi))
    return float(np.count_nonzero(flat < 200)) / flat.size


def dhash(gray: np.ndarray, size: int = 8) -> int:
    """Difference hash: 64 bits from horizontal gradients of a (size+1)x size thumbnail."""
    small = cv2.resize(gray, (size + 1, size), interpolation=cv2.INTER_AREA).astype(np.int16)
    bits = (small[:, 1:] > small[:, :-1]).ravel()
    return _pack(bits)


def phash(gray: np.ndarray, size: int = 8, factor: int = 4) -> int:
    """Perceptual hash: signs of the low 8x8 DCT coefficients of a 32x32 thumbnail vs their median."""
    n = size * factor
    small = cv2.resize(gray, (n, n), interpolation=cv2.INTER_AREA).astype(np.float32)
    low = cv2.dct(small)[:size, :size].ravel()
    med = float(np.median(low[1:]))
    return _pack(low > med)


def _pack(bits: np.ndarray) -> int:
    out = 0
    for b in bits.tolist():
        out = (out << 1) | int(b)
    return out


def hamming(a: int, b: int) -> int:
    return int(bin(a ^ b).count("1"))


# --------------------------------------------------------------------------- page checks


def _result(name: str, bad: bool, value: float, threshold: float, msg: str) -> CheckResult:
    return CheckResult(name, "fail" if bad else "pass", round(float(value), 4), threshold, msg if bad else "")


def check_image(image: np.ndarray, dpi: float | None, settings: QCSettings, *,
                previous: tuple[int, int] | None = None, page_id: int | None = None,
                seq: int | None = None) -> PageQC:
    """Run the enabled checks on one page image (``L`` or ``RGB`` uint8 array).

    ``previous`` is the (dhash, phash) of the page before it, for the duplicate check.
    """
    gray = to_gray(image)
    qc = PageQC(page_id=page_id, seq=seq, dhash=dhash(gray), phash=phash(gray))
    on = set(settings.checks)
    ink = ink_coverage(gray, dpi)
    blank = ink < settings.min_ink
    if "resolution" in on:
        qc.checks.append(_resolution(dpi, settings))
    if "blank" in on:
        qc.checks.append(_result("blank", blank, ink, settings.min_ink,
                                 f"near-blank page ({ink:.2%} ink) - missed page or wrong side?"))
    if "skew" in on:
        qc.checks.append(_skew(gray, blank, settings))
    if "blur" in on:
        qc.checks.append(_blur(gray, dpi, blank, settings))
    if "exposure" in on:
        qc.checks.append(_exposure(image, gray, settings))
    if "duplicate" in on:
        qc.checks.append(_duplicate(qc, previous, settings))
    return qc


def _resolution(dpi: float | None, s: QCSettings) -> CheckResult:
    if not dpi:
        return CheckResult("resolution", "fail", None, s.target_dpi,
                           f"no resolution in the file; target is {s.target_dpi:g} ppi")
    low = s.target_dpi * (1 - s.dpi_tolerance)
    return _result("resolution", dpi < low, dpi, s.target_dpi,
                   f"{dpi:g} ppi is below the target {s.target_dpi:g} ppi")


def _skew(gray: np.ndarray, blank: bool, s: QCSettings) -> CheckResult:
    if blank:
        return CheckResult("skew", "skip", None, s.max_skew, "no text to measure")
    from ..imaging.skew import estimate_skew

    angle = estimate_skew(gray, max_angle=15.0)
    return _result("skew", abs(angle) > s.max_skew, angle, s.max_skew, f"page is skewed by {angle:+.1f} deg")


def _blur(gray: np.ndarray, dpi: float | None, blank: bool, s: QCSettings) -> CheckResult:
    if blank:
        return CheckResult("blur", "skip", None, s.min_sharpness, "no text to measure")
    value = sharpness(gray, dpi)
    return _result("blur", value < s.min_sharpness, value, s.min_sharpness,
                   f"out of focus or blurred (sharpness {value:.2f} < {s.min_sharpness:.2f})")


def _exposure(image: np.ndarray, gray: np.ndarray, s: QCSettings) -> CheckResult:
    under, over = clipping(image)
    paper = float(np.percentile(gray[::2, ::2], 95))
    if under > s.max_clipped_shadows:
        return CheckResult("exposure", "fail", round(under, 4), s.max_clipped_shadows,
                           f"under-exposed: {under:.1%} of pixels clipped to black")
    if paper < s.min_paper_level:
        return CheckResult("exposure", "fail", round(paper, 1), s.min_paper_level,
                           f"under-exposed: paper level {paper:.0f} < {s.min_paper_level:.0f}")
    return _result("exposure", over > s.max_clipped_highlights, over, s.max_clipped_highlights,
                   f"over-exposed: {over:.1%} of pixels clipped to white")


def _duplicate(qc: PageQC, previous: tuple[int, int] | None, s: QCSettings) -> CheckResult:
    if previous is None:
        return CheckResult("duplicate", "skip", None, s.duplicate_distance, "first page")
    dist = hamming(qc.dhash, previous[0]) + hamming(qc.phash, previous[1])
    return _result("duplicate", dist <= s.duplicate_distance, dist, s.duplicate_distance,
                   f"looks like the previous page again ({dist} bits differ)")


def check_page_count(n_pages: int, expected: int | None) -> CheckResult:
    if not expected:
        return CheckResult("page_count", "skip", n_pages, None, "no expected page count")
    return _result("page_count", n_pages != expected, n_pages, expected,
                   f"{n_pages} pages captured, {expected} expected")


# --------------------------------------------------------------------------- store integration


def load_page_array(store: Any, page: Page) -> np.ndarray:
    """The page's pixels (8-bit L/RGB) as referenced by exports."""
    from ..imaging.io import load_frame

    image_ref = page.derived.get("image")
    frame = 0 if image_ref else page.source_page
    img, _dpi = load_frame(store.page_image_path(page), frame)
    return np.asarray(img)


def settings_for_item(item: Item, overrides: dict[str, Any] | None = None) -> QCSettings:
    """The item's profile ``[qc]`` table, then ``expected_pages`` from item metadata, then overrides."""
    from ..profiles import load_profile

    s = QCSettings.from_profile(load_profile(item.profile))
    meta_expected = item.metadata.get("expected_pages") if item.metadata else None
    if meta_expected:
        s.expected_pages = int(meta_expected)
    for key, value in (overrides or {}).items():
        if value is not None:
            setattr(s, key, _check_value(key, value, "qc override"))
    return s


def save_page_qc(store: Any, qc: PageQC) -> None:
    """Store the latest results per check and one ``qc`` event (outcome warning when a check failed)."""
    step = ProcessingStep(action="qc", tool="digitizer.capture.qc", tool_version=__version__,
                          parameters={c.name: c.value for c in qc.checks} | {"dhash": f"{qc.dhash:016x}",
                                                                               "phash": f"{qc.phash:016x}"},
                          agent=store.agent, outcome="success" if qc.ok else "warning",
                          detail="; ".join(c.message for c in qc.failed))
    with store.transaction() as c:
        eid = store.record(step, page_id=qc.page_id)
        now = utcnow()
        for r in qc.checks:
            c.execute("INSERT INTO qc_results(page_id, check_name, status, value, threshold, message, at, event_id)"
                      " VALUES (?,?,?,?,?,?,?,?) ON CONFLICT(page_id, check_name) DO UPDATE SET status=excluded.status,"
                      " value=excluded.value, threshold=excluded.threshold, message=excluded.message, at=excluded.at,"
                      " event_id=excluded.event_id",
                      (qc.page_id, r.name, r.status, r.value, r.threshold, r.message, now, eid))


def stored_qc(store: Any, page_id: int) -> PageQC | None:
    rows = store.conn.execute("SELECT * FROM qc_results WHERE page_id = ? ORDER BY rowid", (page_id,)).fetchall()
    if not rows:
        return None
    page = store.get_page(page_id)
    return PageQC(page_id=page_id, seq=page.seq,
                  checks=[CheckResult(r["check_name"], r["status"], r["value"], r["threshold"], r["message"])
                          for r in rows])


def hashes_of(store: Any, page: Page) -> tuple[int, int]:
    gray = to_gray(load_page_array(store, page))
    return dhash(gray), phash(gray)


def qc_page(store: Any, page: Page, settings: QCSettings, *, previous: tuple[int, int] | None = None,
            save: bool = True) -> PageQC:
    """Check one stored page; ``previous`` hashes are computed from the page before it when not given."""
    if previous is None and "duplicate" in settings.checks:
        before = [p for p in store.pages(page.item_id) if p.seq < page.seq]
        previous = hashes_of(store, before[-1]) if before else None
    qc = check_image(load_page_array(store, page), page.dpi, settings, previous=previous, page_id=page.id,
                     seq=page.seq)
    if save:
        save_page_qc(store, qc)
    return qc


def qc_item(store: Any, item: Item, settings: QCSettings | None = None, *, progress: Any = None,
            cancel: Any = None) -> tuple[list[PageQC], CheckResult]:
    """Check every page of ``item`` in order; returns page results and the page-count result."""
    settings = settings or settings_for_item(item)
    pages = store.pages(item.id)
    if progress:
        progress.start(len(pages), f"QC {item.identifier}")
    out: list[PageQC] = []
    previous: tuple[int, int] | None = None
    for page in pages:
        if cancel:
            cancel.check()
        qc = check_image(load_page_array(store, page), page.dpi, settings, previous=previous, page_id=page.id,
                         seq=page.seq)
        save_page_qc(store, qc)
        previous = (qc.dhash, qc.phash)
        out.append(qc)
        if progress:
            progress.advance(1)
    return out, check_page_count(len(pages), settings.expected_pages)


def qc_report(item: Item, results: list[PageQC], count: CheckResult) -> Report:
    """Warnings (rescan suggested) for failed checks; a notice summary.  Never errors: QC never blocks."""
    rep = Report(title=f"capture QC: {item.identifier}")
    labels = {p.id: p.label for p in item.pages}
    for qc in results:
        subject = f"{item.identifier} p{qc.seq}" + (f" ({labels[qc.page_id]})" if labels.get(qc.page_id) else "")
        for c in qc.failed:
            rep.warning(f"{c.name}: {c.message} - rescan suggested", subject)
    if count.status == "fail":
        rep.warning(f"page_count: {count.message}", item.identifier)
    flagged = sum(1 for q in results if not q.ok)
    rep.notice(f"{len(results)} page(s) checked, {flagged} flagged", item.identifier)
    return rep


def results_json(item: Item, results: list[PageQC], count: CheckResult) -> dict[str, Any]:
    labels = {p.id: p.label for p in item.pages}
    return {"item": item.identifier, "page_count": asdict(count),
            "pages": [qc.to_dict() | {"label": labels.get(qc.page_id, "")} for qc in results]}


def dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, indent=2)
