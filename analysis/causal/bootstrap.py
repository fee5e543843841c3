"""Person-clustered bootstrap: resample people, not rows.

A person contributes one row per pair of consecutive waves, and those rows are
not independent (the same person's later score is also the next row's earlier
score).  Resampling whole persons with replacement keeps each person's rows
together, so the spread of the replicates reflects the dependence within
persons; resampling rows would understate it.

Replicate ``b`` draws from its own generator, ``default_rng(SeedSequence(seed).spawn(n)[b])``,
so results do not depend on the order (or the process) in which replicates run.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from analysis.errors import DataError, UsageError

#: Failures a replicate may meet by chance (e.g. a resample with one exposure group).
REPLICATE_ERRORS = (np.linalg.LinAlgError, DataError, FloatingPointError, ZeroDivisionError)


@dataclass(frozen=True)
class BootstrapResult:
    """Replicates of one or more statistics (read-only).

    Attributes
    ----------
    names : tuple of str
    replicates : ndarray, shape (successful replicates, len(names))
    n_requested, n_failed : int
    level : float
    seed : int
        Entropy of the ``SeedSequence`` the replicates were spawned from.
    """

    names: tuple[str, ...]
    replicates: np.ndarray
    n_requested: int
    n_failed: int
    level: float
    seed: int

    @property
    def n_ok(self) -> int:
        return int(self.replicates.shape[0])

    def se(self) -> dict[str, float]:
        """Bootstrap standard errors (SD of the replicates)."""
        if self.n_ok < 2:
            return {n: float("nan") for n in self.names}
        return {n: float(v) for n, v in zip(self.names, self.replicates.std(axis=0, ddof=1))}

    def ci(self) -> dict[str, tuple[float, float]]:
        """Percentile confidence intervals at ``level``."""
        if self.n_ok < 2:
            return {n: (float("nan"), float("nan")) for n in self.names}
        a = (1 - self.level) / 2
        lo, hi = np.quantile(self.replicates, [a, 1 - a], axis=0)
        return {n: (float(lo[k]), float(hi[k])) for k, n in enumerate(self.names)}


def person_rows(ids: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rows grouped by person: ``order`` (row positions sorted by person), ``starts`` and ``counts``."""
    ids = np.asarray(ids)
    order = np.argsort(ids, kind="stable")
    _, starts, counts = np.unique(ids[order], return_index=True, return_counts=True)
    return order, starts, counts


def resample_rows(rng: np.random.Generator, order: np.ndarray, starts: np.ndarray,
                  counts: np.ndarray) -> np.ndarray:
    """Row positions of one resample: as many persons as there are, drawn with replacement, all their rows."""
    pick = rng.integers(0, len(starts), size=len(starts))
    c = counts[pick]
    first = starts[pick]
    # Position k of the output belongs to the j-th drawn person: first[j] + (k - where person j starts).
    begin = np.cumsum(c) - c
    within = np.arange(int(c.sum())) - np.repeat(begin, c)
    return order[np.repeat(first, c) + within]


def person_bootstrap(ids: np.ndarray, statistic: Callable[[np.ndarray], Sequence[float]], *,
                     names: Sequence[str], n_boot: int = 200, seed: int | np.random.SeedSequence = 0,
                     level: float = 0.95) -> BootstrapResult:
    """Bootstrap ``statistic`` by resampling persons.

    Parameters
    ----------
    ids : array
        Person identifier of each row.
    statistic : callable
        ``statistic(rows)`` -> one value per name, computed on the rows at positions
        ``rows`` (positions may repeat: a person drawn twice counts twice).
    names : sequence of str
        Names of the statistic's values.
    n_boot : int
        Replicates (at least 2).
    seed : int or SeedSequence
        Non-negative seed of the ``SeedSequence`` (or the sequence itself).
    level : float
        Confidence level of the percentile intervals.

    Returns
    -------
    BootstrapResult
        Replicates that failed by chance (e.g. a resample with only one exposure
        group) are counted in ``n_failed`` and left out.
    """
    if isinstance(n_boot, bool) or not isinstance(n_boot, (int, np.integer)) or n_boot < 2:
        raise UsageError(f"n_boot must be a whole number of at least 2, not {n_boot!r}.")
    if not 0 < level < 1:
        raise UsageError(f"level must be between 0 and 1, not {level!r}.")
    if not isinstance(seed, np.random.SeedSequence):
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
            raise UsageError(f"seed must be a non-negative whole number, not {seed!r}.")
        seed = np.random.SeedSequence(int(seed))
    order, starts, counts = person_rows(ids)
    if len(starts) < 2:
        raise DataError("The bootstrap needs rows from at least two persons.")
    children = seed.spawn(int(n_boot))
    values = []
    failed = 0
    with np.errstate(divide="raise", invalid="raise"):
        for child in children:
            rows = resample_rows(np.random.default_rng(child), order, starts, counts)
            try:
                out = np.asarray(statistic(rows), dtype=float)
            except REPLICATE_ERRORS:
                failed += 1
                continue
            if not np.all(np.isfinite(out)):
                failed += 1
                continue
            values.append(out)
    reps = np.array(values, dtype=float).reshape(len(values), len(names))
    return BootstrapResult(names=tuple(names), replicates=reps, n_requested=int(n_boot), n_failed=failed,
                           level=float(level), seed=int(seed.entropy))
