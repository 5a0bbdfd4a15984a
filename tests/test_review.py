"""Page review workflow: `digitizer review` (CLI, real subprocess) and the window's review actions,
on a real project processed with tesseract: statuses, events with the operator, the browser filter."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from digitizer.store import ProjectStore

from _gui_helpers import (copy_project, gui_env, no_leaks, open_window, processed_template,  # noqa: F401
                          settings_path)

ROOT = Path(__file__).resolve().parent.parent


def digitizer(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "digitizer.cli.main", *args], capture_output=True, text=True,
                          cwd=ROOT, timeout=120)


def test_cli_review_approve_reopen_follow_the_workflow(tmp_path, processed_template):
    root = copy_project(processed_template, tmp_path)
    with ProjectStore.open(root) as store:
        p1, p2 = [p.id for p in store.pages()]
        item = store.items()[0].identifier
    res = digitizer("review", str(root), "--pages", str(p1), "--operator", "Rita Reviewer")
    assert res.returncode == 10 and res.stderr.strip() == (
        f"digitizer: error: cannot review page {p1}: it is processed; only a corrected page (every line edited "
        "or verified, or 'page done') can be reviewed")
    assert digitizer("lines", str(root), "--page", "1", "--item", item, "--done").returncode == 0
    res = digitizer("review", str(root), "--pages", str(p1), "--operator", "Rita Reviewer")
    assert res.returncode == 0, res.stderr
    assert "1 page(s) reviewed by Rita Reviewer" in res.stdout
    res = digitizer("approve", str(root), "--item", item, "--operator", "Abe Approver")   # p2 is not reviewed
    assert res.returncode == 10 and f"cannot approve page {p2}: it is processed" in res.stderr
    assert digitizer("lines", str(root), "--page", str(p2), "--done").returncode == 0
    assert digitizer("review", str(root), "--pages", str(p2), "--operator", "Rita Reviewer").returncode == 0
    res = digitizer("approve", str(root), "--item", item, "--operator", "Abe Approver",
                    "--note", "checked against the original")
    assert res.returncode == 0, res.stderr
    res = digitizer("reopen", str(root), "--pages", str(p2), "--operator", "Abe Approver")
    assert res.returncode == 0 and "1 page(s) reopened by Abe Approver" in res.stdout
    with ProjectStore.open(root) as store:
        assert store.get_page(p1).status == "approved" and store.get_page(p2).status == "corrected"
        assert [p.id for p in store.pages(status="approved")] == [p1]
        ev = [(e.action, e.agent, e.parameters["status"], e.parameters["previous"])
              for e in store.events(page_id=p1) if e.action in ("review", "approve")]
        assert ev == [("review", "Rita Reviewer", "reviewed", "corrected"),
                      ("approve", "Abe Approver", "approved", "reviewed")]
        approve = [e for e in store.events(page_id=p2) if e.action == "approve"][0]
        assert approve.parameters["note"] == "checked against the original"
        assert [e.parameters["previous"] for e in store.events(page_id=p2, action="reopen")] == ["approved"]


def test_cli_review_errors(tmp_path, processed_template):
    root = copy_project(processed_template, tmp_path)
    res = digitizer("review", str(root), "--pages", "999")
    assert res.returncode == 7 and "no page 999" in res.stderr
    res = digitizer("review", str(root), "--pages", "1", "--status", "bogus")
    assert res.returncode == 2
    with ProjectStore.open(root) as store:                       # an unprocessed page has nothing to review
        store.set_status(store.pages()[0].id, "imported")
        pid = store.pages()[0].id
    res = digitizer("approve", str(root), "--pages", str(pid))
    assert res.returncode == 10 and f"cannot approve page {pid}: it is imported; it has no text yet" in res.stderr
    with ProjectStore.open(root) as store:
        assert store.get_page(pid).status == "imported"
        assert not [e for e in store.events(page_id=pid) if e.action == "approve"]


@pytest.mark.gui
@pytest.mark.usefixtures("no_leaks")
def test_gui_review_actions_and_filter(qtbot, gui_env, settings_path, tmp_path, processed_template):
    root = copy_project(processed_template, tmp_path)
    win = open_window(qtbot, settings_path, root)
    win.settings.operator = "Gui Reviewer"
    p1, p2 = [p.id for p in win.browser.model.pages()]
    win.open_page(p1)
    assert win.review_action.shortcut().toString() == "Ctrl+Alt+R"
    win.review_action.trigger()                                   # the open page
    assert win.browser.model.page(p1).status == "reviewed"
    assert "reviewed" in win.editor.title.text()
    win.browser.select_page(p2)
    win.browser.tree.selectionModel().clearSelection()
    win.browser.select_page(p1)
    win.browser.tree.selectAll()                                  # both pages (and the item) selected
    win.approve_action.trigger()
    assert {win.browser.model.page(p).status for p in (p1, p2)} == {"approved"}
    win.browser.set_status_filter("approved")
    assert win.browser.visible_page_ids() == [p1, p2]
    win.review_pages("corrected", [p2])                           # reopen one for correction
    assert win.browser.visible_page_ids() == [p1]
    win.browser.set_status_filter("corrected")
    assert win.browser.visible_page_ids() == [p2]
    win.browser.set_status_filter("")
    assert win.browser.visible_page_ids() == [p1, p2]
    from PySide6.QtWidgets import QToolBar

    tb_texts = [a.text() for a in win.findChild(QToolBar, "toolbar-main").actions()]
    assert {"Reviewed", "Approve", "Reopen"} <= set(tb_texts)
    ctx = [a.text() for a in win.browser.tree.actions()]
    assert "Mark re&viewed" in ctx and "Edit &metadata…" in ctx
    win.close()
    with ProjectStore.open(root) as store:
        assert store.get_page(p1).status == "approved" and store.get_page(p2).status == "corrected"
        ev = [(e.action, e.agent, e.parameters["status"]) for e in store.events(page_id=p2)
              if e.action in ("review", "approve")]
        assert ev == [("approve", "Gui Reviewer", "approved"), ("review", "Gui Reviewer", "corrected")]
        assert [(e.action, e.agent) for e in store.events(page_id=p1) if e.action in ("review", "approve")] == \
            [("review", "Gui Reviewer"), ("approve", "Gui Reviewer")]
