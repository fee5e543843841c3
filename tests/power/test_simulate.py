"""Simulated data: the population moments, reliability, attrition and determinism."""

from __future__ import annotations

import numpy as np
import pytest

from analysis.power import LaggedEffects, PowerDesign, simulate_panel
from analysis.power.simulate import mar_intercept, simulate_array


def _cell(**kw):
    base = dict(model="riclpm", n=200_000, waves=4, icc=0.4, effects=LaggedEffects(ar_x=0.5, ar_y=0.3, cl_xy=0.15,
                                                                                      cl_yx=0.05))
    base.update(kw)
    return PowerDesign(**base).cells()[0]


@pytest.mark.parametrize("reliability", [1.0, 0.7])
def test_sample_moments_match_the_population(reliability):
    cell = _cell(reliability=reliability)
    y = simulate_array(cell, np.random.default_rng(1))
    # 200,000 persons: sampling SD of a covariance is below 0.005.
    assert np.abs(np.cov(y, rowvar=False) - cell.population_cov()).max() < 0.025
    assert np.abs(y.mean(axis=0)).max() < 0.02


def test_same_seed_same_data_and_columns():
    cell = _cell(n=50, attrition=0.2)
    a = simulate_panel(cell, cell.seed_sequence(3, 0))
    b = simulate_panel(cell, cell.seed_sequence(3, 0))
    c = simulate_panel(cell, cell.seed_sequence(3, 1))
    assert a.equals(b) and not a.equals(c)
    assert list(a.columns) == ["x1", "x2", "x3", "x4", "y1", "y2", "y3", "y4"]


def test_mcar_attrition_is_monotone_with_the_stated_share():
    cell = _cell(n=100_000, attrition=0.2)
    y = simulate_array(cell, np.random.default_rng(2))
    present = ~np.isnan(y[:, :4])
    assert present[:, 0].all()
    assert (present[:, 1:] <= present[:, :-1]).all(), "nobody comes back after dropping out"
    assert np.array_equal(present, ~np.isnan(y[:, 4:])), "x and y are missing together"
    retention = present.mean(axis=0)
    assert retention == pytest.approx([1, 0.8, 0.64, 0.512], abs=0.006)


def test_mar_dropout_depends_on_previous_y_with_the_stated_average():
    c = mar_intercept(0.15)
    z = np.random.default_rng(0).standard_normal(2_000_000)
    assert (1 / (1 + np.exp(-(c + np.log(2) * z)))).mean() == pytest.approx(0.15, abs=1e-3)
    cell = _cell(n=100_000, attrition=0.15, attrition_mechanism="mar")
    y = simulate_array(cell, np.random.default_rng(3))
    dropped = np.isnan(y[:, 1])
    assert dropped.mean() == pytest.approx(0.15, abs=0.005)
    assert y[dropped, 4].mean() > y[~dropped, 4].mean() + 0.2, "those with higher y at wave 1 leave more often"
    assert not np.isnan(y[:, 0]).any(), "wave 1 is complete"
