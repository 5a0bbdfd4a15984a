"""Versioned transcription guidelines (Markdown) of a project.

Each ``digitizer qa guidelines P --add FILE.md`` stores a new version (text, SHA-256, note) with a
``qa-guidelines`` event.  From then on every edit event (``correct``) carries the version in force
(the store adds it), QA checks record it too, the report splits estimates by version, and
:func:`lines_keyed_before` lists the lines whose last edit happened under an older version.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import __version__
from ..errors import InputFileError
from ..fsutil import sha256_bytes
from ..model import ProcessingStep, utcnow


@dataclass
class Guideline:
    version: int
    sha256: str
    note: str
    at: str
    agent: str
    text: str


def current_version(store: Any) -> int | None:
    r = store.conn.execute("SELECT MAX(version) FROM qa_guidelines").fetchone()
    return r[0] if r else None


def add_version(store: Any, path: str | Path, *, note: str = "") -> Guideline:
    """Store the Markdown file at ``path`` as the next guidelines version."""
    try:
        data = Path(path).read_bytes()
        text = data.decode("utf-8")
    except OSError as exc:
        raise InputFileError(path, f"cannot read guidelines: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise InputFileError(path, "guidelines must be UTF-8 Markdown") from None
    with store.transaction() as c:
        version = (current_version(store) or 0) + 1
        eid = store.record(ProcessingStep(action="qa-guidelines", tool="digitizer.qa", tool_version=__version__,
                                          parameters={"version": version, "sha256": sha256_bytes(data),
                                                      "file": Path(path).name, "note": note}))
        c.execute("INSERT INTO qa_guidelines(version, text, sha256, note, at, agent, event_id) VALUES (?,?,?,?,?,?,?)",
                  (version, text, sha256_bytes(data), note, utcnow(), store.agent, eid))
    return versions(store)[-1]


def versions(store: Any) -> list[Guideline]:
    rows = store.conn.execute("SELECT version, sha256, note, at, agent, text FROM qa_guidelines ORDER BY version")
    return [Guideline(**dict(r)) for r in rows]


def line_versions_keyed(store: Any) -> dict[tuple[int, str], int | None]:
    """``(page id, line id) -> guidelines version`` of each line's last human edit."""
    import json

    rows = store.conn.execute("SELECT lv.page_id, lv.line_id, e.parameters FROM line_versions lv JOIN events e "
                              "ON e.id = lv.event_id WHERE lv.source != 'engine' ORDER BY lv.version").fetchall()
    return {(r["page_id"], r["line_id"]): json.loads(r["parameters"] or "{}").get("guidelines") for r in rows}


def lines_keyed_before(store: Any, version: int | None = None) -> list[tuple[int, str, int | None]]:
    """Lines whose last edit was made under a guidelines version older than ``version`` (default: current)."""
    version = version or current_version(store)
    if version is None:
        return []
    return sorted((p, ln, v) for (p, ln), v in line_versions_keyed(store).items() if v is None or v < version)
