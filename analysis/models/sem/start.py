"""Start values that put the optimiser inside the admissible region.

As lavaan's ``start = "simple"`` with data-scaled variances: loadings and
regressions at 1 and 0, intercepts at the saturated means, observed residual
variances at half the observed variance, and latent variances sized so that the
implied variance of each indicator is close to its observed variance.  That last
rule matters for RI-CLPMs, where each observed score is the sum of a random
intercept and a within-person factor with no residual.
"""

from __future__ import annotations

import numpy as np

from analysis.models.sem.structure import MAT_A, MAT_M, MAT_S, ModelStructure, implied


def start_values(
    structure: ModelStructure,
    h1_means: list[np.ndarray],
    h1_covs: list[np.ndarray],
    user_start: np.ndarray,
) -> np.ndarray:
    """Start vector; ``user_start`` holds ``start()`` values (NaN where none)."""
    theta = np.full(structure.npar, np.nan)
    for gs, mean, cov in zip(structure.groups, h1_means, h1_covs):
        p = gs.p
        ovar = np.diag(cov)
        # Which latents load on each observed variable (with fixed or free loadings).
        A_pattern = gs.A0.copy()
        a = gs.free_mat == MAT_A
        A_pattern[gs.free_row[a], gs.free_col[a]] = 1.0
        free_resid = np.zeros(gs.n, dtype=bool)
        s = (gs.free_mat == MAT_S) & (gs.free_row == gs.free_col)
        free_resid[gs.free_row[s]] = True
        for mat, i, j, k in zip(gs.free_mat, gs.free_row, gs.free_col, gs.free_idx):
            if np.isfinite(theta[k]):
                continue
            if mat == MAT_A:
                # Loadings of a latent on an indicator start at 1, regressions at 0.
                theta[k] = 1.0 if (j >= p and i < p) else 0.0
            elif mat == MAT_M:
                theta[k] = mean[i] if i < p else 0.0
            elif i != j:
                theta[k] = 0.0
            elif i < p:
                theta[k] = 0.5 * ovar[i]
            else:
                theta[k] = _latent_variance(i, p, A_pattern, ovar, free_resid)
    fill = np.isfinite(user_start)
    theta[fill] = user_start[fill]
    theta[~np.isfinite(theta)] = 0.0
    return _make_admissible(theta, structure)


def _latent_variance(j: int, p: int, A_pattern: np.ndarray, ovar: np.ndarray, free_resid: np.ndarray) -> float:
    indicators = np.flatnonzero(A_pattern[:p, j] != 0)
    if indicators.size == 0:
        # A latent with no observed indicators (e.g. a regressed within-person factor)
        # gets a variance of the size of the data it eventually explains.
        return 0.05 if ovar.size == 0 else 0.5 * float(np.median(ovar))
    shares = []
    for x in indicators:
        parents = np.count_nonzero(A_pattern[x, p:]) + (1 if free_resid[x] else 0)
        lam = A_pattern[x, j]
        shares.append(ovar[x] / max(parents, 1) / (lam * lam if lam != 0 else 1.0))
    return float(np.mean(shares))


def _make_admissible(theta: np.ndarray, structure: ModelStructure) -> np.ndarray:
    """Shrink covariances until every group's implied covariance matrix is positive definite."""
    theta = theta.copy()
    for _ in range(30):
        ok = True
        for gs in structure.groups:
            sig = implied(theta, gs).sigma
            if sig.size and np.linalg.eigvalsh(sig).min() <= 1e-10 * max(1.0, np.abs(sig).max()):
                ok = False
        if ok:
            return theta
        for gs in structure.groups:
            for mat, i, j, k in zip(gs.free_mat, gs.free_row, gs.free_col, gs.free_idx):
                if mat == MAT_S and i != j:
                    theta[k] *= 0.5
                elif mat == MAT_S and i == j:
                    theta[k] = abs(theta[k]) * 1.5 + 1e-3
                elif mat == MAT_A and j < gs.p:
                    theta[k] *= 0.5
    return theta
