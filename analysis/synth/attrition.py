r"""Monotone attrition driven by the previous wave's observed mental-health score, and weights.

Model
-----
Everyone in the wave-1 sample responds at wave 1.  A person who responded at
wave :math:`t-1` drops out at wave :math:`t \ge 2` (and never returns) with

.. math::
    \operatorname{logit} \Pr(\text{drop}_{it}) =
    \begin{cases}
      \alpha + \kappa\,(s_{i,t-1} - c)/d & s_{i,t-1} \text{ observed},\\
      \alpha + \kappa_{\text{miss}} & s_{i,t-1} \text{ missing (proxy or item non-response)},
    \end{cases}

where :math:`s` is the *released* score: the GHQ-12 Likert score
(``scghq1_dv``; :math:`c = 11.5, d = 5.5`) in UKHLS and the CES-D 8 symptom
count (:math:`c = 1.5, d = 1.9`) in ELSA.  Dropout therefore depends only on
observed data (missing at random).  Defaults :math:`\alpha = -2.25`,
:math:`\kappa = 0.35`, :math:`\kappa_{\text{miss}} = 0.5` give about 10%
dropout per wave, more among people reporting more distress.

Weights: with the wave-1 design weight :math:`d_i = 1/\pi_i` of
:mod:`.design` (1 for a simple random sample), the longitudinal weight at
wave :math:`t` is :math:`d_i \prod_{s=2}^{t} 1/(1 - \Pr(\text{drop}_{is}))`
for persons still responding (the inverse of the true response propensity)
and 0 for persons who have dropped out, as in the real ``_lw`` weights.
Each wave's weights are scaled to mean 1 over its respondents and rounded
to 6 decimals.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np
from scipy.special import expit

from analysis.synth.params import Cohort


@dataclass(frozen=True)
class AttritionParams:
    """Coefficients of the dropout model."""

    intercept: float = -2.25
    slope: float = 0.35
    missing_shift: float = 0.5
    score_scale: dict[Cohort, tuple[float, float]] = field(default_factory=lambda: {
        "ukhls": (11.5, 5.5), "elsa": (1.5, 1.9)})

    def to_dict(self, cohort: Cohort) -> dict[str, object]:
        centre, scale = self.score_scale[cohort]
        d = asdict(self)
        del d["score_scale"]
        score = "scghq1_dv (GHQ-12 Likert 0-36)" if cohort == "ukhls" else \
            "CES-D 8 symptom count (0-8) from psceda-pscedh"
        return {**d, "score": score, "score_centre": centre, "score_scale": scale,
                "formula": "logit P(drop at t | present at t-1) = intercept + slope*(s_{t-1} - "
                           "score_centre)/score_scale if s_{t-1} observed, else intercept + "
                           "missing_shift; monotone (no re-entry); MAR"}


DEFAULT_ATTRITION = AttritionParams()


def dropout_probability(score: np.ndarray, *, cohort: Cohort, params: AttritionParams) -> np.ndarray:
    """Probability of dropping out at the next wave given this wave's score (NaN = missing)."""
    centre, scale = params.score_scale[cohort]
    eta = params.intercept + params.slope * (score - centre) / scale
    return expit(np.where(np.isnan(score), params.intercept + params.missing_shift, eta))


@dataclass(frozen=True)
class Attrition:
    """Response indicators and true dropout probabilities, arrays of shape (n, waves)."""

    responded: np.ndarray
    p_drop: np.ndarray   # probability of dropping out at wave t (0 at wave 1)


def simulate_attrition(rng: np.random.Generator, *, scores: np.ndarray, cohort: Cohort,
                       params: AttritionParams) -> Attrition:
    """Monotone dropout from the previous wave's observed score.

    Parameters
    ----------
    rng : numpy.random.Generator
    scores : ndarray, shape (n, waves)
        Released score per person-wave (NaN when missing); only the entries
        of persons still present are used.
    cohort : {"ukhls", "elsa"}
    params : AttritionParams

    Returns
    -------
    Attrition
    """
    n, waves = scores.shape
    responded = np.zeros((n, waves), dtype=bool)
    p_drop = np.zeros((n, waves))
    responded[:, 0] = True
    for t in range(1, waves):  # loop over waves; persons are vectorised
        u = rng.random(n)
        p_drop[:, t] = dropout_probability(scores[:, t - 1], cohort=cohort, params=params)
        responded[:, t] = responded[:, t - 1] & (u >= p_drop[:, t])
    return Attrition(responded=responded, p_drop=p_drop)


def weights(*, attrition: Attrition, design_weight: np.ndarray) -> np.ndarray:
    """Design weight times inverse response propensity, mean 1 over each wave's respondents.

    Parameters
    ----------
    attrition : Attrition
    design_weight : ndarray, shape (n,)
        Wave-1 design weights (1 / selection probability).

    Returns
    -------
    ndarray, shape (n, waves)
        0 where the person did not respond.
    """
    raw = design_weight[:, None] * np.cumprod(1.0 / (1.0 - attrition.p_drop), axis=1)
    raw = np.where(attrition.responded, raw, 0.0)
    count = attrition.responded.sum(axis=0)
    # A wave nobody reached (possible for tiny n) stays all zero.
    mean = raw.sum(axis=0) / np.maximum(count, 1)
    scaled = raw / np.where(count > 0, mean, 1.0)
    return np.round(scaled, 6)


def realised_counts(attrition: Attrition) -> list[dict[str, object]]:
    """Per-wave at-risk, dropped and responding counts for the truth file."""
    r = attrition.responded
    out = []
    for t in range(r.shape[1]):
        at_risk = int(r[:, t - 1].sum()) if t else int(r.shape[0])
        responded = int(r[:, t].sum())
        out.append({"wave": t + 1, "at_risk": at_risk, "dropped": at_risk - responded,
                    "responded": responded,
                    "dropout_rate": round((at_risk - responded) / at_risk, 6) if at_risk else 0.0})
    return out
