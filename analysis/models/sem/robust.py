"""Robust (MLR) test statistics: the Yuan–Bentler scaled chi-square.  Filled in below."""

from __future__ import annotations


def yuan_bentler(fitted, chisq, df, chisq_b, df_b, base_npar) -> dict:
    raise NotImplementedError
