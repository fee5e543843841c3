"""Log-likelihood and gradient of all missing-data patterns in a few padded stacks.

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
``sum n M`` costs ``O(p^2)`` for any ``mu``.  Per pattern only ``q x p`` and ``q x q`` arrays
are formed (``K_mo S`` is the one product that reads the data), not the ``k x k`` inverse and
``W M W`` of the direct formulas, which the other patterns (those missing at least as many
variables as they observe) still use.

Patterns are stacked in a few buckets rather than one stack per size, so that an evaluation
costs a small, fixed number of NumPy calls: downdated patterns by their number of missing variables
``q`` in ``1, 2, 3, 4, 5-6, 7-8, 9-11, ...``, padded to the stack's largest ``q`` with dummy variables
(indices ``p, p + 1, ...``: ``K`` is extended by an identity block, which adds nothing); the
direct ones by ``k`` likewise (``Sigma`` extended the same way, padded means and covariances
zero).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from analysis.models.sem.batch import LOG2PI, NotPositiveDefinite, PatternBatch, SizeBlock, chol_inverse


@dataclass(frozen=True)
class DowndateBucket:
    """Patterns missing ``1 <= q < k`` variables, ``q`` padded to ``width`` with the dummy index ``p``."""

    width: int
    n: np.ndarray  # (P,)
    missing: np.ndarray  # (P, width), padded with the dummies p, p + 1, ...
    observed: np.ndarray  # (P, p) 1.0 where observed
    mean: np.ndarray  # (P, p), zero where missing
    cov: np.ndarray  # (P, p, p), zero where missing
    mm_flat: np.ndarray  # flat positions of (missing, missing) in a (p + width)^2 table
    mp_flat: np.ndarray  # flat positions of (missing, all p) in a (p + width) x p table


@dataclass(frozen=True)
class DirectBucket:
    """Patterns whose ``Sigma_oo`` is inverted directly, ``k`` padded to ``width`` with the dummy index ``p``."""

    width: int
    n: np.ndarray  # (P,)
    k: np.ndarray  # (P,) observed variables
    observed: np.ndarray  # (P, width), padded with the dummies p, p + 1, ...
    mean: np.ndarray  # (P, width)
    cov: np.ndarray  # (P, width, width)
    flat: np.ndarray  # flat positions of (observed, observed) in a (p + width)^2 table


@dataclass(frozen=True)
class Stacks:
    """A group's patterns for the likelihood kernel, and the sums over the data it needs."""

    p: int
    down: tuple[DowndateBucket, ...]
    direct: tuple[DirectBucket, ...]  # patterns with q >= k
    blocks: tuple[SizeBlock, ...]  # all of them (see ``fallback``)
    n: float  # sum of n over the downdated and complete patterns
    const: float  # sum of n k log(2 pi) over them
    S: np.ndarray  # sum n S (padded)
    ybar: np.ndarray  # sum n ybar (padded)
    obs: np.ndarray  # sum n 1_o
    yy: np.ndarray  # sum n ybar ybar' (padded)
    yo: np.ndarray  # sum n ybar 1_o'
    oo: np.ndarray  # sum n 1_o 1_o'

    @cached_property
    def fallback(self) -> tuple[DirectBucket, ...]:
        """Every pattern in direct stacks, for a ``Sigma`` that is not positive definite (rare; built then)."""
        return tuple(_direct_buckets(list(self.blocks), self.p))

    def sum_dd(self, mu: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``sum n d`` and ``sum n d d'`` (padded) at means ``mu``."""
        yo_mu = self.yo * mu[None, :]
        return self.ybar - self.obs * mu, self.yy - yo_mu - yo_mu.T + self.oo * np.outer(mu, mu)


def stacks(batch: PatternBatch) -> Stacks:
    """The likelihood kernel's stacks of a batch, built once and kept with it (the data are immutable)."""
    cached = batch.__dict__.get("_stacks")
    if cached is None:
        cached = batch.__dict__["_stacks"] = _build(batch)
    return cached


_WIDTHS = (1, 2, 3, 4, 6, 8, 11, 16, 23, 32, 45, 64, 91, 128)


def _bucket(size: int) -> int:
    """Stack number for patterns of this many missing (downdated) or observed (direct) variables.

    Widths grow by about 1.4, so padding wastes little and a panel of any width has a
    dozen stacks at most (measured: fewer, wider stacks cost more in padding than they
    save in NumPy calls on 2,500 patterns; one stack per size costs more calls on small
    models).
    """
    for j, width in enumerate(_WIDTHS):
        if size <= width:
            return j
    return len(_WIDTHS) + int(np.ceil(np.log2(size / _WIDTHS[-1])))


def _build(batch: PatternBatch) -> Stacks:
    p = batch.p
    summed = [b for b in batch.blocks if p - b.k < b.k]  # downdated and complete patterns
    down = [b for b in summed if b.k < p]
    direct = [b for b in batch.blocks if p - b.k >= b.k]
    padded = [_padded(b, p) for b in summed]

    def total(f):
        return sum(f(b, x) for b, x in zip(summed, padded)) if summed else 0.0

    return Stacks(
        p=p,
        down=tuple(_down_bucket([b for b in down if _bucket(p - b.k) == j], p)
                   for j in sorted({_bucket(p - b.k) for b in down})),
        direct=tuple(_direct_buckets(direct, p)),
        blocks=batch.blocks,
        n=float(total(lambda b, x: b.n.sum())),
        const=float(total(lambda b, x: b.n.sum() * b.k * LOG2PI)),
        S=total(lambda b, x: np.einsum("p,pij->ij", b.n, x[2])) + np.zeros((p, p)),
        ybar=total(lambda b, x: b.n @ x[1]) + np.zeros(p),
        obs=total(lambda b, x: b.n @ x[0]) + np.zeros(p),
        yy=total(lambda b, x: (b.n[:, None] * x[1]).T @ x[1]) + np.zeros((p, p)),
        yo=total(lambda b, x: (b.n[:, None] * x[1]).T @ x[0]) + np.zeros((p, p)),
        oo=total(lambda b, x: (b.n[:, None] * x[0]).T @ x[0]) + np.zeros((p, p)),
    )


def _padded(b: SizeBlock, p: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Observed indicators (P, p), means (P, p) and covariances (P, p, p), zero where missing."""
    P = b.index.size
    rows = np.arange(P)[:, None]
    obs = np.zeros((P, p))
    obs[rows, b.observed] = 1.0
    mean = np.zeros((P, p))
    mean[rows, b.observed] = b.mean
    cov = np.zeros((P, p, p))
    cov[rows[:, :, None], b.observed[:, :, None], b.observed[:, None, :]] = b.cov
    return obs, mean, cov


def _down_bucket(blocks: list[SizeBlock], p: int) -> DowndateBucket:
    width = max(p - b.k for b in blocks)
    miss = np.concatenate([_pad_index(b.missing, width, p) for b in blocks])
    obs, mean, cov = (np.concatenate(x) for x in zip(*[_padded(b, p) for b in blocks]))
    return DowndateBucket(
        width=width, n=np.concatenate([b.n for b in blocks]), missing=miss, observed=obs, mean=mean, cov=cov,
        mm_flat=(miss[:, :, None] * (p + width) + miss[:, None, :]).ravel(),
        mp_flat=(miss[:, :, None] * p + np.arange(p)[None, None, :]).ravel())


def _direct_buckets(blocks: list[SizeBlock], p: int) -> list[DirectBucket]:
    out = []
    for j in sorted({_bucket(b.k) for b in blocks}):
        group = [b for b in blocks if _bucket(b.k) == j]
        width = max(b.k for b in group)
        obs = np.concatenate([_pad_index(b.observed, width, p) for b in group])
        mean = np.concatenate([np.pad(b.mean, ((0, 0), (0, width - b.k))) for b in group])
        cov = np.concatenate([np.pad(b.cov, ((0, 0), (0, width - b.k), (0, width - b.k))) for b in group])
        out.append(DirectBucket(
            width=width, n=np.concatenate([b.n for b in group]),
            k=np.concatenate([np.full(b.index.size, b.k) for b in group]), observed=obs, mean=mean, cov=cov,
            flat=(obs[:, :, None] * (p + width) + obs[:, None, :]).ravel()))
    return out


def _pad_index(idx: np.ndarray, width: int, p: int) -> np.ndarray:
    """Index rows padded to ``width`` with distinct dummy variables ``p, p + 1, ...``."""
    pad = width - idx.shape[1]
    return np.hstack([idx, np.broadcast_to(p + np.arange(pad), (idx.shape[0], pad))]).astype(np.intp)


def _extend(a: np.ndarray, extra: int) -> np.ndarray:
    """``a`` with ``extra`` dummy variables (indices p, p + 1, ...): zero means, or an identity block."""
    p = a.shape[0]
    if a.ndim == 1:
        return np.concatenate([a, np.zeros(extra)])
    out = np.eye(p + extra)
    out[:p, :p] = a
    return out


def loglik_terms(batch: PatternBatch, sigma: np.ndarray, mu: np.ndarray, meanstructure: bool, *, with_grad: bool):
    """``-2 loglik`` of all patterns, and with ``with_grad`` ``G = dF/dSigma`` and ``g_mu = dF/dmu`` of it.

    Raises ``NotPositiveDefinite`` if some pattern's ``Sigma_oo`` is not positive definite.
    """
    st = stacks(batch)
    p = st.p
    if not meanstructure:
        mu = np.zeros(p)
    try:
        K, logdet = chol_inverse(sigma)
    except NotPositiveDefinite:
        return _direct(st, st.fallback, sigma, mu, meanstructure, with_grad)  # each Sigma_oo may still be fine
    direct = _direct(st, st.direct, sigma, mu, meanstructure, with_grad)
    down = _downdated(st, K, float(logdet), sigma, mu, meanstructure, with_grad)
    if not with_grad:
        return direct + down
    return direct[0] + down[0], direct[1] + down[1], direct[2] + down[2]


def _downdated(st: Stacks, K: np.ndarray, logdet: float, sigma: np.ndarray, mu: np.ndarray, meanstructure: bool,
               with_grad: bool):
    p = st.p
    sum_d, sum_dd = st.sum_dd(mu) if meanstructure else (np.zeros(p), np.zeros((p, p)))
    sum_M = st.S + sum_dd
    m2ll = st.const + st.n * logdet + float(np.sum(K * sum_M))
    Cs, V, Z, t = np.zeros((p, p)), np.zeros((p, p)), np.zeros((p, p)), np.zeros(p)
    for bk in st.down:
        w = bk.width  # dummies p .. p + w - 1 pad the missing indices
        Kx = _extend(K, w)
        m = bk.missing
        C, logdet_mm = chol_inverse(Kx[m[:, :, None], m[:, None, :]])  # positive definite, as K is
        Kmo = Kx[m, :p] * bk.observed[:, None, :]  # (P, q, p): K_mo, zero at the missing columns
        KS = Kmo @ bk.cov
        KMK = KS @ np.swapaxes(Kmo, 1, 2)
        if meanstructure:
            d = bk.mean - bk.observed * mu
            u = (Kmo @ d[:, :, None])[:, :, 0]
            KMK += u[:, :, None] * u[:, None, :]
        m2ll += float(bk.n @ (logdet_mm - np.einsum("pij,pij->p", C, KMK)))
        if not with_grad:
            continue
        n = bk.n[:, None, None]
        KM = KS + u[:, :, None] * d[:, None, :] if meanstructure else KS
        q2 = (p + w) ** 2
        Cs += np.bincount(bk.mm_flat, (n * C).ravel(), q2).reshape(p + w, p + w)[:p, :p]
        V += np.bincount(bk.mm_flat, (n * (C @ KMK @ C)).ravel(), q2).reshape(p + w, p + w)[:p, :p]
        Z += np.bincount(bk.mp_flat, (n * (C @ KM)).ravel(), (p + w) * p).reshape(p + w, p)[:p]
        if meanstructure:
            t += np.bincount(m.ravel(), (bk.n[:, None] * (C @ u[:, :, None])[:, :, 0]).ravel(), p + w)[:p]
    if not with_grad:
        return m2ll
    inner = st.n * sigma - Cs - sum_M + Z + Z.T - V
    G = K @ inner @ K
    gmu = -2.0 * (K @ (sum_d - t)) if meanstructure else np.zeros(p)
    return m2ll, 0.5 * (G + G.T), gmu


def _direct(st: Stacks, buckets, sigma: np.ndarray, mu: np.ndarray, meanstructure: bool, with_grad: bool):
    """``-2 loglik`` (and ``G``, ``g_mu``) of patterns whose ``Sigma_oo`` is inverted directly."""
    p = st.p
    m2ll = 0.0
    G, gmu = np.zeros((p, p)), np.zeros(p)
    for bk in buckets:
        w = bk.width  # dummies p .. p + w - 1 pad the observed indices
        Sx, mx = _extend(sigma, w), _extend(mu, w)
        o = bk.observed
        W, logdet = chol_inverse(Sx[o[:, :, None], o[:, None, :]])
        d = bk.mean - mx[o] if meanstructure else np.zeros_like(bk.mean)
        Wd = (W @ d[:, :, None])[:, :, 0]
        trace = np.einsum("pij,pij->p", W, bk.cov) + np.einsum("pi,pi->p", d, Wd)
        m2ll += float(bk.n @ (bk.k * LOG2PI + logdet + trace))
        if with_grad:
            Gk = bk.n[:, None, None] * (W - W @ bk.cov @ W - Wd[:, :, None] * Wd[:, None, :])
            G += np.bincount(bk.flat, Gk.ravel(), (p + w) ** 2).reshape(p + w, p + w)[:p, :p]
            gmu += np.bincount(o.ravel(), (-2.0 * bk.n[:, None] * Wd).ravel(), p + w)[:p]
    if not with_grad:
        return m2ll
    return m2ll, G, gmu
