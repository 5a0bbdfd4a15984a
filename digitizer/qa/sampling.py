"""Stratified random samples of lines or pages, reproducible from a seed, landing in the QA queue.

The population is every line of every page that has a layout (in the scope: one item or the whole
project).  Units are lines or pages (``[quality] unit``); each unit falls in one stratum, the
combination of the stratification keys (``item``, ``engine``, ``person``, ``confidence``,
``page_type``).  Within each stratum a simple random sample is drawn with :class:`random.Random`
seeded by ``--seed`` over the units sorted by key, so the same seed on the same project draws the
same units.  The queue order is shuffled across strata with the same generator.
"""

from __future__ import annotations

import json
import math
import random
from dataclasses import dataclass, field
from typing import Any

from .. import __version__
from ..errors import DigitizerError
from ..model import Item, ProcessingStep, utcnow
from .stats import allocate, required_chars
from .targets import CONFIDENCE_BANDS, QualityTarget, target_for


@dataclass
class PopLine:
    page_id: int
    line_id: str
    text: str
    confidence: float | None


@dataclass
class PopUnit:
    key: str
    item_id: int
    stratum: str
    lines: list[PopLine] = field(default_factory=list)

    @property
    def chars(self) -> int:
        return sum(len(ln.text) for ln in self.lines)


@dataclass
class SampleResult:
    sample_id: int
    seed: int
    size_rule: str
    units: int
    lines: int
    population: dict[str, int]
    allocation: dict[str, int]
    needed_chars: int | None


def confidence_band(conf: float | None) -> str:
    if conf is None:
        return "conf:none"
    lower = max([0.0, *[b for b in CONFIDENCE_BANDS if conf >= b]])
    upper = min([1.0, *[b for b in CONFIDENCE_BANDS if conf < b]])
    return f"conf:{lower:g}-{upper:g}"


def _page_engine(store: Any, page_id: int) -> str:
    r = store.conn.execute("SELECT e.tool FROM layouts l JOIN events e ON e.id = l.event_id WHERE l.page_id = ? "
                           "ORDER BY l.version DESC LIMIT 1", (page_id,)).fetchone()
    return r["tool"] if r else "unknown"


def _last_editors(store: Any, page_id: int) -> dict[str, str]:
    """``line id -> the person who last edited or verified it`` (lines nobody touched are absent)."""
    return {line_id: st.agent for line_id, st in store.line_states(page_id).items()
            if st.state in ("edited", "verified") and st.agent}


def _stratum(keys: list[str], values: dict[str, str]) -> str:
    return "/".join(values[k] for k in keys) or "all"


def population(store: Any, items: list[Item], q: QualityTarget) -> list[PopUnit]:
    """Every unit in scope with its stratum, in a stable order."""
    units: dict[str, PopUnit] = {}
    for item in items:
        for page in store.pages(item.id):
            layout = store.load_layout(page.id)
            if layout is None:
                continue
            engine, editors = _page_engine(store, page.id), _last_editors(store, page.id)
            lines = [PopLine(page.id, ln.id, ln.text, ln.confidence) for ln in layout.lines()]
            for ln in lines:
                key = f"p{page.id}" if q.unit == "page" else f"p{page.id}:{ln.line_id}"
                if key not in units:
                    conf = _unit_confidence(lines) if q.unit == "page" else ln.confidence
                    person = _page_person(editors) if q.unit == "page" else editors.get(ln.line_id, "engine")
                    values = {"item": item.identifier, "engine": engine, "person": person,
                              "confidence": confidence_band(conf), "page_type": page.label.strip() or "page"}
                    units[key] = PopUnit(key, item.id, _stratum(q.strata, values))
                units[key].lines.append(ln)
    return list(units.values())


def _unit_confidence(lines: list[PopLine]) -> float | None:
    confs = [ln.confidence for ln in lines if ln.confidence is not None]
    return sum(confs) / len(confs) if confs else None


def _page_person(editors: dict[str, str]) -> str:
    people = [p for p in editors.values() if p != "engine"]
    return max(sorted(set(people)), key=people.count) if people else "engine"


def planned_units(units: list[PopUnit], q: QualityTarget, size: str) -> tuple[int, int | None]:
    """``(total units, characters needed or None)`` for ``--size auto`` or ``--size K``."""
    if size != "auto":
        try:
            k = int(size)
        except ValueError:
            raise DigitizerError(f"--size {size!r}: give 'auto' or a whole number of units") from None
        if k < 1:
            raise DigitizerError(f"--size {size!r}: must be at least 1")
        return k, None
    need = required_chars(q.target, q.confidence, expected_error=q.expected_error, power=q.power,
                          design_effect=q.design_effect)
    mean = sum(u.chars for u in units) / len(units)
    return math.ceil(need / max(mean, 1.0)), need


def draw(store: Any, *, seed: int, size: str = "auto", item: Item | None = None) -> SampleResult:
    """Draw a stratified sample into the QA queue; recorded as a ``qa-sample`` event."""
    items = [item] if item is not None else store.items(with_pages=False)
    q = target_for(store, item if item is not None else (items[0] if len(items) == 1 else None))
    units = population(store, items, q)
    if not units:
        raise DigitizerError(f"{store.root}: nothing to sample (no page has recognised text yet)",
                             hint="run 'digitizer process' first")
    strata: dict[str, list[PopUnit]] = {}
    for u in units:
        strata.setdefault(u.stratum, []).append(u)
    pop = {h: len(us) for h, us in sorted(strata.items())}
    total, need = planned_units(units, q, size)
    alloc = allocate(pop, total, min(q.min_per_stratum, total))
    rng = random.Random(seed)
    chosen = [u for h in sorted(strata) for u in rng.sample(sorted(strata[h], key=_order), alloc[h])]
    rng.shuffle(chosen)
    return _store_sample(store, q, seed, size, item, pop, alloc, chosen, need)


def _order(u: PopUnit) -> tuple[int, str]:
    return (u.lines[0].page_id, u.key)


def _store_sample(store: Any, q: QualityTarget, seed: int, size: str, item: Item | None, pop: dict[str, int],
                  alloc: dict[str, int], chosen: list[PopUnit], need: int | None) -> SampleResult:
    params = {"seed": seed, "size": size, "unit": q.unit, "strata": q.strata, "population": pop,
              "allocation": alloc, "units": len(chosen), "needed_chars": need, "target": q.target,
              "confidence": q.confidence, "scope": item.identifier if item else "project"}
    with store.transaction() as c:
        eid = store.record(ProcessingStep(action="qa-sample", tool="digitizer.qa", tool_version=__version__,
                                          parameters=params), item_id=item.id if item else None)
        cur = c.execute("INSERT INTO qa_samples(at, agent, seed, size_rule, unit, strata, item_id, population,"
                        " settings, event_id) VALUES (?,?,?,?,?,?,?,?,?,?)",
                        (utcnow(), store.agent, seed, size, q.unit, json.dumps(q.strata), item.id if item else None,
                         json.dumps(pop), json.dumps(q.settings()), eid))
        sid = int(cur.lastrowid)
        n_lines = 0
        for pos, u in enumerate(chosen):
            for ln in u.lines:
                c.execute("INSERT INTO qa_units(sample_id, stratum, unit_key, item_id, page_id, line_id, position,"
                          " hyp, confidence) VALUES (?,?,?,?,?,?,?,?,?)",
                          (sid, u.stratum, u.key, u.item_id, ln.page_id, ln.line_id, pos, ln.text, ln.confidence))
                n_lines += 1
    return SampleResult(sid, seed, size, len(chosen), n_lines, pop, alloc, need)
