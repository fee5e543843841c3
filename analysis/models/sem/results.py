"""The frozen results of a fitted SEM: parameter table, fit indices, summary."""

from __future__ import annotations

import html
import math
from dataclasses import dataclass, field
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from analysis.models.sem.inference import TestResult, delta_method_se
from analysis.outputs import json_safe

PARAMETER_COLUMNS = ["lhs", "op", "rhs", "group", "label", "est", "se", "z", "pvalue", "ci_lower", "ci_upper", "std_all"]
FIT_KEYS = [
    "chisq", "df", "pvalue", "cfi", "tli", "rmsea", "rmsea_ci_lower", "rmsea_ci_upper",
    "srmr", "logl", "aic", "bic", "npar", "nobs",
]


@dataclass(frozen=True)
class SEMResults:
    """Results of ``SEM.fit``: read-only.

    Attributes
    ----------
    parameters
        lavaan-style table with columns ``lhs, op, rhs, group, label, est, se, z,
        pvalue, ci_lower, ci_upper, std_all`` (intercepts: op ``~1``, rhs ``""``).
    fit
        Fit indices (chisq, df, pvalue, cfi, tli, rmsea and its 90% CI, srmr, logl,
        aic, bic, npar, nobs, and the baseline model's chisq/df); MLR adds the
        Yuan–Bentler scaled versions (``chisq_scaled`` ...).
    """

    model: str
    options: dict
    parameters: pd.DataFrame
    fit: dict
    converged: bool
    iterations: int
    fit_seconds: float
    nobs: dict
    group_labels: tuple
    vcov: pd.DataFrame
    implied: dict
    sample: dict
    warnings: tuple[str, ...] = ()
    rows_dropped: dict = field(default_factory=dict)
    design: dict | None = None
    _internal: Any = field(default=None, repr=False, compare=False)
    _compiled: Any = field(default=None, repr=False, compare=False)

    # ---- tables -------------------------------------------------------------
    def to_frame(self) -> pd.DataFrame:
        """The parameter table (a copy)."""
        return self.parameters[PARAMETER_COLUMNS].copy()

    @property
    def params(self) -> pd.Series:
        """Estimates of the free parameters, by name (the order of ``vcov``)."""
        return pd.Series(self._internal.theta, index=self.vcov.index, name="est")

    @property
    def std_errors(self) -> pd.Series:
        """Standard errors of the free parameters, by name."""
        return pd.Series(np.sqrt(np.diag(self.vcov.to_numpy())), index=self.vcov.index, name="se")

    @property
    def identified(self) -> bool:
        """False when the information matrix is singular (then ``vcov`` and SEs are NaN)."""
        return bool(self._internal.cov.identified)

    @property
    def compiled(self):
        """The compiled model (:class:`CompiledSEM`): refit it to other data of the same shape."""
        return self._compiled

    def free_index(self, lhs: str, op: str, rhs: str = "", *, group: str | None = None) -> int:
        """0-based position of a free parameter in ``params`` and ``vcov``.

        Parameters sharing a label (held equal) share a position.  ``group`` is a group
        label of a multigroup model.
        """
        return self._compiled.free_index(lhs, op, rhs, group=group)

    def standardized(self, paths: Sequence[tuple[str, str, str]], *, group: str | None = None,
                     theta: np.ndarray | None = None) -> np.ndarray:
        """Completely standardized values (lavaan's ``std.all``) of parameters ``(lhs, op, rhs)``.

        At the estimates, or at another parameter vector ``theta`` (e.g. inside a
        function passed to :meth:`delta_method` or :meth:`wald`, for delta-method SEs
        and tests of standardized effects).
        """
        rows = [self._compiled.row_index(lhs, op, rhs, group=group) for lhs, op, rhs in paths]
        at = self._internal.theta if theta is None else np.asarray(theta, float)
        return self._internal.standardized(at, rows)

    def delta_method(self, fun: Callable[[np.ndarray], np.ndarray], *,
                     parameters: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Value and delta-method standard errors of ``fun(theta)``, a function of the free parameters.

        ``parameters``: the positions ``fun`` depends on, when known (e.g.
        :meth:`group_parameters` for a function of one group's estimates); the numerical
        derivatives are then taken over those alone.
        """
        theta = self._internal.theta
        value = np.atleast_1d(np.asarray(fun(theta), dtype=float))
        return value, delta_method_se(fun, theta, self.vcov.to_numpy(), parameters=parameters)

    def group_parameters(self, group: str | None = None) -> np.ndarray:
        """Positions (in ``params``) of the free parameters a group's model uses (all of them for one group)."""
        return self._compiled.group_parameters(group)

    def wald(self, constraints: str | Sequence[str] | Callable[[np.ndarray], np.ndarray], *,
             description: str = "") -> TestResult:
        """Wald test of constraints: text such as ``"a == b"`` or ``["a == 0", "b == 0"]`` on labels,
        or a function ``h(theta)`` of the free parameters (linear or not) that is zero under the null."""
        return self._internal.wald(constraints, description=description)

    def estimate(self, lhs: str, op: str, rhs: str = "", *, group: str | None = None) -> pd.Series:
        """One row of the parameter table."""
        p = self.parameters
        mask = (p["lhs"] == lhs) & (p["op"] == op) & (p["rhs"] == rhs)
        if group is not None:
            mask &= p["group"] == str(group)
        rows = p[mask]
        if rows.empty:
            raise KeyError(f"No parameter '{lhs} {op} {rhs}'" + (f" in group {group!r}" if group else ""))
        return rows.iloc[0]

    def to_dict(self) -> dict:
        """JSON-safe dictionary: ``parameters``, ``fit``, ``converged``, ``fit_seconds`` and more."""
        params = []
        for row in self.parameters[PARAMETER_COLUMNS].itertuples(index=False):
            params.append({k: json_safe(v) for k, v in zip(PARAMETER_COLUMNS, row)})
        return {
            "parameters": params,
            "fit": {k: json_safe(v) for k, v in self.fit.items()},
            "converged": bool(self.converged),
            "iterations": int(self.iterations),
            "fit_seconds": float(self.fit_seconds),
            "nobs": {str(k): int(v) for k, v in self.nobs.items()},
            "rows_dropped": {str(k): int(v) for k, v in self.rows_dropped.items()},
            "options": self.options,
            "warnings": list(self.warnings),
            "design": json_safe(self.design),
        }

    # ---- display --------------------------------------------------------------
    def summary(self) -> str:
        """lavaan-like text summary: fit first, then estimates with standardized values."""
        f = self.fit
        lines = []
        o = self.options
        lines.append(f"SEM fitted by {o['estimator'].upper()} ({'FIML' if o['missing'] == 'fiml' else 'complete cases'}), "
                     f"{'converged' if self.converged else 'NOT converged'} after {self.iterations} iterations")
        lines.append(f"  Observations used: {f['nobs']}" + (
            "  (" + ", ".join(f"{k}: {v}" for k, v in self.nobs.items()) + ")" if len(self.nobs) > 1 else ""))
        dropped = sum(self.rows_dropped.values())
        if dropped:
            lines.append(f"  Rows not used: {dropped} ({', '.join(f'{k}: {v}' for k, v in self.rows_dropped.items() if v)})")
        lines.append(f"  Free parameters: {f['npar']}")
        if self.design:
            lines.append(f"  Survey design: {design_words(self.design)}")
        lines.append("")
        lines.append("Model fit")
        def fmt(v, d=3):
            return "NA" if v is None or (isinstance(v, float) and not math.isfinite(v)) else f"{v:.{d}f}"
        lines.append(f"  Chi-square        {fmt(f['chisq'])}  df {f['df']}  p {fmt(f['pvalue'])}")
        if "chisq_scaled" in f:
            lines.append(f"  Scaled chi-square {fmt(f['chisq_scaled'])}  (scaling factor {fmt(f.get('chisq_scaling_factor'))})  p {fmt(f.get('pvalue_scaled'))}")
        lines.append(f"  CFI {fmt(f['cfi'])}   TLI {fmt(f['tli'])}")
        if "cfi_robust" in f:
            lines.append(f"  Robust CFI {fmt(f['cfi_robust'])}   TLI {fmt(f['tli_robust'])}   RMSEA {fmt(f['rmsea_robust'])}")
        lines.append(f"  RMSEA {fmt(f['rmsea'])}  90% CI [{fmt(f['rmsea_ci_lower'])}, {fmt(f['rmsea_ci_upper'])}]   SRMR {fmt(f['srmr'])}")
        lines.append(f"  Log-likelihood {fmt(f['logl'])}   AIC {fmt(f['aic'])}   BIC {fmt(f['bic'])}")
        lines.append("")
        table = self.to_frame()
        names = {"=~": "Latent variables", "~": "Regressions", "~~": "Variances and covariances",
                 "~1": "Intercepts"}
        groups = [None] if len(self.group_labels) <= 1 else list(self.group_labels)
        for g in groups:
            if g is not None:
                lines.append(f"Group {g}")
            sub = table[table["op"] != ":="] if g is None else table[table["group"] == g]
            for op, title in names.items():
                rows = sub[sub["op"] == op]
                if rows.empty:
                    continue
                lines.append(f"  {title}:")
                lines.append(f"    {'':<28}{'Estimate':>10}{'Std.Err':>10}{'z':>9}{'P(>|z|)':>9}{'Std.all':>9}")
                for r in rows.itertuples(index=False):
                    name = f"{r.lhs} {r.op} {r.rhs}".strip()
                    if r.label:
                        name += f" ({r.label})"
                    lines.append(
                        f"    {name[:28]:<28}{fmt(r.est):>10}{fmt(r.se if r.se else None):>10}"
                        f"{fmt(r.z, 2):>9}{fmt(r.pvalue):>9}{fmt(r.std_all):>9}"
                    )
            lines.append("")
        defined = table[table["op"] == ":="]
        if not defined.empty:
            lines.append("Defined parameters:")
            for r in defined.itertuples(index=False):
                lines.append(f"    {(r.lhs + ' := ' + r.rhs)[:28]:<28}{fmt(r.est):>10}{fmt(r.se):>10}"
                             f"{fmt(r.z, 2):>9}{fmt(r.pvalue):>9}{fmt(r.std_all):>9}")
            lines.append("")
        for w in self.warnings:
            lines.append(f"Warning: {w}")
        return "\n".join(lines).rstrip() + "\n"

    def __str__(self) -> str:
        return self.summary()

    def __repr__(self) -> str:
        """One line: estimator, the model's first statements, N, free parameters, chi-square on df, convergence."""
        lines = [ln.split("#")[0].strip() for ln in self.model.splitlines()]
        lines = [ln for ln in lines if ln]
        model = "; ".join(lines)
        model = model if len(model) <= 32 else model[:31].rstrip() + "…"
        f, o = self.fit, self.options
        n = f.get("nobs")
        size = "N = ?" if n is None else f"N = {int(n):,}" if n >= 10 else "N < 10"  # disclosure threshold
        chisq = f.get("chisq")
        chisq = "NA" if chisq is None or not math.isfinite(float(chisq)) else f"{float(chisq):.2f}"
        groups = f" in {len(self.group_labels)} groups" if len(self.group_labels) > 1 else ""
        estimator = o["estimator"].upper() + ("/FIML" if o["missing"] == "fiml" else "")
        statements = f" ({len(lines)} lines)" if len(lines) > 1 else ""
        return (f"SEMResults({estimator} of {model!r}{statements}: {size}{groups}, npar {f.get('npar')}, "
                f"chisq {chisq} on {f.get('df')} df, {'converged' if self.converged else 'NOT converged'})")

    def _repr_html_(self) -> str:
        fit_rows = "".join(
            f"<tr><th>{html.escape(k)}</th><td>{'' if json_safe(self.fit.get(k)) is None else round(float(self.fit[k]), 4)}</td></tr>"
            for k in FIT_KEYS
        )
        table = self.to_frame().round(4).to_html(index=False, na_rep="", classes="sem-parameters")
        status = "converged" if self.converged else "did NOT converge"
        warn = "".join(f"<p><strong>Warning:</strong> {html.escape(w)}</p>" for w in self.warnings)
        return (
            f"<div class='sem-results'><p>SEM ({html.escape(self.options['estimator'].upper())}, "
            f"{html.escape(self.options['missing'])}), {status}.</p>"
            f"<table class='sem-fit'>{fit_rows}</table>{table}{warn}</div>"
        )

    def to_html(self) -> str:
        """The HTML summary (same as the notebook display)."""
        return self._repr_html_()


def design_words(design: dict) -> str:
    """The survey design of a fit in a few words (for summaries, reports and the CLI)."""
    parts = []
    if design.get("weight"):
        parts.append(f"weighted by {design['weight']}")
    if design.get("cluster"):
        psu = f"{design['n_psu']} PSUs ({design['cluster']})"
        if design.get("strata"):
            psu += f" in {design['n_strata']} strata ({design['strata']})"
        parts.append(psu + ", design-based standard errors")
    dropped = (design.get("zero_weight") or 0) + (design.get("missing_weight") or 0)
    if dropped:
        parts.append(f"{design.get('zero_weight') or 0} rows with zero and {design.get('missing_weight') or 0} "
                     "with missing weight not used")
    return "; ".join(parts) or "none"
