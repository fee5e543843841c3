"""Start values for FIML from the model fitted to the saturated (EM) moments.

With incomplete data each likelihood evaluation visits every missing-data pattern
(thousands in a long survey panel), but the saturated model's EM means and covariances
are already computed for the fit indices.  Fitted to those moments as if they were
complete data (one "pattern" per group, microseconds per evaluation), the model lands
close to its FIML estimates; FIML then needs a few steps instead of ten to twenty (on the
40,000-person, 14-wave synthetic cohort the CLPM took 19 FIML iterations from the
simple start values and 5 from these).  The FIML optimum does not depend on the start:
it is the same model and likelihood, only reached sooner.

:func:`start_from` takes the start from another fit of a related model instead (a model with
more or fewer constraints, e.g. the free model for the restricted ones of a group comparison):
each parameter starts at that fit's estimate of the same ``lhs op rhs`` in the same group
(the average where one parameter now stands for several).
"""

from __future__ import annotations

import numpy as np

from analysis.errors import WorkbenchError
from analysis.models.sem.data import GroupData, Pattern, SampleData
from analysis.models.sem.objectives import NotPositiveDefinite
from analysis.models.sem.optimize import _safe_objective, fisher_scoring
from analysis.models.sem.saturated import Saturated

MAX_ITER = 200


def moments_sample(sample: SampleData, h1: list[Saturated]) -> SampleData:
    """Each group of ``sample`` as one complete pattern with its saturated means and covariances."""
    p = len(sample.ov_names)
    groups = tuple(
        GroupData(label=g.label, nobs=g.nobs, n_dropped_empty=0, n_dropped_listwise=0,
                  patterns=(Pattern(observed=np.arange(p), n=g.size, mean=h.mean, cov=h.cov,
                                    rows=np.empty((0, p))),))
        for g, h in zip(sample.groups, h1))
    return SampleData(ov_names=sample.ov_names, groups=groups, group_var=sample.group_var, missing="fiml")


def warm_start(compiled, sample: SampleData, h1: list[Saturated], theta0: np.ndarray) -> np.ndarray:
    """``theta0`` improved by fitting the model to the saturated moments, when that helps.

    Used only for incomplete data (complete data are one pattern already).  Kept only when
    the moment fit converges to a point whose FIML objective is finite and no worse than
    at ``theta0``; otherwise ``theta0`` is returned unchanged.
    """
    if all(len(g.patterns) == 1 for g in sample.groups):
        return theta0
    try:
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            opt = fisher_scoring(theta0, compiled.problem(moments_sample(sample, h1)), max_iter=MAX_ITER)
    except (WorkbenchError, NotPositiveDefinite, np.linalg.LinAlgError, FloatingPointError):
        return theta0
    if not opt.converged or not np.all(np.isfinite(opt.theta)):
        return theta0
    problem = compiled.problem(sample)
    f_warm, g_warm = _safe_objective(opt.theta, problem)
    if g_warm is None:
        return theta0
    f_start, _ = _safe_objective(theta0, problem)
    return opt.theta if f_warm <= f_start else theta0


def start_from(compiled, previous, theta0: np.ndarray) -> np.ndarray:
    """``theta0`` with every parameter that ``previous`` (an ``SEMResults``) estimated set to that estimate."""
    multi = bool(compiled.group_labels)
    est = {}
    for lhs, op, rhs, group, value in zip(previous.parameters["lhs"], previous.parameters["op"],
                                          previous.parameters["rhs"], previous.parameters["group"],
                                          previous.parameters["est"]):
        est[(lhs, op, rhs, str(group) if multi else "")] = value
    pt = compiled.partable
    sums, counts = np.zeros(theta0.size), np.zeros(theta0.size)
    for lhs, op, rhs, group, free in zip(pt["lhs"], pt["op"], pt["rhs"], pt["group"], pt["free"]):
        if free <= 0:
            continue
        value = est.get((lhs, op, rhs, compiled.group_labels[group - 1] if multi else ""))
        if value is not None and np.isfinite(value):
            sums[free - 1] += value
            counts[free - 1] += 1
    theta = theta0.copy()
    known = counts > 0
    theta[known] = sums[known] / counts[known]
    return theta


def admissible(compiled, sample: SampleData, theta: np.ndarray) -> bool:
    """True when the likelihood can be evaluated at ``theta`` (implied covariances positive definite)."""
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        return _safe_objective(theta, compiled.problem(sample))[1] is not None
