"""simulate_latent: the whole synthetic cohort in memory, latent and observed.

Random streams: ``SeedSequence(seed).spawn(6)`` gives independent streams for
ids, persons, within-person dynamics, measurement (one child per wave),
attrition, and the sample design (strata, PSUs and PSU membership; the
weights themselves need no draws).  The design stream is used last and by
nothing else, so switching the design off changes only design columns and
weights.  Draws run wave by wave, so for the same seed, n and
cohort a shorter panel is exactly the first waves of a longer one.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.errors import UsageError
from analysis.synth import elsa, ukhls
from analysis.synth.arguments import check_core
from analysis.synth.attrition import (DEFAULT_ATTRITION, AttritionParams, realised_counts,
                                      simulate_attrition, weights)
from analysis.synth.conditions import diagnoses, elsa_columns, ukhls_columns
from analysis.synth.design import DEFAULT_DESIGN, DesignParams, draw_design
from analysis.synth.instruments import ITEMS
from analysis.synth.measurement import cesd_count, draw_items, draw_mcs, ghq_scores
from analysis.synth.model import draw_persons, latent_scores, simulate_within
from analysis.synth.nonresponse import DEFAULT_RESPONSE, ResponseParams, apply_nonresponse, draw_mode
from analysis.synth.params import DEFAULT_PARAMS, LIFE_STAGES, Cohort, ModelParams
from analysis.synth.truth import build_truth


@dataclass(frozen=True)
class LatentPanel:
    """A simulated cohort: latent truth and the observed (released) responses.

    Attributes
    ----------
    persons : DataFrame
        One row per person: ``id``, ``sex`` (1 male, 2 female), ``age_w1``,
        ``life_stage`` (categorical "16-29", "30-64", "65+", at wave 1),
        ``perceived_stigma``, ``discrimination`` (latent, standard normal),
        ``ri_L``, ``ri_M`` (random intercepts), ``beta`` (the person's
        cross-lag of loneliness on mental-health problems), ``delta``,
        ``mean_L``, ``mean_M`` (fixed part of the means), ``design_weight``
        (1 / selection probability, mean 1; all 1 without a design) and,
        with a design, ``strata`` and ``psu``.
    long : DataFrame
        Person x wave for every wave, including after dropout: ``id``,
        ``wave`` (1-based), ``age``, ``L``, ``M`` (latent loneliness and
        mental-health problems), ``wL``, ``wM`` (within-person components)
        ``responded`` (the person has a row in that wave's file) and
        ``weight`` (the released weight; 0 when not responding).
    truth : dict
        The content of truth.json except ``format`` and ``files``, which
        :func:`~analysis.synth.write.write_cohort` adds.
    observed : DataFrame
        Released values of the respondents in long form, with unprefixed
        names (``id``, ``wave``, ``sex``, ``age``, items, derived scores,
        ``weight``, the interview flag ``proxy`` and, with a design,
        ``strata`` and ``psu``).
    """

    persons: pd.DataFrame
    long: pd.DataFrame
    truth: dict
    observed: pd.DataFrame


def _check_design(design: object) -> DesignParams | None:
    if isinstance(design, DesignParams):
        return design
    if isinstance(design, bool):
        return DEFAULT_DESIGN if design else None
    raise UsageError(f"design must be True, False or a DesignParams; got {design!r}.")


def _draw_ids(rng: np.random.Generator, n: int, cohort: Cohort) -> np.ndarray:
    # Sorted unique ids spread over a wide range, like the real releases.
    if cohort == "ukhls":
        span = max(50 * n, 2_000_000)
        ids = ukhls.FIRST_ID + rng.choice(span, size=n, replace=False)
    else:
        ids = elsa.FIRST_ID + rng.choice(elsa.LAST_ID - elsa.FIRST_ID + 1, size=n, replace=False)
    return np.sort(ids).astype(np.int32)


def _measure_wave(rng: np.random.Generator, *, cohort: Cohort, eta: np.ndarray, params: ModelParams,
                  response: ResponseParams) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray]:
    """Released item codes and derived scores of one wave for all persons.

    Items are drawn for everyone, including people who will have dropped
    out, so that each person's responses do not depend on who else stays.

    Returns
    -------
    columns : dict
        Released columns (unprefixed names) plus the ``proxy`` flag.
    score : ndarray
        Observed mental-health score driving dropout (NaN when missing).
    scq_missing : ndarray of bool
        ELSA self-completion questionnaire not returned.
    """
    n = eta.shape[0]
    items = ITEMS[cohort]
    mode = draw_mode(rng, n=n, cohort=cohort, response=response)
    codes = draw_items(rng, items=items, eta=eta, params=params)
    cols = apply_nonresponse(rng, codes=codes, items=items, mode=mode, cohort=cohort, response=response)
    cols["proxy"] = mode.proxy
    if cohort == "ukhls":
        ghq = np.stack([cols[f"scghq{c}"] for c in "abcdefghijkl"], axis=1)
        likert, caseness = ghq_scores(ghq, proxy=mode.proxy)
        mcs = draw_mcs(rng, latent_m=eta[:, 1], params=params)
        cols["scghq1_dv"], cols["scghq2_dv"] = likert, caseness
        cols["sf12mcs_dv"] = np.where(mode.proxy, -7.0, np.where(mode.mcs_missing, -9.0, mcs))
        cols["ivfio"] = np.where(mode.proxy, 2, 1).astype(np.int8)
        score = np.where(likert < 0, np.nan, likert.astype(float))
    else:
        score = cesd_count(cols)
    return cols, score, mode.scq_missing


def simulate_latent(*, n: int, waves: int, seed: int, cohort: Cohort = "ukhls",
                    params: ModelParams | None = None,
                    design: bool | DesignParams = True) -> LatentPanel:
    """Simulate a cohort from the random-intercept cross-lagged model.

    Parameters
    ----------
    n : int
        Persons in the wave-1 sample (1 to 500,000).
    waves : int
        Annual waves (2 to 26).
    seed : int
        Non-negative seed; the same arguments always give the same data.
    cohort : {"ukhls", "elsa"}
        Age profile, instruments and codes of the study to imitate.
    params : ModelParams, optional
        Latent-model parameters; defaults to :data:`~analysis.synth.params.DEFAULT_PARAMS`.
    design : bool or DesignParams, default True
        Complex sample design with informative selection (:mod:`.design`):
        True for :data:`~analysis.synth.design.DEFAULT_DESIGN`, or custom
        parameters.  False gives a simple random sample (design weight 1, no
        strata or PSUs).  Either way every latent and item value is the same.

    Returns
    -------
    LatentPanel

    Raises
    ------
    UsageError
        If an argument is out of range.
    """
    n, waves, seed, cohort = check_core(n=n, waves=waves, seed=seed, cohort=cohort)
    params = DEFAULT_PARAMS if params is None else params
    plan = _check_design(design)
    response: ResponseParams = DEFAULT_RESPONSE
    attrition_params: AttritionParams = DEFAULT_ATTRITION
    # A seventh stream for the diagnosed conditions: the first six (and so every other column)
    # are the same as before it was added.
    ss_ids, ss_persons, ss_within, ss_measure, ss_attrition, ss_design, ss_conditions = \
        np.random.SeedSequence(seed).spawn(7)

    ids = _draw_ids(np.random.default_rng(ss_ids), n, cohort)
    persons = draw_persons(np.random.default_rng(ss_persons), n=n, cohort=cohort, params=params)
    within = simulate_within(np.random.default_rng(ss_within), persons=persons, waves=waves, params=params)
    L, M = latent_scores(persons, within)

    columns: list[dict[str, np.ndarray]] = []
    scores = np.empty((n, waves))
    scq = np.zeros((n, waves), dtype=bool)
    for t, ss in enumerate(ss_measure.spawn(waves)):  # loop over waves only
        eta = np.column_stack([L[:, t], M[:, t], persons.perceived, persons.discrimination])
        cols, scores[:, t], scq[:, t] = _measure_wave(np.random.default_rng(ss), cohort=cohort,
                                                      eta=eta, params=params, response=response)
        columns.append(cols)

    attrition = simulate_attrition(np.random.default_rng(ss_attrition), scores=scores,
                                   cohort=cohort, params=attrition_params)
    drawn = None if plan is None else draw_design(np.random.default_rng(ss_design), persons=persons,
                                                  params=params, design=plan)
    design_weight = np.ones(n) if drawn is None else drawn.design_weight
    weight = weights(attrition=attrition, design_weight=design_weight)
    ss_diagnoses, ss_released = ss_conditions.spawn(2)
    cmd, smi = diagnoses(ss_diagnoses, M=M, ri_M=persons.ri_M)
    extra = (ukhls_columns(cmd, [c["proxy"] for c in columns]) if cohort == "ukhls"
             else elsa_columns(ss_released, cmd, smi, persons.discrimination))
    sex = np.where(persons.female, 2, 1).astype(np.int8)
    ages = persons.age_w1[:, None] + np.arange(waves, dtype=np.int16)[None, :]

    frames = []
    for t, cols in enumerate(columns):
        keep = attrition.responded[:, t]
        age = ages[keep, t]
        if cohort == "elsa":
            age = np.minimum(age, elsa.AGE_TOP_CODE)
        frame = {"id": ids[keep], "wave": np.full(int(keep.sum()), t + 1, dtype=np.int16),
                 "sex": sex[keep], "age": age.astype(np.int16)}
        frame.update({name: values[keep] for name, values in cols.items()})
        frame.update({name: values[keep] for name, values in extra[t].items()})
        if drawn is not None:
            frame["strata"], frame["psu"] = drawn.strata[keep], drawn.psu[keep]
        frame["weight"] = weight[keep, t]
        frames.append(pd.DataFrame(frame))
    observed = pd.concat(frames, ignore_index=True)

    persons_df = pd.DataFrame({
        "id": ids, "sex": sex, "age_w1": persons.age_w1,
        "life_stage": pd.Categorical.from_codes(persons.stage, categories=list(LIFE_STAGES), ordered=True),
        "perceived_stigma": persons.perceived, "discrimination": persons.discrimination,
        "ri_L": persons.ri_L, "ri_M": persons.ri_M, "beta": persons.beta, "delta": persons.delta,
        "mean_L": persons.mean_L, "mean_M": persons.mean_M, "design_weight": design_weight,
    })
    if drawn is not None:
        persons_df["strata"], persons_df["psu"] = drawn.strata, drawn.psu
    long = pd.DataFrame({
        "id": np.repeat(ids, waves), "wave": np.tile(np.arange(1, waves + 1, dtype=np.int16), n),
        "age": ages.ravel(), "L": L.ravel(), "M": M.ravel(),
        "wL": within.w_L.ravel(), "wM": within.w_M.ravel(),
        "cmd_diagnosed": cmd.ravel(), "smi_diagnosed": smi.ravel(),
        "responded": attrition.responded.ravel(), "weight": weight.ravel(),
    })
    proxy = np.stack([c["proxy"] for c in columns], axis=1)
    realised = realised_counts(attrition)
    for t, row in enumerate(realised):
        row["proxy_interviews"] = int((proxy[:, t] & attrition.responded[:, t]).sum())
        if cohort == "elsa":
            row["self_completion_not_returned"] = int((scq[:, t] & attrition.responded[:, t]).sum())
    realised_design = None if drawn is None else drawn.realised(persons)
    truth = build_truth(cohort=cohort, n=n, waves=waves, seed=seed, params=params,
                        response=response, attrition=attrition_params, realised=realised,
                        design=plan, realised_design=realised_design)
    return LatentPanel(persons=persons_df, long=long, truth=truth, observed=observed)
