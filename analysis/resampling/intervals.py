r"""Bootstrap confidence intervals: percentile and BCa (Efron & Tibshirani 1993, ch. 13–14).

With bootstrap replicates :math:`\hat\theta^*_b` (:math:`b = 1..B`) of an
estimate :math:`\hat\theta` and a level :math:`1-2\alpha`:

* percentile: the :math:`\alpha` and :math:`1-\alpha` quantiles of the
  :math:`\hat\theta^*_b` (linear interpolation, ``np.percentile``'s default);
* BCa: the quantiles at

  .. math::

      \alpha_{1,2} = \Phi\!\left(\hat z_0 + \frac{\hat z_0 + z_{\alpha, 1-\alpha}}
                     {1 - \hat a(\hat z_0 + z_{\alpha, 1-\alpha})}\right),
      \qquad \hat z_0 = \Phi^{-1}\!\left(\frac{\#\{\hat\theta^*_b < \hat\theta\}
                     + \#\{\hat\theta^*_b \le \hat\theta\}}{2B}\right),

  with the acceleration from jackknife values :math:`\hat\theta_{(i)}`,
  :math:`\hat a = \sum_i d_i^3 / \{6(\sum_i d_i^2)^{3/2}\}`,
  :math:`d_i = \bar\theta_{(\cdot)} - \hat\theta_{(i)}`.

These follow ``scipy.stats.bootstrap`` exactly (ties in :math:`\hat z_0` count
one half), which a test checks.  For large samples the acceleration may come
from a *grouped* jackknife, leaving out one block of persons at a time: each
block's :math:`d_g` then estimates the sum of its members' influence values,
so the same formula estimates the same :math:`a` (with more Monte Carlo noise
for fewer blocks).
"""

from __future__ import annotations

import numpy as np
from scipy.special import ndtr, ndtri


def percentile_interval(boot: np.ndarray, *, level: float = 0.95) -> tuple[float, float]:
    """Percentile interval of bootstrap replicates (NaN if there are none)."""
    boot = np.asarray(boot, float)
    if boot.size == 0:
        return float("nan"), float("nan")
    a = (1.0 - level) / 2.0
    lo, hi = np.percentile(boot, [100.0 * a, 100.0 * (1.0 - a)])
    return float(lo), float(hi)


def jackknife_acceleration(jack: np.ndarray) -> float:
    """Acceleration :math:`\\hat a` from (delete-one or grouped) jackknife estimates."""
    jack = np.asarray(jack, float)
    d = jack.mean() - jack
    den = (d ** 2).sum()
    if jack.size < 2 or den == 0:
        return 0.0
    return float((d ** 3).sum() / (6.0 * den ** 1.5))


def bias_correction(boot: np.ndarray, estimate: float) -> float:
    """:math:`\\hat z_0`: how far the bootstrap distribution sits from the estimate."""
    boot = np.asarray(boot, float)
    share = ((boot < estimate).sum() + (boot <= estimate).sum()) / (2.0 * boot.size)
    return float(ndtri(share))


def bca_levels(z0: float, acceleration: float, *, level: float = 0.95) -> tuple[float, float]:
    """The adjusted quantile levels :math:`(\\alpha_1, \\alpha_2)` of the BCa interval."""
    z_a = ndtri((1.0 - level) / 2.0)
    out = []
    for z in (z_a, -z_a):
        num = z0 + z
        out.append(float(ndtr(z0 + num / (1.0 - acceleration * num))))
    return out[0], out[1]


def bca_interval(boot: np.ndarray, estimate: float, jack: np.ndarray, *, level: float = 0.95) -> tuple[float, float]:
    """BCa interval; NaN when the bootstrap distribution lies entirely on one side of the estimate."""
    boot = np.asarray(boot, float)
    if boot.size == 0:
        return float("nan"), float("nan")
    z0 = bias_correction(boot, estimate)
    if not np.isfinite(z0):
        return float("nan"), float("nan")
    a1, a2 = bca_levels(z0, jackknife_acceleration(jack), level=level)
    if not (np.isfinite(a1) and np.isfinite(a2)):
        return float("nan"), float("nan")
    lo, hi = np.percentile(boot, 100.0 * a1), np.percentile(boot, 100.0 * a2)
    return float(lo), float(hi)
