"""Fitting the power study's model to thousands of data sets, through the engine's compiled path.

``SEM.fit`` runs EM for the saturated model and computes fit indices and a
standardized solution on every call.  A power replicate needs none of that: the
model is compiled once per process (:meth:`analysis.models.sem.SEM.compile`) and
each replicate only refits it (:meth:`analysis.models.sem.CompiledSEM.refit`:
the engine's pattern statistics, start values, Fisher scoring and
observed-information standard errors, so estimates match ``SEM.fit``), keeping
the estimates and SEs of the four lagged parameters.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from analysis.errors import ConvergenceError, WorkbenchError
from analysis.models.builders import PanelDesign, build_syntax, lag_paths
from analysis.models.panel_fit import panel_sem
from analysis.models.sem import CompiledSEM
from analysis.power.design import PARAMETERS, Cell, observed_names

#: The power study's names of the lagged paths (``cl_xy``: x -> y) and the builders' keys.
_PATH_KEYS = {"ar_x": "ar_x", "cl_yx": "y_to_x", "cl_xy": "x_to_y", "ar_y": "ar_y"}


@dataclass(frozen=True)
class PowerModel:
    """The power study's fitted model, compiled, with where its lagged parameters are.

    ``targets`` maps each reported parameter (``ar_x``, ``cl_yx``, ``cl_xy``, ``ar_y``) to
    the (0-based) free-parameter positions it averages over: one when lags are
    time-invariant, one per interval when they are free.
    """

    syntax: str
    compiled: CompiledSEM
    targets: dict[str, np.ndarray]

    @property
    def ov_names(self) -> tuple[str, ...]:
        return self.compiled.ov_names


@lru_cache(maxsize=32)
def compile_power_model(model: str, waves: int, lags: str) -> PowerModel:
    """The fitted model of a power study (columns ``x1..xT, y1..yT``), compiled once per process."""
    names = observed_names(waves)
    design = PanelDesign(x=names[:waves], y=names[waves:])
    syntax = build_syntax(model, design, lags=lags, innovations="free")
    compiled = panel_sem(syntax).compile(names)
    paths = lag_paths(model, design)
    targets = {p: np.array([compiled.free_index(lhs, "~", rhs) for lhs, rhs in paths[_PATH_KEYS[p]]])
               for p in PARAMETERS}
    return PowerModel(syntax=syntax, compiled=compiled, targets=targets)


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


def fit_sample(model: PowerModel, sample, *, start: np.ndarray | None = None, se: bool = True) -> FitOutcome:
    """Refit the compiled model to one data set's pattern statistics and keep the targets."""
    out = model.compiled.refit(sample, start=start, se=se)
    if out.theta is None:
        return FitOutcome(out.status, out.message, out.iterations, False, {}, {})
    est = {name: float(out.theta[idx].mean()) for name, idx in model.targets.items()}
    ses = {}
    if out.vcov is not None:
        for name, idx in model.targets.items():
            w = np.full(idx.size, 1.0 / idx.size)
            ses[name] = float(np.sqrt(max(w @ out.vcov[np.ix_(idx, idx)] @ w, 0.0)))
    return FitOutcome(out.status, out.message, out.iterations, out.improper, est, ses, out.theta)


def fit_arrays(model: PowerModel, y: np.ndarray, *, start: np.ndarray | None = None, se: bool = True) -> FitOutcome:
    """Fit the compiled model to an (n x p) array in ``model.ov_names`` order."""
    try:
        sample = model.compiled.sample(y)
    except WorkbenchError as exc:
        return FitOutcome("not_converged", str(exc), 0, False, {}, {})
    return fit_sample(model, sample, start=start, se=se)


@lru_cache(maxsize=256)
def population_fit(model: str, lags: str, cell: Cell) -> tuple[np.ndarray, dict[str, float]]:
    """The fitted model at the population moments: pseudo-true values and start vector.

    For a correctly specified model these are the population values; for a
    misspecified one (CLPM with stable differences, unreliable scores) they are
    what the estimates converge to as N grows.  Every replicate of the cell starts
    the optimiser here (as Mplus does with population values), which saves
    iterations and gives the same optimum.
    """
    power_model = compile_power_model(model, cell.waves, lags)
    names = observed_names(cell.waves)
    order = [names.index(v) for v in power_model.ov_names]
    cov = cell.population_cov()[np.ix_(order, order)]
    sample = power_model.compiled.sample_moments(np.zeros(len(order)), cov, cell.n)
    out = fit_sample(power_model, sample, se=False)
    if out.status != "ok":
        raise ConvergenceError(
            f"The {model.upper()} could not be fitted to the population moments of the design "
            f"(n {cell.n}, {cell.waves} waves, icc {cell.icc}): {out.message}.")
    return out.theta, out.est
