"""Fitting one model to thousands of data sets: compile once, then only optimise.

``SEM.fit`` parses the syntax, builds the parameter table, runs EM for the
saturated model and computes fit indices and a standardized solution on every
call.  A power study or a bootstrap needs none of that per data set: the model
(and so its RAM structure) is the same each time and only the estimates and
standard errors of a few parameters are used.  :func:`compile_model` does the
per-model work once; :func:`fit_arrays` then summarises the data by
missing-data pattern, maximises the likelihood with the engine's Fisher
scoring (the engine's objective and convergence rule, so estimates match
``SEM.fit``) and, when asked, computes observed-information standard errors
as ``SEM.fit`` does for FIML (see :mod:`analysis.models.sem.hessian`).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from analysis.errors import ConvergenceError, ModelSpecificationError, WorkbenchError
from analysis.models.builders import PanelDesign, build_syntax
from analysis.models.sem.data import GroupData, Pattern, SampleData, check_variances
from analysis.models.sem.inference import invert_information
from analysis.models.sem.objectives import NotPositiveDefinite, Problem
from analysis.models.sem.optimize import fisher_scoring
from analysis.models.sem.partable import build_partable, variable_names
from analysis.models.sem.start import start_values
from analysis.models.sem.structure import ModelStructure, build_structure
from analysis.power.design import PARAMETERS, Cell, observed_names
from analysis.models.sem.hessian import numerical_hessian


@dataclass(frozen=True)
class CompiledModel:
    """A model ready to be fitted to many data sets with the same columns.

    ``targets`` maps each reported parameter to the (0-based) free-parameter
    indices it averages over: one index when lags are time-invariant, one per
    interval when they are free.
    """

    syntax: str
    ov_names: tuple[str, ...]
    structure: ModelStructure
    targets: dict[str, np.ndarray]
    variances: np.ndarray
    group_levels: tuple[str, ...] = ()

    @property
    def npar(self) -> int:
        return self.structure.npar


def compile_syntax(syntax: str, *, ngroups: int = 1, observed: tuple[str, ...],
                   targets: dict[str, list[tuple[str, str, int]]],
                   group_levels: tuple[str, ...] = ()) -> CompiledModel:
    """Compile lavaan syntax (fitted as ``SEM(syntax, defaults="lavaan", fixed_x=False)``).

    ``targets`` maps a name to ``(lhs, rhs, group)`` regression rows (group 1-based)
    whose free parameters it averages.
    """
    pt = build_partable(syntax, ngroups=ngroups, defaults="lavaan", meanstructure=True, fixed_x=False,
                        group_equal=(), observed=list(observed))
    if bool(((pt["exo"] == 1) & (pt["free"] == 0)).any()):
        # Such rows take their values from each data set; not the case for the panel builders.
        raise ModelSpecificationError("Models with fixed exogenous covariates cannot be compiled for repeated fits.")
    ov = variable_names(pt, "ov")
    structure = build_structure(pt, ov, variable_names(pt, "lv"))
    free = pt["free"].to_numpy()
    index = {}
    for name, rows in targets.items():
        idx = []
        for lhs, rhs, group in rows:
            hit = np.flatnonzero(((pt["lhs"] == lhs) & (pt["op"] == "~") & (pt["rhs"] == rhs)
                                  & (pt["group"] == group)).to_numpy())
            if hit.size == 0 or free[hit[0]] == 0:
                raise ModelSpecificationError(f"The model has no free regression '{lhs} ~ {rhs}'.")
            idx.append(int(free[hit[0]]) - 1)
        index[name] = np.array(idx, dtype=int)
    var_rows = (pt["op"] == "~~") & (pt["lhs"] == pt["rhs"]) & (pt["free"] > 0)
    variances = np.unique(pt.loc[var_rows, "free"].to_numpy(dtype=int) - 1)
    return CompiledModel(syntax=syntax, ov_names=tuple(ov), structure=structure, targets=index,
                         variances=variances, group_levels=tuple(group_levels))


def lag_targets(model: str, waves: int, *, group: int = 1, x: tuple[str, ...] | None = None,
                y: tuple[str, ...] | None = None) -> dict[str, list[tuple[str, str, int]]]:
    """Regression rows of the four lagged parameters as the builders write them."""
    if model == "riclpm":
        xs = [f"wx{t}" for t in range(1, waves + 1)]
        ys = [f"wy{t}" for t in range(1, waves + 1)]
    else:
        xs = list(x) if x is not None else [f"x{t}" for t in range(1, waves + 1)]
        ys = list(y) if y is not None else [f"y{t}" for t in range(1, waves + 1)]
    out: dict[str, list[tuple[str, str, int]]] = {p: [] for p in PARAMETERS}
    for t in range(1, waves):
        out["ar_x"].append((xs[t], xs[t - 1], group))
        out["cl_yx"].append((xs[t], ys[t - 1], group))
        out["cl_xy"].append((ys[t], xs[t - 1], group))
        out["ar_y"].append((ys[t], ys[t - 1], group))
    return out


@lru_cache(maxsize=32)
def compile_power_model(model: str, waves: int, lags: str) -> CompiledModel:
    """The fitted model of a power study (columns ``x1..xT, y1..yT``), compiled once per process."""
    names = observed_names(waves)
    design = PanelDesign(x=names[:waves], y=names[waves:])
    syntax = build_syntax(model, design, lags=lags, innovations="free")
    return compile_syntax(syntax, observed=names, targets=lag_targets(model, waves))


# ---- data -------------------------------------------------------------------------
def _patterns(y: np.ndarray) -> tuple[Pattern, ...]:
    """Rows grouped by missing-data pattern, ordered as the engine orders them."""
    obs = ~np.isnan(y)
    # An integer code per row is much faster to group than np.unique over boolean rows.
    codes = obs @ (1 << np.arange(y.shape[1], dtype=np.int64))
    keys, inverse = np.unique(codes, return_inverse=True)
    out = []
    for k, key in enumerate(keys):
        if key == 0:
            continue
        rows_k = y[inverse == k]
        idx = np.flatnonzero(obs[np.flatnonzero(inverse == k)[0]])
        rows = rows_k[:, idx]
        n = rows.shape[0]
        mean = rows.mean(axis=0)
        centred = rows - mean
        out.append(Pattern(observed=idx, n=n, mean=mean, cov=centred.T @ centred / n, rows=rows))
    out.sort(key=lambda p: (-p.observed.size, -p.n, tuple(p.observed)))
    return tuple(out)


def sample_data(y: np.ndarray, ov_names: tuple[str, ...], *, groups: np.ndarray | None = None,
                levels: tuple[str, ...] = ()) -> SampleData:
    """Pattern statistics of an (n x p) array in the model's column order (FIML).

    Rows with nothing observed are dropped (and counted), as ``SEM.fit`` does.
    ``groups`` holds each row's group label for a multigroup model.
    """
    blocks = [y] if groups is None else [y[groups == lv] for lv in levels]
    out = []
    for lv, block in zip(levels or (None,), blocks):
        keep = ~np.isnan(block).all(axis=1)
        pats = _patterns(block[keep])
        if not pats:
            raise ConvergenceError("A data set has no rows with observed values.")
        out.append(GroupData(label=lv, patterns=pats, nobs=int(keep.sum()), n_dropped_empty=int((~keep).sum()),
                             n_dropped_listwise=0,
                             complete=len(pats) == 1 and pats[0].observed.size == len(ov_names)))
    sample = SampleData(ov_names=tuple(ov_names), groups=tuple(out), group_var=None if groups is None else "group",
                        missing="fiml")
    check_variances(sample)
    return sample


def moments_data(mean: np.ndarray, cov: np.ndarray, ov_names: tuple[str, ...], n: int) -> SampleData:
    """A one-pattern 'data set' with given moments (for fitting a model to a population)."""
    p = len(ov_names)
    pat = Pattern(observed=np.arange(p), n=int(n), mean=np.asarray(mean, float), cov=np.asarray(cov, float),
                  rows=np.empty((0, p)))
    group = GroupData(label=None, patterns=(pat,), nobs=int(n), n_dropped_empty=0, n_dropped_listwise=0)
    return SampleData(ov_names=tuple(ov_names), groups=(group,), group_var=None, missing="fiml")


# ---- fitting ------------------------------------------------------------------------
@dataclass(frozen=True)
class FitOutcome:
    """Estimates (and SEs) of the target parameters of one fit, or why there are none."""

    status: str  # "ok", "not_converged", "no_se"
    message: str
    iterations: int
    improper: bool
    est: dict[str, float]
    se: dict[str, float]
    theta: np.ndarray | None = None


def default_start(compiled: CompiledModel, sample: SampleData) -> np.ndarray:
    """The engine's start values from available-case means and variances (no EM needed)."""
    means, covs = [], []
    for g in sample.groups:
        p = len(compiled.ov_names)
        s1, s2, cnt = np.zeros(p), np.zeros(p), np.zeros(p)
        for pat in g.patterns:
            s1[pat.observed] += pat.n * pat.mean
            s2[pat.observed] += pat.n * (np.diag(pat.cov) + pat.mean ** 2)
            cnt[pat.observed] += pat.n
        m = s1 / np.maximum(cnt, 1)
        means.append(m)
        covs.append(np.diag(np.maximum(s2 / np.maximum(cnt, 1) - m ** 2, 1e-8)))
    return start_values(compiled.structure, means, covs, np.full(compiled.npar, np.nan))


def fit_sample(compiled: CompiledModel, sample: SampleData, *, start: np.ndarray | None = None,
               se: bool = True) -> FitOutcome:
    """Maximise the likelihood and extract the target parameters.

    Never raises for a property of the data set: a fit that fails is returned with
    its status, so a simulation can count it.
    """
    problem = Problem(structure=compiled.structure, data=sample, meanstructure=True)
    theta0 = default_start(compiled, sample) if start is None else np.asarray(start, float)
    try:
        # A hard data set may overflow on the way; the outcome (status) says whether the fit failed.
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            opt = fisher_scoring(theta0, problem)
    except (WorkbenchError, NotPositiveDefinite, np.linalg.LinAlgError, FloatingPointError) as exc:
        return FitOutcome("not_converged", str(exc) or type(exc).__name__, 0, False, {}, {})
    if not opt.converged:
        return FitOutcome("not_converged", f"no convergence in {opt.iterations} iterations", opt.iterations,
                          False, {}, {})
    theta = opt.theta
    improper = bool((theta[compiled.variances] < 0).any())
    est = {name: float(theta[idx].mean()) for name, idx in compiled.targets.items()}
    if not se:
        return FitOutcome("ok", "", opt.iterations, improper, est, {}, theta)
    try:
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            cov = invert_information(numerical_hessian(theta, problem))
    except (NotPositiveDefinite, np.linalg.LinAlgError):
        return FitOutcome("no_se", "the information matrix could not be computed at the estimates",
                          opt.iterations, improper, est, {}, theta)
    if not cov.identified:
        return FitOutcome("no_se", "the information matrix is singular (not identified)", opt.iterations,
                          improper, est, {}, theta)
    ses = {}
    for name, idx in compiled.targets.items():
        w = np.full(idx.size, 1.0 / idx.size)
        ses[name] = float(np.sqrt(max(w @ cov.vcov[np.ix_(idx, idx)] @ w, 0.0)))
    return FitOutcome("ok", "", opt.iterations, improper, est, ses, theta)


def fit_arrays(compiled: CompiledModel, y: np.ndarray, *, start: np.ndarray | None = None,
               se: bool = True) -> FitOutcome:
    """Fit a compiled single-group model to an (n x p) array in ``compiled.ov_names`` order."""
    try:
        sample = sample_data(y, compiled.ov_names)
    except WorkbenchError as exc:
        return FitOutcome("not_converged", str(exc), 0, False, {}, {})
    return fit_sample(compiled, sample, start=start, se=se)


@lru_cache(maxsize=256)
def population_fit(model: str, lags: str, cell: Cell) -> tuple[np.ndarray, dict[str, float]]:
    """The fitted model at the population moments: pseudo-true values and start vector.

    For a correctly specified model these are the population values; for a
    misspecified one (CLPM with stable differences, unreliable scores) they are
    what the estimates converge to as N grows.  Every replicate of the cell starts
    the optimiser here (as Mplus does with population values), which saves
    iterations and gives the same optimum.
    """
    compiled = compile_power_model(model, cell.waves, lags)
    names = observed_names(cell.waves)
    order = [names.index(v) for v in compiled.ov_names]
    cov = cell.population_cov()[np.ix_(order, order)]
    sample = moments_data(np.zeros(len(order)), cov, compiled.ov_names, cell.n)
    out = fit_sample(compiled, sample, se=False)
    if out.status != "ok":
        raise ConvergenceError(
            f"The {model.upper()} could not be fitted to the population moments of the design "
            f"(n {cell.n}, {cell.waves} waves, icc {cell.icc}): {out.message}.")
    return out.theta, out.est
