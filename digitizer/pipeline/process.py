"""Process pages of a project: build page tasks from the profile, run them, commit the results."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Iterable

from ..engines.base import RecognitionOptions
from ..model import Item, Page
from ..profiles import Profile, load_profile
from ..progress import CancelToken, NullProgress, ProgressSink
from ..store import ProjectStore
from .page import PageResult, PageTask, commit_page_result, run_page_task

DONE_STATUSES = ("processed", "corrected", "reviewed", "approved")


@dataclass
class ProcessReport:
    done: list[int] = field(default_factory=list)
    failed: list[tuple[int, str]] = field(default_factory=list)
    skipped: list[int] = field(default_factory=list)
    seconds: float = 0.0


def make_task(store: ProjectStore, page: Page, item: Item, profile: Profile, *,
              engine: str | None = None) -> PageTask:
    rec = profile.recognition
    image_ref = page.derived.get("image")
    image_path = store.abspath(image_ref.path) if image_ref else store.abspath(page.master.path)
    frame = 0 if image_ref else page.source_page
    return PageTask(
        project_root=str(store.root.resolve()), page_id=page.id, image_path=str(image_path.resolve()), frame=frame,
        width=page.width, height=page.height, dpi=page.dpi, preprocess=dict(profile.preprocess),
        engine=engine or page.engine_override or rec.engine,
        recognition=RecognitionOptions(languages=list(rec.languages), model=rec.model,
                                       segmentation_model=rec.segmentation_model, extra=dict(rec.options)),
        derived_rel=f"derivatives/{item.identifier}/{page.seq:04d}_p{page.id}_preprocessed.png",
        pdf_dpi=profile.import_.pdf_dpi, agent=store.agent)


def select_pages(store: ProjectStore, items: Iterable[Item], *, force: bool = False,
                 page_ids: set[int] | None = None) -> list[tuple[Item, Page]]:
    """Pages to process: not yet processed (or failed), unless ``force``. Corrected text is never
    overwritten without ``force``."""
    out = []
    for item in items:
        for page in store.pages(item.id):
            if page_ids is not None and page.id not in page_ids:
                continue
            if not force and page.status in DONE_STATUSES:
                continue
            out.append((item, page))
    return out


def process_pages(store: ProjectStore, items: Iterable[Item] | None = None, *, profile: Profile | None = None,
                  engine: str | None = None, languages: list[str] | None = None, force: bool = False,
                  page_ids: set[int] | None = None, progress: ProgressSink | None = None,
                  cancel: CancelToken | None = None,
                  runner: Callable[[list[PageTask], CancelToken | None], Iterable[PageResult]] | None = None
                  ) -> ProcessReport:
    """Process selected pages; each result is committed as soon as it arrives (resumable)."""
    import time

    progress = progress or NullProgress()
    items = list(items) if items is not None else store.items(with_pages=False)
    selected = select_pages(store, items, force=force, page_ids=page_ids)
    rep = ProcessReport()
    tasks = []
    for item, page in selected:
        prof = profile or load_profile(item.profile)
        if languages:
            prof.recognition.languages = list(languages)
        tasks.append(make_task(store, page, item, prof, engine=engine))
    t0 = time.perf_counter()
    progress.start(len(tasks), "process")
    run = runner or serial_runner
    for res in run(tasks, cancel):
        commit_page_result(store, res)
        if res.ok:
            rep.done.append(res.page_id)
        else:
            rep.failed.append((res.page_id, res.error or "failed"))
            progress.message(f"page {res.page_id}: {res.error}")
        progress.advance(1)
    progress.finish()
    rep.seconds = time.perf_counter() - t0
    return rep


def serial_runner(tasks: list[PageTask], cancel: CancelToken | None = None) -> Iterable[PageResult]:
    for task in tasks:
        if cancel:
            cancel.check()
        yield run_page_task(task, cancel)
