"""A fitted model at its estimates: standard errors, defined parameters, tables, tests.

Pure functions of the estimates, the data summaries and the parameter table;
nothing here changes after the fit.  ``SEMResults`` exposes it through public
methods (``vcov``, ``standardized``, ``delta_method``, ``wald``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Literal

import numpy as np
import pandas as pd

from analysis.errors import UsageError
from analysis.models.sem.data import SampleData
from analysis.models.sem.hessian import observed_information
from analysis.models.sem.inference import (
    Covariance,
    TestResult,
    delta_method_se,
    invert_information,
    sandwich,
    wald_test,
    z_tests,
)
from analysis.models.sem.objectives import Problem, expected_information
from analysis.models.sem.expressions import evaluate_expression
from analysis.models.sem.partable import variable_names
from analysis.models.sem.saturated import Saturated
from analysis.models.sem.standardize import std_all_value
from analysis.models.sem.structure import implied
from analysis.models.sem.survey import design_meat

Estimator = Literal["ml", "mlr"]
STRUCTURAL_OPS = ("=~", "~", "~~", "~1")


@dataclass(frozen=True)
class Fitted:
    """A model at its estimates: what standard errors, tables and tests need.

    Internal to the engine; users reach it through :class:`SEMResults`' public methods.
    ``h1`` (the saturated model) is only needed for fit measures and may be None.
    """

    problem: Problem
    pt: pd.DataFrame
    theta: np.ndarray
    h1: list[Saturated] | None
    estimator: Estimator
    missing: Literal["fiml", "listwise"]
    compute_se: bool = True

    @property
    def sample(self) -> SampleData:
        return self.problem.data

    def bread(self) -> np.ndarray:
        """Information matrix for SEs: observed (analytic Hessian) for FIML and MLR, expected otherwise (lavaan).

        Computed once (the SEs and the scaled test both use it); the array is read-only.
        """
        return self._bread

    @cached_property
    def _bread(self) -> np.ndarray:
        if self.missing == "fiml" or self.estimator == "mlr":
            info = observed_information(self.theta, self.problem)
        else:
            info = expected_information(self.theta, self.problem)
        info.setflags(write=False)
        return info

    @cached_property
    def meat(self) -> np.ndarray:
        """First-order information: cross-products of the case-wise scores (under the survey design, if any)."""
        meat = design_meat(self.theta, self.problem)
        meat.setflags(write=False)
        return meat

    @cached_property
    def cov(self) -> Covariance:
        """Sampling covariance of the free parameters (computed once; NaN with se="none")."""
        if not self.compute_se:
            n = self.theta.size
            return Covariance(np.full((n, n), np.nan), True, float("nan"))
        return self.covariance()

    def covariance(self) -> Covariance:
        if self.estimator == "mlr":
            return sandwich(self.bread(), self.meat)
        return invert_information(self.bread())

    # ---- labels and defined parameters --------------------------------------
    def label_map(self, theta: np.ndarray) -> dict[str, float]:
        """Value of every label and plabel at ``theta``, then the defined parameters in order."""
        values: dict[str, float] = {}
        for r in self.pt[self.pt["op"].isin(STRUCTURAL_OPS)].itertuples(index=False):
            v = float(theta[r.free - 1]) if r.free > 0 else float(r.ustart)
            if r.label and r.label not in values:
                values[r.label] = v
            if r.plabel:
                values[r.plabel] = v
        for r in self.pt[self.pt["op"] == ":="].itertuples(index=False):
            values[r.lhs] = evaluate_expression(r.rhs, values)
        return values

    def defined(self, theta: np.ndarray) -> np.ndarray:
        names = self.pt.loc[self.pt["op"] == ":=", "lhs"].tolist()
        vals = self.label_map(theta)
        return np.array([vals[n] for n in names])

    def wald(self, constraints: str | Sequence[str] | Callable[[np.ndarray], np.ndarray], *,
             description: str = "") -> TestResult:
        """Wald test of ``h(theta) = 0``: constraints as text (``"a == b"``) or a function of theta."""
        if callable(constraints):
            return wald_test(constraints, self.theta, self.cov.vcov, description=description)
        items = [constraints] if isinstance(constraints, str) else list(constraints)
        sides = []
        for c in items:
            if "==" not in c:
                raise UsageError(f"A Wald constraint must look like 'a == b' or 'a == 0', not {c!r}.")
            lhs, rhs = c.split("==", 1)
            sides.append((lhs.strip(), rhs.strip()))

        def h(theta: np.ndarray) -> np.ndarray:
            vals = self.label_map(theta)
            return np.array([evaluate_expression(a, vals) - evaluate_expression(b, vals) for a, b in sides])

        return wald_test(h, self.theta, self.cov.vcov, description=description or "; ".join(items))

    @cached_property
    def _positions(self) -> tuple[np.ndarray, ...]:
        """Per parameter-table row: group index, op, lhs/rhs positions, free index, fixed value."""
        g0 = self.problem.structure.groups[0]
        pos = {v: i for i, v in enumerate(list(g0.ov_names) + list(g0.lv_names))}
        pt = self.pt
        lhs = np.array([pos.get(v, -1) for v in pt["lhs"]])
        rhs = np.array([pos.get(v, 0) if op != "~1" else 0 for v, op in zip(pt["rhs"], pt["op"])])
        return (pt["group"].to_numpy() - 1, pt["op"].to_numpy(), lhs, rhs, pt["free"].to_numpy(),
                pt["ustart"].to_numpy(dtype=float))

    def standardized(self, theta: np.ndarray, rows: list[int]) -> np.ndarray:
        """std.all of the given parameter-table rows (positions in ``pt``) at ``theta``."""
        group, op, lhs, rhs, free, ustart = self._positions
        structure = self.problem.structure
        imps = {}
        out = np.empty(len(rows))
        for n, k in enumerate(rows):
            g = group[k]
            if g not in imps:
                imps[g] = implied(theta, structure.groups[g])
            e = theta[free[k] - 1] if free[k] > 0 else ustart[k]
            out[n] = std_all_value(op[k], lhs[k], rhs[k], e, imps[g].C, imps[g].S)
        return out

    # ---- tables ---------------------------------------------------------------
    def parameter_table(self, cov: Covariance, levels: list) -> pd.DataFrame:
        pt = self.pt
        structure = self.problem.structure
        ov = list(structure.groups[0].ov_names)
        pos = {v: i for i, v in enumerate(ov + list(structure.groups[0].lv_names))}
        se_free = np.sqrt(np.maximum(np.diag(cov.vcov), 0.0)) if cov.identified else np.full(self.theta.size, np.nan)
        est, se, std = [], [], []
        imps = [implied(self.theta, gs) for gs in structure.groups]
        std_labels: dict[str, float] = {}
        for r in pt.itertuples(index=False):
            if r.op not in STRUCTURAL_OPS:
                est.append(np.nan), se.append(np.nan), std.append(np.nan)
                continue
            e = float(self.theta[r.free - 1]) if r.free > 0 else float(r.ustart)
            s = float(se_free[r.free - 1]) if r.free > 0 else 0.0
            imp = imps[r.group - 1]
            if r.op == "=~":
                i, j = pos[r.lhs], pos[r.rhs]
            elif r.op == "~1":
                i, j = pos[r.lhs], 0
            else:
                i, j = pos[r.lhs], pos[r.rhs]
            sv = std_all_value(r.op, i, j, e, imp.C, imp.S)
            est.append(e), se.append(s), std.append(sv)
            if r.label:
                std_labels.setdefault(r.label, sv)
            if r.plabel:
                std_labels[r.plabel] = sv
        out = pt[["lhs", "op", "rhs", "group", "label", "free", "exo"]].copy()
        out["est"] = est
        out["se"] = se
        out["std_all"] = std
        dmask = (pt["op"] == ":=").to_numpy()
        if dmask.any():
            dvals = self.defined(self.theta)
            dse = delta_method_se(self.defined, self.theta, cov.vcov) if cov.identified else np.full(dvals.size, np.nan)
            out.loc[dmask, "est"] = dvals
            out.loc[dmask, "se"] = dse
            for k, r in zip(np.flatnonzero(dmask), pt[dmask].itertuples(index=False)):
                std_labels[r.lhs] = evaluate_expression(r.rhs, std_labels)
                out.iat[k, out.columns.get_loc("std_all")] = std_labels[r.lhs]
        out = out[~pt["op"].isin(["==", "<", ">"]).to_numpy()].reset_index(drop=True)
        tests = z_tests(out["est"].to_numpy(float), out["se"].to_numpy(float))
        for k, v in tests.items():
            out[k] = v
        fixed = (out["free"] == 0) & (out["op"] != ":=")
        out.loc[fixed, ["z", "pvalue"]] = np.nan
        out["group"] = [
            (str(levels[g - 1]) if g > 0 and levels != [None] else None) for g in out["group"]
        ]
        out["label"] = out["label"].fillna("")
        return out

    def x_indices(self) -> list[int]:
        """Positions of fixed-x exogenous covariates among the observed variables."""
        if not (self.pt["exo"] == 1).any():
            return []
        ov = list(self.sample.ov_names)
        return [ov.index(v) for v in variable_names(self.pt, "ov.x")]
