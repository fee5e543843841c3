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

Under a survey design (``survey="spec"`` with a Panel's wide table, or a
:class:`~analysis.models.survey_design.Design`) each person-wave row carries the
person's longitudinal weight (constant over the person's rows, rescaled to mean 1
over the rows used; ``linearmodels`` ``weights=``) and the standard errors are
clustered by PSU (``cov_type="clustered", clusters=`` the PSU codes; persons are
nested in PSUs, so this also allows for the repeated rows of a person).
``linearmodels`` has no strata: the PSU-clustered SEs ignore the stratification
(usually slightly conservative), and the table's note says so.  Persons with a
zero or missing weight are not used and are counted in the note.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from analysis.models.builders import PanelDesign
from analysis.models.survey_design import NO_DESIGN, Design, Survey, resolve_design

COLUMNS = ["method", "path", "est", "se", "ci_lower", "ci_upper", "pvalue", "n_obs", "note"]
# n_obs: persons for the SEM, person-wave pairs for the regressions.


def lagged_long(wide: pd.DataFrame, design: PanelDesign, *, survey: Design = NO_DESIGN) -> pd.DataFrame:
    """Person x wave rows with current and lagged x and y (complete pairs only).

    With a survey ``survey`` design the rows also carry ``w`` (the person's weight,
    rescaled to mean 1 over the rows kept) and/or ``psu`` (integer PSU codes, unique
    within strata); rows of persons with a zero or missing weight, or a missing PSU,
    are dropped (see :func:`design_info` for the counts).
    """
    frames = []
    ids = np.arange(len(wide))
    extra = _person_design(wide, survey)
    for t in range(1, design.waves):
        frames.append(pd.DataFrame({
            "pid": ids, "t": t,
            "x": wide[design.x[t]].to_numpy(float), "y": wide[design.y[t]].to_numpy(float),
            "x_lag": wide[design.x[t - 1]].to_numpy(float), "y_lag": wide[design.y[t - 1]].to_numpy(float),
            **extra,
        }))
    long = pd.concat(frames, ignore_index=True)
    long = long.dropna().reset_index(drop=True)
    if "w" in long.columns:
        long = long[long["w"] > 0].reset_index(drop=True)
        if len(long):
            long["w"] = long["w"] / long["w"].mean()
    if "psu" in long.columns:
        long["psu"] = long["psu"].astype(np.int64)
    return long


def _person_design(wide: pd.DataFrame, survey: Design) -> dict[str, np.ndarray]:
    """Per person: weight ``w`` and integer PSU code ``psu`` (within strata), as the design uses them."""
    out: dict[str, np.ndarray] = {}
    if survey.weights:
        out["w"] = pd.to_numeric(wide[survey.weights], errors="coerce").to_numpy(float)
    if survey.cluster:
        keys = [wide[survey.cluster]] + ([wide[survey.strata]] if survey.strata else [])
        frame = pd.concat(keys, axis=1)
        codes = np.full(len(wide), np.nan)
        ok = frame.notna().all(axis=1).to_numpy()
        if ok.any():
            codes[ok] = pd.MultiIndex.from_frame(frame[ok].astype(str)).factorize()[0]
        out["psu"] = codes
    return out


def design_info(wide: pd.DataFrame, survey: Design, long: pd.DataFrame | None = None) -> dict:
    """The ``design`` object (as in the cross-lag JSON) for regressions on ``wide`` under ``survey``.

    Counts of zero and missing weights are of persons; ``n_psu``/``n_strata`` of those in
    ``long`` (the rows used) when given.
    """
    info = {"weight": survey.weights, "cluster": survey.cluster, "strata": survey.strata, "n_psu": None,
            "n_strata": None, "zero_weight": 0, "missing_weight": 0}
    if survey.weights:
        w = pd.to_numeric(wide[survey.weights], errors="coerce")
        info["zero_weight"] = int((w == 0).sum())
        info["missing_weight"] = int(w.isna().sum())
    if survey.cluster:
        rows = wide if long is None else wide.iloc[np.unique(long["pid"].to_numpy())]
        keys = [survey.cluster] + ([survey.strata] if survey.strata else [])
        info["n_psu"] = int(rows[keys].dropna().drop_duplicates().shape[0])
        if survey.strata:
            info["n_strata"] = int(rows[survey.strata].dropna().nunique())
    return info


def design_note(info: dict) -> str:
    """How the regressions used the design, for the table's note."""
    if not (info.get("weight") or info.get("cluster")):
        return "unweighted, SEs clustered by person"
    parts = []
    if info.get("weight"):
        parts.append(f"weighted ({info['weight']}, the person's longitudinal weight)")
    if info.get("cluster"):
        parts.append(f"SEs clustered by PSU ({info.get('n_psu')} PSUs)")
    else:
        parts.append("SEs clustered by person")
    text = ", ".join(parts)
    if info.get("strata"):
        text += ("; strata not used (linearmodels has no strata: the PSU-clustered SEs ignore the "
                 "stratification and are usually slightly conservative)")
    dropped = (info.get("zero_weight") or 0) + (info.get("missing_weight") or 0)
    if dropped:
        text += (f"; persons with a zero or missing weight not used ({info.get('zero_weight') or 0} zero, "
                 f"{info.get('missing_weight') or 0} missing)")
    return text


def weight_and_cov(data: pd.DataFrame) -> tuple[pd.Series | None, dict]:
    """``weights=`` and the ``fit`` keywords for a (pid, t)-indexed frame from :func:`lagged_long`."""
    weights = data["w"] if "w" in data.columns else None
    if "psu" in data.columns:
        return weights, {"cov_type": "clustered", "clusters": data[["psu"]]}
    return weights, {"cov_type": "clustered", "cluster_entity": True}


def _row(method: str, path: str, est: float, se: float, n: int, note: str = "", level: float = 0.95) -> dict:
    q = stats.norm.ppf(0.5 + level / 2)
    return {"method": method, "path": path, "est": float(est), "se": float(se), "ci_lower": float(est - q * se),
            "ci_upper": float(est + q * se), "pvalue": float(2 * stats.norm.sf(abs(est / se))) if se > 0 else np.nan,
            "n_obs": int(n), "note": note}


def fixed_effects(long: pd.DataFrame, outcome: str, lag_self: str, lag_other: str):
    from linearmodels.panel import PanelOLS

    data = long.set_index(["pid", "t"])
    weights, cov = weight_and_cov(data)
    mod = PanelOLS(data[outcome], data[[lag_self, lag_other]], entity_effects=True, time_effects=True,
                   weights=weights)
    return mod.fit(**cov)


def first_differences(long: pd.DataFrame, outcome: str, lag_self: str, lag_other: str):
    from linearmodels.panel import FirstDifferenceOLS

    data = long.set_index(["pid", "t"])
    # Wave dummies would difference into constants per pair of waves; keep them out for simplicity.
    weights, cov = weight_and_cov(data)
    mod = FirstDifferenceOLS(data[outcome], data[[lag_self, lag_other]], weights=weights)
    return mod.fit(**cov)


def random_intercept(long: pd.DataFrame, outcome: str, lag_self: str, lag_other: str):
    from linearmodels.panel import RandomEffects

    data = long.set_index(["pid", "t"])
    waves = pd.get_dummies(long["t"], prefix="wave", drop_first=True, dtype=float).set_index(data.index)
    exog = pd.concat([data[[lag_self, lag_other]], waves], axis=1).assign(const=1.0)
    weights, cov = weight_and_cov(data)
    return RandomEffects(data[outcome], exog, weights=weights).fit(**cov)


def sensitivity_table(wide: pd.DataFrame, design: PanelDesign, *, x: str, y: str, waves: Sequence[str],
                      sem_x_to_y=None, sem_y_to_x=None, sem_nobs: int | None = None,
                      level: float = 0.95, survey: Survey | Design = "spec") -> pd.DataFrame:
    """Side-by-side table of the cross-lagged effects from the SEM and the three regressions.

    ``survey``: a :class:`Design` naming the weight, PSU and strata columns of ``wide``
    (``fit_crosslag`` passes the design it fitted the SEM with), or ``"none"``; ``"spec"``
    (the default) means no design for a bare wide DataFrame, as in ``fit_crosslag``.
    The regressions' notes say how the design was used; ``table.attrs["design"]`` holds
    the design object.
    """
    survey = resolve_design(wide, wide, survey)
    long = lagged_long(wide, design, survey=survey)
    info = design_info(wide, survey, long)
    dnote = design_note(info)
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
                    f"about {(1 + rho) / (T - 1):.2f} below the true value, and the cross-lag may be biased too; "
                    f"{dnote}")
            rows.append(_row("Fixed effects (person + wave), clustered SEs", path, fe.params[lag_other],
                             fe.std_errors[lag_other], fe.nobs, note, level))
        except Exception as exc:  # a failed sensitivity model is reported, never fatal
            rows.append({"method": "Fixed effects (person + wave), clustered SEs", "path": path, "note": f"failed: {exc}"})
        try:
            fd = first_differences(long, outcome, lag_self, lag_other)
            rows.append(_row("First differences, clustered SEs", path, fd.params[lag_other], fd.std_errors[lag_other],
                             fd.nobs, f"differenced lagged outcome is correlated with the differenced error; {dnote}",
                             level))
        except Exception as exc:
            rows.append({"method": "First differences, clustered SEs", "path": path, "note": f"failed: {exc}"})
        try:
            ri = random_intercept(long, outcome, lag_self, lag_other)
            rows.append(_row("Random-intercept model (GLS), clustered SEs", path, ri.params[lag_other],
                             ri.std_errors[lag_other], int(ri.nobs),
                             f"mixes within- and between-person variation; {dnote}", level))
        except Exception as exc:
            rows.append({"method": "Random-intercept model (GLS), clustered SEs", "path": path, "note": f"failed: {exc}"})
    table = pd.DataFrame(rows, columns=COLUMNS)
    table["from"] = np.where(table["path"] == "x_to_y", x, y)
    table["to"] = np.where(table["path"] == "x_to_y", y, x)
    table = table[["method", "path", "from", "to", *COLUMNS[2:]]]
    table.attrs["design"] = info
    return table
