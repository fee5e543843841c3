"""Work shared between fits: one data summary for every variable order, warm starts, starts from another fit.

None of it may change a result: the same patterns and moments in another order, and the same
optimum from a better start.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.models.sem import SEM
from analysis.models.sem.data import _prepare_data, prepare_data
from analysis.models.sem.reorder import origin
from analysis.models.sem.saturated import saturated

RICLPM = """
RIx =~ 1*x1 + 1*x2 + 1*x3 + 1*x4
RIy =~ 1*y1 + 1*y2 + 1*y3 + 1*y4
wx1 =~ 1*x1
wx2 =~ 1*x2
wx3 =~ 1*x3
wx4 =~ 1*x4
wy1 =~ 1*y1
wy2 =~ 1*y2
wy3 =~ 1*y3
wy4 =~ 1*y4
wx2 ~ a*wx1 + b*wy1
wx3 ~ a*wx2 + b*wy2
wx4 ~ a*wx3 + b*wy3
wy2 ~ c*wx1 + d*wy1
wy3 ~ c*wx2 + d*wy2
wy4 ~ c*wx3 + d*wy3
wx1 ~~ wy1
wx2 ~~ wy2
wx3 ~~ wy3
wx4 ~~ wy4
RIx ~~ RIx
RIy ~~ RIy
RIx ~~ RIy
wx1 ~~ wx1
wx2 ~~ wx2
wx3 ~~ wx3
wx4 ~~ wx4
wy1 ~~ wy1
wy2 ~~ wy2
wy3 ~~ wy3
wy4 ~~ wy4
RIx ~~ 0*wx1
RIx ~~ 0*wy1
RIy ~~ 0*wx1
RIy ~~ 0*wy1
"""


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
    """The same RI-CLPM written with y's formulas first lists the variables in another order."""
    df = panel_data()
    lines = RICLPM.strip().splitlines()
    y_first = "\n".join([lines[1], lines[0], *lines[2:]])
    r1 = SEM(RICLPM, defaults="lavaan", fixed_x=False).fit(df.drop(columns="g"), missing="fiml", estimator="mlr")
    r2 = SEM(y_first, defaults="lavaan", fixed_x=False).fit(df.drop(columns="g"), missing="fiml", estimator="mlr")
    t1, t2 = (_keyed(r.parameters) for r in (r1, r2))
    t2 = t2.loc[t1.index]
    np.testing.assert_allclose(t2["est"], t1["est"], rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(t2["se"], t1["se"], rtol=1e-5, atol=1e-7)
    for key in ("chisq", "chisq_scaled", "cfi_robust", "rmsea_robust"):
        assert r2.fit[key] == pytest.approx(r1.fit[key], rel=1e-6), key


def _keyed(table: pd.DataFrame) -> pd.DataFrame:
    """Rows keyed by lhs, op, rhs, with the two names of a covariance in sorted order."""
    pairs = [tuple(sorted((a, b))) if op == "~~" else (a, b) for a, op, b in zip(table.lhs, table.op, table.rhs)]
    return table.assign(k1=[p[0] for p in pairs], k2=[p[1] for p in pairs]).set_index(["k1", "op", "k2"])


def test_a_start_from_a_related_fit_reaches_the_same_estimates():
    df = panel_data()
    free = SEM(RICLPM, defaults="lavaan", fixed_x=False).fit(df, group="g", missing="fiml", estimator="mlr")
    # The cross-lags held equal over the two groups, the autoregressions free in each.
    labels = {" a*": " c(a1, a2)*", " b*": " c(b1, b1)*", " c*": " c(c1, c1)*", " d*": " c(d1, d2)*",
              "+ b*": "+ c(b1, b1)*", "+ d*": "+ c(d1, d2)*"}
    equal = RICLPM
    for old, new in labels.items():
        equal = equal.replace(old, new)
    assert "c(b1, b1)*wy1" in equal and "c(c1, c1)*wx1" in equal
    model = SEM(equal, defaults="lavaan", fixed_x=False)
    cold = model.fit(df, group="g", missing="fiml", estimator="mlr", se="none")
    warm = model.fit(df, group="g", missing="fiml", estimator="mlr", se="none", start=free)
    np.testing.assert_allclose(warm.params.to_numpy(), cold.params.to_numpy(), rtol=1e-6, atol=1e-7)
    assert warm.fit["chisq"] == pytest.approx(cold.fit["chisq"], rel=1e-8)
    assert warm.iterations <= cold.iterations + 1


def test_a_start_from_a_fit_of_other_parameters_falls_back_to_the_usual_start():
    df = panel_data()
    other = SEM("x1 ~ y1\nx1 ~~ x1").fit(df.drop(columns="g"), missing="fiml")
    model = SEM(RICLPM, defaults="lavaan", fixed_x=False)
    a = model.fit(df.drop(columns="g"), missing="fiml", se="none")
    b = model.fit(df.drop(columns="g"), missing="fiml", se="none", start=other)
    np.testing.assert_allclose(b.params.to_numpy(), a.params.to_numpy(), rtol=1e-6, atol=1e-7)
