"""The normal log-likelihood of a model, case-wise by missing-data pattern.

For a pattern with ``n`` rows, observed variables ``o``, mean ``ybar`` and
covariance ``S`` (divisor ``n``),

.. math::

    -2\\ell = n \\left[ p_o \\log 2\\pi + \\log|\\Sigma_{oo}|
              + \\operatorname{tr}\\{\\Sigma_{oo}^{-1}(S + d d^\\top)\\} \\right],
    \\qquad d = \\bar y - \\mu_o .

Complete-data ML is the one-pattern case; full-information ML (FIML) sums the
patterns.  With ``meanstructure=False`` the means are saturated (``d = 0``),
which is only valid for complete data.
All functions are pure: they take the parameter vector and return numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from analysis.models.sem.data import GroupData, SampleData
from analysis.models.sem.structure import (
    Implied,
    ModelStructure,
    chain_gradient,
    implied,
    jacobian,
)

LOG2PI = np.log(2.0 * np.pi)


class NotPositiveDefinite(ArithmeticError):
    """The model-implied covariance matrix is not positive definite at these values."""


@dataclass(frozen=True)
class Problem:
    """What the objective needs: structure, data and whether means are modelled."""

    structure: ModelStructure
    data: SampleData
    meanstructure: bool


def inv_logdet(sigma: np.ndarray) -> tuple[np.ndarray, float]:
    try:
        L = np.linalg.cholesky(sigma)
    except np.linalg.LinAlgError:
        raise NotPositiveDefinite from None
    Linv = np.linalg.inv(L)
    return Linv.T @ Linv, 2.0 * float(np.log(np.diag(L)).sum())


def group_loglik(imp: Implied, gd: GroupData, meanstructure: bool, *, with_grad: bool):
    """Log-likelihood of one group, and optionally dF/dSigma and dF/dmu of -2 loglik."""
    p = imp.sigma.shape[0]
    m2ll = 0.0
    G = np.zeros((p, p)) if with_grad else None
    gmu = np.zeros(p) if with_grad else None
    for pat in gd.patterns:
        o = pat.observed
        W, logdet = inv_logdet(imp.sigma[np.ix_(o, o)])
        d = pat.mean - imp.mu[o] if meanstructure else np.zeros(o.size)
        M = pat.cov + np.outer(d, d)
        WM = W @ M
        m2ll += pat.n * (o.size * LOG2PI + logdet + np.trace(WM))
        if with_grad:
            G[np.ix_(o, o)] += pat.n * (W - WM @ W)
            gmu[o] += -2.0 * pat.n * (W @ d)
    if with_grad:
        return -0.5 * m2ll, G, gmu
    return -0.5 * m2ll


def loglik(theta: np.ndarray, problem: Problem) -> float:
    """Total log-likelihood over groups (raises NotPositiveDefinite)."""
    total = 0.0
    for gs, gd in zip(problem.structure.groups, problem.data.groups):
        total += group_loglik(implied(theta, gs), gd, problem.meanstructure, with_grad=False)
    return total


def _group_gradient(theta: np.ndarray, problem: Problem, g: int) -> tuple[float, np.ndarray]:
    """Log-likelihood of group ``g`` and the gradient of ``-loglik`` (total, not per case)."""
    gs, gd = problem.structure.groups[g], problem.data.groups[g]
    imp = implied(theta, gs)
    ll, G, gmu = group_loglik(imp, gd, problem.meanstructure, with_grad=True)
    # G and gmu are derivatives of -2 loglik; halve for -loglik.
    return ll, 0.5 * chain_gradient(gs, imp, G, gmu, problem.structure.npar)


def objective(theta: np.ndarray, problem: Problem) -> tuple[float, np.ndarray]:
    """``-loglik / N`` and its gradient: the quantity the optimiser minimises."""
    N = problem.data.nobs
    total = 0.0
    grad = np.zeros(problem.structure.npar)
    for g in range(len(problem.structure.groups)):
        ll, gr = _group_gradient(theta, problem, g)
        total += ll
        grad += gr
    return -total / N, grad / N


def _pattern_blocks(theta: np.ndarray, problem: Problem):
    """For each group and pattern: implied moments, ``W = Sigma_oo^-1`` and the pattern's derivatives."""
    npar = problem.structure.npar
    for gs, gd in zip(problem.structure.groups, problem.data.groups):
        imp = implied(theta, gs)
        dS, dmu = jacobian(gs, imp, npar)
        for pat in gd.patterns:
            o = pat.observed
            W, _ = inv_logdet(imp.sigma[np.ix_(o, o)])
            yield imp, pat, W, dS[:, o][:, :, o], dmu[:, o]


def expected_information(theta: np.ndarray, problem: Problem) -> np.ndarray:
    """Expected (Fisher) information of the total log-likelihood.

    .. math::

        I_{ab} = \\sum_k n_k \\left[ \\tfrac12 \\operatorname{tr}(W \\partial_a\\Sigma_{oo}
                 W \\partial_b\\Sigma_{oo}) + \\partial_a\\mu_o^\\top W \\partial_b\\mu_o \\right]

    over patterns ``k`` (one pattern for complete data), with ``W = Sigma_oo^-1``.
    """
    npar = problem.structure.npar
    info = np.zeros((npar, npar))
    for _, pat, W, Do, Dm in _pattern_blocks(theta, problem):
        info += 0.5 * pat.n * np.einsum("aij,bij->ab", W @ Do @ W, Do)
        if problem.meanstructure:
            info += pat.n * (Dm @ W @ Dm.T)
    return info


def casewise_scores(theta: np.ndarray, problem: Problem) -> np.ndarray:
    """Score of each row (N x npar): derivatives of each row's (weighted) log-likelihood, rows grouped by pattern."""
    blocks = []
    for imp, pat, W, Do, Dm in _pattern_blocks(theta, problem):
        o = pat.observed
        Z = (pat.rows - (imp.mu[o] if problem.meanstructure else pat.mean)) @ W
        s = -0.5 * np.einsum("ij,aji->a", W, Do)[None, :] + 0.5 * np.einsum("ni,aij,nj->na", Z, Do, Z)
        if problem.meanstructure:
            s += Z @ Dm.T
        if pat.weights is not None:
            s = s * pat.weights[:, None]  # weighted likelihood: each row's score counts w_i times
        blocks.append(s)
    return np.vstack(blocks)
