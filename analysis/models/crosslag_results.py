"""Results of ``fit_crosslag``: the two directions, tests, comparisons and plain words."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from analysis.interpret import (EFFECT_SIZE_SOURCE, effect_size_words, excludes_zero, fit_problems, format_p, readable,
                                significant, std_text)
from analysis.models.sem import SEMResults
from analysis.naming import name_of, points_of
from analysis.models.sem import SampleDesign, TestResult
from analysis.models.survey_design import design_sentence
from analysis.outputs import json_safe

#: The lag matrix's entries in row-major order: rows are later x, y; columns earlier x, y.
LAG_ORDER = ("ar_x", "y_to_x", "x_to_y", "ar_y")

MODEL_NAMES = {
    "clpm": "cross-lagged panel model (CLPM)",
    "riclpm": "random-intercept cross-lagged panel model (RI-CLPM)",
    "dpm": "dynamic panel model with fixed effects (DPM)",
}


def lag_matrix_of(sem: SEMResults, *, model: str, x: str, y: str, waves, group: str | None = None
                  ) -> tuple[np.ndarray, np.ndarray] | None:
    """The lag matrix ``[[ar_x, y_to_x], [x_to_y, ar_y]]`` of a cross-lagged fit and the covariance of its entries.

    ``group``: a group of a multigroup fit (:func:`analysis.models.groups.compare_groups`).
    None when the lags are not held equal over waves (each interval has its own).
    """
    from analysis.models.builders import PanelDesign, lag_paths

    design = PanelDesign(x=tuple(f"{x}_{w}" for w in waves), y=tuple(f"{y}_{w}" for w in waves))
    rows = lag_paths(model, design)
    idx = []
    for key in LAG_ORDER:
        positions = {sem.free_index(lhs, "~", rhs, group=group) for lhs, rhs in rows[key]}
        if len(positions) != 1:
            return None
        idx.append(positions.pop())
    theta = sem.params.to_numpy()
    vcov = sem.vcov.to_numpy()
    return theta[idx].reshape(2, 2), vcov[np.ix_(idx, idx)]


def lag_matrix_dict(lag: tuple[np.ndarray, np.ndarray] | None, *, x: str, y: str, model: str) -> dict | None:
    """The JSON block of a lag matrix (``crosslag.lag_matrix``): est, vcov, order, rows, columns, within_person."""
    if lag is None:
        return None
    phi, vcov = lag
    return {"order": list(LAG_ORDER), "rows": [x, y], "columns": [x, y], "est": json_safe(phi.tolist()),
            "vcov": json_safe(vcov.tolist()), "within_person": model in ("riclpm", "dpm")}


def group_lag_matrices(comparison: Any) -> dict[str, dict | None]:
    """Each group's lag-matrix block of a group comparison (``crosslag --group``), for pooling life stages."""
    return {lv: lag_matrix_dict(lag_matrix_of(comparison.sem, model=comparison.model, x=comparison.x,
                                              y=comparison.y, waves=comparison.waves, group=lv),
                                x=comparison.x, y=comparison.y, model=comparison.model)
            for lv in comparison.levels}


@dataclass(frozen=True)
class PathSummary:
    """One lagged path (e.g. loneliness → later mental health), averaged over intervals if free."""

    est: float
    se: float
    ci_lower: float
    ci_upper: float
    pvalue: float
    std: float
    std_se: float
    std_ci_lower: float
    std_ci_upper: float
    time_invariant: bool
    by_wave: tuple[dict, ...]

    def to_dict(self) -> dict:
        out = {k: json_safe(getattr(self, k)) for k in
               ("est", "se", "ci_lower", "ci_upper", "pvalue", "std", "std_se", "std_ci_lower", "std_ci_upper")}
        out["time_invariant"] = self.time_invariant
        out["by_wave"] = [{k: json_safe(v) for k, v in w.items()} for w in self.by_wave]
        return out


@dataclass(frozen=True)
class CrossLagResults:
    """What ``fit_crosslag`` returns (read-only)."""

    model: str
    x: str
    y: str
    waves: tuple[str, ...]
    lags: str
    innovations: str
    syntax: str
    sem: SEMResults
    x_to_y: PathSummary
    y_to_x: PathSummary
    direction_test: TestResult
    time_invariance_test: TestResult | None
    comparison: pd.DataFrame | None
    sensitivity: pd.DataFrame | None
    ar_x: PathSummary | None = None
    ar_y: PathSummary | None = None
    notes: tuple[str, ...] = ()  # caveats that change the meaning (e.g. unequally spaced waves)
    wave_years: tuple[float, ...] | None = None  # years between consecutive waves (the spec's ``interval``)
    cohort: str | None = None  # the spec's cohort name (names the study when results are pooled)

    @property
    def interval_years(self) -> float | None:
        """Years between the waves when every interval is equally long (None if unknown or unequal)."""
        years = self.wave_years
        if not years or any(abs(y - years[0]) > 1e-9 for y in years):
            return None
        return float(years[0])

    def lag_matrix(self) -> tuple[np.ndarray, np.ndarray] | None:
        """The time-invariant lag matrix and the covariance of its four estimates (None if lags are free).

        Rows are the outcomes at the later wave (x, y), columns the predictors at the
        earlier wave: ``[[ar_x, y_to_x], [x_to_y, ar_y]]``; the covariance is of its
        row-major entries, from the fit's ``vcov``.  In the RI-CLPM these are the
        within-person lags.  Pooling moves them to a common interval
        (:func:`analysis.pooling.convert`).
        """
        return lag_matrix_of(self.sem, model=self.model, x=self.x, y=self.y, waves=self.waves)

    @property
    def within_person(self) -> bool:
        return self.model in ("riclpm", "dpm")

    def interpretation(self) -> str:
        """A cautious plain-language account of what the estimates show and do not show."""
        parts = []
        scope = ("within persons (compared with each person's own usual level)" if self.within_person
                 else "between people (the CLPM mixes lasting differences between people with changes within them)")
        x, y = name_of(self.x), name_of(self.y)
        for path, src, dst, unit in ((self.x_to_y, x, y, points_of(self.y)), (self.y_to_x, y, x, points_of(self.x))):
            sig = excludes_zero(path.ci_lower, path.ci_upper)
            direction = "higher" if path.est > 0 else "lower"
            ci = f"95% CI {readable(path.ci_lower)} to {readable(path.ci_upper)}"
            if sig:
                lead = (f"When {src} is one point higher than usual, {dst} at the next wave tends to be"
                        if self.within_person else
                        f"People whose {src} is one point higher than others' tend to have {dst} at the next wave")
                parts.append(
                    f"{lead} {readable(abs(path.est))} {unit} {direction} ({ci}); in standard-deviation units "
                    f"{std_text(path.std)}, a {effect_size_words(path.std)} effect ({EFFECT_SIZE_SOURCE}).")
            else:
                parts.append(
                    f"The data do not show a clear link from {src} to later {dst}: the estimate is "
                    f"{readable(path.est)} {unit} ({ci}), so it could be zero.")
        d = self.direction_test
        if significant(d.pvalue):
            stronger = f"{x} → {y}" if abs(self.x_to_y.std) > abs(self.y_to_x.std) else f"{y} → {x}"
            parts.append(f"On the standardized scale the {stronger} path is the stronger one ({format_p(d.pvalue)}).")
        else:
            parts.append(f"The two directions are not clearly different in strength ({format_p(d.pvalue)}).")
        intro = f"Results of the {MODEL_NAMES[self.model]}, {scope}: "
        caution = (" These are associations over time in observational data, not proof of cause: "
                   "something else that changes over time could drive both, and the size of the effects "
                   "depends on the spacing of the waves.")
        return intro + " ".join(parts) + caution

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe: ``model``, ``syntax``, ``parameters``, ``fit`` (as fit-sem) and ``crosslag``."""
        base = self.sem.to_dict()
        out = {
            "model": self.model,
            "x": self.x,
            "y": self.y,
            "waves": list(self.waves),
            "lags": self.lags,
            "innovations": self.innovations,
            "syntax": self.syntax,
            "parameters": base["parameters"],
            "fit": base["fit"],
            "converged": base["converged"],
            "fit_seconds": base["fit_seconds"],
            "nobs": base["nobs"],
            "rows_dropped": base["rows_dropped"],
            "warnings": base["warnings"],
            "design": base["design"] or SampleDesign().to_dict(),
            "estimation": {"estimator": self.sem.options.get("estimator"), "missing": self.sem.options.get("missing")},
            "crosslag": {
                "x_to_y": self.x_to_y.to_dict(),
                "y_to_x": self.y_to_x.to_dict(),
                "direction_test": self.direction_test.to_dict(),
                "time_invariance_test": None if self.time_invariance_test is None else self.time_invariance_test.to_dict(),
                "ar_x": None if self.ar_x is None else self.ar_x.to_dict(),
                "ar_y": None if self.ar_y is None else self.ar_y.to_dict(),
                "lag_matrix": self._lag_matrix_dict(),
            },
            "interval_years": self.interval_years,
            "cohort": self.cohort,
            "wave_intervals_years": None if self.wave_years is None else list(self.wave_years),
            "interpretation": self.interpretation(),
            "notes": list(self.notes),
        }
        if self.comparison is not None:
            out["comparison"] = [{k: json_safe(v) for k, v in row.items()} for row in self.comparison.to_dict("records")]
        if self.sensitivity is not None:
            out["sensitivity"] = [{k: json_safe(v) for k, v in row.items()} for row in self.sensitivity.to_dict("records")]
        return out

    def _lag_matrix_dict(self) -> dict | None:
        return lag_matrix_dict(self.lag_matrix(), x=self.x, y=self.y, model=self.model)

    def to_frame(self) -> pd.DataFrame:
        """Both cross-lagged paths in one tidy table (``est, se, ci_lower, ci_upper, pvalue, std_all``)."""
        rows = []
        for name, p in (("x_to_y", self.x_to_y), ("y_to_x", self.y_to_x)):
            rows.append({"path": name, "from": self.x if name == "x_to_y" else self.y,
                         "to": self.y if name == "x_to_y" else self.x, "est": p.est, "se": p.se,
                         "ci_lower": p.ci_lower, "ci_upper": p.ci_upper, "pvalue": p.pvalue, "std_all": p.std})
        return pd.DataFrame(rows)

    def __repr__(self) -> str:
        short = {"riclpm": "RI-CLPM", "clpm": "CLPM", "dpm": "DPM"}[self.model]
        return (f"CrossLagResults({short} of {self.x} and {self.y}, waves {self.waves[0]}-{self.waves[-1]}: "
                f"x->y {self.x_to_y.std:.3f}, y->x {self.y_to_x.std:.3f} standardized; N = {self.sem.fit['nobs']})")

    def summary(self) -> str:
        fmt = lambda v: "NA" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{v:.3f}"  # noqa: E731
        from analysis.reporting.headline import crosslag_headline  # the answer first, in the report's words

        lines = [crosslag_headline(self.to_dict()).summary(), "",
                 f"{MODEL_NAMES[self.model]}: {self.x} and {self.y}, waves {', '.join(self.waves)}",
                 f"Lags {'equal over waves' if self.lags == 'invariant' else 'wave-specific (averaged below)'}; "
                 f"N = {self.sem.fit['nobs']}; "
                 + ("; ".join(fit_problems(self.sem.fit, converged=self.sem.converged,
                                           parameters=self.sem.to_frame().to_dict("records"))).upper() or "converged"),
                 design_sentence(self.sem.design), *[f"Note: {n}" for n in self.notes], ""]
        lines.append(f"{'path':<34}{'est':>8}{'se':>8}{'95% CI':>20}{'p':>8}{'std':>8}")
        for name, p, a, b in (("x_to_y", self.x_to_y, self.x, self.y), ("y_to_x", self.y_to_x, self.y, self.x)):
            ci = f"[{fmt(p.ci_lower)}, {fmt(p.ci_upper)}]"
            shown_p = "<0.001" if p.pvalue < 0.001 else fmt(p.pvalue)  # never "0.000"
            lines.append(f"{(a + ' -> ' + b)[:33]:<34}{fmt(p.est):>8}{fmt(p.se):>8}{ci:>20}{shown_p:>8}{fmt(p.std):>8}")
        d = self.direction_test
        lines.append("")
        lines.append(f"x->y vs y->x (standardized): chisq {d.chisq:.3f}, df {d.df}, {format_p(d.pvalue)}")
        if self.time_invariance_test is not None:
            t = self.time_invariance_test
            lines.append(f"Time-invariance of the lags (LRT): chisq {t.chisq:.3f}, df {t.df}, {format_p(t.pvalue)}")
        f = self.sem.fit
        lines.append(f"Fit: chisq {f['chisq']:.2f} (df {f['df']}), CFI {f['cfi']:.3f}, RMSEA {f['rmsea']:.3f}, "
                     f"SRMR {f['srmr']:.3f}, AIC {f['aic']:.1f}, BIC {f['bic']:.1f}")
        if self.comparison is not None:
            lines += ["", "Model comparison:", self.comparison.drop(columns=["note"], errors="ignore").to_string(
                index=False, float_format=lambda v: f"{v:.3f}")]
            notes = [n for n in self.comparison.get("note", []) if isinstance(n, str) and n]
            lines += [f"  {n}" for n in notes]
        if self.sensitivity is not None:
            lines += ["", "Sensitivity analyses:", self.sensitivity.to_string(index=False, float_format=lambda v: f"{v:.3f}")]
        lines += ["", self.interpretation()]
        return "\n".join(lines) + "\n"

    def __str__(self) -> str:
        return self.summary()
