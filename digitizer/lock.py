"""One writer at a time: the project lock.

``process``, ``run``, ``export``, ``retrain``, GUI jobs and the hot folder hold it while they write.  It is an
OS file lock (``fcntl.flock`` / ``msvcrt.locking``) on ``PROJECT/.digitizer.lock``, so the kernel
drops it when the holder dies: a lock left by a killed process is taken over safely, without
guessing from pids.  The file also holds who has it (pid, host, start time, purpose) for the
message of :class:`~digitizer.errors.ProjectLockedError`.

Within one process the lock is re-entrant (``run`` holds it and calls ``process_pages``, which
takes it again).  Usage::

    with project_lock(root, "process", wait=args.wait):
        ...
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import sys
import threading
import time
from pathlib import Path
from typing import Any, Callable, Iterator

from .errors import ProjectLockedError

LOCK_NAME = ".digitizer.lock"
POLL_SECONDS = 0.2

_held: dict[str, list[Any]] = {}        # resolved root -> [file object, depth, owning thread id]
_guard = threading.Lock()


def _utcnow() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


if sys.platform == "win32":  # pragma: no cover - Windows: a byte-range lock on the first byte
    import msvcrt

    def _try_lock(fh: Any) -> bool:
        try:
            fh.seek(0)
            msvcrt.locking(fh.fileno(), msvcrt.LK_NBLCK, 1)
            return True
        except OSError:
            return False

    def _unlock(fh: Any) -> None:
        fh.seek(0)
        msvcrt.locking(fh.fileno(), msvcrt.LK_UNLCK, 1)
else:
    import fcntl

    def _try_lock(fh: Any) -> bool:
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            return False

    def _unlock(fh: Any) -> None:
        fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def lock_path(root: str | os.PathLike[str]) -> Path:
    return Path(root) / LOCK_NAME


def holder(root: str | os.PathLike[str]) -> dict[str, Any] | None:
    """Who holds (or last held) the lock: ``{"pid", "host", "started", "purpose"}``, or None."""
    try:
        data = json.loads(lock_path(root).read_text(encoding="utf-8") or "null")
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def is_locked(root: str | os.PathLike[str]) -> bool:
    """True when some process (this one included) holds the lock now."""
    key = str(Path(root).resolve())
    with _guard:
        if key in _held:
            return True
    try:
        with open(lock_path(root), "a+", encoding="utf-8") as fh:
            if _try_lock(fh):
                _unlock(fh)
                return False
            return True
    except OSError:
        return False


def describe(info: dict[str, Any] | None) -> str:
    if not info:
        return "another process"
    what = f" ({info['purpose']})" if info.get("purpose") else ""
    return f"pid {info.get('pid')} on {info.get('host')} since {info.get('started')}{what}"


def _write_holder(fh: Any, purpose: str) -> None:
    fh.seek(0)
    fh.truncate()
    fh.write(json.dumps({"pid": os.getpid(), "host": socket.gethostname(), "started": _utcnow(),
                         "purpose": purpose}))
    fh.flush()
    os.fsync(fh.fileno())


def acquire(root: str | os.PathLike[str], purpose: str = "", *, wait: bool = False,
            on_wait: Callable[[dict[str, Any] | None], None] | None = None,
            cancelled: Callable[[], bool] | None = None) -> None:
    """Take the lock of project ``root`` (re-entrant in the thread that holds it; another thread of
    this process waits or is refused like another process).

    Held elsewhere: :class:`ProjectLockedError` naming the holder, or with ``wait`` poll until it is
    free (``on_wait(holder)`` is called once; ``cancelled()`` returning True stops waiting with the
    same error)."""
    key = str(Path(root).resolve())
    me = threading.get_ident()
    with _guard:
        entry = _held.get(key)
        if entry is not None and entry[2] == me:
            entry[1] += 1
            return
    fh = open(lock_path(root), "a+", encoding="utf-8")
    told = False
    while not _take(key, fh, purpose, me):
        info = holder(root)
        if not wait or (cancelled is not None and cancelled()):
            fh.close()
            raise ProjectLockedError(f"{root}: project is locked by {describe(info)}", holder=info,
                                     hint="wait for it to finish, or pass --wait")
        if on_wait is not None and not told:
            on_wait(info)
            told = True
        time.sleep(POLL_SECONDS)


def _take(key: str, fh: Any, purpose: str, owner: int) -> bool:
    with _guard:
        if key in _held or not _try_lock(fh):
            return False
        _write_holder(fh, purpose)
        _held[key] = [fh, 1, owner]
        return True


def release(root: str | os.PathLike[str]) -> None:
    """Give back one level of the lock; the last one unlocks the file (its holder text stays)."""
    key = str(Path(root).resolve())
    with _guard:
        entry = _held.get(key)
        if entry is None or entry[2] != threading.get_ident():
            return
        entry[1] -= 1
        if entry[1] == 0:
            del _held[key]
            _unlock(entry[0])
            entry[0].close()


@contextlib.contextmanager
def project_lock(root: str | os.PathLike[str], purpose: str = "", *, wait: bool = False,
                 on_wait: Callable[[dict[str, Any] | None], None] | None = None,
                 cancelled: Callable[[], bool] | None = None) -> Iterator[None]:
    """Hold the project lock for the ``with`` block (see :func:`acquire`)."""
    acquire(root, purpose, wait=wait, on_wait=on_wait, cancelled=cancelled)
    try:
        yield
    finally:
        release(root)
