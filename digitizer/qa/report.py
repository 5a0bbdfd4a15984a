"""``digitizer qa report``: estimates with intervals per stratum, per item, per guidelines version and
overall; errors by type and top confusions; pass / fail / undecided against the target; gold accuracy
per person; double-keying agreement; calibration of engine confidence.  JSON and HTML (inline SVG)."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from ..model import Item
from .stats import Estimate, UnitResult, estimate
from .targets import QualityTarget, target_for

InDomain = Callable[[Any], bool]     # a qa_units row -> inside the domain?


@dataclass
class Group:
    kind: str                 # overall | stratum | item | guidelines
    name: str
    target: float
    estimate: Estimate
    decision: str
    sampled: int              # units drawn in this group
    checked: int              # units fully checked


@dataclass
class SampleData:
    sample_id: int
    seed: int
    unit: str
    population: dict[str, int]
    settings: dict[str, Any]
    rows: list[Any]


@dataclass
class Report:
    project: str
    sample: dict[str, Any] | None
    target: dict[str, Any]
    groups: list[Group] = field(default_factory=list)
    errors_by_type: dict[str, int] = field(default_factory=dict)
    confusions: list[tuple[str, str, int]] = field(default_factory=list)
    gold: dict[str, Any] = field(default_factory=dict)
    agreement: dict[str, Any] = field(default_factory=dict)
    calibration: dict[str, Any] = field(default_factory=dict)
    items: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, indent=2, default=str)


def latest_sample(store: Any, item: Item | None = None) -> SampleData | None:
    """The newest sample covering ``item`` (an item sample or a project sample), or the newest at all."""
    sql, args = "SELECT * FROM qa_samples", []
    if item is not None:
        sql += " WHERE item_id = ? OR (item_id IS NULL AND id IN (SELECT sample_id FROM qa_units WHERE item_id = ?))"
        args = [item.id, item.id]
    r = store.conn.execute(sql + " ORDER BY id DESC LIMIT 1", args).fetchone()
    if r is None:
        return None
    rows = store.conn.execute("SELECT * FROM qa_units WHERE sample_id = ? AND kind = 'sample' ORDER BY id",
                              (r["id"],)).fetchall()
    return SampleData(r["id"], r["seed"], r["unit"], json.loads(r["population"]), json.loads(r["settings"]), rows)


def _units(rows: list[Any], in_domain: InDomain) -> tuple[list[UnitResult], int]:
    """Checked units (all their lines checked) as UnitResults, and the number of units drawn."""
    by_key: dict[str, list[Any]] = {}
    for r in rows:
        by_key.setdefault(r["unit_key"], []).append(r)
    out = []
    drawn = 0
    for rs in by_key.values():
        inside = in_domain(rs[0])
        drawn += inside
        if all(r["status"] == "checked" for r in rs):
            out.append(UnitResult(rs[0]["stratum"], sum(r["chars"] for r in rs), sum(r["errors"] for r in rs),
                                  inside))
    return out, drawn


def group(sample: SampleData, q: QualityTarget, kind: str, name: str, in_domain: InDomain) -> Group:
    units, drawn = _units(sample.rows, in_domain)
    est = estimate(units, sample.population, confidence=q.confidence, planning_deff=q.design_effect)
    checked = sum(1 for u in units if u.in_domain)
    return Group(kind, name, q.target, est, est.decision(q.target), drawn, checked)


def where(**match: Any) -> InDomain:
    """A domain of the rows whose columns have the given values (no values: every row)."""
    def inside(row: Any) -> bool:
        return all(row[k] == v for k, v in match.items())
    return inside


def _keyed_under(keyed: dict[tuple[int, str], int | None], version: int | None) -> InDomain:
    def inside(row: Any) -> bool:
        return keyed.get((row["page_id"], row["line_id"])) == version
    return inside


def sample_groups(store: Any, sample: SampleData, q: QualityTarget) -> list[Group]:
    from .guidelines import line_versions_keyed

    out = [group(sample, q, "overall", "all", where())]
    for h in sorted(sample.population):
        out.append(group(sample, q, "stratum", h, where(stratum=h)))
    items = {r["item_id"] for r in sample.rows}
    if len(items) > 1:
        for item_id in sorted(items):
            ident = store.get_item(item_id).identifier
            out.append(group(sample, q, "item", ident, where(item_id=item_id)))
    keyed = line_versions_keyed(store)
    versions = {keyed.get((r["page_id"], r["line_id"])) for r in sample.rows}
    if versions != {None}:
        for v in sorted(versions, key=lambda x: -1 if x is None else x):
            out.append(group(sample, q, "guidelines", "none" if v is None else f"v{v}",
                             _keyed_under(keyed, v)))
    return out


def errors_and_confusions(rows: list[Any], top: int = 15) -> tuple[dict[str, int], list[tuple[str, str, int]]]:
    checked = [r for r in rows if r["status"] == "checked"]
    types = {"substitution": sum(r["subs"] for r in checked), "insertion": sum(r["ins"] for r in checked),
             "deletion": sum(r["dels"] for r in checked)}
    pairs = Counter(tuple(p) for r in checked for p in json.loads(r["confusions"] or "[]"))
    return types, [(a, b, n) for (a, b), n in pairs.most_common(top)]


def build_report(store: Any) -> Report:
    from .calibration import calibration
    from .gate import release_state
    from .gold import gold_accuracy
    from .keying import agreement

    sample = latest_sample(store)
    q = target_for(store, None)
    if sample is not None:
        q = _sample_target(sample, q)
    rep = Report(project=store.info().name, target=q.settings(), sample=None if sample is None else {
        "id": sample.sample_id, "seed": sample.seed, "unit": sample.unit, "population": sample.population})
    if sample is not None:
        rep.groups = sample_groups(store, sample, q)
        rep.errors_by_type, rep.confusions = errors_and_confusions(sample.rows)
    rep.gold = gold_accuracy(store)
    rep.agreement = agreement(store)
    rep.calibration = calibration(store)
    rep.items = [asdict(release_state(store, it)) for it in store.items(with_pages=False)]
    return rep


def _sample_target(sample: SampleData, q: QualityTarget) -> QualityTarget:
    from .targets import parse_quality

    if q.declared:
        return q
    t = parse_quality(sample.settings, "sample settings")
    t.declared, t.source = q.declared, q.source
    return t
