"""Model-implied moments in RAM form, and their derivatives.

For each group the variables are ``v = (observed..., latent...)`` and

.. math::

    v = A v + m + \\varepsilon, \\quad \\operatorname{Cov}(\\varepsilon) = S,
    \\quad B = (I - A)^{-1}, \\quad E = F B,

    \\Sigma = E S E^\\top, \\qquad \\mu = E m,

where ``F`` selects the observed variables.  ``A[i, j]`` holds loadings
(``f =~ x``: ``A[x, f]``) and regressions (``y ~ x``: ``A[y, x]``), ``S`` the
(residual) variances and covariances, ``m`` the intercepts.  Parameters that
share a label share one entry of the free-parameter vector.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.errors import ModelSpecificationError

MAT_A, MAT_S, MAT_M = 0, 1, 2


@dataclass(frozen=True)
class GroupStructure:
    """Where each parameter of one group sits in its RAM matrices."""

    ov_names: tuple[str, ...]
    lv_names: tuple[str, ...]
    # Free entries: parallel arrays (matrix id, row, col, free index 0-based).
    free_mat: np.ndarray
    free_row: np.ndarray
    free_col: np.ndarray
    free_idx: np.ndarray
    # Matrices holding every fixed value (free entries are zero here).
    A0: np.ndarray
    S0: np.ndarray
    m0: np.ndarray
    # Partable row ids of the free entries, for exo/fixed-value filling and diagnostics.
    rows: np.ndarray

    @property
    def p(self) -> int:
        return len(self.ov_names)

    @property
    def n(self) -> int:
        return len(self.ov_names) + len(self.lv_names)


@dataclass(frozen=True)
class ModelStructure:
    """All groups of a model plus the size of the free-parameter vector."""

    groups: tuple[GroupStructure, ...]
    npar: int


def build_structure(
    partable: pd.DataFrame, ov_names: list[str], lv_names: list[str]
) -> ModelStructure:
    """Translate a parameter table into RAM index maps, group by group.

    ``ov_names``/``lv_names`` fix the variable order (the same in every group).
    Fixed values are taken from ``ustart``; a fixed row whose ``ustart`` is NaN is
    an error here (exogenous covariate moments must be filled in before).
    """
    pos = {name: i for i, name in enumerate(list(ov_names) + list(lv_names))}
    ngroups = int(partable.loc[partable["group"] > 0, "group"].max())
    npar = int(partable["free"].max()) if len(partable) else 0
    groups = []
    nv = len(pos)
    for g in range(1, ngroups + 1):
        rows = partable[(partable["group"] == g) & partable["op"].isin(["=~", "~", "~~", "~1"])]
        A0 = np.zeros((nv, nv))
        S0 = np.zeros((nv, nv))
        m0 = np.zeros(nv)
        fm, fr, fc, fi, ids = [], [], [], [], []
        for r in rows.itertuples(index=False):
            mat, i, j = _locate(r.op, r.lhs, r.rhs, pos)
            if r.free > 0:
                fm.append(mat), fr.append(i), fc.append(j), fi.append(int(r.free) - 1), ids.append(int(r.id))
                continue
            value = float(r.ustart)
            if not np.isfinite(value):
                raise ModelSpecificationError(
                    f"The fixed parameter '{r.lhs} {r.op} {r.rhs}' has no value."
                )
            if mat == MAT_A:
                A0[i, j] = value
            elif mat == MAT_S:
                S0[i, j] = S0[j, i] = value
            else:
                m0[i] = value
        groups.append(
            GroupStructure(
                ov_names=tuple(ov_names),
                lv_names=tuple(lv_names),
                free_mat=np.array(fm, dtype=int),
                free_row=np.array(fr, dtype=int),
                free_col=np.array(fc, dtype=int),
                free_idx=np.array(fi, dtype=int),
                A0=A0,
                S0=S0,
                m0=m0,
                rows=np.array(ids, dtype=int),
            )
        )
    return ModelStructure(groups=tuple(groups), npar=npar)


def _locate(op: str, lhs: str, rhs: str, pos: dict[str, int]) -> tuple[int, int, int]:
    if op == "=~":
        return MAT_A, pos[rhs], pos[lhs]
    if op == "~":
        return MAT_A, pos[lhs], pos[rhs]
    if op == "~~":
        return MAT_S, pos[lhs], pos[rhs]
    return MAT_M, pos[lhs], 0


def matrices(theta: np.ndarray, gs: GroupStructure) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Fill the RAM matrices ``A, S, m`` of one group from the parameter vector."""
    A = gs.A0.copy()
    S = gs.S0.copy()
    m = gs.m0.copy()
    vals = theta[gs.free_idx]
    a = gs.free_mat == MAT_A
    A[gs.free_row[a], gs.free_col[a]] = vals[a]
    s = gs.free_mat == MAT_S
    S[gs.free_row[s], gs.free_col[s]] = vals[s]
    S[gs.free_col[s], gs.free_row[s]] = vals[s]
    mm = gs.free_mat == MAT_M
    m[gs.free_row[mm]] = vals[mm]
    return A, S, m


@dataclass(frozen=True)
class Implied:
    """Model-implied moments of one group and the pieces their derivatives need."""

    sigma: np.ndarray  # (p, p)
    mu: np.ndarray  # (p,)
    B: np.ndarray  # (n, n) = (I - A)^-1
    E: np.ndarray  # (p, n) = F B
    S: np.ndarray
    Bm: np.ndarray  # (n,) means of all variables
    C: np.ndarray  # (n, n) = B S B^T, covariances of all variables


def implied(theta: np.ndarray, gs: GroupStructure) -> Implied:
    """Model-implied covariance matrix and mean vector of one group."""
    A, S, m = matrices(theta, gs)
    n = A.shape[0]
    try:
        B = np.linalg.inv(np.eye(n) - A)
    except np.linalg.LinAlgError:
        raise ModelSpecificationError(
            "The regressions in the model form a loop whose effects never settle (I - B is singular)."
        ) from None
    C = B @ S @ B.T
    p = gs.p
    E = B[:p]
    Bm = B @ m
    return Implied(sigma=C[:p, :p], mu=Bm[:p], B=B, E=E, S=S, Bm=Bm, C=C)


def chain_gradient(gs: GroupStructure, imp: Implied, G: np.ndarray, gmu: np.ndarray, npar: int) -> np.ndarray:
    """Gradient with respect to theta, given ``G = dF/dSigma`` and ``gmu = dF/dmu``.

    ``G`` is the (symmetric) derivative treating every entry of Sigma as free.
    """
    E, B = imp.E, imp.B
    EtG = E.T @ G  # (n, p)
    FC = imp.C[: gs.p]  # (p, n) = F C
    dA = 2.0 * EtG @ FC  # dF/dA_ij, covariance part
    Etg = E.T @ gmu  # (n,)
    dA += np.outer(Etg, imp.Bm)
    dS = EtG @ E  # (n, n)
    grad = np.zeros(npar)
    vals = np.empty(gs.free_idx.size)
    a = gs.free_mat == MAT_A
    vals[a] = dA[gs.free_row[a], gs.free_col[a]]
    s = gs.free_mat == MAT_S
    off = gs.free_row[s] != gs.free_col[s]
    vals[s] = dS[gs.free_row[s], gs.free_col[s]] * np.where(off, 2.0, 1.0)
    mm = gs.free_mat == MAT_M
    vals[mm] = Etg[gs.free_row[mm]]
    np.add.at(grad, gs.free_idx, vals)
    return grad


def jacobian(gs: GroupStructure, imp: Implied, npar: int) -> tuple[np.ndarray, np.ndarray]:
    """Derivatives of Sigma and mu with respect to each free parameter.

    Returns ``dSigma`` with shape (npar, p, p) and ``dmu`` with shape (npar, p).
    Parameters not in this group have zero derivatives.
    """
    p = gs.p
    E = imp.E
    FC = imp.C[:p]
    dSigma = np.zeros((npar, p, p))
    dmu = np.zeros((npar, p))
    for mat, i, j, k in zip(gs.free_mat, gs.free_row, gs.free_col, gs.free_idx):
        if mat == MAT_A:
            u = E[:, i]
            v = FC[:, j]
            uv = np.outer(u, v)
            dSigma[k] += uv + uv.T
            dmu[k] += u * imp.Bm[j]
        elif mat == MAT_S:
            uv = np.outer(E[:, i], E[:, j])
            dSigma[k] += uv + uv.T if i != j else uv
        else:
            dmu[k] += E[:, i]
    return dSigma, dmu
