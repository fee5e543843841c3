"""Sample data for SEM estimation: groups, missing-data patterns and their moments.

The case-wise normal likelihood of a group depends on the data only through,
for each missing-data pattern, the number of rows and the mean and covariance
(divisor n) of the observed variables.  Those sufficient statistics are
computed once here, so an optimiser iteration costs O(patterns x p^3), not O(N).
Complete data are the special case of a single pattern.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from dataclasses import dataclass
from functools import cached_property
from typing import Literal

import numpy as np
import pandas as pd

from analysis.errors import DataError, ModelSpecificationError, UsageError
from analysis.models.sem.batch import PatternBatch, build_batch
from analysis.models.sem.reorder import canonical_order, reordered


@dataclass(frozen=True)
class Pattern:
    """Rows of one group that share the same observed variables."""

    observed: np.ndarray  # int indices into the group's observed-variable order
    n: int
    mean: np.ndarray  # (p_o,)
    cov: np.ndarray  # (p_o, p_o), divisor n
    rows: np.ndarray  # (n, p_o) raw values, kept for case-wise scores (sandwich SEs)
    # Survey design, row by row (None without one): sampling weights rescaled to sum to the total N
    # (then ``n``, ``mean`` and ``cov`` are weighted), PSU and stratum codes for design-based SEs.
    weights: np.ndarray | None = None
    clusters: np.ndarray | None = None
    strata: np.ndarray | None = None


@dataclass(frozen=True)
class GroupData:
    """One group's data, in the model's observed-variable order."""

    label: str | None
    patterns: tuple[Pattern, ...]
    nobs: int
    n_dropped_empty: int
    n_dropped_listwise: int
    complete: bool = True
    n_dropped_weight: int = 0  # rows with a zero or missing sampling weight (counted, never silent)

    @cached_property
    def size(self) -> float:
        """The group's sample size in the likelihood: rows, or the sum of their (rescaled) weights."""
        return float(sum(p.n for p in self.patterns))

    def available_moments(self, p: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per variable: the rows (or weight) observing it, and its mean and variance (divisor n) over them."""
        b = self.batch(p)
        n = b.scatter_vec([np.broadcast_to(x.n[:, None], x.mean.shape) for x in b.blocks])
        mean = b.scatter_vec([x.n[:, None] * x.mean for x in b.blocks]) / n
        var = b.scatter_vec([x.n[:, None] * (np.diagonal(x.cov, axis1=1, axis2=2) + (x.mean - mean[x.observed]) ** 2)
                             for x in b.blocks]) / n
        return n, mean, var

    def batch(self, p: int) -> PatternBatch:
        """The patterns stacked by size (:mod:`.batch`), built on first use and kept with the data."""
        # The data are immutable, so the stacks are derived once; they live in the instance's
        # __dict__ (not a field), so equality and the dataclass' fields are unchanged.
        cache = self.__dict__.setdefault("_batch", {})
        if p not in cache:
            cache[p] = build_batch(self.patterns, p)
        return cache[p]


@dataclass(frozen=True)
class SampleDesign:
    """The sampling design a fit uses: column names and what was found in the data."""

    weights: str | None = None
    cluster: str | None = None
    strata: str | None = None
    n_psu: int | None = None
    n_strata: int | None = None
    zero_weight: int = 0
    missing_weight: int = 0

    def to_dict(self) -> dict:
        return {"weight": self.weights, "cluster": self.cluster, "strata": self.strata, "n_psu": self.n_psu,
                "n_strata": self.n_strata, "zero_weight": self.zero_weight, "missing_weight": self.missing_weight}


@dataclass(frozen=True)
class SampleData:
    """Data for all groups of a model."""

    ov_names: tuple[str, ...]
    groups: tuple[GroupData, ...]
    group_var: str | None
    missing: Literal["fiml", "listwise"]
    design: SampleDesign | None = None

    @property
    def clustered(self) -> bool:
        return self.design is not None and self.design.cluster is not None

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


def patterns(y: np.ndarray, *, weights: np.ndarray | None = None, clusters: np.ndarray | None = None,
             strata: np.ndarray | None = None) -> tuple[Pattern, ...]:
    """Split rows by their pattern of observed values (rows with none observed excluded).

    With ``weights`` each pattern's ``n`` is the sum of its rows' weights and its mean and
    covariance are weighted (divisor: that sum), so the pattern likelihood is the weighted
    sum of the rows' likelihoods.  ``clusters``/``strata`` (row codes) are kept per row for
    design-based standard errors.  Ordered largest pattern first (usually the complete
    cases), then by size and columns, so the order never depends on the order of the rows.
    """
    obs = ~np.isnan(y)
    keys, inverse = np.unique(pattern_codes(obs), return_inverse=True)
    # Rows of each pattern in their original order: one stable sort, not a scan of all rows per pattern.
    order = np.argsort(inverse.ravel(), kind="stable")
    bounds = np.concatenate([[0], np.cumsum(np.bincount(inverse.ravel(), minlength=keys.size))])
    out = []
    for k in range(keys.size):
        members = order[bounds[k]:bounds[k + 1]]
        idx = np.flatnonzero(obs[members[0]])
        if idx.size == 0:
            continue
        rows = y[np.ix_(members, idx)]
        if weights is None:
            n = rows.shape[0]
            mean = rows.mean(axis=0)
            centred = rows - mean
            cov = centred.T @ centred / n
            w = None
        else:
            w = weights[members]
            n = float(w.sum())
            mean = w @ rows / n
            centred = rows - mean
            cov = (centred * w[:, None]).T @ centred / n
        out.append(Pattern(observed=idx, n=n, mean=mean, cov=cov, rows=rows, weights=w,
                           clusters=None if clusters is None else clusters[members],
                           strata=None if strata is None else strata[members]))
    out.sort(key=lambda p: (-p.observed.size, -p.rows.shape[0], p.observed.tolist()))
    return tuple(out)


def sample_from_arrays(y: np.ndarray, ov_names: tuple[str, ...], *, groups: np.ndarray | None = None,
                       levels: tuple[str, ...] = (), weights: np.ndarray | None = None) -> SampleData:
    """Pattern statistics of an (n x p) array already in the model's column order (FIML).

    Rows with nothing observed are dropped (and counted), as for a data frame.
    ``groups`` holds each row's group label for a multigroup model, in ``levels`` order.
    ``weights`` (sampling weights; rows with a zero or missing weight are dropped and
    counted) are rescaled to sum to the number of rows used, as ``SEM.fit`` does.
    """
    y = np.asarray(y, dtype=float)
    usable = np.ones(y.shape[0], bool) if weights is None else np.isfinite(weights) & (weights > 0)
    keep_all = ~np.isnan(y).all(axis=1) & usable
    scale = None if weights is None else keep_all.sum() / float(weights[keep_all].sum())
    out = []
    for lv in levels or (None,):
        in_group = np.ones(y.shape[0], bool) if groups is None else groups == lv
        keep = in_group & keep_all
        pats = patterns(y[keep], weights=None if scale is None else weights[keep] * scale)
        if not pats:
            where = "" if lv is None else f" in group {lv!r}"
            raise DataError(f"The data have no rows with observed values{where}.")
        empty = in_group & np.isnan(y).all(axis=1)
        out.append(GroupData(label=lv, patterns=pats, nobs=int(keep.sum()), n_dropped_empty=int(empty.sum()),
                             n_dropped_listwise=0, n_dropped_weight=int((in_group & ~empty & ~usable).sum()),
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


_PREPARED: OrderedDict[tuple, SampleData] = OrderedDict()
_PREPARED_SIZE = 12  # a few data sets, each in its sorted order and in the orders of the models fitted


def prepare_data(
    data: pd.DataFrame,
    ov_names: list[str] | tuple[str, ...],
    *,
    group: str | None,
    group_levels: list | None = None,
    missing: Literal["fiml", "listwise"],
    complete_vars: tuple[str, ...] = (),
    weights: str | None = None,
    cluster: str | None = None,
    strata: str | None = None,
) -> SampleData:
    """Select, check and summarise the observed variables of each group (see :func:`_prepare_data`).

    The summary of the most recent data sets is remembered, keyed by a hash of the columns used and
    the options, so fitting several models to one data set (crosslag's comparison fits, group and
    invariance comparisons) summarises the missing-data patterns once; ``SampleData`` is immutable.
    """
    canon = canonical_order(ov_names)
    cols = [c for c in dict.fromkeys([*canon, group, weights, cluster, strata]) if c is not None]
    try:
        rows = pd.util.hash_pandas_object(data[cols], index=False).to_numpy()
    except (KeyError, TypeError, ValueError):  # a missing column or an unhashable cell: said by the summary
        rows = None
    if rows is None:
        return _prepare_data(data, ov_names, group=group, group_levels=group_levels, missing=missing,
                             complete_vars=complete_vars, weights=weights, cluster=cluster, strata=strata)
    base = (hashlib.sha1(rows.tobytes()).hexdigest(), tuple(cols), group,
            None if group_levels is None else repr(list(group_levels)), missing, tuple(sorted(complete_vars)),
            weights, cluster, strata)
    key = (*base, tuple(ov_names))
    if key in _PREPARED:
        _PREPARED.move_to_end(key)
        return _PREPARED[key]
    # The patterns are summarised once per data set, in the sorted order of the variables, and
    # reordered for each model (:mod:`.reorder`): crosslag's RI-CLPM, CLPM and DPM share them.
    ckey = (*base, canon)
    if ckey in _PREPARED:
        _PREPARED.move_to_end(ckey)
        canonical = _PREPARED[ckey]
    else:
        try:
            canonical = _prepare_data(data, canon, group=group, group_levels=group_levels, missing=missing,
                                      complete_vars=complete_vars, weights=weights, cluster=cluster, strata=strata)
        except (DataError, ModelSpecificationError, UsageError):
            # Said in the model's own order (the first bad column as the model lists them).
            return _prepare_data(data, ov_names, group=group, group_levels=group_levels, missing=missing,
                                 complete_vars=complete_vars, weights=weights, cluster=cluster, strata=strata)
        _remember(ckey, canonical)
    sample = canonical if canon == tuple(ov_names) else reordered(canonical, ov_names)
    _remember(key, sample)
    return sample


def _remember(key: tuple, sample: SampleData) -> None:
    _PREPARED[key] = sample
    if len(_PREPARED) > _PREPARED_SIZE:
        _PREPARED.popitem(last=False)


def _prepare_data(
    data: pd.DataFrame,
    ov_names: list[str] | tuple[str, ...],
    *,
    group: str | None,
    group_levels: list | None = None,
    missing: Literal["fiml", "listwise"],
    complete_vars: tuple[str, ...] = (),
    weights: str | None = None,
    cluster: str | None = None,
    strata: str | None = None,
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
    weights, cluster, strata
        Columns of the survey design: sampling weights (rows with a zero or missing weight
        are dropped and counted; the others are rescaled to sum to the number of rows used,
        over all groups, as lavaan's ``sampling.weights``), primary sampling units and strata
        (for design-based standard errors; every row needs both).
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

    w_all, cl_all, st_all = design_columns(data, weights=weights, cluster=cluster, strata=strata)
    complete_idx = [list(ov_names).index(v) for v in complete_vars]
    kept = []
    for level in levels:
        in_group = np.ones(len(values), bool) if labels_per_row is None else labels_per_row == str(level)
        y = values[in_group]
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
        n_weight = 0
        if w_all is not None:
            usable = np.isfinite(w_all[in_group]) & (w_all[in_group] > 0)
            n_weight = int((keep & ~usable).sum())
            keep = keep & usable
        label = None if level is None else str(level)
        if not keep.any():
            where = "" if label is None else f" in group {label!r}"
            raise DataError(f"No rows are left to analyse{where} after removing rows with missing values"
                            + (" or a zero or missing weight." if w_all is not None else "."))
        kept.append((label, np.flatnonzero(in_group)[keep], n_empty, n_listwise, n_weight))
    scale = None
    if w_all is not None:
        used = np.concatenate([rows for _, rows, *_ in kept])
        scale = used.size / float(w_all[used].sum())  # weights sum to the total N (lavaan: "total")
    groups = []
    for label, rows, n_empty, n_listwise, n_weight in kept:
        pats = patterns(values[rows], weights=None if scale is None else w_all[rows] * scale,
                        clusters=None if cl_all is None else cl_all[rows],
                        strata=None if st_all is None else st_all[rows])
        groups.append(GroupData(label=label, patterns=pats, nobs=int(rows.size), n_dropped_empty=n_empty,
                                n_dropped_listwise=n_listwise, n_dropped_weight=n_weight,
                                complete=len(pats) == 1 and pats[0].observed.size == len(ov_names)))
    design = None
    if weights or cluster or strata:
        used = np.concatenate([rows for _, rows, *_ in kept])
        raw = None if w_all is None else data[weights]
        design = SampleDesign(
            weights=weights, cluster=cluster, strata=strata,
            n_psu=None if cl_all is None else int(np.unique(np.column_stack(
                [cl_all[used], st_all[used] if st_all is not None else np.zeros(used.size, int)]), axis=0).shape[0]),
            n_strata=None if st_all is None else int(np.unique(st_all[used]).size),
            zero_weight=0 if raw is None else int((pd.to_numeric(raw, errors="coerce") == 0).sum()),
            missing_weight=0 if raw is None else int(raw.isna().sum()))
        _check_design(groups, design)
    return SampleData(ov_names=tuple(ov_names), groups=tuple(groups), group_var=group, missing=missing, design=design)


def design_columns(data: pd.DataFrame, *, weights: str | None, cluster: str | None,
                   strata: str | None) -> tuple[np.ndarray | None, np.ndarray | None, np.ndarray | None]:
    """Weights (float, NaN where missing), PSU codes and stratum codes of every row, checked."""
    for role, col in (("weight", weights), ("cluster (PSU)", cluster), ("strata", strata)):
        if col is not None and col not in data.columns:
            raise DataError(f"The data have no {role} column {col!r}.")
    if strata is not None and cluster is None:
        raise UsageError("Strata need a cluster (PSU) column too: give cluster= as well as strata=.")
    w = None
    if weights is not None:
        raw = data[weights]
        w = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        bad = raw.notna().to_numpy() & np.isnan(w)
        if bad.any():
            raise DataError(f"The weight column {weights!r} has non-numeric values such as {raw[bad].iloc[0]!r}.")
        if (w < 0).any() or np.isinf(w).any():
            raise DataError(f"The weight column {weights!r} has negative or infinite weights "
                            f"({int(((w < 0) | np.isinf(w)).sum())} rows); sampling weights must be positive.")
    codes = []
    for role, col in (("cluster (PSU)", cluster), ("strata", strata)):
        if col is None:
            codes.append(None)
            continue
        column = data[col]
        if column.isna().any():
            raise DataError(f"The {role} column {col!r} is empty in {int(column.isna().sum())} rows; "
                            "every row needs one for design-based standard errors.")
        codes.append(_text_codes(column))
    return w, codes[0], codes[1]


def _text_codes(column: pd.Series) -> np.ndarray:
    """Codes 0, 1, ... of a column's values in the sorted order of their text (as
    ``pd.factorize(column.astype(str), sort=True)``, converting only the distinct values)."""
    codes, uniques = pd.factorize(column)
    text = np.array([str(v) for v in uniques], dtype=object)
    order = np.unique(text, return_inverse=True)[1]  # values with the same text (1 and "1") share a code
    return order[codes]


def _check_design(groups: list[GroupData], design: SampleDesign) -> None:
    """Refuse designs whose variance cannot be estimated (one PSU in a group, or in a stratum)."""
    if design.cluster is None:
        return
    cl = [np.concatenate([p.clusters for p in g.patterns]) for g in groups]
    if design.strata is None:
        for g, c in zip(groups, cl):  # PSUs are counted within groups, as lavaan does
            if np.unique(c).size < 2:
                where = "" if g.label is None else f" in group {g.label!r}"
                raise DataError(f"The cluster column {design.cluster!r} has only one PSU{where}; "
                                "design-based standard errors need at least two.")
        return
    st = np.concatenate([np.concatenate([p.strata for p in g.patterns]) for g in groups])
    pairs = np.unique(np.column_stack([st, np.concatenate(cl)]), axis=0)
    lonely = np.flatnonzero(np.bincount(pairs[:, 0]) == 1)
    if lonely.size:
        raise DataError(f"A stratum of {design.strata!r} has only one PSU ({lonely.size} such strata); merge it "
                        "with a similar stratum (as the survey's user guide advises) or analyse without strata.")


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
