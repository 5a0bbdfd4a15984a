"""Shared helpers for capture tests: SANE test-backend config, generated pages and photos."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

REPO = Path(__file__).resolve().parent.parent
WORDS = ("archive", "letter", "digitize", "page", "scanner", "record", "folio", "ledger", "survey", "minute")


def make_sane_config(directory: Path) -> Path:
    """Run scripts/sane-test-config.sh into ``directory`` and point SANE_CONFIG_DIR at it."""
    subprocess.run(["sh", str(REPO / "scripts" / "sane-test-config.sh"), str(directory)], check=True,
                   capture_output=True)
    os.environ["SANE_CONFIG_DIR"] = str(directory)   # read once by sane_init, so process-wide
    return directory


@pytest.fixture(scope="session")
def sane_test_backend(tmp_path_factory) -> Path:
    pytest.importorskip("sane")
    return make_sane_config(tmp_path_factory.mktemp("sane"))


def text_page(width: int = 1240, height: int = 1754, seed: int = 0, lines: int = 30) -> np.ndarray:
    """A grey 8-bit page of typewriter-like text lines (A4-ish at 150 ppi), paper ~235."""
    rng = np.random.default_rng(seed)
    page = np.full((height, width), 235, np.uint8)
    y = int(height * 0.08)
    step = int((height * 0.84) / lines)
    for _ in range(lines):
        x = int(width * (0.1 + 0.1 * (rng.random() < 0.2)))
        end = width * rng.uniform(0.35, 0.8) if rng.random() < 0.3 else width * 0.8
        if rng.random() < 0.15:
            y += step
            continue
        while x < end:
            word = str(rng.choice(WORDS))
            cv2.putText(page, word, (x, y), cv2.FONT_HERSHEY_SIMPLEX, 0.9, 30, 2, cv2.LINE_AA)
            x += int(22 * len(word) + 25)
        y += step
    noise = rng.normal(0, 2.0, page.shape)
    return np.clip(page + noise, 0, 255).astype(np.uint8)


def rotate(a: np.ndarray, angle: float, fill: int = 235) -> np.ndarray:
    h, w = a.shape[:2]
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    return cv2.warpAffine(a, m, (w, h), flags=cv2.INTER_CUBIC, borderValue=fill)


def write_tiff(path: Path, a: np.ndarray, dpi: float | None = 150) -> Path:
    im = Image.fromarray(a)
    kwargs = {"compression": "tiff_adobe_deflate"}
    if dpi:
        kwargs["dpi"] = (dpi, dpi)
    im.save(path, format="TIFF", **kwargs)
    return path


def page_photo(page: np.ndarray, corners: list[tuple[float, float]], size: tuple[int, int] = (1600, 1200),
               seed: int = 0) -> np.ndarray:
    """An RGB 'photo' of ``page`` warped onto ``corners`` (tl, tr, br, bl) over a dark textured table."""
    rng = np.random.default_rng(seed)
    w, h = size
    bg = np.clip(rng.normal(60, 12, (h, w, 3)), 0, 255).astype(np.uint8)
    bg = cv2.GaussianBlur(bg, (0, 0), 3)
    rgb = cv2.cvtColor(page, cv2.COLOR_GRAY2RGB) if page.ndim == 2 else page
    ph, pw = rgb.shape[:2]
    src = np.float32([[0, 0], [pw, 0], [pw, ph], [0, ph]])
    m = cv2.getPerspectiveTransform(src, np.float32(corners))
    warped = cv2.warpPerspective(rgb, m, (w, h))
    mask = cv2.warpPerspective(np.full((ph, pw), 255, np.uint8), m, (w, h))
    out = np.where(mask[..., None] > 127, warped, bg)
    return cv2.GaussianBlur(out, (0, 0), 0.7)
