"""The life stage x stigma interaction option of the generator (gamma_p_by_stage): known truth for crossed groupings."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from analysis.errors import UsageError
from analysis.synth import DEFAULT_PARAMS, LIFE_STAGES, ModelParams, simulate_latent


def test_default_is_no_interaction_and_leaves_the_draws_unchanged():
    assert DEFAULT_PARAMS.gamma_p_by_stage == (0.0, 0.0, 0.0)
    a = simulate_latent(n=500, waves=3, seed=4, design=False)
    b = simulate_latent(n=500, waves=3, seed=4, design=False,
                        params=dataclasses.replace(DEFAULT_PARAMS, gamma_p_by_stage=(0.0, 0.0, 0.0)))
    assert np.array_equal(a.persons["beta"], b.persons["beta"]) and np.array_equal(a.long["M"], b.long["M"])


def test_each_life_stage_gets_its_own_stigma_slope():
    kappa = (0.15, 0.0, -0.05)
    panel = simulate_latent(n=3000, waves=2, seed=5, design=False,
                            params=dataclasses.replace(DEFAULT_PARAMS, gamma_p_by_stage=kappa))
    p = panel.persons
    for g, stage in enumerate(LIFE_STAGES):
        d = p[p["life_stage"] == stage]
        X = np.column_stack([np.ones(len(d)), d["perceived_stigma"], d["discrimination"]])
        coef = np.linalg.lstsq(X, d["beta"].to_numpy(), rcond=None)[0]
        # beta_i = beta_g + (gamma_p + kappa_g) P_i + gamma_d D_i exactly
        assert coef == pytest.approx([DEFAULT_PARAMS.beta[g], DEFAULT_PARAMS.gamma_p + kappa[g],
                                      DEFAULT_PARAMS.gamma_d], abs=1e-12)
    assert panel.truth["model"]["parameters"]["gamma_p_by_stage"] == dict(zip(LIFE_STAGES, kappa))


def test_the_stage_slope_enters_the_pooled_truth():
    plain = simulate_latent(n=200, waves=2, seed=1, design=False).truth["model"]["stationary"]["by_life_stage"]
    steep = simulate_latent(n=200, waves=2, seed=1, design=False,
                            params=dataclasses.replace(DEFAULT_PARAMS, gamma_p_by_stage=(0.3, 0.0, 0.0))
                            ).truth["model"]["stationary"]["by_life_stage"]
    # More spread of beta in the young stage changes its pooled regression, not the others'.
    assert steep["16-29"]["pooled_over_stigma"] != plain["16-29"]["pooled_over_stigma"]
    assert steep["65+"]["pooled_over_stigma"] == plain["65+"]["pooled_over_stigma"]


def test_one_value_per_life_stage():
    with pytest.raises(UsageError, match="gamma_p_by_stage"):
        ModelParams(gamma_p_by_stage=(0.1, 0.0))
