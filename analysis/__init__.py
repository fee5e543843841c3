"""Loneliness–mental health cohort analysis workbench.

The library behind ``python -m analysis``: synthetic cohorts, survey panel
loading, the SEM engine, cross-lagged panel models, causal analysis and
reporting.
"""

__version__ = "0.1.0"
