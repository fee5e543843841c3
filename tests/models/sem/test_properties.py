"""Property tests on random identified models (hypothesis).

Data are built so that their sample moments equal the model-implied moments
exactly; the fitted model must then reproduce the true parameters, with a
chi-square of zero, from any admissible start.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analysis.models.sem import SEM
from analysis.models.sem.objectives import objective


def exact_data(sigma: np.ndarray, mean: np.ndarray, n: int, seed: int) -> np.ndarray:
    """Rows whose mean is ``mean`` and covariance (divisor n) is ``sigma`` exactly."""
    rng = np.random.default_rng(seed)
    z = rng.standard_normal((n, sigma.shape[0]))
    z -= z.mean(axis=0)
    cov = z.T @ z / n
    z = z @ np.linalg.inv(np.linalg.cholesky(cov)).T
    return z @ np.linalg.cholesky(sigma).T + mean


@st.composite
def cfa_models(draw):
    nfac = draw(st.integers(1, 3))
    nind = [draw(st.integers(3, 4)) for _ in range(nfac)]
    lam = [[1.0] + [draw(st.floats(0.5, 1.5)) for _ in range(k - 1)] for k in nind]
    fvar = [draw(st.floats(0.5, 2.0)) for _ in range(nfac)]
    corr = draw(st.floats(-0.4, 0.4))
    resid = [[draw(st.floats(0.3, 1.0)) for _ in range(k)] for k in nind]
    means = [[draw(st.floats(-2, 2)) for _ in range(k)] for k in nind]
    seed = draw(st.integers(0, 2**16))
    return nind, lam, fvar, corr, resid, means, seed


def build(nind, lam, fvar, corr, resid, means):
    names = [[f"f{f + 1}x{i + 1}" for i in range(k)] for f, k in enumerate(nind)]
    syntax = "\n".join(f"F{f + 1} =~ " + " + ".join(names[f]) for f in range(len(nind)))
    p = sum(nind)
    L = np.zeros((p, len(nind)))
    row = 0
    for f, k in enumerate(nind):
        L[row:row + k, f] = lam[f]
        row += k
    phi = np.diag(fvar).astype(float)
    for a in range(len(nind)):
        for b in range(a):
            phi[a, b] = phi[b, a] = corr * np.sqrt(fvar[a] * fvar[b])
    theta = np.diag(np.concatenate(resid))
    sigma = L @ phi @ L.T + theta
    return syntax, [v for grp in names for v in grp], sigma, np.concatenate(means), phi


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cfa_models())
def test_exact_data_recover_true_parameters(spec):
    nind, lam, fvar, corr, resid, means, seed = spec
    syntax, cols, sigma, mean, phi = build(nind, lam, fvar, corr, resid, means)
    data = pd.DataFrame(exact_data(sigma, mean, 400, seed), columns=cols)
    res = SEM(syntax, meanstructure=True).fit(data)
    assert res.converged
    assert res.fit["chisq"] < 1e-6
    tab = res.to_frame()
    for f in range(len(nind)):
        for i in range(1, nind[f]):
            est = tab[(tab.lhs == f"F{f + 1}") & (tab.op == "=~") & (tab.rhs == f"f{f + 1}x{i + 1}")].est.iloc[0]
            assert abs(est - lam[f][i]) < 1e-5
        var = tab[(tab.lhs == f"F{f + 1}") & (tab.op == "~~") & (tab.rhs == f"F{f + 1}")].est.iloc[0]
        assert abs(var - fvar[f]) < 1e-5
    for j, c in enumerate(cols):
        assert abs(tab[(tab.lhs == c) & (tab.op == "~1")].est.iloc[0] - mean[j]) < 1e-6
    if len(nind) > 1:
        cov = tab[(tab.lhs == "F1") & (tab.op == "~~") & (tab.rhs == "F2")].est.iloc[0]
        assert abs(cov - phi[0, 1]) < 1e-5


@settings(max_examples=10, deadline=None)
@given(cfa_models(), st.floats(0.05, 0.3))
def test_gradient_matches_finite_differences_on_random_models(spec, missing_share):
    nind, lam, fvar, corr, resid, means, seed = spec
    syntax, cols, sigma, mean, _ = build(nind, lam, fvar, corr, resid, means)
    rng = np.random.default_rng(seed)
    y = exact_data(sigma, mean, 300, seed)
    holes = rng.random(y.shape) < missing_share
    holes[:, 0] = False  # keep every row with something observed
    y[holes] = np.nan
    res = SEM(syntax).fit(pd.DataFrame(y, columns=cols), missing="fiml")
    f = res._internal
    theta = f.theta * (1 + 0.1 * rng.standard_normal(f.theta.size))
    try:
        value, grad = objective(theta, f.problem)
    except ArithmeticError:
        return  # perturbed point outside the admissible region
    h = 1e-6
    for a in range(theta.size):
        e = np.zeros_like(theta)
        e[a] = h * max(1.0, abs(theta[a]))
        fd = (objective(theta + e, f.problem)[0] - objective(theta - e, f.problem)[0]) / (2 * e[a])
        assert abs(fd - grad[a]) <= 1e-5 * max(1.0, abs(grad[a]))
