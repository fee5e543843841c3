"""A model compiled once and fitted to many data sets: the engine's one fitting path.

Compiling parses the syntax, builds lavaan's parameter table and the RAM
structure.  Every fit then goes through :meth:`CompiledSEM.maximise` (start
values, Fisher scoring with the engine's convergence rule) and, for standard
errors, the same information matrices as a full fit.  ``SEM.fit`` uses this
path and adds the saturated model, fit indices and the parameter table; a power
replicate or a bootstrap replicate uses :meth:`CompiledSEM.refit`, which skips
what it does not need, so both give the same estimates for the same data.

>>> compiled = SEM(syntax, defaults="lavaan").compile(columns)   # doctest: +SKIP
>>> out = compiled.refit(compiled.sample(y))                      # doctest: +SKIP
>>> out.theta[compiled.free_index("y2", "~", "x1")]               # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Literal

import numpy as np
import pandas as pd

from analysis.errors import ModelSpecificationError, UsageError, WorkbenchError
from analysis.models.sem.data import SampleData, sample_from_arrays, sample_from_moments
from analysis.models.sem.fitted import Fitted
from analysis.models.sem.objectives import NotPositiveDefinite, Problem
from analysis.models.sem.optimize import OptimResult, fisher_scoring
from analysis.models.sem.partable import build_partable, variable_names
from analysis.models.sem.start import start_values
from analysis.models.sem.structure import ModelStructure, build_structure

Estimator = Literal["ml", "mlr"]


@dataclass(frozen=True)
class Refit:
    """The outcome of one quick fit: estimates (and their covariance), or why there are none.

    ``status`` is ``"ok"``, ``"not_converged"`` (no estimates) or ``"no_se"`` (estimates
    but no standard errors: the information matrix is singular or not computable).
    """

    status: Literal["ok", "not_converged", "no_se"]
    message: str
    iterations: int
    theta: np.ndarray | None = None
    vcov: np.ndarray | None = None
    improper: bool = False


@dataclass(frozen=True)
class CompiledSEM:
    """A parsed model with its parameter table and RAM structure, ready to fit.

    Create it with :meth:`analysis.models.sem.SEM.compile`.  Read-only.

    Attributes
    ----------
    model
        The lavaan syntax.
    partable
        lavaan's parameter table (``lhs, op, rhs, group, free, ustart, label, ...``).
    ov_names, lv_names
        Observed and latent variables in the model's order (arrays passed to
        :meth:`sample` have their columns in ``ov_names`` order).
    meanstructure
        Whether means and intercepts are modelled.
    group_labels
        Group labels in order (empty for one group).
    """

    model: str
    partable: pd.DataFrame = field(repr=False)
    ov_names: tuple[str, ...]
    lv_names: tuple[str, ...]
    structure: ModelStructure | None = field(repr=False)
    meanstructure: bool
    group_labels: tuple[str, ...] = ()

    # ---- identification of parameters ------------------------------------------------
    @property
    def npar(self) -> int:
        """Number of free parameters."""
        return int(self.partable["free"].max()) if len(self.partable) else 0

    @cached_property
    def needs_data_moments(self) -> bool:
        """True when fixed exogenous-covariate moments must be filled from each data set."""
        pt = self.partable
        return bool(((pt["exo"] == 1) & (pt["free"] == 0)).any())

    @cached_property
    def free_names(self) -> tuple[str, ...]:
        """Names of the free parameters: the label, else ``lhs op rhs`` (``.gK`` in group K > 1)."""
        names: dict[int, str] = {}
        for r in self.partable[self.partable["free"] > 0].itertuples(index=False):
            if r.free in names:
                continue
            name = r.label if r.label else f"{r.lhs}{r.op}{r.rhs}"
            if not r.label and r.group > 1:
                name += f".g{r.group}"
            names[r.free] = name
        return tuple(names[k] for k in sorted(names))

    def group_number(self, group: str | None) -> int:
        """1-based group number of a group label (1 for a single-group model)."""
        if group is None:
            return 1
        labels = list(self.group_labels)
        if str(group) not in labels:
            raise UsageError(f"The model has no group {group!r}; the groups are {', '.join(labels) or 'none'}.")
        return labels.index(str(group)) + 1

    def row_index(self, lhs: str, op: str, rhs: str = "", *, group: str | None = None) -> int:
        """Position of a parameter in :attr:`partable`."""
        row = self._rows.get((lhs, op, rhs, self.group_number(group)))
        if row is None:
            where = f" in group {group!r}" if group is not None else ""
            raise ModelSpecificationError(f"The model has no parameter '{lhs} {op} {rhs}'{where}.")
        return row

    @cached_property
    def _rows(self) -> dict[tuple[str, str, str, int], int]:
        """(lhs, op, rhs, group) -> first row of the table: built once, as delta-method derivatives
        look parameters up many times."""
        pt = self.partable
        rows: dict[tuple[str, str, str, int], int] = {}
        for k, key in enumerate(zip(pt["lhs"], pt["op"], pt["rhs"], pt["group"].astype(int))):
            rows.setdefault(key, k)
        return rows

    def free_index(self, lhs: str, op: str, rhs: str = "", *, group: str | None = None) -> int:
        """0-based position of a free parameter in the parameter vector (``theta``, ``vcov``).

        Parameters sharing a label (equal across waves or groups) share a position.
        """
        k = self.row_index(lhs, op, rhs, group=group)
        free = int(self.partable["free"].iat[k])
        if free == 0:
            raise ModelSpecificationError(f"'{lhs} {op} {rhs}' is fixed in the model, not a free parameter.")
        return free - 1

    def group_parameters(self, group: str | None = None) -> np.ndarray:
        """Positions of the free parameters one group's matrices use (every one without ``group``)."""
        if group is None:
            return np.arange(self.npar)
        labels = [str(g) for g in self.group_labels]
        if str(group) not in labels:
            raise UsageError(f"The model has no group {group!r}; its groups are {', '.join(labels)}.")
        return np.unique(self.structure.groups[labels.index(str(group))].free_idx).astype(int)

    @cached_property
    def variance_indices(self) -> np.ndarray:
        """Positions of the free variance parameters (a negative one is an improper solution)."""
        pt = self.partable
        rows = (pt["op"] == "~~") & (pt["lhs"] == pt["rhs"]) & (pt["free"] > 0)
        return np.unique(pt.loc[rows, "free"].to_numpy(dtype=int) - 1)

    # ---- data --------------------------------------------------------------------------
    def sample(self, y: np.ndarray, *, groups: np.ndarray | None = None,
               weights: np.ndarray | None = None) -> SampleData:
        """Missing-data pattern statistics of an (n x p) array with columns in ``ov_names`` order.

        ``groups`` holds each row's group label (one of :attr:`group_labels`) in a
        multigroup model; ``weights`` each row's sampling weight (the likelihood is then
        weighted, as ``SEM.fit(weights=...)``).  Rows with nothing observed, or with a zero
        or missing weight, are dropped and counted.
        """
        y = np.asarray(y, dtype=float)
        if y.ndim != 2 or y.shape[1] != len(self.ov_names):
            raise UsageError(f"The data must have {len(self.ov_names)} columns ({', '.join(self.ov_names)}).")
        if (groups is None) != (not self.group_labels):
            raise UsageError("Give each row's group exactly when the model has groups.")
        return sample_from_arrays(y, self.ov_names, groups=None if groups is None else np.asarray(groups),
                                  levels=self.group_labels,
                                  weights=None if weights is None else np.asarray(weights, dtype=float))

    def sample_moments(self, mean: np.ndarray, cov: np.ndarray, n: int) -> SampleData:
        """A one-group 'data set' with given moments (to fit the model to a population)."""
        return sample_from_moments(mean, cov, self.ov_names, n)

    # ---- estimation --------------------------------------------------------------------
    def start(self, sample: SampleData, *, moments: list[tuple[np.ndarray, np.ndarray]] | None = None) -> np.ndarray:
        """Start values: the syntax's ``start()`` values, else the engine's rules.

        ``moments`` (mean, covariance per group, e.g. from the saturated model) feed the
        rules; without them, available-case means and variances are used (no EM needed).
        """
        if moments is None:
            moments = [_available_case_moments(g, len(self.ov_names)) for g in sample.groups]
        user = np.full(self.npar, np.nan)
        pt = self.partable
        rows = pt[(pt["free"] > 0) & np.isfinite(pt["ustart"].astype(float))]
        for r in rows.itertuples(index=False):
            if not np.isfinite(user[r.free - 1]):
                user[r.free - 1] = r.ustart
        return start_values(self.structure, [m for m, _ in moments], [c for _, c in moments], user)

    def problem(self, sample: SampleData) -> Problem:
        """The objective's inputs for this model and data."""
        return Problem(structure=self.structure, data=sample, meanstructure=self.meanstructure)

    def maximise(self, sample: SampleData, start: np.ndarray) -> OptimResult:
        """Maximise the likelihood from ``start`` (Fisher scoring; see :mod:`.optimize`)."""
        return fisher_scoring(np.asarray(start, dtype=float), self.problem(sample))

    def refit(self, sample: SampleData, *, start: np.ndarray | None = None, se: bool = True,
              estimator: Estimator = "ml") -> Refit:
        """Estimates (and, with ``se``, their covariance) for one data set, quickly.

        No saturated model, fit indices or tables.  Standard errors are those of a full
        FIML fit (observed information; sandwich with ``estimator="mlr"``).  Never raises
        for a property of the data set: a failed fit is returned with its status, so a
        simulation can count it.
        """
        if self.needs_data_moments:
            raise ModelSpecificationError("Models with fixed exogenous covariates cannot be refitted quickly; "
                                          "use SEM.fit.")
        try:
            with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                theta0 = self.start(sample) if start is None else np.asarray(start, float)
                opt = self.maximise(sample, theta0)
        except (WorkbenchError, NotPositiveDefinite, np.linalg.LinAlgError, FloatingPointError) as exc:
            return Refit("not_converged", str(exc) or type(exc).__name__, 0)
        if not opt.converged:
            return Refit("not_converged", f"no convergence in {opt.iterations} iterations", opt.iterations)
        theta = opt.theta
        improper = bool((theta[self.variance_indices] < 0).any())
        if not se:
            return Refit("ok", "", opt.iterations, theta, None, improper)
        fitted = Fitted(problem=self.problem(sample), pt=self.partable, theta=theta, h1=None,
                        estimator=estimator, missing="fiml")
        try:
            with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                cov = fitted.cov
        except (NotPositiveDefinite, np.linalg.LinAlgError):
            return Refit("no_se", "the information matrix could not be computed at the estimates",
                         opt.iterations, theta, None, improper)
        if not cov.identified:
            return Refit("no_se", "the information matrix is singular (not identified)", opt.iterations,
                         theta, None, improper)
        return Refit("ok", "", opt.iterations, theta, cov.vcov, improper)

    def with_structure_from(self, partable: pd.DataFrame) -> CompiledSEM:
        """The same model with a filled-in parameter table (fixed values taken from data)."""
        structure = build_structure(partable, list(self.ov_names), list(self.lv_names))
        return CompiledSEM(model=self.model, partable=partable, ov_names=self.ov_names, lv_names=self.lv_names,
                           structure=structure, meanstructure=self.meanstructure, group_labels=self.group_labels)


def compile_model(model: str, *, observed: list[str], group_labels: tuple[str, ...] = (), defaults: str = "sem",
                  meanstructure: bool, fixed_x: bool = True, group_equal: tuple[str, ...] = ()) -> CompiledSEM:
    """Parameter table and RAM structure of ``model`` for data with columns ``observed``."""
    ngroups = max(len(group_labels), 1)
    pt = build_partable(model, ngroups=ngroups, defaults=defaults, meanstructure=meanstructure, fixed_x=fixed_x,
                        group_equal=group_equal, observed=observed)
    ov = variable_names(pt, "ov")
    lv = variable_names(pt, "lv")
    if not ov:
        raise ModelSpecificationError("The model has no observed variables.")
    # Fixed exogenous-covariate moments take their values from each data set (lavaan's
    # fixed.x): the structure is then built once those are known (``with_structure_from``).
    fixed_exo = bool(((pt["exo"] == 1) & (pt["free"] == 0)).any())
    structure = None if fixed_exo else build_structure(pt, ov, lv)
    return CompiledSEM(model=model, partable=pt, ov_names=tuple(ov), lv_names=tuple(lv), structure=structure,
                       meanstructure=bool(meanstructure), group_labels=tuple(str(g) for g in group_labels))


def _available_case_moments(group, p: int) -> tuple[np.ndarray, np.ndarray]:
    """Means and (diagonal) variances over the rows where each variable is observed."""
    s1, s2, cnt = np.zeros(p), np.zeros(p), np.zeros(p)
    for pat in group.patterns:
        s1[pat.observed] += pat.n * pat.mean
        s2[pat.observed] += pat.n * (np.diag(pat.cov) + pat.mean ** 2)
        cnt[pat.observed] += pat.n
    m = s1 / np.maximum(cnt, 1)
    return m, np.diag(np.maximum(s2 / np.maximum(cnt, 1) - m ** 2, 1e-8))
