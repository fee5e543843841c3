"""The saturated (unrestricted) model h1: free means and covariances.

With complete data its estimates are the sample moments.  With missing data
(FIML) they are found by the EM algorithm over missing-data patterns, as in
lavaan, and its log-likelihood is the reference for the chi-square test.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np

from analysis.errors import ConvergenceError
from analysis.models.sem.data import GroupData
from analysis.models.sem.objectives import LOG2PI, NotPositiveDefinite, inv_logdet


@dataclass(frozen=True)
class Saturated:
    """h1 estimates for one group."""

    mean: np.ndarray
    cov: np.ndarray
    loglik: float
    iterations: int


def pattern_loglik(mean: np.ndarray, cov: np.ndarray, gd: GroupData) -> float:
    """Case-wise normal log-likelihood of a group at given mean and covariance."""
    total = 0.0
    for pat in gd.patterns:
        o = pat.observed
        W, logdet = inv_logdet(cov[np.ix_(o, o)])
        d = pat.mean - mean[o]
        total += pat.n * (o.size * LOG2PI + logdet + np.trace(W @ (pat.cov + np.outer(d, d))))
    return -0.5 * total


_CACHE: OrderedDict[str, Saturated] = OrderedDict()
_CACHE_SIZE = 16


def _key(gd: GroupData) -> str:
    h = hashlib.sha1()
    for pat in gd.patterns:
        h.update(pat.observed.tobytes())
        h.update(np.array([pat.n], dtype=np.float64).tobytes())
        h.update(pat.mean.tobytes())
        h.update(pat.cov.tobytes())
    return h.hexdigest()


def saturated(gd: GroupData, p: int, *, tol: float = 1e-11, max_iter: int = 20000) -> Saturated:
    """Maximum-likelihood means and covariances of one group (EM when data are incomplete).

    The EM result depends only on the pattern statistics, so it is remembered for the
    most recent data sets: comparing several models on one data set runs EM once.
    """
    key = _key(gd)
    if key in _CACHE:
        _CACHE.move_to_end(key)
        return _CACHE[key]
    result = _saturated(gd, p, tol=tol, max_iter=max_iter)
    _CACHE[key] = result
    if len(_CACHE) > _CACHE_SIZE:
        _CACHE.popitem(last=False)
    return result


def _saturated(gd: GroupData, p: int, *, tol: float, max_iter: int) -> Saturated:
    if gd.complete:
        pat = gd.patterns[0]
        return Saturated(pat.mean.copy(), pat.cov.copy(), pattern_loglik(pat.mean, pat.cov, gd), 0)
    # Start from available-case means and variances.
    s1 = np.zeros(p)
    s2 = np.zeros(p)
    cnt = np.zeros(p)
    for pat in gd.patterns:
        o = pat.observed
        s1[o] += pat.n * pat.mean
        s2[o] += pat.n * (np.diag(pat.cov) + pat.mean**2)
        cnt[o] += pat.n
    mu = s1 / cnt
    sigma = np.diag(np.maximum(s2 / cnt - mu**2, 1e-8))
    N = gd.size  # rows, or the sum of their weights
    for it in range(1, max_iter + 1):
        T1 = np.zeros(p)
        T2 = np.zeros((p, p))
        for pat in gd.patterns:
            o = pat.observed
            mis = np.setdiff1d(np.arange(p), o)
            n = pat.n
            ybar = pat.mean
            Soo = pat.cov + np.outer(ybar, ybar)  # mean of y_o y_o'
            if mis.size == 0:
                T1 += n * ybar
                T2 += n * Soo
                continue
            Woo = np.linalg.inv(sigma[np.ix_(o, o)])
            beta = sigma[np.ix_(mis, o)] @ Woo
            c = mu[mis] - beta @ mu[o]
            cond = sigma[np.ix_(mis, mis)] - beta @ sigma[np.ix_(o, mis)]
            ym = c + beta @ ybar
            T1[o] += n * ybar
            T1[mis] += n * ym
            T2[np.ix_(o, o)] += n * Soo
            mo = np.outer(c, ybar) + beta @ Soo
            T2[np.ix_(mis, o)] += n * mo
            T2[np.ix_(o, mis)] += n * mo.T
            T2[np.ix_(mis, mis)] += n * (
                np.outer(c, c) + np.outer(c, ybar) @ beta.T + beta @ np.outer(ybar, c) + beta @ Soo @ beta.T + cond
            )
        new_mu = T1 / N
        new_sigma = T2 / N - np.outer(new_mu, new_mu)
        new_sigma = 0.5 * (new_sigma + new_sigma.T)
        change = max(np.abs(new_mu - mu).max(), np.abs(new_sigma - sigma).max())
        mu, sigma = new_mu, new_sigma
        if change < tol:
            break
    else:
        raise ConvergenceError(
            f"The EM algorithm for the saturated model did not converge in {max_iter} iterations; "
            "the data may have too few complete pairs of variables (check the coverage of each pair)."
        )
    try:
        ll = pattern_loglik(mu, sigma, gd)
    except NotPositiveDefinite:
        raise ConvergenceError(
            "The saturated model's covariance matrix is not positive definite; some pairs of variables "
            "may never be observed together."
        ) from None
    return Saturated(mu, sigma, ll, it)


def marginal_loglik(mean: np.ndarray, cov: np.ndarray, gd: GroupData, idx: list[int]) -> float:
    """Log-likelihood of the variables ``idx`` alone (observed in every row), at given moments.

    lavaan reports the log-likelihood conditional on fixed-x covariates, i.e. the joint
    log-likelihood minus this marginal part.
    """
    if not idx:
        return 0.0
    idx_arr = np.asarray(idx)
    W, logdet = inv_logdet(cov[np.ix_(idx_arr, idx_arr)])
    total = 0.0
    for pat in gd.patterns:
        pos = np.searchsorted(pat.observed, idx_arr)
        d = pat.mean[pos] - mean[idx_arr]
        M = pat.cov[np.ix_(pos, pos)] + np.outer(d, d)
        total += pat.n * (idx_arr.size * LOG2PI + logdet + np.trace(W @ M))
    return -0.5 * total
