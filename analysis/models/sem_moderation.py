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
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import stats

from analysis.errors import DataError, UsageError
from analysis.interpret import p_text, readable, significant
from analysis.models.builders import Groups, PanelDesign, riclpm_syntax
from analysis.models.moderation import LEVELS, weighted_quantile
from analysis.models.panel_fit import fit_panel
from analysis.models.sem import SEMResults
from analysis.naming import name_of
from analysis.outputs import json_safe

DIRECTIONS = {"x_to_y": ("g_xy", "cl_xy"), "y_to_x": ("g_yx", "cl_yx")}
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


def product_terms(wide: pd.DataFrame, *, x_cols: Sequence[str], y_cols: Sequence[str],
                  moderator: str) -> pd.DataFrame:
    """The centred moderator and the person-mean-centred products, added to a copy of ``wide``.

    Persons' means use the waves they answered; products are missing where the earlier
    wave or the moderator is.
    """
    out = wide.copy()
    s = pd.to_numeric(wide[moderator], errors="coerce").to_numpy(float)
    sc = s - np.nanmean(s)
    out[MODERATOR] = sc
    for c, cols in (("x", x_cols), ("y", y_cols)):
        M = wide[list(cols)].to_numpy(float)
        with warnings.catch_warnings():  # a person with no answer at all has no mean: NaN, and FIML drops them
            warnings.simplefilter("ignore", RuntimeWarning)
            dev = M - np.nanmean(M, axis=1, keepdims=True)
            dev = dev - np.nanmean(dev, axis=0, keepdims=True)
        for t in range(len(cols) - 1):
            out[f"p{c}{t + 1}"] = dev[:, t] * sc
    return out


@dataclass(frozen=True)
class WithinModerationResults:
    """Interaction of the within-person cross-lags with stigma in the RI-CLPM: read-only.

    Attributes
    ----------
    interaction : DataFrame
        ``path, group, est, se, z, pvalue, ci_lower, ci_upper, per_sd`` (one row per
        direction and group).
    simple_slopes : DataFrame
        ``path, group, level, moderator_value, est, se, ci_lower, ci_upper, pvalue``: the
        cross-lag at low, medium and high stigma.
    equality : DataFrame
        With ``by``: Wald tests that the interaction is equal in every group
        (``path, chisq, df, pvalue``); empty otherwise.
    """

    x: str
    y: str
    moderator: str
    by: str | None
    interaction: pd.DataFrame
    simple_slopes: pd.DataFrame
    equality: pd.DataFrame
    moderator_mean: float
    moderator_sd: float
    syntax: str
    sem: SEMResults = field(repr=False)
    wide: pd.DataFrame = field(repr=False)
    waves: tuple[str, ...] = ()
    level: float = 0.95

    def __repr__(self) -> str:
        r = self.interaction
        parts = ", ".join(f"{row.path}{'' if row.group is None else f'[{row.group}]'} {row.est:.3f} ({row.se:.3f})"
                          for row in r.itertuples())
        return f"WithinModerationResults({self.x}<->{self.y} by {self.moderator}: {parts})"

    def interpretation(self) -> str:
        """Plain-language sentences, one per direction (and group)."""
        m = name_of(self.moderator)
        out = []
        for row in self.interaction.itertuples():
            src, dst = (self.x, self.y) if row.path == "x_to_y" else (self.y, self.x)
            single = row.group is None or (isinstance(row.group, float) and np.isnan(row.group))
            where = "" if single else f" For {self.by} {row.group}:"
            sl = self.simple_slopes
            same = sl.group.isna() if single else sl.group == row.group
            slopes = sl[(sl.path == row.path) & same]
            lo, hi = slopes.iloc[0], slopes.iloc[-1]
            if significant(row.pvalue):
                verb = "stronger" if row.est > 0 else "weaker"
                out.append(f"{where} Within persons, the link from {name_of(src)} to later {name_of(dst)} is {verb} "
                           f"for people with more {m} (interaction {readable(row.est)} per unit, "
                           f"{readable(row.per_sd)} per SD, p {p_text(row.pvalue)}): {readable(lo.est)} at low and "
                           f"{readable(hi.est)} at high {m}.")
            else:
                out.append(f"{where} The data do not show that {m} changes the within-person link from {name_of(src)} "
                           f"to later {name_of(dst)} (interaction {readable(row.est)} per unit, p {p_text(row.pvalue)}).")
        out.append("These are associations within persons, not proof of cause.")
        return " ".join(s.strip() for s in out)

    def summary(self) -> str:
        """A screen of text: the interactions, the simple slopes, the equality tests."""
        f = self.sem.fit
        lines = [f"Moderation of the within-person cross-lags by {self.moderator} (RI-CLPM, ML with FIML)",
                 f"  persons {f.get('nobs')}, waves {', '.join(self.waves)}; {self.moderator} mean "
                 f"{self.moderator_mean:.3f}, SD {self.moderator_sd:.3f}; chi-square {f.get('chisq', float('nan')):.2f} "
                 f"on {f.get('df')} df", "", "Interaction (change in the cross-lag per unit of the moderator)"]
        drop = ["group"] if self.by is None else []
        lines.append(self.interaction.drop(columns=drop).to_string(index=False, float_format=lambda v: f"{v:.4f}"))
        lines += ["", "Cross-lag at low / medium / high moderator"]
        cols = ["path", *(["group"] if self.by else []), "level", "moderator_value", "est", "se", "pvalue"]
        lines.append(self.simple_slopes[cols].to_string(index=False, float_format=lambda v: f"{v:.4f}"))
        if not self.equality.empty:
            lines += ["", f"Equal interaction in every {self.by} group (Wald)"]
            lines.append(self.equality.to_string(index=False, float_format=lambda v: f"{v:.4f}"))
        lines += ["", self.interpretation()]
        return "\n".join(lines)

    def to_dict(self) -> dict:
        """JSON-safe: interaction, simple slopes, equality tests, moderator, fit and syntax."""
        rec = lambda df: [{k: json_safe(v) for k, v in r.items()} for r in df.to_dict("records")]  # noqa: E731
        return {"x": self.x, "y": self.y, "moderator": self.moderator, "by": self.by, "waves": list(self.waves),
                "interaction": rec(self.interaction), "simple_slopes": rec(self.simple_slopes),
                "equality": rec(self.equality), "moderator_mean": json_safe(self.moderator_mean),
                "moderator_sd": json_safe(self.moderator_sd), "fit": {k: json_safe(v) for k, v in self.sem.fit.items()},
                "interpretation": self.interpretation(), "syntax": self.syntax}

    def compare_fixed_effects(self) -> pd.DataFrame:
        """This interaction beside the fixed-effects moderation (:func:`analysis.models.moderation.moderation`).

        Same data and waves (pooled over groups).  Returns ``path, sem_est, sem_se, fe_est, fe_se,
        difference, agree`` with the sentence in ``attrs["sentence"]``: they agree when each
        lies inside the other's 95% interval.
        """
        from analysis.models.moderation import moderation

        design = PanelDesign(x=tuple(f"{self.x}_{w}" for w in self.waves), y=tuple(f"{self.y}_{w}" for w in self.waves))
        fe = moderation(self.wide, design, x=self.x, y=self.y, moderator=self.moderator, survey="none",
                        waves=list(self.waves)).interaction.set_index("path")
        sem = self.interaction if self.by is None else self._pooled()
        rows = []
        for path in DIRECTIONS:
            s = sem.set_index("path").loc[path]
            f = fe.loc[path]
            agree = abs(s.est - f.est) <= 1.96 * min(s.se, f.se)
            rows.append({"path": path, "sem_est": float(s.est), "sem_se": float(s.se), "fe_est": float(f.est),
                         "fe_se": float(f.se), "difference": float(s.est - f.est), "agree": bool(agree)})
        out = pd.DataFrame(rows)
        both = out.agree.all()
        out.attrs["sentence"] = (
            "The RI-CLPM interaction and the fixed-effects interaction agree in both directions (each within the "
            "other's 95% interval)." if both else
            "The RI-CLPM interaction and the fixed-effects interaction differ in "
            + " and ".join(out.path[~out.agree]) + " (beyond the 95% interval); the fixed-effects regressions carry "
            "Nickell bias with few waves, the RI-CLPM the person-mean bias described in its docstring.")
        return out

    def _pooled(self) -> pd.DataFrame:
        # Precision-weighted average over groups: a single number to set beside the pooled FE fit.
        rows = []
        for path, g in self.interaction.groupby("path"):
            w = 1 / g.se.to_numpy() ** 2
            rows.append({"path": path, "est": float((w * g.est).sum() / w.sum()), "se": float(np.sqrt(1 / w.sum()))})
        return pd.DataFrame(rows)


def moderate_within(panel_or_wide: Any, *, x: str, y: str, moderator: str, waves: Sequence[str] | None = None,
                    by: str | None = None, estimator: Literal["ml", "mlr"] = "ml", level: float = 0.95,
                    weights: str | None = None) -> WithinModerationResults:
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
        ``"mlr"`` for SEs robust to the products' non-normality.
    level : float
        Confidence level of the intervals.
    weights : str, optional
        Column of weights for the percentiles of the moderator (not for the fit).

    Returns
    -------
    WithinModerationResults
    """
    from analysis.models.crosslag import wide_design

    from analysis.models.moderation import check_waves, first_wave_values

    if isinstance(panel_or_wide, pd.DataFrame):
        wide, _, wave_list = wide_design(panel_or_wide, x=x, y=y, waves=waves)
    else:
        # As the fixed-effects moderation in a run: the moderator at the first of the waves a person answered.
        wide, _, wave_list = wide_design(panel_or_wide, x=x, y=y, waves=waves, group=by)
        check_waves(panel_or_wide, wave_list, x=x, y=y, moderator=moderator)
        if moderator in panel_or_wide.long.columns and "id" in wide.columns:
            values = first_wave_values(panel_or_wide.long, moderator, list(wave_list))
            wide = wide.assign(**{moderator: wide["id"].map(values).to_numpy()})
    if moderator not in wide.columns:
        raise DataError(f"The data have no moderator column {moderator!r}.")
    if by is not None and by not in wide.columns:
        raise DataError(f"The data have no grouping column {by!r}.")
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
    data = product_terms(wide, x_cols=x_cols, y_cols=y_cols, moderator=moderator)
    levels = sorted(data[by].unique().tolist(), key=str) if by is not None else [None]
    syntax = moderated_riclpm_syntax(T, x_cols=x_cols, y_cols=y_cols, n_groups=len(levels))
    res = fit_panel(syntax, data, group=by, group_levels=levels if by is not None else None, estimator=estimator)
    s = pd.to_numeric(wide[moderator], errors="coerce").to_numpy(float)
    w = pd.to_numeric(wide[weights], errors="coerce").to_numpy(float) if weights else np.ones_like(s)
    mean_s, sd_s = float(np.nanmean(s)), float(np.nanstd(s, ddof=1))
    values = {name: weighted_quantile(s, w, p) for name, p in LEVELS.items()}
    q = stats.norm.ppf(0.5 + level / 2)
    theta, V = res.params.to_numpy(), res.vcov.to_numpy()
    inter, slopes = [], []
    for lev in levels:
        g = None if lev is None else str(lev)
        for path, (glab, cllab) in DIRECTIONS.items():
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
        moderator_sd=sd_s, syntax=syntax, sem=res, wide=wide, waves=tuple(wave_list), level=level)
