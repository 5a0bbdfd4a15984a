"""Synthetic page generator for preprocessing tests and the deskew benchmark.

Pages are rendered with real DejaVu fonts (paragraphs of pseudo-random words, a heading,
ragged last lines), so projection profiles look like a real printed page.
"""

from __future__ import annotations

import random
from functools import lru_cache
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from _data_helpers import DATA, DEJAVU_DIR

FONT_DIR = DEJAVU_DIR
FONTS = ("DejaVuSerif.ttf", "DejaVuSans.ttf", "DejaVuSansMono.ttf")

_SYLLABLES = ("an", "der", "ko", "mi", "lus", "te", "ra", "vin", "sto", "pe", "qua", "lis", "mon", "tur",
              "ge", "schaft", "ver", "tion", "ex", "ab", "ol", "um", "in", "et", "sa", "bri", "cor", "nu")


def _word(rng: random.Random) -> str:
    w = "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(1, 4)))
    if rng.random() < 0.12:
        w = w.capitalize()
    if rng.random() < 0.08:
        w += rng.choice(",.;:")
    return w


def _paragraph_lines(rng: random.Random, font: ImageFont.FreeTypeFont, width: int, n_words: int) -> list[str]:
    lines, cur = [], ""
    for _ in range(n_words):
        w = _word(rng)
        cand = f"{cur} {w}" if cur else w
        if font.getlength(cand) > width and cur:
            lines.append(cur)
            cur = w
        else:
            cur = cand
    if cur:
        lines.append(cur)
    return lines


def render_text_page(width: int = 1240, height: int = 1754, *, seed: int = 0, font_name: str = "DejaVuSerif.ttf",
                     font_px: int | None = None) -> Image.Image:
    """An 8-bit L page of paragraphs (default: A4 at 150 dpi; pass 2480x3508 for 300 dpi)."""
    return _render(width, height, seed, font_name, font_px).copy()


@lru_cache(maxsize=16)
def _render(width: int, height: int, seed: int, font_name: str, font_px: int | None) -> Image.Image:
    rng = random.Random(seed)
    px = font_px or max(8, round(width / 2480 * 42))          # ~10 pt at 300 dpi
    font = ImageFont.truetype(str(FONT_DIR / font_name), px)
    head = ImageFont.truetype(str(FONT_DIR / "DejaVuSerif-Bold.ttf"), round(px * 1.6))
    img = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(img)
    mx, my = round(width * 0.11), round(height * 0.08)
    y = my
    draw.text((mx, y), " ".join(_word(rng) for _ in range(4)).title(), font=head, fill=20)
    y += round(px * 3.2)
    lead = round(px * 1.35)
    while y < height - my - lead:
        indent = round(px * 2) if rng.random() < 0.7 else 0
        lines = _paragraph_lines(rng, font, width - 2 * mx - indent, rng.randint(25, 90))
        for i, ln in enumerate(lines):
            if y >= height - my - lead:
                break
            draw.text((mx + (indent if i == 0 else 0), y), ln, font=font, fill=rng.randint(0, 40))
            y += lead
        y += round(lead * 0.6)
    return img


def rotate_page(img: Image.Image, angle: float) -> Image.Image:
    """Rotate content counter-clockwise (as displayed) by ``angle`` degrees, expanding on white."""
    fill = 255 if img.mode == "L" else (255, 255, 255)
    return img.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=fill)


def add_black_border(img: Image.Image, *, left: int, top: int, right: int, bottom: int,
                     value: int = 15) -> Image.Image:
    """Put the page on a larger dark canvas, like a scanner lid/black margin."""
    out = Image.new("L", (img.width + left + right, img.height + top + bottom), value)
    out.paste(img, (left, top))
    return out


def illumination_gradient(img: Image.Image, low: float = 0.35) -> Image.Image:
    """Multiply the page by a horizontal+vertical light falloff (``low`` = darkest factor)."""
    a = np.asarray(img, dtype=np.float32)
    h, w = a.shape
    gx = np.linspace(1.0, low, w, dtype=np.float32)[None, :]
    gy = np.linspace(1.0, (1.0 + low) / 2, h, dtype=np.float32)[:, None]
    return Image.fromarray(np.clip(a * gx * gy, 0, 255).astype(np.uint8), "L")


def dev_pages(kinds: tuple[str, ...] = ("tapuscorpus", "ocrd-assets-kant"), corpus: Path = DATA) -> list[Path]:
    """Real page images (sorted) of ``corpus`` (default: tests/data), restricted to the given source folders."""
    out: list[Path] = []
    for k in kinds:
        out += sorted(p for p in (corpus / k).glob("*") if p.suffix.lower() in (".jpg", ".jpeg", ".tif"))
    return out
