"""One page through the pipeline: load → preprocess → recognise → map back to master coordinates.

:func:`run_page_task` touches no database: it takes a picklable :class:`PageTask` and returns a
:class:`PageResult` (so it can run in a worker process or on a Dask worker); the coordinator
calls :func:`commit_page_result` to write it into the store (one writer to SQLite).
The derived (preprocessed) image is written atomically by the worker under the project root.
"""

from __future__ import annotations

import io
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import __version__
from ..engines.base import RecognitionOptions
from ..errors import CancelledError, DigitizerError, DiskFullError
from ..fsutil import atomic_write_bytes, sha256_bytes
from ..htr.registry import resolve_options
from ..model import FileRef, PageLayout, ProcessingStep, Transform
from ..progress import CancelToken


@dataclass
class PageTask:
    project_root: str
    page_id: int
    image_path: str               # absolute path of the file holding the page's pixels
    frame: int                    # frame inside image_path (0 unless the master itself is multi-page)
    width: int                    # master page size (the coordinate system of the result)
    height: int
    dpi: float | None
    preprocess: dict[str, Any]    # profile [preprocess] table
    engine: str
    recognition: RecognitionOptions
    derived_rel: str              # where to write the preprocessed image, relative to project_root
    pdf_dpi: int = 300
    agent: str = ""


@dataclass
class PageResult:
    page_id: int
    layout: PageLayout | None = None
    derived: FileRef | None = None
    transform: Transform | None = None
    steps: list[ProcessingStep] = field(default_factory=list)
    error: str | None = None
    timings: dict[str, float] = field(default_factory=dict)
    disk_full: str | None = None        # the path a full disk refused: the whole run stops (exit 11)

    @property
    def ok(self) -> bool:
        return self.error is None


def run_page_task(task: PageTask, cancel: CancelToken | None = None) -> PageResult:
    """Process one page; errors are returned (not raised) so a batch goes on."""
    from ..engines.registry import get_engine
    from ..imaging.io import load_frame
    from ..imaging.preprocess import PreprocessOptions, preprocess

    res = PageResult(page_id=task.page_id)
    t0 = time.perf_counter()
    try:
        image, _dpi = load_frame(task.image_path, task.frame, pdf_dpi=task.pdf_dpi, normalize=True)
        if image.size != (task.width, task.height):
            raise DigitizerError(f"{task.image_path}: image is {image.size[0]}x{image.size[1]}, "
                                 f"expected {task.width}x{task.height}")
        res.timings["load"] = time.perf_counter() - t0
        if cancel:
            cancel.check()
        t1 = time.perf_counter()
        opts = PreprocessOptions.from_dict(task.preprocess, source="[preprocess]")
        pre = preprocess(image, opts, cancel)
        res.transform, res.steps = pre.transform, list(pre.steps)
        # the derived image is encoded in a thread while the engine runs (PNG of a 16 MP page: ~1 s)
        # (a copy: PIL's Image.save keeps per-call encoder state on the image object, not thread-safe);
        # a page that preprocessing left untouched (at most a grey conversion) gets no derived file
        derived = None
        if pre.pixels_changed:
            derived = _writer().submit(_write_derived, pre.image.copy(), Path(task.project_root),
                                       task.derived_rel, task.dpi)
        res.timings["preprocess"] = time.perf_counter() - t1
        if cancel:
            cancel.check()
        t2 = time.perf_counter()
        engine = get_engine(task.engine)
        extra = {**task.recognition.extra, **({"dpi": task.dpi} if task.dpi else {})}
        if not pre.pixels_changed and task.frame == 0 and _engine_readable(task.image_path):
            extra["image_file"] = task.image_path
        rec = RecognitionOptions(languages=list(task.recognition.languages), model=task.recognition.model,
                                 segmentation_model=task.recognition.segmentation_model, extra=extra)
        # engines take model files, not registry names; the project's models/ folder is searched first
        rec = resolve_options(task.engine, rec, task.project_root)
        layout = engine.process(pre.image, rec, cancel)
        step = engine.step("recognize", rec)
        step.agent = task.agent
        res.timings["recognize"] = time.perf_counter() - t2
        res.derived = derived.result() if derived is not None else None
        master_layout = layout.transformed(pre.transform.inverse(), task.width, task.height)
        master_layout.steps = [*res.steps, step]
        res.layout = master_layout
        res.steps.append(step)
    except CancelledError:
        raise
    except DiskFullError as exc:
        res.error, res.disk_full = exc.user_message, exc.path
    except DigitizerError as exc:
        res.error = exc.user_message
    except Exception as exc:  # a bad page must not stop the batch
        res.error = f"{type(exc).__name__}: {exc}"
        res.steps.append(ProcessingStep(action="process", tool="digitizer", tool_version=__version__,
                                        outcome="failure", detail=traceback.format_exc(limit=3)))
    res.timings["total"] = time.perf_counter() - t0
    return res


_WRITER = None


def _engine_readable(path: str) -> bool:
    """A single-frame 8-bit grey/RGB TIFF, JPEG or PNG: decoded by the engine exactly as our copy."""
    from PIL import Image

    try:
        with Image.open(path) as im:
            return (im.format in ("TIFF", "JPEG", "PNG") and im.mode in ("L", "RGB")
                    and getattr(im, "n_frames", 1) == 1)
    except OSError:
        return False


def _writer():
    """One background thread per process for writing derived images (created lazily: fork-safe)."""
    global _WRITER
    if _WRITER is None:
        from concurrent.futures import ThreadPoolExecutor

        _WRITER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="digitizer-derived")
    return _WRITER


def _write_derived(image, root: Path, rel: str, dpi: float | None) -> FileRef:
    buf = io.BytesIO()
    image.save(buf, format="PNG", compress_level=1, dpi=(dpi, dpi) if dpi else None)
    data = buf.getvalue()
    atomic_write_bytes(root / rel, data)
    return FileRef(path=rel, sha256=sha256_bytes(data), size=len(data), mime="image/png", role="derivative")


def commit_page_result(store, result: PageResult, *, discard_corrections: bool = False) -> bool:
    """Write a page result into the store in one transaction (the single SQLite writer).

    A page that has a person's work (:func:`digitizer.workflow.has_person_work`, checked here, inside
    the transaction, so an edit made while the page was being recognised counts) is not replaced
    unless ``discard_corrections``; then the act is a ``discard-corrections`` event and every earlier
    line version stays in the history.  A failure never changes the state of such a page.
    Returns False when the result was not applied because of a person's work."""
    from ..workflow import has_person_work

    with store.transaction():
        protected = has_person_work(store, result.page_id)
        if protected and not (discard_corrections and result.ok and result.layout is not None):
            if not result.ok:
                store.record(_failure_step(store, result), page_id=result.page_id)
            return False
        if protected:
            store.record(ProcessingStep(action="discard-corrections", tool="digitizer", tool_version=__version__,
                                        parameters={"lines": store.person_work(result.page_id),
                                                    "previous": store.get_page(result.page_id).status},
                                        agent=store.agent), page_id=result.page_id)
        if result.derived is not None:
            store.set_derived(result.page_id, "preprocessed", result.derived, result.transform)
        elif result.ok:     # preprocessing left the page untouched: the master is the working image
            store.clear_derived(result.page_id, "preprocessed", reset_transform=True)
        if result.ok and result.layout is not None:
            engine_step = result.steps[-1] if result.steps else None
            store.save_layout(result.page_id, result.layout, engine_step, extra_steps=result.steps[:-1])
        else:
            store.set_status(result.page_id, "failed", error=result.error, step=_failure_step(store, result))
    return True


def _failure_step(store, result: PageResult) -> ProcessingStep:
    return ProcessingStep(action="process", tool="digitizer", tool_version=__version__, outcome="failure",
                          detail=result.error or "", agent=store.agent)
