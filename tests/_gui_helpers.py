"""Shared fixtures for the GUI tests: real projects with generated pages, windows, leak checks."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFont
from PySide6.QtCore import Qt, QTimer

from _data_helpers import font_file

from _batch_helpers import copy_project  # noqa: F401  (tests import it from here too)
from _batch_helpers import make_project as make_generic_project
from digitizer.store import ProjectStore

FONT = font_file("DejaVuSerif.ttf")

PAGE_TEXTS = [
    ["The quick brown fox jumps", "over the lazy dog today", "Archives keep old letters"],
    ["Second page begins here", "with three short lines", "of clear printed text"],
    ["Third page of the batch", "written for the queue", "to cancel part of it"],
    ["Fourth page stays unread", "until someone asks again", "for more recognition"],
]


def render_page(path: Path, lines: list[str], *, size: tuple[int, int] = (1240, 700), dpi: int = 300,
                font_size: int = 40) -> Path:
    """A clean printed page (grey, PNG with a dpi tag)."""
    img = Image.new("L", size, 255)
    draw = ImageDraw.Draw(img)
    font = ImageFont.truetype(FONT, font_size)
    for i, text in enumerate(lines):
        draw.text((90, 90 + i * int(font_size * 1.9)), text, font=font, fill=0)
    img.save(path, dpi=(dpi, dpi))
    return path


def make_project(root: Path, pages: int = 1, *, profile: str = "printed-modern") -> ProjectStore:
    """A project with one item and ``pages`` imported (not processed) generated pages."""
    src = root.parent / f"{root.name}-src"
    src.mkdir(parents=True, exist_ok=True)
    files = [render_page(src / f"page{i + 1:02d}.png", PAGE_TEXTS[i % len(PAGE_TEXTS)]) for i in range(pages)]
    return make_generic_project(root, pages, files=files, item="letters", title="Letters", profile=profile)


@pytest.fixture
def gui_env(tmp_path, monkeypatch):
    """Private preview cache and settings file for one test."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path


@pytest.fixture
def settings_path(gui_env) -> Path:
    return gui_env / "settings.ini"


@pytest.fixture
def no_leaks(qapp):
    """Fail a test that leaves workers running or the stall timer active."""
    from PySide6.QtCore import QThreadPool

    from digitizer.gui.workers import live_workers

    yield
    assert QThreadPool.globalInstance().waitForDone(60000), "workers still running after the test"
    qapp.processEvents()
    assert live_workers() == 0


def open_window(qtbot, settings_path: Path, project: Path | None = None):
    from digitizer.gui.main_window import MainWindow
    from digitizer.gui.settings import Settings

    win = MainWindow(Settings(settings_path))
    qtbot.addWidget(win)
    win.resize(1400, 900)
    win.show()
    if project is not None:
        with qtbot.waitSignal(win.pageImageReady, timeout=20000, raising=False):
            win.open_project(str(project))
    return win


def wait_full_image(qtbot, win) -> None:
    qtbot.waitUntil(lambda: win.viewer.image_item.full_loaded, timeout=20000)


def process_and_wait(qtbot, win, page_ids: list[int], *, force: bool = False, timeout: int = 90000) -> int:
    """Queue processing through the window and wait until the queue is idle."""
    with qtbot.waitSignal(win.queue.idle, timeout=timeout):
        job = win.process_pages(page_ids, force=force)
    return job


CTRL = Qt.KeyboardModifier.ControlModifier
ALT = Qt.KeyboardModifier.AltModifier


def current_edit(win):
    """The text field of the current line (where the keyboard is)."""
    return win.editor.row(win.editor.current_line_id()).edit


def _when_modal(kind: type, act) -> None:
    """Call ``act(dialog)`` once a modal dialog of ``kind`` is up (it is run from the event loop)."""
    from PySide6.QtWidgets import QApplication

    def poll() -> None:
        dlg = QApplication.activeModalWidget()
        if isinstance(dlg, kind):
            act(dlg)
        else:
            QTimer.singleShot(20, poll)

    QTimer.singleShot(0, poll)


def answer_box(qtbot, key: Qt.Key = Qt.Key.Key_Return, button=None) -> dict:
    """Answer the next modal message box with a key (or a click on ``button``); returns what it said."""
    from PySide6.QtWidgets import QMessageBox

    seen: dict = {}

    def act(box) -> None:
        seen.update(title=box.windowTitle(), text=box.text(), default=box.standardButton(box.defaultButton()))
        if button is not None:
            box.button(button).click()
        else:
            qtbot.keyClick(box.focusWidget() or box, key)

    _when_modal(QMessageBox, act)
    return seen


def answer_input(text: str) -> None:
    """Type ``text`` into the next QInputDialog and press OK."""
    from PySide6.QtWidgets import QInputDialog

    def act(dlg) -> None:
        dlg.setTextValue(text)
        dlg.accept()

    _when_modal(QInputDialog, act)


def open_new_project(qtbot, settings_path: Path, tmp_path: Path, pages: int):
    """A new project with ``pages`` imported pages, open in a window: ``(root, window, page ids)``."""
    root = tmp_path / "proj"
    make_project(root, pages=pages).close()
    win = open_window(qtbot, settings_path, root)
    return root, win, [p.id for p in win.browser.model.pages()]


def cancel_after_first_page(qtbot, win, page_ids: list[int]) -> int:
    """Queue processing, click the job's Cancel once the first page is committed, wait for the queue."""
    job_id = win.process_pages(page_ids)
    with qtbot.waitSignal(win.queue.pageFinished, timeout=60000):
        pass
    win.queue.jobs[job_id].cancel_button.click()                  # the user clicks Cancel
    qtbot.waitUntil(lambda: not win.queue.busy(), timeout=60000)
    return job_id


@pytest.fixture(scope="session")
def processed_template(tmp_path_factory) -> Path:
    """Two pages processed once with the real tesseract (tests copy it with :func:`copy_project`)."""
    from digitizer.batch.process import process_pages

    root = tmp_path_factory.mktemp("tpl") / "proj"
    store = make_project(root, pages=2)
    rep = process_pages(store)
    assert len(rep.done) == 2, rep.failed
    store.close()
    return root


