r"""Complex sample design: strata, PSUs, informative selection and the design weight.

The persons drawn by :func:`~analysis.synth.model.draw_persons` are the
achieved wave-1 *sample*.  This module says which population that sample
represents and how it was selected from it.

Selection
---------
A person of life stage :math:`g` with perceived stigma :math:`P_i` and stable
loneliness :math:`RI^L_i` was selected with probability

.. math::
    \pi_i \propto f_{h(i)}^{-1}\, s_{g(i)} \exp(\lambda_P P_i + \lambda_L RI^L_i),

with :math:`s = (0.6, 1.0, 1.1)` for 16-29, 30-64, 65+ (young adults take
part less often), :math:`\lambda_P = -0.5` and :math:`\lambda_L = -0.4`
(people who feel more stigmatised or are lonelier take part less often) and a
stratum factor :math:`f_h` (disproportionate allocation, unrelated to the
outcomes).  Exponential tilting of a normal law gives the population exactly:
with :math:`z = (P, D, RI^L, RI^M)' \sim N(0, \Sigma_B)` in the sample,
:math:`z \sim N(-\Sigma_B\lambda, \Sigma_B)` in the population, and the
population life-stage shares are the sample shares divided by :math:`s_g`,
renormalised.  Because :math:`\beta_i` grows with :math:`P_i` and differs by
life stage, the population-average cross-lag differs from the sample average.

Design weight :math:`d_i = 1/\pi_i`, scaled to mean 1 over the wave-1 sample.

Strata and PSUs
---------------
``n_strata`` strata, each with 2-6 PSUs (uniform, from the design stream);
stratum codes ``1..H`` and PSU codes ``100 h + k`` (unique, nested).  Each
PSU :math:`j` has an area effect :math:`V_j \sim N(0, \rho\,\Sigma_{RI})` on the
random intercepts (:math:`\rho` = ``psu_variance_share``).  PSU membership is
drawn given the person's random intercepts from the posterior of the
two-level split :math:`RI_i = V_{j(i)} + R_i`, :math:`R_i \sim
N(0, (1-\rho)\Sigma_{RI})`, with prior PSU shares equal within the sample, so
people in the same PSU share part of their stable levels (intra-PSU share of
the random-intercept variance close to :math:`\rho`) while every person's own
draws stay exactly those of the model.  PSU and stratum are fixed per person.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from analysis.errors import UsageError
from analysis.synth.model import PersonDraws
from analysis.synth.params import LIFE_STAGES, ModelParams, StageTuple


@dataclass(frozen=True)
class DesignParams:
    """Strata, PSUs and the selection model (see the module docstring)."""

    n_strata: int = 16
    min_psu: int = 2
    max_psu: int = 6
    psu_variance_share: float = 0.05
    stratum_allocation_sd: float = 0.25
    stage_selection: StageTuple = (0.6, 1.0, 1.1)
    tilt_perceived: float = -0.5
    tilt_ri_L: float = -0.4

    def __post_init__(self) -> None:
        if not 1 <= self.n_strata <= 99 or not 1 <= self.min_psu <= self.max_psu <= 99:
            raise UsageError("design: n_strata and PSUs per stratum must be between 1 and 99.")
        if not 0.0 <= self.psu_variance_share < 1.0:
            raise UsageError("design.psu_variance_share must be in [0, 1).")
        if len(self.stage_selection) != len(LIFE_STAGES) or min(self.stage_selection) <= 0:
            raise UsageError(f"design.stage_selection needs one positive value per life stage {LIFE_STAGES}.")

    def tilt(self) -> np.ndarray:
        """Selection tilt on (P, D, RI_L, RI_M)."""
        return np.array([self.tilt_perceived, 0.0, self.tilt_ri_L, 0.0])

    def to_dict(self) -> dict[str, object]:
        return {
            "n_strata": self.n_strata, "psu_per_stratum_range": [self.min_psu, self.max_psu],
            "psu_variance_share": self.psu_variance_share,
            "stratum_allocation_sd": self.stratum_allocation_sd,
            "stage_relative_selection": dict(zip(LIFE_STAGES, map(float, self.stage_selection))),
            "tilt": {"perceived_stigma": self.tilt_perceived, "ri_L": self.tilt_ri_L},
        }


DEFAULT_DESIGN = DesignParams()


@dataclass(frozen=True)
class Design:
    """A drawn design for one sample (arrays of length n unless said otherwise).

    Attributes
    ----------
    strata, psu : ndarray of int16
        Stratum (1..H) and PSU code (100*h + k) of each person.
    design_weight : ndarray
        1 / selection probability, mean 1 over the sample.
    psu_per_stratum : ndarray of int
        Number of PSUs in each stratum (length H).
    population_share : ndarray
        Population share of each stratum (length H).
    psu_effects : ndarray, shape (n_psu, 2)
        Area effects V_j on (RI_L, RI_M).
    """

    strata: np.ndarray
    psu: np.ndarray
    design_weight: np.ndarray
    psu_per_stratum: np.ndarray
    population_share: np.ndarray
    psu_effects: np.ndarray

    def realised(self, persons: PersonDraws) -> dict[str, object]:
        """What this draw gave, for truth.json."""
        _, counts = np.unique(self.psu, return_counts=True)
        return {
            "psu_per_stratum": {str(h + 1): int(m) for h, m in enumerate(self.psu_per_stratum)},
            "stratum_population_share": {str(h + 1): round(float(p), 12)
                                         for h, p in enumerate(self.population_share)},
            "psu_with_persons": int(counts.size),
            "persons_per_psu": {"min": int(counts.min()), "max": int(counts.max())},
            "psu_variance_share_wave1": {"RI_L": psu_variance_share(persons.ri_L, self.psu),
                                         "RI_M": psu_variance_share(persons.ri_M, self.psu)},
            "design_weight": {"min": round(float(self.design_weight.min()), 6),
                              "max": round(float(self.design_weight.max()), 6),
                              "cv": round(float(self.design_weight.std() / self.design_weight.mean()), 6)},
        }


def draw_design(rng: np.random.Generator, *, persons: PersonDraws, params: ModelParams,
                design: DesignParams) -> Design:
    """Draw strata, PSUs and PSU membership, and compute design weights.

    Parameters
    ----------
    rng : numpy.random.Generator
        The design stream; nothing else draws from it first.
    persons : PersonDraws
    params : ModelParams
    design : DesignParams

    Returns
    -------
    Design
    """
    h = design.n_strata
    m = rng.integers(design.min_psu, design.max_psu + 1, size=h)
    n_psu = int(m.sum())
    stratum_of_psu = np.repeat(np.arange(h), m)
    code_of_psu = (100 * (stratum_of_psu + 1) + np.concatenate([np.arange(1, k + 1) for k in m]))
    # Equal expected take per PSU in the sample; population shares differ by stratum.
    sample_share = m / n_psu
    pop = sample_share * np.exp(design.stratum_allocation_sd * rng.standard_normal(h))
    pop /= pop.sum()
    cov_ri = params.between_cov()[2:, 2:]
    effects = rng.standard_normal((n_psu, 2)) @ np.linalg.cholesky(design.psu_variance_share * cov_ri).T
    ri = np.column_stack([persons.ri_L, persons.ri_M])
    if design.psu_variance_share > 0:
        k = np.linalg.inv((1.0 - design.psu_variance_share) * cov_ri)
        kv = effects @ k                                   # (n_psu, 2)
        logit = ri @ kv.T - 0.5 * np.einsum("jk,jk->j", kv, effects)[None, :]
    else:
        logit = np.zeros((ri.shape[0], n_psu))
    # Gumbel-max draw from the posterior PSU probabilities (equal prior shares).
    gumbel = -np.log(-np.log(rng.random(logit.shape)))
    j = np.argmax(logit + gumbel, axis=1)
    z = np.column_stack([persons.perceived, persons.discrimination, persons.ri_L, persons.ri_M])
    stratum_factor = pop / sample_share
    log_pi = (np.log(np.asarray(design.stage_selection))[persons.stage] + z @ design.tilt()
              - np.log(stratum_factor[stratum_of_psu[j]]))
    weight = np.exp(-(log_pi - log_pi.max()))  # shift first: no overflow
    weight /= weight.mean() if weight.size else 1.0
    return Design(strata=(stratum_of_psu[j] + 1).astype(np.int16), psu=code_of_psu[j].astype(np.int16),
                  design_weight=weight, psu_per_stratum=m, population_share=pop, psu_effects=effects)


def psu_variance_share(values: np.ndarray, psu: np.ndarray) -> float | None:
    """Between-PSU share of the variance of ``values`` (one-way ANOVA estimator, floored at 0).

    None when there are too few persons or PSUs to estimate it.
    """
    codes, idx, counts = np.unique(psu, return_inverse=True, return_counts=True)
    n, k = values.size, codes.size
    if k < 2 or n <= k:
        return None
    means = np.bincount(idx, weights=values) / counts
    ssb = float(np.sum(counts * (means - values.mean()) ** 2))
    ssw = float(np.sum((values - means[idx]) ** 2))
    msb, msw = ssb / (k - 1), ssw / (n - k)
    n0 = (n - np.sum(counts**2) / n) / (k - 1)
    sb = max((msb - msw) / n0, 0.0)
    return round(sb / (sb + msw), 6)
