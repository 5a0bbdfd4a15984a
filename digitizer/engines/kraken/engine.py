"""kraken behind the common engine interface: blla segmentation + line recognition.

``opts.model``: a model file, or an object with ``path`` (and ``name``, ``sha256``), such as the
registry's ``ModelInfo``.  The engine never looks names up: callers resolve a registry name
first (``digitizer.htr.registry.resolve_options``), so the engine does not depend on the registry.
``opts.segmentation_model``: optional blla model file (default: the one in the kraken wheel).
``opts.extra``: ``threads`` (torch threads, default ``$DIGITIZER_TORCH_THREADS`` or 1),
``main_text_only`` (default true: drop facing page, margins, stamps; :mod:`.maintext`),
``notes_outside`` (default true: with it, also short notes above or below the body in another ink),
``seg_height`` (blla's network input height, default :data:`SEG_HEIGHT`; 0 = the model's own),
``lm`` (default true: decode with the character language model beside the recognition model,
when there is one; :meth:`KrakenEngine.language_model`), ``seg_bf16`` (default true: blla's network in bfloat16 where the CPU has native bfloat16 units,
about 2x faster per page with the same lines; false = always float32).

Recognition with a model trained on line images (``seg_type`` bbox, what ``digitizer train``
makes from line folders) cuts every line out along its boundary polygon exactly like the
training corpus (:mod:`.linecrop`); a baseline model gets the page and the baselines.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from PIL import Image

from ...errors import EngineError
from ...model import BBox, Line, PageLayout, TextBlock, Word
from ...progress import CancelToken
from ..base import (BASELINES, CHAR_CONFIDENCES, POLYGONS, RECOGNIZE, SEGMENT, TRAINABLE, WORD_CONFIDENCES,
                    Engine, EngineInfo, RecognitionOptions)
from . import _exec
from .charlm import lm_path_for
from .linecrop import LineCrop, crop_line
from .maintext import INK_DELTA, INK_NEAR, NOTE_SHORT, OUTSIDE, STAMP_SHARE, is_colour, keep_main_text

NO_MODEL_HINT = ("import one with 'digitizer models import FILE --name NAME', or train one with "
                 "'digitizer train --from-folder DIR --name NAME', then pass its name as the model")
REGION_TYPES = {"text": "text", "main": "text", "paragraph": "text", "title": "heading", "heading": "heading",
                "margin": "marginalia", "marginalia": "marginalia", "caption": "caption", "table": "table",
                "image": "image", "illustration": "image"}


# blla scales every page to this height for its network (the model's own is 1800 px): 1200 px
# is about 3x faster with the same lines found on the dev wills (docs/htr.md); 0 = the model's
SEG_HEIGHT = 1200


def _threads(opts: RecognitionOptions) -> int:
    return int(opts.extra.get("threads") or os.environ.get("DIGITIZER_TORCH_THREADS") or 1)


def _clip_pts(pts: Any, w: int, h: int) -> list[tuple[float, float]]:
    return [(float(min(max(x, 0), w)), float(min(max(y, 0), h))) for x, y in pts]


@dataclass(frozen=True)
class ModelRef:
    """What the engine needs to know about a recognition model: a file, a name and its hash."""

    name: str
    path: str
    sha256: str = ""


def model_ref(model: Any) -> ModelRef:
    """``opts.model`` (a model file, or an object with ``path``) -> :class:`ModelRef`; EngineError if unusable."""
    if not model:
        raise EngineError("kraken needs a recognition model and none was given", hint=NO_MODEL_HINT)
    path = getattr(model, "path", None)
    if path:
        return ModelRef(str(getattr(model, "name", "") or Path(path).stem), str(path),
                        str(getattr(model, "sha256", "") or ""))
    p = Path(str(model)).expanduser()
    if p.is_file():
        return ModelRef(p.stem, str(p.resolve()))
    raise EngineError(f"kraken recognition model {model!r} not found", hint=NO_MODEL_HINT)


class KrakenEngine(Engine):
    name = "kraken"
    capabilities = frozenset({SEGMENT, RECOGNIZE, BASELINES, POLYGONS, WORD_CONFIDENCES, CHAR_CONFIDENCES,
                              TRAINABLE})

    def info(self) -> EngineInfo:
        """Name and version; the recognition models are the registry's (``digitizer models list``)."""
        _exec._import_kraken()
        return EngineInfo(name="kraken", version=_exec.kraken_version(), languages=[], models=[])

    # ------------------------------------------------------------------ segmentation

    def segment(self, image: Image.Image, opts: RecognitionOptions) -> PageLayout:
        seg_path = opts.segmentation_model or str(_exec.default_segmentation_model())
        height = opts.extra.get("seg_height", SEG_HEIGHT)
        bf16 = bool(opts.extra.get("seg_bf16", True)) and _exec.bf16_fast()
        seg = _exec.segment(image, model_path=seg_path, threads=_threads(opts), height=int(height) if height else None,
                            bf16=bf16)
        layout = segmentation_to_layout(seg, image.width, image.height)
        main_only = bool(opts.extra.get("main_text_only", True))
        notes = bool(opts.extra.get("notes_outside", True))
        dropped = keep_main_text(layout, image=image, notes=notes) if main_only else 0
        ink_rule = main_only and is_colour(image)
        step = self.step("segment", opts, segmentation_model=os.path.basename(seg_path),
                         main_text_only=main_only, lines_dropped=dropped, seg_height=int(height or 0),
                         ink_colour_rule=ink_rule,
                         **({"ink_delta": INK_DELTA, "ink_stamp_share": STAMP_SHARE, "notes_outside": notes}
                            if ink_rule else {}),
                         **({"note_ink_near": INK_NEAR, "note_short": NOTE_SHORT, "note_outside": OUTSIDE}
                            if ink_rule and notes else {}),
                         precision="bf16" if bf16 else "fp32")
        step.model, step.model_sha256 = os.path.basename(seg_path), _exec.file_sha256(seg_path)
        layout.steps.append(step)
        return layout

    # ------------------------------------------------------------------ recognition

    def _model(self, opts: RecognitionOptions) -> ModelRef:
        return model_ref(opts.model)

    def language_model(self, opts: RecognitionOptions) -> tuple[Any, dict[str, Any]]:
        """The decoder for ``opts``'s model and what it is, for provenance.

        A model with a character language model beside it (``NAME.charlm.json.gz``, :mod:`.charlm`)
        is decoded by a CTC beam search with it, with the weights stored in that file;
        ``opts.extra``: ``lm`` (default true; false = kraken's greedy decoding), ``lm_alpha``,
        ``lm_beta``, ``lm_beam`` override them.  Returns ``(None, {"decoder": "greedy"})`` otherwise."""
        info = self._model(opts)
        path = lm_path_for(info.path)
        if not bool(opts.extra.get("lm", True)) or not path.is_file():
            return None, {"decoder": "greedy"}
        try:
            lm = _exec.load_lm(path)
        except (OSError, ValueError, KeyError) as exc:
            raise EngineError(f"{path.name}: not a usable language model ({exc})",
                              hint="remove it, or set lm = false in the profile's recognition options") from exc
        alpha = float(opts.extra.get("lm_alpha", lm.decoder["alpha"]))
        beta = float(opts.extra.get("lm_beta", lm.decoder["beta"]))
        beam = int(opts.extra.get("lm_beam", lm.decoder["beam"]))
        decoder = _exec.lm_decoder(info.path, lm, alpha=alpha, beta=beta, beam=beam)
        return decoder, {"decoder": "ctc-beam+charlm", "lm": path.name, "lm_sha256": _exec.file_sha256(path),
                         "lm_order": lm.order, "lm_alpha": alpha, "lm_beta": beta, "lm_beam": beam}

    def recognize(self, image: Image.Image, layout: PageLayout, opts: RecognitionOptions,
                  cancel: CancelToken | None = None) -> Iterator[Line]:
        info = self._model(opts)
        threads = _threads(opts)
        decoder, _ = self.language_model(opts)
        lines = layout.lines()
        if _exec.recognizer_seg_type(info.path) == "baselines" and all(ln.baseline and ln.polygon for ln in lines):
            yield from self._recognize_baselines(image, lines, info.path, threads, cancel, decoder)
            return
        grey = image.convert("L") if image.mode != "L" else image     # once per page, not per line
        for ln in lines:
            if cancel is not None:
                cancel.check()
            yield self._recognize_crop(grey, ln, info.path, threads, decoder)

    def _recognize_crop(self, image: Image.Image, ln: Line, model_path: str, threads: int,
                        decoder: Any = None) -> Line:
        try:
            crop = crop_line(image, ln.polygon, ln.baseline, (ln.bbox.x0, ln.bbox.y0, ln.bbox.x1, ln.bbox.y1))
        except ValueError:
            return _with_text(ln, "", [], [])
        rec = _exec.recognize_crop(crop.image, model_path=model_path, threads=threads, decoder=decoder)
        boxes = [_crop_box_to_page(BBox.from_points(c), crop, ln) for c in rec.cuts]
        return _with_text(ln, rec.prediction, list(rec.confidences), boxes)

    def _recognize_baselines(self, image: Image.Image, lines: list[Line], model_path: str, threads: int,
                             cancel: CancelToken | None, decoder: Any = None) -> Iterator[Line]:
        spec = [(ln.id, list(ln.baseline or []), list(ln.polygon or [])) for ln in lines]
        for ln, rec in zip(lines, _exec.recognize_baselines(image, spec, model_path=model_path, threads=threads,
                                                            decoder=decoder)):
            if cancel is not None:
                cancel.check()
            boxes = []
            for c in rec.cuts:
                try:
                    boxes.append(BBox.from_points(c).clip(image.width, image.height))
                except (TypeError, ValueError):
                    boxes.append(ln.bbox)
            yield _with_text(ln, rec.prediction, list(rec.confidences), boxes)

    def process(self, image: Image.Image, opts: RecognitionOptions,
                cancel: CancelToken | None = None) -> PageLayout:
        info = self._model(opts)          # fail before the slow segmentation
        layout = self.segment(image, opts)
        by_id = {ln.id: ln for ln in self.recognize(image, layout, opts, cancel)}
        for block in layout.blocks:
            block.lines = [by_id.get(ln.id, ln) for ln in block.lines]
        step = self.step("htr", opts, threads=_threads(opts), **self.language_model(opts)[1])
        step.model, step.model_sha256 = info.name, info.sha256 or _exec.file_sha256(info.path)
        layout.steps.append(step)
        return layout

    def recognition_step(self, opts: RecognitionOptions) -> Any:
        """Provenance record for a recognise-only run (the pipeline calls recognize() itself)."""
        info = self._model(opts)
        step = self.step("htr", opts, threads=_threads(opts), **self.language_model(opts)[1])
        step.model, step.model_sha256 = info.name, info.sha256 or _exec.file_sha256(info.path)
        return step


# ---------------------------------------------------------------------- mapping helpers


def segmentation_to_layout(seg: Any, width: int, height: int) -> PageLayout:
    """kraken ``Segmentation`` (baselines, regions, reading order) -> :class:`PageLayout`."""
    regions: dict[str, tuple[str, list]] = {}
    for rtype, regs in (seg.regions or {}).items():
        for r in regs:
            regions[r.id] = (str(rtype), list(r.boundary or []))
    order = list(range(len(seg.lines)))
    if seg.line_orders:
        first = list(seg.line_orders[0])
        if sorted(first) == order:
            order = first
    blocks: dict[str, TextBlock] = {}
    for idx in order:
        kl = seg.lines[idx]
        boundary = _clip_pts(kl.boundary or [], width, height)
        baseline = _clip_pts(kl.baseline or [], width, height)
        pts = boundary or baseline
        if not pts:
            continue
        bbox = BBox.from_points(pts).clip(width, height)
        line = Line(id="", bbox=bbox, polygon=boundary or None, baseline=baseline or None)
        rid = next((r for r in (kl.regions or []) if r in regions), "_free")
        if rid not in blocks:
            rtype, rpoly = regions.get(rid, ("text", []))
            rpts = _clip_pts(rpoly, width, height)
            rbox = BBox.from_points(rpts).clip(width, height) if len(rpts) >= 3 else bbox
            blocks[rid] = TextBlock(id="", bbox=rbox, polygon=rpts if len(rpts) >= 3 else None,
                                    type=REGION_TYPES.get(rtype.lower(), "text"))
        blk = blocks[rid]
        blk.lines.append(line)
        blk.bbox = blk.bbox.union(bbox)
    layout = PageLayout(width=width, height=height, blocks=list(blocks.values()))
    layout.assign_ids()
    return layout


def _crop_box_to_page(box: BBox, crop: LineCrop, ln: Line) -> BBox:
    """x range of a box in crop pixels -> page box spanning the line's height."""
    if crop.rotated or crop.image.width == 0:
        f0, f1 = box.x0 / crop.image.width, box.x1 / crop.image.width
        x0 = ln.bbox.x0 + f0 * ln.bbox.width
        x1 = ln.bbox.x0 + f1 * ln.bbox.width
    else:
        x0 = crop.x0 + box.x0 / crop.scale
        x1 = crop.x0 + box.x1 / crop.scale
    x0 = min(max(x0, ln.bbox.x0), ln.bbox.x1)
    x1 = min(max(x1, x0), ln.bbox.x1)
    return BBox(int(x0), ln.bbox.y0, max(int(x0), int(round(x1))), ln.bbox.y1)


def _with_text(ln: Line, text: str, confs: list[float], boxes: list[BBox]) -> Line:
    """A copy of ``ln`` with text, mean confidence and words (split on spaces, boxes from char cuts)."""
    words: list[Word] = []
    cur: list[int] = []

    def flush() -> None:
        if not cur:
            return
        wt = "".join(text[i] for i in cur)
        wb = BBox.union_all([boxes[i] for i in cur if i < len(boxes)]) or ln.bbox
        wc = [float(confs[i]) for i in cur if i < len(confs)]
        words.append(Word(text=wt, bbox=wb, confidence=_unit(sum(wc) / len(wc)) if wc else None,
                          id=f"{ln.id}_w{len(words) + 1}", char_confidences=[_unit(c) for c in wc] or None))
        cur.clear()

    for i, ch in enumerate(text):
        if ch.isspace():
            flush()
        else:
            cur.append(i)
    flush()
    conf = _unit(sum(confs) / len(confs)) if confs else None
    return Line(id=ln.id, bbox=ln.bbox, text=text.strip(), confidence=conf, words=words, polygon=ln.polygon,
                baseline=ln.baseline, hyphenated=text.rstrip().endswith(("-", "¬")), language=ln.language)


def _unit(v: float) -> float:
    return float(min(1.0, max(0.0, v)))
