"""The truth file: everything needed to check an analysis against the generating model."""

from __future__ import annotations

from typing import Any

import numpy as np

from analysis.synth import elsa, ukhls
from analysis.synth.attrition import AttritionParams
from analysis.synth.design import DesignParams
from analysis.synth.instruments import (DISC_WORDING, ITEMS, MCS_LOADING, MCS_RANGE, PDD_WORDING)
from analysis.synth.labels import NEGATIVE_CODES, describe
from analysis.synth.measurement import reference_moments, thresholds
from analysis.synth.model import age_probabilities
from analysis.synth.nonresponse import ResponseParams
from analysis.synth.params import AGE_KNOTS, LIFE_STAGES, STAGE_START_AGES, Cohort, ModelParams
from analysis.synth.population import population_truth
from analysis.synth.stationary import STATIONARY_METHOD, stage_moments

GENERATOR_VERSION = "1.1.0"  # 1.1: sample design, informative selection, population truth

MODEL_EQUATIONS = [
    "Person i: sex F_i (1 male, 2 female; P(female) = female_share); age at wave 1 a_i from the "
    "cohort age profile; life stage g(i) from a_i (16-29, 30-64, 65+), fixed for the panel; "
    "age at wave t = a_i + t - 1 (annual waves).",
    "(P_i, D_i, RI_L_i, RI_M_i) ~ N(0, between_covariance); P = perceived stigma, "
    "D = experienced discrimination, both standard normal and independent of age and sex.",
    "L_it = mean_L + female_shift_L*[female] + stage_shift_L[g] + RI_L_i + wL_it",
    "M_it = mean_M + female_shift_M*[female] + stage_shift_M[g] + RI_M_i + wM_it",
    "wL_it = phi_L*wL_i,t-1 + delta[g]*wM_i,t-1 + u_it",
    "wM_it = beta_i*wL_i,t-1 + phi_M*wM_i,t-1 + e_it,  "
    "beta_i = beta[g] + (gamma_p + gamma_p_by_stage[g])*P_i + gamma_d*D_i",
    "(u_it, e_it) ~ N(0, innovation_covariance), iid over persons and waves",
    "Wave 1: (wL_i1, wM_i1) ~ N(0, S_i) with S_i = A_i S_i A_i' + Q, the person's exact "
    "stationary covariance (A_i = [[phi_L, delta_g], [beta_i, phi_M]]).",
    "Higher L = lonelier, higher M = more mental-health problems.",
]

MEASUREMENT_MODEL = (
    "Graded response (ordinal probit): y*_ijt = sum_c loading_jc * eta_c,it + eps_ijt, "
    "eps ~ N(0,1), eta = (L, M, P, D); category k = number of thresholds below y*; released code "
    "= codes_in_latent_order[k]. Thresholds tau_jm = loading_j'mu0 + sqrt(loading_j' Sigma0 "
    "loading_j + 1) * Phi^-1(cumulative target share) for the reference group (midlife men, "
    "average stigma; Sigma0 = random-intercept covariance + stationary within covariance of a "
    "typical midlife person). Negative loading = reverse-worded item."
)


SELECTION = (
    "The wave-1 sample is drawn from a larger population with unequal, informative selection "
    "probabilities: pi_i is proportional to stage_relative_selection[g] * exp(tilt_perceived*P_i + "
    "tilt_ri_L*RI_L_i) / stratum_factor[h]. Young adults (16-29), people who feel more "
    "stigmatised and people who are lonelier in a stable way take part less often, so the "
    "unweighted sample under-represents them. The person draws in 'model' describe the sample; "
    "the population they represent is the sample law tilted back: (P, D, RI_L, RI_M) ~ "
    "N(-between_covariance @ tilt, between_covariance), life-stage shares = sample shares / "
    "stage_relative_selection, renormalised (see 'population'). Because the cross-lag beta_i "
    "rises with P_i and differs by life stage, the population-average cross-lag differs from the "
    "sample average; the design weight undoes the selection. Strata: disproportionate "
    "allocation (stratum_factor = population share / sample share, unrelated to the outcomes). "
    "PSUs: each PSU has an area effect V_j ~ N(0, psu_variance_share * Cov(RI_L, RI_M)) on the "
    "random intercepts; a person's PSU is drawn from the posterior given their random intercepts "
    "under RI = V_j + R, so persons in a PSU share part of their stable levels."
)

WEIGHTS = (
    "design weight d_i = 1/pi_i (pi_i as in design.selection); longitudinal weight at wave t = "
    "d_i / prod_{s<=t}(1 - P(drop at s)) for persons still responding (the true inverse response "
    "propensity), 0 after dropout (such persons have no row in the wave file); each wave scaled "
    "to mean 1 over its respondents, 6 decimals. Wave 1 carries the cross-sectional name "
    "(a_indinus_xw / w1wgt; ELSA w2wgt at wave 2), later waves the longitudinal one (_lw / w{N}lwgt)."
)

WEIGHTS_SRS = (
    "simple random sample (design=False): design weight 1; longitudinal weight at wave t = "
    "1/prod_{s<=t}(1 - P(drop at s)) for persons still responding, 0 after dropout; each wave "
    "scaled to mean 1 over its respondents, 6 decimals"
)


def _design(design: DesignParams | None, realised: dict[str, Any] | None) -> dict[str, Any] | None:
    if design is None:
        return None
    return {"selection": SELECTION, "parameters": design.to_dict(), "realised": realised,
            "psu_codes": "100 * stratum + k, k = 1..PSUs in the stratum; every PSU lies in one stratum",
            "constant_per_person": True}


def _clean(value: Any) -> Any:
    """Convert numpy scalars/arrays (recursively) into JSON-ready Python objects."""
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    if isinstance(value, np.ndarray):
        return _clean(value.tolist())
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    return value


def _items(cohort: Cohort, params: ModelParams) -> list[dict[str, Any]]:
    out = []
    for item in ITEMS[cohort]:
        out.append({
            "name": item.name, "instrument": item.instrument, "text": item.text,
            "synthetic": item.synthetic, "mode": item.mode,
            "loadings": dict(item.loadings),
            "codes": list(item.codes), "code_labels": list(item.code_labels),
            "target_proportions": list(item.proportions),
            "higher_code_is_higher_latent": item.ascending,
            "thresholds": thresholds(item, params).round(12),
        })
    return out


def _variables(cohort: Cohort, waves: int, design: bool) -> dict[str, Any]:
    layout = ukhls if cohort == "ukhls" else elsa
    first = layout.specs(1, design=design)
    return {
        "id": layout.ID,
        "design_columns_by_wave": ({str(w): dict(zip(("psu", "strata"), layout.design_names(w)))
                                    for w in range(1, waves + 1)} if design else None),
        "wave_file_names": [layout.file_name(w, "dta").removesuffix(".dta") + ".{dta|sav}"
                            for w in range(1, waves + 1)],
        "columns_by_wave": {str(w): [s.name for s in layout.specs(w, design=design)]
                            for w in range(1, waves + 1)},
        "negative_codes": NEGATIVE_CODES[cohort],
        "negative_codes_note": "labelled values, not declared missing; recode before analysis",
        "wave_1_codes": describe(first),
        "synthetic_scales": {
            "perceived_stigma": {"names": [f"synpdd{k}" for k in range(1, 7)],
                                 "reverse_worded": ["synpdd2", "synpdd4", "synpdd6"],
                                 "wording": PDD_WORDING,
                                 "scoring": "mean of items after reversing 2, 4, 6 (5 - code); "
                                            "higher = more perceived stigma"},
            "experienced_discrimination": {"names": [f"syndisc{k}" for k in range(1, 6)],
                                           "wording": DISC_WORDING,
                                           "scoring": "sum 0-15; higher = more discrimination"},
        },
    }


def build_truth(*, cohort: Cohort, n: int, waves: int, seed: int, params: ModelParams,
                response: ResponseParams, attrition: AttritionParams,
                realised: list[dict[str, Any]], design: DesignParams | None = None,
                realised_design: dict[str, Any] | None = None) -> dict[str, Any]:
    """Assemble the truth dictionary (truth.json without ``format`` and ``files``)."""
    mean0, cov0 = reference_moments(params)
    ages, prob = age_probabilities(cohort)
    stage_of_age = np.searchsorted(np.asarray(STAGE_START_AGES[1:]), ages, side="right")
    truth = {
        "generator": {"package": "analysis.synth", "version": GENERATOR_VERSION},
        "cohort": cohort, "n": n, "waves": waves, "seed": seed,
        "random_streams": "numpy default_rng (PCG64) from SeedSequence(seed).spawn(6): ids, persons, "
                          "within-person dynamics, measurement (one child per wave), attrition, sample design",
        "model": {
            "equations": MODEL_EQUATIONS,
            "life_stages": {s: {"from_age": a} for s, a in zip(LIFE_STAGES, STAGE_START_AGES)},
            "life_stage_fixed_at": "wave 1",
            "age_profile_knots": [list(k) for k in AGE_KNOTS[cohort]],
            "expected_life_stage_shares": {s: float(prob[stage_of_age == g].sum())
                                           for g, s in enumerate(LIFE_STAGES)},
            "parameters": params.to_dict(),
            "between_covariance": {"order": ["P", "D", "RI_L", "RI_M"],
                                   "matrix": params.between_cov()},
            "innovation_covariance": {"order": ["u", "e"], "matrix": params.innovation_cov()},
            "cross_lag_L_to_M": "beta_i = beta[g] + (gamma_p + gamma_p_by_stage[g])*P_i + gamma_d*D_i",
            "stigma_shift_sd": params.stigma_shift_sd(),
            "stationary": {"method": STATIONARY_METHOD, "by_life_stage": stage_moments(params)},
        },
        "measurement": {
            "model": MEASUREMENT_MODEL,
            "reference_mean": {"order": ["L", "M", "P", "D"], "vector": mean0},
            "reference_covariance": {"order": ["L", "M", "P", "D"], "matrix": cov0.round(12)},
            "items": _items(cohort, params),
            "derived": ({
                "scghq1_dv": "sum over GHQ items of (code - 1), 0-36; -9 if any item negative; -7 proxy",
                "scghq2_dv": "number of GHQ items coded 3 or 4, 0-12; -9 if any item negative; -7 proxy",
                "sf12mcs_dv": f"50 - 10*({MCS_LOADING}*z_M + sqrt(1-{MCS_LOADING}^2)*xi), z_M = "
                              f"(M - mu0_M)/sigma0_M, xi ~ N(0,1), clipped to {list(MCS_RANGE)}, "
                              "2 decimals; -7 proxy; -9 missing",
            } if cohort == "ukhls" else {
                "cesd8_count": "not released; symptoms = yes on a,b,c,e,g,h and no on d,f "
                               "(pscedd 'was happy', pscedf 'enjoyed life' are reverse-scored)",
            }),
        },
        "response_process": response.to_dict(),
        "attrition": {**attrition.to_dict(cohort), "realised": realised},
        "design": _design(design, realised_design),
        "population": population_truth(cohort=cohort, params=params, design=design),
        "weights": WEIGHTS if design is not None else WEIGHTS_SRS,
        "variables": _variables(cohort, waves, design is not None),
    }
    return _clean(truth)
