"""Bounds on the sizes the workbench accepts: persons, waves, replicates, seeds, workers.

One place for the numbers that the command-line options and the library
functions both check, so that ``synth --n``, ``power --n`` and a run config
agree.  Kept free of imports so the CLI can read it without loading the
numerical packages.
"""

from __future__ import annotations

#: Persons in a simulated cohort (``synth``) or a simulated power study (``power``).
MAX_PERSONS = 500_000
#: Fewest persons in a power study's simulated sample.
MIN_POWER_PERSONS = 20
#: Most waves of a power study's design.
MAX_POWER_WAVES = 30
#: Most replicates per design (``power``) or resamples (``bootstrap``): the Monte Carlo SE
#: of a power of 0.5 is then 0.0016.
MAX_REPLICATES = 100_000
#: Most resamples and refutation simulations of ``causal`` (as the run config's ``bootstrap``).
MAX_CAUSAL_RESAMPLES = 10_000
#: Largest seed: numpy's legacy generators (which DoWhy uses) take seeds below 2**32.
MAX_SEED = 2**32 - 1
#: Most local worker processes (``--jobs``).
MAX_JOBS = 1024
