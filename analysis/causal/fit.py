"""``fit_causal``: if the exposure were lower, how much would the outcome change, and through stigma?

For each direction asked (exposure -> outcome, and optionally back):

1. the analysis frame: exposure at t-1, outcome at t and t-1, confounders, mediator
   (:mod:`.data`), with every unused person-wave counted by reason;
2. the causal graph (:mod:`.graph`);
3. DoWhy's model, identify and estimate steps (:mod:`.estimate`);
4. person-clustered bootstrap intervals (:mod:`analysis.resampling`, repeating
   DoWhy's estimator with the identified adjustment sets, :mod:`.numeric`);
5. DoWhy's refutations, each with a verdict (:mod:`.refute`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import Any, Literal

import numpy as np
import pandas as pd

from analysis.causal.data import CausalFrame, build_frame, long_of
from analysis.causal.design import CausalDesign, ConfounderTiming, MediatorRole, as_names
from analysis.causal.estimate import DoWhyFit, fit_dowhy
from analysis.causal.graph import build_graph, to_gml
from analysis.causal.numeric import ipw_effect, mediation_effects, ols_coefficient
from analysis.causal.refute import check_refutations, refute
from analysis.causal.refute_survey import SurveyEstimator
from analysis.causal.results import CausalResults, SampleReport, effect_from
from analysis.causal.survey import attach_design, causal_design, survey_caveat
from analysis.causal.words import (assumptions, direct_effect_words, held_fixed, indirect_effect_words, name_of,
                                   total_effect_words)
from analysis.errors import UsageError
from analysis.models.survey_design import Design, Survey, WeightRule, design_sentence
from analysis.resampling import bootstrap_statistic

Direction = Literal["forward", "both"]
#: ``progress(done, total, step)``: ``done`` of ``total`` units of the step described in words.
Progress = Callable[[int, int, str], None]
DEFAULT_CONFOUNDERS = ("age", "sex", "life_stage")


def default_confounders(data: Any) -> tuple[str, ...]:
    """The spec's covariates and the life-stage grouping (Panel), or age, sex and life_stage if present."""
    covariates = getattr(data, "covariates", None)
    groupings = getattr(data, "groupings", None)
    if covariates is not None and groupings is not None:
        return tuple(covariates) + (("life_stage",) if "life_stage" in groupings else ())
    long = long_of(data)[0]
    return tuple(c for c in DEFAULT_CONFOUNDERS if c in long.columns)


def _threshold_for(threshold: float | Mapping[str, float] | None, exposure: str, *, first: bool,
                   both: bool) -> float | None:
    if threshold is None:
        return None
    if isinstance(threshold, Mapping):
        value = threshold.get(exposure)
        return None if value is None else value
    if both:
        raise UsageError("With both directions and a binary exposure, give a threshold for each construct, e.g. "
                         "{'loneliness': 6, 'ghq_likert': 12} (or leave one out to keep it continuous).")
    return threshold if first else None


def _whole(value: Any, name: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise UsageError(f"{name} must be a whole number of at least {minimum}, not {value!r}.")
    return int(value)


def _fraction(value: Any, name: str, lo: float, hi: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not lo < value < hi:
        raise UsageError(f"{name} must be a number between {lo:g} and {hi:g}, not {value!r}.")
    return float(value)


def _statistic(frame: CausalFrame, fit: DoWhyFit, *, binary: bool, clip: float, weights: np.ndarray | None):
    """The estimator DoWhy ran, as a function of resampled row positions (see :mod:`.numeric`).

    Floating-point trouble (a resample with one exposure group, a singular design) raises,
    so the bootstrap counts that resample as failed instead of using a meaningless number.
    """
    d = frame.data

    def cols(names: Sequence[str]) -> np.ndarray | None:
        return d.loc[:, list(names)].to_numpy(float) if names else None

    y = d[frame.outcome].to_numpy(float)
    t = d[frame.exposure].to_numpy(float)
    w = cols(fit.total.adjustment_set)
    pick = lambda a, rows: None if a is None else a[rows]  # noqa: E731
    if fit.direct is None:
        def stat(rows: np.ndarray) -> dict[str, float]:
            wr, sw = pick(w, rows), pick(weights, rows)
            with np.errstate(divide="raise", invalid="raise"):
                total = (ipw_effect(y[rows], t[rows], wr, clip=clip, weights=sw) if binary
                         else ols_coefficient(y[rows], t[rows], wr, sw))
            return {"total": total}
        return stat
    m = d[frame.mediator].to_numpy(float)
    w1 = cols(fit.direct.first_stage_set)
    w2 = cols(fit.direct.second_stage_set)
    w_total = cols(fit.direct.adjustment_set)

    def stat_med(rows: np.ndarray) -> dict[str, float]:
        sw = pick(weights, rows)
        with np.errstate(divide="raise", invalid="raise"):
            lin_total, nde, nie = mediation_effects(y[rows], t[rows], m[rows], pick(w1, rows), pick(w2, rows),
                                                    pick(w_total, rows), sw)
            total = ipw_effect(y[rows], t[rows], pick(w, rows), clip=clip, weights=sw) if binary else lin_total
        return {"total": total, "natural_direct": nde, "natural_indirect": nie}
    return stat_med


def _weighted(fit: DoWhyFit, stat, n_rows: int) -> DoWhyFit:
    """DoWhy's fit with its estimates replaced by the survey-weighted ones (same estimators, same sets)."""
    values = stat(np.arange(n_rows))
    total = replace(fit.total, value=values["total"])
    direct = indirect = None
    if fit.direct is not None and fit.indirect is not None:
        direct = replace(fit.direct, value=values["natural_direct"])
        indirect = replace(fit.indirect, value=values["natural_indirect"])
    return replace(fit, total=total, direct=direct, indirect=indirect)


def _one_direction(long: pd.DataFrame, source: str, measured: Mapping[str, Sequence[str]] | None,
                   design: CausalDesign, *, seed: np.random.SeedSequence, n_boot: int, n_simulations: int,
                   refutations: tuple[str, ...], level: float, clip: float, shift_tolerance: float,
                   robustness_threshold: float, root_seed: int, survey: Design, weight_rule: WeightRule,
                   progress: Progress | None = None) -> CausalResults:
    frame = build_frame(long, design, source=source, measured=measured)
    frame, rows = attach_design(frame, long, survey, waves=None if design.waves is None else list(design.waves),
                                weight_rule=weight_rule)
    graph = build_graph(frame)
    gml = to_gml(graph)
    fit = fit_dowhy(frame, gml, binary=design.binary, clip=clip)
    boot_seed, refute_seed = seed.spawn(2)
    stat = _statistic(frame, fit, binary=design.binary, clip=clip, weights=rows.weights)
    if rows.weights is not None:
        fit = _weighted(fit, stat, frame.n_rows)
    if rows.cluster is not None:
        # The survey bootstrap: whole PSUs resampled within strata, weights travelling with their persons.
        boot_units = {"cluster": rows.cluster, "strata": rows.strata}
    else:
        boot_units = {"ids": frame.data["id"].to_numpy()}
    what = f"{name_of(design.exposure)} → later {name_of(design.outcome)}"
    boot = bootstrap_statistic(np.arange(frame.n_rows), stat, replicates=n_boot, seed=boot_seed, level=level,
                               intervals=("percentile",), backend="serial", **boot_units,
                               progress=None if progress is None else
                               lambda done, total: progress(done, total, f"Bootstrap resamples, {what}"))
    se = boot.std_errors.to_dict()
    ci = {name: (row.ci_lower, row.ci_upper) for name, row in boot.conf_int("percentile").iterrows()}
    x_sd = float(np.std(frame.data[frame.exposure], ddof=1))
    y_sd = float(np.std(frame.data[frame.outcome], ddof=1))
    scale = (1.0 if design.binary else x_sd) / y_sd if y_sd > 0 else float("nan")
    used = tuple(dict.fromkeys(frame.source(c) for c in frame.confounders))
    fixed = held_fixed(used, design.outcome, design.mediator if design.mediator else None)
    common = {"level": level, "scale": scale, "n_boot": n_boot, "n_failed": boot.failed}
    effect = effect_from("total", identified=fit.total, se=se["total"], ci=ci["total"],
                         estimand=total_effect_words(exposure=design.exposure, outcome=design.outcome,
                                                     threshold=design.binary_threshold, fixed=fixed), **common)
    direct = indirect = None
    if fit.direct is not None and fit.indirect is not None:
        kw = {"exposure": design.exposure, "outcome": design.outcome, "mediator": design.mediator,
              "threshold": design.binary_threshold}
        direct = effect_from("natural_direct", identified=fit.direct, se=se["natural_direct"],
                             ci=ci["natural_direct"], estimand=direct_effect_words(**kw), **common)
        indirect = effect_from("natural_indirect", identified=fit.indirect, se=se["natural_indirect"],
                               ci=ci["natural_indirect"], estimand=indirect_effect_words(**kw), **common)
    weighted = None if rows.weights is None else SurveyEstimator(
        frame=frame, adjustment_set=fit.total.adjustment_set, weights=rows.weights, binary=design.binary, clip=clip)
    checks = refute(fit, frame, names=refutations, seed=refute_seed, n_simulations=n_simulations,
                    se=se["total"], level=level, shift_tolerance=shift_tolerance,
                    robustness_threshold=robustness_threshold, survey=weighted,
                    progress=None if progress is None else
                    lambda done, total: progress(done, total, f"Checks, {what}")) if refutations else ()
    notes = list(frame.notes)
    if boot.failed:
        notes.append(f"{boot.failed} of {n_boot} bootstrap resamples could not be estimated (e.g. only one "
                     "exposure group drawn) and were left out.")
    summary = dict(rows.summary)
    summary["resampled"] = "PSUs within strata" if rows.strata is not None else "PSUs" if rows.cluster is not None else "persons"
    caveat = design_sentence(summary) if rows.used else survey_caveat(long)
    if caveat:
        notes.append(caveat)
    if rows.weights is not None:
        notes.append("DoWhy identified the effect and its adjustment sets; the estimates are DoWhy's estimators "
                     "refitted with the survey weights, and every refutation re-estimates them the same way.")
    sample = SampleReport(n_rows=frame.n_rows, n_persons=frame.n_persons, n_candidates=frame.n_candidates,
                          excluded=frame.excluded, wave_pairs=frame.wave_pairs, notes=tuple(notes))
    return CausalResults(
        design=design, effect=effect, direct=direct, indirect=indirect, refutations=checks, sample=sample,
        graph_gml=gml, roles={n: a["role"] for n, a in graph.nodes(data=True)},
        labels={n: a["label"] for n, a in graph.nodes(data=True)},
        assumptions=assumptions(exposure=design.exposure, outcome=design.outcome, confounders=used,
                                binary=design.binary, mediator=design.mediator, mediator_role=design.mediator_role,
                                clip=clip),
        exposure_sd=x_sd, outcome_sd=y_sd, seed=root_seed, n_boot=n_boot, n_simulations=n_simulations, clip=clip,
        survey=summary)


def fit_causal(
    data: Any,
    *,
    exposure: str,
    outcome: str,
    mediator: str | None = None,
    mediator_role: MediatorRole = "mediator",
    confounders: Sequence[str] | None = None,
    confounder_timing: ConfounderTiming = "previous",
    binary_threshold: float | Mapping[str, float] | None = None,
    waves: Sequence[str] | None = None,
    direction: Direction = "forward",
    n_boot: int = 200,
    n_simulations: int = 30,
    refutations: Sequence[str] | None = None,
    level: float = 0.95,
    seed: int = 0,
    clip: float = 0.05,
    shift_tolerance: float = 0.25,
    robustness_threshold: float = 0.01,
    survey: Survey | Design = "spec",
    weight_rule: WeightRule = "last",
    progress: Progress | None = None,
) -> CausalResults:
    """Estimate the causal effect of ``exposure`` one wave earlier on ``outcome``, and check it.

    Parameters
    ----------
    data
        A :class:`analysis.data.Panel` (from ``load_panel``) or a long DataFrame with
        ``id``, ``wave`` (and ``wave_index``) and the variables named below.
    exposure, outcome
        Constructs, e.g. ``"loneliness"`` and ``"ghq_likert"``.
    mediator
        A construct such as ``"perceived_stigma"``; see ``mediator_role``.
    mediator_role
        ``"mediator"`` (default): natural direct and indirect effects through the
        mediator measured at the outcome wave; ``"confounder"``: its earlier value is
        held fixed instead.
    confounders
        Variables held fixed besides the outcome's earlier value; default the spec's
        covariates and ``life_stage`` (age, sex, life stage).
    confounder_timing
        ``"previous"`` (default): confounders at wave t-1; ``"baseline"``: at each
        person's first analysed wave.
    binary_threshold
        Compare high against low exposure (at or above the threshold, e.g. 6 on the
        UCLA-3 scale of 3-9) by propensity-score weighting instead of estimating the
        effect per point.  With ``direction="both"``, give a mapping
        ``{construct: threshold}``; constructs not in it stay continuous.
    waves
        Waves to use (default: every loaded wave); pairs are consecutive among them.
    direction
        ``"forward"`` (default) or ``"both"`` (also ``outcome`` -> ``exposure``,
        returned as ``.reverse``).
    n_boot
        Person-clustered bootstrap resamples (default 200).
    n_simulations
        Simulations of each of the placebo, random-common-cause and subset refuters
        (default 30).
    refutations
        Which refutations to run (default all of
        :data:`~analysis.causal.refute.REFUTATIONS`; ``()`` for none).
    level
        Confidence level.
    seed
        Seed of every random step (bootstrap and refuters).
    clip
        Propensity scores are clipped to ``[clip, 1 - clip]``.
    shift_tolerance
        Random common cause and subset checks pass when the estimate moves by less
        than this many bootstrap standard errors.
    robustness_threshold
        The unobserved-confounder check passes when a confounder explaining less than
        this share of the remaining variance of both exposure and outcome cannot move
        the confidence interval to zero.
    survey
        ``"spec"`` (default): a Panel's survey weights, PSUs and strata as its spec
        declares them (see :mod:`.survey`); ``"none"``: unweighted, persons resampled
        (a sensitivity check); or a :class:`~analysis.models.survey_design.Design`
        naming columns of a long DataFrame.
    weight_rule
        ``"last"`` (default): each person's weight at the last wave analysed;
        ``"first"``: at the first.
    progress
        Called as ``progress(done, total, step)`` as the work advances, e.g. to move a
        progress bar: ``done`` of ``total`` bootstrap resamples (step ``"Bootstrap
        resamples, x → later y"``), then ``done`` of ``total`` checks (``"Checks, x →
        later y"``), for each direction in turn.

    Returns
    -------
    CausalResults

    Raises
    ------
    UsageError
        For invalid options.
    DataError
        For unknown variables or waves, or data that leave nothing to analyse.
    """
    n_boot = _whole(n_boot, "n_boot", 2)
    n_simulations = _whole(n_simulations, "n_simulations", 2)
    level = _fraction(level, "level", 0.0, 1.0)
    clip = _fraction(clip, "clip", 0.0, 0.5)
    shift_tolerance = _fraction(shift_tolerance, "shift_tolerance", 0.0, float("inf"))
    robustness_threshold = _fraction(robustness_threshold, "robustness_threshold", 0.0, 1.0)
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise UsageError(f"seed must be a non-negative whole number, not {seed!r}.")
    if direction not in ("forward", "both"):
        raise UsageError(f"direction must be 'forward' or 'both', not {direction!r}.")
    names = check_refutations(refutations) if refutations is None or len(refutations) else ()
    long, source, measured = long_of(data)
    conf = default_confounders(data) if confounders is None else as_names(confounders, "confounders")
    both = direction == "both"
    if isinstance(binary_threshold, Mapping):  # a threshold that no direction uses would be ignored without a word
        usable = (exposure, outcome) if both else (exposure,)
        unused = [str(k) for k in binary_threshold if k not in usable]
        if unused:
            raise UsageError(
                f"The binary threshold names {unused[0]!r}, which is not the exposure ({exposure})"
                + (f" or the outcome ({outcome}); give NAME=VALUE for those." if both else
                   "; a threshold for the outcome is used only with both directions (--both-directions)."))
    design = CausalDesign(
        exposure=exposure, outcome=outcome, confounders=conf, mediator=mediator, mediator_role=mediator_role,
        confounder_timing=confounder_timing,
        binary_threshold=_threshold_for(binary_threshold, exposure, first=True, both=both),
        waves=None if waves is None else tuple(str(w) for w in as_names(waves, "waves")))
    forward_seed, reverse_seed = np.random.SeedSequence(int(seed)).spawn(2)
    opts = {"n_boot": n_boot, "n_simulations": n_simulations, "refutations": names, "level": level, "clip": clip,
            "shift_tolerance": shift_tolerance, "robustness_threshold": robustness_threshold,
            "root_seed": int(seed), "survey": causal_design(data, long, survey), "weight_rule": weight_rule,
            "progress": progress}
    forward = _one_direction(long, source, measured, design, seed=forward_seed, **opts)
    if not both:
        return forward
    back = design.reversed(binary_threshold=_threshold_for(binary_threshold, outcome, first=False, both=True))
    reverse = _one_direction(long, source, measured, back, seed=reverse_seed, **opts)
    return replace(forward, reverse=reverse)
