"""What ``digitizer models list`` and the GUI's Models dialog show about each registered model.

One place for the listing's logic, so the CLI table, ``models list --json`` and the GUI show the
same numbers: :func:`model_entries` is the JSON of ``models list --json`` (the sidecar plus where
the model lives and its latest held-back score), :func:`held_back` is the latest before/after
score of a retrained model (base and new model on the *same* held-back lines), and
:func:`training_text` / :func:`held_back_text` are the short texts of the table, :func:`difference_text`
says whether the new model's difference from its base is more than chance.
"""

from __future__ import annotations

import json
import os
from typing import Any

from .evaluate import Difference
from .registry import ModelInfo, list_models


def held_back(m: ModelInfo) -> dict[str, Any] | None:
    """The latest evaluation with a before/after score on held-back pages (``retrain``), else None.

    ``lines`` is 0 when the training held nothing back (then there is no before/after score).
    """
    return next((e for e in reversed(m.evaluations or []) if "cer_after" in e), None)


def pct(v: float | None) -> str:
    return "-" if v is None else f"{v:.2%}"


def held_back_text(m: ModelInfo) -> str:
    """``base -> this (lines)``, ``none held back`` or ``-`` (no retraining score)."""
    ev = held_back(m)
    if ev is None:
        return "-"
    if not ev.get("lines"):
        return "none held back"
    text = f"{pct(ev.get('cer_before'))} -> {pct(ev.get('cer_after'))} ({ev.get('lines')})"
    d = ev.get("difference")
    return f"{text} {VERDICT_SHORT.get(d.get('verdict'), '?')}" if d else text


# How the new model compares with its base on the same held-back lines (evaluate.Difference.verdict).
VERDICT_SHORT = {"better": "better", "worse": "worse", "same": "same", "no clear difference": "unclear"}
VERDICT_WORDS = {"better": "the new model is better", "worse": "the new model is worse",
                 "same": "the same errors", "no clear difference": "no clear difference (could be chance)"}


def difference_text(ev: dict[str, Any] | None) -> str:
    """The new model against its base on the same held-back lines, in words:
    ``-4.20 points (95% interval -7.01 to -1.39, 30 lines): the new model is better``; ``""`` without
    a comparison (older sidecars)."""
    d = (ev or {}).get("difference")
    return Difference.from_dict(d).describe(verdicts=VERDICT_WORDS) if d else ""


def training_text(m: ModelInfo, *, source: bool = True) -> str:
    """The training data in a few words: lines (pages) and, with ``source``, where they came from."""
    t = m.training or {}
    if not t.get("train_lines"):
        return (m.source or "-") if source else "-"
    pages = f" on {t['train_pages']} pages" if t.get("train_pages") else ""
    src = str(t.get("data_source") or "") if source else ""
    return f"{t['train_lines']} lines{pages}" + (f" ({src})" if src else "")


def model_entry(m: ModelInfo) -> dict[str, Any]:
    """One model as ``models list --json`` prints it: the sidecar, path, read_only, origin and
    ``held_back`` (:func:`held_back`, or None)."""
    return {**json.loads(m.to_json()), "path": m.path, "read_only": m.read_only, "origin": m.origin,
            "held_back": held_back(m)}


def model_entries(project: str | os.PathLike[str] | None = None) -> list[dict[str, Any]]:
    """Every registered model (project, user, built-in; :func:`~.registry.list_models`) as :func:`model_entry`."""
    return [model_entry(m) for m in list_models(project)]
