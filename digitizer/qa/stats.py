"""Estimates you can defend: stratified ratio estimator of character accuracy with a cluster-robust interval.

The sampling unit (a line or a page) is a *cluster* of characters.  Errors cluster (a bad line or a
bad page carries many), so characters are not independent trials; the units are.  For a stratified
simple random sample of units (``N_h`` units in stratum ``h``, ``n_h`` of them checked, unit ``i``
with ``c_i`` reference characters and ``e_i`` character errors) the error rate of a domain (the
whole collection, one stratum, one item, ...; ``d_i`` = 1 inside the domain) is the ratio

    R = Y / X,   Y = sum_h N_h/n_h sum_i d_i e_i,   X = sum_h N_h/n_h sum_i d_i c_i

with the linearisation (Taylor) variance of a ratio under stratified sampling of clusters

    v(R) = 1/X^2 sum_h N_h^2 (1 - n_h/N_h) s_h^2(z) / n_h,   z_i = d_i (e_i - R c_i).

Because error rates near 0 make a symmetric (Wald) interval undercover, the interval is the
Clopper-Pearson interval on the *effective* number of characters ``n_eff = R (1 - R) / v(R)`` with
``R n_eff`` effective errors (Kish's design effect; Korn & Graubard 1998).  With no error observed the variance is 0 and says nothing about
clustering, so ``n_eff`` falls back to the sampled characters divided by the planning design effect.
Accuracy is ``1 - R``; its interval is ``1 -`` the error-rate interval.  See ``docs/quality.md``.

Pure functions (no store, no I/O) so that the coverage simulation in the tests runs on them directly.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import NormalDist


@dataclass(frozen=True)
class UnitResult:
    """One checked sampling unit: its stratum, characters of the reference and character errors."""

    stratum: str
    chars: int
    errors: int
    in_domain: bool = True


@dataclass(frozen=True)
class Estimate:
    """Estimated character accuracy of a domain with its confidence interval."""

    accuracy: float | None
    low: float | None
    high: float | None
    units: int                  # checked units in the domain
    chars: int                  # reference characters checked in the domain
    errors: int                 # character errors found in the domain
    n_eff: float | None         # effective number of independent characters
    design_effect: float | None
    confidence: float

    def decision(self, target: float) -> str:
        """``pass`` (lower bound reaches the target), ``fail`` (upper bound below it) or ``undecided``."""
        if self.low is None or self.high is None:
            return "undecided"
        if self.low >= target:
            return "pass"
        if self.high < target:
            return "fail"
        return "undecided"


def z_value(confidence: float) -> float:
    """Two-sided normal quantile for ``confidence`` (0.95 -> 1.96)."""
    return NormalDist().inv_cdf(1 - (1 - confidence) / 2)


def clopper_pearson(p: float, n: float, confidence: float) -> tuple[float, float]:
    """Clopper-Pearson interval for a proportion ``p`` observed on ``n`` (possibly fractional) trials."""
    from scipy.stats import beta    # scipy comes with kraken

    if n <= 0:
        return 0.0, 1.0
    if math.isinf(n):
        return p, p
    alpha, x = 1 - confidence, p * n
    lo = 0.0 if x <= 0 else float(beta.ppf(alpha / 2, x, n - x + 1))
    hi = 1.0 if x >= n else float(beta.ppf(1 - alpha / 2, x + 1, n - x))
    return lo, hi


def _by_stratum(units: Sequence[UnitResult]) -> dict[str, list[UnitResult]]:
    out: dict[str, list[UnitResult]] = {}
    for u in units:
        out.setdefault(u.stratum, []).append(u)
    return out


def _ratio(groups: dict[str, list[UnitResult]], population: dict[str, int]) -> tuple[float, float]:
    """Weighted totals ``(Y, X)`` of errors and characters inside the domain."""
    y = x = 0.0
    for h, us in groups.items():
        w = max(population.get(h, len(us)), len(us)) / len(us)
        y += w * sum(u.errors for u in us if u.in_domain)
        x += w * sum(u.chars for u in us if u.in_domain)
    return y, x


def _variance(groups: dict[str, list[UnitResult]], population: dict[str, int], r: float, x: float) -> float:
    total = 0.0
    for h, us in groups.items():
        n = len(us)
        big_n = max(population.get(h, n), n)
        if n < 2 or n == big_n:
            continue
        z = [(u.errors - r * u.chars) if u.in_domain else 0.0 for u in us]
        mean = sum(z) / n
        s2 = sum((v - mean) ** 2 for v in z) / (n - 1)
        total += big_n * big_n * (1 - n / big_n) * s2 / n
    return total / (x * x)


def _census(groups: dict[str, list[UnitResult]], population: dict[str, int]) -> bool:
    """Every stratum holding domain units was checked completely (the estimate is then exact)."""
    return all(len(us) >= population.get(h, len(us)) for h, us in groups.items() if any(u.in_domain for u in us))


def estimate(units: Sequence[UnitResult], population: dict[str, int], *, confidence: float = 0.95,
             planning_deff: float = 2.0) -> Estimate:
    """Stratified ratio estimate of accuracy over the units marked ``in_domain``.

    ``population`` maps stratum -> number of units in the population (``N_h``); units outside the
    domain still count for the design (their ``z`` is 0), which is what domain estimation needs.
    """
    dom = [u for u in units if u.in_domain]
    chars, errors = sum(u.chars for u in dom), sum(u.errors for u in dom)
    if not dom or chars == 0:
        return Estimate(None, None, None, len(dom), chars, errors, None, None, confidence)
    groups = _by_stratum(units)
    y, x = _ratio(groups, population)
    r = min(y / x, 1.0)
    var = _variance(groups, population, r, x)
    if _census(groups, population):
        n_eff: float = math.inf
    elif var > 0 and 0 < r < 1:
        n_eff = min(r * (1 - r) / var, float(chars))
    else:
        n_eff = chars / max(planning_deff, 1.0)
    lo, hi = clopper_pearson(r, n_eff, confidence)
    deff = None if math.isinf(n_eff) else chars / n_eff
    return Estimate(accuracy=1 - r, low=1 - hi, high=1 - lo, units=len(dom), chars=chars, errors=errors,
                    n_eff=None if math.isinf(n_eff) else n_eff, design_effect=deff, confidence=confidence)


def required_chars(target: float, confidence: float, *, expected_error: float | None = None,
                   power: float = 0.8, design_effect: float = 2.0) -> int:
    """Characters to check so that a collection whose true error rate is ``expected_error`` (default:
    half of what the target allows) shows an upper bound below ``1 - target`` with probability ``power``.

    ``n = (z_conf + z_power)^2 p (1 - p) / (1 - target - p)^2 * design_effect``.
    """
    allowed = 1 - target
    p = allowed / 2 if expected_error is None else expected_error
    if not 0 <= p < allowed:
        raise ValueError(f"expected error {p} must be below the allowed error {allowed:g}")
    z = z_value(confidence) + NormalDist().inv_cdf(power)
    return math.ceil(z * z * max(p * (1 - p), 1e-12) / (allowed - p) ** 2 * max(design_effect, 1.0))


def allocate(population: dict[str, int], total_units: int, minimum: int) -> dict[str, int]:
    """Proportional allocation of ``total_units`` over strata, at least ``minimum`` each, at most ``N_h``."""
    big_n = sum(population.values())
    out = {}
    for h, n_h in population.items():
        share = math.ceil(total_units * n_h / big_n) if big_n else 0
        out[h] = min(n_h, max(share, minimum))
    return out
