"""Shared helpers for the batch tests and benchmark: generated text pages and small projects."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from _data_helpers import font_file

FONT = font_file("DejaVuSans.ttf")
WORDS = ("archive ledger parish record harbour letter merchant river winter market council street "
         "garden bridge village church school summer mill farm").split()


def page_text(i: int) -> list[str]:
    """Two deterministic lines of text for page ``i``."""
    a = [WORDS[(i * 3 + k) % len(WORDS)] for k in range(3)]
    return [f"Page {i + 1} of the batch", " ".join(a).capitalize()]


def make_page(path: Path, i: int, size: tuple[int, int] = (800, 400)) -> Path:
    """Write an 8-bit grey PNG (300 dpi) with two lines of text."""
    font = ImageFont.truetype(FONT, 30)
    im = Image.new("L", size, 255)
    d = ImageDraw.Draw(im)
    for n, line in enumerate(page_text(i)):
        d.text((40, 70 + n * 110), line, font=font, fill=0)
    path.parent.mkdir(parents=True, exist_ok=True)
    im.save(path, dpi=(300, 300))
    return path


def make_pages(folder: Path, n: int, size: tuple[int, int] = (800, 400)) -> list[Path]:
    return [make_page(folder / f"page{i + 1:04d}.png", i, size) for i in range(n)]


def make_project(root: Path, n: int = 0, *, files: list[Path] | None = None, item: str = "box1", title: str = "",
                 size: tuple[int, int] = (800, 400), src: Path | None = None, profile: str = "printed-modern",
                 metadata: dict | None = None, name: str | None = None, agent: str | None = None):
    """The tests' one project builder: a project at ``root`` with one item whose pages are ``files``
    (files or folders, imported in order) or else ``n`` generated pages (in ``src``, made once);
    returns the open store."""
    from digitizer.ingest import import_paths
    from digitizer.store import ProjectStore

    if files is None:
        src = src or root.parent / f"{root.name}-src"
        if not src.exists():
            make_pages(src, n, size)
        files = [src]
    store = ProjectStore.create(root, name, agent=agent)
    it = store.add_item(item, title=title, profile=profile, metadata=metadata)
    rep = import_paths(store, files, it)
    assert rep.added and not rep.failures, rep.failures
    assert not n or len(rep.added) == n, rep.added
    return store


def corrupt_master(store, page_id: int) -> Path:
    """Damage a page's master inside the project (as bit rot would): keep the PNG header, drop the data."""
    page = store.get_page(page_id)
    path = store.abspath(page.master.path)
    data = path.read_bytes()
    path.write_bytes(data[:60] + b"\0" * 40)
    return path


def recognize_counts(store) -> dict[int, int]:
    """page id -> number of 'recognize' events."""
    out = {p.id: 0 for p in store.pages()}
    for e in store.events(action="recognize"):
        out[e.page_id] = out.get(e.page_id, 0) + 1
    return out


def page_texts(store) -> dict[int, str]:
    """page seq -> recognised text (lines joined by newlines)."""
    out = {}
    for page in store.pages():
        layout = store.load_layout(page.id)
        out[page.seq] = "\n".join(ln.text for ln in layout.lines()) if layout else ""
    return out


def strip_volatile(xml: bytes) -> bytes:
    """ALTO without timestamps (processing date/time differs between runs)."""
    return re.sub(rb"<(\w+:)?processingDateTime>[^<]*</(\w+:)?processingDateTime>", b"", xml)


def digitizer_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "digitizer.cli.main", *args]


def start_digitizer(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen:
    """Start ``digitizer ARGS`` in its own session (so its pool can be cleaned up after a kill -9)."""
    e = {**os.environ, "OMP_THREAD_LIMIT": "1", **(env or {})}
    return subprocess.Popen(digitizer_cmd(*args), stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=e,
                            start_new_session=True, text=True)


def live_in_group(pgid: int) -> list[int]:
    """Pids of live (not zombie) processes in process group ``pgid``."""
    import psutil

    left = []
    for proc in psutil.process_iter(["pid", "status"]):
        try:
            if os.getpgid(proc.pid) == pgid and proc.info["status"] != psutil.STATUS_ZOMBIE:
                left.append(proc.pid)
        except (ProcessLookupError, PermissionError):
            continue
    return left


def kill_session(pid: int) -> list[int]:
    """SIGKILL what is left of the process group started by :func:`start_digitizer`; returns the pids found."""
    left = live_in_group(pid)
    if left:
        try:
            os.killpg(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    return left


def copy_project(template: Path, tmp_path: Path) -> Path:
    """A copy of a processed template project (session fixtures process once; tests copy)."""
    dst = tmp_path / "proj"
    shutil.copytree(template, dst)
    return dst
