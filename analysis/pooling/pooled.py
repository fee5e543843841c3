"""``pool_cohorts``: cross-lags of several studies on one time scale, pooled by random effects.

Each study's time-invariant lag matrix is moved to the common interval through the
continuous-time drift (:func:`analysis.pooling.convert`; Voelkle et al. 2012, Kuiper &
Ryan 2018), then each converted effect is pooled across studies with a REML
random-effects meta-analysis (:func:`analysis.pooling.random_effects`, as
``metafor::rma``; Viechtbauer 2010).  For comparison the raw lags are pooled as they
are ("naive"), which mixes effects over different intervals.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from analysis.errors import DataError
from analysis.interpret import p_text, readable, significant
from analysis.naming import name_of
from analysis.outputs import json_safe
from analysis.pooling.cohorts import CohortLags, align
from analysis.pooling.meta import MetaResult, random_effects
from analysis.pooling.timescale import Converted, convert

#: Entries of the lag matrix: (row, column) of each effect.
CELLS = {"ar_x": (0, 0), "y_to_x": (0, 1), "x_to_y": (1, 0), "ar_y": (1, 1)}
DIRECTIONS = ("x_to_y", "y_to_x")
POOLED_KEYS = ("est", "se", "ci_lower", "ci_upper", "tau2", "i2", "q_pvalue", "pi_lower", "pi_upper")
METHODS = (
    "Each study's lagged effects (autoregressions and cross-lags, held equal over waves) were moved to a common "
    "interval between waves through the continuous-time drift matrix, A = log(Phi)/Delta and "
    "Phi(Delta*) = exp(A Delta*) (Voelkle, Oud, Davidov & Schmidt 2012; Kuiper & Ryan 2018), with standard errors "
    "by the delta method from the covariance of the four lag estimates. The converted effects were pooled across "
    "studies by a random-effects meta-analysis with restricted maximum likelihood (REML), as metafor's rma "
    "(Viechtbauer 2010): pooled estimate with 95% confidence interval, between-study variance tau², I², "
    "Cochran's Q test and a 95% prediction interval for the effect in a new study.")
REFERENCES = (
    "Kuiper, R. M., & Ryan, O. (2018). Drawing conclusions from cross-lagged relationships: Re-considering the "
    "role of the time-interval. Structural Equation Modeling, 25(5), 809-823.",
    "Voelkle, M. C., Oud, J. H. L., Davidov, E., & Schmidt, P. (2012). An SEM approach to continuous time "
    "modeling of panel data: Relating authoritarianism and anomia. Psychological Methods, 17(2), 176-192.",
    "Viechtbauer, W. (2010). Conducting meta-analyses in R with the metafor package. Journal of Statistical "
    "Software, 36(3), 1-48.",
)
_COUNTS = {2: "two", 3: "three", 4: "four", 5: "five", 6: "six", 7: "seven", 8: "eight", 9: "nine", 10: "ten"}


@dataclass(frozen=True)
class PooledResults:
    """What :func:`pool_cohorts` returns (read-only)."""

    interval_years: float
    x: str
    y: str
    cohorts: tuple[CohortLags, ...]
    converted: tuple[Converted, ...]
    pooled: dict[str, MetaResult]
    naive: dict[str, MetaResult]
    notes: tuple[str, ...] = ()
    #: With studies that are groups (life stages) of cohorts: each group pooled across the cohorts.
    by_group: dict[str, dict[str, MetaResult]] = field(default_factory=dict)

    def __repr__(self) -> str:
        return (f"PooledResults({self.x} and {self.y}, {len(self.cohorts)} studies at {self.interval_years:g} "
                f"years: x_to_y {self.pooled['x_to_y'].estimate:.3g}, y_to_x {self.pooled['y_to_x'].estimate:.3g})")

    def differ(self, path: str) -> bool:
        """Whether the studies' effects on ``path`` differ (Cochran's Q test at the 5% level)."""
        return significant(self.pooled[path].q_pvalue)

    @staticmethod
    def _differ(m: MetaResult) -> bool:
        return significant(m.q_pvalue)

    def sentence(self) -> str:
        """The answer in plain words: each direction across the studies, and whether the studies agree."""
        k = len(self.cohorts)
        x, y = name_of(self.x), name_of(self.y)
        later = later_words(self.interval_years)
        parts = [f"Across {_COUNTS.get(k, str(k))} studies, with every effect put on a {_span(self.interval_years)} "
                 "interval:"]
        for path, src, dst in (("x_to_y", x, y), ("y_to_x", y, x)):
            m = self.pooled[path]
            clear = m.ci_lower > 0 or m.ci_upper < 0
            ci = f"95% CI {readable(m.ci_lower)} to {readable(m.ci_upper)}"
            if clear:
                way = "higher" if m.estimate > 0 else "lower"
                text = (f"when {src} is one point higher, {dst} {later} tends to be {readable(abs(m.estimate))} "
                        f"points {way} ({ci})")
            else:
                text = f"the studies together do not show a clear link from {src} to {dst} {later} ({ci})"
            if self.differ(path):
                text += (f"; the studies differ (p = {p_text(m.q_pvalue)} for differences, I² = {m.i2:.0f}%), so "
                         f"in a new study the effect could lie between {readable(m.pi_lower)} and "
                         f"{readable(m.pi_upper)}")
            else:
                text += f"; the studies agree (p = {p_text(m.q_pvalue)} for differences, I² = {m.i2:.0f}%)"
            parts.append(text + ".")
        # The first direction follows the colon; the second is a sentence of its own.
        text = " ".join([parts[0], parts[1], parts[2][:1].upper() + parts[2][1:]])
        if self.by_group:
            each = "; ".join(
                f"{level}: {readable(m['x_to_y'].estimate)} (95% CI {readable(m['x_to_y'].ci_lower)} to "
                f"{readable(m['x_to_y'].ci_upper)}{', the studies differ' if self._differ(m['x_to_y']) else ''})"
                for level, m in self.by_group.items())
            text += f" Group by group, pooled across the studies, {x} → {y} {later}: {each}."
        return text

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe; the keys of the ``pool`` contract (issue 19), and more."""
        cohorts = []
        for c, conv in zip(self.cohorts, self.converted):
            se = conv.se
            cohorts.append({
                "name": c.name, "interval_years": c.interval_years, "n": c.n, "model": c.model, "source": c.source,
                **({"group": c.group} if c.group is not None else {}),
                **{p: {"est": float(c.phi[CELLS[p]]), "se": float(math.sqrt(c.vcov[_flat(p), _flat(p)]))}
                   for p in CELLS},
                "converted": {p: {"est": float(conv.phi[CELLS[p]]), "se": float(se[CELLS[p]])} for p in CELLS},
                "drift": conv.drift.tolist(),
            })
        return json_safe({
            "interval_years": self.interval_years, "x": self.x, "y": self.y, "cohorts": cohorts,
            "pooled": {p: _meta_dict(m) for p, m in self.pooled.items()},
            "naive": {p: _meta_dict(m) for p, m in self.naive.items()},
            **({"by_group": {lv: {p: _meta_dict(m) for p, m in ms.items()} for lv, ms in self.by_group.items()}}
               if self.by_group else {}),
            "sentence": self.sentence(), "notes": list(self.notes), "methods": METHODS,
            "references": list(REFERENCES),
        })

    def to_frame(self) -> pd.DataFrame:
        """One row per study and direction, then the pooled rows (``cohort``, ``path``, ``est``, ``se``, ...)."""
        rows = []
        for c, conv in zip(self.cohorts, self.converted):
            for p in DIRECTIONS:
                est, se = float(conv.phi[CELLS[p]]), float(conv.se[CELLS[p]])
                rows.append({"cohort": c.name, "path": p, "interval_years": c.interval_years, "n": c.n,
                             "raw_est": float(c.phi[CELLS[p]]), "est": est, "se": se,
                             "ci_lower": est - 1.959963984540054 * se, "ci_upper": est + 1.959963984540054 * se})
        for p in DIRECTIONS:
            m = self.pooled[p]
            rows.append({"cohort": "pooled", "path": p, "interval_years": self.interval_years, "n": sum(
                c.n for c in self.cohorts), "raw_est": float("nan"), "est": m.estimate, "se": m.se,
                "ci_lower": m.ci_lower, "ci_upper": m.ci_upper})
        return pd.DataFrame(rows)

    def summary(self, *, threshold: int = 10) -> str:
        """The studies, the pooled table and the sentence as text (sizes below ``threshold`` not shown)."""
        lines = [f"Pooled cross-lags of {self.x} and {self.y} on a {self.interval_years:g}-year scale "
                 f"({len(self.cohorts)} studies)", ""]
        lines.append(f"{'study':<24}{'years':>6}{'n':>9}{'path':>8}{'raw':>9}{'converted':>11}{'se':>8}")
        for c, conv in zip(self.cohorts, self.converted):
            for p in DIRECTIONS:
                n = f"{c.n:,}" if c.n >= threshold else f"<{threshold}"
                lines.append(f"{c.name[:23]:<24}{c.interval_years:>6g}{n:>9}{p:>8}{c.phi[CELLS[p]]:>9.3f}"
                             f"{conv.phi[CELLS[p]]:>11.3f}{conv.se[CELLS[p]]:>8.3f}")
        lines += ["", f"{'pooled':<10}{'est':>8}{'se':>8}{'95% CI':>20}{'tau2':>10}{'I2':>7}{'Q p':>8}{'95% PI':>20}"]
        for p in DIRECTIONS:
            m = self.pooled[p]
            lines.append(f"{p:<10}{m.estimate:>8.3f}{m.se:>8.3f}{f'[{m.ci_lower:.3f}, {m.ci_upper:.3f}]':>20}"
                         f"{m.tau2:>10.2g}{m.i2:>6.0f}%{m.q_pvalue:>8.3f}{f'[{m.pi_lower:.3f}, {m.pi_upper:.3f}]':>20}")
        lines += [*(f"Note: {n}" for n in self.notes), "", self.sentence()]
        return "\n".join(lines) + "\n"

    def __str__(self) -> str:
        return self.summary()

    def forest_plot(self, *, threshold: int = 10, ax=None, save=None):
        """A forest plot per direction: studies and the pooled diamond (matplotlib ``Figure``; sizes below
        the disclosure ``threshold`` not shown); ``save`` also saves it (PNG and SVG without a suffix)."""
        from analysis.pooling.plot import forest_plot

        return forest_plot(self, threshold=threshold, ax=ax, save=save)


def pool_cohorts(cohorts: Sequence[CohortLags], *, interval: float = 1.0, level: float = 0.95,
                 notes: Sequence[str] = ()) -> PooledResults:
    """Put each study's lags on ``interval`` years and pool them across studies.

    Parameters
    ----------
    cohorts
        At least two studies' lags (:func:`analysis.pooling.read_cohorts`), about the same
        two constructs (reversed ones are swapped).
    interval
        The common interval between waves, in years (default 1).
    level
        Confidence level of the intervals.

    Raises
    ------
    DataError
        Fewer than two studies, constructs that differ, or lags with no real matrix
        logarithm (named by study).
    """
    if not (isinstance(interval, (int, float)) and math.isfinite(interval) and interval > 0):
        raise DataError(f"The common interval must be a positive number of years, not {interval!r}.")
    cohorts = align(cohorts)
    if len(cohorts) < 2:
        raise DataError(f"Pooling needs at least two studies; got {len(cohorts)}.")
    converted = []
    for c in cohorts:
        try:
            converted.append(convert(c.phi, c.vcov, interval=c.interval_years, target=float(interval)))
        except DataError as exc:
            raise DataError(f"{c.source or c.name}: {exc}") from None
    pooled = {p: random_effects([conv.phi[CELLS[p]] for conv in converted], [conv.se[CELLS[p]] for conv in converted],
                                level=level) for p in CELLS}
    naive = {p: random_effects([c.phi[CELLS[p]] for c in cohorts], [math.sqrt(c.vcov[_flat(p), _flat(p)])
                                                                      for c in cohorts], level=level)
             for p in DIRECTIONS}
    by_group: dict[str, dict[str, MetaResult]] = {}
    for group in dict.fromkeys(c.group for c in cohorts if c.group is not None):
        members = [conv for c, conv in zip(cohorts, converted) if c.group == group]
        if len(members) >= 2:
            by_group[group] = {p: random_effects([m.phi[CELLS[p]] for m in members], [m.se[CELLS[p]] for m in members],
                                                 level=level) for p in DIRECTIONS}
    notes = list(notes)
    if any(c.group is not None for c in cohorts) and not by_group:
        notes.append("No group is in two or more studies, so no group is pooled across studies on its own.")
    if any(c.model == "clpm" for c in cohorts):
        notes.append("Some studies' lags come from the CLPM, which mixes stable differences between people with "
                     "changes within them; the RI-CLPM's within-person lags suit a continuous-time reading better.")
    if len({c.model for c in cohorts}) > 1:
        notes.append(f"The studies' lags come from different models ({', '.join(sorted({c.model for c in cohorts}))}).")
    if len({c.name for c in cohorts}) < len(cohorts):
        notes.append("Two or more studies have the same name; the table lists them in the order given.")
    return PooledResults(interval_years=float(interval), x=cohorts[0].x, y=cohorts[0].y, cohorts=tuple(cohorts),
                         converted=tuple(converted), pooled=pooled, naive=naive, notes=tuple(notes),
                         by_group=by_group)


def _flat(path: str) -> int:
    r, c = CELLS[path]
    return 2 * r + c


def _meta_dict(m: MetaResult) -> dict:
    d = m.to_dict()
    return {"est": d["estimate"], **{k: d[k] for k in POOLED_KEYS if k != "est"},
            **{k: d[k] for k in ("k", "zval", "pvalue", "se_tau2", "h2", "q", "q_df", "level")}}


def _span(years: float) -> str:
    return "one-year" if years == 1 else f"{years:g}-year"


def later_words(years: float) -> str:
    """When the later wave is, in words: ``a year later``, ``two years later``, ``1.5 years later``."""
    words = {1: "a year later", 2: "two years later", 3: "three years later"}
    return words.get(years, f"{years:g} years later")
