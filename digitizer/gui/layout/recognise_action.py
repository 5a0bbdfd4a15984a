"""Layout ▸ Recognise this line (``Ctrl+Alt+L``): the current line read again by the page's engine
and model, e.g. a line just drawn (drawing one offers it in the status bar).

The core does the work (:func:`digitizer.pipeline.line.recognise_line`, CLI twin ``digitizer lines P
--page N --line ID --recognise``) in a worker thread with its own store connection, so the window
never waits for the engine; the window's queued saves are flushed first.  The result is one undoable
step (:class:`~digitizer.gui.correction.line_actions.LineVersionCommand`): undo makes the version
before it current again, as every line undo does.  A refusal (a person's text is there, the page is
closed) is the core's one line, shown like every other refusal.
"""

from __future__ import annotations

from concurrent.futures import Future
from typing import TYPE_CHECKING, Any

from ...errors import DigitizerError
from ..correction.line_actions import LineVersionCommand
from ..workers import Worker, create_worker

if TYPE_CHECKING:
    from ..main_window import MainWindow

SHORTCUT = "Ctrl+Alt+L"
LABEL = "Recognise this &line"
TIP = "Read the current line again with the page's engine and model (e.g. a line you just drew)"


def _recognise(root: str, page_id: int, line_id: str, operator: str) -> Any:
    """In the worker thread: its own connection (SQLite connections stay in their thread)."""
    from ...pipeline.line import recognise_line
    from ...store import ProjectStore

    with ProjectStore.open(root, agent=operator) as store:
        return recognise_line(store, page_id, line_id, operator=operator)


def running(window: "MainWindow") -> Worker | None:
    worker: Worker | None = getattr(window, "_line_recogniser", None)
    return worker if worker is not None and not worker.done.is_set() else None


def recognise_current_line(window: "MainWindow") -> Worker | None:
    """Start recognising the line shown in the editor; returns the worker (None when nothing started)."""
    if window.store is None or window.page is None:
        return None
    line_id = window.editor.current_line_id()
    if not line_id:
        window.statusBar().showMessage("No line to recognise: click a line first", 6000)
        return None
    if running(window) is not None:
        window.statusBar().showMessage("A line is being recognised; wait for it to finish", 6000)
        return None
    window._settle()                    # the line as the person left it, saved, before the check
    window.flush_saves()
    page_id = window.page.id
    worker = create_worker(_recognise, str(window.store.root), page_id, line_id, window.settings.operator)
    worker.signals.returned.connect(lambda res: _done(window, res))
    worker.signals.errored.connect(lambda exc: _failed(window, page_id, line_id, exc))
    window._line_recogniser = worker
    window.statusBar().showMessage(f"Recognising line {line_id}…")
    return worker.start()


def _done(window: "MainWindow", res: Any) -> None:
    made: Future = Future()
    made.set_result(res.version)
    window.undo_stack.push(LineVersionCommand(window, res.page_id, res.line_id, f"recognise line {res.line_id}",
                                              lambda: made))
    if window.store is not None:
        window.browser.update_page(window.store.get_page(res.page_id))
        window.show_stored_line(res.page_id, res.line_id)
    model = f" ({res.model})" if res.model else ""
    window.statusBar().showMessage(f"Line {res.line_id} recognised by {res.engine}{model}: {res.text}", 10000)


def _failed(window: "MainWindow", page_id: int, line_id: str, exc: BaseException) -> None:
    window.statusBar().clearMessage()
    window.show_error(exc.user_message if isinstance(exc, DigitizerError) else f"{type(exc).__name__}: {exc}")


def offer(window: "MainWindow") -> None:
    """After a line is drawn: say how to have it read (it is not read unasked, so a person who drew
    it to type the text is not raced by the engine)."""
    window.statusBar().showMessage(f"Line added: {SHORTCUT} (Layout ▸ Recognise this line) reads it with the "
                                   "page's engine, or type its text", 15000)
