"""Human in the loop: train on a project's corrected lines, measure CER before/after on held-back pages.

``project_line_samples(store)`` cuts every non-empty edited or verified line of the corrected/reviewed/approved pages
out of the page image with the engine's own :func:`~digitizer.engines.kraken.linecrop.crop_line`
(so the model trains on exactly what it will be asked to read). ``retrain_from_project`` splits by
page into train / held-back, measures the base model on the held-back pages, trains or fine-tunes,
measures the new model on the same pages, stores both numbers in the new model's registry sidecar
(``evaluations``) and records a ``train`` event in the project.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Sequence

from PIL import Image

from .. import __version__
from ..engines.kraken.linecrop import crop_line
from ..errors import DigitizerError
from ..model import BBox, Line, PageLayout, ProcessingStep, TextBlock, utcnow
from ..progress import CancelToken, ProgressSink
from ..workflow import training_lines
from .datasets import LineSample, split_by_page
from .evaluate import Difference, paired_difference

CORRECTED_STATUSES = ("corrected", "reviewed", "approved")
MIN_NEW_LINES = 20          # below this, --check does not recommend retraining


def _selected_items(store: Any, items: Iterable[str | int] | None) -> list[Any]:
    if not items:
        return store.items(with_pages=False)
    return [store.get_item(i) for i in items]


def project_line_samples(store: Any, *, items: Iterable[str | int] | None = None,
                         statuses: Sequence[str] = CORRECTED_STATUSES) -> list[LineSample]:
    """Line images + corrected text of the pages in ``statuses`` (page key ``<item>/<seq>``)."""
    out: list[LineSample] = []
    for item in _selected_items(store, items):
        for page in store.pages(item.id):
            if page.status not in statuses:
                continue
            layout = store.load_layout(page.id)
            if layout is None:
                continue
            key = f"{item.identifier}/{page.seq}"
            with Image.open(store.page_image_path(page)) as im:
                im.load()
                for ln in training_lines(store, page.id, layout):      # edited or verified by a person
                    text = " ".join((ln.text or "").split())
                    if not text:
                        continue
                    try:
                        crop = crop_line(im, ln.polygon, ln.baseline,
                                         (ln.bbox.x0, ln.bbox.y0, ln.bbox.x1, ln.bbox.y1))
                    except ValueError:
                        continue
                    out.append(LineSample(crop.image, text, key, id=f"{key}:{ln.id}"))
    return out


@dataclass
class CorrectedPage:
    """A page whose lines a retraining may use (the choice of held-back pages lists them)."""

    key: str                      # <item>/<seq>, as ``held_back`` takes it
    page_id: int
    item: str
    seq: int
    status: str
    lines: int                    # non-empty lines edited or verified by a person


def corrected_pages(store: Any, *, items: Iterable[str | int] | None = None,
                    statuses: Sequence[str] = CORRECTED_STATUSES) -> list[CorrectedPage]:
    """The corrected/reviewed/approved pages with lines to train on, without cutting line images."""
    out: list[CorrectedPage] = []
    for item in _selected_items(store, items):
        for page in store.pages(item.id):
            if page.status not in statuses:
                continue
            n = len(training_lines(store, page.id))
            if n:
                out.append(CorrectedPage(f"{item.identifier}/{page.seq}", page.id, item.identifier, page.seq,
                                         page.status, n))
    return out


def held_back_split(samples: Sequence[LineSample], fraction: float | Sequence[str] = 0.2,
                    seed: str = "held-back") -> tuple[list[LineSample], list[LineSample]]:
    """(rest, held back) by page, deterministic; needs at least two pages.

    ``fraction`` is a share of the lines (whole pages, chosen by hash), 0 for none, or the list of
    page keys (``<item>/<seq>``) the user chose.
    """
    if not isinstance(fraction, (int, float)):
        chosen = set(fraction)
        unknown = chosen - {s.page_key for s in samples}
        if unknown:
            raise DigitizerError(f"held-back page(s) {', '.join(sorted(unknown))} have no corrected lines",
                                 hint="give pages as ITEM/SEQ among the corrected/reviewed/approved pages")
        return [s for s in samples if s.page_key not in chosen], [s for s in samples if s.page_key in chosen]
    if fraction <= 0:
        return list(samples), []
    if len({s.page_key for s in samples}) < 2:
        raise DigitizerError("a held-back evaluation needs corrected lines on at least two pages",
                             hint="correct more pages (status corrected/reviewed/approved)")
    return split_by_page(samples, fraction, seed=seed)


def _line_layout(im: Image.Image) -> PageLayout:
    """A one-line layout covering a whole (already cut) line image."""
    box = BBox(0, 0, im.width, im.height)
    base_y = float(int(im.height * 0.7))
    ln = Line(id="l1", bbox=box, polygon=[(float(x), float(y)) for x, y in box.as_polygon()],
              baseline=[(0.0, base_y), (float(im.width), base_y)])
    return PageLayout(width=im.width, height=im.height,
                      blocks=[TextBlock(id="b1", bbox=box, lines=[ln])])


def recognize_samples(samples: Sequence[LineSample], model_name: str, threads: int = 1,
                      cancel: CancelToken | None = None, project: Any = None,
                      options: dict[str, Any] | None = None) -> list[str]:
    """Recognised text of every sample's line image through :class:`KrakenEngine` (``model_name``
    also looked up in ``project``'s ``models/`` folder; ``options``: more engine options, e.g.
    ``{"lm": False}`` for greedy decoding)."""
    from ..engines.base import RecognitionOptions
    from ..engines.kraken.engine import KrakenEngine

    from . import registry

    engine = KrakenEngine()
    opts = registry.resolve_options("kraken", RecognitionOptions(model=model_name, extra={**(options or {}), "threads": threads}),
                                    project)
    out = []
    for s in samples:
        if cancel is not None:
            cancel.check()
        im = s.load()
        lines = list(engine.recognize(im, _line_layout(im), opts, cancel))
        out.append(lines[0].text if lines else "")
    return out


def line_errors(samples: Sequence[LineSample], model_name: str, threads: int = 1,
                cancel: CancelToken | None = None, project: Any = None) -> list[tuple[int, int]]:
    """(reference characters, character errors) of ``model_name`` on every sample, in order
    (spaces collapsed on both sides)."""
    from .evaluate import distance

    if not samples:
        raise DigitizerError("nothing to evaluate on: no held-back lines")
    hyps = recognize_samples(samples, model_name, threads, cancel, project)
    refs = [" ".join(s.text.split()) for s in samples]
    return [(len(r), distance(r, " ".join(h.split()))) for r, h in zip(refs, hyps)]


def micro_cer(counts: Sequence[tuple[int, int]]) -> float:
    """Sum of errors / sum of reference characters, rounded as the sidecars keep it."""
    return round(sum(e for _, e in counts) / max(1, sum(c for c, _ in counts)), 5)


def compare_counts(base: Sequence[tuple[int, int]], new: Sequence[tuple[int, int]]) -> Difference:
    """The new model's CER minus the base's on the same lines (two :func:`line_errors` of one sample
    list), with its interval (:func:`~.evaluate.paired_difference`)."""
    return paired_difference([(c, a, b) for (c, a), (_, b) in zip(base, new)])


def evaluate_model_on(samples: Sequence[LineSample], model_name: str, threads: int = 1,
                      cancel: CancelToken | None = None, project: Any = None) -> float:
    """Micro-averaged CER (edit distance / reference characters) of ``model_name`` on ``samples``."""
    return micro_cer(line_errors(samples, model_name, threads, cancel, project))


# ---------------------------------------------------------------------- retraining


@dataclass
class RetrainResult:
    name: str
    base_model: str | None
    cer_before: float | None
    cer_after: float | None                    # None when no page was held back
    held_back_pages: list[str]
    held_back_lines: int
    train_lines: int
    train: Any = None                          # digitizer.htr.train.TrainResult
    evaluation: dict[str, Any] = field(default_factory=dict)


def retrain_from_project(store: Any, *, name: str, base_model: str | None = None,
                         items: Iterable[str | int] | None = None, held_back: float | Sequence[str] = 0.2,
                         val_fraction: float = 0.15, progress: ProgressSink | None = None,
                         cancel: CancelToken | None = None, threads: int = 1, wait: bool = False,
                         on_wait: Callable[[dict[str, Any] | None], None] | None = None,
                         **train_kw: Any) -> RetrainResult:
    """Train ``name`` (fine-tuned from ``base_model`` when given) on the project's corrected lines.

    Held-back pages (``held_back``: a share of the lines, 0 for none, or the page keys the user
    chose) never reach training; the base and the new model are scored on the same held-back lines.
    ``train_kw`` goes to :func:`digitizer.htr.train.train` (time_limit_s, max_epochs, spec ...).

    Like processing and export it holds the project lock (:mod:`digitizer.lock`, purpose ``retrain``)
    from reading the lines to the ``train`` event: another writer holding it means
    :class:`~digitizer.errors.ProjectLockedError`, or with ``wait`` a wait (``on_wait(holder)`` once;
    ``cancel`` stops it).  The lock is a file lock beside the database: reading the project (the
    GUI, ``status``, ``export --dry-run``) and correcting lines go on meanwhile.
    """
    from ..lock import project_lock

    with project_lock(store.root, "retrain", wait=wait, on_wait=on_wait,
                      cancelled=(lambda: cancel.cancelled) if cancel is not None else None):
        return _retrain_locked(store, name=name, base_model=base_model, items=items, held_back=held_back,
                               val_fraction=val_fraction, progress=progress, cancel=cancel, threads=threads,
                               **train_kw)


def _retrain_locked(store: Any, *, name: str, base_model: str | None, items: Iterable[str | int] | None,
                    held_back: float | Sequence[str], val_fraction: float, progress: ProgressSink | None,
                    cancel: CancelToken | None, threads: int, **train_kw: Any) -> RetrainResult:
    from . import registry
    from .train import train

    items = list(items) if items else None
    samples = project_line_samples(store, items=items)
    if not samples:
        raise DigitizerError(f"{store.root}: no corrected lines to train on",
                             hint="correct some pages first (status corrected, reviewed or approved)")
    rest, held = held_back_split(samples, held_back)
    tr, va = _train_val(rest, val_fraction)
    if not tr or not va:
        raise DigitizerError("too few corrected lines to train, validate and hold back pages",
                             hint=f"{len(samples)} lines on {len({s.page_key for s in samples})} pages")
    held_pages = sorted({s.page_key for s in held})
    if progress is not None and held:
        progress.message(f"scoring {base_model or 'nothing (new model)'} on {len(held)} held-back lines")
    base_counts = line_errors(held, base_model, threads, cancel, store.root) if base_model and held else None
    before = micro_cer(base_counts) if base_counts is not None else None
    project = store.info().name
    res = train(tr, va, output_name=name, base_model=base_model, project=store.root, progress=progress, cancel=cancel,
                threads=threads, data_source=f"project {project} ({store.root}), corrected lines", **train_kw)
    if progress is not None and held:
        progress.message(f"scoring {name} on the same {len(held)} held-back lines")
    new_counts = line_errors(held, res.model_path, threads, cancel) if held else None
    after = micro_cer(new_counts) if new_counts is not None else None
    ev = {"set": f"project {project} held-back pages {held_pages}", "cer_before": before, "cer_after": after,
          "base_model": base_model, "lines": len(held), "pages": len(held_pages), "train_lines": len(tr),
          "date": utcnow()}
    if base_counts is not None and new_counts is not None:
        # the new model against the base on the same lines: is the difference more than chance?
        ev["difference"] = compare_counts(base_counts, new_counts).to_dict()
    info = registry.get(name)
    info.evaluations.append(ev)
    registry.update(info)
    res.info = info
    _record_train_event(store, info, ev, items=items, held_pages=held_pages, train_samples=tr + va,
                        train_kw=train_kw, result=res)
    return RetrainResult(name=name, base_model=base_model, cer_before=before, cer_after=after,
                         held_back_pages=held_pages, held_back_lines=len(held), train_lines=len(tr),
                         train=res, evaluation=ev)


def _train_val(rest: Sequence[LineSample], val_fraction: float) -> tuple[list[LineSample], list[LineSample]]:
    """Training/validation split of the non-held-back lines: by page when there are enough pages,
    else every n-th line (two corrected pages should not lose one whole page to early stopping)."""
    if len({s.page_key for s in rest}) >= 4:
        return split_by_page(rest, val_fraction)
    every = max(2, round(1 / max(val_fraction, 1e-3)))
    return ([s for i, s in enumerate(rest) if i % every != every - 1],
            [s for i, s in enumerate(rest) if i % every == every - 1])


def _record_train_event(store: Any, info: Any, ev: dict[str, Any], *, items: list | None,
                        held_pages: list[str], train_samples: Sequence[LineSample], train_kw: dict[str, Any],
                        result: Any) -> None:
    params = {"base_model": ev["base_model"], "items": items, "cer_before": ev["cer_before"],
              "cer_after": ev["cer_after"], "difference": ev.get("difference"), "held_back_pages": held_pages,
              "val_cer": result.val_cer,
              "epochs": result.epochs, "stopped": result.stopped,
              "trained_lines": sorted(s.id for s in train_samples),
              **{k: v for k, v in train_kw.items() if isinstance(v, (int, float, str, bool)) or v is None}}
    store.record(ProcessingStep(action="train", tool="kraken", tool_version=__version__, parameters=params,
                                model=info.name, model_sha256=info.sha256, agent=store.agent,
                                detail=f"CER on held-back pages {_pct(ev['cer_before'])} -> {_pct(ev['cer_after'])}"))


def _pct(v: float | None) -> str:
    return "n/a" if v is None else f"{v:.2%}"


# ---------------------------------------------------------------------- "retraining is offered"


@dataclass
class RetrainCheck:
    model: str | None             # the model whose last training is the reference (None: never trained here)
    available_lines: int          # corrected lines usable now
    new_lines: int                # not used by that training, or corrected again since
    last_trained: str | None      # time of that training event
    recommended: bool


def last_train_event(store: Any, model: str | None = None) -> Any:
    """The newest ``train`` event of the project (of ``model`` when given), else None."""
    evs = [e for e in store.events(action="train") if model is None or e.model == model]
    return evs[-1] if evs else None


def check_retrain(store: Any, *, model: str | None = None, items: Iterable[str | int] | None = None,
                  min_new: int = MIN_NEW_LINES) -> RetrainCheck:
    """How many corrected lines a retraining would add since the last training of ``model``."""
    samples = project_line_samples(store, items=list(items) if items else None)
    ev = last_train_event(store, model)
    if ev is None:
        new = len(samples)
    else:
        used = set(ev.parameters.get("trained_lines") or [])
        held = set(ev.parameters.get("held_back_pages") or [])
        edited = _lines_corrected_after(store, ev.id)
        new = sum(1 for s in samples if (s.id not in used and s.page_key not in held) or s.id in edited)
    return RetrainCheck(model=ev.model if ev else model, available_lines=len(samples), new_lines=new,
                        last_trained=ev.at if ev else None, recommended=new >= min_new)


def _lines_corrected_after(store: Any, event_id: int) -> set[str]:
    """Sample ids (``<item>/<seq>:<line>``) of lines corrected after event ``event_id``."""
    out: set[str] = set()
    pages: dict[int, str] = {}
    for e in store.events(action="correct"):
        if e.id <= event_id or e.page_id is None or "line" not in e.parameters:
            continue
        if e.page_id not in pages:
            p = store.get_page(e.page_id)
            pages[e.page_id] = f"{store.get_item(p.item_id).identifier}/{p.seq}"
        out.add(f"{pages[e.page_id]}:{e.parameters['line']}")
    return out

