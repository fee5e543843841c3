r"""Performance of the estimators over replicates, with Monte Carlo standard errors.

For each design cell and lagged parameter, over the :math:`R` replicates that
converged (failed ones are counted and reported, never silently dropped), with
:math:`\theta` the population value and :math:`\hat\theta_r, \widehat{SE}_r` the
estimates and standard errors (Morris, White & Crowther 2019, table 6):

* mean estimate :math:`\bar\theta`, MCSE :math:`s_{\hat\theta}/\sqrt R`;
* bias :math:`\bar\theta - \theta`, MCSE :math:`s_{\hat\theta}/\sqrt R`;
* empirical SE :math:`s_{\hat\theta}`, MCSE :math:`s_{\hat\theta}/\sqrt{2(R-1)}`;
* mean model SE :math:`\overline{SE}`, MCSE :math:`s_{SE}/\sqrt R`;
* MSE :math:`\frac1R\sum_r(\hat\theta_r-\theta)^2`, MCSE
  :math:`\sqrt{\sum_r[(\hat\theta_r-\theta)^2-\mathrm{MSE}]^2/(R(R-1))}`;
* coverage :math:`c`, the share of Wald :math:`(1-\alpha)` intervals containing
  :math:`\theta`, MCSE :math:`\sqrt{c(1-c)/R}`;
* power :math:`\pi`, the share of Wald tests with :math:`p < \alpha`, MCSE
  :math:`\sqrt{\pi(1-\pi)/R}`.

When :math:`\theta = 0`, "power" is the false-positive (type I error) rate and
should be close to :math:`\alpha`.

The sample size reaching a target power is read off the grid by
:mod:`analysis.power.sample_size`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from analysis.errors import UsageError
from analysis.outputs import json_safe
from analysis.power.design import PARAMETERS, PATHS, Cell, PowerDesign
from analysis.power.fitting import population_fit
from analysis.power.sample_size import CELL_COLUMNS, sample_size_table



def _check_levels(alpha: float, target_power: float) -> None:
    if not 0.0 < alpha < 1.0:
        raise UsageError(f"alpha must be between 0 and 1; got {alpha}.")
    if not 0.0 < target_power < 1.0:
        raise UsageError(f"The target power must be between 0 and 1; got {target_power}.")


def performance(est: np.ndarray, se: np.ndarray, true: float, *, alpha: float) -> dict[str, float]:
    """Performance measures and their Monte Carlo SEs for one parameter (converged replicates)."""
    R = est.size
    nan = float("nan")
    if R == 0:
        keys = ("mean_est", "bias", "emp_se", "mean_se", "mse", "coverage", "power")
        return {k: nan for base in keys for k in (base, f"{base}_mcse")}
    q = stats.norm.ppf(1.0 - alpha / 2.0)
    sd = float(np.std(est, ddof=1)) if R > 1 else nan
    err2 = (est - true) ** 2
    mse = float(err2.mean())
    with np.errstate(divide="ignore", invalid="ignore"):
        pvalue = 2.0 * stats.norm.sf(np.abs(est / se))
    covered = (est - q * se <= true) & (true <= est + q * se)
    cov_rate = float(covered.mean())
    power = float((pvalue < alpha).mean())
    mean = float(est.mean())
    return {
        "mean_est": mean, "mean_est_mcse": sd / math.sqrt(R),
        "bias": mean - true, "bias_mcse": sd / math.sqrt(R),
        "emp_se": sd, "emp_se_mcse": sd / math.sqrt(2 * (R - 1)) if R > 1 else nan,
        "mean_se": float(se.mean()), "mean_se_mcse": float(np.std(se, ddof=1)) / math.sqrt(R) if R > 1 else nan,
        "mse": mse, "mse_mcse": float(np.sqrt(((err2 - mse) ** 2).sum() / (R * (R - 1)))) if R > 1 else nan,
        "coverage": cov_rate, "coverage_mcse": math.sqrt(cov_rate * (1 - cov_rate) / R),
        "power": power, "power_mcse": math.sqrt(power * (1 - power) / R),
    }


def _cell_columns(cell: Cell) -> dict[str, Any]:
    e = cell.effects
    return {"n": cell.n, "waves": cell.waves, "icc": cell.icc, "ar_x": e.ar_x, "ar_y": e.ar_y, "cl_xy": e.cl_xy,
            "cl_yx": e.cl_yx, "reliability": cell.reliability, "attrition": cell.attrition}


def performance_table(design: PowerDesign, records: pd.DataFrame, *, replicates: int, alpha: float,
                      pseudo_true: dict[str, dict[str, float]]) -> pd.DataFrame:
    """One row per cell and lagged parameter (see the module docstring for the columns)."""
    rows = []
    by_cell = dict(tuple(records.groupby("cell", sort=False))) if len(records) else {}
    for cell in design.cells():
        recs = by_cell.get(cell.key, records.iloc[0:0])
        recs = recs[recs["rep"] < replicates]
        ok = recs[recs["status"] == "ok"]
        counts = {"replicates": int(len(recs)), "converged": int(len(ok)),
                  "failed": int(len(recs) - len(ok)), "improper": int(ok["improper"].astype(bool).sum())}
        for p in PARAMETERS:
            true = cell.effects.value(p)
            est = ok[f"est_{p}"].to_numpy(float)
            se = ok[f"se_{p}"].to_numpy(float)
            rows.append({**_cell_columns(cell), "parameter": p, "path": PATHS[p], "true": true,
                         "pseudo_true": pseudo_true[cell.key][p], **counts,
                         **performance(est, se, true, alpha=alpha)})
    return pd.DataFrame(rows)


@dataclass(frozen=True)
class PowerResults:
    """Results of :func:`analysis.power.run_power` (read-only).

    Attributes
    ----------
    table
        Per cell and lagged parameter: the setting, ``true`` and ``pseudo_true`` values,
        replicate counts (``replicates``, ``converged``, ``failed``, ``improper``) and the
        performance measures with ``_mcse`` columns.
    sample_size
        Per curve (every setting but N) and parameter: ``n_required`` and ``how`` it was found.
    replicates
        One row per replicate: ``cell`` (key), ``rep``, ``status``, estimates and SEs.
    """

    design: PowerDesign
    seed: int
    n_replicates: int
    alpha: float
    target_power: float
    table: pd.DataFrame
    sample_size: pd.DataFrame
    replicates: pd.DataFrame
    folder: Path | None = None
    notes: tuple[str, ...] = field(default=())

    def to_frame(self) -> pd.DataFrame:
        """The performance table (a copy): one row per design cell and lagged parameter."""
        return self.table.copy()

    def rows(self, parameter: str) -> pd.DataFrame:
        return self.table[self.table["parameter"] == parameter]

    def plot(self, parameters: tuple[str, ...] = ("cl_xy", "cl_yx"), *, title: str | None = None, ax=None,
             save=None):
        """Power curves (matplotlib Figure); see :func:`analysis.power.plot.power_curves`.

        ``ax``: one matplotlib axes per parameter to draw into; ``save``: also save the figure there
        (PNG and SVG without a suffix, else the suffix's format).
        """
        from analysis.power.plot import power_curves
        from analysis.reporting.figures import save_plot

        fig = power_curves(self.table, self.sample_size, alpha=self.alpha, target_power=self.target_power,
                           parameters=parameters, ax=ax, title=title or f"{self.design.model.upper()}: power from "
                           f"{self.n_replicates} simulated studies per point (bars: ±1.96 Monte Carlo SE)")
        save_plot(fig, save)
        return fig

    def to_dict(self) -> dict:
        """JSON-safe: design, settings, the performance table and the sample sizes."""
        def records(frame: pd.DataFrame) -> list[dict]:
            return [{k: json_safe(v) for k, v in r.items()} for r in frame.to_dict("records")]

        failures = self.replicates[self.replicates["status"] != "ok"] if len(self.replicates) else self.replicates
        return {
            "design": self.design.to_dict(), "fit": self.design.fit_settings(), "seed": int(self.seed),
            "replicates": int(self.n_replicates), "alpha": float(self.alpha), "target_power": float(self.target_power),
            "table": records(self.table), "sample_size": records(self.sample_size),
            "failures": {str(k): int(v) for k, v in
                         (failures["status"].value_counts().items() if len(failures) else [])},
            "folder": None if self.folder is None else str(self.folder), "notes": list(self.notes),
        }

    def __repr__(self) -> str:
        return (f"PowerResults({self.n_replicates} replicates per cell, {len(self.table)} rows, "
                f"alpha {self.alpha:g}, target power {self.target_power:g})")

    def summary(self) -> str:
        """Plain-text report: what was simulated, power per setting, the sample sizes."""
        d = self.design
        lines = [f"Monte Carlo power for the {d.model.upper()} ({self.n_replicates} replicates per design, "
                 f"alpha {self.alpha:g}, seed {self.seed})",
                 "Power is the chance that a study of this design finds the effect (p < alpha) if it is real "
                 "and of the size assumed.", ""]
        show = ["n", "waves", "icc", "reliability", "attrition", "path", "true", "mean_est", "bias", "mean_se",
                "emp_se", "coverage", "power", "power_mcse", "converged", "failed"]
        t = self.table[self.table["parameter"].isin(["cl_xy", "cl_yx"])][show]
        lines.append(t.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
        lines.append("")
        failed = int(self.table.groupby(CELL_COLUMNS)["failed"].first().sum())
        if failed:
            lines.append(f"{failed} replicates did not converge or had no standard errors; they are counted in "
                         "'failed' and left out of the measures.")
        improper = int(self.table.groupby(CELL_COLUMNS)["improper"].first().sum())
        if improper:
            lines.append(f"{improper} converged replicates had a negative variance estimate; they are kept.")
        lines.append(f"Sample size for power {self.target_power:g}:")
        for r in self.sample_size[self.sample_size["parameter"].isin(["cl_xy", "cl_yx"])].itertuples(index=False):
            setting = f"{r.waves} waves, icc {r.icc:g}, reliability {r.reliability:g}, attrition {r.attrition:g}"
            if r.n_required is None or (isinstance(r.n_required, float) and math.isnan(r.n_required)):
                lines.append(f"  {r.path} = {r.true:g} ({setting}): {r.how}.")
            else:
                lines.append(f"  {r.path} = {r.true:g} ({setting}): N = {int(r.n_required)} ({r.how}).")
        lines += [f"Note: {n}" for n in self.notes]
        return "\n".join(lines) + "\n"

    def __str__(self) -> str:
        return self.summary()


def design_notes(design: PowerDesign) -> tuple[str, ...]:
    notes = []
    if design.model == "clpm" and any(i > 0 for i in design.icc):
        notes.append("The CLPM ignores stable differences between persons (icc > 0), so its lagged estimates are "
                     "biased for the within-person effects; see the bias and coverage columns.")
    if any(r < 1 for r in design.reliability):
        notes.append("With reliability below 1 the fitted model does not separate measurement error, so the "
                     "lagged estimates are biased; pseudo_true shows what they converge to.")
    if any(a > 0 for a in design.attrition):
        notes.append(f"Attrition is monotone dropout ({design.attrition_mechanism.upper()}); models are fitted by "
                     "full-information maximum likelihood, so everyone's observed waves count.")
    return tuple(notes)


def summarize(design: PowerDesign, records: pd.DataFrame, *, seed: int, replicates: int, alpha: float = 0.05,
              target_power: float = 0.8, folder: Path | None = None) -> PowerResults:
    """Build :class:`PowerResults` from replicate records (e.g. a run folder's, at another alpha)."""
    _check_levels(alpha, target_power)
    pseudo = {c.key: population_fit(design.model, design.lags, c)[1] for c in design.cells()}
    table = performance_table(design, records, replicates=replicates, alpha=alpha, pseudo_true=pseudo)
    return PowerResults(design=design, seed=seed, n_replicates=replicates, alpha=alpha, target_power=target_power,
                        table=table, sample_size=sample_size_table(table, target_power), replicates=records,
                        folder=folder, notes=design_notes(design))
