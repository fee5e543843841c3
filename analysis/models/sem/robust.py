"""Robust (MLR) test statistics: the Yuan–Bentler scaled chi-square, Mplus variant.

As lavaan's ``test = "yuan.bentler.mplus"`` (the MLR default): the scaling factor is

.. math::

    c = \\frac{\\operatorname{tr}(A_1^{-1} B_1) - \\operatorname{tr}(A_0^{-1} B_0)}{df},

where ``A_1``/``B_1`` are the information and the first-order (outer product of
case-wise scores) information of the saturated model at its estimates, and
``A_0``/``B_0`` the same for the fitted model (``A_0`` its observed information).
The moments of fixed-x covariates are held fixed in the saturated model, as lavaan
masks them.  The scaled statistic is ``chisq / c``.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np

from analysis.models.sem import fit_indices as fi
from analysis.models.sem.distributions import chi2_sf
from analysis.models.sem.hessian import observed_information
from analysis.models.sem.objectives import Problem, expected_information
from analysis.models.sem.robust_indices import FimlCorrection, complete_statistic, robust_indices
from analysis.models.sem.reorder import origin, relabel_saturated
from analysis.models.sem.saturated import Saturated, data_key, saturated
from analysis.models.sem.structure import MAT_M, MAT_S, GroupStructure, ModelStructure
from analysis.models.sem.survey import design_meat
from analysis.models.sem.threads import single_blas_thread


def saturated_problem(problem: Problem, h1: list[Saturated], x_idx: list[int]) -> tuple[Problem, np.ndarray]:
    """The saturated model as a RAM problem (free means and covariances), at its estimates."""
    ov = problem.data.ov_names
    p = len(ov)
    xs = set(x_idx)
    groups = []
    theta: list[float] = []
    for g, h in enumerate(h1):
        fm, fr, fc, fi_, = [], [], [], []
        S0 = np.zeros((p, p))
        m0 = np.zeros(p)
        for i in range(p):
            if i in xs:
                m0[i] = h.mean[i]
            elif problem.meanstructure:
                fm.append(MAT_M), fr.append(i), fc.append(0), fi_.append(len(theta)), theta.append(h.mean[i])
            else:
                m0[i] = h.mean[i]
        for j in range(p):
            for i in range(j, p):
                if i in xs and j in xs:
                    S0[i, j] = S0[j, i] = h.cov[i, j]
                else:
                    fm.append(MAT_S), fr.append(i), fc.append(j), fi_.append(len(theta)), theta.append(h.cov[i, j])
        groups.append(GroupStructure(
            ov_names=ov, lv_names=(), free_mat=np.array(fm), free_row=np.array(fr), free_col=np.array(fc),
            free_idx=np.array(fi_), A0=np.zeros((p, p)), S0=S0, m0=m0, rows=np.zeros(len(fm), dtype=int),
        ))
    structure = ModelStructure(groups=tuple(groups), npar=len(theta))
    return Problem(structure=structure, data=problem.data, meanstructure=problem.meanstructure), np.array(theta)


def trace_ratio(info: np.ndarray, meat: np.ndarray) -> float:
    """``tr(info^-1 B)`` with ``B`` the first-order information (outer product of case-wise scores)."""
    return float(np.trace(np.linalg.solve(info, meat)))


def model_trace(problem: Problem, theta: np.ndarray, info0: np.ndarray) -> float:
    """``tr(A_0^-1 B_0)`` of a model at its estimates (``B_0`` under the survey design, if any)."""
    return trace_ratio(info0, design_meat(theta, problem))


def factor(t1: float, t0: float, df: int) -> float:
    """Yuan–Bentler (Mplus) scaling factor from the saturated and the model's traces."""
    if df <= 0:
        return float("nan")
    c = (t1 - t0) / df
    return c if c > 0 else float("nan")


@single_blas_thread
def yuan_bentler(fitted, chisq: float, df: int, chisq_b: float, df_b: int, base_problem: Problem,
                 base_theta: np.ndarray) -> dict:
    """Scaled test, the fit indices lavaan derives from it (``*_scaled``) and the robust indices (``*_robust``)."""
    problem = fitted.problem
    observed = fitted.missing == "fiml"
    ref = _reference_side(fitted, base_problem, base_theta)
    c = factor(ref.t1, trace_ratio(fitted.bread(), fitted.meat), df)
    scaled = chisq / c if np.isfinite(c) else float("nan")
    out = {
        "chisq_scaled": scaled,
        "df_scaled": int(df),
        "pvalue_scaled": float(chi2_sf(scaled, df)) if np.isfinite(scaled) and df > 0 else float("nan"),
        "chisq_scaling_factor": c,
    }
    cb = factor(ref.t1, ref.t0_base, df_b)
    scaled_b = chisq_b / cb if np.isfinite(cb) else float("nan")
    N = problem.data.nobs
    G = len(problem.data.groups)
    out.update({
        "baseline_chisq_scaled": scaled_b,
        "baseline_chisq_scaling_factor": cb,
        "cfi_scaled": fi.cfi(scaled, df, scaled_b, df_b),
        "tli_scaled": fi.tli(scaled, df, scaled_b, df_b),
        "rmsea_scaled": fi.rmsea(scaled, df, N, G),
    })
    if observed:
        T, Tb = complete_statistic(fitted.theta, problem, fitted.h1), complete_statistic(base_theta, base_problem, fitted.h1)
        c3 = fiml_correction(ref.fc, problem).trace(fitted.theta, problem) / df if df > 0 else float("nan")
        c3b = ref.k_base / df_b if df_b > 0 else float("nan")
        out.update(robust_indices(chisq=T, c=c3, df=df, chisq_b=Tb, c_b=c3b, df_b=df_b, N=N, G=G))
    else:
        out.update(robust_indices(chisq=chisq, c=c, df=df, chisq_b=chisq_b, c_b=cb, df_b=df_b, N=N, G=G))
    return out


@dataclass(frozen=True)
class ReferenceSide:
    """What the scaled tests take from the saturated and the baseline model: the same for every model
    fitted to one data set (with one design and the same fixed-x covariates)."""

    t1: float  # tr(A_1^-1 B_1) of the saturated model
    t0_base: float  # tr(A_0^-1 B_0) of the baseline model
    fc: FimlCorrection | None
    k_base: float  # FIML-corrected trace of the baseline model (NaN without missing data)


@dataclass(frozen=True)
class SaturatedSide:
    """The saturated model's part of the scaled tests (also of scaled difference tests)."""

    t1: float
    fc: FimlCorrection | None


_SATURATED: OrderedDict[tuple, SaturatedSide] = OrderedDict()
_REFERENCE: OrderedDict[tuple, ReferenceSide] = OrderedDict()
_CACHE_SIZE = 8


def _remember(cache: OrderedDict, key: tuple, value):
    cache[key] = value
    if len(cache) > _CACHE_SIZE:
        cache.popitem(last=False)
    return value


def _data_side(fitted) -> tuple[tuple, object, list[int]]:
    """Key of the data set, design and fixed-x covariates; the canonical summary and its x positions."""
    problem = fitted.problem
    found = origin(problem.data)
    data, perm = (problem.data, np.arange(len(problem.data.ov_names))) if found is None else found
    x_idx = sorted(int(perm[i]) for i in fitted.x_indices())
    key = (tuple(data_key(g) for g in data.groups), _design_key(data), tuple(x_idx), fitted.missing == "fiml",
           problem.meanstructure)
    return key, data, x_idx


def saturated_side(fitted) -> SaturatedSide:
    """``tr(A_1^-1 B_1)`` of the saturated model and its FIML pieces, remembered per data set and design.

    Comparing models on one data set (crosslag's comparison table, group and invariance tests and
    their scaled differences) then computes the saturated model's information, scores and their
    cross-products once, also for models that order the variables differently (computed in the
    data summary's canonical order, :mod:`.reorder`).
    """
    key, data, x_idx = _data_side(fitted)
    if key in _SATURATED:
        _SATURATED.move_to_end(key)
        return _SATURATED[key]
    problem = fitted.problem
    observed = fitted.missing == "fiml"
    h1 = [saturated(g, len(data.ov_names)) for g in data.groups]
    sat, theta1 = saturated_problem(Problem(structure=problem.structure, data=data,
                                            meanstructure=problem.meanstructure), h1, x_idx)
    info1 = observed_information(theta1, sat) if observed else expected_information(theta1, sat)
    meat1 = design_meat(theta1, sat)
    fc = FimlCorrection(sat, theta1, Wm=info1, Jm=meat1) if observed else None
    return _remember(_SATURATED, key, SaturatedSide(t1=trace_ratio(info1, meat1), fc=fc))


def _reference_side(fitted, base_problem: Problem, base_theta: np.ndarray) -> ReferenceSide:
    """The saturated and baseline pieces of the scaled tests, remembered per data set and design."""
    key = _data_side(fitted)[0]
    if key in _REFERENCE:
        _REFERENCE.move_to_end(key)
        return _REFERENCE[key]
    side = saturated_side(fitted)
    observed = fitted.missing == "fiml"
    base_info = observed_information(base_theta, base_problem) if observed else expected_information(base_theta, base_problem)
    ref = ReferenceSide(t1=side.t1, t0_base=model_trace(base_problem, base_theta, base_info), fc=side.fc,
                        k_base=fiml_correction(side.fc, fitted.problem).trace(base_theta, base_problem) if observed
                        else float("nan"))
    return _remember(_REFERENCE, key, ref)


def fiml_correction(fc: FimlCorrection, problem: Problem) -> FimlCorrection:
    """The remembered saturated pieces ``fc`` addressed in ``problem``'s order of the variables."""
    found = origin(problem.data)
    return fc if found is None else fc.addressed(relabel_saturated(fc.sat, found[1], problem.data.ov_names))


def _design_key(sample) -> str:
    """Hash of the survey design's PSU and stratum codes (weights enter the pattern statistics)."""
    h = hashlib.sha1(repr((sample.design, sample.group_var)).encode())
    for g in sample.groups:
        for pat in g.patterns:
            for codes in (pat.clusters, pat.strata):
                if codes is not None:
                    h.update(np.ascontiguousarray(codes).tobytes())
    return h.hexdigest()
