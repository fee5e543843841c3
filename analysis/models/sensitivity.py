"""Econometric sensitivity analyses for the cross-lagged effects.

The same question (does x at t-1 predict y at t, and y at t-1 predict x at t?)
answered with three familiar regression designs on the long panel, beside the
SEM estimate:

* fixed-effects panel regression with person and wave effects and
  person-clustered SEs (``linearmodels.PanelOLS``).  With a lagged outcome and
  few waves it has Nickell (1981) bias: the autoregression is biased downward by
  about ``-(1 + rho) / (T - 1)``, and the cross-lag can be biased too;
* first differences (``linearmodels.FirstDifferenceOLS``), removing stable
  person differences by differencing; the differenced lagged outcome is
  correlated with the differenced error, so this estimate is biased as well;
* a random-intercept model with wave effects (GLS random effects,
  ``linearmodels.RandomEffects``, person-clustered SEs), which does not separate
  within- from between-person variation.  (statsmodels' MixedLM fits the same
  model but took 30 s per direction for 5,000 persons; the GLS estimator takes
  a fraction of a second.)

The regressions use persons with both waves of each pair observed (complete
pairs); the SEM uses everyone by FIML.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from analysis.models.builders import PanelDesign

COLUMNS = ["method", "path", "est", "se", "ci_lower", "ci_upper", "pvalue", "n_obs", "note"]
# n_obs: persons for the SEM, person-wave pairs for the regressions.


def lagged_long(wide: pd.DataFrame, design: PanelDesign) -> pd.DataFrame:
    """Person x wave rows with current and lagged x and y (complete pairs only)."""
    frames = []
    ids = np.arange(len(wide))
    for t in range(1, design.waves):
        frames.append(pd.DataFrame({
            "pid": ids, "t": t,
            "x": wide[design.x[t]].to_numpy(float), "y": wide[design.y[t]].to_numpy(float),
            "x_lag": wide[design.x[t - 1]].to_numpy(float), "y_lag": wide[design.y[t - 1]].to_numpy(float),
        }))
    long = pd.concat(frames, ignore_index=True)
    return long.dropna().reset_index(drop=True)


def _row(method: str, path: str, est: float, se: float, n: int, note: str = "", level: float = 0.95) -> dict:
    q = stats.norm.ppf(0.5 + level / 2)
    return {"method": method, "path": path, "est": float(est), "se": float(se), "ci_lower": float(est - q * se),
            "ci_upper": float(est + q * se), "pvalue": float(2 * stats.norm.sf(abs(est / se))) if se > 0 else np.nan,
            "n_obs": int(n), "note": note}


def fixed_effects(long: pd.DataFrame, outcome: str, lag_self: str, lag_other: str):
    from linearmodels.panel import PanelOLS

    data = long.set_index(["pid", "t"])
    mod = PanelOLS(data[outcome], data[[lag_self, lag_other]], entity_effects=True, time_effects=True)
    return mod.fit(cov_type="clustered", cluster_entity=True)


def first_differences(long: pd.DataFrame, outcome: str, lag_self: str, lag_other: str):
    from linearmodels.panel import FirstDifferenceOLS

    data = long.set_index(["pid", "t"])
    # Wave dummies would difference into constants per pair of waves; keep them out for simplicity.
    mod = FirstDifferenceOLS(data[outcome], data[[lag_self, lag_other]])
    return mod.fit(cov_type="clustered", cluster_entity=True)


def random_intercept(long: pd.DataFrame, outcome: str, lag_self: str, lag_other: str):
    from linearmodels.panel import RandomEffects

    data = long.set_index(["pid", "t"])
    waves = pd.get_dummies(long["t"], prefix="wave", drop_first=True, dtype=float).set_index(data.index)
    exog = pd.concat([data[[lag_self, lag_other]], waves], axis=1).assign(const=1.0)
    return RandomEffects(data[outcome], exog).fit(cov_type="clustered", cluster_entity=True)


def sensitivity_table(wide: pd.DataFrame, design: PanelDesign, *, x: str, y: str, waves: Sequence[str],
                      sem_x_to_y=None, sem_y_to_x=None, sem_nobs: int | None = None,
                      level: float = 0.95) -> pd.DataFrame:
    """Side-by-side table of the cross-lagged effects from the SEM and the three regressions."""
    long = lagged_long(wide, design)
    T = design.waves
    rows = []
    if sem_x_to_y is not None:
        n = int(wide.shape[0]) if sem_nobs is None else sem_nobs
        rows.append(_row("SEM (as fitted)", "x_to_y", sem_x_to_y.est, sem_x_to_y.se, n,
                         "FIML: every person with any observed score (persons)", level))
        rows.append(_row("SEM (as fitted)", "y_to_x", sem_y_to_x.est, sem_y_to_x.se, n,
                         "FIML: every person with any observed score (persons)", level))
    specs = (("x_to_y", "y", "y_lag", "x_lag"), ("y_to_x", "x", "x_lag", "y_lag"))
    for path, outcome, lag_self, lag_other in specs:
        try:
            fe = fixed_effects(long, outcome, lag_self, lag_other)
            rho = float(fe.params[lag_self])
            note = (f"Nickell bias: with {T} waves the fixed-effects autoregression ({rho:.2f}) is expected to be "
                    f"about {(1 + rho) / (T - 1):.2f} below the true value, and the cross-lag may be biased too")
            rows.append(_row("Fixed effects (person + wave), clustered SEs", path, fe.params[lag_other],
                             fe.std_errors[lag_other], fe.nobs, note, level))
        except Exception as exc:  # a failed sensitivity model is reported, never fatal
            rows.append({"method": "Fixed effects (person + wave), clustered SEs", "path": path, "note": f"failed: {exc}"})
        try:
            fd = first_differences(long, outcome, lag_self, lag_other)
            rows.append(_row("First differences, clustered SEs", path, fd.params[lag_other], fd.std_errors[lag_other],
                             fd.nobs, "differenced lagged outcome is correlated with the differenced error", level))
        except Exception as exc:
            rows.append({"method": "First differences, clustered SEs", "path": path, "note": f"failed: {exc}"})
        try:
            ri = random_intercept(long, outcome, lag_self, lag_other)
            rows.append(_row("Random-intercept model (GLS), clustered SEs", path, ri.params[lag_other],
                             ri.std_errors[lag_other], int(ri.nobs), "mixes within- and between-person variation", level))
        except Exception as exc:
            rows.append({"method": "Random-intercept model (GLS), clustered SEs", "path": path, "note": f"failed: {exc}"})
    table = pd.DataFrame(rows, columns=COLUMNS)
    table["from"] = np.where(table["path"] == "x_to_y", x, y)
    table["to"] = np.where(table["path"] == "x_to_y", y, x)
    return table[["method", "path", "from", "to", *COLUMNS[2:]]]
