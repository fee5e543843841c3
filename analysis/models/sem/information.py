"""Expected and observed information of the case-wise likelihood, analytically and pattern-batched.

Write ``F = -loglik`` of one group.  For a pattern with ``n`` rows, ``W = Sigma_oo^-1``,
``d = ybar - mu_o``, ``M = S + d d'`` and ``Q = W M W``, the second derivatives of
``F`` along directions ``(Delta_1, delta_1)`` and ``(Delta_2, delta_2)`` of the
moments ``(Sigma, mu)`` are

.. math::

    n\\left[\\operatorname{tr}(W\\Delta_2 (Q - \\tfrac12 W)\\Delta_1)
      + (Wd)^\\top\\Delta_1 W\\delta_2 + (Wd)^\\top\\Delta_2 W\\delta_1
      + \\delta_1^\\top W \\delta_2\\right],

and the expected information keeps ``tr(W Delta_2 W Delta_1) / 2`` and the mean
term.  Summed over patterns (``W`` zero-padded to ``p x p``) the trace term is a
contraction with ``T = sum_k n_k vec(W_k) vec(X_k)'`` (``X = Q - W/2`` or ``W/2``),
one matrix product over all patterns on the vech of the padded matrices; so the
cost of an information matrix hardly depends on the number of patterns.  The
chain rule to the parameters uses the Jacobian of the group's own parameters only
(in a multigroup model a group touches a fraction of them), plus, for the observed
information, the curvature of the RAM moments contracted with the gradient
``G = dF/dSigma`` (:func:`curvature`).  The numerical Hessian of :mod:`.hessian`
checks all of it.
"""

from __future__ import annotations

import numpy as np

from analysis.models.sem.batch import pattern_terms, vech_index
from analysis.models.sem.data import GroupData
from analysis.models.sem.structure import MAT_A, MAT_M, MAT_S, GroupStructure, Implied, implied


def own_parameters(gs: GroupStructure) -> tuple[np.ndarray, np.ndarray]:
    """The group's own free parameters (sorted) and the position of each free entry among them."""
    own = np.unique(gs.free_idx)
    return own, np.searchsorted(own, gs.free_idx)


def combine(x: np.ndarray, pos: np.ndarray, m: int, axis: int = 0) -> np.ndarray:
    """Add the slices of ``x`` along ``axis`` that belong to one parameter (entries sharing a label)."""
    if pos.size == m and (pos == np.arange(m)).all():
        return x
    x = np.moveaxis(x, axis, 0)
    if pos.size == m:  # no shared labels: a permutation
        out = np.empty((m,) + x.shape[1:])
        out[pos] = x
    else:
        # Sum the runs of each position (np.add.at is an unbuffered loop, many times slower).
        order = np.argsort(pos, kind="stable")
        sorted_pos = pos[order]
        starts = np.flatnonzero(np.r_[True, sorted_pos[1:] != sorted_pos[:-1]])
        out = np.zeros((m,) + x.shape[1:])
        out[sorted_pos[starts]] = np.add.reduceat(x[order], starts, axis=0)
    return np.moveaxis(out, 0, axis)


def entry_jacobian(gs: GroupStructure, imp: Implied) -> tuple[np.ndarray, np.ndarray]:
    """dSigma (entries x p x p) and dmu (entries x p) for each free entry of the RAM matrices."""
    E, FC, Bm = imp.E, imp.C[: gs.p], imp.Bm
    rows, cols, mat = gs.free_row, gs.free_col, gs.free_mat
    u = E[:, rows].T  # (F, p)
    v = np.where((mat == MAT_A)[:, None], FC[:, cols].T, E[:, cols].T)
    uv = u[:, :, None] * v[:, None, :]
    half = np.where((mat == MAT_S) & (rows == cols), 0.5, 1.0)
    dS = (uv + np.swapaxes(uv, 1, 2)) * (half * (mat != MAT_M))[:, None, None]
    dmu = u * np.select([mat == MAT_A, mat == MAT_M], [Bm[cols], 1.0], 0.0)[:, None]
    return dS, dmu


def curvature(gs: GroupStructure, imp: Implied, G: np.ndarray, gmu: np.ndarray) -> np.ndarray:
    """``(tr(G d2Sigma) + gmu' d2mu) / 2`` over pairs of free entries (entries x entries).

    ``G``/``gmu`` are derivatives of ``-2 loglik``.  With ``B = (I - A)^-1``, ``E = F B``,
    ``C = B S B'``, ``P1 = E' G F C``, ``P2 = E' G E`` and ``e = E' gmu``, for entries
    ``A_ij``, ``A_kl``: ``2[B_li P1_kj + B_jk P1_il + C_jl P2_ik] + e_k B_li Bm_j + e_i B_jk Bm_l``;
    ``A_ij``, ``S_kl``: ``2[P2_ik B_jl + P2_il B_jk]`` (halved on the diagonal); ``A_ij``,
    ``m_k``: ``e_i B_jk``; all other pairs zero (the moments are linear in ``S`` and ``m``).
    """
    E, B, C, Bm = imp.E, imp.B, imp.C, imp.Bm
    P1 = E.T @ G @ C[: gs.p]
    P2 = E.T @ G @ E
    e = E.T @ gmu
    F = gs.free_idx.size
    H = np.zeros((F, F))
    a = np.flatnonzero(gs.free_mat == MAT_A)
    s = np.flatnonzero(gs.free_mat == MAT_S)
    m = np.flatnonzero(gs.free_mat == MAT_M)
    if a.size == 0:
        return H
    i, j = gs.free_row[a][:, None], gs.free_col[a][:, None]
    k, l = i.T, j.T
    AA = 2.0 * (B[l, i] * P1[k, j] + B[j, k] * P1[i, l] + C[j, l] * P2[i, k])
    AA += e[k] * B[l, i] * Bm[j] + e[i] * B[j, k] * Bm[l]
    H[np.ix_(a, a)] = AA
    if s.size:
        ks, ls = gs.free_row[s][None, :], gs.free_col[s][None, :]
        AS = 2.0 * (P2[i, ks] * B[j, ls] + P2[i, ls] * B[j, ks]) * np.where(ks == ls, 0.5, 1.0)
        H[np.ix_(a, s)] = AS
        H[np.ix_(s, a)] = AS.T
    if m.size:
        AM = e[i] * B[j, gs.free_row[m][None, :]]
        H[np.ix_(a, m)] = AM
        H[np.ix_(m, a)] = AM.T
    return 0.5 * H


def moment_information(gd: GroupData, sigma: np.ndarray, mu: np.ndarray, meanstructure: bool, *,
                       observed: bool):
    """The second-derivative operator of ``-loglik`` in the moments, summed over patterns.

    Returns ``R`` (p^2 x p^2, acting on ``vec(Delta)`` on both sides), ``Cr`` (p^2 x p, the
    mean-covariance cross term, ``None`` for expected information), ``Wsum`` (p x p) and,
    for the observed information, the gradient pieces ``G`` and ``gmu`` (else ``None``).
    """
    p = sigma.shape[0]
    batch = gd.batch(p)
    Ws, Xs, Wds, Gs, gms = [], [], [], [], []
    for b, W, _, d, Wd in pattern_terms(batch, sigma, mu, meanstructure):
        Ws.append(W)
        if observed:
            WdWd = Wd[:, :, None] * Wd[:, None, :]
            Q = W @ b.cov @ W + WdWd
            Xs.append(Q - 0.5 * W)
            Wds.append(Wd * b.n[:, None])
            Gs.append(b.n[:, None, None] * (W - Q))
            gms.append(-2.0 * b.n[:, None] * Wd)
        else:
            Xs.append(0.5 * W)
    n = np.concatenate([b.n for b in batch.blocks])
    Vw = batch.vech_rows(Ws)
    hmap = vech_index(p).ravel()
    if observed:
        Th = Vw.T @ (n[:, None] * batch.vech_rows(Xs))
    else:  # X = W/2: Th = S'S with S = sqrt(n/2) vech(W), a product BLAS forms at half the cost (syrk)
        S = np.sqrt(0.5 * n)[:, None] * Vw
        Th = S.T @ S
    # T[i, j, k, l] = sum n W_ij X_kl; the trace term pairs (l, i) of Delta_1 with (j, k) of Delta_2.
    T = Th[hmap][:, hmap].reshape(p, p, p, p)
    R = T.transpose(3, 0, 1, 2).reshape(p * p, p * p)
    Wsum = batch.scatter([b.n[:, None, None] * W for b, W in zip(batch.blocks, Ws)])
    if not observed:
        return R, None, Wsum, None, None
    # Cr[(i, j), l] = sum n (W d)_i W_jl: the cross term (Wd)' Delta W delta.
    Ch = batch.pad_rows(Wds).T @ Vw  # (p, h)
    Cr = Ch[:, hmap].reshape(p * p, p)
    return R, Cr, Wsum, batch.scatter(Gs), batch.scatter_vec(gms)


def group_information(theta: np.ndarray, gs: GroupStructure, gd: GroupData, meanstructure: bool, *,
                      observed: bool) -> tuple[np.ndarray, np.ndarray]:
    """Expected or observed information of one group's ``-loglik`` over its own parameters.

    Returns the positions of the group's free parameters in ``theta`` and the (own x own) matrix.
    """
    imp = implied(theta, gs)
    own, pos = own_parameters(gs)
    dS_e, dmu_e = entry_jacobian(gs, imp)
    p = gs.p
    D = combine(dS_e.reshape(-1, p * p), pos, own.size)
    Dm = combine(dmu_e, pos, own.size)
    if not observed and len(gd.patterns) == 1 and gd.patterns[0].observed.size == p:
        return own, _complete_expected(D, Dm, imp.sigma, float(gd.patterns[0].n), meanstructure)
    R, Cr, Wsum, G, gmu = moment_information(gd, imp.sigma, imp.mu, meanstructure, observed=observed)
    H = D @ R @ D.T
    if meanstructure:
        H += Dm @ Wsum @ Dm.T
        if observed:
            cross = D @ Cr @ Dm.T
            H += cross + cross.T
    if observed:
        curv = curvature(gs, imp, G, gmu if meanstructure else np.zeros(p))
        H += combine(combine(curv, pos, own.size, axis=0), pos, own.size, axis=1)
    return own, 0.5 * (H + H.T)


def _complete_expected(D: np.ndarray, Dm: np.ndarray, sigma: np.ndarray, n: float, meanstructure: bool) -> np.ndarray:
    """Expected information of one complete pattern: ``n/2 tr(W dS_a W dS_b) + n dmu_a' W dmu_b``.

    With every variable observed there is one ``W``, so ``W dS_b W`` is formed for each parameter
    (``q p^3``) instead of the patterns' ``p^2 x p^2`` operator (``q p^4``): the model fitted to the
    saturated moments for start values (:mod:`.warm`) and complete-data fits.
    """
    p = sigma.shape[0]
    W = np.linalg.inv(sigma)
    q = D.shape[0]
    X = (W @ D.reshape(q, p, p) @ W).reshape(q, p * p)
    H = 0.5 * n * (D @ X.T)
    if meanstructure:
        H += n * (Dm @ W @ Dm.T)
    return 0.5 * (H + H.T)
