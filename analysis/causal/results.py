"""Results of ``fit_causal``: the estimates, what they mean, and how they stood up to the checks."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import networkx as nx
import pandas as pd
from matplotlib.figure import Figure
from scipy import stats

from analysis.causal.design import CausalDesign
from analysis.causal.estimate import Identified
from analysis.causal.graph import draw_graph, from_gml
from analysis.causal.refute import Refutation, finite_or_none
from analysis.causal.words import exposure_phrase, name_of
from analysis.interpret import readable
from analysis.naming import scale_of
from analysis.outputs import json_safe

def _scale(column: str) -> str:
    """`` (UCLA-3, scored 3–9)`` after "one point", or nothing for a measure of unknown range."""
    scale = scale_of(column)
    return f" ({scale})" if scale else ""


EFFECT_TITLES = {"total": "average effect", "natural_direct": "natural direct effect",
                 "natural_indirect": "natural indirect effect"}
EFFECT_COLUMNS = ["effect", "estimate", "se", "ci_lower", "ci_upper", "pvalue", "std_estimate"]


@dataclass(frozen=True)
class EffectEstimate:
    """One causal quantity with its person-clustered bootstrap interval (read-only).

    Attributes
    ----------
    name : {"total", "natural_direct", "natural_indirect"}
    estimate, se, ci_lower, ci_upper, pvalue : float
        DoWhy's estimate; bootstrap SE and percentile interval; two-sided p-value from
        the normal approximation with the bootstrap SE.
    level : float
    std_estimate : float
        In outcome standard deviations per exposure standard deviation (per being
        "high" for a 0/1 exposure).
    estimand : str
        The quantity in plain words.
    identified : Identified
        What DoWhy said (estimand expression, adjustment sets, regressions).
    n_boot, n_boot_failed : int
    """

    name: str
    estimate: float
    se: float
    ci_lower: float
    ci_upper: float
    pvalue: float
    level: float
    std_estimate: float
    estimand: str
    identified: Identified
    n_boot: int
    n_boot_failed: int

    @property
    def ci(self) -> tuple[float, float]:
        return (self.ci_lower, self.ci_upper)

    @property
    def clear(self) -> bool:
        """The interval excludes zero."""
        return self.ci_lower > 0 or self.ci_upper < 0

    def to_dict(self) -> dict[str, Any]:
        return {"effect": self.name, "estimate": finite_or_none(self.estimate), "se": finite_or_none(self.se),
                "ci": [finite_or_none(self.ci_lower), finite_or_none(self.ci_upper)], "ci_lower": finite_or_none(self.ci_lower),
                "ci_upper": finite_or_none(self.ci_upper), "ci_level": self.level, "pvalue": finite_or_none(self.pvalue),
                "std_estimate": finite_or_none(self.std_estimate), "estimand": self.estimand,
                "dowhy": self.identified.to_dict(), "bootstrap_replicates": self.n_boot - self.n_boot_failed,
                "bootstrap_failed": self.n_boot_failed}


def effect_from(name: str, *, identified: Identified, se: float, ci: tuple[float, float], level: float,
                scale: float, estimand: str, n_boot: int, n_failed: int) -> EffectEstimate:
    """Assemble an :class:`EffectEstimate` (``scale`` turns points into standard deviations)."""
    est = identified.value
    z = est / se if se > 0 else float("nan")
    p = float(2 * stats.norm.sf(abs(z))) if math.isfinite(z) else float("nan")
    return EffectEstimate(name=name, estimate=est, se=se, ci_lower=ci[0], ci_upper=ci[1], pvalue=p, level=level,
                          std_estimate=est * scale, estimand=estimand, identified=identified, n_boot=n_boot,
                          n_boot_failed=n_failed)


@dataclass(frozen=True)
class SampleReport:
    """Which person-waves were analysed and why the others were not."""

    n_rows: int
    n_persons: int
    n_candidates: int
    excluded: tuple[tuple[str, int], ...]
    wave_pairs: tuple[tuple[str, str, int], ...]
    notes: tuple[str, ...]

    def words(self) -> str:
        text = (f"{self.n_rows:,} person-waves of {self.n_persons:,} people were analysed, out of "
                f"{self.n_candidates:,} person-waves in the waves used")
        if self.excluded:
            text += "; not used: " + "; ".join(f"{reason} ({n:,})" for reason, n in self.excluded)
        return text + "."

    def to_dict(self) -> dict[str, Any]:
        return {"person_waves_used": self.n_rows, "persons": self.n_persons,
                "person_waves_considered": self.n_candidates,
                "not_used": [{"reason": r, "count": n} for r, n in self.excluded],
                "wave_pairs": [{"from": a, "to": b, "rows": n} for a, b, n in self.wave_pairs],
                "notes": list(self.notes), "words": self.words()}


@dataclass(frozen=True)
class CausalResults:
    """What ``fit_causal`` returns (read-only).

    Attributes
    ----------
    design : CausalDesign
    effect : EffectEstimate
        The average (total) effect of the exposure at t-1 on the outcome at t.
    direct, indirect : EffectEstimate or None
        Natural direct and indirect effects (stigma as mediator only).
    refutations : tuple of Refutation
    sample : SampleReport
    graph_gml : str
        The causal graph given to DoWhy.
    roles, labels : mapping
        Graph node -> role and plain-word label (for drawing).
    assumptions : tuple of str
    exposure_sd, outcome_sd : float
        Standard deviations among the rows analysed (exposure at t-1, outcome at t).
    seed, n_boot, n_simulations : int
    clip : float
    survey : mapping
        The survey design used: ``weight``, ``cluster``, ``strata``, ``n_psu``,
        ``n_strata``, ``zero_weight``, ``missing_weight`` (persons), ``weight_rule``
        and ``resampled`` (what the bootstrap drew); the columns are None without one.
    reverse : CausalResults or None
        The other direction, when both were asked for.
    """

    design: CausalDesign
    effect: EffectEstimate
    direct: EffectEstimate | None
    indirect: EffectEstimate | None
    refutations: tuple[Refutation, ...]
    sample: SampleReport
    graph_gml: str
    roles: Mapping[str, str]
    labels: Mapping[str, str]
    assumptions: tuple[str, ...]
    exposure_sd: float
    outcome_sd: float
    seed: int
    n_boot: int
    n_simulations: int
    clip: float
    survey: Mapping[str, Any] = field(default_factory=dict)
    reverse: CausalResults | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "survey", MappingProxyType(dict(self.survey)))
        object.__setattr__(self, "roles", MappingProxyType(dict(self.roles)))
        object.__setattr__(self, "labels", MappingProxyType(dict(self.labels)))

    # -- convenience ------------------------------------------------------------
    @property
    def exposure(self) -> str:
        return self.design.exposure

    @property
    def outcome(self) -> str:
        return self.design.outcome

    @property
    def estimate(self) -> float:
        return self.effect.estimate

    @property
    def ci(self) -> tuple[float, float]:
        return self.effect.ci

    @property
    def passed(self) -> bool:
        """Every refutation passed."""
        return all(r.passed for r in self.refutations)

    def refutation(self, name: str) -> Refutation:
        for r in self.refutations:
            if r.name == name:
                return r
        raise KeyError(name)

    # -- tables and pictures -------------------------------------------------------
    def to_frame(self) -> pd.DataFrame:
        """The effects in one tidy table (``effect, estimate, se, ci_lower, ci_upper, pvalue, std_estimate``)."""
        rows = [{c: getattr(e, c if c != "effect" else "name") for c in EFFECT_COLUMNS}
                for e in (self.effect, self.direct, self.indirect) if e is not None]
        return pd.DataFrame(rows, columns=EFFECT_COLUMNS)

    def refutation_table(self) -> pd.DataFrame:
        """One row per refutation: ``refutation, estimate, new_effect, verdict``."""
        return pd.DataFrame([{"refutation": r.name, "estimate": r.estimate, "new_effect": r.new_effect,
                              "verdict": r.verdict} for r in self.refutations],
                            columns=["refutation", "estimate", "new_effect", "verdict"])

    def graph(self) -> nx.DiGraph:
        """The causal graph with ``role`` and ``label`` node attributes."""
        g = from_gml(self.graph_gml)
        nx.set_node_attributes(g, dict(self.roles), "role")
        nx.set_node_attributes(g, dict(self.labels), "label")
        return g

    def draw_graph(self) -> Figure:
        """The causal graph in plain words, with the estimates on the arrows estimated."""
        g = self.graph()
        roles = dict(self.roles)
        x = next(n for n, r in roles.items() if r == "exposure")
        y = next(n for n, r in roles.items() if r == "outcome")
        fmt = lambda e: f"{readable(e.estimate)} ({readable(e.ci_lower)} to {readable(e.ci_upper)})"  # noqa: E731
        labels = {(x, y): ("total " if self.direct else "") + fmt(self.effect)}
        if self.direct is not None and self.indirect is not None:
            m = next(n for n, r in roles.items() if r == "mediator")
            labels[(x, y)] = f"total {fmt(self.effect)}\ndirect {fmt(self.direct)}"
            labels[(x, m)] = f"indirect {fmt(self.indirect)}"
        title = (f"Effect of {exposure_phrase(self.exposure, self.design.binary_threshold)} on later "
                 f"{name_of(self.outcome)}: assumed causal graph")
        return draw_graph(g, title=title, edge_labels=labels)

    # -- words -------------------------------------------------------------------------
    def _effect_sentence(self) -> str:
        e = self.effect
        x, y = name_of(self.exposure), name_of(self.outcome)
        level = f"{e.level:.0%} CI {readable(e.ci_lower)} to {readable(e.ci_upper)}"
        if not e.clear:
            return (f"The data do not show a clear effect of {x} on {y} at the next wave: the estimate is "
                    f"{readable(e.estimate)} ({level}), so it could be zero.")
        if self.design.binary:
            more = "higher" if e.estimate > 0 else "lower"
            return (f"If everyone had {exposure_phrase(self.exposure, self.design.binary_threshold)} rather than "
                    f"no one, {y} at the next wave would on average be {readable(abs(e.estimate))} "
                    f"points {more}{_scale(self.outcome)} "
                    f"({level}); that is {abs(e.std_estimate):.2f} standard deviations of {y}.")
        lower = "lower" if e.estimate > 0 else "higher"
        return (f"If {x} one wave earlier were one point lower{_scale(self.exposure)}, {y} at the next "
                f"wave would on average be {readable(abs(e.estimate))} points {lower}{_scale(self.outcome)} ({level}); "
                f"that is {readable(abs(e.std_estimate))} standard "
                f"deviations of {y} per standard deviation of {x}.")

    def _mediation_sentence(self) -> str:
        if self.direct is None or self.indirect is None:
            return ""
        m = name_of(self.design.mediator)
        d, i = self.direct, self.indirect
        text = (f"Of this, {readable(i.estimate)} ({i.level:.0%} CI {readable(i.ci_lower)} to "
                f"{readable(i.ci_upper)}) runs through {m} and {readable(d.estimate)} ({readable(d.ci_lower)} to "
                f"{readable(d.ci_upper)}) does not.")
        if not i.clear:
            text += f" The data do not show a clear path through {m}."
        elif self.effect.clear and self.effect.estimate != 0:
            text += f" About {i.estimate / self.effect.estimate:.0%} of the effect runs through {m}."
        return text

    def interpretation(self) -> str:
        """A cautious plain-language account: the effect, the path through the mediator, the checks, the caveats."""
        parts = [self._effect_sentence()]
        med = self._mediation_sentence()
        if med:
            parts.append(med)
        if self.refutations:
            failed = [f"{r.title.lower()} ({'caution' if r.verdict == 'caution' else 'failed'})"
                      for r in self.refutations if not r.passed]
            if failed:
                parts.append("Checks not passed: " + ", ".join(failed) + "; see the checks before using the "
                             "estimate.")
            else:
                parts.append("The estimate passed every check (placebo exposure, random common cause, data subsets "
                             "and the unobserved-confounder sensitivity analysis, as run).")
        parts.append("This rests on the assumptions listed, above all that nothing unmeasured drives both "
                     f"{name_of(self.exposure)} and later {name_of(self.outcome)}; a lagged observational "
                     "design is not an experiment.")
        return " ".join(parts)

    def __repr__(self) -> str:
        e = self.effect
        passed = sum(r.passed for r in self.refutations)
        return (f"CausalResults({self.exposure} -> {self.outcome}: {readable(e.estimate, digits=3)} "
                f"[{readable(e.ci_lower, digits=3)}, {readable(e.ci_upper, digits=3)}]; checks passed "
                f"{passed}/{len(self.refutations)}" + ("; both directions" if self.reverse is not None else "") + ")")

    def summary(self) -> str:
        """Text report: question, sample, effects, checks, assumptions and the interpretation."""
        def fmt(v: float | None) -> str:
            return "NA" if v is None or (isinstance(v, float) and not math.isfinite(v)) else f"{v:.3f}"

        d = self.design
        lines = [f"Causal effect of {exposure_phrase(d.exposure, d.binary_threshold)} (wave t-1) on "
                 f"{name_of(d.outcome)} (wave t)",
                 f"Estimand: {self.effect.estimand}",
                 f"Method: {self.effect.identified.method}{' (survey-weighted)' if self.survey.get('weight') else ''}"
                 "; adjusted for "
                 f"{', '.join(self.effect.identified.adjustment_set)}",
                 self.sample.words(),
                 f"Bootstrap: {self.n_boot} resamples of {self.survey.get('resampled', 'persons')} "
                 f"({self.effect.n_boot_failed} failed), percentile "
                 f"{self.effect.level:.0%} intervals; seed {self.seed}.", ""]
        ci_head = f"{self.effect.level:.0%} CI"
        lines.append(f"{'effect':<26}{'estimate':>10}{'se':>9}{ci_head:>22}{'p':>8}{'std':>8}")
        for e in (self.effect, self.direct, self.indirect):
            if e is None:
                continue
            ci = f"[{fmt(e.ci_lower)}, {fmt(e.ci_upper)}]"
            lines.append(f"{EFFECT_TITLES[e.name]:<26}{fmt(e.estimate):>10}{fmt(e.se):>9}{ci:>22}"
                         f"{fmt(e.pvalue):>8}{fmt(e.std_estimate):>8}")
        if self.refutations:
            lines += ["", "Refutations:"]
            for r in self.refutations:
                lines.append(f"  [{r.verdict.upper()}] {r.title}: {r.words}")
        lines += ["", "Assumptions:"] + [f"  - {a}" for a in self.assumptions]
        if self.sample.notes:
            lines += ["", "Notes:"] + [f"  - {n}" for n in self.sample.notes]
        lines += ["", self.interpretation()]
        text = "\n".join(lines) + "\n"
        if self.reverse is not None:
            text += "\n" + "=" * 72 + "\nThe other direction\n" + "=" * 72 + "\n" + self.reverse.summary()
        return text

    def __str__(self) -> str:
        return self.summary()

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe.  Keys: ``estimate``, ``ci``, ``estimand`` (words), ``refutations`` (each with
        ``result`` and ``verdict``), and ``effects``, ``mediation``, ``sample``, ``graph``, ``assumptions``,
        ``interpretation``, ``reverse`` ..."""
        e = self.effect
        mediation = None
        if self.direct is not None and self.indirect is not None:
            share = (self.indirect.estimate / e.estimate) if e.estimate else None
            mediation = {"mediator": self.design.mediator, "natural_direct": self.direct.to_dict(),
                         "natural_indirect": self.indirect.to_dict(), "proportion_mediated": finite_or_none(share)}
        g = self.graph()
        out = {
            "direction": f"{self.exposure} -> {self.outcome}",
            "exposure": self.exposure,
            "outcome": self.outcome,
            "exposure_scale": "binary" if self.design.binary else "continuous",
            "design": {**self.design.to_dict(), **{k: v for k, v in self.survey.items() if k != "resampled"}},
            "estimate": finite_or_none(e.estimate),
            "ci": [finite_or_none(e.ci_lower), finite_or_none(e.ci_upper)],
            "ci_lower": finite_or_none(e.ci_lower),
            "ci_upper": finite_or_none(e.ci_upper),
            "ci_level": e.level,
            "se": finite_or_none(e.se),
            "pvalue": finite_or_none(e.pvalue),
            "std_estimate": finite_or_none(e.std_estimate),
            "estimand": e.estimand,
            "method": e.identified.method,
            "adjustment_set": list(e.identified.adjustment_set),
            "dowhy": e.identified.to_dict(),
            "effects": [x.to_dict() for x in (self.effect, self.direct, self.indirect) if x is not None],
            "mediation": mediation,
            "refutations": [r.to_dict() for r in self.refutations],
            "refutations_passed": self.passed,
            "sample": self.sample.to_dict(),
            "bootstrap": {"replicates": self.n_boot, "failed": e.n_boot_failed,
                          "resampled": self.survey.get("resampled", "persons"),
                          "interval": "percentile", "seed": self.seed},
            "refutation_simulations": self.n_simulations,
            "exposure_sd": finite_or_none(self.exposure_sd),
            "outcome_sd": finite_or_none(self.outcome_sd),
            "propensity_clip": self.clip if self.design.binary else None,
            "assumptions": list(self.assumptions),
            "graph": {"gml": self.graph_gml,
                      "nodes": [{"name": n, "role": a.get("role"), "label": str(a.get("label", n)).replace("\n", " ")}
                                for n, a in g.nodes(data=True)],
                      "edges": [[u, v] for u, v in g.edges]},
            "interpretation": self.interpretation(),
            "reverse": None if self.reverse is None else self.reverse.to_dict(),
        }
        return json_safe(out)
