"""The survey design of a causal analysis: each analysed person-wave's weight, PSU and stratum.

The causal analysis pools pairs of consecutive waves (exposure at t-1, outcome at t).
Under the survey design (the default for a Panel whose spec declares weights or PSUs):

* every person carries one weight, chosen by the same rule as the cross-lagged
  models (``weight_rule="last"``: the weight of the last wave analysed, the
  longitudinal weight of the analysis window; ``"first"``: the first wave's), so a
  person's pairs count with that person's weight;
* person-waves of people with a zero or missing weight are not used, and counted
  among the reasons rows were not used;
* each person's PSU and stratum (where they were sampled) cluster and stratify the
  bootstrap: whole PSUs are resampled within strata, weights travelling with their
  persons (the survey bootstrap of Rao & Wu 1988).

A long DataFrame has no spec; pass a :class:`analysis.models.survey_design.Design`
naming its weight, PSU and strata columns to use one.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from analysis.causal.data import CausalFrame, wave_order
from analysis.errors import DataError, UsageError
from analysis.models.survey_design import NO_DESIGN, Design, Survey, WeightRule


@dataclass(frozen=True)
class RowDesign:
    """Weights, PSU keys and strata of the frame's rows (None: not used), and what was done."""

    weights: np.ndarray | None
    cluster: np.ndarray | None
    strata: np.ndarray | None
    summary: dict[str, Any]

    @property
    def used(self) -> bool:
        return self.weights is not None or self.cluster is not None


UNWEIGHTED = RowDesign(None, None, None, {"weight": None, "cluster": None, "strata": None, "n_psu": None,
                                          "n_strata": None, "zero_weight": 0, "missing_weight": 0,
                                          "weight_rule": None})


def causal_design(data: Any, long: pd.DataFrame, survey: Survey | Design) -> Design:
    """Columns of ``long`` holding the weight, PSU and stratum (none for ``survey="none"``)."""
    if isinstance(survey, Design):
        for col in (survey.weights, survey.cluster, survey.strata):
            if col is not None and col not in long.columns:
                raise UsageError(f"The data have no survey-design column {col!r}.")
        return survey
    if survey == "none":
        return NO_DESIGN
    if survey != "spec":
        raise UsageError(f"survey must be 'spec', 'none' or a Design, not {survey!r}.")
    design = getattr(data, "design", None)
    if isinstance(data, pd.DataFrame) or design is None:
        return NO_DESIGN
    kw = design.fit_keywords()
    present = lambda col: col is not None and col in long.columns and long[col].notna().any()  # noqa: E731
    cluster = kw["cluster"] if present(kw["cluster"]) else None
    return Design(weights=kw["weights"] if present(kw["weights"]) else None, cluster=cluster,
                  strata=kw["strata"] if cluster and present(kw["strata"]) else None)


def _per_person(long: pd.DataFrame, column: str, waves: list[str], *, pick: str) -> pd.Series:
    """Each person's value of ``column``: at the last/first of ``waves`` (weights) or the first known (codes)."""
    rows = long.loc[long["wave"].astype(str).isin(waves), ["id", "wave", column]].copy()
    rows["pos"] = rows["wave"].astype(str).map({w: k for k, w in enumerate(waves)})
    if pick in ("last", "first"):
        at = rows[rows["pos"] == (len(waves) - 1 if pick == "last" else 0)]
        return at.drop_duplicates("id").set_index("id")[column]
    known = rows.dropna(subset=[column]).sort_values(["id", "pos"], kind="stable")
    return known.drop_duplicates("id").set_index("id")[column]


def attach_design(frame: CausalFrame, long: pd.DataFrame, design: Design, *, waves: list[str] | None,
                  weight_rule: WeightRule) -> tuple[CausalFrame, RowDesign]:
    """Drop (and count) the rows of people without a usable weight; return each kept row's design values."""
    if not design.used:
        return frame, UNWEIGHTED
    if weight_rule not in ("last", "first"):
        raise UsageError(f"weight_rule must be 'last' or 'first', not {weight_rule!r}.")
    chosen = [str(w) for w in (waves or wave_order(long))]
    ids = frame.data["id"]
    keep = np.ones(len(ids), dtype=bool)
    excluded = list(frame.excluded)
    weights = zero = missing = None
    if design.weights:
        per = _per_person(long, design.weights, chosen, pick=weight_rule)
        w = pd.to_numeric(ids.map(per), errors="coerce")
        responded = ids.isin(per.index).to_numpy()
        values = w.to_numpy(float)
        is_missing = responded & np.isnan(values)
        is_zero = ~responded | (values == 0)
        if np.any(values[~np.isnan(values)] < 0):
            raise DataError(f"The survey weight {design.weights!r} has negative values.")
        which = chosen[-1] if weight_rule == "last" else chosen[0]
        zero = int(ids[is_zero].nunique())
        missing = int(ids[is_missing].nunique())
        if is_zero.any():
            excluded.append((f"zero survey weight ({design.weights} at wave {which}, e.g. not interviewed then)",
                             int(is_zero.sum())))
        if is_missing.any():
            excluded.append((f"missing survey weight ({design.weights} at wave {which})", int(is_missing.sum())))
        keep &= ~(is_zero | is_missing)
        weights = values
    if not keep.any():
        raise DataError(f"Every person-wave analysed has a zero or missing survey weight ({design.weights}); "
                        "check the weight rule, or analyse unweighted.")
    codes = {}
    for role, col in (("cluster", design.cluster), ("strata", design.strata)):
        if col:
            per = _per_person(long, col, chosen, pick="known")
            codes[role] = ids.map(per).to_numpy(object)
            lacking = keep & pd.isna(codes[role])
            if lacking.any():
                raise DataError(f"{int(ids[lacking].nunique())} people analysed have no {col!r} code in any "
                                "wave; the design needs every person's PSU and stratum.")
    data = frame.data[keep].reset_index(drop=True)
    pairs = data.groupby(["wave_from", "wave_to"], sort=False).size()
    frame = replace(frame, data=data, excluded=tuple(excluded),
                    wave_pairs=tuple((str(a), str(b), int(n)) for (a, b), n in pairs.items()))
    strata = codes["strata"][keep].astype(str) if "strata" in codes else None
    cluster = None
    if "cluster" in codes:
        psu = codes["cluster"][keep].astype(str)
        # PSU codes are often numbered within strata (UKHLS): a PSU is a (stratum, PSU) pair.
        cluster = psu if strata is None else np.char.add(np.char.add(strata, ":"), psu)
    summary = {"weight": design.weights, "cluster": design.cluster, "strata": design.strata,
               "n_psu": None if cluster is None else int(len(np.unique(cluster))),
               "n_strata": None if strata is None else int(len(np.unique(strata))),
               "zero_weight": zero or 0, "missing_weight": missing or 0,
               "weight_rule": weight_rule if design.weights else None}
    return frame, RowDesign(weights=None if weights is None else weights[keep], cluster=cluster, strata=strata,
                            summary=summary)


def survey_caveat(long: pd.DataFrame) -> str:
    """The note for an analysis without the design: empty unless the data carry weights that went unused."""
    if "weight" in long.columns and pd.to_numeric(long["weight"], errors="coerce").nunique() > 1:
        return ("Survey weights are not used: the estimates describe the people analysed, not the population, "
                "and the intervals assume a simple random sample.")
    return ""
