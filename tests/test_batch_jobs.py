"""Batch job state: schema, resume rules, retries, item tasks, settings and status (real SQLite, real pipeline)."""

from __future__ import annotations

import json
import subprocess

import pytest

from _batch_helpers import corrupt_master, digitizer_cmd, make_project, recognize_counts
from digitizer.batch import JobStore, SerialExecutor, resolve_settings
from digitizer.batch.status import project_status
from digitizer.errors import CancelledError, ProfileError
from digitizer.batch.process import process_pages
from digitizer.profiles import load_profile
from digitizer.progress import CancelToken, NullProgress


@pytest.fixture
def store(tmp_path):
    s = make_project(tmp_path / "proj", 6)
    yield s
    s.close()


def test_schema_has_batch_tables(store):
    assert store.schema_version >= 3
    names = {r[0] for r in store.conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"batch_jobs", "batch_tasks"} <= names


def test_serial_batch_records_job_and_never_redoes_done_pages(store):
    rep = process_pages(store, engine="none")
    assert sorted(rep.done) == [p.id for p in store.pages()] and not rep.failed
    job = JobStore(store).get_job(rep.job_id)
    assert job.status == "done" and job.count("page", "done") == 6
    assert all(t.worker and t.attempts == 1 for t in JobStore(store).tasks(job.id))
    again = process_pages(store, engine="none")
    assert again.done == [] and set(recognize_counts(store).values()) == {1}
    forced = process_pages(store, engine="none", force=True)
    assert len(forced.done) == 6 and set(recognize_counts(store).values()) == {2}


class CancelAfter(NullProgress):
    """A progress sink that cancels the batch after ``n`` pages (as a GUI cancel button would)."""

    def __init__(self, token: CancelToken, n: int):
        super().__init__()
        self.token, self.n = token, n

    def advance(self, n: int = 1) -> None:
        super().advance(n)
        if self.done >= self.n:
            self.token.cancel()


def test_cancelled_force_job_resumes_without_redoing_pages(store):
    process_pages(store, engine="none")
    token = CancelToken()
    with pytest.raises(CancelledError):
        process_pages(store, engine="none", force=True, cancel=token, progress=CancelAfter(token, 2))
    job = JobStore(store).latest_job()
    assert job.status == "cancelled" and job.count("page", "done") == 2 and job.count("page", "running") == 0
    rep = process_pages(store, engine="none", force=True)       # same arguments: resumes that job
    assert rep.job_id == job.id and len(rep.done) == 4
    assert JobStore(store).get_job(job.id).runs == 2
    assert set(recognize_counts(store).values()) == {2}         # one initial run + exactly one forced run


def test_interrupted_running_tasks_go_back_to_pending(store):
    jobs = JobStore(store)
    pages = [(p.item_id, p.id) for p in store.pages()]
    job = jobs.create_job("process", {"x": 1}, executor="test", max_attempts=3, pages=pages, items=[])
    first = jobs.pending(job.id, "page", limit=3)
    jobs.mark_running(t.id for t in first)
    jobs.mark_done(first[0].id, worker="w1", seconds=0.1)
    assert jobs.find_resumable("process", {"x": 2}) is None
    again = jobs.resume_job(jobs.find_resumable("process", {"x": 1}), executor="test", max_attempts=3)
    assert again.count("page", "running") == 0 and again.count("page", "pending") == 5
    assert again.count("page", "done") == 1
    newer = jobs.create_job("process", {"x": 2}, executor="test", max_attempts=3, pages=pages, items=[])
    assert jobs.get_job(job.id).status == "superseded" and newer.status == "running"


def test_failed_attempts_are_retried_up_to_the_limit(store):
    jobs = JobStore(store)
    job = jobs.create_job("process", {}, executor="test", max_attempts=2, pages=[(1, 1)], items=[])
    (task,) = jobs.tasks(job.id)
    assert jobs.mark_failed_attempt(task.id, "boom", max_attempts=2) is True
    assert jobs.tasks(job.id)[0].status == "pending"
    assert jobs.mark_failed_attempt(task.id, "boom again", max_attempts=2) is False
    row = jobs.tasks(job.id)[0]
    assert (row.status, row.attempts, row.error) == ("failed", 2, "boom again")


def test_poisoned_page_in_process_fails_after_retries_rest_completes(store):
    bad = store.pages()[2]
    corrupt_master(store, bad.id)
    rep = process_pages(store, engine="none", retries=2, executor=SerialExecutor())
    assert [pid for pid, _ in rep.failed] == [bad.id] and len(rep.done) == 5 and rep.retried == 2
    task = next(t for t in JobStore(store).tasks(rep.job_id) if t.page_id == bad.id)
    assert task.status == "failed" and task.attempts == 3 and "page0003.png" in task.error
    page = store.get_page(bad.id)
    assert page.status == "failed" and page.error == task.error
    st = project_status(store)
    assert st["pages"]["failed"] == 1 and st["jobs"][0]["pages"]["failed"] == 1
    assert st["failed"][0]["page"] == bad.id and st["failed"][0]["attempts"] == 3


def test_item_task_runs_once_after_all_pages_of_the_item(tmp_path):
    store = make_project(tmp_path / "proj", 3)
    from digitizer.ingest import import_paths

    second = store.add_item("box2")
    import_paths(store, [tmp_path / "proj-src" / "page0001.png"], second)   # duplicate -> no pages
    seen = []

    def item_task(item):
        pages = store.pages(item.id)
        seen.append((item.identifier, [p.status for p in pages]))

    rep = process_pages(store, engine="none", item_task=item_task)
    assert seen == [("box2", []), ("box1", ["processed"] * 3)]
    assert JobStore(store).get_job(rep.job_id).count("item", "done") == 2
    seen.clear()
    process_pages(store, engine="none", item_task=item_task)            # new job: items again, no pages
    assert sorted(s[0] for s in seen) == ["box1", "box2"]


def test_settings_precedence_and_validation(tmp_path):
    prof = load_profile("printed-modern")
    prof.raw["batch"] = {"scheduler": "tcp://a:1", "workers": 3, "retries": 1}
    s = resolve_settings(prof, env={})
    assert (s.scheduler, s.workers, s.retries, s.max_attempts) == ("tcp://a:1", 3, 1, 2)
    s = resolve_settings(prof, env={"DIGITIZER_SCHEDULER": "tcp://b:2"}, workers=1)
    assert (s.scheduler, s.workers) == ("tcp://b:2", 1)
    assert resolve_settings(prof, env={}, scheduler="").scheduler is None
    prof.raw["batch"] = {"workerz": 2}
    with pytest.raises(ProfileError, match="workerz"):
        resolve_settings(prof, env={})


def test_status_cli_json_and_text(store):
    process_pages(store, engine="none")
    res = subprocess.run(digitizer_cmd("status", str(store.root), "--json"), capture_output=True, text=True,
                         timeout=60)
    assert res.returncode == 0, res.stderr
    st = json.loads(res.stdout)
    assert st["pages"] == {"total": 6, "processed": 6}
    job = st["jobs"][0]
    assert job["state"] == "done" and job["pages"]["done"] == 6 and job["pages"]["remaining"] == 0
    assert job["pages_per_minute"] > 0
    text = subprocess.run(digitizer_cmd("status", str(store.root)), capture_output=True, text=True, timeout=60)
    assert "6 done, 0 failed, 0 remaining of 6" in text.stdout


def test_path_map_rewrites_task_paths_for_workers(store):
    from digitizer.batch.executors import map_paths
    from digitizer.pipeline.process import make_task

    page, item = store.pages()[0], store.get_item("box1")
    task = make_task(store, page, item, load_profile("printed-modern"))
    root = task.project_root
    moved = map_paths(task, {root: "/mnt/worker/proj", root + "-other": "/nope"})
    assert moved.project_root == "/mnt/worker/proj"
    assert moved.image_path == "/mnt/worker/proj/" + page.master.path
    assert moved.derived_rel == task.derived_rel and task.project_root == root      # the original is untouched
    assert map_paths(task, {"/elsewhere": "/x"}) == task
