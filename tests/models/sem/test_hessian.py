"""The batched, group-wise observed information equals plain one-at-a-time differences."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from analysis.models.sem import SEM
from analysis.models.sem.hessian import gradients, numerical_hessian
from analysis.models.sem.objectives import objective
from tests_support_lavaan import TUTORIAL_PRESENT, fit_options, load_data, load_fixture


def _fitted(name):
    fx = load_fixture(name)
    mk, fk = fit_options(fx)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return SEM(fx["model"], **mk).fit(load_data(fx), **fk)._internal


def reference_hessian(theta, problem, rel_step=1e-5):
    """Central differences of the total gradient, one parameter at a time."""
    N = problem.data.nobs
    H = np.zeros((theta.size, theta.size))
    for a in range(theta.size):
        h = rel_step * max(1.0, abs(theta[a]))
        e = np.zeros_like(theta)
        e[a] = h
        H[:, a] = (objective(theta + e, problem)[1] - objective(theta - e, problem)[1]) * N / (2 * h)
    return 0.5 * (H + H.T)


# riclpm_mg (tutorial data in ../shared) is an extra; its stand-in twin always runs.
@pytest.mark.parametrize("name", ["fiml_riclpm_attrition", "riclpm_mg_standin", *(["riclpm_mg"] if TUTORIAL_PRESENT else []),
                                  "hs_mg_scalar", "mlr_fiml"])
def test_batched_hessian_equals_one_at_a_time_differences(name):
    f = _fitted(name)
    H = numerical_hessian(f.theta, f.problem)
    ref = reference_hessian(f.theta, f.problem)
    assert np.abs(H - ref).max() <= 1e-8 * np.abs(ref).max()


def test_batched_gradients_equal_the_objective_gradient():
    f = _fitted("fiml_clpm_attrition")
    pts = f.theta + np.random.default_rng(0).normal(0, 0.01, (3, f.theta.size))
    for k in range(3):
        g = objective(pts[k], f.problem)[1] * f.problem.data.nobs
        assert np.abs(gradients(pts, f.problem)[k] - g).max() <= 1e-10 * np.abs(g).max()
