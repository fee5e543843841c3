"""Work shared between fits: one data summary for every variable order, warm starts, starts from another fit.

None of it may change a result: the same patterns and moments in another order, and the same
optimum from a better start.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.models.builders import Groups, PanelDesign, build_syntax
from analysis.models.sem import SEM
from analysis.models.sem.data import _prepare_data, prepare_data
from analysis.models.sem.reorder import origin
from analysis.models.sem.saturated import saturated

WAVES = range(1, 5)
X, Y = tuple(f"x{t}" for t in WAVES), tuple(f"y{t}" for t in WAVES)
#: The project's RI-CLPM (lags equal over waves) of x and y at four waves.
RICLPM = build_syntax("riclpm", PanelDesign(x=X, y=Y), lags="invariant")


def panel_data(n: int = 1500, seed: int = 3) -> pd.DataFrame:
    """Four waves of x and y with stable differences, attrition and scattered item non-response."""
    rng = np.random.default_rng(seed)
    ri = rng.multivariate_normal([0, 0], [[1.0, 0.3], [0.3, 1.0]], n)
    wx, wy = rng.normal(size=n), rng.normal(size=n)
    cols = {}
    for t in range(1, 5):
        if t > 1:
            wx, wy = 0.4 * wx + 0.1 * wy + rng.normal(scale=0.8, size=n), 0.2 * wx + 0.3 * wy + rng.normal(scale=0.8, size=n)
        cols[f"x{t}"], cols[f"y{t}"] = 2 + ri[:, 0] + wx, 5 + ri[:, 1] + wy
    df = pd.DataFrame(cols)
    gone = rng.integers(2, 7, n)  # wave after which a person left (5, 6: stayed)
    for t in range(2, 5):
        df.loc[gone < t, [f"x{t}", f"y{t}"]] = np.nan
    df = df.mask(rng.random(df.shape) < 0.05)
    df["g"] = np.where(rng.random(n) < 0.5, "a", "b")
    return df


def test_a_summary_reordered_for_a_model_equals_the_summary_made_in_its_order():
    df = panel_data()
    order = ["y1", "x1", "y2", "x2", "y3", "x3", "y4", "x4"]
    shared = prepare_data(df, order, group=None, missing="fiml")
    direct = _prepare_data(df, order, group=None, missing="fiml")
    assert origin(shared) is not None  # it came from the canonical (sorted) summary
    assert shared.ov_names == direct.ov_names
    for gs, gd in zip(shared.groups, direct.groups):
        assert len(gs.patterns) == len(gd.patterns) > 20
        for a, b in zip(gs.patterns, gd.patterns):
            assert np.array_equal(a.observed, b.observed) and a.n == b.n
            np.testing.assert_allclose(a.mean, b.mean, rtol=1e-13, atol=1e-13)
            np.testing.assert_allclose(a.cov, b.cov, rtol=1e-12, atol=1e-12)
            np.testing.assert_array_equal(a.rows, b.rows)
        h_shared, h_direct = saturated(gs, 8), saturated(gd, 8)
        np.testing.assert_allclose(h_shared.cov, h_direct.cov, rtol=1e-8, atol=1e-9)
        assert h_shared.loglik == pytest.approx(h_direct.loglik, rel=1e-12)


def test_fits_with_variables_in_another_order_agree():
    """The same RI-CLPM built with y as the first construct lists the variables in another order."""
    df = panel_data().drop(columns="g")
    swapped = build_syntax("riclpm", PanelDesign(x=Y, y=X), lags="invariant")
    r1 = SEM(RICLPM, defaults="lavaan", fixed_x=False).fit(df, missing="fiml", estimator="mlr")
    r2 = SEM(swapped, defaults="lavaan", fixed_x=False).fit(df, missing="fiml", estimator="mlr")
    assert r1.implied["all"]["cov"].shape == r2.implied["all"]["cov"].shape
    # x and y change roles: x -> y of the first model is "y -> x" of the second, and so on.
    same = {"ar_x": "ar_y", "ar_y": "ar_x", "cl_xy": "cl_yx", "cl_yx": "cl_xy"}
    se1, se2 = np.sqrt(np.diag(r1.vcov)), np.sqrt(np.diag(r2.vcov))
    for a, b in same.items():
        i, j = list(r1.params.index).index(a), list(r2.params.index).index(b)
        assert r2.params.iloc[j] == pytest.approx(r1.params.iloc[i], rel=1e-6, abs=1e-7)
        assert se2[j] == pytest.approx(se1[i], rel=1e-5)
    for key in ("chisq", "chisq_scaled", "cfi_robust", "rmsea_robust", "logl"):
        assert r2.fit[key] == pytest.approx(r1.fit[key], rel=1e-6), key


def test_a_start_from_a_related_fit_reaches_the_same_estimates():
    df = panel_data()
    free = SEM(build_syntax("riclpm", PanelDesign(x=X, y=Y), lags="invariant", groups=Groups(n=2)),
               defaults="lavaan", fixed_x=False).fit(df, group="g", missing="fiml", estimator="mlr")
    # The cross-lags held equal over the two groups, the autoregressions free in each.
    equal = build_syntax("riclpm", PanelDesign(x=X, y=Y), lags="invariant",
                         groups=Groups(n=2, equal=frozenset({"x_to_y", "y_to_x"})))
    model = SEM(equal, defaults="lavaan", fixed_x=False)
    cold = model.fit(df, group="g", missing="fiml", estimator="mlr")
    warm = model.fit(df, group="g", missing="fiml", estimator="mlr", se="none", start=free)
    # The same optimum, to the optimiser's stopping rule (Newton decrement < 1e-13 per case, i.e.
    # about 1e-5 standard errors at N = 1,500): within 1e-4 of each parameter's SE.
    se = np.sqrt(np.diag(cold.vcov.to_numpy()))
    assert np.all(np.abs(warm.params.to_numpy() - cold.params.to_numpy()) <= 1e-4 * se)
    assert warm.fit["logl"] == pytest.approx(cold.fit["logl"], rel=1e-12)
    assert warm.fit["chisq"] == pytest.approx(cold.fit["chisq"], rel=1e-8)
    assert warm.iterations <= cold.iterations + 1


def test_a_start_from_a_fit_of_other_parameters_falls_back_to_the_usual_start():
    df = panel_data()
    other = SEM("x1 ~ y1\nx1 ~~ x1").fit(df.drop(columns="g"), missing="fiml")
    model = SEM(RICLPM, defaults="lavaan", fixed_x=False)
    a = model.fit(df.drop(columns="g"), missing="fiml", se="none")
    b = model.fit(df.drop(columns="g"), missing="fiml", se="none", start=other)
    np.testing.assert_allclose(b.params.to_numpy(), a.params.to_numpy(), rtol=1e-6, atol=1e-7)
