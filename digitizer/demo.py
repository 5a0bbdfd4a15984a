"""The bundled demo collection, generated deterministically (our own text, DejaVu fonts).

``python -m digitizer.demo DIR`` writes::

    DIR/letters/       3 pages: clean TIFF, 3° skewed JPEG, noisy PNG
    DIR/report/        a 2-page PDF
    DIR/ground-truth/  the known text of every page (.gt.txt)

The same page renderer is used by tests and benchmarks (:func:`render_text_page`).
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

FONT_DIRS = [Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu")]

LETTERS = [
    ["Municipal Archive of Westbrook", "Accession register, volume three",
     "The records described below were received from the",
     "town clerk in the spring of the year. They comprise",
     "minutes of the council, correspondence about the new",
     "bridge over the river, and a bundle of maps drawn by",
     "the surveyor. Each bundle was counted, cleaned and",
     "placed in acid-free folders before it was numbered."],
    ["Letter from the surveyor to the council",
     "Gentlemen, I have the honour to report that the survey",
     "of the eastern meadows is now complete. The plans will",
     "be delivered to the clerk together with my notes on the",
     "drainage of the lower fields, which flood every winter.",
     "I remain, gentlemen, your obedient servant."],
    ["Minutes of the meeting held on the fourth of May",
     "Present: the mayor, six councillors and the clerk.",
     "The council resolved to repair the roof of the school",
     "before the autumn term, and to ask the county for a",
     "grant towards the cost of the new bridge. The meeting",
     "closed at nine o'clock in the evening."],
]

REPORT = [
    ["Annual report of the records office",
     "During the year the office received forty-two new",
     "collections and answered nine hundred enquiries from",
     "readers. The reading room was open on five days of the",
     "week, and the conservation workshop repaired the bindings",
     "of the oldest parish registers."],
    ["Digitization programme",
     "Fragile volumes are scanned at four hundred pixels per",
     "inch. The text is recognised, corrected by volunteers,",
     "and published together with checksums so that every file",
     "can be verified by the repository that keeps it."],
]


def font(size: int, *, serif: bool = True, bold: bool = False) -> ImageFont.FreeTypeFont:
    name = "DejaVuSerif" if serif else "DejaVuSans"
    name += "-Bold" if bold else ""
    for d in FONT_DIRS:
        p = d / f"{name}.ttf"
        if p.exists():
            return ImageFont.truetype(str(p), size)
    return ImageFont.load_default(size)


def render_text_page(lines: list[str], *, width: int = 1748, height: int = 2480, font_size: int = 42,
                     margin: int = 150, line_spacing: float = 1.8, serif: bool = True,
                     title_bold: bool = True) -> Image.Image:
    """A white page with ``lines`` of black text (first line bold when ``title_bold``), mode L."""
    img = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(img)
    y = margin
    for i, text in enumerate(lines):
        f = font(font_size, serif=serif, bold=title_bold and i == 0)
        draw.text((margin, y), text, fill=0, font=f)
        y += int(font_size * line_spacing) + (font_size // 2 if i == 0 else 0)
    return img


def skew(img: Image.Image, angle: float) -> Image.Image:
    return img.rotate(angle, resample=Image.BICUBIC, expand=True, fillcolor=255)


def add_noise(img: Image.Image, amount: float = 0.04, seed: int = 7) -> Image.Image:
    rng = np.random.default_rng(seed)
    a = np.asarray(img, dtype=np.int16).copy()
    a += rng.normal(0, 18, a.shape).astype(np.int16)
    specks = rng.random(a.shape) < amount / 4
    a[specks] = 0
    return Image.fromarray(np.clip(a, 0, 255).astype(np.uint8), "L")


def make_demo(out: str | Path) -> Path:
    out = Path(out)
    letters = out / "letters"
    report = out / "report"
    gt = out / "ground-truth"
    for d in (letters, report, gt):
        d.mkdir(parents=True, exist_ok=True)
    random.seed(1)
    p1 = render_text_page(LETTERS[0])
    p1.save(letters / "page1.tif", dpi=(300, 300), compression="tiff_lzw")
    p2 = skew(render_text_page(LETTERS[1]), 3.0)
    p2.convert("RGB").save(letters / "page2.jpg", dpi=(300, 300), quality=90)
    p3 = add_noise(render_text_page(LETTERS[2]))
    p3.save(letters / "page10.png", dpi=(300, 300))
    for name, lines in (("page1", LETTERS[0]), ("page2", LETTERS[1]), ("page10", LETTERS[2])):
        (gt / f"letters-{name}.gt.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    pages = [render_text_page(lines).convert("RGB") for lines in REPORT]
    pages[0].save(report / "annual-report.pdf", save_all=True, append_images=pages[1:], resolution=300.0)
    for i, lines in enumerate(REPORT, 1):
        (gt / f"report-p{i}.gt.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return out


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    out = make_demo(argv[0] if argv else "demo")
    print(f"demo collection written to {out}/ (letters: 3 pages, report: 2-page PDF)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
