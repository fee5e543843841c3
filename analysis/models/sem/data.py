"""Sample data for SEM estimation: groups, missing-data patterns and their moments.

The case-wise normal likelihood of a group depends on the data only through,
for each missing-data pattern, the number of rows and the mean and covariance
(divisor n) of the observed variables.  Those sufficient statistics are
computed once here, so an optimiser iteration costs O(patterns x p^3), not O(N).
Complete data are the special case of a single pattern.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from analysis.errors import DataError, ModelSpecificationError


@dataclass(frozen=True)
class Pattern:
    """Rows of one group that share the same observed variables."""

    observed: np.ndarray  # int indices into the group's observed-variable order
    n: int
    mean: np.ndarray  # (p_o,)
    cov: np.ndarray  # (p_o, p_o), divisor n
    rows: np.ndarray  # (n, p_o) raw values, kept for case-wise scores (sandwich SEs)


@dataclass(frozen=True)
class GroupData:
    """One group's data, in the model's observed-variable order."""

    label: str | None
    patterns: tuple[Pattern, ...]
    nobs: int
    n_dropped_empty: int
    n_dropped_listwise: int
    complete: bool = True


@dataclass(frozen=True)
class SampleData:
    """Data for all groups of a model."""

    ov_names: tuple[str, ...]
    groups: tuple[GroupData, ...]
    group_var: str | None
    missing: Literal["fiml", "listwise"]

    @property
    def nobs(self) -> int:
        return int(sum(g.nobs for g in self.groups))



def pattern_codes(observed: np.ndarray) -> np.ndarray:
    """One integer key per row for its pattern of observed values (bit j: column j observed).

    Grouping integers is far faster than ``np.unique`` over boolean rows; with more
    than 62 columns the rows' bytes are used as keys instead.
    """
    p = observed.shape[1]
    if p <= 62:
        return observed @ (np.int64(1) << np.arange(p, dtype=np.int64))
    packed = np.ascontiguousarray(np.packbits(observed, axis=1))
    return np.unique(packed.view(np.dtype((np.void, packed.shape[1]))).ravel(), return_inverse=True)[1].ravel()


def patterns(y: np.ndarray) -> tuple[Pattern, ...]:
    """Split rows by their pattern of observed values (rows with none observed excluded).

    Ordered largest pattern first (usually the complete cases), then by size and
    columns, so the order never depends on the order of the rows.
    """
    obs = ~np.isnan(y)
    keys, inverse = np.unique(pattern_codes(obs), return_inverse=True)
    inverse = inverse.ravel()
    out = []
    for k in range(keys.size):
        members = np.flatnonzero(inverse == k)
        idx = np.flatnonzero(obs[members[0]])
        if idx.size == 0:
            continue
        rows = y[np.ix_(members, idx)]
        n = rows.shape[0]
        mean = rows.mean(axis=0)
        centred = rows - mean
        cov = centred.T @ centred / n
        out.append(Pattern(observed=idx, n=n, mean=mean, cov=cov, rows=rows))
    out.sort(key=lambda p: (-p.observed.size, -p.n, tuple(p.observed)))
    return tuple(out)


def sample_from_arrays(y: np.ndarray, ov_names: tuple[str, ...], *, groups: np.ndarray | None = None,
                       levels: tuple[str, ...] = ()) -> SampleData:
    """Pattern statistics of an (n x p) array already in the model's column order (FIML).

    Rows with nothing observed are dropped (and counted), as for a data frame.
    ``groups`` holds each row's group label for a multigroup model, in ``levels`` order.
    """
    blocks = [y] if groups is None else [y[groups == lv] for lv in levels]
    out = []
    for lv, block in zip(levels or (None,), blocks):
        keep = ~np.isnan(block).all(axis=1)
        pats = patterns(block[keep])
        if not pats:
            where = "" if lv is None else f" in group {lv!r}"
            raise DataError(f"The data have no rows with observed values{where}.")
        out.append(GroupData(label=lv, patterns=pats, nobs=int(keep.sum()), n_dropped_empty=int((~keep).sum()),
                             n_dropped_listwise=0,
                             complete=len(pats) == 1 and pats[0].observed.size == len(ov_names)))
    sample = SampleData(ov_names=tuple(ov_names), groups=tuple(out), group_var=None if groups is None else "group",
                        missing="fiml")
    check_variances(sample)
    return sample


def sample_from_moments(mean: np.ndarray, cov: np.ndarray, ov_names: tuple[str, ...], n: int) -> SampleData:
    """A one-pattern 'data set' with given moments (to fit a model to a population)."""
    p = len(ov_names)
    pat = Pattern(observed=np.arange(p), n=int(n), mean=np.asarray(mean, float), cov=np.asarray(cov, float),
                  rows=np.empty((0, p)))
    group = GroupData(label=None, patterns=(pat,), nobs=int(n), n_dropped_empty=0, n_dropped_listwise=0)
    return SampleData(ov_names=tuple(ov_names), groups=(group,), group_var=None, missing="fiml")


def prepare_data(
    data: pd.DataFrame,
    ov_names: list[str] | tuple[str, ...],
    *,
    group: str | None,
    group_levels: list | None = None,
    missing: Literal["fiml", "listwise"],
    complete_vars: tuple[str, ...] = (),
) -> SampleData:
    """Select, check and summarise the observed variables of each group.

    Parameters
    ----------
    data
        One row per person; columns include every observed variable of the model.
    ov_names
        Observed variables in the model's order.
    group
        Column holding the group of each row, or None for one group.
    group_levels
        Group values in the order to use; default: sorted distinct values (as lavaan's
        order of first appearance is fragile, sorting makes results independent of row order).
    missing
        ``"fiml"`` keeps incomplete rows (rows with nothing observed are dropped and
        counted); ``"listwise"`` drops rows with any missing value (counted).
    complete_vars
        Variables that must be observed for a row to be used (exogenous covariates
        with ``fixed_x``, as in lavaan); rows missing them are dropped and counted.
    """
    missing_cols = [c for c in ov_names if c not in data.columns]
    if missing_cols:
        raise DataError(
            f"The data have no column {missing_cols[0]!r}, which the model uses"
            + (f" (also missing: {', '.join(missing_cols[1:])})" if len(missing_cols) > 1 else "")
            + "."
        )
    if group is not None and group not in data.columns:
        raise DataError(f"The data have no group column {group!r}.")
    frame = data[list(ov_names)]
    for col in ov_names:
        if not pd.api.types.is_numeric_dtype(frame[col]) and not pd.api.types.is_bool_dtype(frame[col]):
            bad = frame[col][pd.to_numeric(frame[col], errors="coerce").isna() & frame[col].notna()]
            example = bad.iloc[0] if len(bad) else "?"
            raise DataError(
                f"Column {col!r} must be numeric, but has non-numeric values such as {example!r}."
            )
    values = frame.to_numpy(dtype=float, na_value=np.nan)
    if np.isinf(values).any():
        col = ov_names[int(np.argwhere(np.isinf(values))[0, 1])]
        raise DataError(f"Column {col!r} contains infinite values.")

    if group is None:
        labels_per_row = None
        levels: list = [None]
    else:
        g = data[group]
        if g.isna().any():
            raise DataError(
                f"The group column {group!r} is empty in {int(g.isna().sum())} rows; "
                "give every row a group or remove those rows first."
            )
        levels = list(group_levels) if group_levels is not None else sorted(g.unique().tolist(), key=_sort_key)
        # Compare as text so that levels given as "1" match a numeric column.
        labels_per_row = g.astype(str).to_numpy()

    complete_idx = [list(ov_names).index(v) for v in complete_vars]
    groups = []
    for level in levels:
        y = values if labels_per_row is None else values[labels_per_row == str(level)]
        obs = ~np.isnan(y)
        keep = obs.any(axis=1)
        n_empty = int((~keep).sum())
        n_listwise = 0
        if complete_idx:
            need = obs[:, complete_idx].all(axis=1) & keep
            n_listwise += int((keep & ~need).sum())
            keep = need
        if missing == "listwise":
            full = obs.all(axis=1)
            n_listwise += int((keep & ~full).sum())
            keep = keep & full
        y = y[keep]
        label = None if level is None else str(level)
        if y.shape[0] == 0:
            where = "" if label is None else f" in group {label!r}"
            raise DataError(f"No rows are left to analyse{where} after removing rows with missing values.")
        pats = patterns(y)
        groups.append(
            GroupData(
                label=label,
                patterns=pats,
                nobs=int(y.shape[0]),
                n_dropped_empty=n_empty,
                n_dropped_listwise=n_listwise,
                complete=len(pats) == 1 and pats[0].observed.size == len(ov_names),
            )
        )
    return SampleData(ov_names=tuple(ov_names), groups=tuple(groups), group_var=group, missing=missing)


def _sort_key(v):
    return (0, v) if isinstance(v, (int, float, np.integer, np.floating)) else (1, str(v))


def check_variances(sample: SampleData) -> None:
    """Raise when an observed variable has no variance in a group (the model cannot be fitted)."""
    for g in sample.groups:
        p = len(sample.ov_names)
        total = np.zeros(p)
        count = np.zeros(p)
        for pat in g.patterns:
            total[pat.observed] += pat.n * np.diag(pat.cov)
            count[pat.observed] += pat.n
        for j in range(p):
            if count[j] == 0:
                where = "" if g.label is None else f" in group {g.label!r}"
                raise DataError(f"Column {sample.ov_names[j]!r} has no observed values{where}.")
            if total[j] <= 0:
                where = "" if g.label is None else f" in group {g.label!r}"
                raise ModelSpecificationError(
                    f"Column {sample.ov_names[j]!r} has the same value in every row{where}, "
                    "so it has no variance to model; remove it from the model."
                )
