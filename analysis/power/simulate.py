"""One simulated data set from the population RI-CLPM of a design cell (pure).

Draws are made in a fixed order from one generator, so a replicate's data
depend only on its seed.  See :mod:`analysis.power.design` for the model.

Attrition is monotone: at each wave after the first, a share ``attrition`` of
the persons still taking part drop out and are missing (x and y) from then on.
With ``mechanism="mcar"`` dropout is random; with ``"mar"`` its log-odds rise
by ``log 2`` per standard deviation of the person's observed y at the previous
wave (missing at random: it depends only on observed data, so full-information
ML remains unbiased), with the intercept chosen so that a standard-normal
score gives the stated dropout on average.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd
from scipy import optimize, special

from analysis.power.design import Cell, observed_names

MAR_LOG_ODDS_PER_SD = float(np.log(2.0))


@lru_cache(maxsize=64)
def mar_intercept(share: float, slope: float = MAR_LOG_ODDS_PER_SD) -> float:
    """Intercept c with E[logistic(c + slope Z)] = share for Z ~ N(0, 1) (Gauss–Hermite)."""
    nodes, weights = np.polynomial.hermite_e.hermegauss(61)
    weights = weights / weights.sum()

    def gap(c: float) -> float:
        return float(weights @ special.expit(c + slope * nodes)) - share

    return float(optimize.brentq(gap, -50.0, 50.0, xtol=1e-14))


def _chol(cov: np.ndarray) -> np.ndarray:
    # Semi-definite blocks (icc = 0 gives a zero random-intercept covariance) have a zero factor.
    if not np.any(cov):
        return np.zeros_like(cov)
    return np.linalg.cholesky(cov)


def simulate_array(cell: Cell, rng: np.random.Generator) -> np.ndarray:
    """Observed scores, shape (n, 2T), columns x1..xT then y1..yT; NaN after dropout."""
    n, T = cell.n, cell.waves
    phi = cell.effects.matrix
    ri = rng.standard_normal((n, 2)) @ _chol(cell.ri_cov()).T
    w = rng.standard_normal((n, 2)) @ _chol(cell.within_cov()).T
    l_innov = _chol(cell.innovation_cov())
    out = np.empty((n, 2 * T))
    for t in range(T):
        if t:
            w = w @ phi.T + rng.standard_normal((n, 2)) @ l_innov.T
        out[:, t] = ri[:, 0] + w[:, 0]
        out[:, T + t] = ri[:, 1] + w[:, 1]
    if cell.reliability < 1.0:
        out += np.sqrt(cell.error_variance) * rng.standard_normal((n, 2 * T))
    if cell.attrition > 0.0:
        present = np.ones(n, dtype=bool)
        scale = np.sqrt(cell.reliability)  # observed scores have variance 1 / reliability
        c = mar_intercept(cell.attrition) if cell.mechanism == "mar" else 0.0
        for t in range(1, T):
            u = rng.random(n)
            if cell.mechanism == "mar":
                prob = special.expit(c + MAR_LOG_ODDS_PER_SD * out[:, T + t - 1] * scale)
            else:
                prob = cell.attrition
            present &= u >= prob
            out[~present, t] = np.nan
            out[~present, T + t] = np.nan
    return out


def simulate_panel(cell: Cell, seed: int | np.random.SeedSequence | np.random.Generator) -> pd.DataFrame:
    """One wide data set (columns ``x1..xT, y1..yT``) for a cell, e.g. to inspect or share.

    ``seed`` may be an int, a SeedSequence (as the power runner uses per replicate)
    or a Generator.
    """
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    return pd.DataFrame(simulate_array(cell, rng), columns=list(observed_names(cell.waves)))
