"""The pattern-batched kernels equal plain loops over missing-data patterns, and the analytic
observed information equals the numerical Hessian of the analytic gradient.

The references below are the engine's per-pattern loops as they were before patterns were
stacked by size (issue 16); the batched code must give the same numbers.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.models.sem import SEM
from analysis.models.sem.hessian import numerical_hessian, observed_information
from analysis.models.sem.objectives import casewise_scores, expected_information, loglik, objective
from analysis.models.sem.saturated import _saturated, pattern_loglik
from analysis.models.sem.structure import chain_gradient, implied, jacobian
from tests_support_lavaan import fit_options, load_data, load_fixture

REF = Path(__file__).resolve().parents[2] / "reference"
CASES = ["fiml_riclpm_attrition", "riclpm_mg_standin", "hs_mg_scalar", "mlr_fiml", "builder_riclpm_items_scalar_standin",
         "regression_fixedx", "hs_cfa"]


def _fitted(name):
    fx = load_fixture(name)
    mk, fk = fit_options(fx)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return SEM(fx["model"], **mk).fit(load_data(fx), **fk)._internal


def _weighted_multigroup():
    fx = json.loads((REF / "survey" / "weighted_multigroup_clpm_cluster.json").read_text())
    data = pd.read_csv(REF / fx["data"]["file"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return SEM(fx["model"], defaults="lavaan", fixed_x=False).fit(
            data, group="group", missing="fiml", weights="w", cluster="psu", estimator="mlr")._internal


def _away(f, scale=0.02, seed=5):
    return f.theta * (1 + scale * np.random.default_rng(seed).standard_normal(f.theta.size))


def _pattern_blocks(theta, problem):
    npar = problem.structure.npar
    for gs, gd in zip(problem.structure.groups, problem.data.groups):
        imp = implied(theta, gs)
        dS, dmu = jacobian(gs, imp, npar)
        for pat in gd.patterns:
            o = pat.observed
            W = np.linalg.inv(imp.sigma[np.ix_(o, o)])
            yield imp, pat, W, dS[:, o][:, :, o], dmu[:, o]


def reference_loglik(theta, problem):
    total = 0.0
    for imp, pat, W, _, _ in _pattern_blocks(theta, problem):
        o = pat.observed
        d = pat.mean - imp.mu[o] if problem.meanstructure else np.zeros(o.size)
        total += pat.n * (o.size * np.log(2 * np.pi) + np.linalg.slogdet(imp.sigma[np.ix_(o, o)])[1]
                          + np.trace(W @ (pat.cov + np.outer(d, d))))
    return -0.5 * total


def reference_gradient(theta, problem):
    """Gradient of -loglik (total) from per-pattern G = n (W - W M W) and g_mu = -2 n W d."""
    grad = np.zeros(problem.structure.npar)
    for gs, gd in zip(problem.structure.groups, problem.data.groups):
        imp = implied(theta, gs)
        p = imp.sigma.shape[0]
        G, gmu = np.zeros((p, p)), np.zeros(p)
        for pat in gd.patterns:
            o = pat.observed
            W = np.linalg.inv(imp.sigma[np.ix_(o, o)])
            d = pat.mean - imp.mu[o] if problem.meanstructure else np.zeros(o.size)
            G[np.ix_(o, o)] += pat.n * (W - W @ (pat.cov + np.outer(d, d)) @ W)
            gmu[o] += -2.0 * pat.n * (W @ d)
        grad += 0.5 * chain_gradient(gs, imp, G, gmu, problem.structure.npar)
    return grad


def reference_expected_information(theta, problem):
    npar = problem.structure.npar
    info = np.zeros((npar, npar))
    for _, pat, W, Do, Dm in _pattern_blocks(theta, problem):
        info += 0.5 * pat.n * np.einsum("aij,bij->ab", W @ Do @ W, Do)
        if problem.meanstructure:
            info += pat.n * (Dm @ W @ Dm.T)
    return info


def reference_scores(theta, problem):
    blocks = []
    for imp, pat, W, Do, Dm in _pattern_blocks(theta, problem):
        o = pat.observed
        Z = (pat.rows - (imp.mu[o] if problem.meanstructure else pat.mean)) @ W
        s = -0.5 * np.einsum("ij,aji->a", W, Do)[None, :] + 0.5 * np.einsum("ni,aij,nj->na", Z, Do, Z)
        if problem.meanstructure:
            s += Z @ Dm.T
        if pat.weights is not None:
            s = s * pat.weights[:, None]
        blocks.append(s)
    return np.vstack(blocks)


def reference_em(gd, p, tol=1e-11):
    """Plain EM, one pattern at a time."""
    s1, s2, cnt = np.zeros(p), np.zeros(p), np.zeros(p)
    for pat in gd.patterns:
        s1[pat.observed] += pat.n * pat.mean
        s2[pat.observed] += pat.n * (np.diag(pat.cov) + pat.mean**2)
        cnt[pat.observed] += pat.n
    mu = s1 / cnt
    sigma = np.diag(s2 / cnt - mu**2)
    for _ in range(20000):
        T1, T2 = np.zeros(p), np.zeros((p, p))
        for pat in gd.patterns:
            o, n, ybar = pat.observed, pat.n, pat.mean
            mis = np.setdiff1d(np.arange(p), o)
            Soo = pat.cov + np.outer(ybar, ybar)
            T1[o] += n * ybar
            T2[np.ix_(o, o)] += n * Soo
            if mis.size == 0:
                continue
            beta = sigma[np.ix_(mis, o)] @ np.linalg.inv(sigma[np.ix_(o, o)])
            c = mu[mis] - beta @ mu[o]
            cond = sigma[np.ix_(mis, mis)] - beta @ sigma[np.ix_(o, mis)]
            T1[mis] += n * (c + beta @ ybar)
            mo = np.outer(c, ybar) + beta @ Soo
            T2[np.ix_(mis, o)] += n * mo
            T2[np.ix_(o, mis)] += n * mo.T
            T2[np.ix_(mis, mis)] += n * (np.outer(c, c) + np.outer(c, ybar) @ beta.T + beta @ np.outer(ybar, c)
                                          + beta @ Soo @ beta.T + cond)
        new_mu = T1 / gd.size
        new_sigma = T2 / gd.size - np.outer(new_mu, new_mu)
        change = max(np.abs(new_mu - mu).max(), np.abs(new_sigma - sigma).max())
        mu, sigma = new_mu, 0.5 * (new_sigma + new_sigma.T)
        if change < tol:
            return mu, sigma
    raise AssertionError("reference EM did not converge")


@pytest.fixture(scope="module", params=CASES + ["weighted_multigroup"])
def fitted(request):
    return _weighted_multigroup() if request.param == "weighted_multigroup" else _fitted(request.param)


def test_loglik_and_gradient_equal_the_pattern_loop(fitted):
    theta = _away(fitted)
    ref = reference_loglik(theta, fitted.problem)
    assert loglik(theta, fitted.problem) == pytest.approx(ref, rel=1e-12)
    f, g = objective(theta, fitted.problem)
    assert f == pytest.approx(-ref / fitted.problem.data.nobs, rel=1e-12)
    ref_g = reference_gradient(theta, fitted.problem) / fitted.problem.data.nobs
    assert np.abs(g - ref_g).max() <= 1e-9 * np.abs(ref_g).max()


def test_expected_information_equals_the_pattern_loop(fitted):
    theta = _away(fitted)
    ref = reference_expected_information(theta, fitted.problem)
    assert np.abs(expected_information(theta, fitted.problem) - ref).max() <= 1e-10 * np.abs(ref).max()


def test_casewise_scores_equal_the_pattern_loop(fitted):
    theta = _away(fitted)
    ref = reference_scores(theta, fitted.problem)
    ours = casewise_scores(theta, fitted.problem)
    assert ours.shape == ref.shape
    assert np.abs(ours - ref).max() <= 1e-10 * np.abs(ref).max()


def richardson_hessian(theta, problem, h=1e-4):
    """Central differences of the analytic gradient, extrapolated (error O(h^4))."""
    return (4.0 * numerical_hessian(theta, problem, rel_step=h / 2) - numerical_hessian(theta, problem, rel_step=h)) / 3


@pytest.mark.parametrize("at", ["estimates", "away"])
def test_analytic_observed_information_equals_the_numerical_hessian(fitted, at):
    theta = fitted.theta if at == "estimates" else _away(fitted)
    ref = richardson_hessian(theta, fitted.problem)
    ours = observed_information(theta, fitted.problem)
    assert np.abs(ours - ref).max() <= 1e-7 * np.abs(ref).max()


def test_em_with_squarem_reaches_the_plain_em_answer(fitted):
    p = len(fitted.problem.data.ov_names)
    for gd in fitted.problem.data.groups:
        if gd.complete:
            continue
        ours = _saturated(gd, p, tol=1e-11, max_iter=20000)
        mu, sigma = reference_em(gd, p)
        assert np.abs(ours.mean - mu).max() < 1e-8
        assert np.abs(ours.cov - sigma).max() < 1e-8
        assert ours.loglik == pytest.approx(pattern_loglik(mu, sigma, gd), rel=1e-12, abs=1e-7)
