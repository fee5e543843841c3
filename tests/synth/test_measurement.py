"""Measurement model, score rules and the person-level draws."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from analysis.synth import DEFAULT_PARAMS, LIFE_STAGES, simulate_latent
from analysis.synth.instruments import ITEMS
from analysis.synth.measurement import cesd_count, draw_items, ghq_scores, reference_moments
from analysis.synth.stationary import lyapunov_2x2, spectral_radius


@pytest.mark.parametrize("cohort", ["ukhls", "elsa"])
def test_thresholds_reproduce_target_shares_for_reference_group(cohort):
    rng = np.random.default_rng(0)
    mean, cov = reference_moments(DEFAULT_PARAMS)
    eta = rng.multivariate_normal(mean, cov, size=200_000)
    codes = draw_items(rng, items=ITEMS[cohort], eta=eta, params=DEFAULT_PARAMS)
    for item in ITEMS[cohort]:
        shares = np.array([(codes[item.name] == c).mean() for c in item.codes])
        np.testing.assert_allclose(shares, item.proportions, atol=0.006, err_msg=item.name)


def test_reverse_worded_items_run_against_their_construct():
    panel = simulate_latent(n=4000, waves=2, seed=4, cohort="elsa")
    obs = panel.observed[panel.observed.wave == 1].merge(panel.persons, on="id")
    lat = panel.long[panel.long.wave == 1].set_index("id").loc[obs.id]
    ok = obs[[c for c in obs.columns if c.startswith(("synpdd", "psced"))]].ge(0).all(axis=1).to_numpy()
    r = lambda a, b: np.corrcoef(a[ok], b[ok])[0, 1]  # noqa: E731
    p = obs.perceived_stigma.to_numpy()
    m = lat.M.to_numpy()
    for k in (1, 3, 5):
        assert r(obs[f"synpdd{k}"].to_numpy(), p) > 0.3
    for k in (2, 4, 6):
        assert r(obs[f"synpdd{k}"].to_numpy(), p) < -0.3
    # CES-D: 1 = yes. "Felt depressed = yes" goes with high M, "was happy = yes" with low M.
    assert r(obs.psceda.to_numpy(), m) < -0.2
    assert r(obs.pscedd.to_numpy(), m) > 0.2


def test_cesd_count_reverse_scores_happy_and_enjoyed():
    items = {f"psced{c}": np.array([2, 1, 2]) for c in "abcdefgh"}
    items["pscedd"] = np.array([1, 2, 2])
    items["pscedf"] = np.array([1, 2, -8])
    count = cesd_count(items)
    assert count[0] == 0 and count[1] == 8 and np.isnan(count[2])


@settings(max_examples=60, deadline=None)
@given(arrays(np.int8, st.tuples(st.integers(1, 20), st.just(12)),
              elements=st.sampled_from([-9, -2, -1, 1, 2, 3, 4])),
       st.lists(st.booleans(), min_size=20, max_size=20))
def test_ghq_scores_follow_the_ukhls_rules(items, proxy_list):
    proxy = np.array(proxy_list[: len(items)])
    likert, caseness = ghq_scores(items, proxy=proxy)
    for row, p, lk, cs in zip(items.tolist(), proxy, likert, caseness):
        if p:
            assert lk == cs == -7
        elif min(row) < 0:
            assert lk == cs == -9
        else:
            assert lk == sum(v - 1 for v in row) and cs == sum(v >= 3 for v in row)


@settings(max_examples=60, deadline=None)
@given(arrays(float, (2, 2), elements=st.floats(-0.6, 0.6)))
def test_lyapunov_solution_and_spectral_radius(a):
    radius = spectral_radius(a)
    assert radius == pytest.approx(np.abs(np.linalg.eigvals(a)).max(), abs=1e-9)
    if radius < 0.97:
        q = DEFAULT_PARAMS.innovation_cov()
        s = lyapunov_2x2(a, q)
        np.testing.assert_allclose(s - a @ s @ a.T, q, atol=1e-8)


def test_person_draws_match_the_design():
    panel = simulate_latent(n=20_000, waves=2, seed=8)
    persons = panel.persons
    assert (persons.sex == 2).mean() == pytest.approx(0.52, abs=0.015)
    assert persons.age_w1.between(16, 90).all()
    shares = persons.life_stage.value_counts(normalize=True)
    expected = panel.truth["model"]["expected_life_stage_shares"]
    for stage in LIFE_STAGES:
        assert shares[stage] == pytest.approx(expected[stage], abs=0.015)
    # Stigma is independent of age: mean ~0 in every life stage.
    for stage, group in persons.groupby("life_stage", observed=True):
        for col in ("perceived_stigma", "discrimination"):
            assert abs(group[col].mean()) < 4 / np.sqrt(len(group)), (stage, col)
    assert np.corrcoef(persons.perceived_stigma, persons.discrimination)[0, 1] == pytest.approx(0.4, abs=0.03)
    assert np.corrcoef(persons.ri_L, persons.ri_M)[0, 1] == pytest.approx(0.4, abs=0.03)
    long = panel.long
    assert (long.age.to_numpy().reshape(-1, 2)[:, 1] - persons.age_w1.to_numpy() == 1).all()
    assert long.responded[long.wave == 1].all()
    elsa = simulate_latent(n=3000, waves=2, seed=8, cohort="elsa").persons
    assert elsa.age_w1.between(50, 90).all() and set(elsa.life_stage) == {"30-64", "65+"}
