"""The QA queue: a checker reads each sampled line (image and text), says what it should read and
the difference is scored (substitutions, insertions, deletions and the confusions).

Gold lines (from :mod:`digitizer.qa.gold`) are mixed unannounced into a named person's queue: the
entries look the same; the score against the known-correct text goes to that person's gold figures.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from typing import Any

from .. import __version__
from ..errors import DigitizerError
from ..model import ProcessingStep, utcnow


@dataclass
class QueueEntry:
    id: int
    item_id: int
    page_id: int
    line_id: str
    text: str                     # the text to check (as it stood when drawn)
    status: str
    ref: str | None = None


@dataclass
class Score:
    chars: int
    errors: int
    subs: int
    ins: int
    dels: int
    confusions: list[tuple[str, str]]
    fixed: str = "unchanged"      # the project's line: fixed | unchanged | why it could not be fixed


def score(ref: str, hyp: str) -> Score:
    """Character errors of ``hyp`` against the correct ``ref`` (Levenshtein alignment)."""
    from ..htr.evaluate import align

    ops = [(op, r, h) for op, r, h in align(ref, hyp) if op != "match"]
    n = {k: sum(1 for op, _, _ in ops if op == k) for k in ("sub", "ins", "del")}
    conf = [(r or "", h or "") for _, r, h in ops]
    return Score(len(ref), len(ops), n["sub"], n["ins"], n["del"], conf)


_COLS = "id, item_id, page_id, line_id, hyp AS text, status, ref"
_CURRENT = "sample_id IN (SELECT MAX(id) FROM qa_samples GROUP BY item_id)"


def entries(store: Any, *, operator: str | None = None, sample_id: int | None = None,
            pending_only: bool = True) -> list[QueueEntry]:
    """The queue in working order; with ``operator`` their gold lines are mixed in (see :func:`mix_gold`)."""
    if operator:
        mix_gold(store, operator)
    sql = f"SELECT {_COLS} FROM qa_units WHERE (assigned IS NULL OR assigned = ?)"
    args: list[Any] = [operator or ""]
    if pending_only:
        sql += " AND status = 'pending'"
    if sample_id is not None:
        sql += " AND (sample_id = ? OR kind = 'gold')"
        args.append(sample_id)
    else:                  # a newer sample of the same scope supersedes the pending rest of an older one
        sql += f" AND (kind = 'gold' OR {_CURRENT})"
    rows = store.conn.execute(sql + " ORDER BY position, id", args).fetchall()
    return [QueueEntry(**dict(r)) for r in rows]


def mix_gold(store: Any, operator: str) -> int:
    """Put a gold page into ``operator``'s queue, among their next ``gold_every`` entries: the first at once,
    then one per ``gold_every`` sample entries they checked, never while one is pending or when no sample
    work is left.  Returns the lines added."""
    from .targets import target_for

    every = target_for(store, None).gold_every
    gold_pages = [r[0] for r in store.conn.execute("SELECT DISTINCT page_id FROM qa_gold ORDER BY page_id")]
    if not every or not gold_pages:
        return 0
    q = store.conn.execute
    if q("SELECT 1 FROM qa_units WHERE kind='gold' AND assigned=? AND status='pending'", (operator,)).fetchone():
        return 0
    pending = q(f"SELECT position FROM qa_units WHERE kind='sample' AND status='pending' AND {_CURRENT} "
                "AND (assigned IS NULL OR assigned = ?) ORDER BY position, id", (operator,)).fetchall()
    given = q("SELECT COUNT(DISTINCT unit_key) FROM qa_units WHERE kind='gold' AND assigned=?", (operator,)).fetchone()[0]
    checked = q("SELECT COUNT(*) FROM qa_units WHERE kind='sample' AND checked_by=?", (operator,)).fetchone()[0]
    if not pending or given * every > checked:
        return 0
    rng = random.Random(f"{operator}:{given}")
    page_id = rng.choice(gold_pages)
    pos = pending[rng.randrange(min(every, len(pending)))]["position"]
    return _add_gold_lines(store, operator, page_id, pos, given)


def _add_gold_lines(store: Any, operator: str, page_id: int, position: int, n: int) -> int:
    from .engine_text import engine_lines

    item_id = store.get_page(page_id).item_id
    rows = store.conn.execute("SELECT line_id FROM qa_gold WHERE page_id = ? ORDER BY rowid", (page_id,)).fetchall()
    engine = engine_lines(store, page_id)
    with store.transaction() as c:
        store.record(ProcessingStep(action="qa-gold-mix", tool="digitizer.qa", tool_version=__version__,
                                    parameters={"operator": operator, "lines": len(rows), "position": position}),
                     page_id=page_id)
        for r in rows:
            c.execute("INSERT INTO qa_units(kind, stratum, unit_key, item_id, page_id, line_id, position, hyp,"
                      " assigned) VALUES ('gold', 'gold', ?, ?, ?, ?, ?, ?, ?)",
                      (f"gold:{operator}:{n}:p{page_id}", item_id, page_id, r["line_id"], position,
                       engine.get(r["line_id"], ("", None))[0], operator))
    return len(rows)


def gold_text(store: Any, row: Any) -> str:
    r = store.conn.execute("SELECT text FROM qa_gold WHERE page_id = ? AND line_id = ?",
                           (row["page_id"], row["line_id"])).fetchone()
    return r["text"] if r else ""


def check(store: Any, unit_id: int, text: str, *, agent: str | None = None, fix: bool = True) -> Score:
    """Record what unit ``unit_id`` should read; scores it and (``fix``) corrects the line in the project."""
    from .guidelines import current_version

    row = store.conn.execute("SELECT * FROM qa_units WHERE id = ?", (unit_id,)).fetchone()
    if row is None:
        raise DigitizerError(f"{store.root}: no QA queue entry {unit_id}", hint="see 'digitizer qa queue'")
    agent = agent or store.agent
    s = score(gold_text(store, row) if row["kind"] == "gold" else text, text if row["kind"] == "gold" else row["hyp"])
    version = current_version(store)
    with store.transaction() as c:
        eid = store.record(ProcessingStep(
            action="qa-check", tool="digitizer.qa", tool_version=__version__, agent=agent,
            parameters={"unit": unit_id, "line": row["line_id"], "errors": s.errors, "chars": s.chars,
                        "guidelines": version}), page_id=row["page_id"])
        c.execute("UPDATE qa_units SET status='checked', ref=?, checked_by=?, checked_at=?, guideline=?, chars=?,"
                  " errors=?, subs=?, ins=?, dels=?, confusions=?, event_id=? WHERE id=?",
                  (text, agent, utcnow(), version, s.chars, s.errors, s.subs, s.ins, s.dels,
                   json.dumps(s.confusions, ensure_ascii=False), eid, unit_id))
        if fix and row["kind"] == "sample":
            s.fixed = _fix(store, row["page_id"], row["line_id"], text, agent)
    return s


def _fix(store: Any, page_id: int, line_id: str, text: str, agent: str) -> str:
    """Correct the line through the workflow; ``fixed``, ``unchanged`` or why it could not be fixed."""
    from .. import workflow
    from ..errors import WorkflowRefusedError

    layout = store.load_layout(page_id)
    line = layout.find_line(line_id) if layout else None
    if line is None or line.text == text:
        return "unchanged"
    try:
        workflow.set_text(store, page_id, line_id, text, agent=agent, source="qa")
    except WorkflowRefusedError as exc:      # e.g. an approved page: the error is scored, the text stays
        return exc.message
    return "fixed"
