"""Jackknife blocks for the BCa acceleration: leave out one unit, or one random block of units.

Leave-one-out needs one extra fit per person (or cluster); for large samples a
*grouped* jackknife leaves out one of :data:`DELETE_ONE_MAX` random blocks at a
time, which estimates the same acceleration with more Monte Carlo noise (see
:mod:`analysis.resampling.intervals`).  The blocks are shuffled with the run's
jackknife ``SeedSequence`` (:mod:`analysis.resampling.seeds`).
"""

from __future__ import annotations

import numpy as np

from analysis.errors import UsageError
from analysis.resampling.seeds import Seed, jackknife_sequence, root_sequence

DELETE_ONE_MAX = 200


def jackknife_blocks(n: int, blocks: int | None, *, seed: Seed) -> list[np.ndarray]:
    """Units left out in each jackknife fit: one each, or ``blocks`` random blocks.

    Parameters
    ----------
    n
        Resampling units (persons or clusters).
    blocks
        Number of blocks; None: leave-one-out up to :data:`DELETE_ONE_MAX` units, else
        that many blocks.
    seed
        The run's seed (a whole number or its ``SeedSequence``).
    """
    if blocks is None:
        blocks = n if n <= DELETE_ONE_MAX else DELETE_ONE_MAX
    if isinstance(blocks, bool) or not isinstance(blocks, (int, np.integer)) or not 2 <= blocks <= n:
        raise UsageError(f"The jackknife needs a whole number of blocks between 2 and {n} (the number of "
                         f"resampling units); got {blocks!r}.")
    blocks = int(blocks)
    if blocks == n:
        return [np.array([i]) for i in range(n)]
    perm = np.random.default_rng(jackknife_sequence(root_sequence(seed))).permutation(n)
    return [np.sort(b) for b in np.array_split(perm, blocks)]


def jackknife_method(n: int, blocks: int, *, unit: str = "person") -> str:
    """The jackknife in words, as reported with the results."""
    return "leave-one-out jackknife" if blocks == n else f"grouped jackknife ({blocks} blocks of {unit}s)"
