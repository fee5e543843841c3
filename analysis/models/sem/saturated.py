"""The saturated (unrestricted) model h1: free means and covariances.

With complete data its estimates are the sample moments.  With missing data
(FIML) they are found by the EM algorithm over missing-data patterns, as in
lavaan, and its log-likelihood is the reference for the chi-square test.  The
EM iteration for the normal distribution is a preconditioned gradient step
(:func:`em_step`), so it costs one batched gradient evaluation (:mod:`.batch`),
and SQUAREM extrapolation cuts the number of iterations; convergence is judged
by plain EM's own criterion.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np

from analysis.errors import ConvergenceError
from analysis.models.sem.batch import LOG2PI, NotPositiveDefinite, pattern_terms
from analysis.models.sem.data import GroupData
from analysis.models.sem.objectives import group_loglik, inv_logdet
from analysis.models.sem.reorder import origin
from analysis.models.sem.threads import single_blas_thread


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
    for b, W, logdet, d, Wd in pattern_terms(gd.batch(cov.shape[0]), cov, mean, True):
        trace = np.einsum("pij,pij->p", W, b.cov) + np.einsum("pi,pi->p", d, Wd)
        total += float(b.n @ (b.k * LOG2PI + logdet + trace))
    return -0.5 * total


_CACHE: OrderedDict[str, Saturated] = OrderedDict()
_CACHE_SIZE = 16


def data_key(gd: GroupData) -> str:
    """Hash of a group's pattern statistics (what the saturated model depends on), kept with the data."""
    cached = gd.__dict__.get("_data_key")
    if cached is not None:
        return cached
    h = hashlib.sha1()
    for pat in gd.patterns:
        h.update(pat.observed.tobytes())
        h.update(np.array([pat.n], dtype=np.float64).tobytes())
        h.update(pat.mean.tobytes())
        h.update(pat.cov.tobytes())
    gd.__dict__["_data_key"] = key = h.hexdigest()
    return key


def saturated(gd: GroupData, p: int, *, tol: float = 1e-11, max_iter: int = 20000) -> Saturated:
    """Maximum-likelihood means and covariances of one group (EM when data are incomplete).

    The EM result depends only on the pattern statistics, so it is remembered for the
    most recent data sets: comparing several models on one data set runs EM once.
    """
    found = origin(gd)
    if found is not None:
        # A summary reordered for a model (:mod:`.reorder`): EM once, in the canonical order.
        canonical, perm = found
        h = saturated(canonical, p, tol=tol, max_iter=max_iter)
        return Saturated(mean=h.mean[perm], cov=h.cov[np.ix_(perm, perm)], loglik=h.loglik, iterations=h.iterations)
    key = data_key(gd)
    if key in _CACHE:
        _CACHE.move_to_end(key)
        return _CACHE[key]
    result = _saturated(gd, p, tol=tol, max_iter=max_iter)
    _CACHE[key] = result
    if len(_CACHE) > _CACHE_SIZE:
        _CACHE.popitem(last=False)
    return result


@single_blas_thread
def _saturated(gd: GroupData, p: int, *, tol: float, max_iter: int) -> Saturated:
    if gd.complete:
        pat = gd.patterns[0]
        return Saturated(pat.mean.copy(), pat.cov.copy(), pattern_loglik(pat.mean, pat.cov, gd), 0)
    # Start from available-case means and variances.
    batch = gd.batch(p)
    cnt = batch.scatter_vec([np.broadcast_to(b.n[:, None], b.mean.shape) for b in batch.blocks])
    mu = batch.scatter_vec([b.n[:, None] * b.mean for b in batch.blocks]) / cnt
    s2 = batch.scatter_vec([b.n[:, None] * (np.diagonal(b.cov, axis1=1, axis2=2) + b.mean**2) for b in batch.blocks])
    sigma = np.diag(np.maximum(s2 / cnt - mu**2, 1e-8))

    def step(x: np.ndarray) -> tuple[float, np.ndarray]:
        ll, new_mu, new_sigma = em_step(x[:p], x[p:].reshape(p, p), gd)
        return ll, np.concatenate([new_mu, new_sigma.ravel()])

    x, it = _squarem(step, np.concatenate([mu, sigma.ravel()]), tol=tol, max_iter=max_iter)
    mu, sigma = x[:p], x[p:].reshape(p, p)
    try:
        ll = pattern_loglik(mu, sigma, gd)
    except NotPositiveDefinite:
        raise ConvergenceError(
            "The saturated model's covariance matrix is not positive definite; some pairs of variables "
            "may never be observed together."
        ) from None
    return Saturated(mu, sigma, ll, it)


def em_step(mu: np.ndarray, sigma: np.ndarray, gd: GroupData) -> tuple[float, np.ndarray, np.ndarray]:
    """One EM iteration: the log-likelihood at ``(mu, sigma)`` and the next means and covariances.

    The E-step's expected sums of ``y`` and ``y y'`` over all rows, with each pattern's missing
    values replaced by their conditional expectations (and the conditional covariances added),
    are ``N mu + g`` and ``N (mu mu' + Sigma) + mu g' + g mu' - Sigma G Sigma``, where
    ``G = sum n (W - W M W)`` and ``g = Sigma sum n W d`` are the pieces of the gradient of
    ``-2 loglik`` (:func:`objectives.group_loglik`).  So the M-step is

    .. math::

        \\mu' = \\mu + g / N, \\qquad \\Sigma' = \\Sigma - \\Sigma G \\Sigma / N - g g^\\top / N^2,

    and one EM iteration costs one batched gradient evaluation.
    """
    N = gd.size  # rows, or the sum of their weights
    ll, G, gmu = group_loglik(_Moments(sigma, mu), gd, True, with_grad=True)
    g = -0.5 * (sigma @ gmu)
    new_sigma = sigma - sigma @ G @ sigma / N - np.outer(g, g) / N**2
    return ll, mu + g / N, 0.5 * (new_sigma + new_sigma.T)


@dataclass(frozen=True)
class _Moments:
    """Means and covariances where the likelihood kernel expects model-implied moments."""

    sigma: np.ndarray
    mu: np.ndarray


def _squarem(step, x0: np.ndarray, *, tol: float, max_iter: int) -> tuple[np.ndarray, int]:
    """EM accelerated by SQUAREM (Varadhan & Roland 2008, scheme S3), to the plain EM criterion.

    ``step(x)`` returns the log-likelihood at ``x`` and the EM update of ``x``.  Each cycle
    takes two EM steps from ``x0``, extrapolates along them and takes one EM step from
    there; the extrapolation is kept only if its likelihood is not below that of ``x0``,
    else the two plain steps are.  Converged when one plain EM step moves no mean or
    covariance by ``tol`` or more (plain EM's criterion); that step is returned.
    """
    evals = 0
    while evals < max_iter:
        ll0, x1 = step(x0)
        evals += 1
        if np.abs(x1 - x0).max() < tol:
            return x1, evals
        _, x2 = step(x1)
        evals += 1
        if np.abs(x2 - x1).max() < tol:
            return x2, evals
        r, v = x1 - x0, x2 - 2.0 * x1 + x0
        vv = float(v @ v)
        alpha = min(-1.0, -np.sqrt(float(r @ r) / vv)) if vv > 0 else -1.0
        x_next = x2
        if alpha < -1.0:
            try:
                ll, cand = step(x0 - 2.0 * alpha * r + alpha**2 * v)
                evals += 1
                if ll >= ll0:  # and cand, one EM step on, is higher still
                    x_next = cand
            except NotPositiveDefinite:
                pass
        x0 = x_next
    raise ConvergenceError(
        f"The EM algorithm for the saturated model did not converge in {max_iter} iterations; "
        "the data may have too few complete pairs of variables (check the coverage of each pair)."
    )


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
    for b in gd.batch(cov.shape[0]).blocks:
        pos = np.argmax(b.observed[:, :, None] == idx_arr[None, None, :], axis=1)  # (P, len(idx))
        rows = np.arange(b.index.size)[:, None]
        d = b.mean[rows, pos] - mean[idx_arr]
        M = b.cov[rows[:, :, None], pos[:, :, None], pos[:, None, :]] + d[:, :, None] * d[:, None, :]
        total += float(b.n @ (idx_arr.size * LOG2PI + logdet + np.einsum("ij,pij->p", W, M)))
    return -0.5 * total
