"""Random-effects meta-analysis by restricted maximum likelihood, as ``metafor::rma(method = "REML")``.

For estimates :math:`y_i` with sampling variances :math:`v_i` (squared standard
errors) the model is :math:`y_i = \\mu + u_i + e_i`, :math:`u_i \\sim N(0, \\tau^2)`,
:math:`e_i \\sim N(0, v_i)`.  With weights :math:`w_i = 1/(v_i + \\tau^2)`:

* :math:`\\hat\\mu = \\sum w_i y_i / \\sum w_i`, :math:`SE = (\\sum w_i)^{-1/2}`, a z-based
  confidence interval;
* :math:`\\hat\\tau^2` maximises the restricted log-likelihood
  :math:`-\\tfrac12[\\sum \\log(v_i + \\tau^2) + \\log \\sum w_i + \\sum w_i (y_i - \\hat\\mu)^2]`
  over :math:`\\tau^2 \\ge 0` (the root of its score, or 0);
* Cochran's :math:`Q = \\sum (y_i - \\hat\\mu_{FE})^2 / v_i` on :math:`k - 1` df;
* :math:`I^2 = 100\\,\\hat\\tau^2 / (\\hat\\tau^2 + s^2)`, :math:`H^2 = (\\hat\\tau^2 + s^2)/s^2`
  with the typical sampling variance
  :math:`s^2 = (k-1)\\sum v_i^{-1} / [(\\sum v_i^{-1})^2 - \\sum v_i^{-2}]` (Higgins & Thompson 2002);
* the prediction interval :math:`\\hat\\mu \\pm z\\sqrt{SE^2 + \\hat\\tau^2}`;
* the standard error of :math:`\\hat\\tau^2` from the REML information.

These are metafor's defaults (Viechtbauer 2010); tests compare with committed metafor fixtures.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import optimize, stats

from analysis.errors import DataError


@dataclass(frozen=True)
class MetaResult:
    """A pooled estimate and its heterogeneity (read-only)."""

    k: int
    estimate: float
    se: float
    ci_lower: float
    ci_upper: float
    zval: float
    pvalue: float
    tau2: float
    se_tau2: float
    i2: float
    h2: float
    q: float
    q_df: int
    q_pvalue: float
    pi_lower: float
    pi_upper: float
    level: float

    def to_dict(self) -> dict:
        """JSON-safe: every field, NaN as None."""
        return {k: (v if not isinstance(v, float) or math.isfinite(v) else None) for k, v in self.__dict__.items()}

    def summary(self) -> str:
        """The pooled estimate and its heterogeneity in a few lines."""
        pct = f"{100 * self.level:g}%"
        return (f"Random effects (REML), k = {self.k}: estimate {self.estimate:.4g} (SE {self.se:.3g}; {pct} CI "
                f"{self.ci_lower:.4g} to {self.ci_upper:.4g}; p {self.pvalue:.3g})\n"
                f"tau2 {self.tau2:.3g} (SE {self.se_tau2:.3g}), I2 {self.i2:.1f}%, H2 {self.h2:.3g}; "
                f"Q({self.q_df}) = {self.q:.3f}, p {self.q_pvalue:.3g}\n"
                f"{pct} prediction interval {self.pi_lower:.4g} to {self.pi_upper:.4g}\n")

    def __repr__(self) -> str:
        return f"MetaResult(k={self.k}, estimate={self.estimate:.4g}, se={self.se:.3g}, tau2={self.tau2:.3g})"


def _remle_score(tau2: float, y: np.ndarray, v: np.ndarray) -> float:
    w = 1.0 / (v + tau2)
    mu = np.sum(w * y) / np.sum(w)
    return float(-np.sum(w) + np.sum(w ** 2 * (y - mu) ** 2) + np.sum(w ** 2) / np.sum(w))


def reml_tau2(y: np.ndarray, v: np.ndarray) -> float:
    """The REML estimate of the between-study variance (0 when the score is negative at 0)."""
    if len(y) < 2 or _remle_score(0.0, y, v) <= 0:
        return 0.0
    upper = max(float(np.var(y)) * 10, float(np.max(v)) * 10, 1e-8)
    while _remle_score(upper, y, v) > 0:
        upper *= 10
    return float(optimize.brentq(_remle_score, 0.0, upper, args=(y, v), xtol=1e-16, rtol=1e-14, maxiter=500))


def random_effects(estimates, std_errors, *, level: float = 0.95) -> MetaResult:
    """Pool ``estimates`` with their ``std_errors`` (REML random effects).

    Raises
    ------
    DataError
        With fewer than two estimates, or a standard error that is not a positive number.
    """
    y = np.asarray(estimates, dtype=float)
    se = np.asarray(std_errors, dtype=float)
    if y.shape != se.shape or y.ndim != 1 or len(y) < 2:
        raise DataError("Pooling needs at least two estimates, each with its standard error.")
    if not (np.all(np.isfinite(y)) and np.all(np.isfinite(se)) and np.all(se > 0)):
        raise DataError("Every estimate to pool needs a finite value and a positive standard error.")
    v = se ** 2
    k = len(y)
    tau2 = reml_tau2(y, v)
    w = 1.0 / (v + tau2)
    mu = float(np.sum(w * y) / np.sum(w))
    se_mu = float(1.0 / math.sqrt(np.sum(w)))
    z = float(stats.norm.ppf(0.5 + level / 2))
    w_fe = 1.0 / v
    mu_fe = np.sum(w_fe * y) / np.sum(w_fe)
    q = float(np.sum(w_fe * (y - mu_fe) ** 2))
    s2 = (k - 1) * np.sum(w_fe) / (np.sum(w_fe) ** 2 - np.sum(w_fe ** 2))
    # REML information for tau2: 1/2 tr(P P), P = W - W 1 1' W / sum(W).
    P = np.diag(w) - np.outer(w, w) / np.sum(w)
    se_tau2 = float(math.sqrt(2.0 / np.sum(P * P)))
    half = z * math.sqrt(se_mu ** 2 + tau2)
    return MetaResult(
        k=k, estimate=mu, se=se_mu, ci_lower=mu - z * se_mu, ci_upper=mu + z * se_mu, zval=mu / se_mu,
        pvalue=float(2 * stats.norm.sf(abs(mu / se_mu))), tau2=tau2, se_tau2=se_tau2,
        i2=float(100 * tau2 / (tau2 + s2)), h2=float((tau2 + s2) / s2), q=q, q_df=k - 1,
        q_pvalue=float(stats.chi2.sf(q, k - 1)), pi_lower=mu - half, pi_upper=mu + half, level=level)
