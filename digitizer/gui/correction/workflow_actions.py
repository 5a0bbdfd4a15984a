"""The main window's workflow acts on lines and pages (verify, flag, page done, review, approve,
reopen), each a :mod:`digitizer.workflow` call on the writer thread as the operator.

A mixin of :class:`~digitizer.gui.main_window.MainWindow`.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QInputDialog

from ... import workflow
from ...errors import DigitizerError

PAGE_ACTIONS = {"review": workflow.review, "approve": workflow.approve, "reopen": workflow.reopen}
PAGE_ACTION_WORDS = {"review": "reviewed", "approve": "approved", "reopen": "reopened"}


class WorkflowActions:
    """Line and page state changes (the CLI twins: ``digitizer lines``, ``review``, ``approve``, ``reopen``)."""

    def _workflow(self, func: Any, *args: Any, **kwargs: Any) -> Any:
        """Run a workflow act on the writer thread as the operator; a refusal is shown (the CLI's
        message) and gives ``None``."""
        try:
            return self.writer.call(func, *args, agent=self.settings.operator, **kwargs)
        except DigitizerError as exc:
            self.show_error(exc.user_message)
            return None

    def page_done(self) -> None:
        """Ctrl+Enter: save the current line, "page done" (the remaining machine lines become verified,
        one recorded act; the page corrected), then open the next page of the item."""
        if self.page is None:
            return
        self._settle()
        page = self.page
        verified = self._workflow(workflow.page_done, page.id)
        if verified is None:
            return
        self.show_stored_page(page.id)
        self.statusBar().showMessage(f"page {page.seq} done: {len(verified)} line(s) verified", 5000)
        nxt = [p for p in self.store.pages(page.item_id) if p.seq > page.seq]
        self.open_page(nxt[0].id if nxt else page.id)

    def verify_line(self) -> None:
        """Confirm the current line's text as it is (state verified) and go to the next line."""
        lid = self.editor.current_line_id()
        if self.page is None or lid is None:
            return
        self._settle()
        if self._workflow(workflow.verify, self.page.id, lid) is not None:
            self.show_stored_page(self.page.id)
            self.editor.move(1)

    def flag_line(self, comment: str | None = None) -> None:
        """Mark the current line uncertain with a comment (asked for when not given)."""
        lid = self.editor.current_line_id()
        if self.page is None or lid is None:
            return
        self._settle()
        if comment is None:
            comment, ok = QInputDialog.getText(self, "Flag line", f"What is uncertain in line {lid}?")
            self.activateWindow()
            if not ok:
                return
        if self._workflow(workflow.flag, self.page.id, lid, comment) is not None:
            self.show_stored_page(self.page.id)

    def page_action(self, action: str, page_ids: list[int] | None = None) -> list[int]:
        """``review``, ``approve`` or ``reopen`` the page shown, or an explicit multi-selection after a
        confirmation naming how many (:meth:`pages_to_act_on`); all or none (the workflow's rule).
        Returns the page ids changed."""
        if self.store is None:
            return []
        ids = page_ids if page_ids is not None else self.pages_to_act_on(action.capitalize())
        if not ids:
            return []
        self._settle()
        if self._workflow(PAGE_ACTIONS[action], list(ids)) is None:
            return []
        for pid in ids:
            self.show_stored_page(pid)
        n = len(ids)
        self.statusBar().showMessage(f"{n} page{'s' if n > 1 else ''} {PAGE_ACTION_WORDS[action]}", 5000)
        self.statusesChanged.emit(list(ids), action)
        return list(ids)

    def pages_to_act_on(self, verb: str) -> list[int]:
        """The page shown; or the pages explicitly multi-selected in the tree, once the user confirms
        a question naming how many.  Page keys never extend the selection, so only a deliberate
        Ctrl/Shift-click in the tree (or Select all) leads here."""
        multi = self.browser.multi_selection()
        if multi:
            n = len(multi)
            ok = self.confirm(f"{verb} {n} pages?", f"{verb}: {n} pages are selected in the project browser. "
                                                    f"Act on all {n}?")
            return multi if ok else []
        return [self.page.id] if self.page is not None else []
