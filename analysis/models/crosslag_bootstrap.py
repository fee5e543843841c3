"""Bootstrap intervals for cross-lagged effects and their differences between groups.

The statistic refits the model (compiled once, :meth:`analysis.models.sem.SEM.compile`)
to each resample of persons, starting at the full-data estimates, and returns
the x→y and y→x effects (averaged over intervals when lags are free); with a
grouping, each group's effects and the difference for every pair of groups.
Resampling, seeds, backends and intervals are those of
:func:`analysis.resampling.bootstrap_statistic`.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from analysis.errors import ConvergenceError, DataError, ModelSpecificationError, UsageError
from analysis.models.intervals import check_intervals
from analysis.models.builders import MODEL_TYPES, Groups, Innovations, Lags, ModelType, build_syntax, lag_paths
from analysis.models.panel_fit import panel_sem
from analysis.models.sem import CompiledSEM
from analysis.models.survey_design import Design, Survey, WeightRule, resolve_design
from analysis.parallel import Backend
from analysis.resampling import BootstrapResults, bootstrap_statistic


@dataclass(frozen=True)
class CrossLagStatistic:
    """Average x→y and y→x lagged effects (per group, and group differences) of one data set.

    Called on ``(y, groups)``: the observed columns in the model's order and each row's
    group label (None without groups).  Fits start at the full-data estimates.
    """

    compiled: CompiledSEM
    targets: dict[str, np.ndarray]
    start: np.ndarray | None = None

    def __call__(self, data: tuple) -> dict[str, float]:
        y, groups, weights = data
        levels = self.compiled.group_labels
        out = self.compiled.refit(self.compiled.sample(y, groups=groups, weights=weights), start=self.start, se=False)
        if out.status != "ok":
            raise ConvergenceError(out.message)
        values = {name: float(out.theta[idx].mean()) for name, idx in self.targets.items()}
        for path in ("x_to_y", "y_to_x"):
            for a, b in itertools.combinations(levels, 2):
                values[f"{path}[{a}] - {path}[{b}]"] = values[f"{path}[{a}]"] - values[f"{path}[{b}]"]
        return values


def _groups(wide: pd.DataFrame, group: str) -> tuple[pd.DataFrame, list[str], int, list[str]]:
    """Rows with a group value, the ordered levels, how many rows had none, and the groups with nobody."""
    if group not in wide.columns:
        raise DataError(f"The data have no grouping column {group!r}.")
    from analysis.models.groups import MIN_GROUP_N, group_levels

    labels, levels, empty = group_levels(wide[group], group)
    missing = int(labels.isna().sum())
    wide = wide[labels.notna().to_numpy()].copy()
    wide[group] = labels[labels.notna()].to_numpy(dtype=object)
    if len(levels) < 2:
        raise DataError(f"{group!r} has fewer than two groups with data; there is nothing to compare.")

    sizes = wide[group].value_counts()
    small = [lv for lv in levels if sizes[lv] < MIN_GROUP_N]
    if small:
        raise ModelSpecificationError(
            f"The {group} group(s) {', '.join(map(repr, small))} have fewer than {MIN_GROUP_N} persons, too few "
            "to bootstrap their own cross-lags; merge them with a neighbouring group in the spec.")
    return wide, levels, missing, empty


def bootstrap_crosslag(
    panel: Any,
    *,
    x: str,
    y: str,
    waves: Sequence[str] | None = None,
    model: ModelType = "riclpm",
    lags: Lags = "invariant",
    innovations: Innovations = "free",
    group: str | None = None,
    replicates: int = 500,
    seed: int = 1,
    level: float = 0.95,
    jackknife: int | None = None,
    backend: Backend = "joblib",
    n_jobs: int | None = None,
    scheduler: Any = None,
    out: str | os.PathLike[str] | None = None,
    chunk_size: int = 25,
    progress: Callable[[int, int], None] | None = None,
    survey: Survey | Design = "spec",
    weight_rule: WeightRule = "last",
    allow_unequal_intervals: bool = False,
) -> BootstrapResults:
    """Bootstrap intervals for the cross-lagged effects (and their differences between groups).

    Parameters
    ----------
    panel
        A Panel (``analysis.data.load_panel``) or a wide DataFrame with ``{construct}_{wave}``
        columns (then ``waves`` is required) and, for ``group``, a grouping column.
    x, y, waves, model, lags, innovations
        As :func:`analysis.models.crosslag.fit_crosslag`; the statistics are the x→y and
        y→x effects averaged over intervals (one effect with time-invariant lags).
    group
        A grouping (e.g. ``life_stage``): a multigroup model with each group's own lagged
        effects; persons are resampled within groups, and the differences between each
        pair of groups are bootstrapped too.  Persons without a group value are left out
        and counted.
    survey, weight_rule
        As :func:`analysis.models.crosslag.fit_crosslag`.  With the spec's design, every
        replicate fits the weighted model and whole PSUs are resampled within strata (the
        survey bootstrap, Rao & Wu 1988 with n_h resampled PSUs); ``"none"`` resamples persons.
    allow_unequal_intervals
        As :func:`analysis.models.crosslag.fit_crosslag`.

    Returns
    -------
    BootstrapResults
        Statistics ``x_to_y`` and ``y_to_x``; with groups ``x_to_y[g]``, ``y_to_x[g]`` and
        ``x_to_y[a] - x_to_y[b]`` for each pair.
    """
    from analysis.models.crosslag import wide_design

    if model not in MODEL_TYPES:
        raise UsageError(f"model must be one of {', '.join(MODEL_TYPES)}, not {model!r}.")
    if isinstance(panel, pd.DataFrame):
        wide, design, wave_list = wide_design(panel, x=x, y=y, waves=waves)
    else:
        if group is not None and group not in panel.groupings:
            raise DataError(f"{group!r} is not a grouping of this panel; the groupings are "
                            f"{', '.join(panel.groupings) or '(none)'}.")
        wide, design, wave_list = wide_design(panel, x=x, y=y, waves=waves, group=group, weight_rule=weight_rule)
    notes = list(check_intervals(panel, wave_list, lags=lags, allow_unequal=allow_unequal_intervals))
    levels: list[str] = []
    if group is not None:
        from analysis.models.groups import empty_groups_sentence

        wide, levels, missing, empty = _groups(wide, group)
        if missing:
            notes.append(f"{missing} persons have no {group} value and are left out.")
        if empty:
            notes.append(empty_groups_sentence(group, empty, wave_list))
    groups = Groups(n=len(levels)) if levels else None
    syntax = build_syntax(model, design, lags=lags, innovations=innovations, groups=groups)
    columns = tuple(design.x) + tuple(design.y)
    compiled = panel_sem(syntax).compile(columns, groups=levels)
    paths = lag_paths(model, design)
    targets: dict[str, np.ndarray] = {}
    for lv in levels or [None]:
        suffix = "" if lv is None else f"[{lv}]"
        for key in ("x_to_y", "y_to_x"):
            targets[f"{key}{suffix}"] = np.array([compiled.free_index(lhs, "~", rhs, group=lv)
                                                  for lhs, rhs in paths[key]])
    ydata = wide[list(compiled.ov_names)].apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    labels = wide[group].to_numpy(dtype=object).astype(str) if group is not None else None
    sd = resolve_design(panel, wide, survey)
    weights = None if sd.weights is None else pd.to_numeric(wide[sd.weights], errors="coerce").to_numpy(float)
    psu = None if sd.cluster is None else wide[sd.cluster].astype(str).to_numpy()
    stratum = None if sd.strata is None else wide[sd.strata].astype(str).to_numpy()
    # Persons with nothing observed in these waves (or no usable weight) do not enter the likelihood;
    # resampling them would only make the effective sample size vary between resamples.
    observed = ~np.isnan(ydata).all(axis=1)
    if not observed.all():
        notes.append(f"{int((~observed).sum())} persons have no {x} or {y} score in these waves and are left out.")
    if weights is not None:
        usable = np.isfinite(weights) & (weights > 0)
        if (observed & ~usable).any():
            notes.append(f"{int((observed & ~usable).sum())} persons with a zero or missing weight are left out.")
        observed &= usable
    keep = lambda a: None if a is None else a[observed]  # noqa: E731
    ydata, labels, weights, psu, stratum = (keep(a) for a in (ydata, labels, weights, psu, stratum))
    full = compiled.refit(compiled.sample(ydata, groups=labels, weights=weights), se=False)
    if full.status != "ok":
        raise ConvergenceError(f"The {model.upper()} did not converge on the full data ({full.message}); "
                               "fix that before bootstrapping (see the crosslag command).")
    statistic = CrossLagStatistic(compiled=compiled, targets=targets, start=full.theta)
    what = f"{model.upper()} of {x} and {y}, waves {', '.join(wave_list)}" + (f", by {group}" if group else "")
    if psu is not None:
        # The survey bootstrap: whole PSUs are resampled within strata (weights travel with their persons).
        notes.append(f"PSUs ({sd.cluster}) resampled" + (f" within strata ({sd.strata})" if stratum is not None else "")
                     + (f"; weights {sd.weights}" if weights is not None else "") + ".")
        # PSU codes are often numbered within strata (UKHLS): a PSU is a (stratum, PSU) pair.
        strata_arg = stratum
        cluster_arg = psu if stratum is None else np.char.add(np.char.add(stratum.astype(str), ":"), psu)
    else:
        strata_arg, cluster_arg = labels, None
        if weights is not None:
            notes.append(f"Weighted by {sd.weights}; persons resampled (the spec names no PSUs).")
    res = bootstrap_statistic(
        (ydata, labels, weights), statistic, strata=strata_arg, cluster=cluster_arg, replicates=replicates,
        seed=seed, level=level, jackknife=jackknife, backend=backend, n_jobs=n_jobs, scheduler=scheduler, out=out,
        chunk_size=chunk_size, progress=progress, description=f"Bootstrap of the cross-lagged effects: {what}",
        settings={"statistic": "crosslag", "x": x, "y": y, "waves": list(wave_list), "model": model, "lags": lags,
                  "innovations": innovations, "group": group, "design": sd.fit_options()})
    info = {"x": x, "y": y, "waves": list(wave_list), "model": model, "lags": lags, "group": group,
            "groups": levels, "syntax": syntax, "nobs": int(len(ydata))}
    return replace(res, notes=tuple(notes) + res.notes, info=info)
