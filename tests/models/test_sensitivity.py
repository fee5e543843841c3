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
