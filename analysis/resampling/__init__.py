"""Resampling persons: the one bootstrap behind the causal, cross-lag and group intervals.

A person's repeated measures are not independent, so a bootstrap must draw whole
persons (all their rows of long data, or their one row of wide data); in a survey
it draws whole clusters (PSUs) within strata.  One seeding rule (a
``SeedSequence`` child per replicate), one failure count and one result type
serve every statistic.

>>> res = bootstrap_statistic(long, stat, ids="id", replicates=500, seed=1)   # doctest: +SKIP
>>> res.to_frame()       # statistic, method, est, se, bias, ci_lower, ci_upper, n_boot   # doctest: +SKIP
>>> print(res.summary())                                                                 # doctest: +SKIP

Public API
----------
bootstrap_statistic(data, statistic, *, ids=None, strata=None, cluster=None, ...) -> BootstrapResults
    Percentile and BCa intervals of any statistic, on any backend, resumable.
BootstrapResults
    Full-data estimates, replicates, ``table`` (tidy), ``by_statistic()``, ``conf_int()``,
    ``std_errors``, ``summary()``, ``to_dict()``.
resampling_design(n_rows, *, ids=None, strata=None, cluster=None) -> ResamplingDesign
    Rows grouped into units (persons or clusters) within strata; ``resample(rng)`` draws one resample.
percentile_interval, bca_interval, jackknife_acceleration, bias_correction
    The interval formulas (Efron & Tibshirani 1993), on arrays.

Modules: :mod:`.design` (who is drawn together), :mod:`.seeds` (the seeding rule),
:mod:`.jackknife` (blocks for BCa), :mod:`.intervals` (formulas), :mod:`.bootstrap`
(the runner), :mod:`.results` (the result type).
"""

from analysis.resampling.bootstrap import FAILURES, bootstrap_statistic
from analysis.resampling.design import ResamplingDesign, resampling_design
from analysis.resampling.intervals import bca_interval, bias_correction, jackknife_acceleration, percentile_interval
from analysis.resampling.jackknife import jackknife_blocks
from analysis.resampling.results import BootstrapResults

__all__ = ["FAILURES", "BootstrapResults", "ResamplingDesign", "bca_interval", "bias_correction",
           "bootstrap_statistic", "jackknife_acceleration", "jackknife_blocks", "percentile_interval",
           "resampling_design"]
