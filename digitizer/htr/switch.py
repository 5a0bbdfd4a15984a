"""Switch an item to a recognition model and re-process only the pages nobody has worked on.

``switch_item_model(store, item, model)`` is what ``digitizer models use`` (and the GUI action)
calls: every page of the item gets the per-page engine override ``kraken:MODEL`` (MODEL from the
project's ``models/`` folder, the user registry or the built-in models, as ``models list --project``); the pages
without a person's work are re-processed at once with it; pages with a person's work keep
their text (and get the new model only if someone re-processes them on purpose).

"A person's work" is the workflow's rule (:func:`digitizer.workflow.has_person_work`): edited,
verified or flagged lines, a changed layout, or a corrected/reviewed/approved page.  The
re-processing of ``SwitchResult.todo`` goes through the batch runner
(:func:`digitizer.batch.process.process_pages`: job rows, the project lock), called by the front end.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .. import __version__
from ..model import ProcessingStep
from ..workflow import has_person_work
from . import registry


@dataclass
class SwitchResult:
    item: str
    model: str
    pages: list[int] = field(default_factory=list)          # every page of the item (override set)
    reprocessed: list[int] = field(default_factory=list)
    kept: list[int] = field(default_factory=list)           # a person's work: not re-processed
    todo: list[int] = field(default_factory=list)           # nobody worked on them: to re-process
    failed: list[tuple[int, str]] = field(default_factory=list)


def pages_with_person_work(store: Any, page_ids: list[int]) -> set[int]:
    """The pages among ``page_ids`` that hold a person's work (the workflow's rule)."""
    return {i for i in page_ids if has_person_work(store, i)}


def plan_switch(store: Any, item_key: int | str, model: str) -> SwitchResult:
    """What :func:`switch_item_model` would do, changing nothing: ``todo`` (nobody worked on them:
    re-processed with the model) and ``kept`` (a person's work: they keep their text).  The GUI's
    confirmation names both numbers."""
    info = registry.get(model, store.root)     # the project's models/ too; unknown: ModelNotFoundError
    item = store.get_item(item_key)
    res = SwitchResult(item=item.identifier, model=info.name, pages=[p.id for p in store.pages(item.id)])
    worked = pages_with_person_work(store, res.pages)
    res.kept = [i for i in res.pages if i in worked]
    res.todo = sorted(i for i in res.pages if i not in worked)
    return res


def switch_item_model(store: Any, item_key: int | str, model: str, *, reprocess: bool = True) -> SwitchResult:
    """Set ``kraken:model`` on every page of the item and say which pages nobody worked on
    (``todo``, to re-process when ``reprocess``; the event records the plan)."""
    info = registry.get(model, store.root)
    item = store.get_item(item_key)
    for pid in [p.id for p in store.pages(item.id)]:
        store.set_page_fields(pid, engine_override=f"kraken:{info.name}")
    res = plan_switch(store, item.id, info.name)
    todo = res.todo
    res.todo = todo if reprocess else []
    store.record(ProcessingStep(action="switch-model", tool="digitizer", tool_version=__version__,
                                parameters={"engine": "kraken", "model": info.name, "pages": res.pages,
                                            "reprocess": res.todo, "kept": res.kept},
                                model=info.name, model_sha256=info.sha256, agent=store.agent,
                                detail=f"{len(todo)} page(s) to re-process, {len(res.kept)} kept (a person's work)"),
                 item_id=item.id)
    return res
