"""The main window's page display: the page shown in viewer and editor (images from a worker),
page and line states read back from the store, and changes made by another process (polled).

A mixin of :class:`~digitizer.gui.main_window.MainWindow`.
"""

from __future__ import annotations


from ... import workflow
from ...errors import DigitizerError
from ...model import Page
from ...profiles import Profile, load_profile
from ..workers import Worker, create_worker
from .page_images import PageImage, load_page_images
from .page_reload import PageReload, PageSnapshot, item_profile, read_outside, read_page


class PageDisplay(PageReload):
    """What the window shows of the current page, always read from the store."""

    _shown_source: tuple[int, str, int, str] | None = None   # (page id, file, frame, sha256) of the pixels shown
    _shown_images: dict[str, PageImage] | None = None        # their preview and full image, once decoded

    def _profile_for(self, item_id: int, name: str | None = None) -> Profile:
        """The profile of item ``item_id`` (``name``: its profile name, already read)."""
        if name is None:
            name = item_profile(self.store, item_id)
        if name not in self._profiles:
            try:
                self._profiles[name] = load_profile(name)
            except DigitizerError:
                self._profiles[name] = load_profile(self.settings.default_profile)
        return self._profiles[name]

    @property
    def threshold(self) -> float:
        if self.settings.threshold is not None:          # Preferences: "override the profile"
            return self.settings.threshold
        if self.profile is None:
            return 0.8
        return self._thresholds.get(self.profile.name, self.profile.editor.low_confidence)

    def _image_source(self, page: Page, showing: str) -> tuple[str, int, str]:
        if showing == "preprocessed" and "preprocessed" in page.derived:
            ref = page.derived["preprocessed"]
            return str(self.store.abspath(ref.path)), 0, ref.sha256
        ref = page.derived.get("image")
        if ref is not None:
            return str(self.store.abspath(ref.path)), 0, ref.sha256
        return str(self.store.abspath(page.master.path)), page.source_page, page.master.sha256

    def open_page(self, page_id: int, line_id: str | None = None, word: int | None = None) -> None:
        """Show a page in viewer and editor; pixels and line crops follow from a worker."""
        if self.store is None:
            return
        if self.page is not None and self.page.id != page_id:
            self.editor.commit_current()
        self.flush_saves()                # read what was written
        self._stale = False               # what is shown next is read from the store now
        snap = self.take_prefetched(page_id) or read_page(self.store, page_id)
        page, layout, versions, states, profile_name, layout_version = snap
        self.page, self.layout_ = page, layout
        self.profile = self._profile_for(page.item_id, profile_name)
        showing = "preprocessed" if self.showing == "preprocessed" and "preprocessed" in page.derived else "master"
        self.viewer.threshold = self.threshold
        self.viewer.set_page(page, self.layout_, showing)
        self.editor.set_threshold(self.threshold)
        self.editor.set_special_characters([])      # the Transcription dock's keyboard has the profile's keys
        self.transcription_panel.keyboard.set_profile(self.profile.name, self.profile.editor)
        self.editor.set_page(page.id, self.layout_, self._page_title(page))
        self._versions = versions         # a save names the version it replaces
        self._layout_version = layout_version   # another process's layout edit shows (the change poll)
        self._show_page_state(page, states)
        self._load_images(page, showing)
        self.browser.select_page(page_id)
        if self.layout_ is not None and self.layout_.lines():
            self.editor.focus_line(line_id if line_id and self.layout_.find_line(line_id) else
                                   self.layout_.lines()[0].id, word)
        self._remember_position()
        self._update_status()
        self.update_actions()
        self.pageOpened.emit(page_id)
        self.prefetch_neighbours(page)

    @staticmethod
    def _page_title(page: Page) -> str:
        return f"Page {page.seq} · {page.status}" + (f" · {page.mean_confidence * 100:.0f} %"
                                                      if page.mean_confidence is not None else "")

    def _load_images(self, page: Page, showing: str) -> None:
        """Pixels from a worker (line crops: ``line_images.py``).  When the same file is shown again
        (the page reloaded after a job, a layout edit, or another process changed it), the images
        already decoded are shown at once."""
        if self._image_worker is not None:
            self._image_worker.quit()
            self._image_worker = None
        path, frame, sha = self._image_source(page, showing)
        source = (page.id, path, frame, sha)
        kept = self._shown_images if source == self._shown_source else None
        if kept and "full" in kept:
            for kind in ("preview", "full"):
                if kind in kept:
                    self._image_ready(page.id, kept[kind])
            return
        self._shown_source, self._shown_images = source, {}
        worker = create_worker(load_page_images, path, frame, sha)
        pid = page.id
        worker.signals.yielded.connect(lambda img, pid=pid: self._image_ready(pid, img))
        worker.signals.errored.connect(lambda exc, pid=pid: self._image_failed(pid, exc))
        worker.signals.finished.connect(lambda w=worker: self._image_worker_done(w))
        self._image_worker = worker
        worker.start()

    def _image_worker_done(self, worker: Worker) -> None:
        if self._image_worker is worker:
            self._image_worker = None

    def _image_ready(self, page_id: int, img: PageImage) -> None:
        if self.page is None or page_id != self.page.id:
            return
        if self._shown_source is not None and self._shown_source[0] == page_id and self._shown_images is not None:
            self._shown_images[img.kind] = img
        self.viewer.set_image(img)
        self.line_images.page_image(page_id, img)
        self.pageImageReady.emit(page_id, img.kind)

    def _image_failed(self, page_id: int, exc: BaseException) -> None:
        if self.page is not None and page_id == self.page.id:
            self.statusBar().showMessage(f"cannot show page image: {getattr(exc, 'user_message', None) or exc}",
                                         15000)

    def step_page(self, delta: int) -> None:
        if self.page is None:
            return
        pages = self.store.pages(self.page.item_id)
        ids = [p.id for p in pages]
        i = ids.index(self.page.id) + delta
        if 0 <= i < len(ids):
            self.open_page(ids[i])

    def set_show_preprocessed(self, on: bool) -> None:
        self.showing = "preprocessed" if on else "master"
        if self.page is not None:
            line = self.editor.current_line_id()
            zoom = self.viewer.zoom
            self.open_page(self.page.id, line)
            self.viewer.set_zoom(zoom)

    def _line_changed(self, line_id: str) -> None:
        self.viewer.set_current_line(line_id)
        self._update_status()

    def _update_status(self) -> None:
        parts = [f"operator: {self.settings.operator}"]
        if self.page is not None:
            parts.append(f"page {self.page.seq} ({self.page.status})")
            parts.append(f"engine {self.page.engine_override or 'of profile ' + self.profile.name}"
                         if self.profile else "")
            lid = self.editor.current_line_id()
            if lid:
                parts.append(f"line {lid}")
        self.status_label.setText("  ·  ".join(p for p in parts if p))

    def show_stored_page(self, page_id: int) -> None:
        """Header, tree and status bar show what the store holds for ``page_id`` (never a GUI guess)."""
        if self.store is None:
            return
        page = self.store.get_page(page_id)
        self.browser.update_page(page)
        self.progress_timer.start()
        if self.page is not None and self.page.id == page_id:
            self.page = page
            self.editor.title.setText(self._page_title(page))
            self._show_page_state(page)
            self._update_status()

    def _show_page_state(self, page: Page, states: dict[str, tuple[str, str]] | None = None) -> None:
        """Line states from the store (``states``: already read); lines of a closed page (reviewed,
        approved) are read-only."""
        if states is None:
            self.show_line_states()
        else:
            self.editor.set_line_states(states)
        reason = workflow.PAGE_LINE_WORK.get(page.status)
        self.editor.set_read_only(f"page {page.seq} is {page.status}: {reason}" if reason and self.layout_ else None)

    def show_line_states(self) -> None:
        if self.page is not None and self.store is not None:
            self.editor.set_line_states({lid: (st.state, st.comment)
                                         for lid, st in self.store.line_states(self.page.id).items()})
            panel = getattr(self, "transcription_panel", None)
            if panel is not None:         # the dock shows the stored line too (after recognise, undo, a reload)
                panel.refresh()

    def check_outside_changes(self) -> None:
        """Polled on a timer: when another connection (the CLI, a second window, a job) committed,
        the tree and the page shown follow the store.  A page with a line being typed is not reloaded
        under the typist: the reload waits until the line is left, and saving that line over text
        changed elsewhere is refused by the core and then asked about (:meth:`_line_conflict`).
        The pages and the page shown are read on the writer thread (no layout parsed on the GUI
        thread while a job commits page after page); only what differs is redrawn."""
        if self.store is None or self.page is None or (self.writer is not None and self.writer.pending()):
            return
        version = self.store.data_version()
        if version == self._data_version and not self._stale:
            return
        self._data_version = version
        if self.writer is None:
            self._outside_read(self.page.id, read_outside(self.store, self.page.id))
            return
        self.writer.read(read_outside, self.page.id,
                         callback=lambda snap, pid=self.page.id: self._outside_read(pid, snap))

    def _outside_read(self, page_id: int, snap: tuple[list[Page], PageSnapshot]) -> None:
        if self.store is None or self.page is None or self.page.id != page_id:
            return
        pages, shown = snap
        self._refresh_tree_states(pages)
        self._stale = self._page_differs(shown)
        if not self._stale:
            return
        if self.editor.pending_line() is not None:
            self.statusBar().showMessage(f"page {self.page.seq} was changed by another process: it reloads "
                                         "when you leave this line", 10000)
            self.outsideChange.emit(self.page.id, False)
            return
        self._stale = False
        self._apply_reload(page_id, shown)
        self.statusBar().showMessage(f"page {self.page.seq} was changed by another process: reloaded", 10000)
        self.outsideChange.emit(self.page.id, True)

    def _refresh_tree_states(self, pages: list[Page]) -> None:
        if len(pages) != len(self.browser.model.pages()):
            self.refresh_browser()
            return
        for page in pages:
            shown = self.browser.model.page(page.id)
            if shown is None or (shown.status, shown.mean_confidence) != (page.status, page.mean_confidence):
                self.browser.update_page(page)

    def _page_differs(self, snap: PageSnapshot) -> bool:
        """True when the page shown (state, layout version, line texts, line states) is not what the
        store holds.  Every layout change (a ``digitizer layout`` edit: geometry, region type, reading
        order; a recognition) is a new layout version; text changes are compared line by line."""
        stored, layout, _versions, stored_states, _profile, layout_version = snap
        if layout_version != self._layout_version:
            return True
        lines = [(ln.id, ln.text) for ln in layout.lines()] if layout else []
        shown = [(ln.id, ln.text) for ln in self.layout_.lines()] if self.layout_ else []
        states = {lid: st[0] for lid, st in stored_states.items()}
        shown_states = {lid: self.editor.line_state(lid) for lid in self.editor.line_ids()}
        return stored.status != self.page.status or lines != shown or \
            any(states.get(lid, "machine") != st for lid, st in shown_states.items())
