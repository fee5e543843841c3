"""lavaan parameter tables (the equivalent of ``lavaanify``/``lavParTable``).

:func:`build_partable` turns model syntax into lavaan's parameter table:
it parses the syntax (:mod:`~analysis.models.sem.syntax`), adds the default
parameters exactly as ``lav_partable_flat`` does for ``lavaan()``
(``defaults="lavaan"``) or ``sem()``/``cfa()`` (``defaults="sem"``; see
:mod:`~analysis.models.sem.defaults`), applies the modifiers, and resolves
equality constraints by giving equal rows one ``free`` index (see
:mod:`~analysis.models.sem.equality`).

Row order is lavaan's: per group, the user rows in syntax order, then
default rows (variances, latent covariances, covariances among endogenous
variables, exogenous covariate (co)variances, intercepts); then ``:=`` and
``==`` rows.
"""

from __future__ import annotations

import difflib
import warnings
from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd

from analysis.errors import ModelSpecificationError, UsageError
from analysis.models.sem.defaults import options, reorder_covariances, single_group, stack_groups
from analysis.models.sem.equality import GROUP_EQUAL, equality_labels, resolve_equalities
from analysis.models.sem.expressions import expression_names, parse_expression
from analysis.models.sem.syntax import Constraint, Definition, Element, parse_model
from analysis.models.sem.variables import VariableKind, flat_columns, names_of_kind

COLUMNS = ("id", "lhs", "op", "rhs", "user", "block", "group", "free", "ustart", "exo", "label", "plabel")


def _check_observed(elements: Sequence[Element], observed: Sequence[str]) -> None:
    latent = set(names_of_kind(*flat_columns(elements), "lv"))
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


def _apply_modifiers(df: pd.DataFrame, elements: Sequence[Element], ngroups: int) -> pd.DataFrame:
    """Apply fixed values, start values and labels (``lavaanify``'s modifier step).

    The columns are filled as arrays and assigned once (a ``df.loc`` write per element cost
    0.1-0.2 s for a 14-wave RI-CLPM, built twice per fit)."""
    element = df["element"].to_numpy()
    order = np.argsort(element, kind="stable")  # rows of each element, in table order
    bounds = np.searchsorted(element[order], np.arange(len(elements) + 1))
    free = df["free"].to_numpy().copy()
    ustart = df["ustart"].to_numpy(dtype=float).copy()
    label = np.full(len(df), "", dtype=object)
    touched = {"free": False, "ustart": False}
    for k, el in enumerate(elements):
        rows = order[bounds[k]:bounds[k + 1]]
        mods = el.modifiers
        for name, values in (("fixed", mods.fixed), ("start", mods.start), ("label", mods.label)):
            if values is not None and len(values) not in (1, ngroups):
                raise ModelSpecificationError(
                    f"The c(...) {name} modifier of '{el.lhs} {el.op} {el.rhs}' (line {el.line}) has "
                    f"{len(values)} elements, but the model has {ngroups} group(s); give one per group."
                )
        per_group = lambda values: list(values) * ngroups if len(values) == 1 else list(values)  # noqa: E731
        if mods.fixed is not None:
            fixed = np.array(per_group(mods.fixed), dtype=float)
            free[rows] = np.where(np.isnan(fixed), 1, 0)
            ustart[rows] = fixed
            touched["free"] = touched["ustart"] = True
        if mods.start is not None:
            ustart[rows] = np.asarray(per_group(mods.start), dtype=float)
            touched["ustart"] = True
        if mods.label is not None:
            label[rows] = per_group(mods.label)
    if touched["free"]:
        df["free"] = free
    if touched["ustart"]:
        df["ustart"] = ustart
    df["label"] = label.astype(str) if len(df) else label
    return df.drop(columns="element")


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
    elements = reorder_covariances(list(parsed.elements))
    if observed is not None:
        _check_observed(elements, observed)
    opt = options(defaults, meanstructure or any(e.op == "~1" for e in elements), fixed_x)
    demoted = names_of_kind(*flat_columns(elements), "demoted.x")
    if fixed_x and demoted:
        warnings.warn(
            f"The model gives the exogenous covariate(s) {', '.join(demoted)} a variance, covariance or intercept, "
            "so they are treated as random with free parameters (as lavaan does); remove those formulas to keep "
            "them fixed, or use fixed_x=False.",
            stacklevel=2,
        )
    df = stack_groups(single_group(elements, opt), ngroups, opt, group_equal)
    df = _apply_modifiers(df, elements, ngroups)
    df["plabel"] = [f".p{i}." for i in range(1, len(df) + 1)]
    df = resolve_equalities(df, equality_labels(df, group_equal, ngroups), parsed.constraints)
    df["block"] = df["group"]
    df = pd.concat([df, pd.DataFrame(_extra_rows(parsed.extras, df))], ignore_index=True)
    df["id"] = np.arange(1, len(df) + 1)
    types = dict(id=int, user=int, block=int, group=int, free=int, ustart=float, exo=int)
    return df[list(COLUMNS)].astype(types).reset_index(drop=True)


def syntax_summary(model: str) -> tuple[list[str], bool]:
    """From the syntax alone: the observed and latent names it writes (lavaan's order) and
    whether it has intercepts (``~ 1``); what a fit needs to know before building the table."""
    elements = reorder_covariances(list(parse_model(model).elements))
    return names_of_kind(*flat_columns(elements), "ov"), any(e.op == "~1" for e in elements)


# ------------------------------------------------------------ table queries
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
    return names_of_kind(rows["lhs"], rows["op"], rows["rhs"], rows["user"], rows["exo"], kind)


def defined_parameters(partable: pd.DataFrame) -> list[tuple[str, str]]:
    """The ``:=`` definitions as (name, expression) pairs, in table order."""
    rows = partable[partable["op"] == ":="]
    return list(zip(rows["lhs"], rows["rhs"]))


def free_parameter_count(partable: pd.DataFrame) -> int:
    """Number of distinct free parameters (``max(free)``; equal ones count once)."""
    return int(partable["free"].max()) if len(partable) else 0
