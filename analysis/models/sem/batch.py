"""Missing-data patterns stacked by size, for batched likelihood evaluations.

Looping over missing-data patterns in Python costs a few microseconds of
interpreter time per pattern and operation; with scattered item non-response a
panel has hundreds to thousands of patterns.  Patterns with the same number
``k`` of observed variables are stacked here once per data set: their observed
indices ``(P_k, k)``, counts, means and covariances ``(P_k, k, k)``.  Every
evaluation then gathers ``Sigma_oo`` of all of them with one fancy index,
factorises them with one batched Cholesky, and adds their contributions back
into ``p x p`` arrays with one ``np.bincount``; its cost grows with the number
of distinct pattern sizes, not with the number of patterns.

The stacks are built lazily and kept with the (immutable) group data.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

LOG2PI = np.log(2.0 * np.pi)
_BIG_PATTERN = 16  # rows from which a pattern's per-row products are done for the pattern at once


class NotPositiveDefinite(ArithmeticError):
    """The model-implied covariance matrix is not positive definite at these values."""


@dataclass(frozen=True)
class SizeBlock:
    """All patterns of one group with ``k`` observed variables, stacked."""

    k: int
    p: int
    index: np.ndarray  # (P,) positions in the group's ``patterns``
    observed: np.ndarray  # (P, k) observed-variable indices
    n: np.ndarray  # (P,) rows (or sum of weights)
    mean: np.ndarray  # (P, k)
    cov: np.ndarray  # (P, k, k), divisor n
    # The raw rows of these patterns (for case-wise scores), the block's pattern of each row,
    # each row's position in the group's rows (pattern order) and its weight (None: unweighted).
    rows: np.ndarray  # (N_k, k)
    row_pattern: np.ndarray  # (N_k,)
    row_dest: np.ndarray  # (N_k,)
    row_weights: np.ndarray | None

    @cached_property
    def flat(self) -> np.ndarray:
        """Flat ``p * p`` positions of each pattern's ``(k, k)`` block, for ``np.bincount``."""
        o = self.observed
        return (o[:, :, None] * self.p + o[:, None, :]).ravel()

    @cached_property
    def missing(self) -> np.ndarray:
        """(P, p - k) indices of the variables each pattern lacks."""
        mask = np.ones((self.index.size, self.p), bool)
        np.put_along_axis(mask, self.observed, False, axis=1)
        return np.nonzero(mask)[1].reshape(self.index.size, self.p - self.k)

    @cached_property
    def vech(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Upper-triangle positions ``(r, c)`` within ``k`` and each pattern's column in the p-level vech."""
        r, c = np.triu_indices(self.k)
        return r, c, vech_index(self.p)[self.observed[:, r], self.observed[:, c]]

    @cached_property
    def em_index(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Flat p * p positions of the (missing, observed), (observed, missing) and (missing, missing) blocks."""
        o, m, p = self.observed, self.missing, self.p
        return ((m[:, :, None] * p + o[:, None, :]).ravel(), (o[:, None, :] * p + m[:, :, None]).ravel(),
                (m[:, :, None] * p + m[:, None, :]).ravel())

    @cached_property
    def row_flat(self) -> np.ndarray:
        """Flat positions of the block's row values in a zero-padded (group rows x p) table."""
        return (self.row_dest[:, None] * self.p + self.observed[self.row_pattern]).ravel()

    @cached_property
    def row_groups(self) -> tuple[list[tuple[int, int, int]], np.ndarray]:
        """Patterns with many rows as (pattern, first row, end row) in the block's rows, and the other rows.

        Per-row work that needs each row's pattern matrix is done pattern by pattern for the
        former (one product each) and by gathering the matrices row by row for the latter,
        so neither a loop over thousands of tiny patterns nor a copy of a matrix per row
        of a large pattern is needed.
        """
        counts = np.bincount(self.row_pattern, minlength=self.index.size)
        start = np.concatenate([[0], np.cumsum(counts)])
        big = np.flatnonzero(counts >= _BIG_PATTERN)
        small_rows = np.flatnonzero(counts[self.row_pattern] < _BIG_PATTERN)
        return [(int(j), int(start[j]), int(start[j + 1])) for j in big], small_rows

    @cached_property
    def vech_flat(self) -> tuple[np.ndarray, np.ndarray]:
        """Flat positions of the upper triangles in a (P, k, k) stack and in a (P, h) vech table."""
        r, c, cols = self.vech
        P, h = self.index.size, self.p * (self.p + 1) // 2
        src = (np.arange(P)[:, None] * self.k * self.k + r * self.k + c).ravel()
        return src, (np.arange(P)[:, None] * h + cols).ravel()

    def gather(self, sigma: np.ndarray) -> np.ndarray:
        """``Sigma_oo`` of every pattern (P, k, k), from one (p, p) or K stacked (K, p, p) matrices."""
        o = self.observed
        return sigma[..., o[:, :, None], o[:, None, :]]


@dataclass(frozen=True)
class PatternBatch:
    """A group's patterns stacked by size, and where each pattern's rows start."""

    p: int
    blocks: tuple[SizeBlock, ...]
    row_start: np.ndarray  # (patterns + 1,) offsets of each pattern's rows in pattern order

    @cached_property
    def _flat(self) -> np.ndarray:
        return np.concatenate([b.flat for b in self.blocks])

    @cached_property
    def _obs(self) -> np.ndarray:
        return np.concatenate([b.observed.ravel() for b in self.blocks])

    @property
    def size(self) -> int:
        """Number of patterns."""
        return int(self.row_start.size - 1)

    def scatter(self, parts: list[np.ndarray]) -> np.ndarray:
        """Sum per-pattern ``(P, k, k)`` arrays (one per block) into one (p, p) matrix."""
        p = self.p
        vals = np.concatenate([x.ravel() for x in parts])
        return np.bincount(self._flat, weights=vals, minlength=p * p).reshape(p, p)

    def scatter_vec(self, parts: list[np.ndarray]) -> np.ndarray:
        """Sum per-pattern ``(P, k)`` arrays (one per block) into one length-p vector."""
        vals = np.concatenate([x.ravel() for x in parts])
        return np.bincount(self._obs, weights=vals, minlength=self.p)

    def pad_rows(self, parts: list[np.ndarray]) -> np.ndarray:
        """Per-pattern ``(P, k)`` arrays as zero-padded rows (patterns x p), in block order."""
        out = np.zeros((self.size, self.p))
        start = 0
        for b, x in zip(self.blocks, parts):
            P = b.index.size
            out[np.arange(start, start + P)[:, None], b.observed] = x
            start += P
        return out

    def vech_rows(self, parts: list[np.ndarray]) -> np.ndarray:
        """Symmetric per-pattern ``(P, k, k)`` arrays as rows of zero-padded p-level vech (patterns x h).

        Rows are in block order (the order of ``np.concatenate`` over blocks).
        """
        h = self.p * (self.p + 1) // 2
        out = np.zeros(self.size * h)
        start = 0
        for b, x in zip(self.blocks, parts):
            src, dest = b.vech_flat
            out[dest + start * h] = x.reshape(-1)[src]
            start += b.index.size
        return out.reshape(self.size, h)


def vech_index(p: int) -> np.ndarray:
    """(p, p) table: position of entry (i, j) (or (j, i)) in the upper-triangle vech of a p x p matrix."""
    r, c = np.triu_indices(p)
    table = np.empty((p, p), dtype=np.intp)
    table[r, c] = np.arange(r.size)
    table[c, r] = np.arange(r.size)
    return table


def build_batch(patterns, p: int) -> PatternBatch:
    """Stack a group's patterns by their number of observed variables."""
    sizes = np.array([pat.observed.size for pat in patterns], dtype=int)
    counts = np.array([pat.rows.shape[0] for pat in patterns], dtype=int)
    row_start = np.concatenate([[0], np.cumsum(counts)])
    weighted = any(pat.weights is not None for pat in patterns)
    blocks = []
    for k in np.unique(sizes)[::-1]:
        idx = np.flatnonzero(sizes == k)
        pats = [patterns[i] for i in idx]
        nrows = counts[idx]
        blocks.append(SizeBlock(
            k=int(k), p=p, index=idx,
            observed=np.stack([q.observed for q in pats]).astype(np.intp),
            n=np.array([q.n for q in pats], dtype=float),
            mean=np.stack([q.mean for q in pats]),
            cov=np.stack([q.cov for q in pats]),
            rows=np.concatenate([q.rows for q in pats]).reshape(-1, k),
            row_pattern=np.repeat(np.arange(idx.size), nrows),
            row_dest=np.concatenate([np.arange(row_start[i], row_start[i + 1]) for i in idx]).astype(np.intp),
            row_weights=np.concatenate([q.weights for q in pats]) if weighted else None,
        ))
    return PatternBatch(p=p, blocks=tuple(blocks), row_start=row_start)


def chol_inverse(sig: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Inverses and log-determinants of stacked symmetric matrices (..., k, k) by Cholesky.

    Raises ``NotPositiveDefinite`` if any of them is not positive definite.
    """
    try:
        L = np.linalg.cholesky(sig)
    except np.linalg.LinAlgError:
        raise NotPositiveDefinite from None
    Linv = np.linalg.inv(L)
    W = np.swapaxes(Linv, -1, -2) @ Linv
    logdet = 2.0 * np.log(np.diagonal(L, axis1=-2, axis2=-1)).sum(axis=-1)
    return W, logdet


def inverses(batch: PatternBatch, sigma: np.ndarray):
    """``W = Sigma_oo^-1`` and ``log|Sigma_oo|`` of every block, for one (p, p) or stacked (K, p, p) ``Sigma``.

    Yields ``(block, W, logdet)`` with ``W`` of shape (..., P, k, k).  When ``Sigma`` itself is
    positive definite, a block missing fewer variables than it observes is downdated from
    ``K = Sigma^-1`` (block inverse: ``W = K_oo - K_om K_mm^-1 K_mo``,
    ``log|Sigma_oo| = log|Sigma| + log|K_mm|``), which needs only the small ``K_mm``
    factorised; other blocks are factorised directly.  Raises ``NotPositiveDefinite`` if
    some pattern's ``Sigma_oo`` is not positive definite.
    """
    p = batch.p
    try:
        K, logdet_full = chol_inverse(sigma)
    except NotPositiveDefinite:
        K = None
    for b in batch.blocks:
        q = p - b.k
        if K is None or q >= b.k:
            yield (b, *chol_inverse(b.gather(sigma)))
        elif q == 0:
            yield b, K[..., None, :, :], logdet_full[..., None]
        else:
            o, m = b.observed, b.missing
            Kmm = K[..., m[:, :, None], m[:, None, :]]
            Kmo = K[..., m[:, :, None], o[:, None, :]]
            Lm = np.linalg.cholesky(Kmm)  # positive definite, as K is
            X = np.linalg.solve(Lm, Kmo)
            W = b.gather(K) - np.swapaxes(X, -1, -2) @ X
            logdet = logdet_full[..., None] + 2.0 * np.log(np.diagonal(Lm, axis1=-2, axis2=-1)).sum(axis=-1)
            yield b, W, logdet


def pattern_terms(batch: PatternBatch, sigma: np.ndarray, mu: np.ndarray, meanstructure: bool):
    """Per block: ``(block, W, log|Sigma_oo|, d, W d)`` with ``d = ybar - mu_o`` (zero without mean structure)."""
    for b, W, logdet in inverses(batch, sigma):
        d = b.mean - mu[..., b.observed] if meanstructure else np.zeros(W.shape[:-1])
        Wd = (W @ d[..., None])[..., 0]
        yield b, W, logdet, d, Wd
