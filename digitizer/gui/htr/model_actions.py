"""The window's model actions (issue 12, deliver 6): the Models dialog, retraining on corrected pages
as a background job, and switching an item to a model in one action.

:func:`attach_model_actions` adds them to a menu of a
:class:`~digitizer.gui.main_window.MainWindow`.  Each act is the CLI's core call:

* **Models…** lists what ``digitizer models list --json`` prints (:func:`digitizer.htr.overview.model_entries`);
* **Retrain on corrected pages…** queues ``digitizer retrain`` (:func:`digitizer.htr.project_data.
  retrain_from_project`) in the jobs panel: progress by lines trained, Cancel, at most N epochs; at the
  end it shows base vs new CER on the held-back pages and offers "Use for item";
* **Use model for item…** is ``digitizer models use``: a confirmation names how many pages will be
  processed again and how many keep their text (:func:`digitizer.htr.switch.plan_switch`), then
  :func:`digitizer.htr.switch.switch_item_model` runs on the window's store writer and the pages
  without a person's work go through the batch runner as a processing job (``force``, the same
  call ``models use`` makes).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction

from ...errors import DigitizerError
from ...htr.switch import SwitchResult, plan_switch, switch_item_model
from .dialogs import RetrainDialog, RetrainResultDialog, UseModelDialog
from .models_dialog import ModelsDialog
from .tasks import retrain_job


class ModelActions(QObject):
    """The Models dialog, retraining and switching, for one window ``win``."""

    def __init__(self, win: Any) -> None:
        super().__init__(win)
        self.win = win
        self.models_dialog: ModelsDialog | None = None
        self.retrain_dialog: RetrainDialog | None = None
        self.result_dialog: RetrainResultDialog | None = None
        self.use_dialog: UseModelDialog | None = None
        self.retrain_jobs: dict[int, int | None] = {}     # job id -> item to offer "Use for item" for
        self.last_switch: SwitchResult | None = None
        self.last_process_job: int | None = None
        self.models_action: QAction | None = None
        self.retrain_action: QAction | None = None
        self.use_action: QAction | None = None

    # ------------------------------------------------------------------ helpers
    def _project(self) -> str | None:
        return self.win.root if self.win.store is not None else None

    def _recognition_models(self) -> list[str]:
        from ...htr.overview import model_entries

        return [e["name"] for e in model_entries(self._project())
                if e.get("kind") == "recognition" and e.get("engine") == "kraken"]

    def _items(self) -> list[tuple[int, str]]:
        return [(it.id, it.identifier) for it in self.win.browser.model.items()]

    def _say(self, text: str) -> None:
        self.win.statusBar().showMessage(text, 15000)

    # ------------------------------------------------------------------ Models dialog
    def show_models(self, select: str | None = None) -> ModelsDialog:
        """The registered models with their scores; its buttons retrain or switch an item."""
        dlg = ModelsDialog(self._project(), self.win)
        dlg.retrainRequested.connect(self.show_retrain)
        dlg.useRequested.connect(self.show_use)
        dlg.finished.connect(lambda _r: setattr(self, "models_dialog", None))
        if select:
            dlg.select_model(select)
        self.models_dialog = dlg
        dlg.open()
        return dlg

    # ------------------------------------------------------------------ retraining
    def show_retrain(self, base: str | None = None) -> RetrainDialog | None:
        """Items, held-back pages (or none), base model, name, epochs; OK queues the job."""
        if self.win.store is None:
            self._say("open a project first: retraining uses its corrected pages")
            return None
        self.win._settle()                          # the corrections typed last are in the store
        models = self._recognition_models()
        if not base:
            page_model = self._page_model()
            base = page_model if page_model in models else (models[0] if models else "")
        from ...htr.overview import model_entries

        taken = {e["name"] for e in model_entries(self._project())}
        dlg = RetrainDialog(self.win.root, self.win.settings.operator, self._items(), self.win.current_item_id(),
                            models, base or "", taken, self.win)
        dlg.accepted.connect(lambda: self.start_retrain(**dlg.values()))
        self.retrain_dialog = dlg
        dlg.open()
        return dlg

    def _page_model(self) -> str | None:
        """The kraken model the page shown is recognised with (its override), if any."""
        page = self.win.page
        override = getattr(page, "engine_override", None) or ""
        return override.split(":", 1)[1] if override.startswith("kraken:") else None

    def start_retrain(self, *, items: list[int], held_back: list[str], base_model: str, name: str, epochs: int,
                      batch_size: int = 8, **train_kw: Any) -> int | None:
        """Queue ``digitizer retrain`` in the jobs panel; returns the job id."""
        if self.win.store is None:
            return None
        self.win._settle()
        job_id: int = self.win.queue.add_job(
            f"Retrain {base_model} → {name} (≤ {epochs} epochs)", retrain_job, self.win.root,
            agent=self.win.settings.operator, name=name, base_model=base_model, items=list(items),
            held_back=list(held_back), epochs=epochs, batch_size=batch_size, **train_kw)
        current = self.win.current_item_id()
        self.retrain_jobs[job_id] = items[0] if len(items) == 1 else (current if current in items else None)
        self._say(f"retraining {base_model} as {name} in the background (Jobs panel: progress, Cancel)")
        return job_id

    def _job_result(self, job_id: int, result: Any) -> None:
        if job_id not in self.retrain_jobs:
            return
        item_id = self.retrain_jobs.pop(job_id)
        label = None
        if item_id is not None and self.win.store is not None:
            label = self.win.store.get_item(item_id).identifier
        if self.models_dialog is not None:
            self.models_dialog.refresh(select=result.name)
        dlg = RetrainResultDialog(result, label, self.win)
        if item_id is not None:
            dlg.useRequested.connect(lambda: self._use_from_result(dlg, item_id, result.name))
        self.result_dialog = dlg
        self._say(f"model {result.name} trained")
        dlg.open()

    def _use_from_result(self, dlg: RetrainResultDialog, item_id: int, model: str) -> None:
        dlg.accept()
        self.use_model(item_id, model)

    def _job_finished(self, job_id: int, state: str) -> None:
        if job_id in self.retrain_jobs and state != "done":
            self.retrain_jobs.pop(job_id)
            job = self.win.queue.jobs.get(job_id)
            why = f": {job.error}" if job is not None and job.error else ""
            self._say(f"retraining {state}{why}")

    # ------------------------------------------------------------------ switching an item
    def show_use(self, model: str | None = None) -> UseModelDialog | None:
        if self.win.store is None:
            self._say("open a project first")
            return None
        dlg = UseModelDialog(self._items(), self.win.current_item_id(), self._recognition_models(),
                             model or self._page_model(), self.win)
        dlg.accepted.connect(lambda: self.use_model(*dlg.values()))
        self.use_dialog = dlg
        dlg.open()
        return dlg

    def use_model(self, item_id: int, model: str, *, confirm: bool = True) -> SwitchResult | None:
        """``digitizer models use MODEL ROOT --item I``: after a confirmation that names how many pages
        are processed again and how many keep their text; returns what the core did."""
        writer = self.win.writer
        if writer is None:
            return None
        try:
            plan = writer.call(plan_switch, item_id, model)
        except DigitizerError as exc:
            self.win.show_error(exc.user_message)
            return None
        if confirm and not self.win.confirm(
                "Use model for item",
                f"Switch item {plan.item} ({len(plan.pages)} page(s)) to model {plan.model}?\n\n"
                f"{len(plan.todo)} page(s) nobody has worked on will be processed again with it.\n"
                f"{len(plan.kept)} page(s) with a person's work keep their text (they get the model for a later, "
                "deliberate re-processing)."):
            return None
        try:
            res: SwitchResult = writer.call(switch_item_model, item_id, model)
        except DigitizerError as exc:
            self.win.show_error(exc.user_message)
            return None
        self.last_switch = res
        self.last_process_job = self.win.process_pages(res.todo, force=True) if res.todo else None
        self.win.refresh_browser()
        page = self.win.page
        if page is not None and page.item_id == item_id:
            self.win.page = self.win.store.get_page(page.id)
            self.win._update_status()
        self._say(f"item {res.item}: model {res.model} on {len(res.pages)} page(s); processing {len(res.todo)} "
                  f"again, {len(res.kept)} keep their text (a person's work)")
        return res


def attach_model_actions(win: Any, menu: Any) -> ModelActions:
    """Add Models…, Retrain on corrected pages… and Use model for item… to ``menu`` of ``win``."""
    acts = ModelActions(win)
    menu.addSeparator()
    acts.models_action = win._act(menu, "Mo&dels…", acts.show_models, "Ctrl+Alt+M",
                                  tip="Registered models: validation CER, base vs new CER on held-back pages")
    acts.retrain_action = win._act(menu, "Re&train on corrected pages…", acts.show_retrain, needs="project",
                                   tip="Fine-tune a model on this project's corrected lines, in the background")
    acts.use_action = win._act(menu, "&Use model for item…", acts.show_use, needs="project",
                               tip="Switch an item to a model; pages nobody worked on are processed again")
    win.queue.jobResult.connect(acts._job_result)
    win.queue.jobFinished.connect(acts._job_finished)
    return acts
