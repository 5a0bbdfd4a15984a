"""Tesseract adapter: maps :class:`RecognitionOptions` onto :mod:`._exec` and TSV rows onto the model.

Profile settings (``opts.extra``): ``psm`` (page segmentation mode, default 3), ``line_psm``
(for :meth:`TesseractEngine.recognize`, default 7), ``oem``, ``dpi`` (falls back to the image's
dpi tag), ``config`` (tesseract variables, ``{"preserve_interword_spaces": 1}``),
``tessdata_dir``, ``timeout`` (seconds per tesseract call, default 300), ``block_level``
(``"paragraph"`` (default: one TextBlock per tesseract paragraph) or ``"block"``), ``cmd``.
"""

from __future__ import annotations

from pathlib import Path

import dataclasses
from collections.abc import Iterator, Sequence
from typing import Any

from PIL import Image

from ...model import BBox, Line, PageLayout, TextBlock, Word
from ...progress import CancelToken
from ..base import RECOGNIZE, SEGMENT, WORD_CONFIDENCES, Engine, EngineInfo, RecognitionOptions
from . import _exec

HYPHENS = ("-", "\u00ad", "\u00ac", "\u2e17")     # hyphen-minus, soft hyphen, not sign, double oblique hyphen
LINE_BATCH = 32                                      # line crops per tesseract process in recognize()


def _box(r: _exec.TsvRow, w: int, h: int) -> BBox:
    return BBox(r.left, r.top, r.left + r.width, r.top + r.height).clip(w, h)


def _word(r: _exec.TsvRow, w: int, h: int, dx: int = 0, dy: int = 0) -> Word:
    box = BBox(r.left + dx, r.top + dy, r.left + dx + r.width, r.top + dy + r.height).clip(w, h)
    return Word(text=r.text.strip(), bbox=box, confidence=min(1.0, max(0.0, r.conf / 100.0)))


def _is_word(r: _exec.TsvRow) -> bool:
    return r.level == 5 and r.conf >= 0 and bool(r.text.strip())


def _mean(values: Sequence[float | None]) -> float | None:
    vals = [v for v in values if v is not None]
    return sum(vals) / len(vals) if vals else None


def _make_line(words: list[Word], box: BBox | None) -> Line:
    union = BBox.union_all([w.bbox for w in words])
    bbox = union if box is None or union is None else box.union(union)
    return Line(id="", bbox=bbox or BBox(0, 0, 0, 0), text=" ".join(w.text for w in words),
                confidence=_mean([w.confidence for w in words]), words=words)


def mark_hyphenation(lines: list[Line]) -> None:
    """``hyphenated=True`` where a line ends with a hyphen and another line follows in the block."""
    for i, ln in enumerate(lines):
        ln.hyphenated = i + 1 < len(lines) and ln.text.rstrip().endswith(HYPHENS) and len(ln.text.strip()) > 1


def layout_from_rows(rows: Sequence[_exec.TsvRow], width: int, height: int, *,
                     block_level: str = "paragraph") -> PageLayout:
    """Blocks (tesseract paragraphs or blocks) -> lines -> words, in tesseract's reading order."""
    def block_key(r: _exec.TsvRow) -> tuple[int, ...]:
        return (r.page, r.block, r.par) if block_level == "paragraph" else (r.page, r.block)

    block_level_num = 3 if block_level == "paragraph" else 2
    block_boxes: dict[tuple[int, ...], BBox] = {}
    line_boxes: dict[tuple[int, ...], BBox] = {}
    words: dict[tuple[int, ...], dict[tuple[int, ...], list[Word]]] = {}
    for r in rows:
        if r.level == block_level_num:
            block_boxes[block_key(r)] = _box(r, width, height)
        elif r.level == 4:
            line_boxes[(r.page, r.block, r.par, r.line)] = _box(r, width, height)
        elif _is_word(r):
            words.setdefault(block_key(r), {}).setdefault((r.page, r.block, r.par, r.line), []).append(
                _word(r, width, height))
    blocks = []
    for bkey, by_line in words.items():
        lines = [_make_line(ws, line_boxes.get(lkey)) for lkey, ws in by_line.items()]
        mark_hyphenation(lines)
        union = BBox.union_all([ln.bbox for ln in lines])
        bbox = block_boxes[bkey].union(union) if bkey in block_boxes and union else union
        blocks.append(TextBlock(id="", bbox=bbox or BBox(0, 0, 0, 0), lines=lines))
    layout = PageLayout(width=width, height=height, blocks=blocks)
    layout.assign_ids()
    return layout


def _dpi(image: Image.Image, opts: RecognitionOptions) -> int | None:
    dpi: Any = opts.extra.get("dpi") or image.info.get("dpi")
    if isinstance(dpi, (tuple, list)):
        dpi = dpi[0]
    try:
        return int(round(float(dpi))) if dpi and float(dpi) > 1 else None
    except (TypeError, ValueError):
        return None


def _crop(image: Image.Image, box: BBox) -> tuple[Image.Image, int, int]:
    """Line crop with a small margin (tesseract needs some white around the glyphs)."""
    pad = max(4, box.height // 5)
    c = BBox(box.x0 - pad, box.y0 - pad, box.x1 + pad, box.y1 + pad).clip(image.width, image.height)
    return image.crop((c.x0, c.y0, c.x1, c.y1)), c.x0, c.y0


class TesseractEngine(Engine):
    """Printed text through the OS ``tesseract`` (one process per page)."""

    name = "tesseract"
    capabilities = frozenset({SEGMENT, RECOGNIZE, WORD_CONFIDENCES})

    def info(self) -> EngineInfo:
        return EngineInfo(name=self.name, version=_exec.version(),
                          languages=list(_exec.languages()))

    def _exec_kw(self, image: Image.Image, opts: RecognitionOptions) -> dict[str, Any]:
        x = opts.extra
        cmd = str(x.get("cmd") or _exec.DEFAULT_CMD)
        tessdata = x.get("tessdata_dir")
        _exec.check(langs=opts.languages, cmd=cmd, tessdata_dir=tessdata)
        return dict(langs=list(opts.languages), oem=x.get("oem"), dpi=_dpi(image, opts),
                    config=dict(x.get("config") or {}), tessdata_dir=tessdata,
                    timeout=float(x.get("timeout", 300)), cmd=cmd)

    def process(self, image: Image.Image, opts: RecognitionOptions,
                cancel: CancelToken | None = None) -> PageLayout:
        """One tesseract call for the whole page; layout in ``image`` coordinates."""
        kw = self._exec_kw(image, opts)
        if cancel:
            cancel.check()
        psm = int(opts.extra.get("psm", 3))
        # the caller may say that ``image`` has exactly the pixels of a file tesseract can read itself
        # (no geometric or pixel change in preprocessing): then tesseract decodes that file, as the
        # bare command line would, instead of a re-encoded copy
        source = opts.extra.get("image_file")
        inp = Path(source) if source and Path(source).is_file() else image
        rows = _exec.run_tsv(images=[inp], psm=psm, cancelled=(lambda: cancel.cancelled) if cancel else None, **kw)
        layout = layout_from_rows(rows, image.width, image.height,
                                  block_level=str(opts.extra.get("block_level", "paragraph")))
        layout.steps.append(self.step("ocr", opts, psm=psm, dpi=kw["dpi"]))
        return layout

    def segment(self, image: Image.Image, opts: RecognitionOptions) -> PageLayout:
        """Tesseract segments and recognises in one go; the layout comes with text."""
        return self.process(image, opts)

    def recognize(self, image: Image.Image, layout: PageLayout, opts: RecognitionOptions,
                  cancel: CancelToken | None = None) -> Iterator[Line]:
        """Re-recognise the given lines (psm 7 on each line crop), yielding them in layout order.

        Line crops go to tesseract in batches of ``LINE_BATCH`` per process (one model load per
        batch).  Line ids, polygons and baselines are kept; text, words and confidences are replaced.
        """
        kw = self._exec_kw(image, opts)
        psm = int(opts.extra.get("line_psm", 7))
        cancelled = (lambda: cancel.cancelled) if cancel else None
        todo = [(ln, i + 1 < len(b.lines)) for b in layout.blocks for i, ln in enumerate(b.lines)]
        for start in range(0, len(todo), LINE_BATCH):
            if cancel:
                cancel.check()
            yield from self._recognize_batch(image, todo[start:start + LINE_BATCH], psm, kw, cancelled)

    def _recognize_batch(self, image: Image.Image, batch: list[tuple[Line, bool]], psm: int,
                         kw: dict[str, Any], cancelled: Any) -> list[Line]:
        crops = [_crop(image, ln.bbox) for ln, _ in batch]
        todo = [i for i, (c, _, _) in enumerate(crops) if c.width > 1 and c.height > 1]
        rows = _exec.run_tsv(images=[crops[i][0] for i in todo], psm=psm, cancelled=cancelled, **kw) if todo else []
        found: dict[int, list[Word]] = {}
        for r in rows:
            if _is_word(r):
                i = todo[r.page - 1]
                found.setdefault(i, []).append(_word(r, image.width, image.height, crops[i][1], crops[i][2]))
        out = []
        for i, (ln, followed) in enumerate(batch):
            words = found.get(i, [])
            for k, w in enumerate(words, 1):
                w.id = f"{ln.id}_w{k}" if ln.id else ""
            text = " ".join(w.text for w in words)
            out.append(dataclasses.replace(
                ln, words=words, text=text, confidence=_mean([w.confidence for w in words]),
                hyphenated=followed and len(text) > 1 and text.endswith(HYPHENS)))
        return out
