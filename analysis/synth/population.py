r"""Population values under the sample design: what a weighted analysis should recover.

The selection model of :mod:`.design` tilts a normal population into the
normal sample, so every population quantity here is exact (no simulation):

* life-stage shares: sample shares / stage selection factor, renormalised;
* means of :math:`(P, D, RI^L, RI^M)`: :math:`-\Sigma_B \lambda`;
* cross-lags: the population regression of :math:`w_t` on :math:`w_{t-1}`,
  :math:`B = E[A S]\,E[S]^{-1}`, with the expectations taken over life
  stages (population shares) and over :math:`c = \gamma_p P + \gamma_d D`
  (population mean), as in :mod:`.stationary`.  ``sample_average`` gives the
  same regression over the sample law: what an unweighted analysis targets;
* expected wave scores of the stable synthetic scales (items loading only on
  P or D), from the normal-ogive item model.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.special import ndtr

from analysis.synth.design import DesignParams
from analysis.synth.instruments import ITEMS, Item
from analysis.synth.measurement import latent_order_codes, loading_vector, thresholds
from analysis.synth.model import age_probabilities
from analysis.synth.params import LIFE_STAGES, Cohort, ModelParams, stage_index
from analysis.synth.stationary import pooled_regression, stage_expectations

REVERSED_PDD = ("synpdd2", "synpdd4", "synpdd6")


def sample_stage_shares(cohort: Cohort) -> np.ndarray:
    """Expected life-stage shares of the wave-1 sample (zeros for absent stages)."""
    ages, prob = age_probabilities(cohort)
    return np.bincount(stage_index(ages), weights=prob, minlength=len(LIFE_STAGES))


def population_stage_shares(cohort: Cohort, design: DesignParams | None) -> np.ndarray:
    """Life-stage shares of the population the sample represents."""
    share = sample_stage_shares(cohort)
    if design is None:
        return share
    pop = share / np.asarray(design.stage_selection)
    return pop / pop.sum()


def between_means(params: ModelParams, design: DesignParams | None) -> np.ndarray:
    """Population means of (P, D, RI_L, RI_M); zero without a design."""
    if design is None:
        return np.zeros(4)
    return -params.between_cov() @ design.tilt()


def _average_crosslags(params: ModelParams, shares: np.ndarray, mean_c: float,
                       mean_p: float = 0.0) -> dict[str, Any]:
    eas, es = np.zeros((2, 2)), np.zeros((2, 2))
    for g, share in enumerate(shares):
        if share > 0:
            e_as, e_s = stage_expectations(params, g, mean_c, mean_p=mean_p)
            eas += share * e_as
            es += share * e_s
    return pooled_regression(eas, es)


def _expected_code(item: Item, params: ModelParams, mean: np.ndarray) -> float:
    """Expected released code of an item loading only on P and/or D."""
    lam = loading_vector(item)
    if np.any(lam[:2] != 0):
        raise ValueError(f"{item.name} loads on L or M; its expectation needs the full mixture")
    cov = params.between_cov()[:2, :2]
    sd = np.sqrt(lam[2:] @ cov @ lam[2:] + 1.0)
    cum = ndtr((thresholds(item, params) - lam[2:] @ mean[:2]) / sd)
    prob = np.diff(np.concatenate([[0.0], cum, [1.0]]))
    codes, _ = latent_order_codes(item)
    return float(prob @ codes)


def expected_scores(cohort: Cohort, params: ModelParams, mean: np.ndarray) -> dict[str, Any]:
    """Expected stable synthetic scale scores at any wave, given means of (P, D, ...)."""
    items = {it.name: it for it in ITEMS[cohort]}
    pdd = [(5.0 - _expected_code(items[k], params, mean)) if k in REVERSED_PDD
           else _expected_code(items[k], params, mean) for k in (f"synpdd{j}" for j in range(1, 7))]
    disc = [_expected_code(items[f"syndisc{j}"], params, mean) for j in range(1, 6)]
    return {"perceived_stigma_score": round(float(np.mean(pdd)), 10),
            "discrimination_score": round(float(np.sum(disc)), 10)}


SCORE_DEFINITIONS = {
    "perceived_stigma_score": "mean of synpdd1-6 after reversing 2, 4, 6 (5 - code), over persons "
                              "answering all six",
    "discrimination_score": "sum of syndisc1-5 (0-15), over persons answering all five",
}


def population_truth(*, cohort: Cohort, params: ModelParams, design: DesignParams | None) -> dict[str, Any]:
    """The ``population`` block of truth.json.

    Parameters
    ----------
    cohort : {"ukhls", "elsa"}
    params : ModelParams
    design : DesignParams or None
        None for a simple random sample (population = sample law).

    Returns
    -------
    dict
    """
    pop_shares = population_stage_shares(cohort, design)
    smp_shares = sample_stage_shares(cohort)
    mean = between_means(params, design)
    mean_c = float(params.gamma_p * mean[0] + params.gamma_d * mean[1])
    by_stage = {}
    for g, stage in enumerate(LIFE_STAGES):
        if smp_shares[g] > 0:
            eas, es = stage_expectations(params, g, mean_c, mean_p=float(mean[0]))
            by_stage[stage] = pooled_regression(eas, es)
    return {
        "note": "Population the wave-1 sample represents (design-weighted analyses should recover "
                "these); 'sample_*' values are what an unweighted analysis of the sample targets. "
                "Cross-lags are population regressions of the within-person components "
                "(wL_t, wM_t) on (wL_t-1, wM_t-1): B = E[A S] E[S]^-1 over life stages and stigma.",
        "life_stage_shares": dict(zip(LIFE_STAGES, pop_shares.round(12).tolist())),
        "sample_life_stage_shares": dict(zip(LIFE_STAGES, smp_shares.round(12).tolist())),
        "between_means": {"order": ["P", "D", "RI_L", "RI_M"], "vector": mean.round(12).tolist()},
        "stigma_shift_mean": round(mean_c, 12),
        "cross_lags": {
            "population_average": _average_crosslags(params, pop_shares, mean_c, float(mean[0])),
            "sample_average": _average_crosslags(params, smp_shares, 0.0),
            "by_life_stage": by_stage,
        },
        "expected_scores": {"population": expected_scores(cohort, params, mean),
                            "sample": expected_scores(cohort, params, np.zeros(4)),
                            "definitions": SCORE_DEFINITIONS},
    }
