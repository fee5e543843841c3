"""The analytic gradient and information of the likelihood, checked numerically."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from analysis.models.sem import SEM
from analysis.models.sem.hessian import numerical_hessian
from analysis.models.sem.objectives import (
    casewise_scores,
    expected_information,
    loglik,
    objective,
)
from tests_support_lavaan import TUTORIAL_PRESENT, fit_options, fixture_names, load_data, load_fixture


def _fitted(name):
    fx = load_fixture(name)
    data = load_data(fx)
    mk, fk = fit_options(fx)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return SEM(fx["model"], **mk).fit(data, **fk)._internal


def _fd_gradient(theta, problem, h=1e-6):
    g = np.zeros_like(theta)
    for a in range(theta.size):
        e = np.zeros_like(theta)
        e[a] = h * max(1.0, abs(theta[a]))
        g[a] = (objective(theta + e, problem)[0] - objective(theta - e, problem)[0]) / (2 * e[a])
    return g


@pytest.mark.parametrize("name", fixture_names())
def test_gradient_matches_finite_differences_away_from_optimum(name):
    f = _fitted(name)
    rng = np.random.default_rng(7)
    theta = f.theta * (1 + 0.05 * rng.standard_normal(f.theta.size))
    analytic = objective(theta, f.problem)[1]
    numeric = _fd_gradient(theta, f.problem)
    np.testing.assert_allclose(analytic, numeric, rtol=1e-5, atol=1e-7)


# "riclpm" (tutorial data in ../shared) is an extra; its stand-in twin always runs.
@pytest.mark.parametrize("name", ["riclpm_standin", *(["riclpm"] if TUTORIAL_PRESENT else []), "fiml_clpm_attrition", "hs_cfa"])
def test_gradient_vanishes_at_the_estimates(name):
    # Scale-free: the Newton decrement g' I^-1 g (per observation) is ~0 at the optimum.
    f = _fitted(name)
    g = objective(f.theta, f.problem)[1]
    info = expected_information(f.theta, f.problem) / f.problem.data.nobs
    assert g @ np.linalg.solve(info, g) < 1e-12


@pytest.mark.parametrize("name", ["hs_cfa_meanstructure", "regression_fixedx"])
def test_expected_information_equals_hessian_at_optimum_for_complete_data(name):
    # For complete data at the ML estimates, observed and expected information agree
    # closely for correctly specified mean structures; exactly for saturated means.
    f = _fitted(name)
    exp_info = expected_information(f.theta, f.problem)
    obs_info = numerical_hessian(f.theta, f.problem)
    np.testing.assert_allclose(np.diag(obs_info), np.diag(exp_info), rtol=0.2)


@pytest.mark.parametrize("name", ["riclpm_standin", *(["riclpm"] if TUTORIAL_PRESENT else []), "fiml_clpm_attrition"])
def test_casewise_scores_sum_to_the_gradient(name):
    f = _fitted(name)
    rng = np.random.default_rng(3)
    theta = f.theta * (1 + 0.02 * rng.standard_normal(f.theta.size))
    scores = casewise_scores(theta, f.problem)
    N = f.problem.data.nobs
    assert scores.shape == (N, f.theta.size)
    np.testing.assert_allclose(-scores.sum(axis=0) / N, objective(theta, f.problem)[1], rtol=1e-8, atol=1e-10)


def test_loglik_equals_sum_of_case_likelihoods():
    f = _fitted("fiml_riclpm_attrition")
    from scipy import stats

    total = 0.0
    gs = f.problem.structure.groups[0]
    from analysis.models.sem.structure import implied

    imp = implied(f.theta, gs)
    for pat in f.problem.data.groups[0].patterns:
        o = pat.observed
        total += stats.multivariate_normal(imp.mu[o], imp.sigma[np.ix_(o, o)]).logpdf(pat.rows).sum()
    assert loglik(f.theta, f.problem) == pytest.approx(total, rel=1e-12)
