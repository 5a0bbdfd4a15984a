"""Recognise one line again, e.g. a line a person just drew: ``digitizer lines P --page N --line ID
--recognise`` and the GUI's "Recognise this line".

The line is cut from the image the page was recognised on (the preprocessed derivative when
preprocessing changed the pixels, else the master), in that image's coordinates (the page's
transform), and read by the page's engine and model (the item's profile and the page's engine
override, as :func:`digitizer.pipeline.process.make_task` builds them): tesseract in single-line
mode (``--psm 7``, ``line_psm`` in the profile) with the profile's languages on the line's box,
kraken on the line's polygon (or box) with the page's model.  Words, text and confidences go
back in master coordinates; the line's own geometry is kept.

Saved through :func:`digitizer.workflow.recognised`: the engine step is an event, the line gets a
new version (source ``recognise``) and is a machine line again.  A line whose text a person
wrote, edited or vouched for is refused with one line (before the engine runs, and again in
the transaction that saves).  The page's other lines are not touched.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from PIL import Image

from .. import workflow
from ..correction import locate_line
from ..engines.base import RecognitionOptions
from ..model import Line, PageLayout, ProcessingStep, TextBlock, Transform
from ..profiles import load_profile
from ..store import ProjectStore
from .process import make_task

HYPHENS = ("-", "\u00ad", "\u00ac", "\u2e17")


@dataclass
class LineResult:
    page_id: int
    line_id: str
    text: str
    confidence: float | None
    version: int                  # the line's new version
    engine: str
    model: str | None


def _page_image(store: ProjectStore, page_id: int) -> tuple[Image.Image, Transform]:
    """The image the page was recognised on and the transform master -> that image."""
    from ..imaging.io import load_frame

    page = store.get_page(page_id)
    pre = page.derived.get("preprocessed")
    if pre is not None and store.abspath(pre.path).is_file():
        with Image.open(store.abspath(pre.path)) as im:
            im.load()
            return im.copy(), page.transform
    image, _dpi = load_frame(store.abspath(page.master.path), page.source_page, normalize=True)
    return image, Transform()


def _options(store: ProjectStore, page_id: int) -> tuple[str, RecognitionOptions]:
    from ..htr.registry import resolve_options

    page = store.get_page(page_id)
    item = store.get_item(page.item_id)
    task = make_task(store, page, item, load_profile(item.profile))
    rec = task.recognition
    extra = {**rec.extra, **({"dpi": task.dpi} if task.dpi else {})}
    opts = RecognitionOptions(languages=list(rec.languages), model=rec.model,
                              segmentation_model=rec.segmentation_model, extra=extra)
    return task.engine, resolve_options(task.engine, opts, store.root)


def read_line(image: Image.Image, transform: Transform, line: Line, engine_name: str, opts: RecognitionOptions,
              master_size: tuple[int, int], *, followed: bool = False) -> tuple[Line, ProcessingStep]:
    """``line`` (master coordinates) read by the engine on ``image`` (``transform``: master -> image):
    a copy with text, words and confidence in master coordinates, and the engine's step.
    ``followed``: another line follows in its region (a final hyphen then marks a hyphenated word)."""
    from ..engines.registry import get_engine

    engine = get_engine(engine_name)
    probe = dataclasses.replace(line, words=[], text="", confidence=None, tags=[])
    page = PageLayout(master_size[0], master_size[1], [TextBlock("b", line.bbox, [probe])])
    here = page.transformed(transform, image.width, image.height)
    got = next(iter(engine.recognize(image, here, opts)))
    back = PageLayout(image.width, image.height, [TextBlock("b", got.bbox, [got])])
    back = back.transformed(transform.inverse(), *master_size)
    read = back.blocks[0].lines[0]
    for i, w in enumerate(read.words, 1):
        w.id = f"{line.id}_w{i}"
    out = dataclasses.replace(line, text=read.text, words=read.words, confidence=read.confidence, tags=[],
                              hyphenated=followed and read.text.endswith(HYPHENS))
    rec_step = getattr(engine, "recognition_step", None)
    step: ProcessingStep = (rec_step(opts) if rec_step is not None
                            else engine.step("ocr", opts, psm=opts.extra.get("line_psm", 7)))
    step.parameters = {**step.parameters, "line": line.id, "operation": "recognise line"}
    return out, step


def recognise_line(store: ProjectStore, page_id: int, line_id: str, *, operator: str | None = None) -> LineResult:
    """Recognise line ``line_id`` of page ``page_id`` with the page's engine and model and save it
    (a new machine version); WorkflowRefusedError when a person's text is there or the page is
    closed (reviewed, approved), EngineError when the engine cannot run."""
    line = workflow.check_recognisable(store, page_id, line_id)
    page = store.get_page(page_id)
    engine_name, opts = _options(store, page_id)
    image, transform = _page_image(store, page_id)
    block, index = locate_line(store.load_layout(page_id) or PageLayout(0, 0), line_id)
    read, step = read_line(image, transform, line, engine_name, opts, (page.width, page.height),
                           followed=index + 1 < len(block.lines))
    step.agent = operator or store.agent
    version = workflow.recognised(store, page_id, line_id, read, step, agent=operator)
    model = getattr(opts.model, "name", None) or (str(opts.model) if opts.model else None)
    return LineResult(page_id, line_id, read.text, read.confidence, version, engine_name, model)
