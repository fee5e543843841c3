"""Stigma as a continuous moderator of the cross-lagged effects.

A fixed-effects panel regression (person and wave effects, person-clustered
SEs; ``linearmodels.PanelOLS``) of the outcome at wave t on its own lag, the
other construct's lag, and that lag times the moderator (a person's score at
the first wave analysed, so its main effect is absorbed by the person effects):

.. math::

    y_{it} = \\rho y_{i,t-1} + \\beta x_{i,t-1} + \\gamma x_{i,t-1} s_i + \\alpha_i + \\lambda_t + e_{it}

The effect of ``x`` at moderator value ``s`` is ``beta + gamma s``; it is
reported at low, medium and high values (10th, 50th and 90th percentiles).
Fixed effects with a lagged outcome carry Nickell bias when waves are few (see
:mod:`analysis.models.sensitivity`); the interaction is less affected, but read
the levels with that in mind.

The regressions pool the intervals between consecutive waves as steps of one
length.  When a wave in the middle is missing (waves a, c, d) the intervals are
unequal, and an a→c interval would be read as one step: such waves are refused,
naming the gap, as lags equal over waves are in :mod:`analysis.models.intervals`
(the interaction here is one coefficient over all intervals, like those lags);
equally spaced waves across gaps (a, c, e) are fitted with a note.  Both are in
``notes`` (the run's JSON ``notes``).

Under a survey design (a :class:`~analysis.models.survey_design.Design` naming the
weight, PSU and strata columns of the wide data) the regressions are weighted by
the person's longitudinal weight and their SEs clustered by PSU, as in
:mod:`analysis.models.sensitivity` (``linearmodels`` has no strata; ``design``
says so).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from analysis.errors import DataError
from analysis.interpret import format_p, readable, significant
from analysis.models.builders import PanelDesign
from analysis.models.intervals import _skipped, check_intervals, wave_steps
from analysis.models.sensitivity import design_info, design_note, lagged_long, weight_and_cov
from analysis.models.survey_design import Design, Survey, WeightRule, resolve_design
from analysis.naming import name_of

LEVELS = {"low (10th percentile)": 0.10, "medium (median)": 0.50, "high (90th percentile)": 0.90}


@dataclass(frozen=True)
class ModerationResults:
    """Interaction estimates and marginal effects for both directions."""

    moderator: str
    x: str
    y: str
    interaction: pd.DataFrame  # path, est, se, pvalue, n_obs
    marginal_effects: pd.DataFrame  # path, level, moderator_value, est, se, ci_lower, ci_upper, pvalue
    design: dict | None = None  # the design object (weight, cluster, strata, n_psu, ..., note)
    notes: tuple[str, ...] = ()  # caveats that change what the estimates mean (e.g. wave spacing)

    def interpretation(self) -> str:
        x, y, m = name_of(self.x), name_of(self.y), name_of(self.moderator)
        row = self.interaction.set_index("path").loc["x_to_y"]
        me = self.marginal_effects[self.marginal_effects.path == "x_to_y"]
        low, high = me.iloc[0], me.iloc[-1]
        if significant(row.pvalue):
            verb = "stronger" if row.est > 0 else "weaker"
            return (f"The link from {x} to later {y} is {verb} for people with more {m} "
                    f"(interaction {readable(row.est)}, {format_p(row.pvalue)}): {readable(low.est)} at low and "
                    f"{readable(high.est)} at high {m}. This describes who shows the stronger link, not why.")
        return (f"The data do not show that {m} changes the link from {x} to later {y} "
                f"(interaction {readable(row.est)}, {format_p(row.pvalue)}).")


def check_waves(panel, waves: Sequence[str], *, x: str, y: str, moderator: str,
                allow_unequal_intervals: bool = False) -> tuple[str, ...]:
    """Notes on the spacing of the moderation's ``waves``; refuse what the regressions cannot mean.

    The same rule as lags equal over waves (:func:`analysis.models.intervals.check_intervals`,
    as the cross-lagged models apply it): intervals of one wave each need no note; equally
    spaced gaps (a, c, e) are a note; unequal intervals (a, c, d: a→c spans two waves) are
    refused with one sentence naming the gap, unless ``allow_unequal_intervals`` (a note).
    Fewer than three waves leave nothing to estimate once each person's own level is
    removed: refused.  ``panel`` without a spec (a wide DataFrame) has no wave numbers and
    only the count of waves is checked.
    """
    what = f"The moderation of the link between {x} and {y} by {moderator}"
    waves = [str(w) for w in waves]
    if len(waves) < 3:
        raise DataError(f"{what} needs at least three waves (two intervals), because each person's own level "
                        f"is removed; the waves given are {', '.join(waves) or 'none'}.")
    try:
        return check_intervals(panel, waves, lags="invariant", allow_unequal=allow_unequal_intervals)
    except DataError as exc:
        steps = wave_steps(panel, waves) or []
        if all(s == 1 for s in steps):  # refused for another reason than a skipped wave
            raise DataError(f"{what}: {exc}") from None
    gaps = "; ".join(_skipped(panel, a, b) for (a, b), s in zip(zip(waves, waves[1:]), steps) if s != 1)
    runs, current = [], [waves[0]]
    for w, s in zip(waves[1:], steps):
        current = current + [w] if s == 1 else [w]
        runs.append(current)
    best = max(runs, key=len)
    hint = (f" (here {', '.join(best)})" if len(best) >= 3 else
            " (no three consecutive waves here are one wave apart)")
    raise DataError(
        f"{what} cannot use waves {', '.join(waves)}: they are unequally spaced ({gaps}), and the regressions "
        f"would treat that interval as one step like the others; choose waves one wave apart with 'waves'{hint}.")


def moderation(wide: pd.DataFrame, design: PanelDesign, *, x: str, y: str, moderator: str,
               level: float = 0.95, survey: Survey | Design = "spec", panel=None,
               waves: Sequence[str] | None = None, allow_unequal_intervals: bool = False) -> ModerationResults:
    """Fixed-effects regressions with a lag x moderator interaction, both directions.

    ``wide`` holds the ``design`` columns and a column ``moderator`` (one value per person).
    ``survey``: a :class:`Design` naming the weight, PSU and strata columns of ``wide``
    (weighted regressions, PSU-clustered SEs), or ``"none"``; ``"spec"`` (the default)
    means no design for a bare wide DataFrame (resolve a Panel's with ``resolve_design``).
    ``panel`` and ``waves`` (the Panel the wide data came from and the design's waves, in
    order): unequally spaced waves are refused and gaps noted (:func:`check_waves`);
    ``allow_unequal_intervals`` pools unequal intervals anyway, with a note.
    """
    from linearmodels.panel import PanelOLS

    if moderator not in wide.columns:
        raise DataError(f"The data have no moderator column {moderator!r}.")
    if waves is None:
        waves = [f"{k + 1}" for k in range(design.waves)]
    elif len(waves) != design.waves:
        raise ValueError(f"waves has {len(waves)} names for a design of {design.waves} waves.")
    notes = check_waves(panel, waves, x=x, y=y, moderator=moderator,
                        allow_unequal_intervals=allow_unequal_intervals)
    survey = resolve_design(wide, wide, survey)
    s = wide[moderator].to_numpy(float)
    long = lagged_long(wide.assign(_s=s), design, survey=survey)
    # lagged_long keeps row order per wave; attach the moderator by person index.
    long["s"] = s[long["pid"].to_numpy()]
    long = long.dropna(subset=["s"])
    if long.empty:
        raise DataError(f"No person has both a {moderator} value and two consecutive waves of {x} and {y}.")
    q = stats.norm.ppf(0.5 + level / 2)
    if survey.weights:
        # Percentiles of the population the weights represent (people with a positive weight).
        w = pd.to_numeric(wide[survey.weights], errors="coerce").to_numpy(float)
        values = {name: weighted_quantile(s, w, p) for name, p in LEVELS.items()}
    else:
        values = {name: float(np.nanquantile(s, p)) for name, p in LEVELS.items()}
    inter_rows, me_rows = [], []
    for path, outcome, own, other in (("x_to_y", "y", "y_lag", "x_lag"), ("y_to_x", "x", "x_lag", "y_lag")):
        data = long.assign(inter=long[other] * long["s"]).set_index(["pid", "t"])
        weights, cov = weight_and_cov(data)
        fit = PanelOLS(data[outcome], data[[own, other, "inter"]], entity_effects=True,
                       time_effects=True, weights=weights).fit(**cov)
        b, V = fit.params, fit.cov
        inter_rows.append({"path": path, "est": float(b["inter"]), "se": float(fit.std_errors["inter"]),
                           "pvalue": float(fit.pvalues["inter"]), "n_obs": int(fit.nobs)})
        for name, val in values.items():
            est = float(b[other] + val * b["inter"])
            var = float(V.loc[other, other] + val**2 * V.loc["inter", "inter"] + 2 * val * V.loc[other, "inter"])
            se = float(np.sqrt(max(var, 0.0)))
            me_rows.append({"path": path, "level": name, "moderator_value": val, "est": est, "se": se,
                            "ci_lower": est - q * se, "ci_upper": est + q * se,
                            "pvalue": float(2 * stats.norm.sf(abs(est / se))) if se > 0 else np.nan})
    info = design_info(wide, survey, long)
    info["note"] = design_note(info)
    return ModerationResults(moderator=moderator, x=x, y=y, interaction=pd.DataFrame(inter_rows),
                             marginal_effects=pd.DataFrame(me_rows), design=info, notes=tuple(notes))


def moderate_panel(panel, *, x: str, y: str, moderator: str, waves: Sequence[str] | None = None,
                   level: float = 0.95, survey: Survey | Design = "spec", weight_rule: WeightRule = "last",
                   allow_unequal_intervals: bool = False) -> ModerationResults:
    """:func:`moderation` of a :class:`analysis.data.Panel`, as a run and the CLI fit it.

    The moderator is each person's value at the first of ``waves`` they answered
    (:func:`first_wave_values`); ``survey`` and ``weight_rule`` as in
    :func:`analysis.models.crosslag.fit_crosslag` (the spec's weight, PSUs and strata by default).
    """
    from analysis.models.crosslag import wide_design

    wide, design, wave_list = wide_design(panel, x=x, y=y, waves=waves, weight_rule=weight_rule)
    resolved = resolve_design(panel, wide, survey)
    ids = wide["id"] if "id" in wide.columns else None
    values = first_wave_values(panel.long, moderator, list(wave_list))
    wide = wide.assign(**{moderator: ids.map(values).to_numpy() if ids is not None else np.nan})
    return moderation(wide, design, x=x, y=y, moderator=moderator, level=level, survey=resolved, panel=panel,
                      waves=wave_list, allow_unequal_intervals=allow_unequal_intervals)


def weighted_quantile(values: np.ndarray, weights: np.ndarray, p: float) -> float:
    """The ``p`` quantile of ``values`` under ``weights`` (missing values and non-positive weights left out).

    Linear interpolation between order statistics placed at ``(W_k - w_k) / (W_n - w_n)``
    (``W`` the cumulative weight in sorted order): with equal weights exactly
    ``numpy.quantile``'s default (Hyndman & Fan type 7).
    """
    ok = np.isfinite(values) & np.isfinite(weights) & (weights > 0)
    v, w = values[ok], weights[ok]
    if v.size == 0:
        return float("nan")
    order = np.argsort(v, kind="stable")
    v, w = v[order], w[order]
    if v.size == 1:
        return float(v[0])
    cum = np.cumsum(w)
    pos = (cum - w) / (cum[-1] - w[-1])
    return float(np.interp(p, pos, v))


def first_wave_values(long: pd.DataFrame, column: str, waves: Sequence[str], *, id_col: str = "id",
                      wave_col: str = "wave") -> pd.Series:
    """Each person's value of ``column`` at the first of ``waves`` in which it is observed."""
    sub = long[long[wave_col].astype(str).isin([str(w) for w in waves])][[id_col, wave_col, column]].dropna()
    order = {str(w): k for k, w in enumerate(waves)}
    sub = sub.assign(_k=sub[wave_col].astype(str).map(order)).sort_values([id_col, "_k"])
    return sub.groupby(id_col)[column].first()
