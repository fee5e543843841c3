"""DoWhy's refutation step, each check ending in a verdict in plain words.

* **Placebo exposure** (``placebo_treatment_refuter``, permute): the exposure is
  replaced by a random reshuffle of itself and the effect re-estimated, many
  times.  The placebo effect should be about zero: *pass* when 0 lies inside the
  placebo interval (mean ± z·SD of the placebo estimates, at ``level``) and
  DoWhy's test of 0 against the placebo estimates has p > 0.05.  Also reported:
  how many placebo estimates are as large as the real one (the real effect
  should stand out).
* **Random common cause** (``random_common_cause``): a made-up confounder of
  pure noise is added; the estimate should barely move.
* **Data subset** (``data_subset_refuter``): re-estimated on random 80% subsets
  of the rows; the estimate should barely move.  For both: *pass* when the mean
  shift is under ``shift_tolerance`` (default a quarter) of the estimate's
  bootstrap standard error, plus two Monte Carlo standard errors of the mean of
  the simulations (so a few simulations do not fail a stable estimate by chance).
* **Unobserved common cause** (``add_unobserved_common_cause``,
  ``linear-partial-R2``; Cinelli & Hazlett 2020): how strongly an unmeasured
  confounder would have to be related to both exposure and outcome (share of
  their remaining variance, partial R²) to remove or halve the effect, a grid of
  bias-adjusted estimates, and comparisons with the measured confounders.
  *Pass* when a confounder explaining less than ``robustness_threshold``
  (default 1%) of the remaining variance of both could not move the confidence
  interval to zero **and** a confounder as strong as the strongest measured one
  (usually the earlier outcome) would leave the estimate's sign and its interval
  clear of zero; when only the second fails, the verdict is *caution*, never *pass*.
  These bounds need a linear regression, so for a 0/1
  exposure they are computed on the regression estimate of the same contrast.

Each simulation draws from its own seed (``SeedSequence`` children), so the
checks are reproducible.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType, SimpleNamespace
from typing import Any

import numpy as np

from analysis.causal.data import CausalFrame
from analysis.causal.estimate import LINEAR, DoWhyFit, quiet
from analysis.causal.refute_survey import SurveyEstimator
from analysis.causal.words import name_of
from analysis.errors import UsageError
from analysis.interpret import readable, significant
from analysis.outputs import json_safe

REFUTATIONS: tuple[str, ...] = ("placebo_treatment", "random_common_cause", "data_subset", "unobserved_common_cause")
TITLES = {
    "placebo_treatment": "Placebo exposure",
    "random_common_cause": "Random common cause",
    "data_subset": "Random subsets of the data",
    "unobserved_common_cause": "Unobserved common cause (sensitivity)",
}
#: Partial R² values of the sensitivity grid (exposure and outcome axes).
GRID = (0.01, 0.02, 0.05, 0.10, 0.20, 0.30)
SUBSET_FRACTION = 0.8
_SAME_DESIGN = ", survey-weighted re-estimates"


@dataclass(frozen=True)
class Refutation:
    """One check of an estimate (read-only).

    Attributes
    ----------
    name : str
        One of :data:`REFUTATIONS`.
    title : str
    method : str
        The DoWhy refuter and its settings.
    estimate : float
        The estimate being checked.
    new_effect : float or None
        The refuter's new effect (mean over simulations; for the sensitivity analysis
        the estimate if an unmeasured confounder as strong as the strongest measured
        one existed).
    result : mapping
        Everything the check found (JSON-safe).
    passed : bool
    verdict : {"pass", "fail"}
    words : str
        What was done and found, in plain words.
    """

    name: str
    title: str
    method: str
    estimate: float
    new_effect: float | None
    result: Mapping[str, Any] = field(default_factory=dict)
    passed: bool = True
    words: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "result", MappingProxyType(dict(self.result)))

    @property
    def verdict(self) -> str:
        """``"pass"``, ``"fail"``, or ``"caution"`` (not passed: the check's own bounds question the estimate)."""
        if self.passed:
            return "pass"
        return "caution" if self.result.get("caution") else "fail"

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "title": self.title, "method": self.method, "estimate": finite_or_none(self.estimate),
                "new_effect": finite_or_none(self.new_effect), "result": json_safe(dict(self.result)),
                "verdict": self.verdict, "passed": self.passed, "words": self.words}


def finite_or_none(v: Any) -> Any:
    if v is None:
        return None
    v = float(v)
    return v if np.isfinite(v) else None


def _random_states(seed: np.random.SeedSequence, n: int) -> list[np.random.RandomState]:
    # DoWhy's refuters take a legacy RandomState; each simulation gets its own child seed.
    return [np.random.RandomState(np.random.MT19937(child)) for child in seed.spawn(n)]


def _draws(refuter, fit: DoWhyFit, frame: CausalFrame, states: Sequence[np.random.RandomState],
           **kwargs: Any) -> np.ndarray:
    """Run a DoWhy refuter once per random state (one simulation each) and collect the new effects."""
    out = []
    for rs in states:
        with quiet():
            r = refuter(data=frame.graph_data(), target_estimand=fit.estimand, estimate=fit.estimate,
                        num_simulations=1, random_state=rs, **kwargs)
        out.append(float(r.new_effect))
    return np.array(out)


def placebo_verdict(draws: np.ndarray, *, estimate: float, level: float) -> dict[str, Any]:
    """Summary and verdict of placebo estimates (pure; see the module docstring for the rule)."""
    from dowhy.causal_refuter import test_significance
    from scipy import stats

    draws = np.asarray(draws, dtype=float)
    mean = float(draws.mean())
    sd = float(draws.std(ddof=1))
    z = float(stats.norm.ppf(0.5 + level / 2))
    lo, hi = mean - z * sd, mean + z * sd
    with quiet():
        p = float(test_significance(SimpleNamespace(value=0.0), draws)["p_value"])
    covers = bool(lo <= 0 <= hi)
    as_large = int(np.sum(np.abs(draws) >= abs(estimate)))
    return {"placebo_effect": mean, "placebo_sd": sd, "placebo_interval": [lo, hi], "level": level,
            "p_value": p, "interval_covers_zero": covers, "passed": bool(covers and math.isfinite(p) and not significant(p)),
            "min": float(draws.min()), "max": float(draws.max()), "placebo_as_large_as_estimate": as_large,
            "estimate_vs_placebo_p": (1 + as_large) / (len(draws) + 1), "n_simulations": int(len(draws))}


def placebo(fit: DoWhyFit, frame: CausalFrame, *, seed: np.random.SeedSequence, n_simulations: int,
            level: float, survey: SurveyEstimator | None = None) -> Refutation:
    """Replace the exposure by a reshuffle of itself; the effect should vanish."""
    from dowhy.causal_refuters import refute_placebo_treatment
    from dowhy.causal_refuters.placebo_treatment_refuter import PlaceboType

    est = fit.total.value
    states = _random_states(seed, n_simulations)
    if survey is not None:
        draws = survey.placebo(states)
    else:
        draws = _draws(refute_placebo_treatment, fit, frame, states, treatment_names=[frame.exposure],
                       placebo_type=PlaceboType.PERMUTE)
    result = placebo_verdict(draws, estimate=est, level=level)
    passed = result.pop("passed")
    lo, hi = result["placebo_interval"]
    x = name_of(frame.source(frame.exposure))
    words = (f"Replacing {x} by a random reshuffle of itself ({len(draws)} times) gave an average effect of "
             f"{readable(result['placebo_effect'], digits=3)} ({level:.0%} placebo interval "
             f"{readable(lo, digits=3)} to {readable(hi, digits=3)})")
    if passed:
        words += ": about zero, as it should be."
    else:
        words += ": away from zero, so the estimation produces an effect where there is none; do not trust it."
    as_large = result["placebo_as_large_as_estimate"]
    if as_large == 0:
        words += f" The real estimate ({readable(est, digits=3)}) is larger than every placebo estimate."
    else:
        words += (f" {as_large} of {len(draws)} placebo estimates are at least as large as the real one "
                  f"({readable(est, digits=3)}), "
                  "so the real effect does not stand out from chance.")
    return Refutation(
        name="placebo_treatment", title=TITLES["placebo_treatment"],
        method=f"placebo_treatment_refuter (placebo_type='permute', {len(draws)} simulations{_SAME_DESIGN if survey else ''})",
        estimate=est, new_effect=result["placebo_effect"], passed=passed, words=words, result=result)


def stability_verdict(draws: np.ndarray, *, estimate: float, se: float, tolerance: float) -> dict[str, Any]:
    """Summary and verdict of re-estimates that should barely move (pure; rule in the module docstring)."""
    draws = np.asarray(draws, dtype=float)
    mean = float(draws.mean())
    shift = mean - estimate
    mc_se = float(draws.std(ddof=1) / np.sqrt(len(draws))) if len(draws) > 1 else 0.0
    allowed = tolerance * se + 2 * mc_se if np.isfinite(se) else 2 * mc_se
    ratio = abs(shift) / se if se > 0 and np.isfinite(se) else float("inf") if shift else 0.0
    return {"new_effect": mean, "shift": shift, "shift_in_se": ratio, "tolerance_in_se": tolerance,
            "monte_carlo_se": mc_se, "allowed_shift": allowed, "passed": bool(abs(shift) <= allowed),
            "min": float(draws.min()), "max": float(draws.max()), "n_simulations": int(len(draws))}


def _stability(name: str, draws: np.ndarray, *, est: float, se: float, tolerance: float,
               what: str, method: str, extra: dict) -> Refutation:
    result = stability_verdict(draws, estimate=est, se=se, tolerance=tolerance)
    passed = result.pop("passed")
    words = (f"{what} gave {readable(result['new_effect'], digits=3)} on average (range "
             f"{readable(result['min'], digits=3)} to {readable(result['max'], digits=3)}) against "
             f"{readable(est, digits=3)} on the full data, a shift of {readable(result['shift_in_se'])} "
             "standard errors")
    words += (": the estimate barely moves, as it should." if passed else
              f": more than the {readable(result['allowed_shift'], digits=3)} allowed, so the estimate is fragile.")
    return Refutation(name=name, title=TITLES[name], method=method, estimate=est, new_effect=result["new_effect"],
                      passed=passed, words=words, result={**result, **extra})


def random_common_cause(fit: DoWhyFit, frame: CausalFrame, *, seed: np.random.SeedSequence, n_simulations: int,
                        se: float, tolerance: float, survey: SurveyEstimator | None = None) -> Refutation:
    """Add a confounder of pure noise; the estimate should barely move."""
    from dowhy.causal_refuters import refute_random_common_cause

    states = _random_states(seed, n_simulations)
    draws = survey.random_common_cause(states) if survey else _draws(refute_random_common_cause, fit, frame, states)
    return _stability("random_common_cause", draws, est=fit.total.value, se=se, tolerance=tolerance,
                      what=f"Adding a made-up common cause of pure noise ({len(draws)} times)",
                      method=f"random_common_cause ({len(draws)} simulations{_SAME_DESIGN if survey else ''})",
                      extra={})


def data_subset(fit: DoWhyFit, frame: CausalFrame, *, seed: np.random.SeedSequence, n_simulations: int,
                se: float, tolerance: float, survey: SurveyEstimator | None = None) -> Refutation:
    """Re-estimate on random subsets of the rows; the estimate should barely move."""
    from dowhy.causal_refuter import test_significance
    from dowhy.causal_refuters import refute_data_subset

    states = _random_states(seed, n_simulations)
    if survey is not None:
        draws = survey.data_subset(states, SUBSET_FRACTION)
    else:
        draws = _draws(refute_data_subset, fit, frame, states, subset_fraction=SUBSET_FRACTION)
    with quiet():
        p = (float(test_significance(SimpleNamespace(value=fit.total.value), draws)["p_value"])
             if len(draws) > 1 else None)
    return _stability("data_subset", draws, est=fit.total.value, se=se, tolerance=tolerance,
                      what=f"Re-estimating on random {SUBSET_FRACTION:.0%} subsets of the rows ({len(draws)} times)",
                      method=(f"data_subset_refuter (subset_fraction={SUBSET_FRACTION}, {len(draws)} simulations"
                              f"{_SAME_DESIGN if survey else ''})"),
                      extra={"subset_fraction": SUBSET_FRACTION, "p_value": p})


def _linear_estimate(fit: DoWhyFit) -> Any:
    """DoWhy's linear-regression estimate: the main one, or for a 0/1 exposure the regression of the same contrast."""
    if fit.total.method.startswith(LINEAR):
        return fit.estimate
    with quiet():
        return fit.model.estimate_effect(fit.estimand, method_name=LINEAR, target_units="ate",
                                         treatment_value=1, control_value=0)


def unobserved_common_cause(fit: DoWhyFit, frame: CausalFrame, *, level: float, threshold: float,
                            survey: SurveyEstimator | None = None) -> Refutation:
    """How strong would an unmeasured confounder have to be? (partial R² bounds, Cinelli & Hazlett)."""
    from dowhy.causal_refuters.add_unobserved_common_cause import sensitivity_linear_partial_r2

    alpha = 1 - level
    if survey is None:
        estimate = _linear_estimate(fit)
        est = float(estimate.value)
    else:
        est = survey.sensitivity(percent_change=1.0, benchmark=frame.outcome_lag, alpha=alpha)[1]

    def analyse(q: float, benchmark: str):
        with quiet():
            if survey is not None:
                return survey.sensitivity(percent_change=q, benchmark=benchmark, alpha=alpha)[0]
            return sensitivity_linear_partial_r2(
                frame.graph_data(), estimate, [frame.exposure], frac_strength_treatment=[1.0],
                frac_strength_outcome=[1.0], percent_change_estimate=q, benchmark_common_causes=[benchmark],
                significance_level=alpha, null_hypothesis_effect=0.0, plot_estimate=False)

    # DoWhy keeps only the last of several benchmarks, so each is analysed on its own.
    candidates = [frame.outcome_lag, *([frame.mediator_lag] if frame.mediator_lag else []), *frame.confounders]
    main = analyse(1.0, frame.outcome_lag)
    half = analyse(0.5, frame.outcome_lag)
    rv = float(main.stats["robustness_value"])
    rv_ci = float(main.stats["robustness_value_alpha"])
    rv_half = float(half.stats["robustness_value"])
    benchmarks = []
    for col in candidates:
        try:
            an = main if col == frame.outcome_lag else analyse(1.0, col)
            row = an.benchmarking_results.iloc[0]
            benchmarks.append({"variable": col, "label": frame.labels.get(col, col).replace("\n", " "),
                               "r2_exposure": float(an.r2twj_w[0]), "r2_outcome": float(an.r2ywj_tw[0]),
                               "adjusted_estimate": float(row["bias_adjusted_estimate"]),
                               "adjusted_ci_lower": float(row["bias_adjusted_lower_CI"]),
                               "adjusted_ci_upper": float(row["bias_adjusted_upper_CI"]), "bounded": True})
        except (ValueError, ZeroDivisionError, FloatingPointError):
            benchmarks.append({"variable": col, "label": frame.labels.get(col, col).replace("\n", " "),
                               "bounded": False})
    r2t, r2y = np.meshgrid(np.array(GRID), np.array(GRID), indexing="ij")
    with quiet(), np.errstate(all="ignore"):
        adj = main.compute_bias_adjusted(r2t.ravel(), r2y.ravel())
    grid = [{"r2_exposure": float(a), "r2_outcome": float(b), "adjusted_estimate": float(e),
             "adjusted_ci_lower": float(lo), "adjusted_ci_upper": float(hi)}
            for a, b, e, lo, hi in zip(adj["r2tu_w"], adj["r2yu_tw"], adj["bias_adjusted_estimate"],
                                       adj["bias_adjusted_lower_CI"], adj["bias_adjusted_upper_CI"])]
    robust = bool(rv_ci >= threshold)
    x = name_of(frame.source(frame.exposure))
    y = name_of(frame.outcome)
    words = (f"To bring the estimate to zero, an unmeasured common cause would have to explain {rv:.1%} of the "
             f"remaining variance of both {x} and later {y} ({rv_half:.1%} to halve it; {rv_ci:.1%} to make the "
             f"{level:.0%} confidence interval reach zero).")
    strongest = max((b for b in benchmarks if b["bounded"]), key=lambda b: min(b["r2_exposure"], b["r2_outcome"]),
                    default=None)
    if strongest is not None:
        words += (f" For comparison, {strongest['label']} explains {strongest['r2_exposure']:.1%} of the remaining "
                  f"variance of {x} and {strongest['r2_outcome']:.1%} of later {y}; an unmeasured confounder as "
                  f"strong as it would move the estimate to {readable(strongest['adjusted_estimate'], digits=3)} "
                  f"({level:.0%} CI {readable(strongest['adjusted_ci_lower'], digits=3)} to "
                  f"{readable(strongest['adjusted_ci_upper'], digits=3)}).")
    overturned = strongest is not None and _overturned(est, strongest)
    passed = robust and not overturned
    if passed:
        words += (f" Pass: a confounder explaining less than {threshold:.0%} of both could not do this, and one as "
                  "strong as the strongest measured confounder would not either.")
    elif robust:
        words += (f" Caution (not a pass): a confounder explaining less than {threshold:.0%} of both could not "
                  f"remove the effect, but one as strong as {strongest['label']} would "
                  + ("reverse it" if strongest["adjusted_estimate"] * est < 0
                     else "make it indistinguishable from zero")
                  + "; the estimate holds only if no unmeasured common cause is that strong.")
    else:
        words += (f" Fail: a confounder explaining less than {threshold:.0%} of both could make the effect "
                  "indistinguishable from zero, so it is fragile.")
    if survey is not None:
        words += " (Partial R² values of the survey-weighted regression.)"
    if not fit.total.method.startswith(LINEAR):
        words += (f" (Computed on the regression estimate of the same contrast, {readable(est, digits=3)}, because "
                  "these bounds "
                  "need a linear regression.)")
    return Refutation(
        name="unobserved_common_cause", title=TITLES["unobserved_common_cause"],
        method="add_unobserved_common_cause (simulation_method='linear-partial-R2'"
               + (", survey-weighted regression)" if survey else ")"),
        estimate=fit.total.value,
        new_effect=None if strongest is None else strongest["adjusted_estimate"],
        passed=passed, words=words,
        result={"regression_estimate": est, "regression_se": float(main.standard_error),
                "degrees_of_freedom": int(main.degree_of_freedom), "robustness_value": rv,
                "robustness_value_halve": rv_half,
                "robustness_value_ci": rv_ci, "threshold": threshold, "level": level,
                "caution": bool(robust and overturned),
                "partial_r2_exposure_outcome": float(main.stats["r2yt_w"]),
                "benchmarks": benchmarks, "grid": grid,
                "benchmark_used": None if strongest is None else strongest["variable"]})


def _overturned(estimate: float, benchmark: Mapping[str, Any]) -> bool:
    """Whether a confounder as strong as ``benchmark`` would reverse the estimate or bring its interval to zero."""
    lo, hi, adj = benchmark["adjusted_ci_lower"], benchmark["adjusted_ci_upper"], benchmark["adjusted_estimate"]
    return bool(adj * estimate <= 0 or lo <= 0 <= hi)


def check_refutations(names: Sequence[str] | None) -> tuple[str, ...]:
    """Validate the list of refutations to run (``None``: all)."""
    if names is None:
        return REFUTATIONS
    names = (names,) if isinstance(names, str) else tuple(names)
    for n in names:
        if n not in REFUTATIONS:
            raise UsageError(f"unknown refutation {n!r}; choose from {', '.join(REFUTATIONS)}.")
    return tuple(dict.fromkeys(names))


def refute(fit: DoWhyFit, frame: CausalFrame, *, names: Sequence[str], seed: np.random.SeedSequence,
           n_simulations: int, se: float, level: float, shift_tolerance: float,
           robustness_threshold: float, survey: SurveyEstimator | None = None,
           progress: Callable[[int, int], None] | None = None) -> tuple[Refutation, ...]:
    """Run the chosen refutations of the average effect, in :data:`REFUTATIONS` order.

    ``survey``: repeat each check with the survey-weighted estimator (:mod:`.refute_survey`).
    ``progress(done, total)`` is called before the first check and after each.
    """
    seeds = dict(zip(REFUTATIONS, seed.spawn(len(REFUTATIONS))))
    chosen = [n for n in REFUTATIONS if n in names]
    out: list[Refutation] = []
    for name in chosen:
        if progress is not None:
            progress(len(out), len(chosen))
        if name == "placebo_treatment":
            out.append(placebo(fit, frame, seed=seeds[name], n_simulations=n_simulations, level=level,
                               survey=survey))
        elif name == "random_common_cause":
            out.append(random_common_cause(fit, frame, seed=seeds[name], n_simulations=n_simulations, se=se,
                                           tolerance=shift_tolerance, survey=survey))
        elif name == "data_subset":
            out.append(data_subset(fit, frame, seed=seeds[name], n_simulations=n_simulations, se=se,
                                   tolerance=shift_tolerance, survey=survey))
        else:
            out.append(unobserved_common_cause(fit, frame, level=level, threshold=robustness_threshold,
                                               survey=survey))
    if progress is not None:
        progress(len(out), len(chosen))
    return tuple(out)
