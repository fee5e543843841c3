"""The observed information of the case-wise (FIML) likelihood, by batched differences.

The Hessian of ``-loglik`` is formed by central differences of the analytic
gradient.  The gradient (same formulas as :func:`objectives.objective` and
:func:`structure.chain_gradient`) is evaluated at all perturbed parameter
vectors of a group at once with stacked matrix operations, and each group is
perturbed only along its own parameters; a test checks the result against the
one-at-a-time differences of :func:`objectives.objective`.

For a pattern with ``n`` rows, observed variables ``o``, ``W = Sigma_oo^-1`` and
``d = ybar - mu_o``, the derivatives of ``-2 loglik`` are
``G = n (W - W M W)`` (with ``M = S + d d'``) and ``g_mu = -2 n W d``, chained
to the RAM matrices through ``E = F (I - A)^-1``.
"""

from __future__ import annotations

import numpy as np

from analysis.models.sem.batch import pattern_terms
from analysis.models.sem.information import group_information
from analysis.models.sem.objectives import Problem
from analysis.models.sem.threads import single_blas_thread
from analysis.models.sem.structure import MAT_A, MAT_M, MAT_S, GroupStructure

_CHUNK = 1 << 21  # elements of gathered (K, P, k, k) covariance blocks held at once


def _group_gradients(thetas: np.ndarray, gs: GroupStructure, gd, meanstructure: bool, npar: int) -> np.ndarray:
    """Gradients of ``-loglik`` of one group at each row of ``thetas`` (K x npar)."""
    K = thetas.shape[0]
    nv, p = gs.n, gs.p
    vals = thetas[:, gs.free_idx]
    a = gs.free_mat == MAT_A
    s = gs.free_mat == MAT_S
    mm = gs.free_mat == MAT_M
    A = np.broadcast_to(gs.A0, (K, nv, nv)).copy()
    S = np.broadcast_to(gs.S0, (K, nv, nv)).copy()
    m = np.broadcast_to(gs.m0, (K, nv)).copy()
    A[:, gs.free_row[a], gs.free_col[a]] = vals[:, a]
    S[:, gs.free_row[s], gs.free_col[s]] = vals[:, s]
    S[:, gs.free_col[s], gs.free_row[s]] = vals[:, s]
    m[:, gs.free_row[mm]] = vals[:, mm]
    B = np.linalg.inv(np.eye(nv) - A)
    C = B @ S @ np.swapaxes(B, 1, 2)
    E = B[:, :p, :]
    Bm = np.einsum("kij,kj->ki", B, m)
    sigma = C[:, :p, :p]
    mu = Bm[:, :p]
    G = np.zeros((K, p, p))
    gmu = np.zeros((K, p))
    batch = gd.batch(p)
    # Thetas in chunks so that the gathered (K, P, k, k) stacks stay small.
    step = max(1, _CHUNK // max(b.index.size * b.k * b.k for b in batch.blocks))
    for s0 in range(0, K, step):
        ks = slice(s0, s0 + step)
        kk = sigma[ks].shape[0]
        for b, W, _, _, Wd in pattern_terms(batch, sigma[ks], mu[ks], meanstructure):
            Gk = b.n[:, None, None] * (W - W @ b.cov @ W - Wd[..., :, None] * Wd[..., None, :])
            offsets = (np.arange(kk) * p * p)[:, None]
            G[ks] += np.bincount((offsets + b.flat[None]).ravel(), weights=Gk.ravel(),
                                 minlength=kk * p * p).reshape(kk, p, p)
            gk = -2.0 * b.n[:, None] * Wd
            offsets = (np.arange(kk) * p)[:, None]
            gmu[ks] += np.bincount((offsets + b.observed.ravel()[None]).ravel(), weights=gk.ravel(),
                                   minlength=kk * p).reshape(kk, p)
    if not meanstructure:
        gmu[:] = 0.0
    EtG = np.swapaxes(E, 1, 2) @ G  # (K, nv, p)
    dA = 2.0 * EtG @ C[:, :p, :]
    Etg = np.einsum("kpi,kp->ki", E, gmu)
    dA += Etg[:, :, None] * Bm[:, None, :]
    dS = EtG @ E
    out = np.empty((K, gs.free_idx.size))
    out[:, a] = dA[:, gs.free_row[a], gs.free_col[a]]
    off = np.where(gs.free_row[s] != gs.free_col[s], 2.0, 1.0)
    out[:, s] = dS[:, gs.free_row[s], gs.free_col[s]] * off
    out[:, mm] = Etg[:, gs.free_row[mm]]
    # Entries that share a label add up into one free parameter.
    grad = np.zeros((K, npar))
    np.add.at(grad.T, gs.free_idx, out.T)
    return 0.5 * grad  # G and gmu are derivatives of -2 loglik


def gradients(thetas: np.ndarray, problem: Problem) -> np.ndarray:
    """Gradient of the total ``-loglik`` at each row of ``thetas`` (K x npar)."""
    thetas = np.atleast_2d(np.asarray(thetas, dtype=float))
    npar = problem.structure.npar
    total = np.zeros((thetas.shape[0], npar))
    for gs, gd in zip(problem.structure.groups, problem.data.groups):
        total += _group_gradients(thetas, gs, gd, problem.meanstructure, npar)
    return total


@single_blas_thread
def numerical_hessian(theta: np.ndarray, problem: Problem, *, rel_step: float = 1e-5) -> np.ndarray:
    """Hessian of the total ``-loglik`` (not per case) by central differences of the analytic gradient.

    With an exact gradient the truncation error is O(h^2) ~ 1e-10 relative, far below
    what standard errors need (lavaan differentiates its gradient numerically too).
    Raises ``NotPositiveDefinite`` if a perturbed point leaves the admissible region.
    """
    theta = np.asarray(theta, dtype=float)
    npar = theta.size
    H = np.zeros((npar, npar))
    for gs, gd in zip(problem.structure.groups, problem.data.groups):
        own = np.unique(gs.free_idx)
        if own.size == 0:
            continue
        h = rel_step * np.maximum(1.0, np.abs(theta[own]))
        steps = np.zeros((own.size, npar))
        steps[np.arange(own.size), own] = h
        grads = _group_gradients(np.vstack([theta + steps, theta - steps]), gs, gd, problem.meanstructure, npar)
        H[:, own] += ((grads[: own.size] - grads[own.size:]) / (2.0 * h[:, None])).T
    return 0.5 * (H + H.T)


@single_blas_thread
def observed_information(theta: np.ndarray, problem: Problem) -> np.ndarray:
    """Observed information: the analytic Hessian of the total ``-loglik`` (not per case).

    Group by group over each group's own parameters, patterns batched
    (:mod:`.information`).  Agrees with :func:`numerical_hessian` to its truncation
    error (about 1e-10 relative).  Raises ``NotPositiveDefinite`` where the implied
    covariance matrix is not positive definite.
    """
    theta = np.asarray(theta, dtype=float)
    H = np.zeros((theta.size, theta.size))
    for gs, gd in zip(problem.structure.groups, problem.data.groups):
        own, block = group_information(theta, gs, gd, problem.meanstructure, observed=True)
        H[np.ix_(own, own)] += block
    return H
