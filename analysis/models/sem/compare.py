"""Comparing fitted models: side-by-side tables (``compare``) and likelihood-ratio tests (``lrt``)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from analysis.errors import UsageError
from analysis.models.sem.distributions import chi2_sf
from analysis.models.sem.inference import TestResult
from analysis.models.sem.results import PARAMETER_COLUMNS, SEMResults
from analysis.outputs import json_safe

#: Fit measures shown side by side (scaled versions are added when every model has them).
COMPARE_FIT = ["npar", "nobs", "logl", "aic", "bic", "chisq", "df", "pvalue", "cfi", "tli", "rmsea", "srmr"]
_KEY = ["lhs", "op", "rhs", "group"]


@dataclass(frozen=True)
class ModelComparison:
    """Several fits side by side, as linearmodels' ``compare``: read-only.

    Attributes
    ----------
    results
        The fits, by name, in the order given.
    """

    results: dict[str, SEMResults]

    def fit_table(self) -> pd.DataFrame:
        """One row per fit measure, one column per model."""
        keys = list(COMPARE_FIT)
        if all("chisq_scaled" in r.fit for r in self.results.values()):
            keys += ["chisq_scaled", "pvalue_scaled", "cfi_scaled", "tli_scaled", "rmsea_scaled"]
        return pd.DataFrame({name: [r.fit.get(k) for k in keys] for name, r in self.results.items()}, index=keys)

    def params(self, value: str = "est") -> pd.DataFrame:
        """One row per parameter (``lhs op rhs``, group), one column per model; blank where a model lacks it.

        ``value`` is a column of the parameter table: ``est``, ``se``, ``pvalue``, ``std_all`` ...
        """
        if value not in PARAMETER_COLUMNS:
            raise UsageError(f"value must be one of {', '.join(PARAMETER_COLUMNS)}, not {value!r}.")
        frames = []
        for name, r in self.results.items():
            t = r.to_frame()
            t = t.assign(group=t["group"].fillna(""))
            frames.append(t.set_index(_KEY)[value].rename(name))
        return pd.concat(frames, axis=1, sort=False)

    def to_frame(self) -> pd.DataFrame:
        """Every model's parameter table stacked, with a ``model`` column first (tidy)."""
        return pd.concat([r.to_frame().assign(model=name) for name, r in self.results.items()],
                         ignore_index=True)[["model", *PARAMETER_COLUMNS]]

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe: ``models`` (names) and ``fit`` (measure -> model -> value)."""
        fit = self.fit_table()
        return {"models": list(self.results),
                "fit": {k: {m: json_safe(fit.at[k, m]) for m in fit.columns} for k in fit.index}}

    def summary(self) -> str:
        """Fit measures, then estimates (standard errors in brackets), side by side."""
        def fmt(v: Any) -> str:
            if v is None or (isinstance(v, float) and not math.isfinite(v)):
                return ""
            return f"{v:.3f}" if isinstance(v, float) else str(v)

        fit = self.fit_table().map(fmt)
        est, se = self.params("est"), self.params("se")
        cells = est.map(fmt) + se.map(lambda v: f" ({fmt(v)})" if fmt(v) else "")
        cells.index = [f"{l} {o} {r}".strip() + (f" [{g}]" if g else "") for l, o, r, g in cells.index]
        return ("Model fit\n" + fit.to_string() + "\n\nEstimates (standard errors)\n"
                + cells.fillna("").to_string() + "\n")

    def __repr__(self) -> str:
        return f"ModelComparison({', '.join(self.results)})"


def compare(results: Mapping[str, SEMResults] | Sequence[SEMResults]) -> ModelComparison:
    """Put fitted models side by side: fit measures and estimates in one table each.

    >>> compare({"CLPM": clpm, "RI-CLPM": riclpm}).summary()   # doctest: +SKIP
    """
    items = dict(results) if isinstance(results, Mapping) else {f"model {k + 1}": r for k, r in enumerate(results)}
    if len(items) < 1 or not all(isinstance(r, SEMResults) for r in items.values()):
        raise UsageError("compare needs one or more fitted models (SEMResults), by name or in a list.")
    return ModelComparison(results={str(k): v for k, v in items.items()})


def lrt(restricted: SEMResults, full: SEMResults) -> TestResult:
    """Likelihood-ratio test of a restricted model against the model it is nested in.

    With MLR fits the Satorra–Bentler (2001) scaled difference is used, as
    lavaan's ``lavTestLRT`` does:
    ``c_d = (df0 c0 - df1 c1) / (df0 - df1)``, ``T_d = (T0 - T1) / c_d``.
    When that ``c_d`` is not positive (small samples), the Satorra–Bentler (2010)
    difference is used instead (:mod:`analysis.models.sem.difference`, lavaan's
    ``method = "satorra.bentler.2010"``), and the description says so; when neither
    can be had the statistic is NaN and the description says why.
    """
    f0, f1 = restricted.fit, full.fit
    if f0["nobs"] != f1["nobs"]:
        raise UsageError(
            f"The two models were fitted to different numbers of observations ({f0['nobs']} and {f1['nobs']}), "
            "so they cannot be compared with a likelihood-ratio test."
        )
    ddf = f0["df"] - f1["df"]
    if ddf <= 0:
        raise UsageError(
            "The first model must be the restricted one (more degrees of freedom than the second); "
            f"got df {f0['df']} and {f1['df']}."
        )
    diff = max(f0["chisq"] - f1["chisq"], 0.0)
    robust = restricted.options["estimator"] == "mlr" and full.options["estimator"] == "mlr"
    if robust:
        c0, c1 = f0["chisq_scaling_factor"], f1["chisq_scaling_factor"]
        cd = (f0["df"] * c0 - f1["df"] * c1) / ddf
        if not cd > 0:
            from analysis.models.sem.difference import satorra_bentler_2010

            sb = satorra_bentler_2010(restricted, full)
            if sb.scaling_factor > 0:
                diff = diff / sb.scaling_factor
                return TestResult(diff, int(ddf), float(chi2_sf(diff, ddf)),
                                  "Satorra-Bentler (2010) scaled difference, as the 2001 scaling factor was not "
                                  "positive")
            return TestResult(float("nan"), int(ddf), float("nan"),
                              "no scaled difference: the Satorra-Bentler (2001) scaling factor is not positive, and "
                              f"the 2010 one cannot be computed ({sb.reason})")
        diff = diff / cd
    return TestResult(diff, int(ddf), float(chi2_sf(diff, ddf)),
                      "Satorra-Bentler (2001) scaled difference" if robust else "chi-square difference")
