"""Measurement invariance for multiple-indicator cross-lagged models.

Over waves: the RI-CLPM with items as indicators is fitted with configural (free
loadings per wave), metric (equal loadings over waves) and scalar (also equal
item intercepts) measurement; likelihood-ratio tests compare each step with the
one before.  Across groups: configural (loadings free per group) against metric
(equal loadings across groups), with the over-wave invariance held fixed.  Only
if metric invariance holds are the lagged effects comparable across waves or
groups on the same scale.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import pandas as pd

from analysis.errors import UsageError
from analysis.models.builders import Groups, Invariance, PanelDesign, build_syntax
from analysis.models.sem import SEM, SEMResults, lrt
from analysis.outputs import json_safe


@dataclass(frozen=True)
class InvarianceResults:
    """Fits of each invariance level and the tests between them."""

    kind: str  # "waves" or "groups"
    fits: dict[str, SEMResults]
    table: pd.DataFrame

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind,
                "table": [{k: json_safe(v) for k, v in r.items()} for r in self.table.to_dict("records")]}

    def interpretation(self) -> str:
        rejected = self.table[(self.table["pvalue"] < 0.05)]
        if rejected.empty:
            return (f"The items measure the constructs in the same way across {self.kind} (no step of "
                    "invariance worsens the fit clearly), so effects can be compared on one scale.")
        first = rejected.iloc[0]
        return (f"Measurement differs across {self.kind} at the {first['level']} step (p = {first['pvalue']:.2g}); "
                "compare effects across them with caution.")


def _fit(syntax: str, data: pd.DataFrame, **kw) -> SEMResults:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return SEM(syntax, defaults="lavaan", fixed_x=False).fit(data, missing="fiml", se="none", **kw)


def _table(fits: dict[str, SEMResults], levels: list[str]) -> pd.DataFrame:
    rows = []
    for k, level in enumerate(levels):
        f = fits[level].fit
        row = {"level": level, "npar": f["npar"], "chisq": f["chisq"], "df": f["df"], "cfi": f["cfi"],
               "rmsea": f["rmsea"], "aic": f["aic"], "bic": f["bic"], "chisq_diff": None, "df_diff": None,
               "pvalue": None}
        if k:
            t = lrt(fits[level], fits[levels[k - 1]])
            row.update(chisq_diff=t.chisq, df_diff=t.df, pvalue=t.pvalue)
        rows.append(row)
    return pd.DataFrame(rows)


def invariance_over_waves(data: pd.DataFrame, design: PanelDesign, *, lags: str = "invariant") -> InvarianceResults:
    """Configural, metric and scalar invariance of the items over waves (RI-CLPM)."""
    if not design.multi_indicator:
        raise UsageError("Measurement invariance needs several items per construct and wave (x_items, y_items).")
    levels = ["configural", "metric", "scalar"]
    fits = {lv: _fit(build_syntax("riclpm", design, lags=lags, invariance=lv), data) for lv in levels}
    return InvarianceResults(kind="waves", fits=fits, table=_table(fits, levels))


def invariance_across_groups(data: pd.DataFrame, design: PanelDesign, *, group: str, over_waves: Invariance = "metric",
                             lags: str = "invariant", group_levels: list[str] | None = None) -> InvarianceResults:
    """Configural against metric invariance of the items across groups (RI-CLPM)."""
    if not design.multi_indicator:
        raise UsageError("Measurement invariance needs several items per construct and wave (x_items, y_items).")
    levels = group_levels or sorted(data[group].dropna().astype(str).unique())
    data = data.assign(**{group: data[group].astype("string")})
    fits = {}
    for lv in ("configural", "metric"):
        syntax = build_syntax("riclpm", design, lags=lags, invariance=over_waves,
                              groups=Groups(n=len(levels), measurement=lv))
        fits[lv] = _fit(syntax, data, group=group, group_levels=levels)
    return InvarianceResults(kind="groups", fits=fits, table=_table(fits, ["configural", "metric"]))
