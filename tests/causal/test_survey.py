"""The causal analysis under a survey design: weighted estimators, PSU bootstrap, refutations on the same design.

References: statsmodels' WLS and weighted GLM (the estimators), DoWhy's own
estimates and sensitivity analysis (equal weights must reproduce them), and a
known-truth panel whose selection over-samples people with a larger effect.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from analysis.causal import fit_causal
from analysis.causal.numeric import Logit, ipw_effect, ols_coefficient
from analysis.errors import UsageError
from analysis.models.survey_design import Design

FAST = {"n_boot": 30, "n_simulations": 4}
DESIGN = Design(weights="w", cluster="psu", strata="stratum")


def _with_design(long: pd.DataFrame, *, seed: int = 0, equal: bool = False) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    ids = long["id"].unique()
    out = long.copy()
    out["w"] = out["id"].map(dict(zip(ids, np.ones(len(ids)) if equal else rng.uniform(0.3, 3.0, len(ids)))))
    psu = dict(zip(ids, rng.integers(0, 40, len(ids))))
    out["psu"] = out["id"].map(psu)
    out["stratum"] = out["psu"] // 4
    return out


def test_weighted_least_squares_coefficient_matches_statsmodels_wls():
    rng = np.random.default_rng(1)
    n = 400
    W = rng.normal(size=(n, 3))
    t = W @ [0.3, -0.2, 0.1] + rng.normal(size=n)
    y = 0.5 * t + W @ [1.0, 0.5, -0.3] + rng.normal(size=n)
    sw = rng.uniform(0.2, 4.0, n)
    ref = sm.WLS(y, sm.add_constant(np.column_stack([t, W])), weights=sw).fit().params[1]
    assert ols_coefficient(y, t, W, sw) == pytest.approx(ref, abs=1e-10)
    assert ols_coefficient(y, t, W, np.full(n, 2.5)) == pytest.approx(ols_coefficient(y, t, W), abs=1e-12)


def test_weighted_propensity_model_matches_statsmodels_weighted_glm():
    rng = np.random.default_rng(2)
    n = 600
    X = rng.normal(size=(n, 2))
    t = (rng.random(n) < 1 / (1 + np.exp(-(0.4 + X @ [0.8, -0.5])))).astype(float)
    sw = rng.uniform(0.2, 4.0, n)
    ours = Logit().fit(X, t, sample_weight=sw).predict_proba(X)[:, 1]
    ref = sm.GLM(t, sm.add_constant(X), family=sm.families.Binomial(), var_weights=sw).fit().fittedvalues
    np.testing.assert_allclose(ours, ref, atol=1e-8)
    # The weighting estimator: inverse propensities times the sampling weights, normalised.
    y = 1.0 * t + X[:, 0] + rng.normal(size=n)
    ps = np.clip(ref, 0.05, 0.95)
    wt = sw * (t / ps + (1 - t) / (1 - ps))
    expected = np.sum(wt * t * y) / np.sum(wt * t) - np.sum(wt * (1 - t) * y) / np.sum(wt * (1 - t))
    assert ipw_effect(y, t, X, clip=0.05, weights=sw) == pytest.approx(expected, abs=1e-8)


def test_equal_weights_reproduce_dowhy_and_its_sensitivity_analysis(simulate):
    long = _with_design(simulate(n=800, waves=3, seed=5), equal=True)
    plain = fit_causal(long, exposure="x", outcome="y", confounders=["age", "sex"], **FAST)
    weighted = fit_causal(long, exposure="x", outcome="y", confounders=["age", "sex"], survey=DESIGN, **FAST)
    assert weighted.estimate == pytest.approx(plain.estimate, abs=1e-10)
    assert "Method: backdoor.linear_regression (survey-weighted)" in weighted.summary()
    a = plain.refutation("unobserved_common_cause").result
    b = weighted.refutation("unobserved_common_cause").result
    for key in ("robustness_value", "robustness_value_ci", "robustness_value_halve", "regression_se"):
        assert b[key] == pytest.approx(a[key], rel=1e-8), key
    for ra, rb in zip(a["benchmarks"], b["benchmarks"]):
        assert rb["adjusted_estimate"] == pytest.approx(ra["adjusted_estimate"], rel=1e-8)
    # The re-estimating refutations run the same checks (their own draws), on the weighted estimator.
    for name in ("placebo_treatment", "random_common_cause", "data_subset"):
        assert "survey-weighted" in weighted.refutation(name).method
        assert weighted.refutation(name).passed


def test_weighted_estimate_is_weighted_least_squares_on_the_rows_analysed_with_a_psu_bootstrap(simulate):
    long = _with_design(simulate(n=1000, waves=3, seed=6))
    res = fit_causal(long, exposure="x", outcome="y", confounders=["age", "sex"], survey=DESIGN, **FAST)
    # Rebuild the rows: pairs (t-1, t) with each person's weight at the last wave.
    wide = long.pivot(index="id", columns="wave_index", values=["x", "y", "age", "sex", "w"])
    rows = []
    for k in (1, 2):
        rows.append(pd.DataFrame({"x_lag": wide[("x", k - 1)], "y": wide[("y", k)], "y_lag": wide[("y", k - 1)],
                                  "age": wide[("age", k - 1)], "sex": wide[("sex", k - 1)], "w": wide[("w", 2)]}))
    d = pd.concat(rows).dropna()
    X = sm.add_constant(d[["x_lag", "age", "sex", "y_lag"]])
    ref = sm.WLS(d["y"], X, weights=d["w"]).fit().params["x_lag"]
    assert res.estimate == pytest.approx(ref, abs=1e-10)
    out = res.to_dict()
    assert out["bootstrap"]["resampled"] == "PSUs within strata"
    assert out["design"]["weight"] == "w" and out["design"]["n_psu"] == 40 and out["design"]["n_strata"] == 10
    assert out["design"]["exposure"] == "x"  # the causal design's keys stay
    assert any("sampling areas" in n for n in out["sample"]["notes"])


def test_zero_and_missing_weights_are_counted_never_silently_dropped(simulate):
    long = _with_design(simulate(n=600, waves=3, seed=7))
    ids = long["id"].unique()
    long.loc[long["id"].isin(ids[:5]), "w"] = 0.0
    long.loc[long["id"].isin(ids[5:8]), "w"] = np.nan
    res = fit_causal(long, exposure="x", outcome="y", confounders=["age", "sex"], survey=DESIGN, **FAST)
    assert res.survey["zero_weight"] == 5 and res.survey["missing_weight"] == 3
    reasons = dict(res.sample.excluded)
    assert reasons["zero survey weight (w at wave c, e.g. not interviewed then)"] == 10
    assert reasons["missing survey weight (w at wave c)"] == 6
    assert res.sample.n_persons == 600 - 8


def test_weighting_recovers_the_population_effect_where_the_unweighted_estimate_is_biased():
    # Two kinds of people, half the population each: the effect of x on later y is 0.6
    # for one and 0.1 for the other (population average 0.35).  The sample over-draws the
    # first kind 4:1; the weights (inverse selection probabilities) undo it.
    rng = np.random.default_rng(11)
    n_pop = 40000
    kind = rng.integers(0, 2, n_pop)
    chosen = rng.random(n_pop) < np.where(kind == 1, 0.2, 0.05)
    kind = kind[chosen]
    n = kind.size
    b = np.where(kind == 1, 0.6, 0.1)
    x0 = rng.normal(size=n)
    y0 = rng.normal(size=n)
    x1 = 0.4 * x0 + rng.normal(size=n)
    y1 = b * x0 + 0.3 * y0 + rng.normal(size=n)
    long = pd.DataFrame({
        "id": np.repeat(np.arange(n), 2), "wave": np.tile(["a", "b"], n), "wave_index": np.tile([0, 1], n),
        "x": np.column_stack([x0, x1]).ravel(), "y": np.column_stack([y0, y1]).ravel(),
        "w": np.repeat(np.where(kind == 1, 1 / 0.2, 1 / 0.05), 2), "psu": np.repeat(np.arange(n) % 50, 2),
        "stratum": np.repeat(np.arange(n) % 5, 2),
    })
    plain = fit_causal(long, exposure="x", outcome="y", confounders=[], refutations=(), n_boot=100)
    weighted = fit_causal(long, exposure="x", outcome="y", confounders=[], refutations=(), n_boot=100,
                          survey=DESIGN)
    assert abs(plain.estimate - 0.35) > 4 * plain.effect.se  # biased towards 0.5
    assert abs(weighted.estimate - 0.35) < 3 * weighted.effect.se
    assert weighted.effect.ci_lower < 0.35 < weighted.effect.ci_upper


def test_unknown_design_column_and_bad_weight_rule_are_one_sentence(simulate):
    long = simulate(n=300, waves=3, seed=8)
    with pytest.raises(UsageError, match="no survey-design column 'w'"):
        fit_causal(long, exposure="x", outcome="y", survey=DESIGN, **FAST)
    with pytest.raises(UsageError, match="weight_rule"):
        fit_causal(_with_design(long), exposure="x", outcome="y", survey=DESIGN, weight_rule="middle", **FAST)
