"""Synthetic UKHLS-like and ELSA-like cohorts with a known loneliness–mental-health model.

Real UKHLS and ELSA files need registration, so the workbench simulates
cohorts laid out like them (wave files, variable names, codes, labels,
negative missing-value codes, attrition, strata, PSUs and weights from an
informative sample design) from a documented random-intercept cross-lagged
model whose true parameters, for the sample and for the population it
represents, are written to ``truth.json``.

Public API
----------
simulate_latent(*, n, waves, seed, cohort="ukhls", design=True) -> LatentPanel
    The cohort in memory: persons, latent person x wave scores, the truth
    dictionary and the observed (released) responses.
write_cohort(*, cohort, n, waves, seed, fmt, out, design=True) -> CohortFiles
    The same cohort written as ``.dta`` or ``.sav`` wave files plus truth.json.

Modules: :mod:`.params` (parameters), :mod:`.model` (latent process, the
model in maths), :mod:`.stationary` (exact stationary moments),
:mod:`.instruments` and :mod:`.measurement` (items), :mod:`.design` and
:mod:`.population` (sample design, population truth), :mod:`.nonresponse`,
:mod:`.attrition`, :mod:`.labels`, :mod:`.ukhls` / :mod:`.elsa` (layouts),
:mod:`.truth`, :mod:`.panel` and :mod:`.write`.
"""

from analysis.synth.design import DEFAULT_DESIGN, DesignParams
from analysis.synth.panel import LatentPanel, simulate_latent
from analysis.synth.params import DEFAULT_PARAMS, LIFE_STAGES, ModelParams
from analysis.synth.truth import GENERATOR_VERSION
from analysis.synth.write import CohortFiles, write_cohort

__all__ = [
    "CohortFiles",
    "DEFAULT_DESIGN",
    "DEFAULT_PARAMS",
    "DesignParams",
    "GENERATOR_VERSION",
    "LIFE_STAGES",
    "LatentPanel",
    "ModelParams",
    "simulate_latent",
    "write_cohort",
]
