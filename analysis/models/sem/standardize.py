"""The completely standardized solution (lavaan's ``std.all``).

Loadings and regressions are rescaled by the model-implied standard deviations
of both variables; variances are divided by the implied total variance (so a
residual variance becomes the share not explained); covariances between two
variables become correlations of their (residual) parts, as lavaan does with
``cov.std = TRUE``; intercepts are divided by the implied standard deviation.
"""

from __future__ import annotations

import numpy as np


def std_all_value(op: str, i: int, j: int, est: float, C: np.ndarray, S: np.ndarray) -> float:
    """Standardized value of one parameter; ``i``/``j`` index the RAM variable vector.

    For ``=~`` pass ``i`` = latent, ``j`` = indicator; for ``~`` ``i`` = outcome,
    ``j`` = predictor; for ``~1`` ``j`` is ignored.
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        if op == "=~":
            return float(est * np.sqrt(C[i, i]) / np.sqrt(C[j, j]))
        if op == "~":
            return float(est * np.sqrt(C[j, j]) / np.sqrt(C[i, i]))
        if op == "~~":
            if i == j:
                return float(est / C[i, i]) if C[i, i] > 0 else float("nan")
            # lavaan (cov.std = TRUE) divides by the square roots of the absolute
            # (residual) variances, so a covariance next to a negative variance still gets a value.
            denom = np.sqrt(abs(S[i, i]) * abs(S[j, j]))
            return float(est / denom) if denom > 0 else float("nan")
        if op == "~1":
            return float(est / np.sqrt(C[i, i])) if C[i, i] > 0 else float("nan")
    return float("nan")
