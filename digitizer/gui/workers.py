"""Background work for the GUI: one helper, modelled on superqt's ``create_worker``.

A :class:`Worker` runs a core callable or generator on a ``QThreadPool``.  Its signals
(``started``, ``progress``, ``yielded``, ``returned``, ``errored``, ``aborted``, ``finished``)
are delivered to the GUI thread.  ``quit()`` asks it to stop: a generator is closed at its next
yield and the :class:`~digitizer.progress.CancelToken` handed to the function is set, so core
steps stop between pages and lines.  Functions that take ``cancel=`` / ``progress=`` keyword
arguments get the token and a :class:`SignalProgress` sink injected.
"""

from __future__ import annotations

import inspect
import threading
from typing import Any, Callable

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from ..errors import CancelledError
from ..progress import CancelToken

_live: set["Worker"] = set()
_live_lock = threading.Lock()


class WorkerSignals(QObject):
    started = Signal()
    progress = Signal(object)      # (kind, value, text): ("start", total, desc) | ("advance", n, "") | ("message", 0, text)
    yielded = Signal(object)
    returned = Signal(object)
    errored = Signal(object)       # the exception
    aborted = Signal()
    finished = Signal()


class SignalProgress:
    """A core ProgressSink that forwards to a worker's ``progress`` signal (thread-safe)."""

    def __init__(self, signals: WorkerSignals) -> None:
        self._signals = signals

    def start(self, total: int | None, desc: str = "") -> None:
        self._signals.progress.emit(("start", total, desc))

    def advance(self, n: int = 1) -> None:
        self._signals.progress.emit(("advance", n, ""))

    def message(self, text: str) -> None:
        self._signals.progress.emit(("message", 0, text))

    def finish(self) -> None:
        self._signals.progress.emit(("finish", 0, ""))

    def emit(self, kind: str, value: Any = 0, text: str = "") -> None:
        """Any other progress event, e.g. ``("page", (page_id, ok), error)`` from a processing job."""
        self._signals.progress.emit((kind, value, text))


class Worker(QRunnable):
    """Runs ``func(*args, **kwargs)`` in the pool; see the module docstring."""

    def __init__(self, func: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        super().__init__()
        self.setAutoDelete(False)
        self.signals = WorkerSignals()
        self.cancel_token = CancelToken()
        self.progress_sink = SignalProgress(self.signals)
        self._func, self._args, self._kwargs = func, args, dict(kwargs)
        self._inject()
        self._abort = False
        self.is_running = False
        self.done = threading.Event()

    def _inject(self) -> None:
        try:
            params = inspect.signature(self._func).parameters
        except (TypeError, ValueError):
            return
        if "cancel" in params and "cancel" not in self._kwargs:
            self._kwargs["cancel"] = self.cancel_token
        if "progress" in params and "progress" not in self._kwargs:
            self._kwargs["progress"] = self.progress_sink

    # -- connection helpers (chainable, like superqt)
    def __getattr__(self, name: str) -> Any:
        signals = self.__dict__.get("signals")
        if signals is not None and hasattr(signals, name):
            return getattr(signals, name)
        raise AttributeError(name)

    @property
    def abort_requested(self) -> bool:
        return self._abort

    def quit(self) -> None:
        """Ask the work to stop (between yields / at the next cancel check)."""
        self._abort = True
        self.cancel_token.cancel()

    def start(self, pool: QThreadPool | None = None) -> "Worker":
        with _live_lock:
            _live.add(self)
        (pool or QThreadPool.globalInstance()).start(self)
        return self

    def run(self) -> None:  # noqa: D102 - runs in the pool thread
        self.is_running = True
        sig = self.signals
        sig.started.emit()
        try:
            result = self._func(*self._args, **self._kwargs)
            if inspect.isgenerator(result):
                result = self._drain(result)
            if self._abort:
                sig.aborted.emit()
            else:
                sig.returned.emit(result)
        except CancelledError:
            sig.aborted.emit()
        except Exception as exc:  # reported to the GUI thread, never lost
            sig.errored.emit(exc)
        finally:
            self.is_running = False
            sig.finished.emit()
            self.done.set()
            with _live_lock:
                _live.discard(self)

    def _drain(self, gen: Any) -> Any:
        while True:
            if self._abort:
                gen.close()
                return None
            try:
                value = next(gen)
            except StopIteration as stop:
                return stop.value
            self.signals.yielded.emit(value)


def create_worker(func: Callable[..., Any], *args: Any, _start: bool = False, _connect: dict[str, Any] | None = None,
                  **kwargs: Any) -> Worker:
    """Build a :class:`Worker`; ``_connect={"returned": slot, ...}`` connects signals, ``_start`` starts it."""
    worker = Worker(func, *args, **kwargs)
    for name, slot in (_connect or {}).items():
        getattr(worker.signals, name).connect(slot)
    if _start:
        worker.start()
    return worker


def live_workers() -> int:
    """Workers started and not finished (tests check none are left behind)."""
    with _live_lock:
        return len(_live)
