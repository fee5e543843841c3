"""Performance measures, Monte Carlo SEs and the required sample size (pure functions)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from analysis.power import PowerDesign
from analysis.power.run import RECORD_COLUMNS
from analysis.power.sample_size import required_n
from analysis.power.summary import performance, summarize


def test_performance_measures_and_mcse_by_hand():
    est = np.array([0.1, 0.3, 0.2, 0.0, 0.4])
    se = np.array([0.1, 0.1, 0.2, 0.1, 0.1])
    m = performance(est, se, 0.15, alpha=0.05)
    R, sd = 5, np.std(est, ddof=1)
    assert m["mean_est"] == pytest.approx(0.2) and m["bias"] == pytest.approx(0.05)
    assert m["bias_mcse"] == pytest.approx(sd / math.sqrt(R))
    assert m["emp_se"] == pytest.approx(sd) and m["emp_se_mcse"] == pytest.approx(sd / math.sqrt(2 * (R - 1)))
    assert m["mean_se"] == pytest.approx(0.12) and m["mean_se_mcse"] == pytest.approx(np.std(se, ddof=1) / math.sqrt(R))
    err2 = (est - 0.15) ** 2
    assert m["mse"] == pytest.approx(err2.mean())
    assert m["mse_mcse"] == pytest.approx(math.sqrt(((err2 - err2.mean()) ** 2).sum() / (R * (R - 1))))
    q = stats.norm.ppf(0.975)
    covered = np.mean((est - q * se <= 0.15) & (0.15 <= est + q * se))
    assert m["coverage"] == pytest.approx(covered)
    significant = np.mean(2 * stats.norm.sf(np.abs(est / se)) < 0.05)
    assert m["power"] == pytest.approx(significant) == pytest.approx(0.4)
    assert m["power_mcse"] == pytest.approx(math.sqrt(0.6 * 0.4 / 5))


def test_required_n_interpolates_on_the_probit_sqrt_scale():
    # A Wald test's power is Phi(c sqrt(N) - z): the interpolation is then exact.
    c, z = 0.1, stats.norm.ppf(0.975)
    power = lambda n: stats.norm.cdf(c * np.sqrt(n) - z)  # noqa: E731
    ns = np.array([200.0, 500.0, 1000.0, 2000.0])
    exact = ((stats.norm.ppf(0.8) + z) / c) ** 2
    n, how = required_n(ns, power(ns), 0.8)
    assert n == math.ceil(exact) and "interpolated between N=500" in how
    assert required_n(ns, power(ns), 0.999)[0] is None
    assert "not reached" in required_n(ns, power(ns), 0.999)[1]
    n, how = required_n(ns, power(ns), 0.1)
    assert n == 200 and "smallest" in how
    n, how = required_n(np.array([100.0, 200.0]), np.array([0.5, 0.8]), 0.8)
    assert n == 200 and "simulated" in how and "interpolated" not in how


def test_failed_replicates_are_counted_and_left_out():
    design = PowerDesign(model="clpm", n=[100, 200], waves=3, icc=0.0)
    cells = design.cells()
    rows = []
    for cell in cells:
        for r in range(4):
            failed = cell.n == 100 and r == 0
            row = dict.fromkeys(RECORD_COLUMNS)
            row.update(cell=cell.key, rep=r, status="not_converged" if failed else "ok", improper=r == 1,
                       message="", iterations=5, n_used=cell.n, seconds=0.0)
            for p in ("ar_x", "ar_y", "cl_xy", "cl_yx"):
                row[f"est_{p}"] = None if failed else 0.1 + 0.01 * r
                row[f"se_{p}"] = None if failed else 0.05
            rows.append(row)
    res = summarize(design, pd.DataFrame(rows, columns=RECORD_COLUMNS), seed=1, replicates=4)
    first = res.table[(res.table["n"] == 100) & (res.table["parameter"] == "cl_xy")].iloc[0]
    assert (first["replicates"], first["converged"], first["failed"], first["improper"]) == (4, 3, 1, 1)
    assert first["mean_est"] == pytest.approx(0.12)  # the failed replicate is not in the mean
    assert "did not converge" in res.summary()
    assert repr(res).startswith("PowerResults(4 replicates per cell") and "\n" not in repr(res)
    assert res.to_dict()["failures"] == {"not_converged": 1}
