"""The workflow: every state and every transition of lines, pages and items (no Qt).

The CLI and the GUI only call the functions here; nothing else changes a state.  The tables below
*are* the rules (``docs/workflow.md`` shows them as a diagram and a table, and
``tests/test_workflow.py`` checks every cell):

* Lines: ``machine`` (as recognised) → ``edited`` (a person changed the text), ``verified`` (a
  person confirmed it unchanged), ``flagged`` (uncertain, with a comment).  Lines can be worked on
  while their page is ``processed`` or ``corrected``; a reviewed or approved page must be reopened
  first.
* Pages: ``imported``/``failed`` → ``processed`` (recognition, :mod:`digitizer.pipeline`);
  ``processed`` ⇄ ``corrected`` follows the lines: a page is ``corrected`` exactly when it has lines
  and every one is edited or verified.  :func:`page_done` ("page done") verifies the remaining
  machine lines as one recorded act.  ``review`` only from ``corrected``, ``approve`` only from
  ``reviewed``; ``reopen`` takes a reviewed or approved page back to ``corrected`` (history kept).
* Items: the same page actions on every page of the item, all or nothing; an item's state is the
  least advanced state of its pages (:func:`item_state`).

A refused transition raises :class:`~digitizer.errors.WorkflowRefusedError` (exit code 10) with one
line saying what was refused and why; the GUI shows the same message.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, Sequence

from . import __version__
from .errors import ProjectError, WorkflowRefusedError
from . import tags as tagrules
from .model import Line, PageLayout, ProcessingStep, Tag
from .store import LineVersion, ProjectStore
from .xmltext import check_text

TOOL = "digitizer.workflow"

LINE_STATES: tuple[str, ...] = ("machine", "edited", "verified", "flagged")
PERSON_STATES: tuple[str, ...] = ("edited", "verified")        # a person vouches for the text
PAGE_STATES: tuple[str, ...] = ("imported", "failed", "processed", "corrected", "reviewed", "approved")
EDITABLE_PAGE_STATES: tuple[str, ...] = ("processed", "corrected")

LINE_ACTIONS: tuple[str, ...] = ("set", "verify", "flag", "restore")
PAGE_ACTIONS: tuple[str, ...] = ("done", "review", "approve", "reopen")

# (line state, action) -> new line state.  Every line action is allowed from every line state; what
# can refuse a line action is the page's state (see PAGE_LINE_WORK) or bad input (empty comment).
# Restoring an earlier version (the GUI's undo) is not a resolution: a flagged line stays flagged
# (with its comment) until a person edits or verifies it.
LINE_TABLE: dict[tuple[str, str], str] = {
    (state, action): "flagged" if (state, action) == ("flagged", "restore") else
    {"set": "edited", "verify": "verified", "flag": "flagged", "restore": "edited"}[action]
    for state in LINE_STATES for action in LINE_ACTIONS
}



@dataclass(frozen=True)
class Refusal:
    """A refused cell of :data:`PAGE_TABLE`; the message is "cannot ACTION page N: it is STATE; REASON"."""

    reason: str


_NO_TEXT = "it has no text yet: process it first"
_NOT_CORRECTED = "only a corrected page (every line edited or verified, or 'page done') can be reviewed"
_NOT_REVIEWED = "only a reviewed page can be approved: review it first"
_CLOSED = "reopen it first"
_OPEN = "only a reviewed or approved page can be reopened"

# (page state, action) -> new page state, or the reason it is refused.  Written out in full: this
# is the table docs/workflow.md shows and tests/test_workflow.py checks cell by cell.
PAGE_TABLE: dict[tuple[str, str], str | Refusal] = {
    ("imported", "done"): Refusal(_NO_TEXT), ("imported", "review"): Refusal(_NO_TEXT),
    ("imported", "approve"): Refusal(_NO_TEXT), ("imported", "reopen"): Refusal(_NO_TEXT),
    ("failed", "done"): Refusal(_NO_TEXT), ("failed", "review"): Refusal(_NO_TEXT),
    ("failed", "approve"): Refusal(_NO_TEXT), ("failed", "reopen"): Refusal(_NO_TEXT),
    ("processed", "done"): "corrected", ("processed", "review"): Refusal(_NOT_CORRECTED),
    ("processed", "approve"): Refusal(_NOT_REVIEWED), ("processed", "reopen"): Refusal(_OPEN),
    ("corrected", "done"): "corrected", ("corrected", "review"): "reviewed",
    ("corrected", "approve"): Refusal(_NOT_REVIEWED), ("corrected", "reopen"): Refusal(_OPEN),
    ("reviewed", "done"): Refusal(_CLOSED), ("reviewed", "review"): Refusal("it is already reviewed"),
    ("reviewed", "approve"): "approved", ("reviewed", "reopen"): "corrected",
    ("approved", "done"): Refusal(_CLOSED), ("approved", "review"): Refusal(_CLOSED),
    ("approved", "approve"): Refusal("it is already approved"), ("approved", "reopen"): "corrected",
}

# page state -> None when its lines may be changed, else why not
PAGE_LINE_WORK: dict[str, str | None] = {
    "imported": _NO_TEXT, "failed": _NO_TEXT, "processed": None, "corrected": None,
    "reviewed": _CLOSED, "approved": _CLOSED,
}

_EVENT = {"done": "page-done", "review": "review", "approve": "approve", "reopen": "reopen"}


# --------------------------------------------------------------------------- pure rules


def line_transition(state: str, action: str) -> str:
    """The line state after ``action`` (``set``, ``verify``, ``flag``, ``restore``) on a ``state`` line."""
    try:
        return LINE_TABLE[(state, action)]
    except KeyError:
        raise WorkflowRefusedError(f"unknown line state or action: {state!r}, {action!r}") from None


def page_transition(state: str, action: str, *, page: object = "") -> str:
    """The page state after ``action`` (``done``, ``review``, ``approve``, ``reopen``), or
    :class:`WorkflowRefusedError` with one line naming the page, its state and why."""
    rule = PAGE_TABLE.get((state, action))
    if rule is None:
        raise WorkflowRefusedError(f"unknown page state or action: {state!r}, {action!r}")
    if isinstance(rule, Refusal):
        raise WorkflowRefusedError(f"cannot {action} page {page}: it is {state}; {rule.reason}")
    return rule


def allowed_page_actions(state: str) -> list[str]:
    """The page actions the table allows from ``state`` (for enabling menu entries)."""
    return [a for a in PAGE_ACTIONS if not isinstance(PAGE_TABLE[(state, a)], Refusal)]


def derived_page_state(state: str, line_states: Iterable[str]) -> str:
    """``processed`` or ``corrected`` from the line states (other page states are kept): corrected
    exactly when there are lines and every one is edited or verified."""
    if state not in EDITABLE_PAGE_STATES:
        return state
    states = list(line_states)
    return "corrected" if states and all(s in PERSON_STATES for s in states) else "processed"


def check_lines_editable(state: str, page: object = "") -> None:
    reason = PAGE_LINE_WORK.get(state, "unknown state")
    if reason is not None:
        raise WorkflowRefusedError(f"cannot change lines of page {page}: it is {state}; {reason}")


# --------------------------------------------------------------------------- reading


@dataclass
class LineInfo:
    """One line as the CLI (``lines --json``) and the GUI show it."""

    id: str
    text: str
    state: str
    comment: str
    confidence: float | None
    source: str          # of the current version: engine | edit | restore | layout
    version: int
    agent: str
    tags: list[Tag] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {**self.__dict__, "tags": [dict(t.__dict__) for t in self.tags]}


def _layout(store: ProjectStore, page_id: int) -> PageLayout:
    layout = store.load_layout(page_id)
    if layout is None:
        raise WorkflowRefusedError(f"page {page_id} has no lines: {_NO_TEXT}")
    return layout


def line_states(store: ProjectStore, page_id: int, layout: PageLayout | None = None) -> dict[str, str]:
    """``{line id: state}`` for every line of the page's current layout, in reading order."""
    layout = layout if layout is not None else store.load_layout(page_id)
    stored = store.line_states(page_id)
    return {ln.id: stored[ln.id].state if ln.id in stored else "machine" for ln in (layout.lines() if layout else [])}


def lines(store: ProjectStore, page_id: int) -> list[LineInfo]:
    """Every line of the page: id, text, state (+comment), confidence, source and number of its
    current version.  A page without text (imported, failed) is refused."""
    layout = _layout(store, page_id)
    stored = store.line_states(page_id)
    out = []
    for ln in layout.lines():
        hist = store.line_history(page_id, ln.id)
        last = hist[-1] if hist else LineVersion(0, ln.text, "", "", "engine")
        st = stored.get(ln.id)
        out.append(LineInfo(ln.id, ln.text, st.state if st else "machine", st.comment if st else "", ln.confidence,
                            last.source, last.version, last.agent, list(ln.tags)))
    return out


def line_history(store: ProjectStore, page_id: int, line_id: str) -> list[LineVersion]:
    """Every version of a line, oldest first (recognitions, edits and restores)."""
    hist = store.line_history(page_id, line_id)
    if not hist:
        raise WorkflowRefusedError(f"page {page_id} has no line {line_id!r}")
    return hist


def has_person_work(store: ProjectStore, page_id: int) -> bool:
    """True when re-recognising the page would replace something a person did (edited, verified
    or flagged lines, a changed layout, or a corrected/reviewed/approved state)."""
    return store.person_work(page_id) > 0 or store.get_page(page_id).status in ("corrected", "reviewed", "approved")


def item_state(store: ProjectStore, item_id: int) -> str:
    """The least advanced state of the item's pages (``failed`` first); ``imported`` when empty."""
    order = {s: i for i, s in enumerate(("failed", "imported", "processed", "corrected", "reviewed", "approved"))}
    states = [p.status for p in store.pages(item_id)]
    return min(states, key=order.__getitem__) if states else "imported"


def training_lines(store: ProjectStore, page_id: int, layout: PageLayout | None = None) -> list[Line]:
    """The lines of a page that may train a model: edited or verified by a person, non-empty."""
    layout = layout if layout is not None else store.load_layout(page_id)
    if layout is None:
        return []
    states = line_states(store, page_id, layout)
    return [ln for ln in layout.lines() if states.get(ln.id) in PERSON_STATES and ln.text.strip()]


# --------------------------------------------------------------------------- line actions


def _step(action: str, agent: str | None, store: ProjectStore, **params: Any) -> ProcessingStep:
    return ProcessingStep(action=action, tool=TOOL, tool_version=__version__, parameters=params,
                          agent=agent or store.agent)


def _editable_line(store: ProjectStore, page_id: int, line_id: str) -> tuple[PageLayout, str]:
    page = store.get_page(page_id)
    check_lines_editable(page.status, page_id)
    layout = _layout(store, page_id)
    if layout.find_line(line_id) is None:
        raise WorkflowRefusedError(f"page {page_id} has no line {line_id!r}")
    return layout, line_states(store, page_id, layout)[line_id]


def _settle_page(store: ProjectStore, page_id: int, agent: str | None) -> str:
    """Put a processed/corrected page into the state its lines say; the change is an event."""
    page = store.get_page(page_id)
    new = derived_page_state(page.status, line_states(store, page_id).values())
    if new != page.status:
        store.set_status(page_id, new, step=_step("page-state", agent, store, status=new, previous=page.status))
    return new


def set_text(store: ProjectStore, page_id: int, line_id: str, text: str, *, agent: str | None = None,
             source: str = "edit", expected_version: int | None = None) -> int:
    """A person's text for a line (→ ``edited``): a new version; returns its number.  Text XML
    cannot carry is refused naming the line.  ``expected_version`` (the version the person saw):
    refused when another process saved a newer one meanwhile, so nothing is overwritten unseen."""
    check_text(f"line {line_id}", text)
    with store.transaction():
        _editable_line(store, page_id, line_id)
        _check_version(store, page_id, line_id, expected_version)
        version = store.update_line_text(page_id, line_id, text, agent=agent, source=source,
                                         state=line_transition("machine", "set"))
        _settle_page(store, page_id, agent)
    return version


def _check_version(store: ProjectStore, page_id: int, line_id: str, expected: int | None) -> None:
    if expected is None:
        return
    last = store.line_history(page_id, line_id)[-1]
    if last.version != expected:
        raise WorkflowRefusedError(f"line {line_id} of page {page_id} changed since it was shown (now version "
                                   f"{last.version} by {last.agent}, {last.source}); reload the page and try again")


def restore(store: ProjectStore, page_id: int, line_id: str, version: int, *, agent: str | None = None,
            source: str = "restore") -> int:
    """Make an earlier version of a line current again (→ ``edited``, a flagged line stays flagged; the whole line, confidences and
    word boxes included, in the line's current geometry: a restore never undoes a layout edit, see
    :meth:`ProjectStore.restore_line_version`); a new version (``source``: restore, or undo/redo from the GUI), returns its number."""
    with store.transaction():
        _layout_, state = _editable_line(store, page_id, line_id)
        after = line_transition(state, "restore")
        kept = store.line_states(page_id).get(line_id)
        comment = kept.comment if kept is not None and after == "flagged" else ""
        try:
            new = store.restore_line_version(page_id, line_id, version, agent=agent, source=source,
                                             state=after, comment=comment)
        except ProjectError as exc:
            raise WorkflowRefusedError(exc.message) from None
        _settle_page(store, page_id, agent)
    return new


def verify(store: ProjectStore, page_id: int, line_id: str, *, agent: str | None = None) -> str:
    """A person confirms a line's text unchanged (→ ``verified``); returns the page state."""
    with store.transaction():
        _layout_, state = _editable_line(store, page_id, line_id)
        new = line_transition(state, "verify")
        store.set_line_state(page_id, line_id, new, step=_step("verify-line", agent, store, line=line_id,
                                                               previous=state))
        return _settle_page(store, page_id, agent)


def flag(store: ProjectStore, page_id: int, line_id: str, comment: str, *, agent: str | None = None) -> str:
    """Mark a line uncertain with a comment (→ ``flagged``); returns the page state."""
    if not comment.strip():
        raise WorkflowRefusedError(f"cannot flag line {line_id}: a flag needs a comment saying what is uncertain")
    check_text(f"comment of line {line_id}", comment)
    with store.transaction():
        _layout_, state = _editable_line(store, page_id, line_id)
        new = line_transition(state, "flag")
        store.set_line_state(page_id, line_id, new, comment=comment,
                             step=_step("flag-line", agent, store, line=line_id, comment=comment, previous=state))
        return _settle_page(store, page_id, agent)


def _save_tags(store: ProjectStore, page_id: int, line_id: str, change: Any, agent: str | None,
               expected_version: int | None, **params: Any) -> int:
    """Put ``change(tags, text)`` as the line's tags: a new line version (source ``tag``) and a
    ``tag-line`` event with ``params``; the line's state and comment stay as they are."""
    with store.transaction():
        layout, state = _editable_line(store, page_id, line_id)
        _check_version(store, page_id, line_id, expected_version)
        line = layout.find_line(line_id)
        assert line is not None
        try:
            line.tags = change(line.tags, line.text)
        except tagrules.TagError as exc:
            raise WorkflowRefusedError(f"cannot tag line {line_id} of page {page_id}: {exc}") from None
        comment = store.line_states(page_id).get(line_id)
        version = store.update_line_text(page_id, line_id, line.text, agent=agent, source="tag", state=state,
                                         line=line)
        store.set_line_state(page_id, line_id, state, comment=comment.comment if comment else "",
                             step=_step("tag-line", agent, store, line=line_id, **params))
    return version


def tag(store: ProjectStore, page_id: int, line_id: str, kind: str, start: int, end: int, value: str = "", *,
        agent: str | None = None, expected_version: int | None = None) -> int:
    """Tag the characters ``[start, end)`` of a line's text as ``kind`` (unclear, gap, supplied,
    deletion, abbreviation, person, place, date, organisation) with an optional ``value`` (e.g. an
    abbreviation's expansion): a new line version; returns its number.  The same kind on the same
    span replaces the old value.  A span outside the text or an unknown kind is refused."""
    if value:
        check_text(f"tag value of line {line_id}", value)
    new = Tag(kind, start, end - start, value)
    return _save_tags(store, page_id, line_id, lambda tags, text: tagrules.add(tags, new, text), agent,
                      expected_version, kind=kind, span=f"{start}:{end}", value=value)


def untag(store: ProjectStore, page_id: int, line_id: str, start: int, end: int, kind: str = "", *,
          agent: str | None = None, expected_version: int | None = None) -> int:
    """Remove the tags (of ``kind``, or every kind) lying inside ``[start, end)``: a new line
    version; returns its number.  Refused when there is no such tag."""
    def change(tags: list[Tag], text: str) -> list[Tag]:
        kept, removed = tagrules.remove(tags, kind, start, end - start)
        if not removed:
            raise tagrules.TagError(f"no {kind or 'tag'} inside {start}:{end}")
        return kept
    return _save_tags(store, page_id, line_id, change, agent, expected_version, kind=kind or "*",
                      span=f"{start}:{end}", removed=True)


def check_recognisable(store: ProjectStore, page_id: int, line_id: str) -> Line:
    """The line, when recognising it again replaces no person's work (its page is open, the line is
    a machine line without tags, or has no text, such as a line just drawn); else WorkflowRefusedError."""
    layout, state = _editable_line(store, page_id, line_id)
    line = layout.find_line(line_id)
    assert line is not None
    if state != "machine" and line.text.strip():
        raise WorkflowRefusedError(f"cannot recognise line {line_id} of page {page_id}: a person's text is there "
                                   f"(it is {state}); clear its text first to have it recognised")
    if line.tags:
        raise WorkflowRefusedError(f"cannot recognise line {line_id} of page {page_id}: a person tagged its text; "
                                   "remove the tags first to have it recognised")
    return line


def recognised(store: ProjectStore, page_id: int, line_id: str, line: Line, step: ProcessingStep, *,
               agent: str | None = None) -> int:
    """An engine's reading of one line (:func:`digitizer.pipeline.line.recognise_line`): ``step``
    (engine, model) as an event, then a new version (source ``recognise``) of the whole line with
    state ``machine``; refused like :func:`check_recognisable`.  Returns the version."""
    with store.transaction():
        check_recognisable(store, page_id, line_id)
        store.record(step, page_id=page_id)
        version = store.update_line_text(page_id, line_id, line.text, agent=agent, source="recognise",
                                         state="machine", line=line)
        _settle_page(store, page_id, agent)
    return version


def settle(store: ProjectStore, page_id: int, *, agent: str | None = None) -> str:
    """Re-derive a processed/corrected page's state from its lines (after a layout correction,
    :func:`digitizer.correction.commit_layout`); returns it."""
    with store.transaction():
        return _settle_page(store, page_id, agent)


# --------------------------------------------------------------------------- page and item actions


def page_done(store: ProjectStore, page_id: int, *, agent: str | None = None) -> list[str]:
    """"Page done": every remaining machine line becomes ``verified`` in one recorded act (event
    ``page-done`` listing them) and the page ``corrected``.  Refused while a line is flagged.
    Returns the ids of the lines verified now."""
    with store.transaction():
        page = store.get_page(page_id)
        page_transition(page.status, "done", page=page_id)
        states = line_states(store, page_id, _layout(store, page_id))
        flagged = [lid for lid, s in states.items() if s == "flagged"]
        if flagged:
            raise WorkflowRefusedError(f"cannot mark page {page_id} done: {len(flagged)} flagged line(s) "
                                       f"({', '.join(flagged[:3])}); edit or verify them first")
        if not states:
            raise WorkflowRefusedError(f"cannot mark page {page_id} done: it has no lines")
        remaining = [lid for lid, s in states.items() if s == "machine"]
        who = agent or store.agent
        for lid in remaining:
            store.set_line_state(page_id, lid, "verified", step=None)
        store.record(_step("page-done", who, store, verified=remaining, previous=page.status), page_id=page_id)
        _settle_page(store, page_id, who)
    return remaining


def _page_action(store: ProjectStore, page_ids: Sequence[int], action: str, agent: str | None,
                 note: str) -> list[int]:
    """Apply a review/approve/reopen to every page or to none (the first refusal is raised)."""
    if note:
        check_text("note", note)
    with store.transaction():
        pages = [store.get_page(pid) for pid in dict.fromkeys(page_ids)]
        targets = [(p, page_transition(p.status, action, page=p.id)) for p in pages]
        for page, new in targets:
            params: dict[str, Any] = {"status": new, "previous": page.status}
            if note:
                params["note"] = note
            store.set_status(page.id, new, step=_step(_EVENT[action], agent, store, **params))
    return [p.id for p in pages]


def review(store: ProjectStore, page_ids: Sequence[int], *, agent: str | None = None, note: str = "") -> list[int]:
    """Mark corrected pages ``reviewed`` (all or none); one ``review`` event each."""
    return _page_action(store, page_ids, "review", agent, note)


def approve(store: ProjectStore, page_ids: Sequence[int], *, agent: str | None = None, note: str = "") -> list[int]:
    """Mark reviewed pages ``approved`` (all or none); one ``approve`` event each."""
    return _page_action(store, page_ids, "approve", agent, note)


def reopen(store: ProjectStore, page_ids: Sequence[int], *, agent: str | None = None, note: str = "") -> list[int]:
    """Take reviewed/approved pages back to ``corrected`` for more correction (history kept)."""
    return _page_action(store, page_ids, "reopen", agent, note)


def item_pages(store: ProjectStore, item_id: int) -> list[int]:
    ids = [p.id for p in store.pages(item_id)]
    if not ids:
        raise WorkflowRefusedError(f"item {store.get_item(item_id).identifier} has no pages")
    return ids


def item_action(store: ProjectStore, item_id: int, action: str, *, agent: str | None = None,
                note: str = "") -> list[int]:
    """``review``, ``approve`` or ``reopen`` every page of an item, all or nothing."""
    if action not in ("review", "approve", "reopen"):
        raise WorkflowRefusedError(f"not an item action: {action!r} (review, approve, reopen)")
    return _page_action(store, item_pages(store, item_id), action, agent, note)
