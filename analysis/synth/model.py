r"""Latent data-generating process: persons, random intercepts and within-person dynamics.

Model
-----
Person :math:`i` has sex (female with probability 0.52), age at wave 1
:math:`a_i` drawn from the cohort's age profile (UKHLS 16-90, ELSA 50-90, see
:data:`~analysis.synth.params.AGE_KNOTS`) and life stage
:math:`g(i) \in \{16\text{-}29, 30\text{-}64, 65+\}` fixed at its wave-1 age.
Waves are annual, so age at wave :math:`t` is :math:`a_i + t - 1`.

Between persons, perceived stigma :math:`P_i`, experienced discrimination
:math:`D_i` and the random intercepts are jointly normal and independent of
age and sex:

.. math::
    (P_i, D_i, RI^L_i, RI^M_i)' \sim N(0, \Sigma_B),\quad
    \operatorname{Var}(P) = \operatorname{Var}(D) = 1,\
    \rho_{PD} = 0.4,\ \rho_{RI} = 0.4,\
    \rho(RI^M, P) = 0.15,\ \rho(RI^M, D) = 0.10,\
    \operatorname{Var}(RI^L) = \operatorname{Var}(RI^M) = 1 .

Observed-scale latent scores are grand mean + small shifts + random
intercept + within-person deviation:

.. math::
    L_{it} = \mu_L + a^L_{\text{female}} F_i + a^L_{g(i)} + RI^L_i + w^L_{it},\qquad
    M_{it} = \mu_M + a^M_{\text{female}} F_i + a^M_{g(i)} + RI^M_i + w^M_{it}.

Within persons, :math:`w_{it} = (w^L_{it}, w^M_{it})'` follows a VAR(1) with
person-specific cross-lag of loneliness on mental-health problems:

.. math::
    w^L_{it} &= \phi_L w^L_{i,t-1} + \delta_{g(i)} w^M_{i,t-1} + u_{it} \\
    w^M_{it} &= \beta_i w^L_{i,t-1} + \phi_M w^M_{i,t-1} + e_{it},\qquad
    \beta_i = \beta_{g(i)} + (\gamma_p + \kappa_{g(i)}) P_i + \gamma_d D_i \\
    (u_{it}, e_{it})' &\sim N(0, Q)\ \text{iid over } i, t,\quad
    Q = \begin{pmatrix} 0.8 & 0.2 \\ 0.2 & 0.8 \end{pmatrix}.

Defaults: :math:`\phi_L = \phi_M = 0.4`;
:math:`\beta = (0.20, 0.12, 0.06)` and :math:`\delta = (0.08, 0.06, 0.05)` for
young, midlife, older; :math:`\gamma_p = 0.05`, :math:`\gamma_d = 0.03`;
:math:`\kappa = 0` (``gamma_p_by_stage``: set it for a life stage x stigma
interaction in the cross-lag).

Wave-1 within components are drawn from each person's *exact* stationary
distribution :math:`w_{i1} \sim N(0, S_i)` with :math:`S_i = A_i S_i A_i' + Q`
(:mod:`.stationary`), so the within process is stationary from the start and
about half of the latent variance lies between persons.

Every person-specific transition matrix must have spectral radius below 1;
this is checked (it holds by a wide margin with the defaults).

Sample and population
---------------------
The draws above are the achieved wave-1 *sample*.  By default it comes from
a complex sample design with informative selection (:mod:`.design`):
``H = 16`` strata with 2-6 PSUs each; person :math:`i` was selected with
probability

.. math::
    \pi_i \propto s_{g(i)} \exp(\lambda_P P_i + \lambda_L RI^L_i) / f_{h(i)},
    \qquad s = (0.6, 1.0, 1.1),\ \lambda_P = -0.5,\ \lambda_L = -0.4,

so young adults, people who feel more stigmatised and people who are
lonelier in a stable way are under-represented (:math:`f_h` is a stratum
allocation factor unrelated to the outcomes).  The population is the sample
law tilted back, exactly: :math:`(P, D, RI^L, RI^M)' \sim
N(-\Sigma_B\lambda, \Sigma_B)` and life-stage shares proportional to
sample share / :math:`s_g`.  Since :math:`\beta_i` rises with :math:`P_i`
and with youth, the population-average cross-lag (0.165 with the UKHLS
defaults) exceeds the sample average (0.123): an unweighted analysis is
biased for the population and a design-weighted one is not
(:mod:`.population` computes both exactly).  Each PSU :math:`j` has an
area effect :math:`V_j \sim N(0, 0.05\,\Sigma_{RI})` on the random
intercepts; a person's PSU is drawn from the posterior given their random
intercepts under :math:`RI_i = V_{j(i)} + R_i`, so stable levels cluster
within PSUs while every draw above is unchanged.  The design weight is
:math:`1/\pi_i`; the released weight at wave :math:`t` multiplies it by the
inverse response propensity (:mod:`.attrition`) and is 0 after dropout.
``design=False`` gives a simple random sample: population = sample.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from analysis.errors import UsageError
from analysis.synth.params import AGE_KNOTS, Cohort, ModelParams, stage_index
from analysis.synth.stationary import lyapunov_2x2, spectral_radius


@dataclass(frozen=True)
class PersonDraws:
    """Person-level draws (arrays of length n)."""

    female: np.ndarray        # bool
    age_w1: np.ndarray        # int16
    stage: np.ndarray         # int8, index into LIFE_STAGES
    perceived: np.ndarray     # P_i
    discrimination: np.ndarray  # D_i
    ri_L: np.ndarray
    ri_M: np.ndarray
    beta: np.ndarray          # beta_i (person-specific cross-lag L -> M)
    delta: np.ndarray         # delta_g(i)
    mean_L: np.ndarray        # mu_L + sex and stage shifts
    mean_M: np.ndarray


@dataclass(frozen=True)
class WithinPath:
    """Within-person components, arrays of shape (n, waves)."""

    w_L: np.ndarray
    w_M: np.ndarray


def age_probabilities(cohort: Cohort) -> tuple[np.ndarray, np.ndarray]:
    """Single years of age and their sampling probabilities at wave 1."""
    knots = np.array(AGE_KNOTS[cohort], dtype=float)
    ages = np.arange(int(knots[0, 0]), int(knots[-1, 0]) + 1)
    weight = np.interp(ages, knots[:, 0], knots[:, 1])
    return ages, weight / weight.sum()


def draw_persons(rng: np.random.Generator, *, n: int, cohort: Cohort,
                 params: ModelParams) -> PersonDraws:
    """Draw sex, age, life stage, stigma traits and random intercepts.

    Parameters
    ----------
    rng : numpy.random.Generator
    n : int
        Number of persons.
    cohort : {"ukhls", "elsa"}
        Selects the wave-1 age profile.
    params : ModelParams

    Returns
    -------
    PersonDraws
    """
    female = rng.random(n) < params.female_share
    ages, prob = age_probabilities(cohort)
    age_w1 = rng.choice(ages, size=n, p=prob).astype(np.int16)
    stage = stage_index(age_w1)
    chol = np.linalg.cholesky(params.between_cov())
    z = rng.standard_normal((n, 4)) @ chol.T
    perceived, discrimination, ri_L, ri_M = z.T
    slope_p = params.gamma_p + np.asarray(params.gamma_p_by_stage)[stage]
    beta = np.asarray(params.beta)[stage] + slope_p * perceived + params.gamma_d * discrimination
    delta = np.asarray(params.delta)[stage]
    mean_L = params.mean_L + params.female_shift_L * female + np.asarray(params.stage_shift_L)[stage]
    mean_M = params.mean_M + params.female_shift_M * female + np.asarray(params.stage_shift_M)[stage]
    return PersonDraws(female=female, age_w1=age_w1, stage=stage, perceived=perceived,
                       discrimination=discrimination, ri_L=ri_L, ri_M=ri_M, beta=beta,
                       delta=delta, mean_L=mean_L, mean_M=mean_M)


def transition_matrices(persons: PersonDraws, params: ModelParams) -> np.ndarray:
    """Person-specific transition matrices, shape (n, 2, 2)."""
    n = persons.beta.shape[0]
    a = np.empty((n, 2, 2))
    a[:, 0, 0] = params.phi_L
    a[:, 0, 1] = persons.delta
    a[:, 1, 0] = persons.beta
    a[:, 1, 1] = params.phi_M
    return a


def simulate_within(rng: np.random.Generator, *, persons: PersonDraws, waves: int,
                    params: ModelParams) -> WithinPath:
    """Simulate the within-person VAR(1), starting from each person's stationary law.

    Draw order is wave 1 then waves 2, 3, ..., so a shorter panel from the
    same generator state is a prefix of a longer one.

    Parameters
    ----------
    rng : numpy.random.Generator
    persons : PersonDraws
    waves : int
    params : ModelParams

    Returns
    -------
    WithinPath
    """
    a = transition_matrices(persons, params)
    radius = spectral_radius(a)
    if np.any(radius >= 1.0):
        raise UsageError(
            f"params make the within-person process explosive for {int(np.sum(radius >= 1))} "
            "persons (spectral radius >= 1); use smaller autoregressions or cross-lags.")
    q = params.innovation_cov()
    s = lyapunov_2x2(a, q)
    chol_s = np.linalg.cholesky(s)                      # (n, 2, 2)
    chol_q = np.linalg.cholesky(q)
    n = a.shape[0]
    w_L = np.empty((n, waves))
    w_M = np.empty((n, waves))
    w1 = np.einsum("nij,nj->ni", chol_s, rng.standard_normal((n, 2)))
    w_L[:, 0], w_M[:, 0] = w1[:, 0], w1[:, 1]
    for t in range(1, waves):  # loop over waves only; persons are vectorised
        shock = rng.standard_normal((n, 2)) @ chol_q.T
        w_L[:, t] = params.phi_L * w_L[:, t - 1] + persons.delta * w_M[:, t - 1] + shock[:, 0]
        w_M[:, t] = persons.beta * w_L[:, t - 1] + params.phi_M * w_M[:, t - 1] + shock[:, 1]
    return WithinPath(w_L=w_L, w_M=w_M)


def latent_scores(persons: PersonDraws, within: WithinPath) -> tuple[np.ndarray, np.ndarray]:
    """Total latent loneliness L and mental-health problems M, shape (n, waves)."""
    L = (persons.mean_L + persons.ri_L)[:, None] + within.w_L
    M = (persons.mean_M + persons.ri_M)[:, None] + within.w_M
    return L, M
