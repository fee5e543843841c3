"""Stigma as a continuous moderator of the within-person cross-lags, inside the RI-CLPM.

The alternative to cutting stigma into groups: one RI-CLPM (time-invariant lags, as
written by :func:`analysis.models.builders.riclpm_syntax`) in which the within-person
cross-lag of ``x`` on later ``y`` (and of ``y`` on later ``x``) changes linearly with a
person's stigma score ``S`` (their value at the first wave analysed):

.. math::

    w^y_{it} = \\rho_y w^y_{i,t-1} + \\beta_{xy} w^x_{i,t-1} + \\gamma_{xy} p^x_{i,t-1} + u^y_{it},
    \\qquad p^x_{i,t-1} = (x_{i,t-1} - \\bar x_i - c_{t-1})(S_i - \\bar S)

and the same with ``x`` and ``y`` exchanged (``gamma_yx``).  ``p`` is the person-mean-centred
product term of the multilevel literature: the deviation of ``x`` at the earlier wave from the
person's own mean over the waves analysed (``c_t`` removes the average deviation at that wave,
so wave-to-wave changes in the mean are not read as moderation), times the centred stigma
score.  The products are observed variables entered as predictors of the within-person
components with one time-invariant coefficient (labels ``g_xy``, ``g_yx``); ``S`` itself
predicts both random intercepts (a time-invariant predictor as in Mulder & Hamaker 2021), so
the product is not confounded with stigma's main effect on a person's level.  The products
covary freely with each other, with ``S`` and with the within-person components at and
before their own wave (wave 1 components and the later innovations), so the model does not
force them to be unrelated to the past.  Everything is written in lavaan syntax (``syntax``
of the results) and fitted by ML with FIML like every panel model here; lavaan fits the same
text identically (``tests/reference/make_sem_moderation_fixtures.R``).

What the coefficient means
--------------------------
``gamma_xy`` is the change in the within-person cross-lag from ``x`` to later ``y`` per one
unit of stigma (``interaction_per_sd`` gives it per standard deviation): at stigma ``s`` the
cross-lag is ``beta_xy + gamma_xy (s - mean S)``; the simple slopes are reported at the
10th, 50th and 90th (weighted) percentiles of stigma, as in :mod:`analysis.models.moderation`.
It is an association within persons, not proof of cause.

Assumptions and limits
----------------------
* Stigma is fixed over the waves analysed (taken at the first) and measured without error.
* The product uses the observed person-mean-centred score, not the latent within-person
  component: with few waves the person mean holds part of the within-person fluctuation, the
  centred score is a shrunken version of the within-person component, and the interaction is
  overstated (away from zero; it is per unit of the person-mean-centred score).  In our
  simulations (n = 5,000, autoregression 0.4) by 20-60% with four waves and 10-30% with
  eight; with no moderation it stays at zero (no false signal), and with the true
  within-person components in the product the same model recovers the interaction
  (``tests/models/test_sem_moderation.py``).  Read its size with that in mind; its sign and
  test are the robust part.  A latent-by-observed interaction (LMS, Klein &
  Moosbrugger 2000, as Ozkok et al. 2022 used in Mplus) avoids this but cannot be fitted by
  lavaan's ML, so it could not be checked here.
* The products are not normal; ML estimates stay consistent, but the normal-theory SEs may
  be too small: use ``estimator="mlr"`` for robust SEs.
* The lags and the interaction are equal over intervals (one step each: equally spaced waves).

Survey design
-------------
Given a Panel whose spec has a ``design:`` block (or ``weights=``, ``cluster=``, ``strata=``
columns), the model is fitted as :func:`analysis.models.crosslag.fit_crosslag` fits it: a
weighted likelihood (weights rescaled to the persons used; zero or missing weights are not
used and counted in ``design``), sandwich SEs with scores summed within PSUs and centred
within strata, and the scaled test; ``survey="none"`` is the unweighted sensitivity check.
The moderator's centre, its SD, each wave's average deviation and the percentiles of the
simple slopes are then weighted, so they describe the population the weights represent.
lavaan fits the same syntax with ``sampling.weights`` and ``cluster`` identically
(``tests/reference/sem_moderation/*_weighted_cluster.json``); lavaan has no strata.

References
----------
Hamaker, E. L., Kuiper, R. M., & Grasman, R. P. P. P. (2015). A critique of the cross-lagged
panel model. *Psychological Methods, 20*(1), 102-116.

Mulder, J. D., & Hamaker, E. L. (2021). Three extensions of the random intercept
cross-lagged panel model. *Structural Equation Modeling, 28*(4), 638-648.

Enders, C. K., & Tofighi, D. (2007). Centering predictor variables in cross-sectional
multilevel models. *Psychological Methods, 12*(2), 121-138.

Ozkok, O., Vaulont, M. J., Zyphur, M. J., et al. (2022). Interaction effects in cross-lagged
panel models: SEM with latent interactions applied to work-family conflict, job satisfaction,
and gender. *Organizational Research Methods, 25*(4), 673-715.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import stats

from analysis.errors import DataError, UsageError
from analysis.models.builders import Groups, PanelDesign, riclpm_syntax
from analysis.models.moderation import LEVELS, weighted_quantile
from analysis.models.panel_fit import fit_panel
from analysis.models.sem_moderation_results import DIRECTIONS, SIZE_CAVEAT, WithinModerationResults
from analysis.models.survey_design import Design, Survey, WeightRule, resolve_design

__all__ = ["DIRECTIONS", "MODERATOR", "WithinModerationResults", "moderate_within", "moderated_riclpm_syntax",
           "product_terms"]

MODERATOR = "stigma_c"


def _lab(base: str, n_groups: int) -> str:
    return base if n_groups <= 1 else "c(" + ", ".join(f"{base}_g{k + 1}" for k in range(n_groups)) + ")"


def moderated_riclpm_syntax(waves: int, *, x_cols: Sequence[str], y_cols: Sequence[str],
                            n_groups: int = 1) -> str:
    """RI-CLPM syntax with person-mean-centred product terms moderating the cross-lags.

    Parameters
    ----------
    waves : int
        Number of waves (at least 3).
    x_cols, y_cols : sequence of str
        Observed columns of the two constructs, in wave order.
    n_groups : int, default 1
        Groups of a multigroup model: every parameter (and the interactions ``g_xy_g1``...)
        free per group.

    Returns
    -------
    str
        The builder's RI-CLPM (time-invariant lags) followed by the moderation lines; the
        products are ``px1..px{T-1}`` / ``py1..py{T-1}`` and the centred moderator ``stigma_c``.
    """
    groups = Groups(n=n_groups) if n_groups > 1 else None
    base = riclpm_syntax(PanelDesign(x=tuple(x_cols), y=tuple(y_cols)), lags="invariant", groups=groups)
    T = waves
    lines = ["# Moderation of the within-person cross-lags by the centred stigma score",
             "# (person-mean-centred product terms; time-invariant interaction)"]
    for t in range(1, T):
        lines.append(f"wy{t + 1} ~ {_lab('g_xy', n_groups)}*px{t}")
        lines.append(f"wx{t + 1} ~ {_lab('g_yx', n_groups)}*py{t}")
    lines += ["# Stigma's main effect on the stable person levels", f"RIx + RIy ~ {MODERATOR}",
              f"{MODERATOR} ~~ {MODERATOR}", "# Products: (co)variances with each other, stigma and the past"]
    prods = [f"p{c}{t}" for t in range(1, T) for c in "xy"]
    for i, a in enumerate(prods):
        lines += [f"{a} ~~ {a}", f"{a} ~~ {MODERATOR}"]
        lines += [f"{a} ~~ {b}" for b in prods[i + 1:]]
        t = int(a[2:])
        lines += [f"{a} ~~ w{c}{s}" for s in range(1, t + 1) for c in "xy"]
    return base + "\n".join(lines) + "\n"


def _wmean(values: np.ndarray, w: np.ndarray | None, axis: int | None = None) -> np.ndarray | float:
    """Mean over the finite values (weighted by the positive weights ``w`` when given)."""
    ok = np.isfinite(values)
    if w is not None:
        w = np.where(np.isfinite(w) & (w > 0), w, 0.0)
        ww = (w[:, None] if values.ndim == 2 else w) * ok
    else:
        ww = ok.astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.sum(np.where(ok, values, 0.0) * ww, axis=axis) / np.sum(ww, axis=axis)


def product_terms(wide: pd.DataFrame, *, x_cols: Sequence[str], y_cols: Sequence[str],
                  moderator: str, weights: str | None = None) -> pd.DataFrame:
    """The centred moderator and the person-mean-centred products, added to a copy of ``wide``.

    Persons' means use the waves they answered; products are missing where the earlier
    wave or the moderator is.  With ``weights`` (a column) the moderator's mean and each
    wave's average deviation are weighted means over the persons with a positive weight
    (the population the weights represent), as the weighted fit reads them.
    """
    out = wide.copy()
    w = pd.to_numeric(wide[weights], errors="coerce").to_numpy(float) if weights else None
    s = pd.to_numeric(wide[moderator], errors="coerce").to_numpy(float)
    sc = s - _wmean(s, w)
    out[MODERATOR] = sc
    for c, cols in (("x", x_cols), ("y", y_cols)):
        M = wide[list(cols)].to_numpy(float)
        with warnings.catch_warnings():  # a person with no answer at all has no mean: NaN, and FIML drops them
            warnings.simplefilter("ignore", RuntimeWarning)
            dev = M - np.nanmean(M, axis=1, keepdims=True)
        dev = dev - _wmean(dev, w, axis=0)[None, :]
        for t in range(len(cols) - 1):
            out[f"p{c}{t + 1}"] = dev[:, t] * sc
    return out


def _moderator_sd(s: np.ndarray, w: np.ndarray | None, mean: float) -> float:
    # The weighted SD as in the run's weighted descriptives: equal weights give the sample SD.
    ok = np.isfinite(s) & (np.ones_like(s, bool) if w is None else (np.isfinite(w) & (w > 0)))
    v = s[ok]
    ww = np.ones_like(v) if w is None else w[ok]
    n = v.size
    if n < 2:
        return float("nan")
    return float(np.sqrt(np.sum(ww * (v - mean) ** 2) / np.sum(ww) * n / (n - 1)))


def moderate_within(panel_or_wide: Any, *, x: str, y: str, moderator: str, waves: Sequence[str] | None = None,
                    by: str | None = None, estimator: Literal["ml", "mlr"] = "ml", level: float = 0.95,
                    survey: Survey | Design = "spec", weight_rule: WeightRule = "last",
                    weights: str | None = None, cluster: str | None = None, strata: str | None = None,
                    allow_unequal_intervals: bool = False) -> WithinModerationResults:
    """Fit the RI-CLPM with stigma moderating the within-person cross-lags.

    Parameters
    ----------
    panel_or_wide : Panel or DataFrame
        A :class:`analysis.data.Panel` (the moderator is each person's value at the first of
        ``waves`` they answered), or a wide DataFrame with ``{x}_{wave}``, ``{y}_{wave}``
        and a ``moderator`` column (then ``waves`` is required).
    x, y : str
        The two constructs.
    moderator : str
        The continuous moderator (a construct or column, e.g. the stigma score).
    waves : sequence of str, optional
        Waves analysed (at least three, one wave apart).
    by : str, optional
        A grouping (e.g. ``life_stage``): a multigroup model with one interaction per group
        and a Wald test that they are equal.
    estimator : {"ml", "mlr"}
        ``"mlr"`` for SEs robust to the products' non-normality (always so under a survey design).
    level : float
        Confidence level of the intervals.
    survey : {"spec", "none"} or Design
        As :func:`analysis.models.crosslag.fit_crosslag`: ``"spec"`` (default) uses a Panel's
        weight, PSUs and strata from its spec's ``design:`` block (weighted likelihood,
        design-based SEs, scaled test); ``"none"`` fits unweighted with simple-random-sample
        SEs; a :class:`Design` names columns of the data.
    weight_rule : {"last", "first"}
        With ``survey="spec"``: the longitudinal weight of the last wave analysed or the first's.
    weights, cluster, strata : str, optional
        Columns of the data holding the sampling weight, the PSU and the stratum (the same as
        ``survey=Design(weights, cluster, strata)``; not together with another ``survey``).
        Weights also centre the moderator and set the percentiles of the simple slopes.
    allow_unequal_intervals : bool
        Pool unequally spaced waves anyway (with a note); refused otherwise.

    Returns
    -------
    WithinModerationResults
    """
    from analysis.models.crosslag import wide_design

    from analysis.models.moderation import check_waves, first_wave_values

    if weights or cluster or strata:
        if survey != "spec":
            raise UsageError("Give the survey design either as weights=/cluster=/strata= columns or as survey=, "
                             "not both.")
        survey = Design(weights=weights, cluster=cluster, strata=strata)
    if estimator not in ("ml", "mlr"):
        raise UsageError(f"estimator must be 'ml' or 'mlr', not {estimator!r}.")
    notes: tuple[str, ...] = ()
    if isinstance(panel_or_wide, pd.DataFrame):
        wide, _, wave_list = wide_design(panel_or_wide, x=x, y=y, waves=waves)
    else:
        if by is not None:  # a misspelt grouping is one sentence naming the groupings there are
            from analysis.data.panel import known_names

            known_names(by, panel_or_wide.groupings, what="grouping")
        # As the fixed-effects moderation in a run: the moderator at the first of the waves a person answered.
        wide, _, wave_list = wide_design(panel_or_wide, x=x, y=y, waves=waves, group=by, weight_rule=weight_rule)
        notes = check_waves(panel_or_wide, wave_list, x=x, y=y, moderator=moderator,
                            allow_unequal_intervals=allow_unequal_intervals)
        if moderator in panel_or_wide.long.columns and "id" in wide.columns:
            values = first_wave_values(panel_or_wide.long, moderator, list(wave_list))
            wide = wide.assign(**{moderator: wide["id"].map(values).to_numpy()})
    if moderator not in wide.columns:
        raise DataError(f"The data have no moderator column {moderator!r}.")
    if by is not None and by not in wide.columns:
        raise DataError(f"The data have no grouping column {by!r}.")
    design = resolve_design(panel_or_wide, wide, survey)
    T = len(wave_list)
    if T < 3:
        raise UsageError(f"The RI-CLPM needs at least 3 waves; got {T}.")
    x_cols = [f"{x}_{w}" for w in wave_list]
    y_cols = [f"{y}_{w}" for w in wave_list]
    wide = wide[wide[moderator].notna()].reset_index(drop=True)
    if by is not None:
        wide = wide[wide[by].notna()].reset_index(drop=True)
    if len(wide) < 20:
        raise DataError(f"Fewer than 20 persons have a {moderator} value; the moderation cannot be estimated.")
    if by is not None:
        sizes = wide[by].astype(str).value_counts()
        small = sorted(g for g, n in sizes.items() if n < 20)
        if small:
            raise DataError(f"The {by} group {small[0]!r} has fewer than 20 persons with a {moderator} value, too few "
                            f"for its own interaction; choose another grouping or no 'by'.")
    data = product_terms(wide, x_cols=x_cols, y_cols=y_cols, moderator=moderator, weights=design.weights)
    levels = sorted(data[by].unique().tolist(), key=str) if by is not None else [None]
    syntax = moderated_riclpm_syntax(T, x_cols=x_cols, y_cols=y_cols, n_groups=len(levels))
    res = fit_panel(syntax, data, group=by, group_levels=levels if by is not None else None, estimator=estimator,
                    **design.fit_options())
    s = pd.to_numeric(wide[moderator], errors="coerce").to_numpy(float)
    w = pd.to_numeric(wide[design.weights], errors="coerce").to_numpy(float) if design.weights else None
    mean_s = float(_wmean(s, w))
    sd_s = _moderator_sd(s, w, mean_s)
    values = {name: weighted_quantile(s, np.ones_like(s) if w is None else w, p) for name, p in LEVELS.items()}
    q = stats.norm.ppf(0.5 + level / 2)
    theta, V = res.params.to_numpy(), res.vcov.to_numpy()
    inter, slopes = [], []
    for lev in levels:
        g = None if lev is None else str(lev)
        for path in DIRECTIONS:
            lhs, rhs = ("wy2", "px1") if path == "x_to_y" else ("wx2", "py1")
            lag_rhs = "wx1" if path == "x_to_y" else "wy1"
            ig, ib = res.free_index(lhs, "~", rhs, group=g), res.free_index(lhs, "~", lag_rhs, group=g)
            est, se = float(theta[ig]), float(np.sqrt(V[ig, ig]))
            p = float(2 * stats.norm.sf(abs(est / se))) if se > 0 else float("nan")
            inter.append({"path": path, "group": g, "est": est, "se": se, "z": est / se if se > 0 else float("nan"),
                          "pvalue": p, "ci_lower": est - q * se, "ci_upper": est + q * se, "per_sd": est * sd_s})
            for name, val in values.items():
                d = val - mean_s
                e = float(theta[ib] + d * theta[ig])
                v = float(V[ib, ib] + d * d * V[ig, ig] + 2 * d * V[ib, ig])
                sse = float(np.sqrt(max(v, 0.0)))
                slopes.append({"path": path, "group": g, "level": name, "moderator_value": val, "est": e, "se": sse,
                               "ci_lower": e - q * sse, "ci_upper": e + q * sse,
                               "pvalue": float(2 * stats.norm.sf(abs(e / sse))) if sse > 0 else float("nan")})
    equality = []
    if by is not None and len(levels) > 1:
        for path, (glab, _) in DIRECTIONS.items():
            cons = [f"{glab}_g1 == {glab}_g{k + 1}" for k in range(1, len(levels))]
            t = res.wald(cons, description=f"equal {path} interaction over {by}")
            equality.append({"path": path, "chisq": float(t.chisq), "df": int(t.df), "pvalue": float(t.pvalue)})
    return WithinModerationResults(
        x=x, y=y, moderator=moderator, by=by, interaction=pd.DataFrame(inter), simple_slopes=pd.DataFrame(slopes),
        equality=pd.DataFrame(equality, columns=["path", "chisq", "df", "pvalue"]), moderator_mean=mean_s,
        moderator_sd=sd_s, syntax=syntax, sem=res, wide=wide, waves=tuple(wave_list), level=level,
        survey=design, notes=(*notes, SIZE_CAVEAT))
