"""The complex sample design: PSU and strata columns, weights that matter, population truth."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pyreadstat
import pytest

from analysis.synth import simulate_latent, write_cohort
from analysis.synth import elsa, ukhls
from analysis.synth.design import DEFAULT_DESIGN, DesignParams

KEYS = [("ukhls", "dta"), ("ukhls", "sav"), ("elsa", "dta"), ("elsa", "sav")]
LAYOUT = {"ukhls": ukhls, "elsa": elsa}


@pytest.mark.parametrize("key", KEYS)
def test_files_carry_labelled_psu_and_strata_constant_per_person(waves_read, written, key):
    layout = LAYOUT[key[0]]
    truth = json.loads(written[key].truth.read_text(encoding="utf-8"))
    per_person = []
    for wave, (df, meta) in enumerate(waves_read[key], start=1):
        psu, strata = layout.design_names(wave)
        assert truth["variables"]["design_columns_by_wave"][str(wave)] == {"psu": psu, "strata": strata}
        labels = meta.column_names_to_labels
        assert labels[psu] == "Sample design: primary sampling unit"
        assert labels[strata] == "Sample design: stratum"
        assert df[psu].notna().all() and df[strata].notna().all()
        per_person.append(df.set_index(layout.ID)[[psu, strata]].set_axis(["psu", "strata"], axis=1))
    first = per_person[0]
    for later in per_person[1:]:
        pd.testing.assert_frame_equal(later, first.loc[later.index], check_dtype=False)
    assert first.strata.between(1, DEFAULT_DESIGN.n_strata).all()


def test_ukhls_and_elsa_design_names():
    assert ukhls.design_names(1) == ("a_psu", "a_strata")
    assert ukhls.design_names(3) == ("c_psu", "c_strata")
    assert elsa.design_names(1) == elsa.design_names(7) == ("psu", "strata")


@pytest.mark.parametrize("cohort", ["ukhls", "elsa"])
def test_every_psu_lies_in_one_stratum_and_counts_match_truth(cohort):
    panel = simulate_latent(cohort=cohort, n=3000, waves=2, seed=4)
    persons = panel.persons
    strata_per_psu = persons.groupby("psu")["strata"].nunique()
    assert (strata_per_psu == 1).all()
    assert (persons.psu // 100 == persons.strata).all()
    realised = panel.truth["design"]["realised"]
    per_stratum = persons.groupby("strata")["psu"].nunique()
    assert per_stratum.between(DEFAULT_DESIGN.min_psu, DEFAULT_DESIGN.max_psu).all()
    assert {str(h): int(m) for h, m in per_stratum.items()} == realised["psu_per_stratum"]
    assert realised["psu_with_persons"] == persons.psu.nunique()


def test_psus_cluster_the_stable_levels():
    panel = simulate_latent(n=20_000, waves=2, seed=8)
    share = panel.truth["design"]["realised"]["psu_variance_share_wave1"]
    # Nominal share 0.05; a clear, non-zero intra-PSU correlation of the random intercepts.
    assert 0.02 < share["RI_L"] < 0.1 and 0.02 < share["RI_M"] < 0.1


@pytest.mark.parametrize("cohort", ["ukhls", "elsa"])
def test_weights_are_zero_exactly_for_non_respondents(cohort):
    panel = simulate_latent(cohort=cohort, n=2000, waves=6, seed=21)
    long = panel.long
    assert (~long.responded).any(), "no dropout: the check would be empty"
    assert ((long.weight == 0) == ~long.responded).all()
    assert (panel.observed.weight > 0).all()  # every row of a wave file is a respondent
    by_wave = long[long.responded].groupby("wave").weight.mean()
    np.testing.assert_allclose(by_wave, 1.0, atol=1e-4)


def test_longitudinal_weight_is_design_weight_times_inverse_response_propensity():
    panel = simulate_latent(n=1500, waves=4, seed=5)
    wide = panel.long.pivot(index="id", columns="wave", values="weight")
    design = panel.persons.set_index("id").design_weight.loc[wide.index]
    ratio = wide[1] / design
    assert np.allclose(ratio, ratio.iloc[0], rtol=1e-4)  # wave 1 is the scaled design weight
    later = wide[4] > 0
    # Among people still present, the weight grows by the inverse response propensity.
    growth = (wide.loc[later, 4] / wide.loc[later, 1]).to_numpy()
    assert np.ptp(growth) > 0.01  # depends on the person's response history


def _stigma_score(df: pd.DataFrame, prefix: str) -> pd.Series:
    items = df[[f"{prefix}synpdd{k}" for k in range(1, 7)]].astype(float)
    for k in (2, 4, 6):
        items[f"{prefix}synpdd{k}"] = 5 - items[f"{prefix}synpdd{k}"]
    return items[(items > 0).all(axis=1)].mean(axis=1)


@pytest.mark.parametrize("cohort", ["ukhls", "elsa"])
def test_weighted_wave1_mean_of_a_stable_score_recovers_the_population(tmp_path, cohort):
    files = write_cohort(cohort=cohort, n=4000, waves=2, seed=31, fmt="dta", out=tmp_path / "c")
    truth = json.loads(files.truth.read_text(encoding="utf-8"))
    expected = truth["population"]["expected_scores"]
    df, _ = pyreadstat.read_dta(files.wave_files[0])
    prefix = "a_" if cohort == "ukhls" else ""
    score = _stigma_score(df, prefix)
    weight = df.loc[score.index, LAYOUT[cohort].weight_name(1)]
    unweighted, weighted = score.mean(), np.average(score, weights=weight)
    population = expected["population"]["perceived_stigma_score"]
    assert abs(weighted - population) < abs(unweighted - population) / 3, (weighted, unweighted, population)
    assert abs(weighted - population) < 0.06
    assert abs(unweighted - expected["sample"]["perceived_stigma_score"]) < 0.05


def test_weighted_within_regression_recovers_the_population_cross_lag():
    panel = simulate_latent(n=20_000, waves=5, seed=12)
    pop = panel.truth["population"]["cross_lags"]
    n, w = len(panel.persons), 5
    wl = panel.long.wL.to_numpy().reshape(n, w)
    wm = panel.long.wM.to_numpy().reshape(n, w)
    weight = np.repeat(panel.persons.design_weight.to_numpy(), w - 1)
    x = np.column_stack([wm[:, :-1].ravel(), wl[:, :-1].ravel()])
    y = wm[:, 1:].ravel()

    def beta(wt):
        return np.linalg.solve(x.T @ (x * wt[:, None]), x.T @ (y * wt))[1]

    target, biased = pop["population_average"]["coefficients"]["beta"], pop["sample_average"]["coefficients"]["beta"]
    assert target - biased > 0.03  # the design makes weighting matter
    assert abs(beta(weight) - target) < 0.012
    assert abs(beta(np.ones_like(weight)) - biased) < 0.012


def test_population_truth_follows_from_the_selection_model():
    panel = simulate_latent(n=40_000, waves=2, seed=2)
    pop = panel.truth["population"]
    w = panel.persons.design_weight.to_numpy()
    means = dict(zip(pop["between_means"]["order"], pop["between_means"]["vector"]))
    for col, key in (("perceived_stigma", "P"), ("discrimination", "D"), ("ri_L", "RI_L"), ("ri_M", "RI_M")):
        assert np.average(panel.persons[col], weights=w) == pytest.approx(means[key], abs=0.05), col
    stage = panel.persons.life_stage.astype(str)
    for name, share in pop["life_stage_shares"].items():
        assert w[stage == name].sum() / w.sum() == pytest.approx(share, abs=0.02), name


def test_no_design_is_a_simple_random_sample_with_the_same_data(tmp_path):
    with_design = simulate_latent(n=500, waves=3, seed=6)
    plain = simulate_latent(n=500, waves=3, seed=6, design=False)
    drop = ["weight", "strata", "psu"]
    pd.testing.assert_frame_equal(with_design.observed.drop(columns=drop), plain.observed.drop(columns="weight"))
    assert "psu" not in plain.persons and (plain.persons.design_weight == 1).all()
    assert plain.truth["design"] is None and plain.truth["variables"]["design_columns_by_wave"] is None
    assert plain.truth["population"]["cross_lags"]["population_average"] == \
        plain.truth["population"]["cross_lags"]["sample_average"]
    files = write_cohort(cohort="ukhls", n=100, waves=2, seed=6, fmt="dta", out=tmp_path / "c", design=False)
    df, _ = pyreadstat.read_dta(files.wave_files[0])
    assert not {"a_psu", "a_strata"} & set(df.columns)


def test_custom_design_reaches_the_truth():
    design = DesignParams(n_strata=12, min_psu=3, max_psu=3, tilt_perceived=0.0, tilt_ri_L=0.0,
                          stage_selection=(1.0, 1.0, 1.0))
    panel = simulate_latent(n=800, waves=2, seed=1, design=design)
    assert panel.persons.psu.nunique() == 36 and panel.persons.strata.nunique() == 12
    assert panel.truth["design"]["parameters"]["n_strata"] == 12
    assert panel.truth["population"]["between_means"]["vector"] == [0.0, 0.0, 0.0, 0.0]
