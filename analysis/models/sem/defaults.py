"""lavaan's default parameters (the rules of ``lav_partable_flat``).

:func:`single_group` adds to the user's elements the rows ``lavaan()``
(``defaults="lavaan"``) or ``sem()``/``cfa()`` (``defaults="sem"``) add:
variances, latent covariances, covariances among endogenous variables,
exogenous covariate (co)variances and intercepts, with lavaan's fixed values;
:func:`stack_groups` copies them to every group.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations

import numpy as np
import pandas as pd

from analysis.errors import UsageError
from analysis.models.sem.syntax import Element
from analysis.models.sem.variables import flat_columns, names_of_kind


@dataclass(frozen=True)
class Options:
    """lavaanify's switches for one call (see lavaan's ``lav_partable_flat``)."""

    meanstructure: bool
    fixed_x: bool
    int_ov_free: bool = True
    int_lv_free: bool = False
    auto_fix_first: bool = False
    auto_fix_single: bool = False
    auto_var: bool = False
    auto_cov_lv_x: bool = False
    auto_cov_y: bool = False


def options(defaults: str, meanstructure: bool, fixed_x: bool) -> Options:
    """The switches of ``lavaan()`` (``defaults="lavaan"``) or ``sem()``/``cfa()`` (``"sem"``).

    Raises
    ------
    UsageError
        When ``defaults`` is neither.
    """
    if defaults == "lavaan":
        return Options(meanstructure, fixed_x)
    if defaults == "sem":
        on = dict(auto_fix_first=True, auto_fix_single=True, auto_var=True, auto_cov_lv_x=True, auto_cov_y=True)
        return Options(meanstructure, fixed_x, **on)
    raise UsageError(f"defaults must be 'lavaan' or 'sem', not {defaults!r}.")


def reorder_covariances(elements: list[Element]) -> list[Element]:
    """Write covariances as lavaan stores them (upper triangle) and drop duplicates."""
    cols = flat_columns(elements)
    order = {n: i for i, n in enumerate(names_of_kind(*cols, "lv") + names_of_kind(*cols, "ov"))}
    seen: dict[tuple[str, str, str], Element] = {}
    for el in elements:
        if el.op == "~~" and order[el.lhs] > order[el.rhs]:
            el = Element(el.rhs, el.op, el.lhs, el.modifiers, el.line)
        key = (el.lhs, el.op, el.rhs)
        if key in seen:
            warnings.warn(
                f"The covariance {el.lhs} ~~ {el.rhs} is written twice (line {seen[key].line} and {el.line}); "
                "the second is ignored, as lavaan does.",
                stacklevel=3,
            )
            continue
        seen[key] = el
    return list(seen.values())


# --------------------------------------------------------------- default rows
def _default_rows(elements: Sequence[Element], opt: Options) -> list[tuple[str, str, str]]:
    """Rows lavaan adds to the user's (before removing those the user wrote)."""
    cols = flat_columns(elements)
    lv, ov = names_of_kind(*cols, "lv"), names_of_kind(*cols, "ov")
    ov_x, ov_nox = names_of_kind(*cols, "ov.x"), names_of_kind(*cols, "ov.nox")
    lv_x = names_of_kind(*cols, "lv.x")
    lvov_y = names_of_kind(*cols, "lv.y") + names_of_kind(*cols, "ov.y")
    rows = [(n, "~~", n) for n in ov_nox + lv]
    if opt.auto_cov_lv_x:
        rows += [(a, "~~", b) for a, b in combinations(lv_x, 2)]
    if opt.auto_cov_y:
        rows += [(a, "~~", b) for a, b in combinations(lvov_y, 2)]
    # lower triangle of the covariates, column by column (R's lower.tri order)
    rows += [(ov_x[j], "~~", ov_x[i]) for j in range(len(ov_x)) for i in range(j, len(ov_x))]
    if opt.meanstructure:
        rows += [(n, "~1", "") for n in ov + lv]
    return rows


@dataclass
class GroupTable:
    """Mutable working columns of one group (numpy arrays, as lavaan's vectors)."""

    lhs: np.ndarray
    op: np.ndarray
    rhs: np.ndarray
    user: np.ndarray
    free: np.ndarray
    ustart: np.ndarray
    exo: np.ndarray
    element: np.ndarray  # index into the user elements, -1 for default rows


def single_group(elements: Sequence[Element], opt: Options) -> GroupTable:
    """The rows of one group: the user's elements, then lavaan's default rows, with fixed values set."""
    user_keys = [(e.lhs, e.op, e.rhs) for e in elements]
    written = set(user_keys)
    defaults = [r for r in _default_rows(elements, opt) if r not in written]
    keys = user_keys + defaults
    n = len(keys)
    t = GroupTable(
        lhs=np.array([k[0] for k in keys], dtype=object),
        op=np.array([k[1] for k in keys], dtype=object),
        rhs=np.array([k[2] for k in keys], dtype=object),
        user=np.array([1] * len(user_keys) + [0] * len(defaults)),
        free=np.ones(n, dtype=int),
        ustart=np.full(n, np.nan),
        exo=np.zeros(n, dtype=int),
        element=np.array(list(range(len(user_keys))) + [-1] * len(defaults)),
    )
    cols = flat_columns(elements)
    lv, ov = names_of_kind(*cols, "lv"), names_of_kind(*cols, "ov")
    is_var = (t.op == "~~") & (t.lhs == t.rhs)
    if not opt.auto_var:
        _fix(t, is_var & (t.user == 0), 0.0)
    if opt.auto_fix_first:
        loadings = np.flatnonzero(t.op == "=~")
        _, first = np.unique(t.lhs[loadings], return_index=True)
        _fix(t, np.isin(np.arange(n), loadings[first]), 1.0)
    if opt.auto_var and opt.auto_fix_single:
        _fix(t, is_var & (t.user == 0) & np.isin(t.lhs, _single_indicators(t)), 0.0)
    if opt.meanstructure:
        is_int = (t.op == "~1") & (t.user == 0)
        if not opt.int_ov_free:
            _fix(t, is_int & np.isin(t.lhs, ov), 0.0)
        if not opt.int_lv_free:
            _fix(t, is_int & np.isin(t.lhs, lv), 0.0)
    ov_x = names_of_kind(*cols, "ov.x")
    if opt.fixed_x and ov_x:
        exo = (t.user == 0) & (
            ((t.op == "~~") & np.isin(t.lhs, ov_x) & np.isin(t.rhs, ov_x)) | ((t.op == "~1") & np.isin(t.lhs, ov_x))
        )
        _fix(t, exo, np.nan)  # the engine fills these from the sample
        t.exo[exo] = 1
    return t


def _fix(t: GroupTable, mask: np.ndarray, value: float) -> None:
    t.free[mask] = 0
    t.ustart[mask] = value


def _single_indicators(t: GroupTable) -> list[str]:
    """Indicators of one-indicator factors that load on nothing else (auto.fix.single)."""
    mm = t.op == "=~"
    lhs, rhs = list(t.lhs[mm]), list(t.rhs[mm])
    single = {f for f in lhs if lhs.count(f) == 1}
    return [r for l, r in zip(lhs, rhs) if l in single and l != r and rhs.count(r) == 1]


# ------------------------------------------------------------- all the groups
def stack_groups(t: GroupTable, ngroups: int, opt: Options, group_equal: Sequence[str]) -> pd.DataFrame:
    """Copy one group's rows to every group (column ``element`` links rows to user elements)."""
    n = len(t.lhs)
    df = pd.DataFrame(
        {
            "lhs": np.tile(t.lhs, ngroups),
            "op": np.tile(t.op, ngroups),
            "rhs": np.tile(t.rhs, ngroups),
            "user": np.tile(t.user, ngroups),
            "group": np.repeat(np.arange(1, ngroups + 1), n),
            "free": np.tile(t.free, ngroups),
            "ustart": np.tile(t.ustart, ngroups),
            "exo": np.tile(t.exo, ngroups),
            "element": np.tile(t.element, ngroups),
        }
    )
    # lavaan: equal intercepts across groups free the latent means of groups 2..G
    # (unless the means are held equal too).
    if opt.meanstructure and not opt.int_lv_free and "intercepts" in group_equal and "means" not in group_equal:
        lv = names_of_kind(t.lhs, t.op, t.rhs, t.user, t.exo, "lv")
        mask = (df["op"] == "~1") & df["lhs"].isin(lv) & (df["user"] == 0) & (df["group"] > 1)
        df.loc[mask, "free"] = 1
        df.loc[mask, "ustart"] = np.nan
    return df
