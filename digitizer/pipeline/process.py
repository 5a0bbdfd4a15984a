"""Process pages of a project: build page tasks from the profile, run them, commit the results.

The batch machinery (job state, executors, the coordinator loop) lives in :mod:`digitizer.batch`;
:func:`process_pages` is the entry point the CLI and the GUI call.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Iterable

from ..engines.base import RecognitionOptions
from ..model import Item, Page
from ..profiles import Profile, load_profile
from ..progress import CancelToken, NullProgress, ProgressSink
from ..store import ProjectStore
from .page import PageResult, PageTask, commit_page_result, run_page_task

if TYPE_CHECKING:
    from ..batch.executors import Executor

DONE_STATUSES = ("processed", "corrected", "reviewed", "approved")


@dataclass
class ProcessReport:
    done: list[int] = field(default_factory=list)
    failed: list[tuple[int, str]] = field(default_factory=list)
    skipped: list[int] = field(default_factory=list)
    seconds: float = 0.0
    job_id: int | None = None
    retried: int = 0
    items_failed: list[tuple[int, str]] = field(default_factory=list)


def make_task(store: ProjectStore, page: Page, item: Item, profile: Profile, *,
              engine: str | None = None) -> PageTask:
    rec = profile.recognition
    image_ref = page.derived.get("image")
    image_path = store.abspath(image_ref.path) if image_ref else store.abspath(page.master.path)
    frame = 0 if image_ref else page.source_page
    # a page override is "ENGINE" or "ENGINE:MODEL" (`digitizer engine`); another engine than the
    # profile's gets its own model and none of the profile's engine options
    name, model, extra = rec.engine, rec.model, dict(rec.options)
    override = engine or page.engine_override
    if override:
        o_name, _, o_model = override.partition(":")
        if o_name != rec.engine:
            name, model, extra = o_name, None, {}
        model = o_model or model
    return PageTask(
        project_root=str(store.root.resolve()), page_id=page.id, image_path=str(image_path.resolve()), frame=frame,
        width=page.width, height=page.height, dpi=page.dpi, preprocess=dict(profile.preprocess),
        engine=name,
        recognition=RecognitionOptions(languages=list(rec.languages), model=model,
                                       segmentation_model=rec.segmentation_model, extra=extra),
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
                  runner: Callable[[list[PageTask], CancelToken | None], Iterable[PageResult]] | None = None,
                  executor: Executor | None = None, retries: int = 2, item_task: Callable[[Item], None] | None = None,
                  job_params: dict[str, Any] | None = None) -> ProcessReport:
    """Process selected pages as a resumable batch job (see :mod:`digitizer.batch`).

    Each result is committed as soon as it arrives, together with its job-task row, so killing the
    process at any moment and calling this again with the same arguments continues where it stopped.
    ``executor`` decides where pages run (default: in this process); a failed page is retried up to
    ``retries`` more times.  ``item_task(item)`` runs once all pages of an item are finished (``run``
    exports the item there).  ``runner`` is the older plain-callable form, kept for compatibility.
    """
    if runner is not None:
        return _process_with_runner(store, items, profile=profile, engine=engine, languages=languages, force=force,
                                    page_ids=page_ids, progress=progress, cancel=cancel, runner=runner)
    from ..batch.executors import SerialExecutor
    from ..batch.runner import BatchRunner, open_job, select_page_ids

    items = list(items) if items is not None else store.items(with_pages=False)
    item_ids = [i.id for i in items]
    params = {"items": item_ids, "profile": profile.name if profile else None, "engine": engine,
              "languages": list(languages) if languages else None, "force": force,
              "pages": sorted(page_ids) if page_ids is not None else None, **(job_params or {})}
    own = executor is None
    executor = executor or SerialExecutor(cancel)
    try:
        job, _resumed = open_job(store, "process", params, executor=executor, max_attempts=retries + 1,
                                 select=lambda: select_page_ids(store, item_ids, force=force, page_ids=page_ids,
                                                                skip_statuses=DONE_STATUSES),
                                 item_ids=item_ids if item_task else [])
        factory = _TaskFactory(store, {i.id: i for i in items}, profile, engine, languages)
        batch = BatchRunner(store, job, executor, factory, items={i.id: i for i in items}, item_task=item_task,
                            progress=progress, cancel=cancel)
        rep = batch.run()
    finally:
        if own:
            executor.close()
    return ProcessReport(done=rep.done, failed=rep.failed, seconds=rep.seconds, job_id=rep.job_id,
                         retried=rep.retried, items_failed=rep.items_failed)


class _TaskFactory:
    """Builds the PageTask of a job-task row (profiles cached per name)."""

    def __init__(self, store: ProjectStore, items: dict[int, Item], profile: Profile | None, engine: str | None,
                 languages: list[str] | None):
        self.store, self.items, self.profile = store, items, profile
        self.engine, self.languages = engine, languages
        self._profiles: dict[str, Profile] = {}

    def _profile_for(self, item: Item) -> Profile:
        if self.profile is not None:
            prof = self.profile
        else:
            if item.profile not in self._profiles:
                self._profiles[item.profile] = load_profile(item.profile)
            prof = self._profiles[item.profile]
        if self.languages:
            prof.recognition.languages = list(self.languages)
        return prof

    def __call__(self, row) -> PageTask:
        item = self.items.get(row.item_id)
        if item is None:
            item = self.items[row.item_id] = self.store.get_item(row.item_id)
        page = self.store.get_page(row.page_id)
        return make_task(self.store, page, item, self._profile_for(item), engine=self.engine)


def _process_with_runner(store: ProjectStore, items: Iterable[Item] | None, *, profile: Profile | None,
                         engine: str | None, languages: list[str] | None, force: bool, page_ids: set[int] | None,
                         progress: ProgressSink | None, cancel: CancelToken | None,
                         runner: Callable[[list[PageTask], CancelToken | None], Iterable[PageResult]]
                         ) -> ProcessReport:
    """The plain form: build all tasks, let ``runner`` run them, commit each result as it arrives."""
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
    for res in runner(tasks, cancel):
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
