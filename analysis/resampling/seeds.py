"""One seeding rule for every resampling run.

A run starts from one :class:`numpy.random.SeedSequence` (made from a non-negative
whole number, or given, e.g. a child of a larger run's sequence).  Its children
are fixed by position, never by the order in which work is done:

* replicate ``b`` draws from child ``b`` of the run's first child
  (``spawn_key + (0, b)``), the same as ``root.spawn(1)[0].spawn(b + 1)[b]``;
* the random blocks of a grouped jackknife come from the run's second child
  (``spawn_key + (1,)``).

So replicate ``b`` is the same whichever backend, worker or chunk computes it,
and asking for more replicates only adds new ones.
"""

from __future__ import annotations

import numpy as np

from analysis.errors import UsageError

Seed = int | np.random.SeedSequence


def root_sequence(seed: Seed) -> np.random.SeedSequence:
    """The run's ``SeedSequence``: ``seed`` itself, or one made from a non-negative whole number."""
    if isinstance(seed, np.random.SeedSequence):
        return seed
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise UsageError(f"seed must be a non-negative whole number, not {seed!r}.")
    return np.random.SeedSequence(int(seed))


def _child(root: np.random.SeedSequence, *key: int) -> np.random.SeedSequence:
    # Built from (entropy, spawn_key) rather than root.spawn(), which counts children on the root
    # and would make the answer depend on earlier calls.
    return np.random.SeedSequence(root.entropy, spawn_key=tuple(root.spawn_key) + key, pool_size=root.pool_size)


def replicate_sequence(root: np.random.SeedSequence, b: int) -> np.random.SeedSequence:
    """The ``SeedSequence`` of replicate ``b`` (0-based)."""
    return _child(root, 0, int(b))


def replicate_rng(root: np.random.SeedSequence, b: int) -> np.random.Generator:
    """The random generator replicate ``b`` draws its resample from."""
    return np.random.default_rng(replicate_sequence(root, b))


def jackknife_sequence(root: np.random.SeedSequence) -> np.random.SeedSequence:
    """The ``SeedSequence`` that shuffles resampling units into jackknife blocks."""
    return _child(root, 1)


def seed_record(root: np.random.SeedSequence) -> dict:
    """The seed as stored with results: its entropy and, for a child sequence, its spawn key."""
    entropy = root.entropy
    seed = int(entropy) if isinstance(entropy, (int, np.integer)) else [int(e) for e in entropy]
    return {"seed": seed, "spawn_key": [int(k) for k in root.spawn_key]}
