"""Work the Models dialog runs in worker threads: thin wrappers over the core calls of
``digitizer retrain`` (:func:`digitizer.htr.project_data.retrain_from_project`) and of the choice of
held-back pages (:func:`digitizer.htr.project_data.corrected_pages`).

Each opens its own :class:`~digitizer.store.ProjectStore` (SQLite connections are per thread) with
the operator as agent; ``progress``/``cancel`` are injected by the worker.
"""

from __future__ import annotations

from typing import Any

from ...progress import CancelToken
from ...store import ProjectStore


def corrected_pages_job(root: str, items: list[int] | None, *, agent: str) -> list[Any]:
    """The pages a retraining may use (and hold back), read off the GUI thread."""
    from ...htr.project_data import corrected_pages

    with ProjectStore.open(root, agent=agent) as store:
        return corrected_pages(store, items=items or None)


def retrain_job(root: str, *, agent: str, name: str, base_model: str, items: list[int] | None,
                held_back: list[str], epochs: int, batch_size: int = 8, lr: float = 0.002, patience: int = 5,
                device: str = "auto", threads: int = 1, progress: Any = None,
                cancel: CancelToken | None = None) -> Any:
    """``digitizer retrain ROOT --base-model BASE --name NAME --item … --held-back-page … --epochs N --wait``
    (no page chosen: ``--held-back 0``, nothing held back); returns the core's ``RetrainResult``.
    It holds the project lock like a processing job: while another writer has it, the job waits and
    says who holds it (Cancel stops the wait)."""
    from ...htr.project_data import retrain_from_project
    from ...lock import describe
    from ..jobs.tasks import WAITING

    def waiting(info: dict[str, Any] | None) -> None:
        if progress is not None:
            progress.message(f"{WAITING} held by {describe(info)}")

    with ProjectStore.open(root, agent=agent) as store:
        return retrain_from_project(store, name=name, base_model=base_model, items=items or None,
                                    held_back=list(held_back) if held_back else 0, progress=progress,
                                    cancel=cancel, threads=threads, max_epochs=epochs, patience=patience,
                                    batch_size=batch_size, lr=lr, device=device, wait=True, on_wait=waiting)
