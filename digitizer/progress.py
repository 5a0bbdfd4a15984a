"""Progress and cancellation: core protocols, no Qt.

Long operations take a :class:`ProgressSink` and a :class:`CancelToken`; the CLI passes a
rich/plain sink, the GUI a sink that emits Qt signals.  Steps call ``cancel.check()``
between pages and lines.
"""

from __future__ import annotations

import threading
from typing import Protocol, runtime_checkable

from .errors import CancelledError


@runtime_checkable
class ProgressSink(Protocol):
    def start(self, total: int | None, desc: str = "") -> None: ...
    def advance(self, n: int = 1) -> None: ...
    def message(self, text: str) -> None: ...
    def finish(self) -> None: ...


class NullProgress:
    """Sink that records counts but shows nothing (also handy in tests)."""

    def __init__(self) -> None:
        self.total: int | None = None
        self.done = 0
        self.messages: list[str] = []
        self.desc = ""

    def start(self, total: int | None, desc: str = "") -> None:
        self.total, self.done, self.desc = total, 0, desc

    def advance(self, n: int = 1) -> None:
        self.done += n

    def message(self, text: str) -> None:
        self.messages.append(text)

    def finish(self) -> None:
        pass


class CancelToken:
    """Thread-safe cancellation flag checked by long-running steps."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def check(self) -> None:
        if self._event.is_set():
            raise CancelledError()
