"""The export release gate.

An item with a declared quality target (see :mod:`digitizer.qa.targets`) is *accepted* when its
latest QA sample is fully checked, every stratum of the item reached ``min_per_stratum`` checked
units, no stratum fails, and the item's estimate passes (the lower bound of the interval reaches the
target).  ``export`` refuses items that are not accepted (exit code 12, one line naming the items and
the failing stratum) unless ``--allow-unaccepted``; either way the state, the estimate and the
interval are recorded as a ``qa-release`` event of the item, which the METS carries as a PREMIS event.
Items without a declared target are exported as before, with nothing recorded.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .. import __version__
from ..errors import DigitizerError, ExitCode
from ..model import Item, ProcessingStep


class QaGateError(DigitizerError):
    """Export refused: items not accepted by QA."""

    exit_code = ExitCode.QA_GATE


@dataclass
class ReleaseState:
    item: str
    declared: bool
    accepted: bool
    target: float | None = None
    accuracy: float | None = None
    low: float | None = None
    high: float | None = None
    confidence: float | None = None
    decision: str = "undecided"
    sampled: int = 0
    checked: int = 0
    reason: str = ""
    strata: list[dict[str, Any]] = field(default_factory=list)

    def summary(self) -> str:
        if self.accuracy is None:
            return f"{self.item}: {self.reason}"
        return (f"{self.item}: accuracy {self.accuracy:.2%} [{self.low:.2%}, {self.high:.2%}] at "
                f"{self.confidence:.0%} vs target {self.target:.2%} ({self.decision}; {self.checked}/{self.sampled} "
                f"units checked){'' if self.accepted else ' - ' + self.reason}")


def release_state(store: Any, item: Item) -> ReleaseState:
    from .report import group, latest_sample, where
    from .targets import target_for

    q = target_for(store, item)
    state = ReleaseState(item=item.identifier, declared=q.declared, accepted=False, target=q.target,
                         confidence=q.confidence)
    sample = latest_sample(store, item)
    if sample is None:
        state.reason = "no QA sample drawn (digitizer qa sample)"
        return state
    overall = group(sample, q, "item", item.identifier, where(item_id=item.id))
    est = overall.estimate
    state.accuracy, state.low, state.high = est.accuracy, est.low, est.high
    state.decision, state.sampled, state.checked = overall.decision, overall.sampled, overall.checked
    strata = sorted({r["stratum"] for r in sample.rows if r["item_id"] == item.id})
    for h in strata:
        g = group(sample, q, "stratum", h, where(item_id=item.id, stratum=h))
        state.strata.append({"stratum": h, "accuracy": g.estimate.accuracy, "low": g.estimate.low,
                             "high": g.estimate.high, "decision": g.decision, "checked": g.checked,
                             "sampled": g.sampled})
    state.reason = _refusal(state, q.min_per_stratum)
    state.accepted = not state.reason
    return state


def _refusal(state: ReleaseState, minimum: int) -> str:
    if state.checked < state.sampled:
        return f"sample not fully checked ({state.checked}/{state.sampled} units)"
    for s in state.strata:
        if s["decision"] == "fail":
            return f"stratum {s['stratum']!r} fails ({_pct(s['high'])} upper bound < target)"
        if s["checked"] < min(minimum, s["sampled"]) or s["checked"] == 0:
            return f"stratum {s['stratum']!r} has only {s['checked']} checked unit(s), needs {minimum}"
    if state.decision != "pass":
        weakest = min(state.strata, key=lambda s: s["low"] if s["low"] is not None else 0.0, default=None)
        where = f" (weakest stratum {weakest['stratum']!r})" if weakest else ""
        return f"{state.decision}: lower bound {_pct(state.low)} below target {_pct(state.target)}{where}"
    return ""


def _pct(v: float | None) -> str:
    return "n/a" if v is None else f"{v:.2%}"


def check_release(store: Any, items: list[Item], *, allow_unaccepted: bool = False) -> list[ReleaseState]:
    """States of ``items``; raises :class:`QaGateError` naming every refused item unless allowed."""
    states = [release_state(store, it) for it in items]
    refused = [s for s in states if s.declared and not s.accepted]
    if refused and not allow_unaccepted:
        raise QaGateError("export refused, not accepted by QA: " + "; ".join(f"{s.item} ({s.reason})" for s in refused),
                          hint="finish 'digitizer qa' checks or pass --allow-unaccepted")
    return states


def record_release(store: Any, item: Item, state: ReleaseState | None = None) -> ReleaseState:
    """Record the item's QA state as a ``qa-release`` event (PREMIS in the METS); nothing when undeclared."""
    state = state or release_state(store, item)
    if state.declared:
        store.record(ProcessingStep(
            action="qa-release", tool="digitizer.qa", tool_version=__version__,
            parameters={"accepted": state.accepted, "target": state.target, "accuracy": state.accuracy,
                        "interval": [state.low, state.high], "confidence": state.confidence,
                        "units_checked": state.checked, "units_sampled": state.sampled},
            outcome="accepted" if state.accepted else "unaccepted", detail=state.summary()), item_id=item.id)
    return state


def unaccepted_notice(store: Any, items: list[Item]) -> list[str]:
    """One line per item exported without QA acceptance (what ``digitizer run`` says after exporting)."""
    out = []
    for item in items:
        s = release_state(store, item)
        if not s.accepted:
            why = s.reason if s.declared else "no quality target declared"
            out.append(f"{item.identifier}: exported as unaccepted by QA ({why}); see 'digitizer qa'")
    return out
