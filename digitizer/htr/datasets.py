"""Training samples: ``LineSample(image, text, page_key)`` from lists, folders or XML pages.

Every source ends as two lists of :class:`LineSample` (train, validation) split **by page**:
all lines of one page key land on the same side, so validation measures unseen pages.
"""

from __future__ import annotations

import csv
import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

from PIL import Image

from ..engines.kraken.linecrop import crop_line
from ..errors import InputFileError
from .xmlread import read_xml

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp", ".tif", ".tiff", ".bin.png", ".nrm.png")


@dataclass
class LineSample:
    """One training line: an image (PIL or a file path), its transcription and its page key."""

    image: Image.Image | Path
    text: str
    page_key: str
    id: str = ""

    def load(self) -> Image.Image:
        return self.image if isinstance(self.image, Image.Image) else Image.open(self.image)


def _gt_text(img: Path) -> str | None:
    base = img.name
    for suf in (".bin.png", ".nrm.png"):
        if base.endswith(suf):
            base = base[: -len(suf)]
            break
    else:
        base = img.stem
    gt = img.with_name(base + ".gt.txt")
    if not gt.is_file():
        return None
    return gt.read_text(encoding="utf-8").strip("\r\n")


def page_key_from_name(stem: str) -> str:
    """Page key from a line file name: the part before the last ``_``/``-``/``.`` + digits, else the stem.

    ``page12_l003`` -> ``page12``; ``TestamentsDePoilus_will_AN_0154-0_line_3`` -> ``..._0154-0_line``
    only if no better split exists, so name your files ``<page>_<line>``.
    """
    m = re.match(r"^(.+?)[_.-][A-Za-z]*\d+$", stem)
    return m.group(1) if m else stem


def read_split_tsv(path: str | os.PathLike) -> dict[str, tuple[str, str]]:
    """``id -> (split, page_key)`` from a split.tsv (columns id, split, source_page, [will])."""
    out: dict[str, tuple[str, str]] = {}
    with open(path, encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            sid = row.get("id") or ""
            split = (row.get("split") or "train").strip().lower()
            key = row.get("source_page") or row.get("page") or row.get("will") or sid
            out[sid] = ("validation" if split.startswith("val") else split, key)
    return out


def load_folder(folder: str | os.PathLike, split_tsv: str | os.PathLike | None = None,
                val_fraction: float = 0.1) -> tuple[list[LineSample], list[LineSample]]:
    """Line images + ``.gt.txt`` from a folder (and its ``lines/`` subfolder) -> (train, val).

    A ``split.tsv`` (given, or found in the folder or its parent) decides the split; otherwise
    pages (file-name prefixes) are split deterministically with :func:`split_by_page`.
    """
    root = Path(folder)
    if not root.is_dir():
        raise InputFileError(root, "not a folder")
    img_dir = root / "lines" if (root / "lines").is_dir() else root
    if split_tsv is None:
        for cand in (root / "split.tsv", img_dir / "split.tsv", root.parent / "split.tsv"):
            if cand.is_file():
                split_tsv = cand
                break
    split = read_split_tsv(split_tsv) if split_tsv else None
    samples: list[tuple[str, LineSample]] = []
    for img in sorted(img_dir.iterdir()):
        if not img.name.lower().endswith(IMAGE_SUFFIXES):
            continue
        text = _gt_text(img)
        if not text:
            continue
        stem = img.name.split(".")[0]
        side, key = split.get(stem, ("train", page_key_from_name(stem))) if split else (
            "", page_key_from_name(stem))
        samples.append((side, LineSample(img, text, key, id=stem)))
    if not samples:
        raise InputFileError(img_dir, "no line images with .gt.txt transcriptions found")
    if split is not None:
        train = [s for side, s in samples if side == "train"]
        val = [s for side, s in samples if side == "validation"]
        if train and val:
            return train, val
    return split_by_page([s for _, s in samples], val_fraction)


def split_by_page(samples: Sequence[LineSample], val_fraction: float = 0.1,
                  seed: str = "digitizer") -> tuple[list[LineSample], list[LineSample]]:
    """Deterministic split by page key: pages ordered by a hash, taken for validation until
    ``val_fraction`` of the lines is reached (at least one page each side when possible)."""
    pages: dict[str, list[LineSample]] = {}
    for s in samples:
        pages.setdefault(s.page_key, []).append(s)
    keys = sorted(pages, key=lambda k: hashlib.sha1(f"{seed}:{k}".encode()).hexdigest())
    if len(keys) < 2:
        # one page only: split its lines (every 10th line to validation)
        every = max(2, round(1 / max(val_fraction, 1e-3)))
        val = [s for i, s in enumerate(samples) if i % every == every - 1]
        return [s for i, s in enumerate(samples) if i % every != every - 1], val
    target = max(1, round(len(samples) * val_fraction))
    val_keys: set[str] = set()
    n = 0
    for k in keys[:-1]:
        if n >= target:
            break
        val_keys.add(k)
        n += len(pages[k])
    train = [s for s in samples if s.page_key not in val_keys]
    val = [s for s in samples if s.page_key in val_keys]
    return train, val


PAGE_IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".tif", ".tiff", ".jp2")


def find_page_image(xml: str | os.PathLike, named: str, images_dir: str | os.PathLike | None = None) -> Path | None:
    """The image of a PAGE/ALTO file: the file it names, else one with the XML's stem, beside the
    XML or in ``images_dir`` (eScriptorium exports often name an image that was renamed since)."""
    xml = Path(xml)
    folders = [Path(images_dir)] if images_dir else []
    folders.append(xml.parent)
    names = [Path(named).name] if named else []
    names += [xml.stem + suf for suf in PAGE_IMAGE_SUFFIXES] + [xml.stem + suf.upper() for suf in PAGE_IMAGE_SUFFIXES]
    for folder in folders:
        for name in names:
            if (folder / name).is_file():
                return folder / name
    return None


def load_xml(files: Iterable[str | os.PathLike], images_dir: str | os.PathLike | None = None) -> list[LineSample]:
    """Cut lines (polygon, else bbox) with text out of PAGE/ALTO pages; the page key is the file stem.

    The page image is the one the XML names, else the one with the XML's stem, beside the XML or
    in ``images_dir``."""
    out: list[LineSample] = []
    for f in files:
        page = read_xml(f)
        img_path = find_page_image(f, page.image_filename, images_dir)
        if img_path is None:
            where = f"in {images_dir} or beside the XML" if images_dir else "beside the XML (or give --images DIR)"
            raise InputFileError(f, f"page image {page.image_filename or Path(f).stem + '.*'} not found {where}")
        with Image.open(img_path) as src:
            im = src.convert("L")                      # once per page (crop_line would per line)
            for ln in page.lines:
                if not ln.text.strip():
                    continue
                try:
                    crop = crop_line(im, ln.polygon, ln.baseline, ln.bbox)
                except ValueError:
                    continue
                out.append(LineSample(crop.image, ln.text, Path(f).stem, id=f"{Path(f).stem}:{ln.id}"))
    return out


def summarize(train: Sequence[LineSample], val: Sequence[LineSample]) -> dict[str, object]:
    """Numbers for the registry's training-data summary."""
    chars = sorted({c for s in train for c in s.text})
    return {"train_lines": len(train), "val_lines": len(val),
            "train_pages": len({s.page_key for s in train}), "val_pages": len({s.page_key for s in val}),
            "train_chars": sum(len(s.text) for s in train), "alphabet_size": len(chars)}
