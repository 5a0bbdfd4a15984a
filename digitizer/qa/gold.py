"""Gold pages: pages whose correct transcription is known; mixed unannounced into a person's queue
(:func:`digitizer.qa.queue.mix_gold`); the report gives each person's accuracy on them."""

from __future__ import annotations

from typing import Any

from .. import __version__
from ..errors import DigitizerError
from ..model import ProcessingStep, utcnow


def add_gold(store: Any, page_id: int, *, lines: list[str] | None = None) -> int:
    """Make ``page_id`` a gold page with its current text (or ``lines``, one per layout line)."""
    layout = store.load_layout(page_id)
    if layout is None or not layout.lines():
        raise DigitizerError(f"page {page_id}: no recognised lines to use as gold", hint="process it first")
    ids = [ln.id for ln in layout.lines()]
    texts = lines if lines is not None else [ln.text for ln in layout.lines()]
    if len(texts) != len(ids):
        raise DigitizerError(f"page {page_id}: {len(texts)} gold line(s) given, the page has {len(ids)}")
    with store.transaction() as c:
        store.record(ProcessingStep(action="qa-gold", tool="digitizer.qa", tool_version=__version__,
                                    parameters={"lines": len(ids)}), page_id=page_id)
        c.execute("DELETE FROM qa_gold WHERE page_id = ?", (page_id,))
        c.executemany("INSERT INTO qa_gold(page_id, line_id, text, at, agent) VALUES (?,?,?,?,?)",
                      [(page_id, i, t, utcnow(), store.agent) for i, t in zip(ids, texts)])
    return len(ids)


def gold_accuracy(store: Any) -> dict[str, dict[str, float | int | None]]:
    """Per person: characters, errors and accuracy on the gold lines they checked."""
    rows = store.conn.execute("SELECT checked_by, SUM(chars) AS chars, SUM(errors) AS errors, COUNT(*) AS lines "
                              "FROM qa_units WHERE kind = 'gold' AND status = 'checked' GROUP BY checked_by "
                              "ORDER BY checked_by").fetchall()
    return {r["checked_by"]: {"lines": r["lines"], "chars": r["chars"], "errors": r["errors"],
                              "accuracy": 1 - r["errors"] / r["chars"] if r["chars"] else None} for r in rows}
