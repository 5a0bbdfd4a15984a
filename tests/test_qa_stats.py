"""The QA statistics on their own: interval coverage by simulation, the DFG 500-character check,
sample sizes and allocation (pure functions of digitizer.qa.stats; no store)."""

from __future__ import annotations

import numpy as np
import pytest

from digitizer.qa.stats import UnitResult, allocate, clopper_pearson, estimate, required_chars


def clustered_collection(rng: np.random.Generator, base_error: float, pages: int = 60, lines: int = 30):
    """Two strata (a good and a 3x worse engine) of pages x lines; errors cluster by page (gamma factor)
    and by line (10 % of lines are bad and carry most errors)."""
    out = {}
    for name, err in (("good", base_error), ("worse", 3 * base_error)):
        chars = rng.integers(15, 70, size=(pages, lines))
        page_factor = rng.gamma(1.0, 1.0, pages)
        line_factor = np.where(rng.random((pages, lines)) < 0.1, 6.0, 0.45)
        errors = np.minimum(rng.poisson(chars * err * page_factor[:, None] * line_factor), chars)
        out[name] = (chars.ravel(), errors.ravel())
    return out


def coverage(per_stratum: int, base_error: float, reps: int, seed: int) -> tuple[float, float]:
    """Share of ``reps`` simulated collections whose true accuracy lies in the 95 % interval, and the
    median estimated design effect (how strongly the errors cluster)."""
    rng = np.random.default_rng(seed)
    hits, deffs = 0, []
    for _ in range(reps):
        col = clustered_collection(rng, base_error)
        truth = 1 - sum(int(e.sum()) for _, e in col.values()) / sum(int(c.sum()) for c, _ in col.values())
        units, population = [], {}
        for name, (c, e) in col.items():
            population[name] = len(c)
            idx = rng.choice(len(c), size=per_stratum, replace=False)
            units += [UnitResult(name, int(c[i]), int(e[i])) for i in idx]
        est = estimate(units, population, confidence=0.95)
        hits += est.low <= truth <= est.high
        deffs.append(est.design_effect)
    return hits / reps, float(np.median(deffs))


@pytest.mark.parametrize("per_stratum", [150, 300])
def test_interval_coverage_on_clustered_errors(per_stratum):
    # collections near a 99.5 % target (true accuracy about 99.6 %), errors clearly clustered;
    # a fixed number of replications with a fixed seed (Monte Carlo standard error about 0.7 points)
    cov, deff = coverage(per_stratum, base_error=0.002, reps=1000, seed=20261201)
    assert deff > 1.5, "the simulated errors must be clustered (design effect well above 1)"
    assert abs(cov - 0.95) <= 0.02, f"coverage {cov:.3f} with {per_stratum} lines per stratum"


def test_naive_binomial_interval_undercovers_the_same_collections():
    """Treating every character as an independent trial (what a 500-character check does) is too narrow."""
    rng = np.random.default_rng(7)
    hits = 0
    for _ in range(400):
        col = clustered_collection(rng, 0.002)
        truth = 1 - sum(int(e.sum()) for _, e in col.values()) / sum(int(c.sum()) for c, _ in col.values())
        c_all, e_all = 0, 0
        for c, e in col.values():
            idx = rng.choice(len(c), size=150, replace=False)
            c_all, e_all = c_all + int(c[idx].sum()), e_all + int(e[idx].sum())
        lo, hi = clopper_pearson(e_all / c_all, c_all, 0.95)
        hits += 1 - hi <= truth <= 1 - lo
    assert hits / 400 < 0.90


def test_dfg_500_characters_cannot_confirm_995():
    # 500 characters, none wrong: the best a 500-character check can see
    low = 1 - clopper_pearson(0.0, 500, 0.95)[1]
    assert 0.992 < low < 0.995          # 99.26 %: the claim "99.5 %" stays unconfirmed
    # one wrong character out of 500 cannot even confirm 99 %
    assert 1 - clopper_pearson(1 / 500, 500, 0.95)[1] < 0.99
    # 736 of 736 correct is the least that confirms 99.5 % at a one-sided 2.5 % error probability
    assert 1 - clopper_pearson(0.0, 736, 0.95)[1] >= 0.995 > 1 - clopper_pearson(0.0, 735, 0.95)[1]


def test_required_chars_and_allocation():
    n = required_chars(0.995, 0.95, design_effect=1.0)   # (1.96 + 0.84)^2 * 0.0025 * 0.9975 / 0.0025^2
    assert n == 3132
    assert required_chars(0.995, 0.95, design_effect=2.0) == 6264
    assert required_chars(0.99, 0.95, design_effect=2.0) == 3124     # a looser target needs fewer
    with pytest.raises(ValueError):
        required_chars(0.995, 0.95, expected_error=0.006)
    assert allocate({"a": 900, "b": 90, "c": 5}, 100, 10) == {"a": 91, "b": 10, "c": 5}


def test_census_and_domain():
    units = [UnitResult("a", 10, 1), UnitResult("a", 10, 0), UnitResult("b", 20, 0, in_domain=False)]
    est = estimate(units, {"a": 2, "b": 5})
    assert est.accuracy == pytest.approx(0.95) and est.low == est.high == pytest.approx(0.95)  # census of "a"
    assert est.units == 2 and est.chars == 20 and est.errors == 1
    none = estimate([UnitResult("a", 0, 0)], {"a": 3})
    assert none.accuracy is None and none.decision(0.9) == "undecided"
