"""Restrictions on material (issue 17): what is withheld from access packages, why, and until when.

A :class:`Restriction` is a row of the project store (table ``restrictions``, migration 0008).
Adding and lifting one are events (action ``restrict`` / ``lift-restriction``), so they become PREMIS
events of the preservation package.  The event parameters never hold the restricted text itself
(only its scope, reason and id): the event log is exported and must not leak what it protects.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from .. import __version__
from ..errors import DigitizerError, ExitCode
from ..model import ProcessingStep, utcnow

SCOPES = ("item", "page", "region", "line", "word", "text", "regex", "field")
REASONS_VOCAB = "restriction-reasons"


class RestrictionError(DigitizerError):
    """A restriction cannot be added or lifted (bad reason, unknown target, bad date or regex)."""

    exit_code = ExitCode.USAGE


@dataclass
class Restriction:
    id: int
    scope: str
    reason: str
    item_id: int | None = None
    page_id: int | None = None
    target: str = ""              # layout ids (comma-separated), the words, or the regex
    fuzzy: int = 0                # edits allowed per word of a text restriction (OCR errors)
    until: str | None = None      # ISO date; the restriction stops applying after it
    note: str = ""
    created: str = ""
    agent: str = ""
    lifted: str | None = None
    lifted_by: str | None = None

    def active(self, today: date | None = None) -> bool:
        """Not lifted and not expired (``until`` is the last day it applies)."""
        if self.lifted:
            return False
        return self.until is None or date.fromisoformat(self.until) >= (today or date.today())

    def describe(self) -> str:
        where = {"text": f"text {self.target!r}", "regex": f"regex /{self.target}/"}.get(
            self.scope, f"{self.scope} {self.target}".strip())
        return f"{where} ({self.reason}{', until ' + self.until if self.until else ''})"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def reason_vocabulary():
    from ..metadata import load_vocabulary

    return load_vocabulary(REASONS_VOCAB)


def _check(scope: str, reason: str, target: str, until: str | None) -> str:
    if scope not in SCOPES:
        raise RestrictionError(f"unknown restriction scope {scope!r}", hint=f"one of {', '.join(SCOPES)}")
    vocab = reason_vocabulary()
    code = vocab.normalise(reason)
    if code is None:
        raise RestrictionError(f"unknown restriction reason {reason!r}", hint=f"one of {', '.join(vocab.terms)}")
    if until is not None:
        try:
            date.fromisoformat(until)
        except ValueError:
            raise RestrictionError(f"--until {until!r} is not a date", hint="use YYYY-MM-DD") from None
    if scope in ("text", "regex", "region", "line", "word", "field") and not target.strip():
        raise RestrictionError(f"a {scope} restriction needs a target")
    if scope == "regex":
        try:
            re.compile(target)
        except re.error as exc:
            raise RestrictionError(f"bad regular expression {target!r}: {exc}") from None
    return code


def add_restriction(store: Any, scope: str, *, reason: str, item_id: int | None = None, page_id: int | None = None,
                    target: str = "", fuzzy: int = 0, until: str | None = None, note: str = "",
                    agent: str | None = None) -> Restriction:
    """Store a restriction with its ``restrict`` event (one transaction); returns it."""
    code = _check(scope, reason, target, until)
    if scope in ("item", "field") and item_id is None:
        raise RestrictionError(f"a {scope} restriction needs --item")
    if scope in ("page", "region", "line", "word") and page_id is None:
        raise RestrictionError(f"a {scope} restriction needs --page")
    if scope in ("region", "line", "word"):
        _check_ids(store, page_id, scope, target)
    agent = agent or store.agent
    with store.transaction() as c:
        cur = c.execute("INSERT INTO restrictions(scope, item_id, page_id, target, fuzzy, reason, until, note, "
                        "created, agent) VALUES (?,?,?,?,?,?,?,?,?,?)",
                        (scope, item_id, page_id, target, int(fuzzy), code, until, note, utcnow(), agent))
        rid = int(cur.lastrowid)
        eid = store.record(ProcessingStep(action="restrict", tool="digitizer.restrict", tool_version=__version__,
                                          parameters={"restriction": rid, "scope": scope, "reason": code,
                                                      "until": until}, agent=agent),
                           item_id=item_id if page_id is None else None, page_id=page_id)
        c.execute("UPDATE restrictions SET event_id = ? WHERE id = ?", (eid, rid))
    return get_restriction(store, rid)


def _check_ids(store: Any, page_id: int, scope: str, target: str) -> None:
    from .match import line_words

    layout = store.load_layout(page_id)
    blocks = layout.blocks if layout is not None else []
    known = {"region": {b.id for b in blocks}, "line": {ln.id for b in blocks for ln in b.lines},
             "word": {w.id for b in blocks for ln in b.lines for w in line_words(ln)}}[scope]
    missing = sorted({t.strip() for t in target.split(",") if t.strip()} - known)
    if missing:
        raise RestrictionError(f"page {page_id} has no {scope} {missing[0]!r}",
                               hint="layout ids of the page, like b1, b1_l2, b1_l2_w3")


def lift_restriction(store: Any, rid: int, *, agent: str | None = None) -> Restriction:
    """Lift a restriction (kept in the store as history) with its ``lift-restriction`` event."""
    r = get_restriction(store, rid)
    if r.lifted:
        raise RestrictionError(f"restriction {rid} was already lifted on {r.lifted} by {r.lifted_by}")
    agent = agent or store.agent
    with store.transaction() as c:
        c.execute("UPDATE restrictions SET lifted = ?, lifted_by = ? WHERE id = ?", (utcnow(), agent, rid))
        store.record(ProcessingStep(action="lift-restriction", tool="digitizer.restrict", tool_version=__version__,
                                    parameters={"restriction": rid, "scope": r.scope, "reason": r.reason},
                                    agent=agent), item_id=r.item_id if r.page_id is None else None,
                     page_id=r.page_id)
    return get_restriction(store, rid)


def _from_row(row: Any) -> Restriction:
    d = dict(row)
    d.pop("event_id", None)
    return Restriction(**d)


def get_restriction(store: Any, rid: int) -> Restriction:
    row = store.conn.execute("SELECT * FROM restrictions WHERE id = ?", (rid,)).fetchone()
    if row is None:
        raise RestrictionError(f"{store.root}: no restriction {rid}", hint="see 'digitizer restrict P --list'")
    return _from_row(row)


def list_restrictions(store: Any, *, active_only: bool = False, today: date | None = None) -> list[Restriction]:
    rows = store.conn.execute("SELECT * FROM restrictions ORDER BY id").fetchall()
    out = [_from_row(r) for r in rows]
    return [r for r in out if r.active(today)] if active_only else out
