"""Fit indices as lavaan computes them (``fitMeasures``), from log-likelihoods and moments.

All functions are pure.  ``N`` is the total number of observations used and
``G`` the number of groups; the likelihood is the "normal" one (divisor N).
"""

from __future__ import annotations

import math

import numpy as np

from analysis.models.sem.distributions import chi2_sf, ncx2_noncentrality


def chisq_test(logl: float, logl_h1: float, df: int) -> tuple[float, float]:
    """Likelihood-ratio test of the model against the saturated model."""
    chisq = max(2.0 * (logl_h1 - logl), 0.0)
    pvalue = float(chi2_sf(chisq, df)) if df > 0 else float("nan")
    return chisq, pvalue


def cfi(chisq: float, df: int, chisq_b: float, df_b: int) -> float:
    """Comparative fit index (Bentler 1990)."""
    t1 = max(chisq - df, 0.0)
    t2 = max(chisq - df, chisq_b - df_b, 0.0)
    return 1.0 if t2 == 0 else 1.0 - t1 / t2


def tli(chisq: float, df: int, chisq_b: float, df_b: int) -> float:
    """Tucker–Lewis index (non-normed fit index); 1 for a saturated model (df 0), as lavaan."""
    if df == 0:
        return 1.0
    if df < 0 or df_b <= 0:
        return float("nan")
    t1 = chisq_b / df_b - chisq / df
    t2 = chisq_b / df_b - 1.0
    return 1.0 if t2 == 0 else t1 / t2


def rmsea(chisq: float, df: int, N: int, G: int) -> float:
    """Root mean square error of approximation (lavaan: multiplied by sqrt(G))."""
    if df <= 0:
        return 0.0 if df == 0 else float("nan")
    return math.sqrt(max(chisq / N / df - 1.0 / N, 0.0)) * math.sqrt(G)


def rmsea_ci(chisq: float, df: int, N: int, G: int, *, level: float = 0.90) -> tuple[float, float]:
    """Confidence interval of the RMSEA from the non-central chi-square distribution."""
    if df == 0:
        return (0.0, 0.0)
    if df < 0:
        return (float("nan"), float("nan"))
    upper_p = 1.0 - (1.0 - level) / 2.0  # 0.95
    lower_p = (1.0 - level) / 2.0  # 0.05

    def ncp_for(p_target: float) -> float:
        # lambda with P(X <= chisq | df, lambda) = p_target.
        return ncx2_noncentrality(chisq, df, p_target)

    lam_l = ncp_for(upper_p)
    lam_u = ncp_for(lower_p)
    scale = math.sqrt(G)
    return (math.sqrt(lam_l / (N * df)) * scale, math.sqrt(lam_u / (N * df)) * scale)


def srmr_group(
    s_cov: np.ndarray, s_mean: np.ndarray, cov: np.ndarray, mean: np.ndarray, *, meanstructure: bool
) -> float:
    """Bentler's standardized root mean square residual of one group.

    Residuals of covariances (and, with a mean structure, of means) are divided by the
    observed standard deviations, squared and averaged over the non-duplicated elements.
    """
    sd = np.sqrt(np.diag(s_cov))
    r = (s_cov - cov) / np.outer(sd, sd)
    iu = np.triu_indices(s_cov.shape[0])
    sq = list(r[iu] ** 2)
    if meanstructure:
        sq += list(((s_mean - mean) / sd) ** 2)
    return math.sqrt(float(np.mean(sq)))


def information_criteria(logl: float, npar: int, N: int) -> dict[str, float]:
    """AIC, BIC and the sample-size-adjusted BIC."""
    return {
        "aic": -2.0 * logl + 2.0 * npar,
        "bic": -2.0 * logl + npar * math.log(N),
        "bic2": -2.0 * logl + npar * math.log((N + 2.0) / 24.0),
    }
