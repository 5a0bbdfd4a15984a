"""Page tasks of a project: which pages to process and the :class:`PageTask` of each, from the profile.

Running them is the batch runner's job: :func:`digitizer.batch.process.process_pages` is the one
entry point the CLI and the GUI call (job rows, retries, resume, the project lock, progress).
"""

from __future__ import annotations

from typing import Any

from ..engines.base import RecognitionOptions
from ..model import Item, Page
from ..profiles import Profile, load_profile
from ..store import ProjectStore
from .page import PageTask

DONE_STATUSES = ("processed", "corrected", "reviewed", "approved")


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


class TaskFactory:
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
        return prof.with_languages(self.languages)

    def __call__(self, row: Any) -> PageTask:
        item = self.items.get(row.item_id)
        if item is None:
            item = self.items[row.item_id] = self.store.get_item(row.item_id)
        page = self.store.get_page(row.page_id)
        return make_task(self.store, page, item, self._profile_for(item), engine=self.engine)
