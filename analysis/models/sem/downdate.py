"""Log-likelihood and gradient of patterns that miss few variables, without their ``k x k`` inverses.

For a pattern with observed ``o`` (``k`` of them) and missing ``m`` (``q`` of them), with
``K = Sigma^-1``, ``C = K_mm^-1`` (``q x q``) and ``W = Sigma_oo^-1`` zero-padded to ``p x p``,

.. math::

    W = K - K E_m C E_m^\\top K, \\qquad \\log|\\Sigma_{oo}| = \\log|\\Sigma| + \\log|K_{mm}|,

a rank-``q`` downdate of one ``K`` shared by all patterns.  Summed over patterns with counts
``n``, means ``ybar``, covariances ``S`` and ``M = S + d d'`` (``d = ybar - mu_o``), the
pieces of ``-2 loglik`` and of its gradient ``G = sum n (W - W M W)``, ``g_mu = -2 sum n W d``
become

.. math::

    \\sum n \\operatorname{tr}(W M) = \\operatorname{tr}(K \\textstyle\\sum n \\hat M)
        - \\sum n \\operatorname{tr}(C K_{mo} M K_{om}),

    G = K \\left[ N \\Sigma - \\textstyle\\sum n\\, C_{[mm]} - \\sum n \\hat M + Z + Z^\\top - V \\right] K,
    \\qquad g_\\mu = -2 K \\left[ \\textstyle\\sum n \\hat d - \\sum n\\, (C K_{mo} d)_{[m]} \\right],

with ``Z = sum n (C K_mo M)_[mo]`` and ``V = sum n (C K_mo M K_om C)_[mm]`` (``[..]``: placed at
those rows and columns of a ``p x p`` matrix) and hats for zero-padded ``p``-level sums; the
sums over the data (``sum n S``, ``sum n ybar ybar'``, ...) are computed once per data set, so
``sum n M`` costs ``O(p^2)`` for any ``mu``.  Per pattern only ``q x k`` and ``q x q`` arrays
are formed (``K_mo S`` is the one product that reads the data), instead of the ``k x k``
inverse and ``W M W`` of the direct formulas, which the remaining patterns (those missing
at least as many variables as they observe) still use.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from analysis.models.sem.batch import LOG2PI, PatternBatch, SizeBlock, chol_inverse


@dataclass(frozen=True)
class DowndateSums:
    """Sums over the downdated patterns' data, computed once per data set."""

    blocks: tuple[SizeBlock, ...]
    n: float  # sum of n
    const: float  # sum of n k log(2 pi)
    S: np.ndarray  # sum n S (padded)
    ybar: np.ndarray  # sum n ybar (padded)
    obs: np.ndarray  # sum n 1_o
    yy: np.ndarray  # sum n ybar ybar' (padded)
    yo: np.ndarray  # sum n ybar 1_o'
    oo: np.ndarray  # sum n 1_o 1_o'

    def sum_dd(self, mu: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``sum n d`` and ``sum n d d'`` (padded) at means ``mu``."""
        yo_mu = self.yo * mu[None, :]
        return self.ybar - self.obs * mu, self.yy - yo_mu - yo_mu.T + self.oo * np.outer(mu, mu)


def downdate_sums(batch: PatternBatch) -> DowndateSums:
    """The blocks that miss fewer variables than they observe, and the sums of their data.

    Computed once per batch and kept with it (the data are immutable).
    """
    cached = batch.__dict__.get("_downdate")
    if cached is None:
        cached = batch.__dict__["_downdate"] = _sums(batch)
    return cached


def direct_blocks(batch: PatternBatch) -> tuple[SizeBlock, ...]:
    """The blocks not downdated: those missing at least as many variables as they observe."""
    return tuple(b for b in batch.blocks if batch.p - b.k >= b.k)


def _sums(batch: PatternBatch) -> DowndateSums:
    p = batch.p
    blocks = tuple(b for b in batch.blocks if p - b.k < b.k)
    one = [np.ones_like(b.mean) for b in blocks]

    def vec(parts):
        return _scatter_vec(blocks, parts, p)

    def mat(parts):
        return _scatter(blocks, parts, p)

    return DowndateSums(
        blocks=blocks, n=float(sum(b.n.sum() for b in blocks)),
        const=float(sum(b.n.sum() * b.k * LOG2PI for b in blocks)),
        S=mat([b.n[:, None, None] * b.cov for b in blocks]),
        ybar=vec([b.n[:, None] * b.mean for b in blocks]),
        obs=vec([b.n[:, None] * o for b, o in zip(blocks, one)]),
        yy=mat([b.n[:, None, None] * b.mean[:, :, None] * b.mean[:, None, :] for b in blocks]),
        yo=mat([b.n[:, None, None] * b.mean[:, :, None] * o[:, None, :] for b, o in zip(blocks, one)]),
        oo=mat([b.n[:, None, None] * o[:, :, None] * o[:, None, :] for b, o in zip(blocks, one)]),
    )


def _scatter(blocks, parts, p):
    flat = np.concatenate([b.flat for b in blocks]) if blocks else np.zeros(0, np.intp)
    vals = np.concatenate([x.ravel() for x in parts]) if blocks else np.zeros(0)
    return np.bincount(flat, weights=vals, minlength=p * p).reshape(p, p)


def _scatter_vec(blocks, parts, p):
    idx = np.concatenate([b.observed.ravel() for b in blocks]) if blocks else np.zeros(0, np.intp)
    vals = np.concatenate([x.ravel() for x in parts]) if blocks else np.zeros(0)
    return np.bincount(idx, weights=vals, minlength=p)


def downdated_loglik(sums: DowndateSums, K: np.ndarray, logdet: float, sigma: np.ndarray, mu: np.ndarray,
                     meanstructure: bool, *, with_grad: bool):
    """``-2 loglik`` of the downdated patterns, and with ``with_grad`` their ``G`` and ``g_mu``.

    ``K = Sigma^-1`` and ``logdet = log|Sigma|`` (``Sigma`` positive definite).
    """
    p = K.shape[0]
    if meanstructure:
        sum_d, sum_dd = sums.sum_dd(mu)
    else:
        sum_d, sum_dd = np.zeros(p), np.zeros((p, p))
    sum_M = sums.S + sum_dd
    m2ll = sums.const + sums.n * logdet + float(np.sum(K * sum_M))
    flat_c, flat_z, flat_t = [], [], []
    vals_c, vals_z, vals_v, vals_t = [], [], [], []
    for b in sums.blocks:
        if b.k == p:
            continue
        o, m = b.observed, b.missing
        Kmm = K[m[:, :, None], m[:, None, :]]
        Kmo = K[m[:, :, None], o[:, None, :]]
        C, logdet_mm = chol_inverse(Kmm)  # positive definite, as K is
        KS = Kmo @ b.cov
        d = b.mean - mu[o] if meanstructure else None
        u = (Kmo @ d[:, :, None])[:, :, 0] if meanstructure else None
        KMK = KS @ np.swapaxes(Kmo, 1, 2)
        if meanstructure:
            KMK += u[:, :, None] * u[:, None, :]
        m2ll += float(b.n @ (logdet_mm - np.einsum("pij,pij->p", C, KMK)))
        if not with_grad:
            continue
        n = b.n[:, None, None]
        KM = KS + u[:, :, None] * d[:, None, :] if meanstructure else KS
        mo, _, mm = b.em_index
        flat_c.append(mm)
        vals_c.append((n * C).ravel())
        vals_v.append((n * (C @ KMK @ C)).ravel())
        flat_z.append(mo)
        vals_z.append((n * (C @ KM)).ravel())
        if meanstructure:
            flat_t.append(m.ravel())
            vals_t.append((b.n[:, None] * (C @ u[:, :, None])[:, :, 0]).ravel())
    if not with_grad:
        return m2ll
    cat = np.concatenate
    Cs = np.bincount(cat(flat_c), cat(vals_c), p * p).reshape(p, p) if flat_c else np.zeros((p, p))
    V = np.bincount(cat(flat_c), cat(vals_v), p * p).reshape(p, p) if flat_c else np.zeros((p, p))
    Z = np.bincount(cat(flat_z), cat(vals_z), p * p).reshape(p, p) if flat_z else np.zeros((p, p))
    inner = sums.n * sigma - Cs - sum_M + Z + Z.T - V
    G = K @ inner @ K
    if meanstructure:
        t = np.bincount(cat(flat_t), cat(vals_t), p) if flat_t else np.zeros(p)
        gmu = -2.0 * (K @ (sum_d - t))
    else:
        gmu = np.zeros(p)
    return m2ll, 0.5 * (G + G.T), gmu
