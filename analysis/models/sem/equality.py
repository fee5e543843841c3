"""Equality constraints: shared labels, ``group_equal`` and ``a == b``.

One deliberate difference from lavaan: parameters constrained to be equal
are given *the same* ``free`` index instead of separate indices tied by
constraint rows, so the number of free parameters is ``max(free)``;
``label == number`` fixes the rows.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from analysis.errors import ModelSpecificationError
from analysis.models.sem.expressions import Num, Unary, Var, parse_expression
from analysis.models.sem.syntax import Constraint
from analysis.models.sem.variables import names_of_kind

# Parameter kinds that lavaan's ``group.equal`` can hold equal across groups.
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


def equality_labels(df: pd.DataFrame, group_equal: Sequence[str], ngroups: int) -> list[str]:
    """lavaan's internal labels: rows sharing one are constrained equal (``lav_partable_labels``)."""
    label = (df["lhs"] + df["op"] + df["rhs"]).to_numpy(dtype=object)
    later = df["group"].to_numpy() > 1
    label[later] = [f"{x}.g{g}" for x, g in zip(label[later], df["group"].to_numpy()[later])]
    if ngroups > 1 and group_equal:
        cols = (df["lhs"], df["op"], df["rhs"], df["user"], df["exo"])
        g1 = (df["group"] == 1).to_numpy()
        sub = [c[g1] for c in cols]
        ov_nox, lv = names_of_kind(*sub, "ov.nox"), names_of_kind(*sub, "lv")
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


def resolve_equalities(df: pd.DataFrame, labels: list[str], constraints: Sequence[Constraint]) -> pd.DataFrame:
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
