"""The few distribution functions the engine needs, from ``scipy.special``.

``scipy.stats`` takes about half a second to import and the engine needs only normal and
chi-square tail areas and quantiles; these are the same special functions ``scipy.stats``
calls for them (``chi2.sf`` is ``chdtrc``, ``norm.sf`` is ``ndtr`` of the negative,
``norm.ppf`` is ``ndtri``), so the values are identical.
"""

from __future__ import annotations

import numpy as np
from scipy import special


def chi2_sf(x, df):
    """Upper tail area of the chi-square distribution (``scipy.stats.chi2.sf``)."""
    return special.chdtrc(df, x)


def chi2_cdf(x, df):
    """Lower tail area of the chi-square distribution (``scipy.stats.chi2.cdf``)."""
    return special.chdtr(df, x)


def norm_sf(z):
    """Upper tail area of the standard normal (``scipy.stats.norm.sf``)."""
    return special.ndtr(-np.asarray(z, dtype=float))


def norm_ppf(q):
    """Quantile of the standard normal (``scipy.stats.norm.ppf``)."""
    return special.ndtri(q)


def ncx2_noncentrality(x: float, df: float, p: float) -> float:
    """The non-centrality ``lam`` with ``P(X <= x | df, lam) = p`` (0 when even ``lam = 0`` gives less than ``p``).

    ``scipy.special.chndtrinc`` (CDFLIB); where it gives no finite answer, a bracketing root
    search on ``scipy.stats.ncx2.cdf`` (agreeing to about 1e-13 where both answer).
    """
    if chi2_cdf(x, df) < p:
        return 0.0
    lam = float(special.chndtrinc(x, df, p))
    if np.isfinite(lam) and lam >= 0:
        return lam
    from scipy import optimize, stats

    f = lambda t: stats.ncx2.cdf(x, df, t) - p if t > 0 else stats.chi2.cdf(x, df) - p  # noqa: E731
    hi = max(x, 1.0)
    while f(hi) > 0:
        hi *= 2.0
    return float(optimize.brentq(f, 0.0, hi, xtol=1e-12, rtol=1e-14, maxiter=500))
