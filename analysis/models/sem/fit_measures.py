"""Fit measures of a fitted model, as lavaan's ``fitMeasures`` reports them.

Chi-square against the saturated model (h1), the independence (baseline) model,
CFI, TLI, RMSEA with its 90% CI, SRMR, log-likelihood, AIC and BIC; with MLR the
Yuan–Bentler scaled versions (:mod:`.robust`).  Everything is conditional on
fixed-x covariates, as lavaan reports it.
"""

from __future__ import annotations

import numpy as np

from analysis.models.sem import fit_indices as fi
from analysis.models.sem.fitted import Fitted
from analysis.models.sem.objectives import Problem, loglik
from analysis.models.sem.robust import yuan_bentler
from analysis.models.sem.saturated import marginal_loglik
from analysis.models.sem.structure import MAT_M, MAT_S, GroupStructure, ModelStructure, implied


def fit_measures(fitted: Fitted) -> dict:
    """lavaan's fit measures: chi-square test, baseline, CFI/TLI, RMSEA with CI, SRMR, logl, AIC/BIC."""
    s = fitted.sample
    structure = fitted.problem.structure
    ms = fitted.problem.meanstructure
    npar = structure.npar
    N = s.nobs
    G = len(s.groups)
    # Conditional on fixed-x covariates, as lavaan reports it.
    x_ll = sum(marginal_loglik(h.mean, h.cov, gd, fitted.x_indices()) for h, gd in zip(fitted.h1, s.groups))
    logl = loglik(fitted.theta, fitted.problem) - x_ll
    logl_h1 = float(sum(h.loglik for h in fitted.h1)) - x_ll
    p = len(s.ov_names)
    nx = len(fitted.x_indices())
    moments = p * (p + 1) // 2 + (p if ms else 0)
    x_moments = nx * (nx + 1) // 2 + (nx if ms else 0)
    ndat = G * (moments - x_moments)
    df = ndat - npar
    chisq, pvalue = fi.chisq_test(logl, logl_h1, df)
    base_problem, base_theta = baseline_problem(fitted)
    base_logl, base_npar = loglik(base_theta, base_problem), base_problem.structure.npar
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
    out["srmr"] = srmr(fitted)
    out["logl"] = logl
    out["unrestricted_logl"] = logl_h1
    out.update(fi.information_criteria(logl, npar, N))
    out["npar"] = int(npar)
    out["nobs"] = int(N)
    if fitted.estimator == "mlr":
        out.update(yuan_bentler(fitted, chisq, df, chisq_b, df_b, base_problem, base_theta))
        if df == 0:
            # A saturated model: nothing to scale.  As lavaan: scaled chi-square 0, CFI 1, no scaled RMSEA.
            out.update({"chisq_scaled": chisq, "cfi_scaled": 1.0, "rmsea_scaled": float("nan")})
    return out


def baseline_problem(fitted: Fitted) -> tuple[Problem, np.ndarray]:
    """Independence model at its estimates: free means and variances, no covariances.

    Exogenous covariates keep their h1 moments (fixed), as lavaan's baseline with fixed.x.
    Because the likelihood factorises by variable, the estimates are closed-form:
    each variable's mean and variance over the rows where it is observed.
    """
    s = fitted.sample
    ov = s.ov_names
    p = len(ov)
    xs = set(fitted.x_indices())
    ms = fitted.problem.meanstructure
    groups, theta = [], []
    for gd, h in zip(s.groups, fitted.h1):
        fm, fr, fi_ = [], [], []
        S0 = np.zeros((p, p))
        m0 = np.zeros(p)
        _, means, variances = gd.available_moments(p)
        for i in range(p):
            mean, var = float(means[i]), float(variances[i])
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


def srmr(fitted: Fitted) -> float:
    """Standardized root mean square residual, groups weighted by size (as lavaan)."""
    structure = fitted.problem.structure
    vals, weights = [], []
    for gs, gd, h in zip(structure.groups, fitted.sample.groups, fitted.h1):
        imp = implied(fitted.theta, gs)
        vals.append(fi.srmr_group(h.cov, h.mean, imp.sigma, imp.mu, meanstructure=fitted.problem.meanstructure))
        weights.append(gd.nobs)
    w = np.array(weights, float) / sum(weights)
    return float(np.dot(w, vals))
