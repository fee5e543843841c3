"""The compiled fast path agrees with SEM.fit; the batched Hessian with the engine's."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from analysis.models.sem import SEM
from analysis.power import LaggedEffects, PowerDesign, simulate_panel
from analysis.power.design import observed_names
from analysis.power.fitting import compile_power_model, fit_arrays, population_fit

EFFECTS = LaggedEffects(ar_x=0.4, ar_y=0.3, cl_xy=0.15, cl_yx=0.05)


def _data(model="riclpm", n=400, waves=4, attrition=0.15, mechanism="mar", icc=0.5, seed=11):
    cell = PowerDesign(model=model, n=n, waves=waves, icc=icc, effects=EFFECTS, attrition=attrition,
                       attrition_mechanism=mechanism).cells()[0]
    return cell, simulate_panel(cell, seed)


def _sem(syntax, df):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return SEM(syntax, defaults="lavaan", fixed_x=False).fit(df, missing="fiml")


@pytest.mark.parametrize("model, lags", [("riclpm", "invariant"), ("clpm", "invariant"), ("riclpm", "free")])
def test_fast_fit_matches_sem_fit(model, lags):
    cell, df = _data(model=model, icc=0.5 if model == "riclpm" else 0.0)
    compiled = compile_power_model(model, cell.waves, lags)
    start, _ = population_fit(model, lags, cell)
    out = fit_arrays(compiled, df[list(compiled.ov_names)].to_numpy(), start=start)
    assert out.status == "ok"
    res = _sem(compiled.syntax, df)
    assert np.abs(out.theta - res.params.to_numpy()).max() < 1e-5
    ses = res.std_errors.to_numpy()
    vcov = res.vcov.to_numpy()
    for name, idx in compiled.targets.items():
        w = np.full(idx.size, 1 / idx.size)
        assert out.est[name] == pytest.approx(res.params.to_numpy()[idx].mean(), abs=1e-5)
        assert out.se[name] == pytest.approx(np.sqrt(w @ vcov[np.ix_(idx, idx)] @ w), rel=1e-4)
        if idx.size == 1:
            assert out.se[name] == pytest.approx(ses[idx[0]], rel=1e-4)


def test_population_fit_gives_true_values_or_the_misspecified_limit():
    cell = PowerDesign(model="riclpm", n=500, waves=4, icc=0.5, effects=EFFECTS).cells()[0]
    _, est = population_fit("riclpm", "invariant", cell)
    assert est == pytest.approx({"ar_x": 0.4, "ar_y": 0.3, "cl_xy": 0.15, "cl_yx": 0.05}, abs=1e-6)
    # The CLPM absorbs stable differences into the autoregressions: pseudo-true values are biased.
    _, clpm = population_fit("clpm", "invariant", cell)
    assert clpm["ar_x"] > 0.6
    # Measurement error attenuates the RI-CLPM's lags.
    noisy = PowerDesign(model="riclpm", n=500, waves=4, icc=0.5, effects=EFFECTS, reliability=0.7).cells()[0]
    assert population_fit("riclpm", "invariant", noisy)[1]["ar_x"] < 0.35


def test_a_failed_fit_is_reported_not_raised():
    compiled = compile_power_model("clpm", 3, "invariant")
    y = np.random.default_rng(0).normal(size=(30, 6))
    y[:, 2] = 1.0  # a column without variance
    out = fit_arrays(compiled, y)
    assert out.status == "not_converged" and "no variance" in out.message
    assert set(observed_names(3)) == set(compiled.ov_names)
