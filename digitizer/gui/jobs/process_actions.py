"""The main window's processing actions: pages are processed as the CLI's batch job
(``digitizer process``) in the jobs panel.

A mixin of :class:`~digitizer.gui.main_window.MainWindow`.
"""

from __future__ import annotations

from ...pipeline.process import DONE_STATUSES
from . import tasks as jobs


class ProcessActions:
    """Process the page shown, a selection or a whole item."""

    def process_pages(self, page_ids: list[int], *, force: bool = False,
                      discard_corrections: bool = False) -> int | None:
        """Queue a processing job for ``page_ids`` (the CLI's batch job: ``digitizer process``);
        returns the job id."""
        if self.store is None or not page_ids:
            return None
        self._settle()
        n = len(page_ids)
        return self.queue.add_job(f"Process {n} page{'s' if n > 1 else ''}", jobs.process_job, self.root,
                                  list(page_ids), agent=self.settings.operator, languages=self.settings.languages,
                                  force=force, discard_corrections=discard_corrections, total=n)

    def process_selected(self) -> None:
        """Process the page shown (or a confirmed multi-selection); pages that already have text are
        processed again only when the user says Yes to a dialog whose default is No (then a person's
        corrections are replaced too, and every earlier line version stays in the history)."""
        ids = self.pages_to_act_on("Process")
        done = [pid for pid in ids if (p := self.browser.model.page(pid)) and p.status in DONE_STATUSES]
        again = bool(done) and self.confirm(
            "Process again?", f"{len(done)} page(s) already have text (corrections included). "
            "Process them again and replace their text? Earlier versions stay in each line's history.")
        self.process_pages(ids if again else [i for i in ids if i not in done], force=again,
                           discard_corrections=again)

    def process_item(self) -> None:
        if self.page is None:
            return
        ids = [p.id for p in self.store.pages(self.page.item_id) if p.status not in DONE_STATUSES]
        self.process_pages(ids)

    def _page_processed(self, page_id: int, ok: bool, error: str) -> None:
        if self.store is None:
            return
        self.show_stored_page(page_id)                  # tree row, header, item progress
        self.reload_shown_page(page_id)                 # read off the GUI thread; only what changed is redrawn
