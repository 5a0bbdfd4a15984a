"""Hot folder: import files that scanning software drops into a folder, once they are complete.

A file is imported when

1. its size and modification time have not changed for ``settle`` seconds, and
2. it decodes (a half-written TIFF/JPEG fails to decode and is simply waited for; after
   ``fail_after`` seconds of stable-but-broken it is recorded as a failure, once).

Order: ``name`` (natural order; a file that is not complete yet holds back the files named
after it, so pages land in sequence) or ``arrival`` (first seen first).

Never twice: each handled file is recorded in the project's ``hotfolder_files`` table (folder,
name, size, mtime, SHA-256, outcome), so a restarted watcher skips it; the importer also refuses
any file whose SHA-256 is already a master.  Watching uses watchdog to wake up early; a polling
pass every ``poll`` seconds does the actual work (and is all that is needed on network shares
where change notifications do not arrive).
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import InputFileError, ProjectError
from ..fsutil import sha256_file
from ..model import Item, utcnow

TEMP_SUFFIXES = (".part", ".tmp", ".crdownload", ".partial", ".download")


@dataclass
class HotFolderEvent:
    name: str
    status: str                      # imported | duplicate | failed
    pages: list[int] = field(default_factory=list)
    reason: str = ""
    qc_failed: list[str] = field(default_factory=list)


@dataclass
class _Seen:
    size: int
    mtime_ns: int
    stable_since: float
    first_seen: float
    broken_since: float | None = None


class HotFolder:
    """Watch ``folder`` and import complete files into ``item`` of ``store``."""

    def __init__(self, store: Any, folder: str | os.PathLike, item: Item, *, settle: float = 2.0,
                 order: str = "name", fail_after: float = 60.0, qc: Any = None,
                 clock: Callable[[], float] = time.monotonic):
        self.store = store
        self.folder = Path(folder).resolve()
        if not self.folder.is_dir():
            raise ProjectError(f"{folder}: hot folder does not exist or is not a folder")
        if order not in ("name", "arrival"):
            raise ValueError("order must be 'name' or 'arrival'")
        self.item, self.settle, self.order, self.fail_after = item, settle, order, fail_after
        self.qc, self.clock = qc, clock
        self._seen: dict[str, _Seen] = {}
        self._wake = threading.Event()
        self.history: list[HotFolderEvent] = []

    # ------------------------------------------------------------------ state

    def _done(self, name: str, size: int, mtime_ns: int) -> bool:
        return self.store.conn.execute(
            "SELECT 1 FROM hotfolder_files WHERE folder = ? AND name = ? AND size = ? AND mtime_ns = ?",
            (str(self.folder), name, size, mtime_ns)).fetchone() is not None

    def _remember(self, name: str, st: os.stat_result, sha: str, ev: HotFolderEvent) -> None:
        with self.store.transaction() as c:
            c.execute("INSERT OR IGNORE INTO hotfolder_files(folder, name, size, mtime_ns, sha256, item_id, status,"
                      " pages, reason, at) VALUES (?,?,?,?,?,?,?,?,?,?)",
                      (str(self.folder), name, st.st_size, st.st_mtime_ns, sha, self.item.id, ev.status,
                       json.dumps(ev.pages), ev.reason, utcnow()))

    def handled(self) -> list[dict[str, Any]]:
        """Everything this folder has handled (persisted), oldest first."""
        rows = self.store.conn.execute("SELECT * FROM hotfolder_files WHERE folder = ? ORDER BY id",
                                       (str(self.folder),)).fetchall()
        return [dict(r) | {"pages": json.loads(r["pages"])} for r in rows]

    def pending(self) -> list[str]:
        """Files seen but not imported yet (still being written or waiting their turn)."""
        return sorted(self._seen)

    # ------------------------------------------------------------------ scanning

    def _candidates(self) -> dict[str, os.stat_result]:
        from ..imaging.io import IMAGE_EXTENSIONS

        out = {}
        with os.scandir(self.folder) as it:
            for entry in it:
                name = entry.name
                if name.startswith((".", "~")) or name.lower().endswith(TEMP_SUFFIXES):
                    continue
                if Path(name).suffix.lower() not in IMAGE_EXTENSIONS or not entry.is_file():
                    continue
                try:
                    out[name] = entry.stat()
                except FileNotFoundError:
                    continue
        return out

    def _observe(self, now: float) -> list[str]:
        """Update the stability table; return names whose size/mtime are settled."""
        files = self._candidates()
        for gone in set(self._seen) - set(files):
            del self._seen[gone]
        ready = []
        for name, st in files.items():
            if self._done(name, st.st_size, st.st_mtime_ns):
                self._seen.pop(name, None)
                continue
            seen = self._seen.get(name)
            if seen is None or (seen.size, seen.mtime_ns) != (st.st_size, st.st_mtime_ns):
                first = seen.first_seen if seen else now
                self._seen[name] = _Seen(st.st_size, st.st_mtime_ns, now, first)
                continue
            if st.st_size > 0 and now - seen.stable_since >= self.settle:
                ready.append(name)
        return ready

    def _ordered(self, ready: list[str]) -> list[str]:
        from ..imaging.io import natural_key

        if self.order == "arrival":
            return sorted(ready, key=lambda n: (self._seen[n].first_seen, natural_key(n)))
        out = []
        for name in sorted(self._seen, key=natural_key):   # stop at the first file not ready yet
            if name not in ready:
                break
            out.append(name)
        return out

    def _decodable(self, path: Path) -> str | None:
        from ..imaging.io import probe

        try:
            probe(path, decode=True)
        except InputFileError as exc:
            return exc.reason
        except OSError as exc:
            return str(exc)
        return None

    def scan(self) -> list[HotFolderEvent]:
        """One pass: import every file that is complete now; returns what was done."""
        now = self.clock()
        events = []
        for name in self._ordered(self._observe(now)):
            path = self.folder / name
            problem = self._decodable(path)
            seen = self._seen[name]
            if problem is not None:
                seen.broken_since = seen.broken_since if seen.broken_since is not None else now
                if now - seen.broken_since < self.fail_after:
                    if self.order == "name":
                        break                           # keep the sequence: wait for this one
                    continue
            events.append(self._import(name, path))
            self._seen.pop(name, None)
        self.history.extend(events)
        return events

    def _import(self, name: str, path: Path) -> HotFolderEvent:
        from ..ingest import import_file
        from ..lock import project_lock

        with project_lock(self.store.root, "hot folder", wait=True):     # one writer at a time
            return self._import_locked(name, path, import_file)

    def _import_locked(self, name: str, path: Path, import_file: Callable[..., Any]) -> HotFolderEvent:
        st = path.stat()
        sha = sha256_file(path)
        if path.stat().st_mtime_ns != st.st_mtime_ns:
            return HotFolderEvent(name, "failed", reason="changed while importing (will retry)")
        rep = import_file(self.store, path, self.item)
        if rep.added:
            ev = HotFolderEvent(name, "imported", pages=[p.id for p in rep.added])
            ev.qc_failed = self._run_qc(rep.added)
        elif rep.duplicates:
            page = rep.duplicates[0][1]
            ev = HotFolderEvent(name, "duplicate", pages=[page.id] if page else [],
                                reason="same content (SHA-256) is already in the project")
        else:
            ev = HotFolderEvent(name, "failed", reason=rep.failures[0][1] if rep.failures else "not imported")
        self._remember(name, st, sha, ev)
        return ev

    def _run_qc(self, pages: list[Any]) -> list[str]:
        if self.qc is None:
            return []
        from .qc import qc_page

        failed: list[str] = []
        for page in pages:
            result = qc_page(self.store, page, self.qc)
            failed += [c.name for c in result.failed]
        return failed

    # ------------------------------------------------------------------ watching

    def run(self, stop: threading.Event, *, poll: float = 0.5, on_event: Callable[[HotFolderEvent], None] | None = None,
            use_watchdog: bool = True) -> None:
        """Scan until ``stop`` is set; watchdog notifications wake the loop early."""
        observer = self._start_observer() if use_watchdog else None
        try:
            while not stop.is_set():
                for ev in self.scan():
                    if on_event:
                        on_event(ev)
                self._wake.wait(poll)
                self._wake.clear()
        finally:
            if observer is not None:
                observer.stop()
                observer.join(timeout=5)

    def _start_observer(self) -> Any:
        try:
            from watchdog.events import FileSystemEventHandler
            from watchdog.observers import Observer
        except ImportError:
            return None
        wake = self._wake

        class _Handler(FileSystemEventHandler):
            def on_any_event(self, event: Any) -> None:
                wake.set()

        observer = Observer()
        observer.schedule(_Handler(), str(self.folder), recursive=False)
        observer.daemon = True
        observer.start()
        return observer
