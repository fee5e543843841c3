"""Derived groupings: life-stage bands, stigma groups from cut-offs or quantiles, and levels.

A grouping by ``levels`` (e.g. diagnosed condition: severe mental illness, common
mental disorder, otherwise none) puts each person-wave in the first level whose
0/1 measure is positive; with ``ever`` a measure once positive stays so at the
person's later waves.  "Otherwise" needs every measure known (now or, with
``ever``, at an earlier wave); a person-wave with no positive and some unknown
measure has no group and is counted ("a level's measure unknown").

Each grouping becomes an ordered categorical with readable labels.  With
``cutoffs`` or ``quantiles`` a value equal to a cut-off goes to the lower
group (groups are :math:`(-\\infty, c_1], (c_1, c_2], \\dots`); quantile
cut-offs are computed once from all scored person-waves of the panel, so a
group means the same in every wave.  A value in no band is counted
("outside all bands"); a quantile grouping that leaves a group empty (heavy
ties) is a :class:`~analysis.errors.DataError`, since silently losing a group
would change the analysis.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.data.spec import Grouping
from analysis.data.spec_checks import format_number
from analysis.errors import DataError

OUTSIDE = "outside all bands"
UNKNOWN_LEVEL = "a level's measure unknown"


@dataclass(frozen=True)
class Groups:
    """A grouping applied to the panel."""

    name: str
    labels: tuple[str, ...]
    cutoffs: tuple[float, ...] | None   # None for bands
    values: pd.Categorical
    outside: int                        # values in no band


def default_labels(cuts: tuple[float, ...], *, quantiles: bool) -> tuple[str, ...]:
    if quantiles:
        return tuple(f"Q{i + 1}" for i in range(len(cuts) + 1))
    c = [format_number(x) for x in cuts]
    middle = [f"({a}, {b}]" for a, b in zip(c, c[1:])]
    return (f"<={c[0]}", *middle, f">{c[-1]}")


def apply(name: str, grouping: Grouping, values: np.ndarray, *, source: str) -> Groups:
    """Group ``values`` (one per person-wave) by ``grouping``.

    ``source`` names the spec in messages.
    """
    values = np.asarray(values, dtype=np.float64)
    seen = ~np.isnan(values)
    if grouping.bands is not None:
        labels = tuple(grouping.bands)
        codes = np.full(values.shape[0], -1, dtype=np.int64)
        for i, (lo, hi) in enumerate(grouping.bands.values()):
            inside = seen.copy()
            if lo is not None:
                inside &= values >= lo
            if hi is not None:
                inside &= values <= hi
            codes[inside & (codes < 0)] = i
        outside = int((seen & (codes < 0)).sum())
        return Groups(name, labels, None, pd.Categorical.from_codes(codes, labels, ordered=True), outside)

    if grouping.quantiles is not None:
        if not seen.any():
            raise DataError(f"{source}: groupings.{name}: {grouping.of} has no scored values to "
                            "take quantiles of.")
        cuts = tuple(float(c) for c in np.quantile(values[seen], grouping.quantiles))
    else:
        cuts = tuple(grouping.cutoffs or ())
    labels = grouping.labels or default_labels(cuts, quantiles=grouping.quantiles is not None)
    codes = np.searchsorted(np.asarray(cuts), values, side="left").astype(np.int64)
    codes[~seen] = -1
    if grouping.quantiles is not None:
        sizes = np.bincount(codes[seen], minlength=len(labels))
        empty = [labels[i] for i in np.flatnonzero(sizes == 0)]
        if empty:
            shown = ", ".join(format_number(round(c, 6)) for c in cuts)
            raise DataError(f"{source}: groupings.{name}: the quantile cut-offs of {grouping.of} "
                            f"({shown}) leave group {empty[0]!r} empty because many values are "
                            "tied; give cutoffs instead.")
    return Groups(name, tuple(labels), cuts, pd.Categorical.from_codes(codes, labels, ordered=True), 0)


def apply_levels(name: str, grouping: Grouping, long: pd.DataFrame) -> Groups:
    """Group the person-waves of ``long`` (sorted by person and wave) by ``grouping.levels``.

    ``outside`` counts person-waves left without a group because a measure was unknown.
    """
    levels = grouping.levels or {}
    ids = long["id"].to_numpy()
    n = len(long)
    known_all = np.ones(n, dtype=bool)
    codes = np.full(n, -1, dtype=np.int64)
    labels = (str(grouping.otherwise), *reversed(tuple(levels)))
    for label, measures in levels.items():
        # A level's value: the largest of its measures (any positive), NaN when none is known.
        cols = [long[m].to_numpy(np.float64) if m in long.columns else np.full(n, np.nan) for m in measures]
        stacked = np.column_stack(cols)
        known = ~np.isnan(stacked)
        v = np.where(known.any(axis=1), np.max(np.where(known, stacked, -np.inf), axis=1), np.nan)
        if grouping.ever:
            # Cumulative over each person's waves: the maximum so far (NaN until first observed).
            # A wave that does not ask keeps what was known before (cummax leaves its NaN in place).
            v = pd.Series(v).groupby(ids, sort=False).cummax()
            v = v.groupby(ids, sort=False).ffill().to_numpy(np.float64)
        positive = v > 0
        codes[(codes < 0) & positive] = labels.index(label)
        known_all &= ~np.isnan(v)
    codes[(codes < 0) & known_all] = 0
    unknown = int((codes < 0).sum())
    return Groups(name, labels, None, pd.Categorical.from_codes(codes, labels, ordered=True), unknown)
