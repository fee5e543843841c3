"""From model syntax and data to frozen results: the estimation pipeline.

Steps: build the parameter table, prepare the data (groups, patterns), fit the
saturated model h1, fill exogenous-covariate moments (``fixed.x``), choose start
values (refined by a fit to the h1 moments, :mod:`.warm`), maximise the likelihood,
then standard errors, defined parameters, standardized solution and fit indices.  Every step is a pure function; this
module only wires them together.
"""

from __future__ import annotations

import time
import warnings
from typing import Literal

import numpy as np
import pandas as pd

from analysis.errors import ConvergenceError, UsageError
from analysis.models.sem.compiled import compile_model
from analysis.models.sem.data import check_variances, prepare_data
from analysis.models.sem.diagnose import stalled_message
from analysis.models.sem.fit_measures import fit_measures
from analysis.models.sem.fitted import Fitted
from analysis.models.sem.inference import Covariance
from analysis.models.sem.partable import syntax_summary, variable_names
from analysis.models.sem.results import SEMResults
from analysis.models.sem.saturated import Saturated, saturated
from analysis.models.sem.structure import implied
from analysis.models.sem.warm import admissible, start_from, warm_start

Missing = Literal["auto", "fiml", "listwise"]
Estimator = Literal["ml", "mlr"]
Defaults = Literal["lavaan", "sem"]


class SEMWarning(UserWarning):
    """A fitted model has a property the user should know about (e.g. a negative variance)."""


def _decide_missing(data: pd.DataFrame, ov: list[str], missing: Missing) -> Literal["fiml", "listwise"]:
    if missing == "auto":
        cols = [c for c in ov if c in data.columns]
        return "fiml" if data[cols].isna().to_numpy().any() else "listwise"
    if missing not in ("fiml", "listwise"):
        raise UsageError(f"missing must be 'auto', 'fiml' or 'listwise', not {missing!r}.")
    return missing


def estimate(
    model: str,
    data: pd.DataFrame,
    *,
    group: str | None = None,
    group_levels: list | None = None,
    defaults: Defaults = "sem",
    meanstructure: bool | None = None,
    fixed_x: bool = True,
    group_equal: tuple[str, ...] = (),
    missing: Missing = "auto",
    estimator: Estimator = "ml",
    se: Literal["standard", "none"] = "standard",
    weights: str | None = None,
    cluster: str | None = None,
    strata: str | None = None,
    start: SEMResults | None = None,
) -> SEMResults:
    """Fit ``model`` to ``data``; see :class:`analysis.models.sem.SEM` for the options."""
    t0 = time.perf_counter()
    design_notes = []
    if (weights or cluster or strata) and estimator != "mlr":
        # As lavaan: sampling weights or clusters make the standard errors robust (sandwich).
        estimator = "mlr"
        design_notes.append("With a survey design (weights or clusters) standard errors and the test are robust "
                            "(sandwich, Yuan-Bentler scaled), as lavaan and Mplus compute them.")
    if estimator not in ("ml", "mlr"):
        raise UsageError(f"estimator must be 'ml' or 'mlr', not {estimator!r}.")
    if defaults not in ("lavaan", "sem"):
        raise UsageError(f"defaults must be 'lavaan' or 'sem', not {defaults!r}.")
    if not isinstance(data, pd.DataFrame):
        raise UsageError("data must be a pandas DataFrame with one row per person.")
    if group is not None and group not in data.columns:
        raise UsageError(f"The data have no group column {group!r}.")
    if group is not None:
        levels = group_levels if group_levels is not None else sorted(data[group].dropna().unique().tolist(), key=str)
    else:
        levels = [None]
    ngroups = len(levels)
    observed = [c for c in data.columns if c not in (group, weights, cluster, strata)]

    # The syntax tells which observed variables the model uses (for missingness) and whether it
    # writes intercepts; the table itself is built once, by compile_model.
    ov0, user_intercepts = syntax_summary(model)
    miss = _decide_missing(data, ov0, missing)
    if meanstructure is None:
        meanstructure = (
            miss == "fiml"
            or defaults == "lavaan"
            or ngroups > 1  # as lavaan: a multigroup model has a mean structure
            or user_intercepts
            or any(g in ("intercepts", "means") for g in group_equal)
        )
    if not meanstructure and miss == "fiml":
        raise UsageError("FIML needs a mean structure; do not set meanstructure=False with missing data.")
    compiled = compile_model(model, observed=observed, group_labels=tuple(levels) if group else (),
                             defaults=defaults, meanstructure=meanstructure, fixed_x=fixed_x,
                             group_equal=tuple(group_equal))
    pt = compiled.partable
    ov = list(compiled.ov_names)
    ov_x = variable_names(pt, "ov.x") if fixed_x else []
    sample = prepare_data(data, ov, group=group, group_levels=levels if group else None, missing=miss,
                          complete_vars=tuple(v for v in ov_x if (pt["exo"] == 1).any()),
                          weights=weights, cluster=cluster, strata=strata)
    dropped_w = sum(g.n_dropped_weight for g in sample.groups)
    if dropped_w:
        design_notes.append(f"{dropped_w} rows with a zero or missing weight in {weights!r} are not used.")
    check_variances(sample)
    h1 = [saturated(g, len(ov)) for g in sample.groups]
    if compiled.needs_data_moments:
        compiled = compiled.with_structure_from(_fill_exogenous(pt, ov, h1))
        pt = compiled.partable
    theta0 = compiled.start(sample, moments=[(h.mean, h.cov) for h in h1])
    if start is not None and admissible(compiled, sample, given := start_from(compiled, start, theta0)):
        theta0 = given
    elif miss == "fiml":
        theta0 = warm_start(compiled, sample, h1, theta0)
    opt = compiled.maximise(sample, theta0)
    if not opt.converged and opt.stalled:
        message = stalled_message(compiled, sample, opt.theta, opt.iterations)
    elif not opt.converged:
        message = (
            f"The model did not converge in {opt.iterations} iterations. Try: (1) checking that every "
            "latent variable has a scale (a loading or variance fixed to 1); (2) giving start values "
            "with start(); (3) fewer free parameters (e.g. time-invariant lags); (4) rescaling variables "
            "whose variances differ by orders of magnitude."
        )
    if not opt.converged:
        design_notes.append(f"Not converged: {message} The estimates are those of the last iteration.")
    theta = opt.theta
    fitted = Fitted(problem=compiled.problem(sample), pt=pt, theta=theta, h1=h1, estimator=estimator, missing=miss,
                    compute_se=se == "standard")
    try:
        results = _results(fitted, compiled, sample, opt, levels, design_notes, model=model, group=group,
                           defaults=defaults, estimator=estimator, miss=miss, meanstructure=meanstructure,
                           fixed_x=fixed_x, group_equal=group_equal, se=se, t0=t0, warn=opt.converged)
    except Exception:
        if opt.converged:
            raise
        results = None  # the last iterate could not even be tabulated
    if not opt.converged:
        raise ConvergenceError(message, results=results)
    return results


def _results(fitted: Fitted, compiled, sample, opt, levels, design_notes, *, model, group, defaults, estimator, miss,
             meanstructure, fixed_x, group_equal, se, t0, warn: bool) -> SEMResults:
    """Standard errors, diagnostics, fit measures and tables of a fit (converged or at its last iterate)."""
    pt = compiled.partable
    theta, h1 = fitted.theta, fitted.h1
    cov = fitted.cov
    diagnostics = _diagnostics(pt, theta, cov, levels, compiled.structure)
    for msg in diagnostics if warn else ():
        warnings.warn(msg, SEMWarning, stacklevel=4)
    messages = design_notes + diagnostics  # notes on the design are said in the results, not warned
    fit = fit_measures(fitted)
    table = fitted.parameter_table(cov, levels)
    names = list(compiled.free_names)
    structure = compiled.structure
    elapsed = time.perf_counter() - t0
    return SEMResults(
        model=model,
        options={"defaults": defaults, "estimator": estimator, "missing": miss, "meanstructure": bool(meanstructure),
                 "fixed_x": bool(fixed_x), "group": group, "group_equal": list(group_equal),
                 "se": "none" if se == "none" else
                 {"ml": "expected" if miss == "listwise" else "observed", "mlr": "robust.huber.white"}[estimator]},
        parameters=table,
        fit=fit,
        converged=opt.converged,
        iterations=opt.iterations,
        fit_seconds=elapsed,
        nobs={(g.label if g.label is not None else "all"): g.nobs for g in sample.groups},
        group_labels=tuple(str(l) for l in levels) if group else (),
        vcov=pd.DataFrame(cov.vcov, index=names, columns=names),
        implied={(g.label or "all"): {"cov": implied(theta, gs).sigma, "mean": implied(theta, gs).mu}
                 for gs, g in zip(structure.groups, sample.groups)},
        sample={(g.label or "all"): {"cov": s.cov, "mean": s.mean} for g, s in zip(sample.groups, h1)},
        warnings=tuple(messages),
        rows_dropped={(g.label or "all"): g.n_dropped_empty + g.n_dropped_listwise + g.n_dropped_weight
                      for g in sample.groups},
        design=None if sample.design is None else sample.design.to_dict(),
        _internal=fitted,
        _compiled=compiled,
    )


def _fill_exogenous(pt: pd.DataFrame, ov: list[str], h1: list[Saturated]) -> pd.DataFrame:
    """Fix the moments of exogenous covariates at their sample (h1) values, as lavaan's fixed.x."""
    pt = pt.copy()
    idx = {v: i for i, v in enumerate(ov)}
    mask = (pt["exo"] == 1) & (pt["free"] == 0)
    for r in pt.index[mask]:
        g = int(pt.at[r, "group"]) - 1
        lhs, op, rhs = pt.at[r, "lhs"], pt.at[r, "op"], pt.at[r, "rhs"]
        if op == "~~":
            pt.at[r, "ustart"] = h1[g].cov[idx[lhs], idx[rhs]]
        elif op == "~1":
            pt.at[r, "ustart"] = h1[g].mean[idx[lhs]]
    return pt


def _diagnostics(pt: pd.DataFrame, theta: np.ndarray, cov: Covariance, levels: list, structure) -> list[str]:
    out = []
    var_rows = pt[(pt["op"] == "~~") & (pt["lhs"] == pt["rhs"]) & (pt["free"] > 0)]
    for r in var_rows.itertuples(index=False):
        if theta[r.free - 1] < 0:
            where = f" in group {levels[r.group - 1]!r}" if len(levels) > 1 else ""
            out.append(f"The estimated variance of {r.lhs}{where} is negative ({theta[r.free - 1]:.4g}): "
                       "the model may be misspecified or the sample too small for it.")
    for gs, level in zip(structure.groups, levels):
        # As lavaan: the (model-implied) covariance matrix of the latent variables must be positive definite.
        lv = implied(theta, gs).C[gs.p:, gs.p:]
        if lv.size and np.linalg.eigvalsh(lv)[0] < 0:
            where = f" in group {level!r}" if len(levels) > 1 else ""
            out.append(f"The covariance matrix of the latent variables{where} is not positive definite (smallest "
                       f"eigenvalue {np.linalg.eigvalsh(lv)[0]:.4g}): a correlation beyond ±1 or a negative "
                       "variance; the model may be misspecified or the sample too small for it.")
    if not cov.identified:
        out.append("The information matrix is singular: the model is probably not identified, so standard "
                   "errors cannot be computed. Fix a loading or variance per latent variable, or add constraints.")
    return out
