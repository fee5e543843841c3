"""Pooling cross-lagged effects across cohorts: a common time scale and a random-effects meta-analysis."""

from analysis.pooling.meta import MetaResult, random_effects

__all__ = ["MetaResult", "random_effects"]
