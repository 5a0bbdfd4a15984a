"""The workflow module on a real SQLite project: every cell of the page and line tables (written out
here independently of digitizer.workflow), the "corrected only when every line is edited or verified"
rule, page done, reopen keeping history, training lines, XML-illegal input, change detection."""

from __future__ import annotations

import itertools

import pytest

from digitizer import workflow
from digitizer.errors import ExitCode, InvalidTextError, WorkflowRefusedError
from digitizer.model import BBox, Line, PageLayout, ProcessingStep, TextBlock, Word
from digitizer.store import ProjectStore

TEXTS = ["Erste Zeile hier", "zweite Zeile", "dritte\u00a0Zeile "]

# page state -> action -> new state (None: refused).  The table of docs/workflow.md.
PAGE_EXPECT = {
    "imported": {"done": None, "review": None, "approve": None, "reopen": None},
    "failed": {"done": None, "review": None, "approve": None, "reopen": None},
    "processed": {"done": "corrected", "review": None, "approve": None, "reopen": None},
    "corrected": {"done": "corrected", "review": "reviewed", "approve": None, "reopen": None},
    "reviewed": {"done": None, "review": None, "approve": "approved", "reopen": "corrected"},
    "approved": {"done": None, "review": None, "approve": None, "reopen": "corrected"},
}
LINE_EXPECT = {"set": "edited", "verify": "verified", "flag": "flagged", "restore": "edited"}


def line_expect(state, action):
    """Restoring an earlier version (an undo) is not a resolution: a flagged line stays flagged."""
    return "flagged" if (state, action) == ("flagged", "restore") else LINE_EXPECT[action]


def layout(texts=TEXTS) -> PageLayout:
    lines = []
    for i, text in enumerate(texts):
        box = BBox(10, 10 + 40 * i, 400, 40 + 40 * i)
        words = [Word(w, BBox(10 + 100 * k, box.y0, 90 + 100 * k, box.y1), 0.6) for k, w in enumerate(text.split(" "))
                 if w]
        lines.append(Line(id=f"b1_l{i + 1}", bbox=box, text=text, confidence=0.6, words=words))
    return PageLayout(width=500, height=200, blocks=[TextBlock(id="b1", bbox=BBox(10, 10, 400, 130), lines=lines)])


@pytest.fixture
def store(tmp_path):
    s = ProjectStore.create(tmp_path / "proj", "wf", agent="tester")
    yield s
    s.close()


def new_page(store: ProjectStore, state: str = "processed") -> int:
    """A page brought into ``state`` by the real workflow calls (imported/failed: no text)."""
    item = store.find_item("vol") or store.add_item("vol")
    n = len(store.pages())
    ref = store.write_file(f"masters/vol/p{n}.png", b"\x89PNG fake %d" % n, role="master", mime="image/png")
    pid = store.add_page(item.id, ref, width=500, height=200, dpi=300.0).id
    if state == "failed":
        store.set_status(pid, "failed", error="unreadable")
    if state in ("imported", "failed"):
        return pid
    store.save_layout(pid, layout(), ProcessingStep(action="recognize", tool="tesseract", tool_version="5"))
    if state in ("corrected", "reviewed", "approved"):
        workflow.page_done(store, pid)
    if state in ("reviewed", "approved"):
        workflow.review(store, [pid])
    if state == "approved":
        workflow.approve(store, [pid])
    assert store.get_page(pid).status == state
    return pid


def do_page(store, pid, action):
    if action == "done":
        return workflow.page_done(store, pid)
    return {"review": workflow.review, "approve": workflow.approve, "reopen": workflow.reopen}[action](store, [pid])


@pytest.mark.parametrize("state,action", list(itertools.product(PAGE_EXPECT, ("done", "review", "approve", "reopen"))))
def test_page_table_every_cell(store, state, action):
    pid = new_page(store, state)
    events_before = len(store.events())
    expect = PAGE_EXPECT[state][action]
    if expect is None:
        with pytest.raises(WorkflowRefusedError) as err:
            do_page(store, pid, action)
        msg = err.value.user_message
        assert err.value.exit_code == ExitCode.WORKFLOW_REFUSED == 10
        assert "\n" not in msg and f"page {pid}" in msg and state in msg, msg
        assert store.get_page(pid).status == state and len(store.events()) == events_before
        assert action not in workflow.allowed_page_actions(state)
    else:
        do_page(store, pid, action)
        assert store.get_page(pid).status == expect
        assert action in workflow.allowed_page_actions(state)
        ev = store.events(page_id=pid)[-1]
        assert ev.agent == "tester" and ev.tool == "digitizer.workflow" and ev.tool_version
        assert ev.action in ({"done": "page-state", "review": "review", "approve": "approve", "reopen": "reopen"}[action],
                             "page-done")


def put_line(store, pid, line_id, state):
    if state == "edited":
        workflow.set_text(store, pid, line_id, "von Hand")
    elif state == "verified":
        workflow.verify(store, pid, line_id)
    elif state == "flagged":
        workflow.flag(store, pid, line_id, "Tinte verwischt")


def do_line(store, pid, line_id, action):
    if action == "set":
        return workflow.set_text(store, pid, line_id, "neu getippt")
    if action == "verify":
        return workflow.verify(store, pid, line_id)
    if action == "flag":
        return workflow.flag(store, pid, line_id, "unsicher")
    return workflow.restore(store, pid, line_id, 1)


@pytest.mark.parametrize("state,action", list(itertools.product(workflow.LINE_STATES, LINE_EXPECT)))
def test_line_table_every_cell(store, state, action):
    pid = new_page(store)
    put_line(store, pid, "b1_l2", state)
    assert workflow.line_states(store, pid)["b1_l2"] == state
    do_line(store, pid, "b1_l2", action)
    assert workflow.line_states(store, pid) == {"b1_l1": "machine", "b1_l2": line_expect(state, action),
                                                "b1_l3": "machine"}
    assert store.get_page(pid).status == "processed"        # one line never makes a page corrected


@pytest.mark.parametrize("page_state,action", list(itertools.product(("imported", "failed", "reviewed", "approved"),
                                                                     LINE_EXPECT)))
def test_line_work_refused_on_closed_or_empty_pages(store, page_state, action):
    pid = new_page(store, page_state)
    versions = store.conn.execute("SELECT COUNT(*) FROM line_versions").fetchone()[0]
    with pytest.raises(WorkflowRefusedError, match=f"page {pid}: it is {page_state}"):
        do_line(store, pid, "b1_l1", action)
    assert store.get_page(pid).status == page_state
    assert store.conn.execute("SELECT COUNT(*) FROM line_versions").fetchone()[0] == versions


def test_corrected_only_when_every_line_is_edited_or_verified(store):
    pid = new_page(store)
    workflow.set_text(store, pid, "b1_l1", "Erste Zeile, korrigiert")
    assert store.get_page(pid).status == "processed"
    assert workflow.verify(store, pid, "b1_l2") == "processed"
    assert workflow.verify(store, pid, "b1_l3") == "corrected"
    ev = store.events(page_id=pid, action="page-state")[-1]
    assert ev.parameters == {"status": "corrected", "previous": "processed"}
    # a doubt on a corrected page opens it again; resolving it corrects it again
    assert workflow.flag(store, pid, "b1_l2", "Wort unleserlich") == "processed"
    assert [ln.comment for ln in workflow.lines(store, pid) if ln.state == "flagged"] == ["Wort unleserlich"]
    with pytest.raises(WorkflowRefusedError, match="review page .*processed"):
        workflow.review(store, [pid])
    workflow.set_text(store, pid, "b1_l2", "zweite Zeile!")
    assert store.get_page(pid).status == "corrected"


def test_page_done_verifies_remaining_lines_as_one_recorded_act(store):
    pid = new_page(store)
    workflow.set_text(store, pid, "b1_l1", "Erste Zeile")
    workflow.flag(store, pid, "b1_l3", "?")
    with pytest.raises(WorkflowRefusedError, match="1 flagged line"):
        workflow.page_done(store, pid)
    assert workflow.line_states(store, pid)["b1_l2"] == "machine"
    workflow.verify(store, pid, "b1_l3")
    workflow.flag(store, pid, "b1_l3", "doch unsicher")
    workflow.set_text(store, pid, "b1_l3", "dritte\u00a0Zeile ")
    assert workflow.page_done(store, pid) == ["b1_l2"]
    assert workflow.line_states(store, pid) == {"b1_l1": "edited", "b1_l2": "verified", "b1_l3": "edited"}
    done = store.events(page_id=pid, action="page-done")
    assert len(done) == 1 and done[0].parameters["verified"] == ["b1_l2"] and done[0].agent == "tester"
    assert store.get_page(pid).status == "corrected"


def test_review_approve_reopen_keep_history_and_items_are_all_or_nothing(store):
    a, b = new_page(store, "corrected"), new_page(store, "processed")
    item = store.get_page(a).item_id
    with pytest.raises(WorkflowRefusedError, match=f"cannot review page {b}: it is processed"):
        workflow.item_action(store, item, "review")
    assert store.get_page(a).status == "corrected"              # nothing changed: all or nothing
    workflow.page_done(store, b)
    assert workflow.item_state(store, item) == "corrected"
    assert workflow.item_action(store, item, "review", note="gegen Original geprüft") == [a, b]
    workflow.approve(store, [a], agent="Abe")
    assert workflow.item_state(store, item) == "reviewed"
    workflow.set_text(store, new_page(store), "b1_l1", "x")     # a third page, processed
    assert workflow.item_state(store, item) == "processed"
    assert workflow.reopen(store, [a], agent="Rita") == [a]
    assert store.get_page(a).status == "corrected"
    actions = [(e.action, e.agent, e.parameters.get("status")) for e in store.events(page_id=a)
               if e.action in ("review", "approve", "reopen")]
    assert actions == [("review", "tester", "reviewed"), ("approve", "Abe", "approved"), ("reopen", "Rita", "corrected")]
    assert store.events(page_id=a, action="review")[0].parameters["note"] == "gegen Original geprüft"
    # reopened: lines can be changed again and their history is whole
    workflow.set_text(store, a, "b1_l1", "nach Wiedereröffnung")
    assert [v.source for v in store.line_history(a, "b1_l1")] == ["engine", "edit"]


def test_training_lines_are_edited_or_verified_only(store):
    pid = new_page(store)
    workflow.set_text(store, pid, "b1_l1", "Erste Zeile")
    workflow.flag(store, pid, "b1_l2", "?")
    assert [ln.id for ln in workflow.training_lines(store, pid)] == ["b1_l1"]
    workflow.verify(store, pid, "b1_l3")
    assert [ln.id for ln in workflow.training_lines(store, pid)] == ["b1_l1", "b1_l3"]


def test_xml_illegal_text_is_refused_naming_the_field_and_nbsp_is_kept(store):
    pid = new_page(store)
    with pytest.raises(InvalidTextError) as err:
        workflow.set_text(store, pid, "b1_l1", "Erste\x0bZeile")
    assert err.value.user_message.startswith("line b1_l1: character U+000B (vertical tab) at position 6")
    assert err.value.exit_code == ExitCode.INPUT
    with pytest.raises(InvalidTextError, match="comment of line b1_l2"):
        workflow.flag(store, pid, "b1_l2", "bad\x00")
    assert store.load_layout(pid).find_line("b1_l1").text == TEXTS[0]
    workflow.set_text(store, pid, "b1_l1", " vor\u00a0und nach ")
    line = store.load_layout(pid).find_line("b1_l1")
    assert line.text == " vor\u00a0und nach " and [w.text for w in line.words] == ["vor\u00a0und", "nach"]


def test_restore_brings_back_the_whole_line_version(store):
    pid = new_page(store)
    workflow.set_text(store, pid, "b1_l1", "ganz anders getippt hier jetzt")
    assert workflow.restore(store, pid, "b1_l1", 1) == 3
    line = store.load_layout(pid).find_line("b1_l1")
    assert line.text == TEXTS[0] and [w.confidence for w in line.words] == [0.6, 0.6, 0.6]
    with pytest.raises(WorkflowRefusedError, match="no version 9"):
        workflow.restore(store, pid, "b1_l1", 9)
    with pytest.raises(WorkflowRefusedError, match="no line 'nope'"):
        workflow.verify(store, pid, "nope")


def test_undoing_an_edit_made_before_a_flag_keeps_the_flag_and_its_comment(store):
    """Reported: edit a line, flag it, undo the edit (a restore of version 1): the flag was dropped."""
    pid = new_page(store)
    workflow.set_text(store, pid, "b1_l1", "falsch gelesen")
    workflow.flag(store, pid, "b1_l1", "Tinte verwischt")
    workflow.restore(store, pid, "b1_l1", 1, source="undo")
    st = store.line_states(pid)["b1_l1"]
    assert (st.state, st.comment) == ("flagged", "Tinte verwischt")
    assert store.load_layout(pid).find_line("b1_l1").text == TEXTS[0]
    workflow.set_text(store, pid, "b1_l1", "richtig gelesen")      # an edit still resolves the flag
    assert store.line_states(pid)["b1_l1"].state == "edited"


def test_data_version_tells_a_window_that_another_process_changed_the_project(store):
    pid = new_page(store)
    other = ProjectStore.open(store.root, agent="cli")
    try:
        seen = store.data_version()
        assert store.data_version() == seen                   # nothing happened
        workflow.set_text(store, pid, "b1_l1", "eigene Änderung")
        assert store.data_version() == seen                   # our own commits do not count
        workflow.set_text(other, pid, "b1_l2", "fremde Änderung")
        assert store.data_version() != seen
        assert workflow.lines(store, pid)[1].text == "fremde Änderung"
        # a window that still shows version 2 of that line does not overwrite the newer one unseen
        shown = workflow.lines(other, pid)[0].version
        workflow.set_text(store, pid, "b1_l1", "noch einmal")
        with pytest.raises(WorkflowRefusedError, match="line b1_l1 of page .* changed since it was shown .*tester"):
            workflow.set_text(other, pid, "b1_l1", "veraltet", expected_version=shown)
        assert workflow.set_text(other, pid, "b1_l1", "neu geladen", expected_version=shown + 1) == shown + 2
    finally:
        other.close()


def test_the_store_itself_refuses_xml_illegal_text_from_any_front_end(store):
    pid = new_page(store)
    with pytest.raises(InvalidTextError, match="^line b1_l2: character U\\+001B"):
        store.update_line_text(pid, "b1_l2", "esc\x1b")                # e.g. a line typed into a new box
    with pytest.raises(InvalidTextError, match="^title: character U\\+0007"):
        store.add_item("bell", title="ring\x07")
    with pytest.raises(InvalidTextError, match=r"^subjects\[0\]: character"):
        store.update_item(store.get_page(pid).item_id, metadata={"subjects": ["x\x02"]})
    assert store.find_item("bell") is None and store.load_layout(pid).find_line("b1_l2").text == TEXTS[1]
