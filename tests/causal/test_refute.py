"""Refutations: they pass when they should, and fail when they must."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from analysis.causal import REFUTATIONS, fit_causal
from analysis.causal.refute import placebo_verdict, stability_verdict
from analysis.errors import UsageError

SIMS = 12


@pytest.fixture(scope="module")
def strong(simulate):
    long = simulate(n=1000, waves=3, seed=31)
    return fit_causal(long, exposure="x", outcome="y", n_boot=60, n_simulations=SIMS, seed=1)


@pytest.fixture(scope="module")
def null(simulate):
    long = simulate(n=1000, waves=3, seed=32, b=0.0, a=0.0)
    return fit_causal(long, exposure="x", outcome="y", n_boot=60, n_simulations=SIMS, seed=1,
                      refutations=["placebo_treatment"])


def test_every_check_passes_on_a_real_effect(strong):
    assert [r.name for r in strong.refutations] == list(REFUTATIONS)
    assert all(r.verdict == "pass" for r in strong.refutations), [r.words for r in strong.refutations]
    assert strong.passed


def test_a_placebo_exposure_gives_an_effect_near_zero(strong):
    p = strong.refutation("placebo_treatment").result
    lo, hi = p["placebo_interval"]
    assert lo <= 0 <= hi and p["p_value"] > 0.05
    assert abs(p["placebo_effect"]) <= 3 * p["placebo_sd"] / np.sqrt(SIMS)     # zero within its noise
    assert abs(p["placebo_effect"]) < 0.1 * abs(strong.estimate)
    # ... while the real estimate stands out from every placebo estimate.
    assert p["placebo_as_large_as_estimate"] == 0


def test_without_a_real_effect_the_estimate_does_not_stand_out_from_placebos(null):
    p = null.refutation("placebo_treatment")
    assert null.effect.ci_lower <= 0 <= null.effect.ci_upper
    assert p.result["placebo_as_large_as_estimate"] > 0 and p.result["estimate_vs_placebo_p"] > 0.05
    assert "does not stand out" in p.words
    assert "could be zero" in null.interpretation()


def test_noise_confounders_and_subsets_barely_move_the_estimate(strong):
    for name in ("random_common_cause", "data_subset"):
        r = strong.refutation(name)
        assert r.result["shift_in_se"] < 0.25 and abs(r.new_effect - strong.estimate) < 0.25 * strong.effect.se
        assert r.result["n_simulations"] == SIMS


def test_stability_rule_passes_noise_and_fails_a_real_shift():
    rng = np.random.default_rng(0)
    # Five subset estimates scattered around the full-data estimate: Monte Carlo noise, not instability.
    noisy = stability_verdict(1.0 + 0.5 * 0.1 * rng.normal(size=5), estimate=1.0, se=0.1, tolerance=0.25)
    assert noisy["passed"]
    moved = stability_verdict(1.1 + 0.001 * rng.normal(size=30), estimate=1.0, se=0.1, tolerance=0.25)
    assert not moved["passed"] and moved["shift_in_se"] == pytest.approx(1.0, abs=0.01)


def test_placebo_rule_fails_placebos_that_are_not_centred_on_zero():
    rng = np.random.default_rng(1)
    good = placebo_verdict(0.05 * rng.normal(size=5), estimate=0.4, level=0.95)
    assert good["passed"] and good["placebo_as_large_as_estimate"] == 0
    bad = placebo_verdict(0.3 + 0.05 * rng.normal(size=20), estimate=0.4, level=0.95)
    assert not bad["passed"] and not bad["interval_covers_zero"] and bad["p_value"] < 0.05


def test_sensitivity_to_an_unobserved_confounder_robust_effect(strong):
    r = strong.refutation("unobserved_common_cause").result
    assert 0 < r["robustness_value_ci"] < r["robustness_value"]
    assert r["robustness_value_halve"] < r["robustness_value"]
    assert len(r["grid"]) == 36
    grid = pd.DataFrame(r["grid"])
    # Stronger confounding moves the estimate further towards (and past) zero.
    diag = grid[grid.r2_exposure == grid.r2_outcome].sort_values("r2_exposure")
    assert diag["adjusted_estimate"].is_monotonic_decreasing
    assert diag["adjusted_estimate"].iloc[0] < strong.estimate
    lag = next(b for b in r["benchmarks"] if b["variable"] == "y_lag")
    assert lag["bounded"] and 0 < lag["r2_outcome"] < 1


def test_sensitivity_to_an_unobserved_confounder_fails_for_a_fragile_effect(simulate):
    long = simulate(n=500, waves=3, seed=34, b=0.02, a=0.0)
    res = fit_causal(long, exposure="x", outcome="y", n_boot=40, seed=1, refutations=["unobserved_common_cause"])
    r = res.refutation("unobserved_common_cause")
    assert r.verdict == "fail", r.words
    assert r.result["robustness_value_ci"] < 0.01 and "fragile" in r.words
    assert not res.passed and "Checks not passed" in res.interpretation()


def test_sensitivity_bound_flags_a_real_unmeasured_confounder():
    """No effect of x on y, but an unmeasured u drives both: the bound says a confounder as strong as u explains it."""
    rng = np.random.default_rng(35)
    n = 3000
    u = rng.normal(size=n)
    age = rng.integers(20, 80, n).astype(float)
    x0 = 0.6 * u + 0.01 * age + rng.normal(size=n)
    y0 = rng.normal(size=n)
    y1 = 0.0 * x0 + 0.6 * u + 0.4 * y0 + rng.normal(size=n)
    long = pd.DataFrame({"id": np.repeat(np.arange(n), 2), "wave": np.tile(["a", "b"], n),
                         "x": np.column_stack([x0, np.zeros(n)]).ravel(), "y": np.column_stack([y0, y1]).ravel(),
                         "age": np.repeat(age, 2)})
    res = fit_causal(long, exposure="x", outcome="y", confounders=["age"], n_boot=40, seed=1,
                     refutations=["unobserved_common_cause"])
    assert res.effect.ci_lower > 0                      # a spurious "effect" ...
    r = res.refutation("unobserved_common_cause").result
    w = np.column_stack([np.ones(n), age, y0])

    def partial_r2(a, b, given):
        return np.corrcoef(sm.OLS(a, given).fit().resid, sm.OLS(b, given).fit().resid)[0, 1] ** 2

    r2_t = partial_r2(x0, u, w)                             # u with the exposure, given what is held fixed
    r2_y = partial_r2(y1, u, np.column_stack([w, x0]))      # u with the outcome, given also the exposure
    # Told how strong u is, the bound gives exactly the estimate that adjusting for u would give.
    bias = r["regression_se"] * np.sqrt(r["degrees_of_freedom"]) * np.sqrt(r2_y * r2_t / (1 - r2_t))
    with_u = sm.OLS(y1, np.column_stack([w, x0, u])).fit()
    assert res.estimate - bias == pytest.approx(with_u.params[3], abs=1e-6)
    assert abs(with_u.params[3]) < 2 * with_u.bse[3]        # ... which is the truth, zero
    # And a confounder that strong is beyond what the check says the estimate can bear.
    assert r["robustness_value"] < max(r2_t, r2_y)


def test_binary_exposure_checks(simulate):
    long = simulate(n=1000, waves=3, seed=36, a=0.0, cut=0.5, tau=0.6)
    res = fit_causal(long, exposure="x", outcome="y", binary_threshold=0.5, n_boot=40, n_simulations=8, seed=2)
    placebo = res.refutation("placebo_treatment").result
    assert placebo["interval_covers_zero"] and placebo["placebo_as_large_as_estimate"] == 0
    ucc = res.refutation("unobserved_common_cause")
    assert "regression estimate of the same contrast" in ucc.words
    assert ucc.result["regression_estimate"] != pytest.approx(res.estimate, abs=1e-12)


def test_same_seed_same_checks(simulate):
    long = simulate(n=300, waves=3, seed=37)
    kw = {"exposure": "x", "outcome": "y", "n_boot": 20, "n_simulations": 3,
          "refutations": ["placebo_treatment", "data_subset"]}
    a, b = fit_causal(long, seed=9, **kw), fit_causal(long, seed=9, **kw)
    assert a.to_dict()["refutations"] == b.to_dict()["refutations"]
    c = fit_causal(long, seed=10, **kw)
    assert c.refutation("placebo_treatment").new_effect != a.refutation("placebo_treatment").new_effect


def test_unknown_refutation_is_a_usage_error(simulate):
    with pytest.raises(UsageError, match="unknown refutation"):
        fit_causal(simulate(n=50, seed=38), exposure="x", outcome="y", refutations=["bootstrap"])


def test_a_confounder_as_strong_as_a_measured_one_that_overturns_the_estimate_is_no_pass():
    from analysis.causal.refute import Refutation, _overturned

    # The case: estimate 0.317, a confounder as strong as earlier distress would move it to -0.744.
    reversed_ = {"adjusted_estimate": -0.744, "adjusted_ci_lower": -0.772, "adjusted_ci_upper": -0.716}
    assert _overturned(0.317, reversed_)
    assert _overturned(0.317, {"adjusted_estimate": 0.05, "adjusted_ci_lower": -0.01, "adjusted_ci_upper": 0.11})
    assert not _overturned(0.317, {"adjusted_estimate": 0.25, "adjusted_ci_lower": 0.2, "adjusted_ci_upper": 0.3})
    caution = Refutation(name="unobserved_common_cause", title="Unobserved common cause (sensitivity)", method="",
                         estimate=0.317, new_effect=-0.744, passed=False, result={"caution": True})
    assert caution.verdict == "caution" and caution.to_dict()["verdict"] == "caution"
    assert Refutation(name="x", title="x", method="", estimate=1, new_effect=1, passed=False).verdict == "fail"
