"""The window's single store writer: saves run in order on one thread with its own connection.

Saving a line (JSON of the page layout + an fsync'd SQLite commit) takes 10-20 ms; done on the
UI thread it made "next line after an edit" miss its 16 ms frame.  :class:`StoreWriter` runs
every write of the window on one dedicated thread, strictly in submission order, with its own
:class:`~digitizer.store.ProjectStore` connection.  The UI shows the edit at once; the commit
follows within milliseconds.  :meth:`flush` waits for everything queued (the window calls it
before it reads what it wrote, and on close, so nothing is lost); :meth:`call` runs a write and
waits for its result.  An asynchronous write that fails emits ``failed(tag, message)``.
:meth:`read` runs a read on the same thread, after the writes queued before it (so it sees them
without the GUI waiting for a flush), and hands the result to a callback in the GUI thread: the
page shown is re-read this way when a job rewrites it (layout JSON parsed off the GUI thread).
"""

from __future__ import annotations

import threading
import time
from collections import deque
from concurrent.futures import Future
from typing import Any, Callable

from PySide6.QtCore import QObject, Signal

from ..errors import DigitizerError
from ..store import ProjectStore


class StoreWriter(QObject):
    """Signals: ``saved(tag, result)`` and ``failed(tag, message)`` (delivered in the GUI thread)."""

    saved = Signal(object, object)
    failed = Signal(object, str)
    _read_done = Signal(object, object)     # (callback, result): delivered to the GUI thread

    def __init__(self, root: str, agent: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.store = ProjectStore.open(root, agent=agent)
        self._jobs: deque[tuple[Callable[..., Any], tuple, dict, Future, Any, bool]] = deque()
        self._cond = threading.Condition()
        self._busy = False
        self._stop = False
        self.last_commit_ms: float | None = None
        self._read_done.connect(lambda callback, result: callback(result))
        self._thread = threading.Thread(target=self._run, name="digitizer-store-writer", daemon=True)
        self._thread.start()

    # ------------------------------------------------------------------ API (GUI thread)
    def submit(self, func: Callable[..., Any], *args: Any, tag: Any = None, report: bool = True,
               **kwargs: Any) -> Future:
        """Queue ``func(store, *args, **kwargs)``; returns a Future. ``report``: emit ``failed`` on error."""
        fut: Future = Future()
        with self._cond:
            if self._stop:
                raise RuntimeError("the store writer is closed")
            self._jobs.append((func, args, kwargs, fut, tag, report))
            self._cond.notify_all()
        return fut

    def call(self, func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Run ``func(store, ...)`` after everything queued; wait and return its result (errors raise)."""
        return self.submit(func, *args, report=False, **kwargs).result()

    def read(self, func: Callable[..., Any], *args: Any, callback: Callable[[Any], None],
             on_error: Callable[[BaseException], None] | None = None, **kwargs: Any) -> Future:
        """Run ``func(store, *args, **kwargs)`` after everything queued; ``callback(result)`` is then
        called in the GUI thread (``on_error(exc)`` when it raised; nothing when neither applies)."""
        def done(fut: Future) -> None:                      # runs on the writer thread
            exc = fut.exception()
            if exc is None:
                self._read_done.emit(callback, fut.result())
            elif on_error is not None:
                self._read_done.emit(on_error, exc)
        fut = self.submit(func, *args, report=False, **kwargs)
        fut.add_done_callback(done)
        return fut

    def pending(self) -> int:
        with self._cond:
            return len(self._jobs) + (1 if self._busy else 0)

    def flush(self, timeout: float | None = None) -> bool:
        """Wait until every queued write is committed (or failed); False on timeout."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._cond:
            while self._jobs or self._busy:
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    return False
                self._cond.wait(left)
        return True

    def set_agent(self, agent: str) -> None:
        self.call(lambda store: setattr(store, "agent", agent))

    def close(self) -> None:
        """Flush, stop the thread and close the connection."""
        with self._cond:
            if self._stop:
                return
        self.flush()
        with self._cond:
            self._stop = True
            self._cond.notify_all()
        self._thread.join()
        self.store.close()

    # ------------------------------------------------------------------ the writer thread
    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._jobs and not self._stop:
                    self._cond.wait()
                if not self._jobs:
                    return
                func, args, kwargs, fut, tag, report = self._jobs.popleft()
                self._busy = True
            t0 = time.perf_counter()
            try:
                result = func(self.store, *args, **kwargs)
            except Exception as exc:  # reported to the GUI, never lost
                fut.set_exception(exc)
                if report:
                    self.failed.emit(tag, getattr(exc, "user_message", None) if isinstance(exc, DigitizerError)
                                     else f"{type(exc).__name__}: {exc}")
            else:
                fut.set_result(result)
                self.last_commit_ms = (time.perf_counter() - t0) * 1000
                if report:
                    self.saved.emit(tag, result)
            finally:
                with self._cond:
                    self._busy = False
                    self._cond.notify_all()
