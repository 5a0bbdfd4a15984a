"""Staging folders of an export, the "export in progress" marker, and sweeping what a killed run left.

Names (all hidden, beside their target):

* ``.ITEM.<pid>.<random>.partial``        an item being built (renamed onto ``ITEM`` when valid)
* ``.OUT.<pid>.<random>.bag-partial``     a bag being built (renamed onto ``OUT``)
* ``.ITEM.old-<pid>``                     the previous ``ITEM`` during the swap
* ``.NAME.<random>.part``                 a file being written (:func:`digitizer.fsutil.atomic_open`)
* ``OUT/.export-in-progress``             written before the first change to ``OUT`` and removed
                                          after its new ``manifest-sha256.txt``: a killed (re-)export
                                          leaves it, so ``verify`` says the export is incomplete.

A leftover belongs to a dead run when the process id in its name no longer runs on this machine
(``.part`` files carry no pid: they are swept when older than an hour).
"""

from __future__ import annotations

import os
import re
import shutil
import time
from pathlib import Path

from ..fsutil import atomic_write_text, make_temp_dir

MARKER = ".export-in-progress"
_STAGING = re.compile(r"^\..+\.(?P<pid>\d+)\.[^.]+\.(partial|bag-partial)$")
_OLD = re.compile(r"^\..+\.old-(?P<pid>\d+)$")
_PART = re.compile(r"^\..+\.part$")
PART_AGE = 3600.0


def stage_dir(target: Path, suffix: str = "partial") -> Path:
    """A new staging folder for ``target`` in its parent (named with this process id)."""
    return make_temp_dir(prefix=f".{target.name}.{os.getpid()}.", suffix=f".{suffix}", dir=target.parent)


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def is_leftover(path: Path, *, now: float | None = None) -> bool:
    """Whether ``path`` is staging of an export that no longer runs."""
    m = _STAGING.match(path.name) or _OLD.match(path.name)
    if m:
        return not _alive(int(m.group("pid")))
    if _PART.match(path.name):
        try:
            return (now or time.time()) - path.stat().st_mtime > PART_AGE
        except OSError:
            return False
    return False


def leftovers(out: Path) -> list[Path]:
    """Staging left by dead runs for the export ``out``: beside it (its own bag staging), in it
    (items) and one level below (files of items)."""
    found = [p for p in out.parent.glob(f".{out.name}.*") if is_leftover(p)] if out.parent.is_dir() else []
    if out.is_dir():
        found += [p for p in out.iterdir() if is_leftover(p)]
        for sub in out.iterdir():
            if sub.is_dir() and not sub.name.startswith("."):
                found += [p for p in sub.iterdir() if is_leftover(p)]
    return sorted(found)


def sweep(out: Path) -> list[Path]:
    """Remove :func:`leftovers` of ``out``; returns what was removed."""
    gone = []
    for p in leftovers(out):
        if p.is_dir():
            shutil.rmtree(p, ignore_errors=True)
        else:
            p.unlink(missing_ok=True)
        if not p.exists():
            gone.append(p)
    return gone


def begin(out: Path, manifest: str) -> None:
    """Mark ``out`` as being changed and drop its old checksum manifest (it no longer holds)."""
    out.mkdir(parents=True, exist_ok=True)
    atomic_write_text(out / MARKER, f"pid {os.getpid()} started {time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())}\n")
    (out / manifest).unlink(missing_ok=True)


def finish(out: Path) -> None:
    (out / MARKER).unlink(missing_ok=True)


def interrupted(out: Path) -> bool:
    """Whether an export into ``out`` started and did not finish (a live one counts too)."""
    return (out / MARKER).is_file()
