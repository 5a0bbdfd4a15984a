"""Quality targets: the profile's ``[quality]`` section, overridden per project or per item in the store.

```toml
[quality]
target = 0.995            # character accuracy the collection must reach
confidence = 0.95         # two-sided confidence level of the interval
unit = "line"             # sampling unit: line | page
strata = ["item", "engine"]   # item | engine | person | confidence | page_type
min_per_stratum = 30      # smallest number of units checked per stratum
design_effect = 2.0       # planning design effect for ``--size auto`` (errors cluster)
expected_error = 0.0025   # planning error rate for ``--size auto`` (default: half the allowed rate)
power = 0.8               # chance that a collection at ``expected_error`` passes
gold_every = 20           # one gold page mixed into a person's queue per this many units (0: never)
```

A target is *declared* for an item when its profile has a ``[quality]`` section or the project or the
item has a target set with ``digitizer qa target``; the export release gate applies only then.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from .. import __version__
from ..errors import ProfileError
from ..model import Item, ProcessingStep, utcnow

STRATA = ("item", "engine", "person", "confidence", "page_type")
CONFIDENCE_BANDS = (0.6, 0.8, 0.9)


@dataclass
class QualityTarget:
    target: float = 0.995
    confidence: float = 0.95
    unit: str = "line"
    strata: list[str] = field(default_factory=lambda: ["item"])
    min_per_stratum: int = 30
    design_effect: float = 2.0
    expected_error: float | None = None
    power: float = 0.8
    gold_every: int = 20
    declared: bool = False
    source: str = "default"

    def settings(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if k not in ("declared", "source")}


_NUMBERS = {"target": (0.5, 1.0), "confidence": (0.5, 0.9999), "design_effect": (1.0, 1000.0),
            "expected_error": (0.0, 0.5), "power": (0.5, 0.999)}


def parse_quality(data: dict[str, Any], where: str) -> QualityTarget:
    """Validate a ``[quality]`` table (or stored settings); a wrong key or value names ``where``."""
    out = QualityTarget()
    known = {f.name for f in fields(QualityTarget)} - {"declared", "source"}
    for key, value in data.items():
        if key not in known:
            raise ProfileError(f"{where}: [quality] unknown key {key!r} (known: {', '.join(sorted(known))})")
        if key in _NUMBERS:
            lo, hi = _NUMBERS[key]
            if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))
                                      or not lo <= value <= hi):
                raise ProfileError(f"{where}: [quality] {key} must be a number between {lo:g} and {hi:g}")
        setattr(out, key, value)
    _check_shape(out, where)
    return out


def _check_shape(q: QualityTarget, where: str) -> None:
    if q.unit not in ("line", "page"):
        raise ProfileError(f"{where}: [quality] unit must be line or page, not {q.unit!r}")
    if not isinstance(q.strata, list) or any(s not in STRATA for s in q.strata):
        raise ProfileError(f"{where}: [quality] strata must be a list from {', '.join(STRATA)}")
    for key in ("min_per_stratum", "gold_every"):
        v = getattr(q, key)
        if isinstance(v, bool) or not isinstance(v, int) or v < (2 if key == "min_per_stratum" else 0):
            raise ProfileError(f"{where}: [quality] {key} must be a whole number "
                               f"{'>= 2' if key == 'min_per_stratum' else '>= 0'}")
    if q.expected_error is not None and q.expected_error >= 1 - q.target:
        raise ProfileError(f"{where}: [quality] expected_error must be below 1 - target = {1 - q.target:g}")


def target_for(store: Any, item: Item | None) -> QualityTarget:
    """The target in force for ``item`` (or the project): item row > project row > profile > default."""
    rows = []
    if item is not None:
        rows.append(store.conn.execute("SELECT settings FROM qa_targets WHERE item_id = ?", (item.id,)).fetchone())
    rows.append(store.conn.execute("SELECT settings FROM qa_targets WHERE item_id IS NULL").fetchone())
    for row, source in zip(rows, ["item", "project"][-len(rows):]):
        if row is not None:
            q = parse_quality(json.loads(row["settings"]), f"{store.root} ({source} target)")
            q.declared, q.source = True, source
            return q
    if item is not None:
        from ..profiles import load_profile

        prof = load_profile(item.profile)
        if "quality" in prof.raw:
            q = parse_quality(prof.section("quality"), prof.path or prof.name)
            q.declared, q.source = True, f"profile {prof.name}"
            return q
    return QualityTarget()


def set_target(store: Any, item: Item | None, changes: dict[str, Any]) -> QualityTarget:
    """Set (merge) the target of the project or an item; recorded as a ``qa-target`` event."""
    base = target_for(store, item).settings()
    base.update({k: v for k, v in changes.items() if v is not None})
    q = parse_quality(base, str(store.root))
    with store.transaction() as c:
        eid = store.record(ProcessingStep(action="qa-target", tool="digitizer.qa", tool_version=__version__,
                                          parameters={"scope": item.identifier if item else "project",
                                                      **q.settings()}),
                           item_id=item.id if item else None)
        key = item.id if item else None
        c.execute("DELETE FROM qa_targets WHERE item_id IS ?", (key,))
        c.execute("INSERT INTO qa_targets(item_id, settings, at, event_id) VALUES (?,?,?,?)",
                  (key, json.dumps(q.settings()), utcnow(), eid))
    return target_for(store, item)
