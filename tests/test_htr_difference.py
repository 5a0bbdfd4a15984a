"""Two models on the same held-back lines: is the difference more than chance?

``paired_difference`` is the difference of two CERs on one set of lines with an interval that
treats the lines as the sample (errors cluster in lines).  Checked here on a case worked by hand,
on the edge cases, and by simulation: drawn from a known population of lines, its 95 % interval
must cover the population's true difference about 95 % of the time.
"""

from __future__ import annotations

import random

import pytest

from digitizer.htr import evaluate, overview
from digitizer.htr.evaluate import paired_difference


def test_a_case_worked_by_hand():
    # (reference chars, errors of A, errors of B): 40 chars, A 8 errors, B 5 errors
    d = paired_difference([(10, 2, 1), (10, 4, 2), (20, 2, 2)])
    assert (d.cer_a, d.cer_b, d.diff, d.units, d.chars) == (0.2, 0.125, -0.075, 3, 40)
    # z = d_i - D c_i = -0.25, -1.25, 1.5; v = 3/2 * 3.875 / 40^2; t(0.975, 2 df) = 4.3027
    half = 4.302652729911275 * (1.5 * 3.875 / 1600) ** 0.5
    assert d.low == pytest.approx(-0.075 - half) and d.high == pytest.approx(-0.075 + half)
    assert d.verdict == "no clear difference"           # three lines cannot tell
    assert d.to_dict()["verdict"] == "no clear difference"


def test_edge_cases():
    same = paired_difference([(12, 3, 3), (8, 0, 0), (30, 5, 5)])
    assert (same.diff, same.low, same.high, same.verdict) == (0, 0, 0, "same")
    one = paired_difference([(10, 4, 1)])
    assert one.diff == pytest.approx(-0.3) and one.low is None and one.high is None
    assert one.verdict == "no clear difference"
    none = paired_difference([])
    assert (none.units, none.chars, none.diff, none.verdict) == (0, 0, 0, "no clear difference")
    # a consistent gain on many lines is "better", the same loss "worse"
    gain = [(40, 8 + i % 3, 2 + i % 2) for i in range(30)]
    assert paired_difference(gain).verdict == "better"
    assert paired_difference([(c, b, a) for c, a, b in gain]).verdict == "worse"
    assert paired_difference(gain, confidence=0.99).high < 0


def _population(rng: random.Random, n: int) -> list[tuple[int, int, int]]:
    """Lines of 5-80 characters; each line has its own difficulty (errors cluster in lines), model B
    makes fewer errors on most lines and more on some."""
    out = []
    for _ in range(n):
        c = rng.randint(5, 80)
        p = min(0.9, rng.betavariate(1.2, 4.0))          # this line's error rate for A
        a = sum(rng.random() < p for _ in range(c))
        q = min(0.9, max(0.0, p * rng.choice((0.6, 0.8, 1.0, 1.3))))
        b = sum(rng.random() < q for _ in range(c))
        out.append((c, a, b))
    return out


def test_the_interval_covers_the_true_difference_about_95_percent_of_the_time():
    rng = random.Random(20261202)
    pop = _population(rng, 5000)
    x = sum(c for c, _, _ in pop)
    truth = (sum(b for _, _, b in pop) - sum(a for _, a, _ in pop)) / x
    assert -0.06 < truth < -0.01                           # B is a little better on the population
    for n in (15, 60):                                     # two held-back pages; a few more
        covered = 0
        runs = 400
        for _ in range(runs):
            d = paired_difference([rng.choice(pop) for _ in range(n)])
            covered += d.low <= truth <= d.high
        assert 0.92 <= covered / runs <= 0.98, (n, covered / runs)


def test_the_words_the_cli_and_the_gui_show():
    d = paired_difference([(40, 8 + i % 3, 2 + i % 2) for i in range(30)])
    ev = {"cer_before": d.cer_a, "cer_after": d.cer_b, "lines": 30, "difference": d.to_dict()}
    text = overview.difference_text(ev)
    assert text.startswith(f"{d.diff * 100:+.2f} points (95% interval {d.low * 100:+.2f} to {d.high * 100:+.2f}, 30 lines)")
    assert text.endswith("the new model is better")
    # one wording everywhere: the sidecar's dict reads back as the same Difference
    assert evaluate.Difference.from_dict(d.to_dict()) == d
    assert text == d.describe(verdicts=overview.VERDICT_WORDS) and d.describe().endswith("lines): better")
    assert d.describe("page", per_unit=True).startswith(f"{d.diff * 100:+.2f} points per page (95% interval")
    assert overview.difference_text({"cer_before": 0.2, "cer_after": 0.1, "lines": 12}) == ""   # older sidecars
    one = {"difference": paired_difference([(10, 4, 1)]).to_dict()}
    assert overview.difference_text(one) == "-30.00 points (too few lines for an interval): " \
                                            "no clear difference (could be chance)"


def test_models_list_says_better_worse_or_unclear_beside_the_two_cers():
    import json

    from digitizer.htr import registry

    d = paired_difference([(40, 8 + i % 3, 2 + i % 2) for i in range(30)])
    src = registry.get("poilus-fr-v1")
    info = registry.ModelInfo.from_dict({**json.loads(src.to_json()), "name": "poilus-r2", "evaluations": [
        {"set": "project p held-back pages ['a/1', 'a/2']", "cer_before": round(d.cer_a, 5),
         "cer_after": round(d.cer_b, 5), "base_model": "poilus-fr-v1", "lines": 30, "pages": 2,
         "difference": d.to_dict()}]})
    assert overview.held_back_text(info) == f"{d.cer_a:.2%} -> {d.cer_b:.2%} (30) better"
