"""Which way do two constructs push each other?  ``fit_crosslag`` and its results.

``fit_crosslag`` builds the model syntax (see :mod:`analysis.models.builders`),
fits it with the SEM engine (FIML by default, so people who drop out still
count), and summarises the two cross-lagged paths: x→y (does x predict later y?)
and y→x, each with estimate, SE, CI, p-value and standardized value; a test of
time-invariance (LRT of free against equal lags); a test of x→y against y→x on
the standardized scale; and a comparison of CLPM, RI-CLPM and DPM fits.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from analysis.errors import DataError, UsageError
from analysis.models.builders import (
    MODEL_TYPES,
    Innovations,
    Invariance,
    Lags,
    ModelType,
    PanelDesign,
    build_syntax,
    lag_paths,
)
from analysis import background
from analysis.models.crosslag_compare import comparison_row, comparison_table, other_models
from analysis.models.crosslag_results import CrossLagResults, PathSummary
from analysis.models.intervals import check_intervals, wave_years
from analysis.models.panel_fit import fit_panel
from analysis.models.sem.distributions import norm_ppf, norm_sf
from analysis.models.sem import SEMResults, TestResult, lrt
from analysis.models.survey_design import Design, Survey, WeightRule, resolve_design


def default_waves(panel: Any, constructs: Sequence[str]) -> tuple[str, ...]:
    """The waves a model of ``constructs`` uses by default: every wave in which all were scored."""
    return tuple(w for w in panel.waves if all(w in panel.construct_waves.get(c, ()) for c in constructs))


def wide_design(
    panel: Any,
    *,
    x: str,
    y: str,
    waves: Sequence[str] | None,
    covariates: Sequence[str] = (),
    time_varying: Sequence[str] = (),
    group: str | None = None,
    weight_rule: WeightRule = "last",
) -> tuple[pd.DataFrame, PanelDesign, tuple[str, ...]]:
    """One row per person with ``{construct}_{wave}`` columns, and the matching design.

    ``panel`` is a :class:`analysis.data.Panel` or an already wide DataFrame with those
    columns (then ``waves`` is required).  ``weight_rule`` picks a Panel's ``weight``: the
    longitudinal weight of the last wave (``"last"``) or the first wave's weight (``"first"``).
    """
    if x == y:
        raise UsageError("x and y must be two different constructs.")
    if isinstance(panel, pd.DataFrame):
        if not waves:
            raise UsageError("With a wide DataFrame, give the waves (the column suffixes) explicitly.")
        wide = panel
        wave_list = tuple(str(w) for w in waves)
    else:
        constructs = [x, y, *time_varying]
        for c in constructs:
            if c not in panel.constructs:
                hint = difflib.get_close_matches(c, panel.constructs, n=1)
                raise DataError(
                    f"{c!r} is not a construct of this panel"
                    + (f"; did you mean {hint[0]!r}?" if hint else f"; the constructs are {', '.join(panel.constructs)}.")
                )
        if waves is not None:
            for w in waves:
                if str(w) not in panel.waves:
                    raise DataError(f"Wave {w!r} is not in the data; the waves found are {', '.join(panel.waves)}.")
            # Constructs not measured in a requested wave: Panel.wide says which and why.
        if waves is None:
            wave_list = default_waves(panel, constructs)
        else:
            wave_list = tuple(str(w) for w in waves)
        wide = panel.wide(constructs, waves=wave_list, groupings=[group] if group else [],
                          covariates=list(covariates), weight_rule=weight_rule)
    cols = lambda c: tuple(f"{c}_{w}" for w in wave_list)  # noqa: E731
    needed = [*cols(x), *cols(y), *[c for tv in time_varying for c in cols(tv)], *covariates]
    absent = [c for c in needed if c not in wide.columns]
    if absent:
        raise DataError(f"The panel has no column {absent[0]!r} (construct and wave); check the construct names and waves.")
    design = PanelDesign(x=cols(x), y=cols(y), covariates=tuple(covariates),
                         time_varying={tv: cols(tv) for tv in time_varying})
    return wide, design, wave_list


def summarise_path(res: SEMResults, paths: Sequence[tuple[str, str]], waves: Sequence[str], *,
                   group: str | None = None, level: float = 0.95) -> PathSummary:
    """Average (over intervals) lagged effect with delta-method SE, and its standardized value.

    ``paths`` are the ``(lhs, rhs)`` regressions of one lagged effect, one per interval
    (:func:`analysis.models.builders.lag_paths`); ``group`` a group label of a multigroup fit.
    """
    idx = np.array([res.free_index(lhs, "~", rhs, group=group) for lhs, rhs in paths])
    triples = [(lhs, "~", rhs) for lhs, rhs in paths]
    theta = res.params.to_numpy()
    vcov = res.vcov.to_numpy()

    def raw(th: np.ndarray) -> np.ndarray:
        return np.array([th[idx].mean()])

    def std(th: np.ndarray) -> np.ndarray:
        return np.array([res.standardized(triples, group=group, theta=th).mean()])

    own = res.group_parameters(group)
    (est,), (se,) = res.delta_method(raw, parameters=own)
    (std_est,), (std_se,) = res.delta_method(std, parameters=own)
    est, se, std_est, std_se = float(est), float(se), float(std_est), float(std_se)
    q = norm_ppf(0.5 + level / 2)
    z = est / se if se > 0 else float("nan")
    by_wave = []
    std_vals = res.standardized(triples, group=group)
    for k, sv in enumerate(std_vals):
        e = float(theta[idx[k]])
        s = float(np.sqrt(vcov[idx[k], idx[k]]))
        by_wave.append({"from_wave": str(waves[k]), "to_wave": str(waves[k + 1]), "est": e, "se": s,
                        "ci_lower": e - q * s, "ci_upper": e + q * s,
                        "pvalue": float(2 * norm_sf(abs(e / s))) if s > 0 else float("nan"),
                        "std": float(sv)})
    return PathSummary(
        est=est, se=se, ci_lower=est - q * se, ci_upper=est + q * se,
        pvalue=float(2 * norm_sf(abs(z))) if np.isfinite(z) else float("nan"),
        std=std_est, std_se=std_se, std_ci_lower=std_est - q * std_se, std_ci_upper=std_est + q * std_se,
        time_invariant=len(set(idx.tolist())) == 1, by_wave=tuple(by_wave),
    )


def direction_test(res: SEMResults, paths_xy: Sequence[tuple[str, str]], paths_yx: Sequence[tuple[str, str]], *,
                   group: str | None = None) -> TestResult:
    """Wald test that the standardized x→y and y→x effects (averaged over intervals) are equal."""
    xy = [(lhs, "~", rhs) for lhs, rhs in paths_xy]
    yx = [(lhs, "~", rhs) for lhs, rhs in paths_yx]

    def h(th: np.ndarray) -> np.ndarray:
        return np.array([res.standardized(xy, group=group, theta=th).mean()
                         - res.standardized(yx, group=group, theta=th).mean()])

    return res.wald(h, description="standardized x->y equals y->x")


def fit_crosslag(
    panel: Any,
    *,
    x: str,
    y: str,
    model: ModelType = "riclpm",
    waves: Sequence[str] | None = None,
    lags: Lags = "invariant",
    innovations: Innovations = "free",
    covariates: Sequence[str] = (),
    time_varying: Sequence[str] = (),
    estimator: Literal["ml", "mlr"] = "ml",
    missing: Literal["fiml", "listwise"] = "fiml",
    compare: bool = True,
    sensitivity: bool = False,
    level: float = 0.95,
    survey: Survey | Design = "spec",
    weight_rule: WeightRule = "last",
    allow_unequal_intervals: bool = False,
    jobs: int | None = 1,
) -> CrossLagResults:
    """Fit a cross-lagged panel model of ``x`` and ``y`` and summarise both directions.

    Parameters
    ----------
    panel
        An :class:`analysis.data.Panel` (from ``load_panel``) or a wide DataFrame with
        columns ``{construct}_{wave}``.
    x, y
        The two constructs, e.g. ``"loneliness"`` and ``"ghq_likert"``.
    model
        ``"riclpm"`` (default: within-person effects), ``"clpm"`` or ``"dpm"``.
    waves
        Waves to use, in order (default: every wave in which both constructs were scored).
    lags
        ``"invariant"`` (default): one x→y and one y→x effect for all intervals;
        ``"free"``: one per interval (the summary then reports their average).
    innovations
        Residual (co)variances from wave 2 ``"free"`` or ``"invariant"`` over waves.
    covariates, time_varying
        Time-invariant covariates (columns of the panel) and time-varying constructs
        (adjusted for at each wave).
    compare
        Also fit the other model types and the other lag setting, for the model
        comparison table and the time-invariance test.
    sensitivity
        Also run the econometric sensitivity analyses (fixed effects, first
        differences, random-intercept mixed model); needs a Panel (long data).
    survey
        ``"spec"`` (default): the weights, PSUs and strata the spec declares (weighted
        likelihood, design-based SEs, scaled tests); ``"none"``: unweighted, simple-random-
        sample SEs (a sensitivity check); or a :class:`Design` naming columns of a wide DataFrame.
    weight_rule
        With ``survey="spec"``: the longitudinal weight of the last wave analysed
        (``"last"``, the data producers' advice; people who left before it get weight 0 and
        are not used) or the first wave's weight (``"first"``; later drop-outs still count
        through FIML).  See ``data_specs/README.md``.
    allow_unequal_intervals
        When the waves are unequally spaced (a wave in between missing or skipped), lags
        equal over waves are refused unless this is True; either way ``notes`` says how the
        intervals differ (:mod:`analysis.models.intervals`).
    jobs
        1 (default): everything in this process; 2 or None: with ``compare``, the main fit's
        summaries and the other lag setting come from a second process while this one fits the
        other model types, where that is safe (:mod:`analysis.background`; same results).
    """
    if model not in MODEL_TYPES:
        raise UsageError(f"model must be one of {', '.join(MODEL_TYPES)}, not {model!r}.")
    if lags not in ("free", "invariant"):
        raise UsageError(f"lags must be 'free' or 'invariant', not {lags!r}.")
    wide, design, wave_list = wide_design(panel, x=x, y=y, waves=waves, covariates=covariates,
                                          time_varying=time_varying, weight_rule=weight_rule)
    notes = check_intervals(panel, wave_list, lags=lags, allow_unequal=allow_unequal_intervals)
    survey_design = resolve_design(panel, wide, survey)
    syntax = build_syntax(model, design, lags=lags, innovations=innovations)
    fit_kw = {"estimator": estimator, "missing": missing, **survey_design.fit_options()}
    res = fit_panel(syntax, wide, **fit_kw)
    rows = lag_paths(model, design)
    other = "free" if lags == "invariant" else "invariant"

    def from_main() -> dict:
        """What follows from the main fit alone: the paths' summaries and the direction test, and
        with ``compare`` the other lag setting (started from this fit) with the time-invariance test."""
        out = {k: summarise_path(res, rows[k], wave_list, level=level) for k in ("x_to_y", "y_to_x", "ar_x", "ar_y")}
        out["direction"] = direction_test(res, rows["x_to_y"], rows["y_to_x"])
        if compare:
            alt = fit_panel(build_syntax(model, design, lags=other, innovations=innovations), wide, se="none",
                            start=res, **fit_kw)
            restricted, full = (res, alt) if lags == "invariant" else (alt, res)
            out["alt_row"], out["time_invariance"] = comparison_row(f"{model}/{other}", alt), lrt(restricted, full)
        return out

    # With the comparison, that goes to a second process where allowed (jobs) while this one fits the
    # other model types: two shares of about equal time (a forked process's fits are slower at first).
    job = background.start(from_main, jobs=jobs) if compare else None
    try:
        comparison = None
        others = other_models(res, wide, design, model=model, lags=lags, innovations=innovations,
                              fit_kw=fit_kw) if compare else None
        main = job.result() if job is not None else from_main()
        job = None
        if compare:
            comparison = comparison_table([comparison_row(f"{model}/{lags}", res), main["alt_row"], *others["rows"]],
                                          lags=lags, note=others["clpm_note"])
    finally:
        if job is not None:
            job.cancel()
    x_to_y, y_to_x = main["x_to_y"], main["y_to_x"]
    sens = None
    if sensitivity:
        from analysis.models.sensitivity import sensitivity_table

        sens = sensitivity_table(wide, design, x=x, y=y, waves=wave_list, sem_x_to_y=x_to_y, sem_y_to_x=y_to_x,
                                 sem_nobs=int(res.fit["nobs"]), survey=survey_design)
    return CrossLagResults(
        model=model, x=x, y=y, waves=wave_list, lags=lags, innovations=innovations, syntax=syntax, sem=res,
        x_to_y=x_to_y, y_to_x=y_to_x, direction_test=main["direction"],
        time_invariance_test=main.get("time_invariance"), comparison=comparison, sensitivity=sens,
        ar_x=main["ar_x"], ar_y=main["ar_y"],
        notes=notes, wave_years=None if (yrs := wave_years(panel, wave_list)) is None else tuple(yrs),
        cohort=getattr(getattr(panel, "spec", None), "cohort", None),
    )
