"""lavaan's kinds of variables (the equivalent of ``lav_partable_vnames``).

Which names are latent, observed, exogenous covariates or pure endogenous
follows from the operators they appear with; these rules decide the default
parameters, the group equality kinds and the fixed-x rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Literal

from analysis.errors import UsageError
from analysis.models.sem.syntax import Element

VariableKind = Literal["ov", "lv", "ov.x", "ov.y", "lv.x", "lv.y", "ov.nox"]


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


def names_of_kind(lhs, op, rhs, user, exo, kind: str) -> list[str]:
    """Variable names of one block, in lavaan's order (``lav_partable_vnames``).

    Parameters
    ----------
    lhs, op, rhs, user, exo : sequence
        The columns of one block of a parameter table (or of the flat elements,
        see :func:`flat_columns`).
    kind : str
        One of the :data:`VariableKind` values, or ``"demoted.x"``: exogenous
        covariates that the user gave a variance, covariance or intercept.

    Returns
    -------
    list of str
    """
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


def flat_columns(elements: Sequence[Element]):
    """The user's elements as the columns :func:`names_of_kind` reads (all user rows, none exogenous)."""
    n = len(elements)
    return [e.lhs for e in elements], [e.op for e in elements], [e.rhs for e in elements], [1] * n, [0] * n
