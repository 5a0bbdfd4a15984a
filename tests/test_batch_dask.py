"""A real dask.distributed LocalCluster (scheduler + 2 worker processes) gives the same outputs as the local pool."""

from __future__ import annotations

import os
import signal

import pytest

from _batch_helpers import make_pages, make_project, page_texts, recognize_counts, strip_volatile
from digitizer.batch import DaskExecutor, JobStore, LocalProcessExecutor
from digitizer.pipeline.export import export_item
from digitizer.batch.process import process_pages
from digitizer.profiles import load_profile
from digitizer.progress import NullProgress

pytestmark = pytest.mark.timeout(240)
N = 6


@pytest.fixture(scope="module")
def client():
    distributed = pytest.importorskip("distributed")
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                       silence_logs=40)
    c = distributed.Client(cluster)
    yield c
    c.close()
    cluster.close()


@pytest.fixture(scope="module")
def src(tmp_path_factory):
    folder = tmp_path_factory.mktemp("src") / "box1"
    make_pages(folder, N)
    return folder


def export_alto(store, out):
    item = store.get_item("box1")
    out.mkdir(parents=True, exist_ok=True)
    export_item(store, item, out, formats=["alto", "text", "mets"], profile=load_profile("printed-modern"))
    root = str(store.root.resolve()).encode()        # provenance names the project's own files
    return {p.name: strip_volatile(p.read_bytes()).replace(root, b"PROJECT")
            for p in sorted((out / "box1" / "alto").glob("*.xml"))}


def test_localcluster_matches_local_pool(client, src, tmp_path):
    assert len(client.nthreads()) == 2
    local = make_project(tmp_path / "local", N, src=src)
    with LocalProcessExecutor(2) as ex:
        rep_local = process_pages(local, executor=ex, languages=["eng"])
    dask = make_project(tmp_path / "dask", N, src=src)
    rep_dask = process_pages(dask, executor=DaskExecutor(client=client), languages=["eng"])
    assert not rep_local.failed and not rep_dask.failed and len(rep_dask.done) == N
    texts = page_texts(dask)
    assert texts == page_texts(local)
    assert "Page 3 of the batch" in texts[3]
    workers = {t.worker for t in JobStore(dask).tasks(rep_dask.job_id)}
    assert len(workers) == 2 and all(w.split(":")[1] != str(os.getpid()) for w in workers)
    alto_local, alto_dask = export_alto(local, tmp_path / "out-local"), export_alto(dask, tmp_path / "out-dask")
    assert len(alto_dask) == N and alto_dask == alto_local
    assert set(recognize_counts(dask).values()) == {1}


class KillWorkerAfter(NullProgress):
    """Kills one Dask worker process (SIGKILL) once the first page is committed."""

    def __init__(self, client):
        super().__init__()
        self.client, self.killed = client, None

    def advance(self, n: int = 1) -> None:
        super().advance(n)
        if self.killed is None:
            pids = self.client.run(os.getpid)
            self.killed = sorted(pids.values())[0]
            os.kill(self.killed, signal.SIGKILL)


def test_killed_dask_worker_pages_are_rerun_and_complete(client, src, tmp_path):
    store = make_project(tmp_path / "p", N, src=src)
    sink = KillWorkerAfter(client)
    rep = process_pages(store, executor=DaskExecutor(client=client), engine="tesseract", progress=sink)
    assert sink.killed is not None
    assert len(rep.done) == N and not rep.failed
    assert set(recognize_counts(store).values()) == {1}
    assert all(p.status == "processed" for p in store.pages())
