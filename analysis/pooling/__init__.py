"""Pooling cross-lagged effects across cohorts: a common time scale and a random-effects meta-analysis."""

from analysis.pooling.meta import MetaResult, random_effects
from analysis.pooling.timescale import Converted, convert, drift, lags_at

__all__ = ["Converted", "MetaResult", "convert", "drift", "lags_at", "random_effects"]
