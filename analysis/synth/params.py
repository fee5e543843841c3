"""Parameters of the latent data-generating process, with their defaults.

Every number the latent model uses lives in :class:`ModelParams`, so the
truth file can be produced from one object and a test can check the two agree.
Life-stage-specific parameters are tuples in :data:`LIFE_STAGES` order
(young, midlife, older); :meth:`ModelParams.to_dict` names them.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Literal

import numpy as np

from analysis.errors import UsageError

Cohort = Literal["ukhls", "elsa"]
COHORTS: tuple[Cohort, ...] = ("ukhls", "elsa")

LifeStage = Literal["16-29", "30-64", "65+"]
LIFE_STAGES: tuple[LifeStage, ...] = ("16-29", "30-64", "65+")
#: First age of each life stage; a person's stage is fixed at wave 1.
STAGE_START_AGES: tuple[int, ...] = (16, 30, 65)

#: Relative frequency of each single year of age in the wave-1 sample, linearly
#: interpolated between these knots (with the default design the population is
#: younger: see :mod:`analysis.synth.design`).  UKHLS follows the shape of the UK adult
#: population (ONS mid-year estimates: flat to ~60, thinning after 70), which
#: gives roughly 22% aged 16-29, 55% 30-64 and 23% 65+.  ELSA samples people
#: aged 50+ with the same shape above 50 (about half under 65 at wave 1).
AGE_KNOTS: dict[Cohort, tuple[tuple[int, float], ...]] = {
    "ukhls": ((16, 1.00), (20, 1.05), (30, 1.10), (40, 1.02), (50, 1.10),
              (60, 1.00), (70, 0.85), (75, 0.70), (80, 0.50), (85, 0.32), (90, 0.18)),
    "elsa": ((50, 1.10), (60, 1.00), (70, 0.85), (75, 0.70), (80, 0.50),
             (85, 0.32), (90, 0.18)),
}

StageTuple = tuple[float, float, float]


@dataclass(frozen=True)
class ModelParams:
    r"""Parameters of the random-intercept cross-lagged model (see :mod:`.model`).

    Attributes use the notation of the model docstring: ``phi`` are
    autoregressions, ``beta`` the effect of loneliness on later mental-health
    problems (:math:`\beta_g`), ``delta`` the effect of mental-health problems on
    later loneliness (:math:`\delta_g`), ``gamma_p``/``gamma_d`` the growth of
    :math:`\beta` per SD of perceived stigma / experienced discrimination.
    ``gamma_p_by_stage`` (:math:`\kappa_g`, default 0) adds to ``gamma_p`` in each
    life stage: a life stage x stigma interaction in the cross-lag (known truth for
    the crossed-groupings tests; with the default the draws are unchanged).
    """

    female_share: float = 0.52
    # Grand means and small mean shifts (latent units; total latent SD is ~1.4).
    mean_L: float = 0.0
    mean_M: float = 0.0
    female_shift_L: float = 0.10
    female_shift_M: float = 0.25
    stage_shift_L: StageTuple = (0.20, 0.0, 0.10)
    stage_shift_M: StageTuple = (0.25, 0.0, -0.15)
    # Between-person part: random intercepts and the two stigma traits.
    var_ri_L: float = 1.0
    var_ri_M: float = 1.0
    corr_ri: float = 0.4
    corr_stigma: float = 0.4
    corr_ri_M_perceived: float = 0.15
    corr_ri_M_discrimination: float = 0.10
    # Within-person VAR(1).
    phi_L: float = 0.4
    phi_M: float = 0.4
    beta: StageTuple = (0.20, 0.12, 0.06)
    delta: StageTuple = (0.08, 0.06, 0.05)
    gamma_p: float = 0.05
    gamma_d: float = 0.03
    gamma_p_by_stage: StageTuple = (0.0, 0.0, 0.0)
    innov_var_L: float = 0.8
    innov_var_M: float = 0.8
    innov_corr: float = 0.25

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            values = value if isinstance(value, tuple) else (value,)
            if f.name.startswith("stage_shift") or f.name in ("beta", "delta", "gamma_p_by_stage"):
                if len(values) != len(LIFE_STAGES):
                    raise UsageError(f"params.{f.name} must have one value per life stage {LIFE_STAGES}.")
            if not all(np.isfinite(float(v)) for v in values):
                raise UsageError(f"params.{f.name} must be finite.")
        if not 0.0 < self.female_share < 1.0:
            raise UsageError("params.female_share must be strictly between 0 and 1.")
        if min(self.var_ri_L, self.var_ri_M, self.innov_var_L, self.innov_var_M) <= 0:
            raise UsageError("params variances (var_ri_*, innov_var_*) must be positive.")
        if np.linalg.eigvalsh(self.between_cov())[0] <= 1e-10:
            raise UsageError("params give a between-person correlation matrix that is not positive definite.")
        if not -1.0 < self.innov_corr < 1.0:
            raise UsageError("params.innov_corr must be strictly between -1 and 1.")

    # -- derived matrices -------------------------------------------------
    def between_cov(self) -> np.ndarray:
        """Covariance of (perceived stigma, discrimination, RI_L, RI_M)."""
        sl, sm = np.sqrt(self.var_ri_L), np.sqrt(self.var_ri_M)
        c = np.array([
            [1.0, self.corr_stigma, 0.0, self.corr_ri_M_perceived * sm],
            [self.corr_stigma, 1.0, 0.0, self.corr_ri_M_discrimination * sm],
            [0.0, 0.0, self.var_ri_L, self.corr_ri * sl * sm],
            [self.corr_ri_M_perceived * sm, self.corr_ri_M_discrimination * sm,
             self.corr_ri * sl * sm, self.var_ri_M],
        ])
        return c

    def innovation_cov(self) -> np.ndarray:
        """Covariance Q of the innovations (u, e)."""
        c = self.innov_corr * np.sqrt(self.innov_var_L * self.innov_var_M)
        return np.array([[self.innov_var_L, c], [c, self.innov_var_M]])

    def transition(self, stage: int, stigma_shift: float = 0.0) -> np.ndarray:
        r"""Within-person transition matrix A for ``(wL, wM)`` in life stage ``stage``.

        ``stigma_shift`` is :math:`\gamma_p P + \gamma_d D` for the person.
        """
        return np.array([[self.phi_L, self.delta[stage]],
                         [self.beta[stage] + stigma_shift, self.phi_M]])

    def stigma_shift_sd(self, stage: int | None = None) -> float:
        r"""SD of :math:`c = \gamma_p P + \gamma_d D` (P, D standard normal, corr rho).

        With ``stage``, of :math:`c_g = (\gamma_p + \kappa_g) P + \gamma_d D` in that life stage.
        """
        gp = self.gamma_p + (self.gamma_p_by_stage[stage] if stage is not None else 0.0)
        v = gp**2 + self.gamma_d**2 + 2 * self.corr_stigma * gp * self.gamma_d
        return float(np.sqrt(v))

    def to_dict(self) -> dict[str, object]:
        """Plain JSON-ready dict; per-stage tuples become {stage: value}."""
        out: dict[str, object] = {}
        for key, value in asdict(self).items():
            if isinstance(value, tuple):
                out[key] = {stage: float(v) for stage, v in zip(LIFE_STAGES, value)}
            else:
                out[key] = float(value)
        return out


DEFAULT_PARAMS = ModelParams()


def stage_index(age: np.ndarray) -> np.ndarray:
    """Life-stage index (0 young, 1 midlife, 2 older) for ages in years."""
    return np.searchsorted(np.asarray(STAGE_START_AGES[1:]), age, side="right").astype(np.int8)
