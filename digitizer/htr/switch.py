"""Switch an item to a recognition model and re-process only the pages nobody has worked on.

``switch_item_model(store, item, model)`` is what ``digitizer models use`` (and the GUI action)
calls: every page of the item gets the per-page engine override ``kraken:MODEL``; the pages
without a person's work are re-processed at once with it; pages with a person's work keep
their text (and get the new model only if someone re-processes them on purpose).

"A person's work" (until the workflow module defines it for every rule): the page has a line
version whose source is not ``engine`` (an edit or a restore), or its status is corrected,
reviewed or approved.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .. import __version__
from ..model import ProcessingStep
from ..progress import CancelToken, ProgressSink
from . import registry

WORKED_STATUSES = ("corrected", "reviewed", "approved")


@dataclass
class SwitchResult:
    item: str
    model: str
    pages: list[int] = field(default_factory=list)          # every page of the item (override set)
    reprocessed: list[int] = field(default_factory=list)
    kept: list[int] = field(default_factory=list)           # a person's work: not re-processed
    failed: list[tuple[int, str]] = field(default_factory=list)


def pages_with_person_work(store: Any, page_ids: list[int]) -> set[int]:
    """The pages among ``page_ids`` that hold a person's work (see the module docstring)."""
    if not page_ids:
        return set()
    marks = ",".join("?" * len(page_ids))
    rows = store.conn.execute(f"SELECT DISTINCT page_id FROM line_versions WHERE source != 'engine' "
                              f"AND page_id IN ({marks})", page_ids).fetchall()
    edited = {int(r[0]) for r in rows}
    return edited | {p.id for p in (store.get_page(i) for i in page_ids) if p.status in WORKED_STATUSES}


def switch_item_model(store: Any, item_key: int | str, model: str, *, reprocess: bool = True,
                      progress: ProgressSink | None = None, cancel: CancelToken | None = None) -> SwitchResult:
    """Set ``kraken:model`` on every page of the item; re-process the pages without a person's work."""
    info = registry.get(model)                 # unknown name: ModelNotFoundError with the list
    item = store.get_item(item_key)
    pages = store.pages(item.id)
    res = SwitchResult(item=item.identifier, model=info.name, pages=[p.id for p in pages])
    for p in pages:
        store.set_page_fields(p.id, engine_override=f"kraken:{info.name}")
    worked = pages_with_person_work(store, res.pages)
    res.kept = [i for i in res.pages if i in worked]
    todo = {i for i in res.pages if i not in worked}
    store.record(ProcessingStep(action="switch-model", tool="digitizer", tool_version=__version__,
                                parameters={"engine": "kraken", "model": info.name, "pages": res.pages,
                                            "reprocess": sorted(todo) if reprocess else [], "kept": res.kept},
                                model=info.name, model_sha256=info.sha256, agent=store.agent,
                                detail=f"{len(todo)} page(s) to re-process, {len(res.kept)} kept (a person's work)"),
                 item_id=item.id)
    if reprocess and todo:
        from ..pipeline.process import process_pages

        rep = process_pages(store, [item], force=True, page_ids=todo, progress=progress, cancel=cancel)
        res.reprocessed, res.failed = list(rep.done), list(rep.failed)
    return res
