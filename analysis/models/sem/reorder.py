"""One data summary for models that list the same observed variables in different orders.

A model's observed variables come in lavaan's order, which follows the syntax: crosslag's
RI-CLPM lists every wave of ``x`` first, its CLPM and DPM alternate ``x`` and ``y`` by wave.
Everything that depends only on the data (the missing-data patterns and their moments, the
saturated model's EM estimates, the saturated pieces of the scaled tests) is the same up to
the order of the variables, so it is computed once, in the order of the sorted names
(:func:`canonical_order`), and reordered for each model.  A reordered summary remembers where
it came from (:func:`origin`), so the caches downstream (:mod:`.saturated`, :mod:`.robust`)
look up the canonical summary instead of redoing the work for each order.

Reordering is exact: the same rows, means and covariances with their variables permuted,
and the patterns in the order :func:`.data.patterns` gives them.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # pragma: no cover
    from analysis.models.sem.data import GroupData, SampleData
    from analysis.models.sem.objectives import Problem

_ORIGIN = "_origin"


def canonical_order(ov_names) -> tuple[str, ...]:
    """The order the shared summaries are computed in: the names sorted."""
    return tuple(sorted(ov_names))


def origin(obj) -> tuple | None:
    """``(canonical summary, perm)`` of a reordered :class:`SampleData` or :class:`GroupData`
    (``perm[i]``: the canonical position of the model's variable ``i``), or None."""
    return obj.__dict__.get(_ORIGIN)


def reordered(sample: SampleData, ov_names) -> SampleData:
    """``sample`` (in canonical order) with its variables in ``ov_names`` order."""
    from analysis.models.sem.data import Pattern

    ov_names = tuple(ov_names)
    pos = {v: i for i, v in enumerate(sample.ov_names)}
    perm = np.array([pos[v] for v in ov_names], dtype=int)
    inv = np.empty_like(perm)
    inv[perm] = np.arange(perm.size)
    groups = []
    for gd in sample.groups:
        pats = []
        for pat in gd.patterns:
            target = inv[pat.observed]
            order = np.argsort(target, kind="stable")
            pats.append(Pattern(observed=target[order], n=pat.n, mean=pat.mean[order],
                                cov=pat.cov[np.ix_(order, order)], rows=pat.rows[:, order], weights=pat.weights,
                                clusters=pat.clusters, strata=pat.strata))
        # The order .data.patterns gives: largest patterns first, then by size and columns.
        pats.sort(key=lambda p: (-p.observed.size, -p.rows.shape[0], p.observed.tolist()))
        new = replace(gd, patterns=tuple(pats))
        new.__dict__[_ORIGIN] = (gd, perm)
        groups.append(new)
    out = replace(sample, ov_names=ov_names, groups=tuple(groups))
    out.__dict__[_ORIGIN] = (sample, perm)
    return out


def relabel_saturated(sat: Problem, perm: np.ndarray, ov_names) -> Problem:
    """The canonical saturated model's parameters, in their order, addressed in the model's variable order.

    Parameter ``k`` stays the same moment (a mean or a covariance of two named variables);
    only the rows and columns it sits at follow the model's order, so a model's moment
    Jacobian (:func:`.robust_indices.moment_jacobian`) comes out in the canonical parameter
    order of the saturated pieces computed once per data set.
    """
    from analysis.models.sem.objectives import Problem
    from analysis.models.sem.structure import MAT_M, ModelStructure

    inv = np.empty_like(perm)
    inv[perm] = np.arange(perm.size)
    groups = []
    for ss in sat.structure.groups:
        groups.append(replace(
            ss, ov_names=tuple(ov_names), free_row=inv[ss.free_row],
            free_col=np.where(ss.free_mat == MAT_M, 0, inv[ss.free_col]),
            S0=ss.S0[np.ix_(perm, perm)], m0=ss.m0[perm]))
    structure = ModelStructure(groups=tuple(groups), npar=sat.structure.npar)
    return Problem(structure=structure, data=sat.data, meanstructure=sat.meanstructure)

