r"""Large-sample (Wald-test) power of the lagged parameters, in well under a second.

The Monte Carlo power of :func:`analysis.power.run_power` is exact for the design but takes
minutes; this module gives the standard asymptotic answer first (Satorra & Saris 1985; the
Wald-test power of pwrSEM and semPower), which the simulations then check.

For each design cell the fitted model is fitted once to a *pseudo-population*: complete
scores whose mean and covariance are exactly the design's population moments, each row
split into the design's monotone-dropout patterns with the probability of each pattern as
its weight (constant under MCAR; under MAR the product of the dropout probabilities given the
person's earlier scores, so the pattern moments are those of the persons who actually stay).
The observed information of that weighted fit, divided by its total weight, is the
per-person (expected) information :math:`\mathcal I_1` of the design with its attrition:
the data enter a normal likelihood's second derivatives only through the patterns' first two
moments, which the pseudo-population reproduces.  The standard error with :math:`N` persons
at the first wave is then :math:`SE_1/\sqrt N` with :math:`SE_1^2` the parameter's diagonal
element of :math:`\mathcal I_1^{-1}` (for lags free over intervals, the average's
:math:`w^\top \mathcal I_1^{-1} w`), and the power of the two-sided Wald test at level
:math:`\alpha` for a parameter whose (pseudo-)true value is :math:`\theta`:

.. math::

    \pi(N) = \Phi\!\left(\frac{|\theta|}{SE_1/\sqrt N} - z_{1-\alpha/2}\right)
           + \Phi\!\left(-\frac{|\theta|}{SE_1/\sqrt N} - z_{1-\alpha/2}\right).

The sample size reaching a target power is the smallest whole :math:`N` with
:math:`\pi(N) \ge` target (close to :math:`((z_{1-\alpha/2} + z_{\text{target}})\, SE_1/|\theta|)^2`).

Assumptions: the estimate is normal around its (pseudo-)true value with the model-based SE
(large-sample normality; reached slowly for small N, many waves or heavy attrition, where the
Monte Carlo power is the one to trust).  For a misspecified model (the CLPM with stable
differences between persons, scores with reliability below 1) :math:`\theta` is the value
the estimate converges to (``pseudo_true``, as in :class:`PowerResults`) and the model-based
SE is used; the simulations show how far the two differ.  Under MAR dropout the pattern
moments are integrals over the persons' scores, taken over 8,192 fixed quasi-random
(scrambled Sobol) points, so the SE carries an integration error of about 0.1%; under MCAR
they are exact.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd
from scipy import special, stats
from scipy.stats import qmc

from analysis.errors import ConvergenceError
from analysis.outputs import json_safe
from analysis.power.design import MAX_N, PARAMETERS, PATHS, Cell, PowerDesign, observed_names
from analysis.power.fitting import compile_power_model, fit_sample, population_fit
from analysis.power.sample_size import CELL_COLUMNS, CURVE_COLUMNS
from analysis.power.simulate import MAR_LOG_ODDS_PER_SD, mar_intercept
from analysis.power.summary import PowerResults, _check_levels, design_notes

#: Persons (quasi-random points, a power of 2) of the MAR pseudo-population; MCAR and no attrition
#: are exact with any number above the variables', so a few hundred do.
MAR_PERSONS = 8192
EXACT_PERSONS = 512
#: Widest Monte Carlo margin (1.96 MCSE of the simulated power) at which the simulations are said to
#: confirm the approximation; about 270 studies per size at power 0.5, 170 at 0.8.
CLOSE_CHECK = 0.06
#: The pseudo-population's fixed seed: the answer is a function of the design alone.
SEED = 20261128

ASSUMPTIONS = (
    "a large-sample approximation: the estimate is taken to be normal around its true value with the "
    "model's standard error, which holds well for large studies",
)


def _pseudo_population(cell: Cell, order: list[int], persons: int) -> tuple[np.ndarray, np.ndarray | None]:
    """Rows (persons x patterns) with the design's exact moments and each pattern's probability as weight."""
    T, p = cell.waves, 2 * cell.waves
    # Scrambled Sobol points: for the smooth MAR weights far more even than random draws (at 4 waves
    # 8,192 points vary by under 0.1% between scramblings; 30,000 random draws by 0.2%).
    u = qmc.Sobol(d=p, scramble=True, seed=np.random.default_rng(SEED)).random(persons)
    z = stats.norm.ppf(u)
    z -= z.mean(axis=0)
    # Whitened, then coloured: the rows' mean and covariance (divisor N) are exactly the population's.
    z = np.linalg.solve(np.linalg.cholesky(z.T @ z / persons), z.T).T
    y = z @ np.linalg.cholesky(cell.population_cov()).T
    if cell.attrition == 0.0:
        return y[:, order], None
    if cell.mechanism == "mar":
        c = mar_intercept(cell.attrition)
        scale = math.sqrt(cell.reliability)
        # drop[:, j]: the probability of leaving at wave j + 2 (1-based), given y at wave j + 1 (as simulate).
        drop = special.expit(c + MAR_LOG_ODDS_PER_SD * y[:, T:2 * T - 1] * scale)
    else:
        drop = np.full((persons, T - 1), cell.attrition)
    stay = np.cumprod(1.0 - drop, axis=1)  # stay[:, j]: still there at wave j + 2
    rows, weights = [], []
    for last in range(1, T + 1):  # observed at waves 1..last
        w = np.ones(persons) if last == 1 else stay[:, last - 2].copy()
        if last < T:
            w *= drop[:, last - 1]
        part = y.copy()
        part[:, last:T] = np.nan
        part[:, T + last:] = np.nan
        rows.append(part)
        weights.append(w)
    y_all, w_all = np.vstack(rows), np.concatenate(weights)
    keep = w_all > 0.0
    return y_all[keep][:, order], w_all[keep]


@lru_cache(maxsize=256)
def per_person_se(model: str, lags: str, cell: Cell) -> dict[str, float]:
    """:math:`SE_1` of each lagged parameter: its standard error with one person (``SE(N) = SE_1 / sqrt(N)``).

    The cell's ``n`` plays no part (the cache sees it; callers may pass any ``n``).
    """
    power_model = compile_power_model(model, cell.waves, lags)
    names = observed_names(cell.waves)
    order = [names.index(v) for v in power_model.ov_names]
    start, _ = population_fit(model, lags, cell)
    persons = MAR_PERSONS if cell.attrition > 0.0 and cell.mechanism == "mar" else EXACT_PERSONS
    y, w = _pseudo_population(cell, order, persons)
    out = fit_sample(power_model, power_model.compiled.sample(y, weights=w), start=start, se=True)
    if out.status != "ok":
        raise ConvergenceError(
            f"The large-sample power of the {model.upper()} could not be computed for the design (n {cell.n}, "
            f"{cell.waves} waves, icc {cell.icc}, attrition {cell.attrition}): {out.message}. The simulations "
            "still give the power.")
    total = float(y.shape[0])  # the weights are rescaled to sum to the rows used
    return {p: out.se[p] * math.sqrt(total) for p in PARAMETERS}


def wald_power(theta: float, se: float, *, alpha: float) -> float:
    """Power of the two-sided Wald test of ``theta = 0`` at level ``alpha`` when the estimate is N(theta, se²)."""
    z = stats.norm.ppf(1.0 - alpha / 2.0)
    r = abs(theta) / se
    return float(stats.norm.cdf(r - z) + stats.norm.cdf(-r - z))


def smallest_n(theta: float, se1: float, *, alpha: float, target: float) -> int:
    """Smallest whole N with ``wald_power(theta, se1 / sqrt(N)) >= target`` (theta != 0)."""
    z = stats.norm.ppf(1.0 - alpha / 2.0) + stats.norm.ppf(target)
    n = max(1, math.ceil((z * se1 / abs(theta)) ** 2))
    # The second (wrong-sign) tail only adds power, so the first-tail N is an upper bound; step down.
    while n > 1 and wald_power(theta, se1 / math.sqrt(n - 1), alpha=alpha) >= target:
        n -= 1
    while wald_power(theta, se1 / math.sqrt(n), alpha=alpha) < target:  # rounding safety
        n += 1
    return n


def _cell_columns(cell: Cell) -> dict:
    e = cell.effects
    return {"n": cell.n, "waves": cell.waves, "icc": cell.icc, "ar_x": e.ar_x, "ar_y": e.ar_y, "cl_xy": e.cl_xy,
            "cl_yx": e.cl_yx, "reliability": cell.reliability, "attrition": cell.attrition}


@dataclass(frozen=True)
class AsymptoticPower:
    """Results of :func:`asymptotic_power` (read-only).

    Attributes
    ----------
    table
        Per cell and lagged parameter: the setting (as :class:`PowerResults`' table), ``parameter``,
        ``path``, ``true``, ``pseudo_true``, ``se_1`` (SE with one person), ``se`` (at the cell's N)
        and ``power``.
    sample_size
        Per curve (every setting but N) and parameter: ``true``, ``pseudo_true``, ``n_required``
        (smallest whole N reaching the target power; missing for a zero effect) and ``how``.
    assumptions
        What the approximation assumes, in words.
    """

    design: PowerDesign
    alpha: float
    target_power: float
    table: pd.DataFrame
    sample_size: pd.DataFrame
    assumptions: tuple[str, ...] = ASSUMPTIONS
    notes: tuple[str, ...] = ()

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()

    def to_dict(self) -> dict:
        def records(frame: pd.DataFrame) -> list[dict]:
            return [{k: json_safe(v) for k, v in r.items()} for r in frame.to_dict("records")]

        return {"method": "asymptotic Wald test", "design": self.design.to_dict(), "alpha": float(self.alpha),
                "target_power": float(self.target_power), "table": records(self.table),
                "sample_size": records(self.sample_size), "assumptions": list(self.assumptions),
                "notes": list(self.notes)}

    def __repr__(self) -> str:
        return (f"AsymptoticPower({len(self.table)} rows, alpha {self.alpha:g}, "
                f"target power {self.target_power:g})")

    def sentences(self, parameters: tuple[str, ...] = ("cl_xy", "cl_yx")) -> list[str]:
        """One plain-words sentence (Markdown) per curve and parameter: the N reaching the target power."""
        out = []
        rows = self.sample_size[self.sample_size["parameter"].isin(parameters)]
        varying = _varying(self.sample_size)
        chance = f"{_article(self.target_power)} {self.target_power:.0%} chance"
        for r in rows.itertuples(index=False):
            setting = _setting_words(r, varying)
            if pd.isna(r.n_required):
                out.append(f"**{r.path} = {r.true:g}** ({setting}): {r.how}.")
            else:
                out.append(f"About **{int(r.n_required):,} people** give {chance} of detecting "
                           f"**{r.path} = {r.true:g}** with {setting} (p < {self.alpha:g}){_biased(r)}.")
        return out

    def compare(self, simulated: PowerResults) -> pd.DataFrame:
        """This approximation against the simulated power, cell by cell.

        ``agrees`` is True when the two differ by less than 1.96 Monte Carlo SEs of the simulated power
        (the SE the simulation would have if the approximation were right, so a power of 0 or 1 is not
        taken as exact).
        """
        keys = CELL_COLUMNS + ["parameter"]
        sim = simulated.table[keys + ["power", "converged"]].rename(columns={"power": "simulated"})
        both = self.table[keys + ["path", "true", "power"]].rename(columns={"power": "approximation"}).merge(
            sim, on=keys, how="inner")
        p = both["approximation"].clip(1e-3, 1 - 1e-3)
        both["mcse"] = np.sqrt(p * (1 - p) / both["converged"].clip(lower=1))
        both["difference"] = both["simulated"] - both["approximation"]
        both["agrees"] = both["difference"].abs() <= 1.96 * both["mcse"]
        return both

    def check_sentences(self, simulated: PowerResults, parameters: tuple[str, ...] = ("cl_xy", "cl_yx")) -> list[str]:
        """Plain words (Markdown): do the simulated studies confirm the approximation?"""
        table = self.compare(simulated)
        table = table[table["parameter"].isin(parameters)]
        if table.empty:
            return []
        curve = CURVE_COLUMNS + ["parameter"]
        out = []
        varying = _varying(self.sample_size)
        for _, sub in table.groupby(curve, sort=False):
            first = sub.iloc[0]
            setting = f" ({_setting_words(first, varying)})"
            pairs = ", ".join(f"{int(r.n):,} people {_share(r.simulated)} (approximation {r.approximation:.0%})"
                              for r in sub.itertuples(index=False))
            margin = 1.96 * float(sub["mcse"].max())
            if (sub["converged"] == 0).any():
                sizes = ", ".join(f"{int(n):,}" for n in sub.loc[sub["converged"] == 0, "n"])
                verdict = f"no simulated study converged at {sizes} people, so the simulations cannot check it there"
            elif not sub["agrees"].all():
                off = sub[~sub["agrees"]]
                sizes = ", ".join(f"{int(n):,}" for n in off["n"])
                verdict = (f"the simulations differ from the approximation by more than their Monte Carlo error at "
                           f"{sizes} people; trust the simulated power there")
            elif margin <= CLOSE_CHECK:
                verdict = (f"the simulations confirm the approximation (they agree within their Monte Carlo error, "
                           f"±{margin * 100:.0f} percentage points)")
            else:
                studies = int(sub["converged"].min())
                verdict = (f"the simulations do not contradict the approximation, but with {studies} simulated "
                           f"studies per size they only show differences larger than ±{margin * 100:.0f} "
                           "percentage points; more simulated studies check it more closely")
            out.append(f"**{first['path']} = {first['true']:g}**{setting}: {verdict}. Simulated power: {pairs}.")
        return out

    def summary(self) -> str:
        """Plain text: the power per cell and the sample sizes, with what the approximation assumes."""
        lines = [f"Large-sample (Wald-test) power for the {self.design.model.upper()} (alpha {self.alpha:g})", ""]
        show = ["n", "waves", "icc", "reliability", "attrition", "path", "true", "pseudo_true", "se", "power"]
        t = self.table[self.table["parameter"].isin(["cl_xy", "cl_yx"])][show]
        lines += [t.to_string(index=False, float_format=lambda v: f"{v:.3f}"), ""]
        lines.append(f"Sample size for power {self.target_power:g}:")
        lines += [f"  {s.replace('**', '')}" for s in self.sentences()]
        lines += [f"This is {a}; run_power's simulated studies check it at a given N." for a in self.assumptions]
        lines += [f"Note: {n}" for n in self.notes]
        return "\n".join(lines) + "\n"

    def __str__(self) -> str:
        return self.summary()


#: How each setting of a curve is named in the sentences (the effect itself is named with its path).
_SETTING_WORDS = {"icc": "ICC", "reliability": "reliability", "attrition": "dropout per wave",
                  "ar_x": "autoregression of x", "ar_y": "autoregression of y"}


def _varying(sizes: pd.DataFrame) -> list[str]:
    """The settings (besides waves and the cross-lags) that differ between curves: only they are named."""
    return [c for c in _SETTING_WORDS if c in sizes and sizes[c].nunique() > 1]


def _setting_words(r, varying: list[str]) -> str:
    get = (lambda k: r[k]) if isinstance(r, pd.Series) else (lambda k: getattr(r, k))
    return ", ".join([f"{int(get('waves'))} waves"] + [f"{_SETTING_WORDS[k]} {get(k):g}" for k in varying])


def _biased(r) -> str:
    """Words for a fitted model whose estimate does not converge to the population effect (else '')."""
    if abs(r.pseudo_true - r.true) < 0.005:
        return ""
    return (f"; but the fitted model's estimate tends to {r.pseudo_true:.2f}, not {r.true:g} (it is biased here), "
            "so this is the chance of a significant, biased estimate")


def _share(p: float) -> str:
    return "none converged" if pd.isna(p) else f"{p:.0%}"


def _article(share: float) -> str:
    """'a' or 'an' before a percentage read aloud (an 80% chance, an 8% chance, a 90% chance)."""
    k = round(share * 100)
    return "an" if k in (8, 11, 18) or 80 <= k <= 89 else "a"


def asymptotic_power(design: PowerDesign, *, alpha: float = 0.05, target_power: float = 0.8) -> AsymptoticPower:
    """Large-sample Wald-test power and required sample size for every cell of ``design``.

    Parameters
    ----------
    design
        The grid (:class:`analysis.power.PowerDesign`), as for :func:`analysis.power.run_power`.
    alpha, target_power
        Significance level of the two-sided Wald test, and the power the sample sizes aim for.

    Returns
    -------
    AsymptoticPower
        ``table`` (power at each cell's N) and ``sample_size`` (the N reaching the target), with the
        assumptions in words; see the module docstring for the method.  Check small samples with
        :func:`analysis.power.run_power`.
    """
    _check_levels(alpha, target_power)
    rows, sizes = [], {}
    for cell in design.cells():
        # Neither the pseudo-true values nor SE_1 depend on N: one fit of each per curve.
        curve = _curve_cell(cell)
        _, pseudo = population_fit(design.model, design.lags, curve)
        se1 = per_person_se(design.model, design.lags, curve)
        for p in PARAMETERS:
            true = cell.effects.value(p)
            se = se1[p] / math.sqrt(cell.n)
            rows.append({**_cell_columns(cell), "parameter": p, "path": PATHS[p], "true": true,
                         "pseudo_true": pseudo[p], "se_1": se1[p], "se": se,
                         "power": wald_power(pseudo[p], se, alpha=alpha)})
            sizes.setdefault((curve, p), (true, pseudo[p], se1[p]))
    table = pd.DataFrame(rows)
    out = []
    for (cell, p), (true, pseudo, se1) in sizes.items():
        setting = {k: v for k, v in _cell_columns(cell).items() if k != "n"}
        if true == 0.0:
            n_req, how = None, "no effect in the population: 'power' here is the false-positive rate"
        elif pseudo == 0.0:
            n_req, how = None, "the fitted model's estimate converges to 0 here, so no sample size reaches the target"
        else:
            n_req = float(smallest_n(pseudo, se1, alpha=alpha, target=target_power))
            how = "large-sample Wald-test approximation"
            if n_req > MAX_N:
                n_req, how = None, (f"more than {MAX_N:,} people (the fitted model's estimate converges to "
                                    f"{pseudo:.3g} here)")
        out.append({**setting, "parameter": p, "path": PATHS[p], "true": true, "pseudo_true": pseudo,
                    "target_power": target_power, "n_required": n_req, "how": how})
    return AsymptoticPower(design=design, alpha=alpha, target_power=target_power, table=table,
                           sample_size=pd.DataFrame(out, columns=CURVE_COLUMNS + [
                               "parameter", "path", "true", "pseudo_true", "target_power", "n_required", "how"]),
                           notes=design_notes(design))


def _curve_cell(cell: Cell) -> Cell:
    """The cell with a fixed N, so that the caches hold one entry per curve."""
    return Cell(n=1000, waves=cell.waves, icc=cell.icc, effects=cell.effects, reliability=cell.reliability,
                attrition=cell.attrition, mechanism=cell.mechanism, within_cor=cell.within_cor, ri_cor=cell.ri_cor)
