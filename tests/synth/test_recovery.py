"""The true cross-lags are recoverable from the latent within-person components.

The within process is a VAR(1) with iid innovations, so per life stage the
OLS regression of wM_t on (1, wM_{t-1}, wL_{t-1}, wL_{t-1}*P, wL_{t-1}*D) is
correctly specified with homoskedastic errors: its estimates must lie within
~4 standard errors of (0, phi_M, beta_g, gamma_p, gamma_d); likewise wL_t on
(1, wL_{t-1}, wM_{t-1}, wM_{t-1}*P, wM_{t-1}*D) for (0, phi_L, delta_g, 0, 0).
"""

from __future__ import annotations

import numpy as np
import pytest

from analysis.synth import LIFE_STAGES, simulate_latent
from analysis.synth.params import DEFAULT_PARAMS as P

Z = 4.0


def ols(y: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    x = np.column_stack([np.ones(len(y)), x])
    xtx_inv = np.linalg.inv(x.T @ x)
    coef = xtx_inv @ x.T @ y
    resid = y - x @ coef
    sigma2 = resid @ resid / (len(y) - x.shape[1])
    return coef, np.sqrt(np.diag(xtx_inv) * sigma2)


def stage_regressions(panel):
    """OLS estimates and SEs for both equations in each life stage."""
    n = len(panel.persons)
    waves = panel.truth["waves"]
    wl = panel.long.wL.to_numpy().reshape(n, waves)
    wm = panel.long.wM.to_numpy().reshape(n, waves)
    p = panel.persons.perceived_stigma.to_numpy()[:, None] * np.ones((1, waves - 1))
    d = panel.persons.discrimination.to_numpy()[:, None] * np.ones((1, waves - 1))
    stage = panel.persons.life_stage.cat.codes.to_numpy()
    out = {}
    for g, name in enumerate(LIFE_STAGES):
        s = stage == g
        if not s.any():
            continue
        lag_l, lag_m = wl[s, :-1].ravel(), wm[s, :-1].ravel()
        ps, ds = p[s].ravel(), d[s].ravel()
        out[name] = {
            "M": ols(wm[s, 1:].ravel(), np.column_stack([lag_m, lag_l, lag_l * ps, lag_l * ds])),
            "L": ols(wl[s, 1:].ravel(), np.column_stack([lag_l, lag_m, lag_m * ps, lag_m * ds])),
        }
    return out


def truths(g: int) -> dict[str, np.ndarray]:
    return {"M": np.array([0.0, P.phi_M, P.beta[g], P.gamma_p, P.gamma_d]),
            "L": np.array([0.0, P.phi_L, P.delta[g], 0.0, 0.0])}


@pytest.fixture(scope="module")
def ukhls_fit():
    return stage_regressions(simulate_latent(n=20_000, waves=5, seed=2024, cohort="ukhls"))


def test_every_estimate_within_four_se_of_truth(ukhls_fit):
    assert set(ukhls_fit) == set(LIFE_STAGES)
    for g, stage in enumerate(LIFE_STAGES):
        for eq, truth in truths(g).items():
            coef, se = ukhls_fit[stage][eq]
            z = (coef - truth) / se
            assert np.all(np.abs(z) < Z), f"{stage} {eq}: estimates {coef.round(3)}, z {z.round(2)}"
            assert np.all(se < 0.02), "sample too small for a meaningful check"


def test_cross_lag_of_loneliness_differs_clearly_across_life_stages(ukhls_fit):
    beta = {s: ukhls_fit[s]["M"][0][2] for s in LIFE_STAGES}
    se = {s: ukhls_fit[s]["M"][1][2] for s in LIFE_STAGES}
    for younger, older in zip(LIFE_STAGES, LIFE_STAGES[1:]):
        gap = beta[younger] - beta[older]
        assert gap > Z * np.hypot(se[younger], se[older]), (younger, older, gap)


def test_elsa_recovers_midlife_and_older():
    fit = stage_regressions(simulate_latent(n=12_000, waves=5, seed=77, cohort="elsa"))
    assert set(fit) == {"30-64", "65+"}
    for g, stage in ((1, "30-64"), (2, "65+")):
        for eq, truth in truths(g).items():
            coef, se = fit[stage][eq]
            assert np.all(np.abs((coef - truth) / se) < Z), (stage, eq, coef.round(3))


def test_pooled_regression_matches_exact_stationary_truth():
    """Without the interaction, OLS estimates the truth file's pooled coefficients."""
    panel = simulate_latent(n=30_000, waves=4, seed=99)
    n, waves = len(panel.persons), 4
    wl = panel.long.wL.to_numpy().reshape(n, waves)
    wm = panel.long.wM.to_numpy().reshape(n, waves)
    stage = panel.persons.life_stage.cat.codes.to_numpy()
    by_stage = panel.truth["model"]["stationary"]["by_life_stage"]
    for g, name in enumerate(LIFE_STAGES):
        s = stage == g
        pooled = by_stage[name]["pooled_over_stigma"]
        coef, se = ols(wm[s, 1:].ravel(), np.column_stack([wm[s, :-1].ravel(), wl[s, :-1].ravel()]))
        truth = np.array([0.0, pooled["coefficients"]["phi_M"], pooled["coefficients"]["beta"]])
        assert np.all(np.abs((coef - truth) / se) < Z), (name, coef.round(4), truth)
        # Wave-1 components come from the stationary law: compare variances (SE ~ v*sqrt(2/N)).
        cov = np.asarray(pooled["stationary_cov"])
        for k, w in enumerate((wl, wm)):
            v = w[s, 0].var()
            assert abs(v - cov[k, k]) < Z * cov[k, k] * np.sqrt(2 / s.sum()), (name, k, v)


@pytest.mark.slow
def test_estimators_unbiased_and_ci_coverage_over_seeds():
    """Across 40 seeds the mean estimate is on target and 95% CIs cover ~95%."""
    estimates, covered = [], []
    for seed in range(40):
        fit = stage_regressions(simulate_latent(n=6_000, waves=5, seed=1000 + seed))
        row, cov = [], []
        for g, stage in enumerate(LIFE_STAGES):
            for eq, truth in truths(g).items():
                coef, se = fit[stage][eq]
                row.append(coef - truth)
                cov.append(np.abs(coef - truth) < 1.96 * se)
        estimates.append(np.concatenate(row))
        covered.append(np.concatenate(cov))
    err = np.array(estimates)
    mc_se = err.std(axis=0, ddof=1) / np.sqrt(len(err))
    assert np.all(np.abs(err.mean(axis=0)) < Z * mc_se)
    coverage = np.array(covered).mean()
    assert 0.92 < coverage < 0.98, coverage
