"""Maximum likelihood by Fisher scoring with a backtracking line search.

Each step solves ``I(theta) step = -grad`` with the expected information of
the case-wise likelihood (exact Fisher scoring, also for FIML), which is
scale-free and converges in a few dozen iterations for the models we fit.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from analysis.errors import ConvergenceError
from analysis.models.sem.objectives import NotPositiveDefinite, Problem, expected_information, objective


@dataclass(frozen=True)
class OptimResult:
    theta: np.ndarray
    value: float  # -loglik / N
    gradient: np.ndarray
    iterations: int
    converged: bool


def _safe_objective(theta: np.ndarray, problem: Problem) -> tuple[float, np.ndarray | None]:
    try:
        f, g = objective(theta, problem)
    except NotPositiveDefinite:
        return np.inf, None
    if not np.isfinite(f):
        return np.inf, None
    return f, g


def fisher_scoring(
    theta0: np.ndarray, problem: Problem, *, max_iter: int = 1000, tol: float = 1e-13
) -> OptimResult:
    """Minimise ``-loglik/N``; converged when the Newton decrement ``g' I^-1 g`` < ``tol``."""
    N = problem.data.nobs
    theta = theta0.copy()
    f, g = _safe_objective(theta, problem)
    if g is None:
        raise ConvergenceError(
            "The start values give a model-implied covariance matrix that is not positive definite. "
            "Try: (1) giving start values with start(); (2) checking that latent variables have "
            "an indicator with a fixed loading or a fixed variance; (3) rescaling variables with "
            "very different variances."
        )
    ridge = 0.0
    for it in range(1, max_iter + 1):
        info = expected_information(theta, problem) / N
        step, decrement = _solve(info, g, ridge)
        if decrement < tol:
            return OptimResult(theta, f, g, it, True)
        alpha = 1.0
        accepted = False
        while alpha > 1e-12:
            cand = theta + alpha * step
            fc, gc = _safe_objective(cand, problem)
            if gc is not None and fc <= f - 1e-4 * alpha * decrement:
                accepted = True
                break
            alpha *= 0.5
        if not accepted:
            # At machine precision the line search cannot improve; accept convergence
            # if the decrement is already tiny, otherwise regularise and retry.
            if decrement < 1e-9:
                return OptimResult(theta, f, g, it, True)
            ridge = max(10 * ridge, 1e-6)
            if ridge > 1e6:
                break
            continue
        ridge = ridge / 10 if ridge > 1e-8 else 0.0
        theta, f, g = cand, fc, gc
    return OptimResult(theta, f, g, max_iter, False)


def _solve(info: np.ndarray, g: np.ndarray, ridge: float) -> tuple[np.ndarray, float]:
    H = info + ridge * np.eye(info.shape[0]) * max(1.0, float(np.abs(np.diag(info)).mean()))
    try:
        L = np.linalg.cholesky(H)
        step = -np.linalg.solve(L.T, np.linalg.solve(L, g))
    except np.linalg.LinAlgError:
        # Information not positive definite (e.g. not identified): use the pseudo-inverse.
        step = -np.linalg.pinv(H) @ g
    return step, float(-g @ step)
