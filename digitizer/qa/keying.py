"""Double keying and adjudication.

Two named operators key the lines of a page independently (:func:`key_line`; :func:`keying_view`
shows a keyer the engine text only, never another keyer's).  :func:`differences` lines the keyings up
side by side; :func:`adjudicate` makes the adjudicator's choice the line text (a ``correct`` edit with
source ``adjudicate``).  :func:`agreement` reports character agreement per pair and per page:
``1 - sum(edit distance) / sum(longer length)``.
"""

from __future__ import annotations

from itertools import combinations
from typing import Any

from .. import __version__
from ..errors import DigitizerError
from ..model import ProcessingStep, utcnow


def key_line(store: Any, page_id: int, line_id: str, text: str, *, operator: str) -> None:
    from ..xmltext import check_text

    check_text(f"line {line_id}", text)
    layout = store.load_layout(page_id)
    if layout is None or layout.find_line(line_id) is None:
        raise DigitizerError(f"page {page_id} has no line {line_id!r}")
    with store.transaction() as c:
        eid = store.record(ProcessingStep(action="qa-key", tool="digitizer.qa", tool_version=__version__,
                                          agent=operator, parameters={"line": line_id}), page_id=page_id)
        c.execute("INSERT INTO qa_keyings(page_id, line_id, operator, text, at, event_id) VALUES (?,?,?,?,?,?) "
                  "ON CONFLICT(page_id, line_id, operator) DO UPDATE SET text=excluded.text, at=excluded.at, "
                  "event_id=excluded.event_id", (page_id, line_id, operator, text, utcnow(), eid))


def keying_view(store: Any, page_id: int, operator: str) -> list[tuple[str, str]]:
    """``(line id, text to start from)`` for ``operator``: their own keying if any, else the engine text."""
    own = {r["line_id"]: r["text"] for r in store.conn.execute(
        "SELECT line_id, text FROM qa_keyings WHERE page_id = ? AND operator = ?", (page_id, operator))}
    from .engine_text import engine_lines

    engine = engine_lines(store, page_id)
    layout = store.load_layout(page_id)
    return [(ln.id, own.get(ln.id, engine.get(ln.id, ("", None))[0])) for ln in (layout.lines() if layout else [])]


def keyings(store: Any, page_id: int) -> dict[str, dict[str, str]]:
    """``line id -> {operator: text}``."""
    out: dict[str, dict[str, str]] = {}
    for r in store.conn.execute("SELECT line_id, operator, text FROM qa_keyings WHERE page_id = ? ORDER BY operator",
                                (page_id,)):
        out.setdefault(r["line_id"], {})[r["operator"]] = r["text"]
    return out


def differences(store: Any, page_id: int) -> list[tuple[str, dict[str, str]]]:
    """Lines where the keyings differ, with every keyer's text."""
    return [(line, texts) for line, texts in keyings(store, page_id).items() if len(set(texts.values())) > 1]


def adjudicate(store: Any, page_id: int, line_id: str, *, choice: str, agent: str | None = None) -> str:
    """``choice`` is an operator's name (take their text) or ``=TEXT`` (the adjudicator's own)."""
    texts = keyings(store, page_id).get(line_id, {})
    if choice.startswith("="):
        text = choice[1:]
    elif choice in texts:
        text = texts[choice]
    else:
        raise DigitizerError(f"page {page_id} line {line_id}: no keying by {choice!r}",
                             hint=f"keyed by {', '.join(texts) or 'nobody'}; or give =TEXT")
    from .. import workflow

    workflow.set_text(store, page_id, line_id, text, agent=agent, source="adjudicate")
    return text


def _agree(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    from ..htr.evaluate import distance

    dist = sum(distance(a, b) for a, b in pairs)
    longer = sum(max(len(a), len(b)) for a, b in pairs)
    return {"lines": len(pairs), "differences": dist, "agreement": 1 - dist / longer if longer else None}


def agreement(store: Any) -> dict[str, Any]:
    """Character agreement per operator pair and per page."""
    per_pair: dict[str, list[tuple[str, str]]] = {}
    per_page: dict[int, list[tuple[str, str]]] = {}
    pages = [r[0] for r in store.conn.execute("SELECT DISTINCT page_id FROM qa_keyings ORDER BY page_id")]
    for page_id in pages:
        for texts in keyings(store, page_id).values():
            for a, b in combinations(sorted(texts), 2):
                per_pair.setdefault(f"{a} / {b}", []).append((texts[a], texts[b]))
                per_page.setdefault(page_id, []).append((texts[a], texts[b]))
    return {"pairs": {k: _agree(v) for k, v in per_pair.items()},
            "pages": {str(k): _agree(v) for k, v in per_page.items()}}
