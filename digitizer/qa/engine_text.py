"""What the engine read: the text and confidence of each line's latest recognised version."""

from __future__ import annotations

import json
from typing import Any


def engine_lines(store: Any, page_id: int) -> dict[str, tuple[str, float | None]]:
    """``{line id: (engine text, engine confidence)}`` from the page's latest recognition."""
    out: dict[str, tuple[str, float | None]] = {}
    for r in store.conn.execute("SELECT line_id, text, data FROM line_versions WHERE page_id = ? AND source = 'engine'"
                                " ORDER BY version", (page_id,)):
        data = json.loads(r["data"]) if r["data"] else {}
        out[r["line_id"]] = (r["text"], data.get("confidence"))
    return out
