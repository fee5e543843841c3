"""Standard errors, defined parameters and tests: functions of estimates and information matrices.

lavaan's defaults are followed: the inverse expected information for
complete-data ML, the inverse observed information (Hessian) for FIML, and the
sandwich ``A^-1 B A^-1`` for MLR with ``B`` the cross-product of case-wise scores.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from analysis.models.sem.distributions import chi2_sf, norm_ppf, norm_sf


@dataclass(frozen=True)
class Covariance:
    """Sampling covariance of the free parameters and whether it could be computed."""

    vcov: np.ndarray
    identified: bool
    smallest_eigenvalue: float


def invert_information(info: np.ndarray) -> Covariance:
    """Invert an information matrix; flag (near-)singularity as non-identification."""
    sym = 0.5 * (info + info.T)
    eig = np.linalg.eigvalsh(sym) if sym.size else np.array([1.0])
    scale = max(1.0, float(np.abs(eig).max()))
    if eig.min() <= 1e-10 * scale:
        return Covariance(np.full_like(sym, np.nan), False, float(eig.min()))
    return Covariance(np.linalg.inv(sym), True, float(eig.min()))


def sandwich(bread_info: np.ndarray, meat: np.ndarray) -> Covariance:
    """Sandwich covariance ``A^-1 B A^-1`` (Huber–White, or design-based with a survey ``B``)."""
    inv = invert_information(bread_info)
    if not inv.identified:
        return inv
    v = inv.vcov @ meat @ inv.vcov
    return Covariance(0.5 * (v + v.T), True, inv.smallest_eigenvalue)


def numerical_jacobian(fun: Callable[[np.ndarray], np.ndarray], theta: np.ndarray, *,
                       parameters: np.ndarray | None = None) -> np.ndarray:
    """Central-difference Jacobian of a vector function (for the delta method).

    ``parameters``: the positions ``fun`` depends on (e.g. one group's parameters of a
    multigroup model); the other columns are zero without evaluating ``fun``.
    """
    f0 = np.atleast_1d(fun(theta))
    J = np.zeros((f0.size, theta.size))
    for a in (range(theta.size) if parameters is None else np.unique(np.asarray(parameters, int))):
        h = 1e-6 * max(1.0, abs(theta[a]))
        up = theta.copy()
        dn = theta.copy()
        up[a] += h
        dn[a] -= h
        J[:, a] = (np.atleast_1d(fun(up)) - np.atleast_1d(fun(dn))) / (2 * h)
    return J


def delta_method_se(fun: Callable[[np.ndarray], np.ndarray], theta: np.ndarray, vcov: np.ndarray, *,
                    parameters: np.ndarray | None = None) -> np.ndarray:
    """Standard errors of ``fun(theta)`` by the delta method (``parameters``: see :func:`numerical_jacobian`)."""
    J = numerical_jacobian(fun, theta, parameters=parameters)
    var = np.einsum("ia,ab,ib->i", J, vcov, J)
    return np.sqrt(np.maximum(var, 0.0))


def z_tests(est: np.ndarray, se: np.ndarray, *, level: float = 0.95) -> dict[str, np.ndarray]:
    """Wald z statistics, two-sided p-values and normal-theory confidence limits."""
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(se > 0, est / se, np.nan)
    q = norm_ppf(0.5 + level / 2.0)
    return {
        "z": z,
        "pvalue": 2.0 * norm_sf(np.abs(z)),
        "ci_lower": est - q * se,
        "ci_upper": est + q * se,
    }


@dataclass(frozen=True)
class TestResult:
    """A chi-square test: statistic, degrees of freedom, p-value."""

    chisq: float
    df: int
    pvalue: float
    description: str = ""

    def to_dict(self) -> dict:
        return {"chisq": float(self.chisq), "df": int(self.df), "pvalue": float(self.pvalue)}


def wald_test(
    constraint_values: Callable[[np.ndarray], np.ndarray], theta: np.ndarray, vcov: np.ndarray, *, description: str = ""
) -> TestResult:
    """Wald test of ``h(theta) = 0`` for a vector of constraint functions."""
    h = np.atleast_1d(constraint_values(theta))
    J = numerical_jacobian(constraint_values, theta)
    V = J @ vcov @ J.T
    stat = float(h @ np.linalg.solve(V, h))
    df = int(h.size)
    return TestResult(stat, df, float(chi2_sf(stat, df)), description)

