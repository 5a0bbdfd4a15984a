"""Shared fixtures for the HTR tests: synthetic line images rendered with DejaVu fonts."""

from __future__ import annotations

import json
import random
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from _data_helpers import DEJAVU_DIR

from digitizer.htr.datasets import LineSample

FONT_DIRS = [DEJAVU_DIR]
VOCAB = ["le", "la", "mon", "ma", "et", "de", "testament", "je", "lègue", "à", "femme", "fils",
         "Paris", "mai", "1915", "ceci", "est", "pour", "tout", "bien"]


def font_path(name: str = "DejaVuSans.ttf") -> Path:
    for d in FONT_DIRS:
        p = d / name
        if p.is_file():
            return p
    raise FileNotFoundError(name)


def render_line(text: str, size: int = 40, font: str = "DejaVuSans.ttf") -> Image.Image:
    """Black text on white, 20 px margins, greyscale."""
    f = ImageFont.truetype(str(font_path(font)), size)
    x0, y0, x1, y1 = f.getbbox(text)
    im = Image.new("L", (x1 - x0 + 40, int(size * 1.5)), 255)
    ImageDraw.Draw(im).text((20 - x0, (im.height - (y1 - y0)) // 2 - y0), text, fill=0, font=f)
    return im


def make_texts(n: int, seed: int = 1, words: tuple[int, int] = (2, 4)) -> list[str]:
    rng = random.Random(seed)
    return [" ".join(rng.choice(VOCAB) for _ in range(rng.randint(*words))) for _ in range(n)]


def make_samples(n: int, seed: int = 1, pages: int = 6, words: tuple[int, int] = (2, 4)) -> list[LineSample]:
    """``n`` rendered lines spread over ``pages`` page keys."""
    texts = make_texts(n, seed, words)
    return [LineSample(render_line(t), t, f"page{i % pages}", id=f"s{i}") for i, t in enumerate(texts)]


def write_line_folder(folder: Path, samples: list[LineSample]) -> Path:
    """Write samples as ``<page>_<n>.png`` + ``.gt.txt`` (page key = file-name prefix)."""
    folder.mkdir(parents=True, exist_ok=True)
    for i, s in enumerate(samples):
        stem = f"{s.page_key}_{i:03d}"
        s.load().save(folder / f"{stem}.png")
        (folder / f"{stem}.gt.txt").write_text(s.text + "\n", encoding="utf-8")
    return folder


# ---------------------------------------------------------------------- tiny model for the tests

TINY_SPEC = "[1,32,0,1 Cr3,3,16 Mp2,2 Cr3,3,32 Mp2,2 S1(1x0)1,3 Lbx48]"   # no dropout: converges in ~10 epochs
TINY_VOCAB = ["le", "la", "mon", "ami", "lime", "mal", "il", "ma", "no", "lin"]
_cache: dict[str, object] = {}


def tiny_samples(n: int, seed: int, page_prefix: str = "p") -> list[LineSample]:
    """One- or two-word lines over a 10-word, 8-letter vocabulary."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        text = " ".join(rng.choice(TINY_VOCAB) for _ in range(rng.randint(1, 2)))
        out.append(LineSample(render_line(text), text, f"{page_prefix}{i % 8}", id=f"{page_prefix}{i}"))
    return out


def train_tiny(root: Path):
    """Train (once per test session) a tiny model on 64 rendered lines: at most 30 epochs, stops early at 0 % CER."""
    if "result" in _cache:
        return _cache["result"]
    import os

    from digitizer.htr.train import train

    # module-scoped fixtures run before conftest's per-test registry isolation: use our own
    os.environ["DIGITIZER_MODELS_DIR"] = str(root / "models")
    result = train(tiny_samples(64, 1, "t"), tiny_samples(16, 2, "v"), output_name="tiny-test",
                   spec=TINY_SPEC, max_epochs=30, patience=5, batch_size=1, lr=0.005, threads=1,
                   checkpoint_dir=root / "ckpt", device="cpu",
                   language="fr", licence="test fixture")
    _cache["result"] = result
    return result


def synthetic_page(samples: list[LineSample], margin: int = 60, gap: int = 30):
    """Paste line images on a white page; returns (page image, PageLayout with polygons + baselines)."""
    from digitizer.model import BBox, Line, PageLayout, TextBlock

    ims = [s.load() for s in samples]
    width = max(im.width for im in ims) + 2 * margin
    height = sum(im.height + gap for im in ims) + 2 * margin
    page = Image.new("L", (width, height), 255)
    lines, y = [], margin
    for i, im in enumerate(ims):
        page.paste(im, (margin, y))
        box = BBox(margin, y, margin + im.width, y + im.height)
        base_y = y + int(im.height * 0.7)
        lines.append(Line(id=f"l{i}", bbox=box, polygon=[(float(x), float(yy)) for x, yy in box.as_polygon()],
                          baseline=[(float(box.x0), float(base_y)), (float(box.x1), float(base_y))]))
        y += im.height + gap
    block = TextBlock(id="b1", bbox=BBox.union_all([ln.bbox for ln in lines]), lines=lines)
    return page, PageLayout(width=width, height=height, blocks=[block])


def add_project_model(project: Path, name: str, shipped: str = "poilus-fr-v1") -> Path:
    """A copy of a shipped model in the project's own ``models/`` folder, registered there as ``name``
    (what a person does who keeps a model with the project): returns the model file."""
    from digitizer.htr import registry

    src = registry.get(shipped)
    info = registry.ModelInfo.from_dict({**json.loads(src.to_json()), "name": name,
                                         "source": f"copy of {shipped} kept with the project"})
    return Path(registry.register(src.path, info, directory=project / "models").path)
