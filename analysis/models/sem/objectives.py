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

from analysis.models.sem.batch import LOG2PI, NotPositiveDefinite, chol_inverse
from analysis.models.sem.data import GroupData, SampleData
from analysis.models.sem.downdate import loglik_terms
from analysis.models.sem.information import group_information
from analysis.models.sem.scores import group_scores
from analysis.models.sem.threads import single_blas_thread
from analysis.models.sem.structure import (
    Implied,
    ModelStructure,
    chain_gradient,
    implied,
)

__all__ = ["LOG2PI", "NotPositiveDefinite", "Problem", "casewise_scores", "expected_information", "group_loglik",
           "inv_logdet", "loglik", "objective"]


@dataclass(frozen=True)
class Problem:
    """What the objective needs: structure, data and whether means are modelled."""

    structure: ModelStructure
    data: SampleData
    meanstructure: bool


def inv_logdet(sigma: np.ndarray) -> tuple[np.ndarray, float]:
    W, logdet = chol_inverse(sigma)
    return W, float(logdet)


def group_loglik(imp: Implied, gd: GroupData, meanstructure: bool, *, with_grad: bool):
    """Log-likelihood of one group, and optionally dF/dSigma and dF/dmu of -2 loglik.

    Per pattern ``G = n (W - W M W)`` and ``g_mu = -2 n W d`` with ``M = S + d d'``; all
    patterns are evaluated in a few padded stacks, most as downdates of ``Sigma^-1``
    (:mod:`.downdate`).
    """
    out = loglik_terms(gd.batch(imp.sigma.shape[0]), imp.sigma, imp.mu, meanstructure, with_grad=with_grad)
    if with_grad:
        return -0.5 * out[0], out[1], out[2]
    return -0.5 * out


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


@single_blas_thread
def expected_information(theta: np.ndarray, problem: Problem) -> np.ndarray:
    """Expected (Fisher) information of the total log-likelihood.

    .. math::

        I_{ab} = \\sum_k n_k \\left[ \\tfrac12 \\operatorname{tr}(W \\partial_a\\Sigma_{oo}
                 W \\partial_b\\Sigma_{oo}) + \\partial_a\\mu_o^\\top W \\partial_b\\mu_o \\right]

    over patterns ``k`` (one pattern for complete data), with ``W = Sigma_oo^-1``;
    computed group by group over each group's own parameters (:mod:`.information`).
    """
    npar = problem.structure.npar
    info = np.zeros((npar, npar))
    for gs, gd in zip(problem.structure.groups, problem.data.groups):
        own, block = group_information(theta, gs, gd, problem.meanstructure, observed=False)
        info[np.ix_(own, own)] += block
    return info


@single_blas_thread
def casewise_scores(theta: np.ndarray, problem: Problem) -> np.ndarray:
    """Score of each row (N x npar): derivatives of each row's (weighted) log-likelihood, rows grouped by pattern.

    Group by group over each group's own parameters, patterns batched (:mod:`.scores`).
    """
    npar = problem.structure.npar
    parts = [group_scores(theta, gs, gd, problem.meanstructure)
             for gs, gd in zip(problem.structure.groups, problem.data.groups)]
    if len(parts) == 1 and parts[0][0].size == npar:
        return np.ascontiguousarray(parts[0][1])
    out = np.zeros((sum(s.shape[0] for _, s in parts), npar))
    start = 0
    for own, s in parts:
        out[start:start + s.shape[0], own] = s
        start += s.shape[0]
    return out
