"""Econometric sensitivity analyses, checked against direct computations."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.models.builders import PanelDesign
from analysis.models.sensitivity import lagged_long, sensitivity_table


@pytest.fixture(scope="module")
def balanced() -> tuple[pd.DataFrame, PanelDesign]:
    rng = np.random.default_rng(4)
    n, T = 400, 5
    a = rng.standard_normal((n, 2))
    x = np.zeros((n, T))
    y = np.zeros((n, T))
    x[:, 0], y[:, 0] = rng.standard_normal(n), rng.standard_normal(n)
    for t in range(1, T):
        x[:, t] = 0.3 * x[:, t - 1] + 0.1 * y[:, t - 1] + a[:, 0] + rng.standard_normal(n)
        y[:, t] = 0.3 * y[:, t - 1] + 0.2 * x[:, t - 1] + a[:, 1] + rng.standard_normal(n)
    cols = {f"x_{t}": x[:, t] for t in range(T)} | {f"y_{t}": y[:, t] for t in range(T)}
    design = PanelDesign(x=tuple(f"x_{t}" for t in range(T)), y=tuple(f"y_{t}" for t in range(T)))
    return pd.DataFrame(cols), design


def two_way_within_ols(long: pd.DataFrame, outcome: str, regressors: list[str]) -> np.ndarray:
    """OLS after removing person and wave means (exact two-way fixed effects for balanced data)."""
    def demean(col: str) -> np.ndarray:
        v = long[col]
        return (v - long.groupby("pid")[col].transform("mean") - long.groupby("t")[col].transform("mean") + v.mean()).to_numpy()

    X = np.column_stack([demean(c) for c in regressors])
    return np.linalg.lstsq(X, demean(outcome), rcond=None)[0]


def test_fixed_effects_equal_two_way_within_estimator(balanced):
    wide, design = balanced
    table = sensitivity_table(wide, design, x="x", y="y", waves=[str(t) for t in range(5)])
    long = lagged_long(wide, design)
    b_xy = two_way_within_ols(long, "y", ["y_lag", "x_lag"])[1]
    b_yx = two_way_within_ols(long, "x", ["x_lag", "y_lag"])[1]
    fe = table[table.method.str.startswith("Fixed effects")].set_index("path")
    assert fe.loc["x_to_y", "est"] == pytest.approx(b_xy, abs=1e-10)
    assert fe.loc["y_to_x", "est"] == pytest.approx(b_yx, abs=1e-10)
    assert "Nickell" in fe.loc["x_to_y", "note"]


def test_table_has_every_method_and_both_directions(balanced):
    wide, design = balanced
    table = sensitivity_table(wide, design, x="x", y="y", waves=[str(t) for t in range(5)])
    assert len(table) == 6
    assert set(table.path) == {"x_to_y", "y_to_x"}
    assert table.est.notna().all() and (table.se > 0).all()
    assert set(table["from"]) == {"x", "y"}


def test_random_intercept_gls_equals_quasi_demeaned_ols(balanced):
    from analysis.models.sensitivity import random_intercept

    wide, design = balanced
    long = lagged_long(wide, design)
    res = random_intercept(long, "y", "y_lag", "x_lag")
    vd = res.variance_decomposition
    T = long.groupby("pid").size().iloc[0]
    theta = 1 - np.sqrt(vd["Residual"] / (vd["Residual"] + T * vd["Effects"]))
    X = np.column_stack([long["y_lag"], long["x_lag"], *(long["t"] == t for t in sorted(long["t"].unique())[1:]),
                         np.ones(len(long))]).astype(float)
    y = long["y"].to_numpy(float)
    groups = long["pid"].to_numpy()

    def quasi_demean(a):
        means = pd.DataFrame(a).groupby(groups).transform("mean").to_numpy()
        return a - theta * (means if a.ndim > 1 else means.ravel())

    beta = np.linalg.lstsq(quasi_demean(X), quasi_demean(y), rcond=None)[0]
    assert res.params["x_lag"] == pytest.approx(beta[1], abs=1e-8)


# -- survey design (issue 14) ---------------------------------------------------

from analysis.models.survey_design import Design  # noqa: E402


@pytest.fixture(scope="module")
def surveyed(balanced) -> pd.DataFrame:
    wide, _ = balanced
    rng = np.random.default_rng(11)
    n = len(wide)
    strata = np.repeat(np.arange(4), n // 4)
    psu = np.tile(np.arange(10), n // 10)  # numbered within strata, as in many surveys
    # Unequal weights related to the outcomes, so weighting changes the answers.
    w = np.exp(0.6 * np.tanh(wide["y_0"].to_numpy()) + 0.3 * rng.standard_normal(n))
    return wide.assign(w_equal=2.5, w=w, psu=psu, strata=strata)


def _methods(table: pd.DataFrame) -> pd.DataFrame:
    return table[table.method != "SEM (as fitted)"].set_index(["method", "path"])


def test_equal_weights_give_the_unweighted_estimates(balanced, surveyed):
    _, design = balanced
    plain = _methods(sensitivity_table(surveyed, design, x="x", y="y", waves=list("01234")))
    equal = _methods(sensitivity_table(surveyed, design, x="x", y="y", waves=list("01234"),
                                       survey=Design(weights="w_equal")))
    np.testing.assert_allclose(equal["est"], plain["est"], rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(equal["se"], plain["se"], rtol=1e-6)
    assert "weighted (w_equal" in equal["note"].iloc[0]
    assert "unweighted" in plain["note"].iloc[0]


def test_unequal_weights_change_the_estimates(balanced, surveyed):
    _, design = balanced
    plain = _methods(sensitivity_table(surveyed, design, x="x", y="y", waves=list("01234"), survey="none"))
    weighted = _methods(sensitivity_table(surveyed, design, x="x", y="y", waves=list("01234"),
                                          survey=Design(weights="w")))
    assert (np.abs(weighted["est"] - plain["est"]) > 1e-4).all()


def test_weighted_psu_clustered_fits_are_linearmodels_called_directly(balanced, surveyed):
    from linearmodels.panel import FirstDifferenceOLS, PanelOLS, RandomEffects

    _, design = balanced
    survey = Design(weights="w", cluster="psu", strata="strata")
    table = sensitivity_table(surveyed, design, x="x", y="y", waves=list("01234"), survey=survey)
    long = lagged_long(surveyed, design).set_index(["pid", "t"])
    n_per = len(long) // len(surveyed)
    weights = pd.Series(np.tile(surveyed["w"].to_numpy(), n_per), index=long.index)
    psu = surveyed["strata"].astype(str) + "/" + surveyed["psu"].astype(str)
    clusters = pd.DataFrame({"psu": pd.factorize(np.tile(psu.to_numpy(), n_per))[0]}, index=long.index)
    kw = {"cov_type": "clustered", "clusters": clusters}
    X = long[["y_lag", "x_lag"]]
    fe = PanelOLS(long["y"], X, entity_effects=True, time_effects=True, weights=weights).fit(**kw)
    fd = FirstDifferenceOLS(long["y"], X, weights=weights).fit(**kw)
    waves = pd.get_dummies(long.index.get_level_values("t"), prefix="wave", drop_first=True, dtype=float)
    exog = pd.concat([X, waves.set_index(long.index)], axis=1).assign(const=1.0)
    re = RandomEffects(long["y"], exog, weights=weights).fit(**kw)
    got = table[table.path == "x_to_y"].set_index("method")
    for method, res in (("Fixed effects (person + wave), clustered SEs", fe), ("First differences, clustered SEs", fd),
                        ("Random-intercept model (GLS), clustered SEs", re)):
        assert got.loc[method, "est"] == pytest.approx(res.params["x_lag"], rel=1e-6), method
        assert got.loc[method, "se"] == pytest.approx(res.std_errors["x_lag"], rel=1e-6), method
    # PSU clustering is not person clustering.
    person = PanelOLS(long["y"], X, entity_effects=True, time_effects=True, weights=weights).fit(
        cov_type="clustered", cluster_entity=True)
    assert abs(got.loc["Fixed effects (person + wave), clustered SEs", "se"] - person.std_errors["x_lag"]) > 1e-6
    note = got["note"].iloc[0]
    assert "SEs clustered by PSU (40 PSUs)" in note and "strata not used" in note
    assert table.attrs["design"]["n_psu"] == 40 and table.attrs["design"]["n_strata"] == 4


def test_zero_and_missing_weights_are_dropped_and_counted(balanced, surveyed):
    _, design = balanced
    w = surveyed["w"].to_numpy().copy()
    w[:5], w[5:8] = 0.0, np.nan
    data = surveyed.assign(w=w)
    table = sensitivity_table(data, design, x="x", y="y", waves=list("01234"), survey=Design(weights="w"))
    fe = _methods(table).loc[("Fixed effects (person + wave), clustered SEs", "x_to_y")]
    assert fe["n_obs"] == (len(data) - 8) * 4
    assert "(5 zero, 3 missing)" in fe["note"]


def test_fit_crosslag_passes_its_design_to_the_sensitivity_models(balanced, surveyed):
    import warnings

    from analysis.models.crosslag import fit_crosslag

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = fit_crosslag(surveyed, x="x", y="y", waves=list("01234"), compare=False, sensitivity=True,
                           survey=Design(weights="w", cluster="psu"))
    regs = _methods(res.sensitivity)
    assert regs["note"].str.contains("SEs clustered by PSU").all()
    assert res.sensitivity.attrs["design"]["weight"] == "w"
