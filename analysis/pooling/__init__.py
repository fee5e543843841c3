"""Pooling cross-lagged effects across cohorts: a common time scale and a random-effects meta-analysis."""

from analysis.pooling.cohorts import CohortLags, read_cohorts
from analysis.pooling.meta import MetaResult, random_effects
from analysis.pooling.pooled import PooledResults, pool_cohorts
from analysis.pooling.timescale import Converted, convert, drift, lags_at

__all__ = ["CohortLags", "Converted", "MetaResult", "PooledResults", "convert", "drift", "lags_at", "pool_cohorts",
           "random_effects", "read_cohorts"]
