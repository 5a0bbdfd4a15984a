"""Crash safety: a process killed (SIGKILL) in the middle of a write loses nothing already saved
and leaves no half-written file under a real name and no half transaction in the database."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

from digitizer.fsutil import sha256_file
from digitizer.store import ProjectStore


def run_killed(code: str) -> int:
    proc = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=120)
    return proc.returncode


def test_atomic_write_killed_midway_keeps_old_content(tmp_path):
    target = tmp_path / "doc.xml"
    target.write_bytes(b"<old/>")
    rc = run_killed(f"""
        import os, signal
        from digitizer.fsutil import atomic_open
        with atomic_open({str(target)!r}) as fh:
            fh.write(b"<new>" + b"x" * 100000)
            fh.flush()
            os.kill(os.getpid(), signal.SIGKILL)
    """)
    assert rc == -signal.SIGKILL
    assert target.read_bytes() == b"<old/>"
    leftovers = [p.name for p in tmp_path.iterdir() if p.name != "doc.xml"]
    assert all(n.startswith(".doc.xml.") and n.endswith(".part") for n in leftovers)


def test_transaction_killed_before_commit_is_rolled_back(tmp_path):
    root = tmp_path / "p"
    with ProjectStore.create(root) as s:
        item = s.add_item("vol")
        n_events = len(s.events())
    rc = run_killed(f"""
        import os, signal
        from digitizer.store import ProjectStore
        from digitizer.model import ProcessingStep
        s = ProjectStore.open({str(root)!r})
        with s.transaction():
            s.update_item({item.id}, title="half-written title")
            s.record(ProcessingStep(action="x", tool="y"))
            os.kill(os.getpid(), signal.SIGKILL)
    """)
    assert rc == -signal.SIGKILL
    with ProjectStore.open(root) as s:
        assert s.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert s.get_item("vol").title == "vol"
        assert len(s.events()) == n_events


def test_import_killed_at_random_points_never_corrupts_the_project(tmp_path):
    """Kill `digitizer import` repeatedly while it copies masters, then finish the import:
    every registered file exists with its checksum, and every page is imported exactly once."""
    from PIL import Image

    src = tmp_path / "src"
    src.mkdir()
    for i in range(12):
        Image.effect_noise((900, 900), 60 + i).save(src / f"p{i + 1}.tif")   # ~800 KB each, all different
    root = tmp_path / "proj"
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    cmd = [sys.executable, "-m", "digitizer.cli.main", "-q", "import", str(root), str(src), "--item", "vol"]
    subprocess.run([sys.executable, "-m", "digitizer.cli.main", "init", str(root)], check=True, env=env)
    for delay in (0.6, 0.9, 1.2):
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    done = subprocess.run(cmd, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    with ProjectStore.open(root) as s:
        assert s.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        for ref in s.files():
            assert sha256_file(s.abspath(ref.path)) == ref.sha256, ref.path
        pages = s.pages()
        assert sorted(p.source_path.rsplit("/", 1)[1] for p in pages) == sorted(f"p{i + 1}.tif" for i in range(12))
        assert [p.seq for p in pages] == list(range(1, 13))
        registered = {ref.path for ref in s.files()}
    on_disk = {str(p.relative_to(root)) for p in (root / "masters").rglob("*") if p.is_file()}
    stray = {p for p in on_disk - registered if not p.rsplit("/", 1)[1].startswith(".")}
    assert not stray, f"unregistered masters under real names: {stray}"
