"""Crash safety of the batch: kill -9 of the runner, a killed pool worker, a poisoned page (real tesseract)."""

from __future__ import annotations

import os
import signal
import sqlite3
import time

import pytest

from _batch_helpers import (corrupt_master, kill_session, live_in_group, make_pages, make_project, page_text, page_texts,
                            recognize_counts, start_digitizer)
from digitizer.batch import JobStore, LocalProcessExecutor
from digitizer.export.validate import validation_errors
from digitizer.pipeline.export import export_item
from digitizer.batch.process import process_pages
from digitizer.profiles import load_profile
from digitizer.progress import NullProgress
from digitizer.store import ProjectStore

pytestmark = pytest.mark.timeout(240)


def done_pages(db) -> int:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10)
    try:
        return conn.execute("SELECT COUNT(*) FROM pages WHERE status = 'processed'").fetchone()[0]
    except sqlite3.OperationalError:
        return 0
    finally:
        conn.close()


def test_kill_9_of_runner_then_resume_processes_each_page_once(tmp_path):
    n = 14
    store = make_project(tmp_path / "proj", n)
    root = store.root
    store.close()
    proc = start_digitizer("-q", "process", str(root), "--workers", "2", "--engine", "tesseract", "--lang", "eng")
    deadline = time.monotonic() + 120
    try:
        while done_pages(root / "project.sqlite") < 3:
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline
            time.sleep(0.05)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        orphans_until = time.monotonic() + 10        # pool workers notice the dead coordinator and exit
        while live_in_group(proc.pid) and time.monotonic() < orphans_until:
            time.sleep(0.2)
        assert live_in_group(proc.pid) == []
    finally:
        kill_session(proc.pid)
    killed_at = done_pages(root / "project.sqlite")
    assert 3 <= killed_at < n, "the kill must land mid-batch"
    with ProjectStore.open(root) as s:
        job = JobStore(s).latest_job()
        assert job.status == "running"                                  # its coordinator died
    again = start_digitizer("-q", "process", str(root), "--workers", "2", "--engine", "tesseract", "--lang", "eng")
    out, err = again.communicate(timeout=180)
    assert again.returncode == 0, err
    with ProjectStore.open(root) as s:
        assert set(recognize_counts(s).values()) == {1}                  # nothing lost, nothing duplicated
        assert all(p.status == "processed" for p in s.pages())
        resumed = JobStore(s).latest_job()
        assert resumed.id == job.id and resumed.runs == 2 and resumed.status == "done"
        assert resumed.count("page", "done") == n
        texts = page_texts(s)
        assert all(page_text(seq - 1)[0] in texts[seq] for seq in texts)
        item = s.get_item("box1")
        (tmp_path / "out").mkdir()
        exp = export_item(s, item, tmp_path / "out", formats=["alto", "mets"], profile=load_profile("printed-modern"))
        altos = sorted((exp.path / "alto").glob("*.xml"))
        assert len(altos) == n and all(validation_errors(p, "alto") == [] for p in altos)


class KillPoolWorker(NullProgress):
    """Kills one process of the local pool (SIGKILL) once the first page is committed."""

    def __init__(self, executor: LocalProcessExecutor):
        super().__init__()
        self.executor, self.killed = executor, None

    def advance(self, n: int = 1) -> None:
        super().advance(n)
        if self.killed is None:
            self.killed = sorted(self.executor._pool._processes)[0]
            os.kill(self.killed, signal.SIGKILL)


def test_killed_pool_worker_page_is_retried_and_completes(tmp_path):
    store = make_project(tmp_path / "proj", 8)
    with LocalProcessExecutor(2) as ex:
        sink = KillPoolWorker(ex)
        rep = process_pages(store, executor=ex, engine="tesseract", progress=sink)
    assert sink.killed is not None and ex.restarts >= 1
    assert len(rep.done) == 8 and not rep.failed and rep.retried >= 1
    tasks = JobStore(store).tasks(rep.job_id)
    retried = [t for t in tasks if t.attempts > 1]
    assert retried and all(t.status == "done" for t in tasks)
    assert set(recognize_counts(store).values()) == {1}


def test_poisoned_page_among_good_ones_fails_alone_after_retries(tmp_path):
    src = tmp_path / "src"
    make_pages(src, 6)
    store = make_project(tmp_path / "proj", 6, src=src)
    bad = store.pages()[3]
    corrupt_master(store, bad.id)
    with LocalProcessExecutor(2) as ex:
        rep = process_pages(store, executor=ex, engine="tesseract", retries=1)
    assert [p for p, _ in rep.failed] == [bad.id] and len(rep.done) == 5
    (task,) = [t for t in JobStore(store).tasks(rep.job_id) if t.page_id == bad.id]
    assert task.status == "failed" and task.attempts == 2 and "page0004.png" in task.error
    assert store.get_page(bad.id).status == "failed"
    assert recognize_counts(store)[bad.id] == 0
    assert sum(1 for e in store.events(page_id=bad.id, action="process") if e.outcome == "failure") == 1
