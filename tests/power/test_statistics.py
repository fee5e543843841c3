"""Statistical checks of the simulation machinery (slow; run in CI).

* At an effect of zero, "power" is the false-positive rate and must equal the
  nominal alpha within Monte Carlo error.
* At a realistic design (RI-CLPM, 4 waves, stable share 0.5, 10% MAR dropout
  per wave, N = 500) the 95% Wald intervals cover the true lags about 95% of the
  time, the estimates are unbiased and the model SEs match the spread.
"""

from __future__ import annotations

import math

import pytest

from analysis.power import LaggedEffects, PowerDesign, run_power

pytestmark = pytest.mark.slow


def _within(value: float, nominal: float, replicates: int, k: float = 3.0) -> bool:
    return abs(value - nominal) <= k * math.sqrt(nominal * (1 - nominal) / replicates)


def test_power_at_zero_effect_is_alpha():
    R = 2000
    design = PowerDesign(model="clpm", n=300, waves=3, icc=0.0,
                         effects=LaggedEffects(ar_x=0.4, ar_y=0.4, cl_xy=0.0, cl_yx=0.0))
    res = run_power(design, replicates=R, seed=2024, alpha=0.05)
    table = res.table.set_index("parameter")
    assert (table["converged"] == R).all()
    for p in ("cl_xy", "cl_yx"):
        rate = table.loc[p, "power"]
        assert _within(rate, 0.05, R), f"{p}: false-positive rate {rate:.3f} (MCSE {table.loc[p, 'power_mcse']:.3f})"
    print(table[["power", "power_mcse", "coverage", "bias"]])


def test_coverage_near_95_percent_at_a_realistic_design():
    R = 1000
    design = PowerDesign(model="riclpm", n=500, waves=4, icc=0.5, attrition=0.1, attrition_mechanism="mar",
                         effects=LaggedEffects(ar_x=0.4, ar_y=0.3, cl_xy=0.1, cl_yx=0.0))
    res = run_power(design, replicates=R, seed=7)
    table = res.table.set_index("parameter")
    assert table["converged"].min() >= 0.99 * R
    for p in ("ar_x", "ar_y", "cl_xy", "cl_yx"):
        row = table.loc[p]
        assert _within(row["coverage"], 0.95, int(row["converged"])), f"{p}: coverage {row['coverage']:.3f}"
        assert abs(row["bias"]) <= 3 * row["bias_mcse"] + 0.005, f"{p}: bias {row['bias']:.4f}"
        assert abs(row["mean_se"] / row["emp_se"] - 1) < 0.12, f"{p}: SE {row['mean_se']:.4f} vs {row['emp_se']:.4f}"
    # The y -> x effect is zero here: its rejection rate is the false-positive rate.
    assert _within(table.loc["cl_yx", "power"], 0.05, R)
    print(table[["true", "mean_est", "bias", "mean_se", "emp_se", "coverage", "power"]])
