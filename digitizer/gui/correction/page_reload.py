"""The page shown follows a job that rewrote it, without blocking the GUI (issue 15).

When a processing job commits the page on screen, the page row, its layout (JSON), line versions
and line states are read on the store writer's thread (:meth:`StoreWriter.read`, after any save
still queued), and the GUI thread then changes only what differs:

* same lines with the same boxes (e.g. the page processed again with the same result, or only
  texts and confidences changed): the changed lines are updated in place in editor and viewer;
* other lines: the overlays and editor rows are rebuilt, the current line kept when it still
  exists, and the line crops are cut in a worker from the full image already decoded;
* pixels are decoded again (in a worker) only when the image file shown changed; the view keeps
  its zoom and scroll position.

A line being typed is not replaced under the typist: the reload waits until the line is left, as
for changes made by another process (:meth:`PageDisplay.check_outside_changes`).

Paging: after a page is opened, the pages before and after it in its item are read ahead the same
way; :meth:`open_page` uses such a snapshot when nothing was committed since it was asked for
(:func:`store_version` unchanged), so PgUp/PgDn parse no layout on the GUI thread.

A mixin of :class:`~digitizer.gui.main_window.MainWindow` (through ``PageDisplay``).
"""

from __future__ import annotations

from typing import Any

from ... import workflow
from ...model import Line, Page, PageLayout
from ...store import ProjectStore
from .page_viewer import qtransform

# page, layout, line versions, line states, the item's profile name, the layout version
PageSnapshot = tuple[Page, PageLayout | None, dict[str, int], dict[str, tuple[str, str]], str, int | None]
PREFETCH_DELAY_MS = 150       # neighbours are read this long after a page is shown (its paint comes first)


def item_profile(store: ProjectStore, item_id: int) -> str:
    """The profile name of an item (without reading its pages, as ``get_item`` does)."""
    return next(it.profile for it in store.items(with_pages=False) if it.id == item_id)


def read_page(store: ProjectStore, page_id: int) -> PageSnapshot:
    """What the window shows of a page, read in one go (on the writer thread, or the GUI's)."""
    page = store.get_page(page_id)
    states = {lid: (st.state, st.comment) for lid, st in store.line_states(page_id).items()}
    return (page, store.load_layout(page_id), store.current_line_versions(page_id), states,
            item_profile(store, page.item_id), store.current_layout_version(page_id))


def store_version(store: ProjectStore) -> tuple[int, int]:
    """Changes when anything was committed: by another connection (``data_version``) or by this one
    (its ``total_changes``: e.g. a dock writing through the window's connection)."""
    return store.data_version(), store.conn.total_changes


def read_outside(store: ProjectStore, page_id: int) -> tuple[list[Page], PageSnapshot]:
    """Every page (their states, for the tree) and the page shown: what the change poll compares."""
    return store.pages(), read_page(store, page_id)


def _geometry(layout: PageLayout | None) -> list[Any]:
    """Blocks and lines with their boxes: when equal, the overlays and rows can be updated in place."""
    if layout is None:
        return []
    return [(b.id, b.bbox, b.polygon, [(ln.id, ln.bbox, ln.polygon) for ln in b.lines]) for b in layout.blocks]


def _content(line: Line) -> Any:
    return line.text, line.confidence, [(w.text, w.bbox, w.confidence) for w in line.words]


class PageReload:
    """``reload_shown_page(page_id)``: see the module docstring."""

    reloads: int = 0                  # reloads applied (full rebuilds and in-place updates)
    reloaded_in_place: int = 0        # of which the lines were updated in place
    read_ahead_used: int = 0          # pages opened from a snapshot read ahead

    # page id -> (store, its version when asked, snapshot)
    _prefetched: dict[int, tuple[Any, tuple[int, int], PageSnapshot]] | None = None

    def prefetch_neighbours(self, page: Page) -> None:
        """Read the pages before and after ``page`` (same item) on the writer thread, shortly."""
        from PySide6.QtCore import QTimer

        ids = [p.id for p in self.browser.model.pages() if p.item_id == page.item_id]
        if page.id not in ids or self.writer is None:
            return
        i = ids.index(page.id)
        wanted = [ids[j] for j in (i + 1, i - 1) if 0 <= j < len(ids)]
        self._prefetched = {pid: v for pid, v in (self._prefetched or {}).items() if pid in wanted}
        QTimer.singleShot(PREFETCH_DELAY_MS, lambda shown=page.id, wanted=wanted: self._prefetch(shown, wanted))

    def _prefetch(self, shown: int, wanted: list[int]) -> None:
        if self.store is None or self.writer is None or self.page is None or self.page.id != shown:
            return
        store, version = self.store, store_version(self.store)
        for pid in wanted:
            if (self._prefetched or {}).get(pid, (None, None))[:2] == (store, version):
                continue
            self.writer.read(read_page, pid, callback=lambda snap, pid=pid, v=version, st=store:
                             self._prefetch_done(pid, st, v, snap))

    def _prefetch_done(self, page_id: int, store: Any, version: tuple[int, int], snap: PageSnapshot) -> None:
        if self._prefetched is None:
            self._prefetched = {}
        self._prefetched[page_id] = (store, version, snap)

    def take_prefetched(self, page_id: int) -> PageSnapshot | None:
        """The page read ahead, if nothing was committed since it was asked for (else None)."""
        entry = (self._prefetched or {}).pop(page_id, None)
        if entry is None or self.store is None or entry[0] is not self.store or \
                entry[1] != store_version(self.store):
            return None
        if self.writer is not None and self.writer.pending():
            return None
        self.read_ahead_used += 1
        return entry[2]

    def reload_shown_page(self, page_id: int) -> None:
        """``page_id`` was rewritten (a job committed it): show what the store now holds, if shown."""
        if self.store is None or self.page is None or self.page.id != page_id:
            return
        if self.writer is None:
            self.open_page(page_id, self.editor.current_line_id())
            return
        self.writer.read(read_page, page_id, callback=lambda snap, pid=page_id: self._apply_reload(pid, snap),
                         on_error=lambda exc: self.statusBar().showMessage(f"cannot reload the page: {exc}", 10000))

    def _apply_reload(self, page_id: int, snap: PageSnapshot) -> None:
        if self.store is None or self.page is None or self.page.id != page_id:
            return                                       # the user moved on meanwhile
        page, layout, versions, states, _profile, layout_version = snap
        if self.editor.pending_line() is not None:       # typing: reload when the line is left
            self._stale = True
            self.statusBar().showMessage(f"page {page.seq} was processed: it reloads when you leave this line",
                                         10000)
            return
        showing = "preprocessed" if self.showing == "preprocessed" and "preprocessed" in page.derived else "master"
        if showing != self.viewer.showing:               # e.g. the first preprocessed image: show it as opened
            self.open_page(page_id, self.editor.current_line_id())
            return
        if _geometry(layout) == _geometry(self.layout_) and layout is not None and self.layout_ is not None:
            old = {ln.id: ln for ln in self.layout_.lines()}
            self.layout_ = self.viewer.layout_ = layout
            self.viewer.page = page
            for line in layout.lines():
                if _content(line) != _content(old[line.id]):
                    self.editor.update_line(line)
                    self.viewer.update_line(line)
            self.reloaded_in_place += 1
        else:
            current = self.editor.current_line_id()
            self.layout_ = layout
            self.viewer.page = page
            self.viewer.set_layout(layout)
            self.editor.set_page(page.id, layout, self._page_title(page))
            if layout is not None and layout.lines():
                keep = current if current and layout.find_line(current) else layout.lines()[0].id
                self.editor.focus_line(keep)
        if showing == "preprocessed":
            self.viewer.overlay_root.setTransform(qtransform(page.transform))
        self.page = page
        self._versions = versions
        self._layout_version = layout_version
        self.editor.title.setText(self._page_title(page))
        self.editor.set_line_states(states)
        reason = workflow.PAGE_LINE_WORK.get(page.status)
        self.editor.set_read_only(f"page {page.seq} is {page.status}: {reason}" if reason and layout else None)
        source = (page.id, *self._image_source(page, showing))
        if source != self._shown_source:
            self._load_images(page, showing)             # a new image file: decoded in a worker
        self.reloads += 1
        self._update_status()
        self.update_actions()
        self.pageOpened.emit(page_id)
