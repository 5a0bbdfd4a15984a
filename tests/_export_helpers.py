"""Shared fixtures for the Tesseract engine and export tests: a rendered page of known text,
a CER helper and a hand-made layout with baselines/polygons (as an HTR engine would give)."""

from __future__ import annotations

import copy
import functools
import time
from dataclasses import dataclass

from PIL import Image, ImageDraw, ImageFont

from _data_helpers import DEJAVU_DIR

from digitizer.engines.base import RecognitionOptions
from digitizer.engines.registry import get_engine
from digitizer.model import BBox, Line, PageLayout, ProcessingStep, TextBlock, Word

FONT_DIR = DEJAVU_DIR

# Paragraphs as printed, line by line.  Line 2 of paragraph 1 ends with a hyphenated word
# ("digiti-" / "zation"); paragraph 2 has diacritics (café, naïve, Zürich).
PARAGRAPHS: list[list[str]] = [
    ["The archive keeps letters, maps and",
     "ledgers from three centuries. Their digiti-",
     "zation starts with careful scanning."],
    ["A small café near the old harbour served",
     "naïve painters from Zürich every summer."],
    ["Each page is checked twice before export",
     "and every file receives a checksum."],
]


@dataclass
class RenderedPage:
    image: Image.Image
    text: str                     # lines joined by \n, paragraphs by a blank line
    dpi: int


def render_page(paragraphs: list[list[str]] = PARAGRAPHS, *, dpi: int = 300, size_pt: float = 14.0,
                width: int = 2480, margin: int = 200) -> RenderedPage:
    """Render the paragraphs in DejaVu Serif, black on white, grayscale, at ``dpi``."""
    font = ImageFont.truetype(str(FONT_DIR / "DejaVuSerif.ttf"), round(size_pt * dpi / 72))
    line_h = round(font.size * 1.5)
    height = margin * 2 + sum(len(p) * line_h for p in paragraphs) + (len(paragraphs) - 1) * line_h
    img = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(img)
    y = margin
    for para in paragraphs:
        for line in para:
            draw.text((margin, y), line, font=font, fill=0)
            y += line_h
        y += line_h
    img.info["dpi"] = (dpi, dpi)
    text = "\n\n".join("\n".join(p) for p in paragraphs)
    return RenderedPage(image=img, text=text, dpi=dpi)


def cer(reference: str, hypothesis: str) -> float:
    """The project's one CER (:func:`digitizer.htr.evaluate.cer`) over whitespace-normalised text
    (each line's spaces collapsed, blank lines dropped)."""
    from digitizer.htr.evaluate import cer as text_cer

    def norm(s: str) -> str:
        return "\n".join(" ".join(ln.split()) for ln in s.strip().splitlines() if ln.strip())
    return text_cer(norm(reference), norm(hypothesis))


def htr_like_layout() -> PageLayout:
    """A layout as an HTR engine gives it: polygons, baselines, line text without words,
    plus one line with words and char confidences and a hyphenated line."""
    step = ProcessingStep(action="htr", tool="kraken", tool_version="7.1.1", model="tiny.safetensors",
                          model_sha256="ab" * 32, parameters={"device": "cpu", "batch": 1})
    l1 = Line(id="", bbox=BBox(100, 100, 900, 160), text="Kaiser Wilhelm", confidence=0.8,
              polygon=[(100, 100), (900, 102), (900, 160), (100, 158)],
              baseline=[(100, 150.4), (500, 151), (900, 152)])
    words = [Word("Ge-", BBox(100, 200, 240, 260), 0.9, char_confidences=[0.99, 0.5, 0.97])]
    l2 = Line(id="", bbox=BBox(100, 200, 240, 260), text="Ge-", confidence=0.9, words=words, hyphenated=True,
              baseline=[(100, 250), (240, 250)])
    l3 = Line(id="", bbox=BBox(100, 300, 400, 360), text="schichte",
              words=[Word("schichte", BBox(100, 300, 400, 360), 0.7)])
    block = TextBlock(id="", bbox=BBox(90, 90, 910, 370), lines=[l1, l2, l3],
                      polygon=[(90, 90), (910, 90), (910, 370), (90, 370)], language="de")
    return PageLayout(width=1000, height=500, blocks=[block], steps=[step])


LANGS = ["eng", "deu"]


@functools.lru_cache(maxsize=1)
def _recognized() -> tuple[RenderedPage, PageLayout, float]:
    page = render_page()
    t0 = time.perf_counter()
    layout = get_engine("tesseract").process(page.image, RecognitionOptions(languages=LANGS, extra={"dpi": page.dpi}))
    return page, layout, time.perf_counter() - t0


def recognized_page() -> tuple[RenderedPage, PageLayout, float]:
    """The rendered page, tesseract's layout of it (a fresh copy) and the seconds tesseract took
    (one real tesseract run per test session)."""
    page, layout, seconds = _recognized()
    return page, copy.deepcopy(layout), seconds
