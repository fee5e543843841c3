"""lavaan parameter tables (the equivalent of ``lavaanify``/``lavParTable``).

:func:`build_partable` turns model syntax into lavaan's parameter table,
adding the default parameters exactly as ``lav_partable_flat`` does for
``lavaan()`` (``defaults="lavaan"``) or ``sem()``/``cfa()``
(``defaults="sem"``).  One deliberate difference from lavaan: equality
constraints (a label shared by several rows, ``group_equal``, ``a == b``) are
expressed by giving the rows *the same* ``free`` index, so the number of free
parameters is ``max(free)``; ``label == number`` fixes the rows.

Row order is lavaan's: per group, the user rows in syntax order, then
default rows (variances, latent covariances, covariances among endogenous
variables, exogenous covariate (co)variances, intercepts); then ``:=`` and
``==`` rows.
"""

from __future__ import annotations

import difflib
import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import combinations
from typing import Literal

import numpy as np
import pandas as pd

from analysis.errors import ModelSpecificationError, UsageError
from analysis.models.sem.syntax import (
    Binary,
    Call,
    Constraint,
    Definition,
    Element,
    Expr,
    Num,
    Unary,
    Var,
    expression_names,
    parse_expression,
    parse_model,
)

COLUMNS = ("id", "lhs", "op", "rhs", "user", "block", "group", "free", "ustart", "exo", "label", "plabel")
GROUP_EQUAL = (
    "loadings",
    "intercepts",
    "means",
    "residuals",
    "residual.covariances",
    "lv.variances",
    "lv.covariances",
    "regressions",
)
VariableKind = Literal["ov", "lv", "ov.x", "ov.y", "lv.x", "lv.y", "ov.nox"]


@dataclass(frozen=True)
class _Options:
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


def _options(defaults: str, meanstructure: bool, fixed_x: bool) -> _Options:
    if defaults == "lavaan":
        return _Options(meanstructure, fixed_x)
    if defaults == "sem":
        on = dict(auto_fix_first=True, auto_fix_single=True, auto_var=True, auto_cov_lv_x=True, auto_cov_y=True)
        return _Options(meanstructure, fixed_x, **on)
    raise UsageError(f"defaults must be 'lavaan' or 'sem', not {defaults!r}.")


# ------------------------------------------------------------ variable names
def _unique(items) -> list[str]:
    return list(dict.fromkeys(items))


def _names(lhs, op, rhs, user, exo, kind: str) -> list[str]:
    """Variable names of one block, in lavaan's order (``lav_partable_vnames``)."""
    rows = list(zip(lhs, op, rhs, user, exo, strict=True))
    lv = _unique(l for l, o, *_ in rows if o == "=~")
    if kind == "lv":
        return lv
    eqs_y = _unique(l for l, o, *_ in rows if o == "~")
    eqs_x = _unique(r for _, o, r, *_ in rows if o == "~")
    v_ind = _unique(r for _, o, r, *_ in rows if o == "=~")
    if kind == "lv.x":
        return [n for n in lv if n not in v_ind and n not in eqs_y]
    if kind == "lv.y":
        return [n for n in lv if n in eqs_y and n not in v_ind and n not in eqs_x]
    ov_ind = [n for n in v_ind if n not in lv]
    ov_y = [n for n in eqs_y if n not in lv and n not in ov_ind]
    ov_x = [n for n in eqs_x if n not in lv and n not in ov_ind and n not in ov_y]
    extra = _unique(
        [l for l, o, *_ in rows if o == "~~" and l not in lv]
        + [r for _, o, r, *_ in rows if o == "~~" and r not in lv]
        + [l for l, o, *_ in rows if o == "~1" and l not in lv]
    )
    ov = _unique(ov_ind + ov_y + ov_x + extra)
    if kind == "ov":
        return ov
    if kind == "ov.y":
        return [n for n in ov if n in eqs_y and n not in v_ind and n not in eqs_x and n not in lv]
    # Exogenous covariates given a variance, covariance or intercept by the
    # user are no longer treated as fixed x (lavaan warns about this).
    mentioned = {l for l, o, _, u, _ in rows if u == 1 and o in ("~1", "~~")}
    mentioned |= {r for _, o, r, u, _ in rows if u == 1 and o == "~~"}
    if kind == "demoted.x":
        return [n for n in ov_x if n in mentioned]
    ov_x = [n for n in ov_x if n not in mentioned]
    exo_extra = _unique(
        [l for l, o, _, _, e in rows if e == 1 and o == "~~"]
        + [r for _, o, r, _, e in rows if e == 1 and o == "~~"]
        + [l for l, o, _, _, e in rows if e == 1 and o == "~1"]
    )
    ov_x = _unique(ov_x + exo_extra)
    if kind == "ov.x":
        return ov_x
    if kind == "ov.nox":
        return [n for n in ov if n not in ov_x]
    raise UsageError(f"Unknown variable kind {kind!r}; use one of ov, lv, ov.x, ov.y, lv.x, lv.y, ov.nox.")


def variable_names(partable: pd.DataFrame, kind: VariableKind, group: int = 1) -> list[str]:
    """Names of one kind of variable in one group, in lavaan's order.

    Parameters
    ----------
    partable : pandas.DataFrame
        A table from :func:`build_partable`.
    kind : {"ov", "lv", "ov.x", "ov.y", "lv.x", "lv.y", "ov.nox"}
        As lavaan's ``lavNames`` types: observed, latent, exogenous observed
        covariates, pure endogenous observed, exogenous latent, pure
        endogenous latent, observed without the exogenous covariates.
    group : int
        The group (1-based).

    Returns
    -------
    list of str
    """
    rows = partable[partable["group"] == group]
    return _names(rows["lhs"], rows["op"], rows["rhs"], rows["user"], rows["exo"], kind)


# -------------------------------------------------------------- flat elements
def _reorder_covariances(elements: list[Element]) -> list[Element]:
    """Write covariances as lavaan stores them (upper triangle) and drop duplicates."""
    cols = _flat_columns(elements)
    order = {n: i for i, n in enumerate(_names(*cols, "lv") + _names(*cols, "ov"))}
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


def _flat_columns(elements: Sequence[Element]):
    n = len(elements)
    return [e.lhs for e in elements], [e.op for e in elements], [e.rhs for e in elements], [1] * n, [0] * n


def _check_observed(elements: Sequence[Element], observed: Sequence[str]) -> None:
    latent = set(_names(*_flat_columns(elements), "lv"))
    known = set(observed)
    for el in elements:
        for name in (el.lhs, el.rhs):
            if name and name not in latent and name not in known:
                close = difflib.get_close_matches(name, list(observed) + sorted(latent), n=1)
                hint = f"; did you mean {close[0]!r}?" if close else "."
                raise ModelSpecificationError(
                    f"{name!r} (line {el.line}) is not a column of the data and not a latent variable "
                    f"(defined with =~){hint}"
                )


# --------------------------------------------------------------- default rows
def _default_rows(elements: Sequence[Element], opt: _Options) -> list[tuple[str, str, str]]:
    """Rows lavaan adds to the user's (before removing those the user wrote)."""
    cols = _flat_columns(elements)
    lv, ov = _names(*cols, "lv"), _names(*cols, "ov")
    ov_x, ov_nox = _names(*cols, "ov.x"), _names(*cols, "ov.nox")
    lv_x = _names(*cols, "lv.x")
    lvov_y = _names(*cols, "lv.y") + _names(*cols, "ov.y")
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
class _Table:
    """Mutable working columns of one group (numpy arrays, as lavaan's vectors)."""

    lhs: np.ndarray
    op: np.ndarray
    rhs: np.ndarray
    user: np.ndarray
    free: np.ndarray
    ustart: np.ndarray
    exo: np.ndarray
    element: np.ndarray  # index into the user elements, -1 for default rows


def _single_group(elements: Sequence[Element], opt: _Options) -> _Table:
    user_keys = [(e.lhs, e.op, e.rhs) for e in elements]
    written = set(user_keys)
    defaults = [r for r in _default_rows(elements, opt) if r not in written]
    keys = user_keys + defaults
    n = len(keys)
    t = _Table(
        lhs=np.array([k[0] for k in keys], dtype=object),
        op=np.array([k[1] for k in keys], dtype=object),
        rhs=np.array([k[2] for k in keys], dtype=object),
        user=np.array([1] * len(user_keys) + [0] * len(defaults)),
        free=np.ones(n, dtype=int),
        ustart=np.full(n, np.nan),
        exo=np.zeros(n, dtype=int),
        element=np.array(list(range(len(user_keys))) + [-1] * len(defaults)),
    )
    cols = _flat_columns(elements)
    lv, ov = _names(*cols, "lv"), _names(*cols, "ov")
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
    ov_x = _names(*cols, "ov.x")
    if opt.fixed_x and ov_x:
        exo = (t.user == 0) & (
            ((t.op == "~~") & np.isin(t.lhs, ov_x) & np.isin(t.rhs, ov_x)) | ((t.op == "~1") & np.isin(t.lhs, ov_x))
        )
        _fix(t, exo, np.nan)  # the engine fills these from the sample
        t.exo[exo] = 1
    return t


def _fix(t: _Table, mask: np.ndarray, value: float) -> None:
    t.free[mask] = 0
    t.ustart[mask] = value


def _single_indicators(t: _Table) -> list[str]:
    """Indicators of one-indicator factors that load on nothing else (auto.fix.single)."""
    mm = t.op == "=~"
    lhs, rhs = list(t.lhs[mm]), list(t.rhs[mm])
    single = {f for f in lhs if lhs.count(f) == 1}
    return [r for l, r in zip(lhs, rhs) if l in single and l != r and rhs.count(r) == 1]


# ------------------------------------------------------------- all the groups
def _stack_groups(t: _Table, ngroups: int, opt: _Options, group_equal: Sequence[str]) -> pd.DataFrame:
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
        lv = _names(t.lhs, t.op, t.rhs, t.user, t.exo, "lv")
        mask = (df["op"] == "~1") & df["lhs"].isin(lv) & (df["user"] == 0) & (df["group"] > 1)
        df.loc[mask, "free"] = 1
        df.loc[mask, "ustart"] = np.nan
    return df


def _apply_modifiers(df: pd.DataFrame, elements: Sequence[Element], ngroups: int) -> pd.DataFrame:
    """Apply fixed values, start values and labels (``lavaanify``'s modifier step)."""
    df["label"] = ""
    for k, el in enumerate(elements):
        rows = np.flatnonzero(df["element"].to_numpy() == k)
        mods = el.modifiers
        for name, values in (("fixed", mods.fixed), ("start", mods.start), ("label", mods.label)):
            if values is not None and len(values) not in (1, ngroups):
                raise ModelSpecificationError(
                    f"The c(...) {name} modifier of '{el.lhs} {el.op} {el.rhs}' (line {el.line}) has "
                    f"{len(values)} elements, but the model has {ngroups} group(s); give one per group."
                )
        per_group = lambda values: list(values) * ngroups if len(values) == 1 else list(values)  # noqa: E731
        if mods.fixed is not None:
            fixed = np.array(per_group(mods.fixed))
            df.loc[df.index[rows], "free"] = np.where(np.isnan(fixed), 1, 0)
            df.loc[df.index[rows], "ustart"] = fixed
        if mods.start is not None:
            df.loc[df.index[rows], "ustart"] = per_group(mods.start)
        if mods.label is not None:
            df.loc[df.index[rows], "label"] = per_group(mods.label)
    return df.drop(columns="element")


def _equality_labels(df: pd.DataFrame, group_equal: Sequence[str], ngroups: int) -> list[str]:
    """lavaan's internal labels: rows sharing one are constrained equal (``lav_partable_labels``)."""
    label = (df["lhs"] + df["op"] + df["rhs"]).to_numpy(dtype=object)
    later = df["group"].to_numpy() > 1
    label[later] = [f"{x}.g{g}" for x, g in zip(label[later], df["group"].to_numpy()[later])]
    if ngroups > 1 and group_equal:
        cols = (df["lhs"], df["op"], df["rhs"], df["user"], df["exo"])
        g1 = (df["group"] == 1).to_numpy()
        sub = [c[g1] for c in cols]
        ov_nox, lv = _names(*sub, "ov.nox"), _names(*sub, "lv")
        op, lhs, rhs = df["op"].to_numpy(), df["lhs"].to_numpy(), df["rhs"].to_numpy()
        same = lhs == rhs
        kinds = {
            "loadings": op == "=~",
            "intercepts": (op == "~1") & np.isin(lhs, ov_nox),
            "means": (op == "~1") & np.isin(lhs, lv),
            "regressions": op == "~",
            "residuals": (op == "~~") & np.isin(lhs, ov_nox) & same,
            "residual.covariances": (op == "~~") & np.isin(lhs, ov_nox) & ~same,
            "lv.variances": (op == "~~") & np.isin(lhs, lv) & same,
            "lv.covariances": (op == "~~") & np.isin(lhs, lv) & ~same,
        }
        flag = g1 & np.any([kinds[k] for k in group_equal], axis=0)
        key = list(zip(lhs, op, rhs))
        first = {key[i]: label[i] for i in np.flatnonzero(flag)}
        for i in np.flatnonzero(later):
            label[i] = first.get(key[i], label[i])
    user = df["label"].to_numpy(dtype=object)
    return [u if u else x for u, x in zip(user, label)]


# -------------------------------------------------------- equality constraints
class _Classes:
    """Union-find over table rows: rows in one class share one parameter."""

    def __init__(self, n: int):
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, i: int, j: int) -> None:
        a, b = self.find(i), self.find(j)
        if a != b:  # the earlier row stays the reference, as in lavaan
            self.parent[max(a, b)] = min(a, b)


def _label_rows(df: pd.DataFrame, name: str) -> list[int]:
    rows = np.flatnonzero((df["label"] == name).to_numpy() | (df["plabel"] == name).to_numpy())
    return [int(i) for i in rows]


def _constraint_side(text: str, line: int, c: Constraint) -> str | float:
    expr = parse_expression(text, line=line)
    if isinstance(expr, Unary) and isinstance(expr.operand, Num):
        return -expr.operand.value if expr.op == "-" else expr.operand.value
    if isinstance(expr, Num):
        return expr.value
    if isinstance(expr, Var):
        return expr.name
    raise ModelSpecificationError(
        f"Only equality constraints between labels or to a constant are supported, not "
        f"'{c.lhs} {c.op} {c.rhs}' (line {c.line})."
    )


def _resolve_equalities(df: pd.DataFrame, labels: list[str], constraints: Sequence[Constraint]) -> pd.DataFrame:
    """Give equal parameters one free index; fix classes that contain a fixed value."""
    n = len(df)
    classes = _Classes(n)
    by_label: dict[str, list[int]] = {}
    for i, lab in enumerate(labels):
        by_label.setdefault(lab, []).append(i)
    for rows in by_label.values():
        for i in rows[1:]:
            classes.union(rows[0], i)
    pinned: dict[int, list[tuple[float, str]]] = {}  # class -> (value, why)
    for c in constraints:
        if c.op != "==":
            raise ModelSpecificationError(
                f"Inequality constraints ('{c.lhs} {c.op} {c.rhs}', line {c.line}) are not supported yet."
            )
        sides = [_constraint_side(s, c.line, c) for s in (c.lhs, c.rhs)]
        names = [s for s in sides if isinstance(s, str)]
        if not names:
            raise ModelSpecificationError(f"The constraint '{c.lhs} == {c.rhs}' (line {c.line}) names no label.")
        row_sets = []
        for name in names:
            rows = _label_rows(df, name)
            if not rows:
                raise ModelSpecificationError(
                    f"The constraint '{c.lhs} == {c.rhs}' (line {c.line}) uses {name!r}, which labels no parameter."
                )
            row_sets.append(rows)
        if len(row_sets) == 2:
            classes.union(row_sets[0][0], row_sets[1][0])
        else:
            value = next(s for s in sides if not isinstance(s, str))
            pinned.setdefault(row_sets[0][0], []).append((float(value), f"'{c.lhs} == {c.rhs}'"))
    members: dict[int, list[int]] = {}
    for i in range(n):
        members.setdefault(classes.find(i), []).append(i)
    free, ustart = df["free"].to_numpy().copy(), df["ustart"].to_numpy().copy()
    label_col = df["label"].to_numpy(dtype=object).copy()
    plabel = df["plabel"].to_numpy(dtype=object)
    lhs, op, rhs = df["lhs"].to_numpy(), df["op"].to_numpy(), df["rhs"].to_numpy()
    for rows in members.values():
        values = [(ustart[i], f"'{lhs[i]} {op[i]} {rhs[i]}'") for i in rows if free[i] == 0]
        for r in rows:
            values += pinned.get(r, [])
        distinct = {v for v, _ in values}
        if len(distinct) > 1:
            shown = ", ".join(f"{why} = {v:g}" for v, why in values)
            raise ModelSpecificationError(
                f"Parameters constrained to be equal are fixed to different values ({shown})."
            )
        if values:
            free[rows] = 0
            ustart[rows] = values[0][0]
    # lavaan shows the reference's plabel on free rows made equal without a user label
    for rows in by_label.values():
        if len(rows) > 1 and free[rows[0]]:
            for i in rows:
                label_col[i] = label_col[i] or plabel[rows[0]]
    index: dict[int, int] = {}
    for i in range(n):
        if free[i]:
            free[i] = index.setdefault(classes.find(i), len(index) + 1)
    return df.assign(free=free, ustart=ustart, label=label_col)


# ------------------------------------------------------------------ assembling
def _extra_rows(extras: Sequence[Definition | Constraint], df: pd.DataFrame) -> list[dict]:
    known = set(df["label"]) | set(df["plabel"])
    rows = []
    for x in extras:
        if isinstance(x, Definition):
            unknown = [n for n in expression_names(parse_expression(x.expression, line=x.line)) if n not in known]
            if unknown:
                raise ModelSpecificationError(
                    f"The definition '{x.name} := {x.expression}' (line {x.line}) uses {unknown[0]!r}, "
                    "which labels no parameter; label it in the model (e.g. a*x) first."
                )
            known.add(x.name)
            rows.append(dict(lhs=x.name, op=":=", rhs=x.expression, label=x.name))
        else:
            rows.append(dict(lhs=x.lhs, op=x.op, rhs=x.rhs, label=""))
    base = dict(user=1, block=0, group=0, free=0, ustart=np.nan, exo=0, plabel="")
    return [{**base, **r} for r in rows]


def build_partable(
    model: str,
    *,
    ngroups: int = 1,
    defaults: Literal["lavaan", "sem"] = "sem",
    meanstructure: bool = False,
    fixed_x: bool = True,
    group_equal: Sequence[str] = (),
    observed: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Build lavaan's parameter table for a model.

    Parameters
    ----------
    model : str
        lavaan model syntax.
    ngroups : int
        Number of groups; each gets its own copy of every row.
    defaults : {"lavaan", "sem"}
        ``"sem"`` adds parameters as ``sem()``/``cfa()`` do (first loadings
        fixed to 1, free variances, latent exogenous and endogenous
        covariances); ``"lavaan"`` as ``lavaan()`` (only what is written;
        unwritten variances fixed to 0).  Observed intercepts are free in
        both, latent means fixed to 0.
    meanstructure : bool
        Add intercept rows; implied when the syntax contains ``~ 1``.
    fixed_x : bool
        Treat exogenous observed covariates as fixed (rows with ``exo=1``).
    group_equal : sequence of str
        Parameter kinds held equal across groups (lavaan's ``group.equal``).
    observed : sequence of str, optional
        The data's column names; when given, every non-latent name in the
        model must be one of them.

    Returns
    -------
    pandas.DataFrame
        Columns ``id lhs op rhs user block group free ustart exo label plabel``.
        Equal parameters share one ``free`` index (``max(free)`` is the number
        of parameters to estimate).

    Raises
    ------
    ModelSyntaxError
        When the syntax cannot be parsed.
    ModelSpecificationError
        When valid syntax cannot be built into a model.
    """
    if isinstance(group_equal, str):
        group_equal = (group_equal,)
    unknown = [g for g in group_equal if g not in GROUP_EQUAL]
    if unknown:
        raise ModelSpecificationError(f"Unknown group_equal kind {unknown[0]!r}; valid are: {', '.join(GROUP_EQUAL)}.")
    if not isinstance(ngroups, int) or ngroups < 1:
        raise UsageError(f"ngroups must be a positive integer, not {ngroups!r}.")
    parsed = parse_model(model)
    if not parsed.elements:
        raise ModelSpecificationError("The model has no formulas (=~, ~ or ~~); nothing to estimate.")
    elements = _reorder_covariances(list(parsed.elements))
    if observed is not None:
        _check_observed(elements, observed)
    opt = _options(defaults, meanstructure or any(e.op == "~1" for e in elements), fixed_x)
    demoted = _names(*_flat_columns(elements), "demoted.x")
    if fixed_x and demoted:
        warnings.warn(
            f"The model gives the exogenous covariate(s) {', '.join(demoted)} a variance, covariance or intercept, "
            "so they are treated as random with free parameters (as lavaan does); remove those formulas to keep "
            "them fixed, or use fixed_x=False.",
            stacklevel=2,
        )
    df = _stack_groups(_single_group(elements, opt), ngroups, opt, group_equal)
    df = _apply_modifiers(df, elements, ngroups)
    df["plabel"] = [f".p{i}." for i in range(1, len(df) + 1)]
    df = _resolve_equalities(df, _equality_labels(df, group_equal, ngroups), parsed.constraints)
    df["block"] = df["group"]
    df = pd.concat([df, pd.DataFrame(_extra_rows(parsed.extras, df))], ignore_index=True)
    df["id"] = np.arange(1, len(df) + 1)
    types = dict(id=int, user=int, block=int, group=int, free=int, ustart=float, exo=int)
    return df[list(COLUMNS)].astype(types).reset_index(drop=True)


# -------------------------------------------------------------------- helpers
def defined_parameters(partable: pd.DataFrame) -> list[tuple[str, str]]:
    """The ``:=`` definitions as (name, expression) pairs, in table order."""
    rows = partable[partable["op"] == ":="]
    return list(zip(rows["lhs"], rows["rhs"]))


def free_parameter_count(partable: pd.DataFrame) -> int:
    """Number of distinct free parameters (``max(free)``; equal ones count once)."""
    return int(partable["free"].max()) if len(partable) else 0


def _pnorm(x: float) -> float:
    return 0.5 * (1.0 + math.erf(x / math.sqrt(2.0)))


_FUNCTIONS = {
    "exp": np.exp,
    "log": lambda x, base=None: np.log(x) if base is None else np.log(x) / np.log(base),
    "log10": np.log10,
    "sqrt": np.sqrt,
    "abs": np.abs,
    "sin": np.sin,
    "cos": np.cos,
    "tan": np.tan,
    "tanh": np.tanh,
    "atan": np.arctan,
    "pnorm": _pnorm,
}
_ARITY = {"log": (1, 2)}


def _evaluate(expr: Expr, values: Mapping[str, float]) -> float:
    if isinstance(expr, Num):
        return np.float64(expr.value)
    if isinstance(expr, Var):
        if expr.name not in values:
            raise ModelSpecificationError(f"No value for {expr.name!r} when evaluating a defined parameter.")
        return np.float64(values[expr.name])
    if isinstance(expr, Unary):
        inner = _evaluate(expr.operand, values)
        return -inner if expr.op == "-" else inner
    if isinstance(expr, Binary):
        a, b = _evaluate(expr.left, values), _evaluate(expr.right, values)
        return {"+": np.add, "-": np.subtract, "*": np.multiply, "/": np.divide, "^": np.power}[expr.op](a, b)
    assert isinstance(expr, Call)
    lo, hi = _ARITY.get(expr.function, (1, 1))
    if not lo <= len(expr.args) <= hi:
        raise ModelSpecificationError(f"{expr.function}() takes {lo} argument(s), not {len(expr.args)}.")
    return np.float64(_FUNCTIONS[expr.function](*(_evaluate(a, values) for a in expr.args)))


def evaluate_expression(expr: str, values: Mapping[str, float]) -> float:
    """Evaluate a ``:=`` expression safely (no Python ``eval``).

    Parameters
    ----------
    expr : str
        Arithmetic of labels and numbers with ``+ - * / ^``, parentheses and
        the functions exp, log, log10, sqrt, abs, sin, cos, tan, tanh, atan,
        pnorm.
    values : mapping of str to float
        Value of every label (and earlier defined parameter) used.

    Returns
    -------
    float
        The value, with R's IEEE semantics (``1/0`` is ``inf``, ``log(-1)`` NaN).
    """
    with np.errstate(all="ignore"):
        return float(_evaluate(_cached_parse(expr), values))


# The core evaluates the same few expressions many times (e.g. for derivatives);
# parsed expressions are immutable, so they can be shared.
_cached_parse = lru_cache(maxsize=512)(parse_expression)
