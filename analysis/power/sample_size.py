r"""The sample size that reaches a target power, read off a grid of simulated sizes.

The smallest simulated N whose power reaches the target, or, when the target lies
between two simulated sizes, interpolated between them on the probit–:math:`\sqrt N`
scale (for a Wald test power is close to :math:`\Phi(|\theta|/SE - z_{1-\alpha/2})`
with :math:`SE \propto 1/\sqrt N`, so :math:`\Phi^{-1}(\text{power})` is nearly
linear in :math:`\sqrt N`).  An interpolated N was not itself simulated.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats

from analysis.power.design import PATHS

#: The settings of one design cell, as columns of the performance table.
CELL_COLUMNS = ["n", "waves", "icc", "ar_x", "ar_y", "cl_xy", "cl_yx", "reliability", "attrition"]
#: Every setting but N: one power curve per combination.
CURVE_COLUMNS = [c for c in CELL_COLUMNS if c != "n"]


def required_n(ns: np.ndarray, power: np.ndarray, target: float) -> tuple[float | None, str]:
    """Smallest N reaching ``target`` power on a grid, interpolated on the probit–√N scale."""
    order = np.argsort(ns)
    ns, power = np.asarray(ns, float)[order], np.asarray(power, float)[order]
    ok = np.isfinite(power)
    ns, power = ns[ok], power[ok]
    if ns.size == 0:
        return None, "no converged replicates"
    hits = np.flatnonzero(power >= target)
    if hits.size == 0:
        return None, f"not reached: power at the largest N simulated ({int(ns[-1])}) is {power[-1]:.2f}"
    k = int(hits[0])
    if k == 0:
        return float(ns[0]), f"reached at the smallest N simulated ({int(ns[0])}, power {power[0]:.2f})"
    z0, z1, zt = _probit(power[k - 1]), _probit(power[k]), stats.norm.ppf(target)
    r0, r1 = math.sqrt(ns[k - 1]), math.sqrt(ns[k])
    frac = 1.0 if z1 <= z0 else min(max((zt - z0) / (z1 - z0), 0.0), 1.0)
    n_star = math.ceil((r0 + frac * (r1 - r0)) ** 2)
    if n_star >= ns[k]:
        return float(ns[k]), f"reached at N={int(ns[k])} (power {power[k]:.2f}), simulated"
    return float(n_star), (f"interpolated between N={int(ns[k - 1])} (power {power[k - 1]:.2f}) and "
                           f"N={int(ns[k])} (power {power[k]:.2f}) on the probit-sqrt(N) scale; not itself simulated")


def _probit(p: float) -> float:
    # Clipped so that a simulated power of 0 or 1 stays finite.
    return float(stats.norm.ppf(np.clip(p, 1e-3, 1 - 1e-3)))


def interpolated_curve(ns: np.ndarray, power: np.ndarray, *, points: int = 25) -> tuple[np.ndarray, np.ndarray]:
    """The power curve between grid points as :func:`required_n` interpolates it (for plots)."""
    order = np.argsort(ns)
    ns, power = np.asarray(ns, float)[order], np.asarray(power, float)[order]
    xs, ys = [ns[:1]], [power[:1]]
    for k in range(1, ns.size):
        frac = np.linspace(0.0, 1.0, points)[1:]
        r = np.sqrt(ns[k - 1]) + frac * (np.sqrt(ns[k]) - np.sqrt(ns[k - 1]))
        z = _probit(power[k - 1]) + frac * (_probit(power[k]) - _probit(power[k - 1]))
        p = stats.norm.cdf(z)
        p[-1] = power[k]  # end exactly at the simulated value, clipped or not
        xs.append(r ** 2), ys.append(p)
    return np.concatenate(xs), np.concatenate(ys)


def sample_size_table(table: pd.DataFrame, target: float) -> pd.DataFrame:
    """Per curve (every setting but N) and parameter: the N that reaches the target power."""
    rows = []
    for keys, sub in table.groupby(CURVE_COLUMNS + ["parameter"], sort=False):
        setting = dict(zip(CURVE_COLUMNS + ["parameter"], keys))
        true = float(sub["true"].iloc[0])
        if true == 0.0:
            n_req, how = None, "no effect in the population: 'power' here is the false-positive rate"
        else:
            n_req, how = required_n(sub["n"].to_numpy(), sub["power"].to_numpy(), target)
        rows.append({**setting, "path": PATHS[setting["parameter"]], "true": true, "target_power": target,
                     "n_required": n_req, "how": how})
    return pd.DataFrame(rows)
