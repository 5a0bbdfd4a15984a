"""Pool workers see the coordinator's environment of now, not the one of the process's first pool.

The local pool starts its workers from a forkserver, one per process, started by the first pool and
kept for the life of the process.  A worker forked from it has the forkserver's environment: without
the pool handing over its own, a model registered in ``$DIGITIZER_MODELS_DIR`` set after that (a
test's own registry; a GUI job after another) is not found in the worker and the page fails.
"""

from __future__ import annotations

from multiprocessing import forkserver
from pathlib import Path

import pytest

from _batch_helpers import make_project
from digitizer.batch import LocalProcessExecutor
from digitizer.batch.process import process_pages
from digitizer.htr import registry
from digitizer.htr.registry import builtin_models_dir

pytestmark = pytest.mark.slow     # kraken on one page


def test_pool_worker_finds_a_model_registered_after_the_forkserver_started(tmp_path, monkeypatch):
    store = make_project(tmp_path / "proj", 1)
    page = store.pages()[0]
    first = LocalProcessExecutor(1)                      # sets the forkserver's preloads, as a first pool does
    with monkeypatch.context() as m:                     # the forkserver runs from now on with another registry
        m.setenv("DIGITIZER_MODELS_DIR", str(tmp_path / "earlier-registry"))
        forkserver.ensure_running()
    first.close()
    info = registry.import_model(builtin_models_dir() / "poilus-fr-v1.safetensors", name="env-check")
    assert registry.user_models_dir() in Path(info.path).parents
    store.set_page_fields(page.id, engine_override="kraken:env-check")
    with LocalProcessExecutor(1) as ex:
        rep = process_pages(store, executor=ex, page_ids={page.id})
    assert rep.done == [page.id] and not rep.failed, rep.failed
    rec = [s for s in store.load_layout(page.id).steps if s.action == "recognize"]
    assert rec[-1].model == "env-check" and rec[-1].model_sha256 == info.sha256
    assert store.events(page_id=page.id, action="recognize")[-1].model == "env-check"
