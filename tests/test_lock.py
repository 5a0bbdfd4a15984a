"""The project lock with real processes: the holder is named, a killed holder's lock is taken over,
``--wait`` waits, two concurrent ``process`` runs recognise each page once in total."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import textwrap

import pytest

from _batch_helpers import digitizer_cmd, make_project, recognize_counts
from digitizer import lock
from digitizer.errors import ExitCode, ProjectLockedError
from digitizer.store import ProjectStore

HOLD = textwrap.dedent("""
    import sys, time
    from digitizer.lock import acquire
    acquire(sys.argv[1], "test holder")
    print("locked", flush=True)
    time.sleep(600)
""")


def hold_lock(root) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-c", HOLD, str(root)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "locked"
    return proc


def test_holder_is_named_and_a_killed_holders_lock_is_taken_over(tmp_path):
    ProjectStore.create(tmp_path / "p").close()
    proc = hold_lock(tmp_path / "p")
    try:
        assert lock.is_locked(tmp_path / "p")
        with pytest.raises(ProjectLockedError) as err:
            lock.acquire(tmp_path / "p", "test")
        msg = err.value.user_message
        assert f"pid {proc.pid} on {socket.gethostname()} since 20" in msg and "(test holder)" in msg
        assert "--wait" in msg and err.value.exit_code == ExitCode.PROJECT
        assert err.value.holder["pid"] == proc.pid
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    # the kernel dropped the dead holder's lock: taken over, and the file now names us
    with lock.project_lock(tmp_path / "p", "after"):
        assert lock.holder(tmp_path / "p")["pid"] == os.getpid()
        with lock.project_lock(tmp_path / "p", "nested"):       # re-entrant in one process
            pass
        assert lock.is_locked(tmp_path / "p")
    assert not lock.is_locked(tmp_path / "p")


def test_process_refuses_or_waits_while_another_writer_holds_the_lock(tmp_path):
    make_project(tmp_path / "p", 1).close()
    proc = hold_lock(tmp_path / "p")
    try:
        res = subprocess.run(digitizer_cmd("-q", "process", str(tmp_path / "p"), "--workers", "0"),
                             capture_output=True, text=True, timeout=120)
        assert res.returncode == ExitCode.PROJECT, res.stderr
        lines = res.stderr.strip().splitlines()
        assert len(lines) == 1 and f"project is locked by pid {proc.pid}" in lines[0], res.stderr
        res = subprocess.run(digitizer_cmd("-q", "export", str(tmp_path / "p"), "-o", str(tmp_path / "out")),
                             capture_output=True, text=True, timeout=120)
        assert res.returncode == ExitCode.PROJECT and f"locked by pid {proc.pid}" in res.stderr
        assert not (tmp_path / "out").exists()
        waiting = subprocess.Popen(digitizer_cmd("process", str(tmp_path / "p"), "--workers", "0", "--wait"),
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = waiting.stderr.readline()
        assert f"waiting for the project lock held by pid {proc.pid}" in line
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    out, err = waiting.communicate(timeout=300)
    assert waiting.returncode == 0, err
    with ProjectStore.open(tmp_path / "p") as store:
        assert list(recognize_counts(store).values()) == [1]


def test_retrain_refuses_while_another_writer_holds_the_lock(tmp_path):
    """``retrain`` (and the GUI's retrain job, which waits) is one writer like process and export."""
    make_project(tmp_path / "p", 1).close()
    proc = hold_lock(tmp_path / "p")
    try:
        res = subprocess.run(digitizer_cmd("-q", "retrain", str(tmp_path / "p"), "--base-model", "poilus-fr-v1",
                                           "--name", "never"), capture_output=True, text=True, timeout=120)
        assert res.returncode == ExitCode.PROJECT, res.stderr
        assert f"project is locked by pid {proc.pid}" in res.stderr and "(test holder)" in res.stderr
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()


def test_two_concurrent_process_runs_recognise_each_page_once(tmp_path):
    make_project(tmp_path / "p", 3).close()
    runs = [subprocess.Popen(digitizer_cmd("-q", "process", str(tmp_path / "p"), "--workers", "0", "--wait"),
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             env={**os.environ, "OMP_THREAD_LIMIT": "1"}) for _ in range(2)]
    results = [r.communicate(timeout=600) for r in runs]
    assert [r.returncode for r in runs] == [0, 0], results
    with ProjectStore.open(tmp_path / "p") as store:
        assert sorted(recognize_counts(store).values()) == [1, 1, 1]
        assert {p.status for p in store.pages()} == {"processed"}


def test_another_thread_of_this_process_waits_for_the_lock(tmp_path):
    """GUI jobs run in worker threads: one writer at a time holds there too (re-entrant only per thread)."""
    import threading

    ProjectStore.create(tmp_path / "p").close()
    order: list[str] = []
    with lock.project_lock(tmp_path / "p", "first job"):
        with pytest.raises(ProjectLockedError, match=f"pid {os.getpid()} .*first job"):
            t_err: list[BaseException] = []
            t = threading.Thread(target=lambda: _try(tmp_path / "p", t_err))
            t.start()
            t.join()
            raise t_err[0]
        waiter = threading.Thread(target=lambda: _wait_then(tmp_path / "p", order))
        waiter.start()
        while not order:                                     # the waiter announced that it waits
            waiter.join(0.05)
        order.append("first done")
    waiter.join()
    assert order == ["waiting", "first done", "second got it"]
    assert not lock.is_locked(tmp_path / "p")


def _try(root, errors):
    try:
        lock.acquire(root, "second job")
    except ProjectLockedError as exc:
        errors.append(exc)


def _wait_then(root, order):
    with lock.project_lock(root, "second job", wait=True, on_wait=lambda _h: order.append("waiting")):
        order.append("second got it")


def test_the_hot_folder_waits_for_the_writer_holding_the_lock(tmp_path):
    import threading

    from _batch_helpers import make_page
    from digitizer.capture.hotfolder import HotFolder

    folder = tmp_path / "in"
    make_page(folder / "page001.png", 0)
    with ProjectStore.create(tmp_path / "p") as store:
        hf = HotFolder(store, folder, store.add_item("box"), settle=0.0, clock=lambda: 0.0)
        holder = hold_lock(tmp_path / "p")
        try:
            events: list = []
            t = threading.Thread(target=lambda: [events.extend(hf.scan()) for _ in range(3) if not events])
            t.start()
            t.join(1.0)
            assert t.is_alive() and events == []               # cannot import while the other writer holds it
            assert store.pages() == []
        finally:
            holder.send_signal(signal.SIGKILL)
            holder.wait()
        t.join()
        assert [(e.name, e.status) for e in events] == [("page001.png", "imported")]
        assert len(store.pages()) == 1
