"""Validation of the public arguments; each failure is one UsageError sentence."""

from __future__ import annotations

import numbers

from analysis.errors import UsageError
from analysis.limits import MAX_PERSONS
from analysis.synth.params import COHORTS, Cohort

MAX_N = MAX_PERSONS
MIN_WAVES = 2
MAX_WAVES = 26  # UKHLS wave letters a-z
FORMATS = ("dta", "sav")


def _integer(name: str, value: object) -> int:
    # bool is an int subclass, but n=True is certainly a mistake.
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise UsageError(f"{name} must be an integer, got {value!r}.")
    return int(value)


def check_cohort(cohort: object) -> Cohort:
    if cohort not in COHORTS:
        raise UsageError(f"cohort must be one of {', '.join(COHORTS)}; got {cohort!r}.")
    return cohort  # type: ignore[return-value]


def check_core(*, n: object, waves: object, seed: object, cohort: object) -> tuple[int, int, int, Cohort]:
    """Validate n, waves, seed and cohort; return them normalised."""
    c = check_cohort(cohort)
    n_ = _integer("n", n)
    if not 1 <= n_ <= MAX_N:
        raise UsageError(f"n must be between 1 and {MAX_N} persons; got {n_}.")
    w = _integer("waves", waves)
    if not MIN_WAVES <= w <= MAX_WAVES:
        raise UsageError(f"waves must be between {MIN_WAVES} and {MAX_WAVES}; got {w}.")
    s = _integer("seed", seed)
    if s < 0:
        raise UsageError(f"seed must be a non-negative integer; got {s}.")
    return n_, w, s, c


def check_format(fmt: object) -> str:
    if fmt not in FORMATS:
        raise UsageError(f"fmt (file format) must be one of {', '.join(FORMATS)}; got {fmt!r}.")
    return fmt  # type: ignore[return-value]
