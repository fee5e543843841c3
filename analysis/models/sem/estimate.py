"""From model syntax and data to frozen results: the estimation pipeline.

Steps: build the parameter table, prepare the data (groups, patterns), fit the
saturated model h1, fill exogenous-covariate moments (``fixed.x``), choose start
values, maximise the likelihood, then standard errors, defined parameters,
standardized solution and fit indices.  Every step is a pure function; this
module only wires them together.
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass
from functools import cached_property
from typing import Literal

import numpy as np
import pandas as pd

from analysis.errors import ConvergenceError, ModelSpecificationError, UsageError
from analysis.models.sem import fit_indices as fi
from analysis.models.sem.data import SampleData, check_variances, prepare_data
from analysis.models.sem.inference import (
    Covariance,
    TestResult,
    delta_method_se,
    invert_information,
    sandwich,
    wald_test,
    z_tests,
)
from analysis.models.sem.objectives import (
    Problem,
    casewise_scores,
    expected_information,
    loglik,
)
from analysis.models.sem.hessian import numerical_hessian
from analysis.models.sem.optimize import fisher_scoring
from analysis.models.sem.partable import build_partable, evaluate_expression, variable_names
from analysis.models.sem.results import SEMResults
from analysis.models.sem.robust import yuan_bentler
from analysis.models.sem.saturated import Saturated, marginal_loglik, saturated
from analysis.models.sem.standardize import std_all_value
from analysis.models.sem.start import start_values
from analysis.models.sem.structure import MAT_M, MAT_S, GroupStructure, ModelStructure, build_structure, implied

Missing = Literal["auto", "fiml", "listwise"]
Estimator = Literal["ml", "mlr"]
Defaults = Literal["lavaan", "sem"]
STRUCTURAL_OPS = ("=~", "~", "~~", "~1")


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
) -> SEMResults:
    """Fit ``model`` to ``data``; see :class:`analysis.models.sem.SEM` for the options."""
    t0 = time.perf_counter()
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
    observed = [c for c in data.columns if c != group]

    # A first table tells which observed variables the model uses (for missingness).
    probe = build_partable(model, ngroups=ngroups, defaults=defaults, meanstructure=False, fixed_x=fixed_x,
                           group_equal=group_equal, observed=observed)
    ov0 = variable_names(probe, "ov")
    miss = _decide_missing(data, ov0, missing)
    if meanstructure is None:
        meanstructure = (
            miss == "fiml"
            or defaults == "lavaan"
            or bool(((probe["op"] == "~1") & (probe["user"] == 1)).any())
            or any(g in ("intercepts", "means") for g in group_equal)
        )
    if not meanstructure and miss == "fiml":
        raise UsageError("FIML needs a mean structure; do not set meanstructure=False with missing data.")
    pt = build_partable(model, ngroups=ngroups, defaults=defaults, meanstructure=meanstructure, fixed_x=fixed_x,
                        group_equal=group_equal, observed=observed)
    ov = variable_names(pt, "ov")
    lv = variable_names(pt, "lv")
    ov_x = variable_names(pt, "ov.x") if fixed_x else []
    if not ov:
        raise ModelSpecificationError("The model has no observed variables.")
    sample = prepare_data(data, ov, group=group, group_levels=levels if group else None, missing=miss,
                          complete_vars=tuple(v for v in ov_x if (pt["exo"] == 1).any()))
    check_variances(sample)
    h1 = [saturated(g, len(ov)) for g in sample.groups]
    pt = _fill_exogenous(pt, ov, h1)
    structure = build_structure(pt, ov, lv)
    problem = Problem(structure=structure, data=sample, meanstructure=meanstructure)
    user_start = _user_starts(pt, structure.npar)
    theta0 = start_values(structure, [s.mean for s in h1], [s.cov for s in h1], user_start)
    opt = fisher_scoring(theta0, problem)
    if not opt.converged:
        raise ConvergenceError(
            f"The model did not converge in {opt.iterations} iterations. Try: (1) checking that every "
            "latent variable has a scale (a loading or variance fixed to 1); (2) giving start values "
            "with start(); (3) fewer free parameters (e.g. time-invariant lags); (4) rescaling variables "
            "whose variances differ by orders of magnitude."
        )
    theta = opt.theta
    if se not in ("standard", "none"):
        raise UsageError(f"se must be 'standard' or 'none', not {se!r}.")
    fitted = _Fitted(problem=problem, pt=pt, theta=theta, h1=h1, estimator=estimator, missing=miss,
                     compute_se=se == "standard")
    cov = fitted.cov
    messages = _diagnostics(pt, theta, cov, levels)
    for msg in messages:
        warnings.warn(msg, SEMWarning, stacklevel=3)
    fit = fitted.fit_measures(cov)
    table = fitted.parameter_table(cov, levels)
    names = _free_names(pt)
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
        rows_dropped={(g.label or "all"): g.n_dropped_empty + g.n_dropped_listwise for g in sample.groups},
        _internal=fitted,
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


def _user_starts(pt: pd.DataFrame, npar: int) -> np.ndarray:
    out = np.full(npar, np.nan)
    rows = pt[(pt["free"] > 0) & np.isfinite(pt["ustart"].astype(float))]
    for r in rows.itertuples(index=False):
        if not np.isfinite(out[r.free - 1]):
            out[r.free - 1] = r.ustart
    return out


def _free_names(pt: pd.DataFrame) -> list[str]:
    names: dict[int, str] = {}
    for r in pt[pt["free"] > 0].itertuples(index=False):
        if r.free in names:
            continue
        name = r.label if r.label else f"{r.lhs}{r.op}{r.rhs}"
        if not r.label and r.group > 1:
            name += f".g{r.group}"
        names[r.free] = name
    return [names[k] for k in sorted(names)]


def _diagnostics(pt: pd.DataFrame, theta: np.ndarray, cov: Covariance, levels: list) -> list[str]:
    out = []
    var_rows = pt[(pt["op"] == "~~") & (pt["lhs"] == pt["rhs"]) & (pt["free"] > 0)]
    for r in var_rows.itertuples(index=False):
        if theta[r.free - 1] < 0:
            where = f" in group {levels[r.group - 1]!r}" if len(levels) > 1 else ""
            out.append(f"The estimated variance of {r.lhs}{where} is negative ({theta[r.free - 1]:.4g}): "
                       "the model may be misspecified or the sample too small for it.")
    if not cov.identified:
        out.append("The information matrix is singular: the model is probably not identified, so standard "
                   "errors cannot be computed. Fix a loading or variance per latent variable, or add constraints.")
    return out


@dataclass(frozen=True)
class _Fitted:
    """Everything needed after the optimum: SEs, tables, tests.  Internal."""

    problem: Problem
    pt: pd.DataFrame
    theta: np.ndarray
    h1: list[Saturated]
    estimator: Estimator
    missing: Literal["fiml", "listwise"]
    compute_se: bool = True

    @property
    def sample(self) -> SampleData:
        return self.problem.data

    def bread(self) -> np.ndarray:
        """Information matrix for SEs: observed (Hessian) for FIML and MLR, expected otherwise (lavaan)."""
        if self.missing == "fiml" or self.estimator == "mlr":
            return numerical_hessian(self.theta, self.problem)
        return expected_information(self.theta, self.problem)

    @cached_property
    def cov(self) -> Covariance:
        """Sampling covariance of the free parameters (computed once; NaN with se="none")."""
        if not self.compute_se:
            n = self.theta.size
            return Covariance(np.full((n, n), np.nan), True, float("nan"))
        return self.covariance()

    def covariance(self) -> Covariance:
        if self.estimator == "mlr":
            return sandwich(self.bread(), casewise_scores(self.theta, self.problem))
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

    def wald(self, constraints: str | list[str]) -> TestResult:
        items = [constraints] if isinstance(constraints, str) else list(constraints)
        sides = []
        for c in items:
            if "==" not in c:
                raise UsageError(f"A Wald constraint must look like 'a == b' or 'a == 0', not {c!r}.")
            lhs, rhs = c.split("==", 1)
            sides.append((lhs.strip(), rhs.strip()))
        vcov = self.cov.vcov

        def h(theta: np.ndarray) -> np.ndarray:
            vals = self.label_map(theta)
            return np.array([evaluate_expression(a, vals) - evaluate_expression(b, vals) for a, b in sides])

        return wald_test(h, self.theta, vcov, description="; ".join(items))

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

    # ---- fit ------------------------------------------------------------------
    def fit_measures(self, cov: Covariance) -> dict:
        s = self.sample
        structure = self.problem.structure
        ms = self.problem.meanstructure
        npar = structure.npar
        N = s.nobs
        G = len(s.groups)
        # Conditional on fixed-x covariates, as lavaan reports it.
        x_ll = sum(marginal_loglik(h.mean, h.cov, gd, self.x_indices()) for h, gd in zip(self.h1, s.groups))
        logl = loglik(self.theta, self.problem) - x_ll
        logl_h1 = float(sum(h.loglik for h in self.h1)) - x_ll
        p = len(s.ov_names)
        nx = len(self.x_indices())
        moments = p * (p + 1) // 2 + (p if ms else 0)
        x_moments = nx * (nx + 1) // 2 + (nx if ms else 0)
        ndat = G * (moments - x_moments)
        df = ndat - npar
        chisq, pvalue = fi.chisq_test(logl, logl_h1, df)
        base_logl, base_npar = self._baseline()
        df_b = ndat - base_npar
        chisq_b, pvalue_b = fi.chisq_test(base_logl - x_ll, logl_h1, df_b)
        out = {
            "chisq": chisq, "df": int(df), "pvalue": pvalue,
            "baseline_chisq": chisq_b, "baseline_df": int(df_b), "baseline_pvalue": pvalue_b,
            "cfi": fi.cfi(chisq, df, chisq_b, df_b),
            "tli": fi.tli(chisq, df, chisq_b, df_b),
            "rmsea": fi.rmsea(chisq, df, N, G),
        }
        lo, hi = fi.rmsea_ci(chisq, df, N, G)
        out["rmsea_ci_lower"], out["rmsea_ci_upper"] = lo, hi
        out["srmr"] = self._srmr()
        out["logl"] = logl
        out["unrestricted_logl"] = logl_h1
        out.update(fi.information_criteria(logl, npar, N))
        out["npar"] = int(npar)
        out["nobs"] = int(N)
        if self.estimator == "mlr":
            out.update(yuan_bentler(self, chisq, df, chisq_b, df_b, base_npar))
        return out

    def x_indices(self) -> list[int]:
        """Positions of fixed-x exogenous covariates among the observed variables."""
        if not (self.pt["exo"] == 1).any():
            return []
        ov = list(self.sample.ov_names)
        return [ov.index(v) for v in variable_names(self.pt, "ov.x")]

    def baseline_problem(self) -> tuple[Problem, np.ndarray]:
        """Independence model at its estimates: free means and variances, no covariances.

        Exogenous covariates keep their h1 moments (fixed), as lavaan's baseline with fixed.x.
        Because the likelihood factorises by variable, the estimates are closed-form:
        each variable's mean and variance over the rows where it is observed.
        """
        s = self.sample
        ov = s.ov_names
        p = len(ov)
        xs = set(self.x_indices())
        ms = self.problem.meanstructure
        groups, theta = [], []
        for gd, h in zip(s.groups, self.h1):
            fm, fr, fi_ = [], [], []
            S0 = np.zeros((p, p))
            m0 = np.zeros(p)
            for i in range(p):
                rows = [(pat.n, pat.mean[k], pat.cov[k, k]) for pat in gd.patterns
                        for k in np.flatnonzero(pat.observed == i)]
                n = sum(r[0] for r in rows)
                mean = sum(r[0] * r[1] for r in rows) / n
                var = sum(r[0] * (r[2] + (r[1] - mean) ** 2) for r in rows) / n
                if i in xs:
                    m0[i] = h.mean[i]
                    continue
                if ms:
                    fm.append(MAT_M), fr.append(i), fi_.append(len(theta)), theta.append(mean)
                else:
                    m0[i] = h.mean[i]
                fm.append(MAT_S), fr.append(i), fi_.append(len(theta)), theta.append(var)
            for i in xs:
                for j in xs:
                    S0[i, j] = h.cov[i, j]
            groups.append(GroupStructure(
                ov_names=ov, lv_names=(), free_mat=np.array(fm, dtype=int), free_row=np.array(fr, dtype=int),
                free_col=np.array(fr, dtype=int), free_idx=np.array(fi_, dtype=int), A0=np.zeros((p, p)),
                S0=S0, m0=m0, rows=np.zeros(len(fm), dtype=int)))
        structure = ModelStructure(groups=tuple(groups), npar=len(theta))
        return Problem(structure=structure, data=s, meanstructure=ms), np.array(theta)

    def _baseline(self) -> tuple[float, int]:
        problem, theta = self.baseline_problem()
        return loglik(theta, problem), problem.structure.npar

    def _srmr(self) -> float:
        structure = self.problem.structure
        vals, weights = [], []
        for gs, gd, h in zip(structure.groups, self.sample.groups, self.h1):
            imp = implied(self.theta, gs)
            vals.append(fi.srmr_group(h.cov, h.mean, imp.sigma, imp.mu, meanstructure=self.problem.meanstructure))
            weights.append(gd.nobs)
        w = np.array(weights, float) / sum(weights)
        return float(np.dot(w, vals))
