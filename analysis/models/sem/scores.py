"""Case-wise scores of the (FIML) log-likelihood, pattern-batched.

For a row ``y`` of a pattern with observed variables ``o``, ``W = Sigma_oo^-1`` and
``z = W (y_o - mu_o)`` (zero-padded to all ``p`` variables), the derivative of the row's
log-likelihood along a free entry of the RAM matrices is

.. math::

    s = -\\tfrac12 \\operatorname{tr}(W \\partial\\Sigma_{oo})
        + \\tfrac12 z^\\top \\partial\\Sigma\\, z + z^\\top \\partial\\mu .

Every ``partial Sigma`` of a RAM model has rank two (``u v' + v u'`` with ``u``, ``v``
columns of ``E = F (I - A)^-1`` and ``F C``), so the quadratic term of all rows is a
product of two projections ``Z E`` and ``Z F C``; the trace term is one number per
pattern and entry (a product of the padded ``W`` with the Jacobian).  Weighted rows
count ``w_i`` times.  Rows come out in the order of the group's patterns.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from analysis.models.sem.batch import inverses
from analysis.models.sem.data import GroupData
from analysis.models.sem.information import combine, entry_jacobian, own_parameters
from analysis.models.sem.structure import MAT_A, MAT_M, MAT_S, GroupStructure, implied

#: Entries of the score matrix computed at once (rows x free entries).
CHUNK = 1 << 17


def group_scores(theta: np.ndarray, gs: GroupStructure, gd: GroupData,
                 meanstructure: bool) -> tuple[np.ndarray, np.ndarray]:
    """Scores of one group's rows over its own parameters: (positions in theta, rows x own)."""
    own, N, blocks = score_blocks(theta, gs, gd, meanstructure)
    out = np.empty((N, own.size))
    for lo, hi, s in blocks:
        out[lo:hi] = s
    return own, out


def score_blocks(theta: np.ndarray, gs: GroupStructure, gd: GroupData,
                 meanstructure: bool) -> tuple[np.ndarray, int, Iterator[tuple[int, int, np.ndarray]]]:
    """The scores of :func:`group_scores` a block of rows at a time: ``(own, N, blocks)`` with
    ``blocks`` yielding ``(lo, hi, scores of rows lo:hi)``, so that what is made of them (cross-products,
    PSU totals) never needs all N rows at once."""
    imp = implied(theta, gs)
    p = gs.p
    batch = gd.batch(p)
    own, pos = own_parameters(gs)
    N = int(batch.row_start[-1])
    Z = np.zeros(N * p)
    Ws, pat_order = [], []
    for b, W, _ in inverses(batch, imp.sigma):
        Ws.append(W)
        pat_order.append(b.index)
        Z[b.row_flat] = _whiten(b, W, imp.mu[b.observed] if meanstructure else b.mean).ravel()
    Z = Z.reshape(N, p)
    # Trace term per pattern and entry: tr(W dSigma) = vech(W) . vech(dSigma) with off-diagonals doubled.
    dS, _ = entry_jacobian(gs, imp)
    r, c = np.triu_indices(p)
    traces = np.empty((batch.size, dS.shape[0]))
    traces[np.concatenate(pat_order)] = batch.vech_rows(Ws) @ (dS[:, r, c] * np.where(r == c, -0.5, -1.0)).T
    row_pattern = np.repeat(np.arange(batch.size), np.diff(batch.row_start))
    U = Z @ imp.E
    V = Z @ imp.C[:p]
    weights = None
    if any(b.row_weights is not None for b in batch.blocks):
        weights = np.ones(N)
        for b in batch.blocks:
            weights[b.row_dest] = b.row_weights
    rows, cols = gs.free_row, gs.free_col
    a, sm, mm = (_columns(gs.free_mat == m) for m in (MAT_A, MAT_S, MAT_M))
    half = np.where(rows[sm] == cols[sm], 0.5, 1.0)
    step = max(64, CHUNK // max(1, traces.shape[1]))

    def blocks() -> Iterator[tuple[int, int, np.ndarray]]:
        for lo in range(0, N, step):  # rows in blocks: the temporaries stay small (and in the CPU's cache)
            hi = min(N, lo + step)
            s = traces[row_pattern[lo:hi]]
            u = U[lo:hi]
            if rows[a].size:
                v = V[lo:hi, cols[a]]
                s[:, a] += u[:, rows[a]] * (v + imp.Bm[cols[a]] if meanstructure else v)
            s[:, sm] += u[:, rows[sm]] * u[:, cols[sm]] * half
            if meanstructure and rows[mm].size:
                s[:, mm] += u[:, rows[mm]]
            if weights is not None:
                s *= weights[lo:hi, None]  # weighted likelihood: each row's score counts w_i times
            yield lo, hi, combine(s, pos, own.size, axis=1)

    return own, N, blocks()


def _whiten(b, W: np.ndarray, centre: np.ndarray) -> np.ndarray:
    """``z = W (y_o - centre)`` for every row of a block (rows x k)."""
    resid = b.rows - centre[b.row_pattern]
    big, small = b.row_groups
    z = np.empty_like(resid)
    for j, lo, hi in big:
        z[lo:hi] = resid[lo:hi] @ W[j]
    if small.size:
        z[small] = np.einsum("nij,nj->ni", W[b.row_pattern[small]], resid[small])
    return z


def _columns(mask: np.ndarray) -> slice | np.ndarray:
    """The columns of a mask as a slice when they are contiguous (in-place updates then need no copy)."""
    idx = np.flatnonzero(mask)
    if idx.size and idx[-1] - idx[0] + 1 == idx.size:
        return slice(int(idx[0]), int(idx[-1]) + 1)
    return idx
