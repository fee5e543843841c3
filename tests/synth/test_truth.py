"""truth.json records exactly the parameters used and the realised attrition."""

from __future__ import annotations

import json

import numpy as np
import pytest

from analysis.synth import DEFAULT_PARAMS, GENERATOR_VERSION, LIFE_STAGES, ModelParams, simulate_latent
from analysis.synth import stationary
from analysis.synth.attrition import DEFAULT_ATTRITION
from analysis.synth.instruments import ITEMS
from analysis.synth.measurement import thresholds
from analysis.synth.nonresponse import DEFAULT_RESPONSE

SMALL = {"n": 700, "waves": 4, "seed": 11}
KEYS = [("ukhls", "dta"), ("ukhls", "sav"), ("elsa", "dta"), ("elsa", "sav")]


@pytest.mark.parametrize("key", KEYS)
def test_truth_file_is_the_panel_truth_plus_files(written, key):
    cohort, fmt = key
    files = written[key]
    truth = json.loads(files.truth.read_text(encoding="utf-8"))
    panel = simulate_latent(cohort=cohort, **SMALL)
    assert truth == {**panel.truth, "format": fmt, "files": [p.name for p in files.wave_files]}
    assert truth["generator"] == {"package": "analysis.synth", "version": GENERATOR_VERSION}
    assert (truth["cohort"], truth["n"], truth["waves"], truth["seed"]) == (cohort, 700, 4, 11)


@pytest.mark.parametrize("cohort", ["ukhls", "elsa"])
def test_parameters_and_measurement_match_those_used(cohort):
    truth = simulate_latent(cohort=cohort, **SMALL).truth
    assert truth["model"]["parameters"] == DEFAULT_PARAMS.to_dict()
    assert truth["model"]["parameters"]["beta"] == {"16-29": 0.20, "30-64": 0.12, "65+": 0.06}
    assert truth["model"]["parameters"]["delta"] == {"16-29": 0.08, "30-64": 0.06, "65+": 0.05}
    model = truth["model"]
    assert (model["parameters"]["gamma_p"], model["parameters"]["gamma_d"]) == (0.05, 0.03)
    np.testing.assert_allclose(model["between_covariance"]["matrix"], DEFAULT_PARAMS.between_cov())
    np.testing.assert_allclose(model["innovation_covariance"]["matrix"], DEFAULT_PARAMS.innovation_cov())
    items = {it["name"]: it for it in truth["measurement"]["items"]}
    assert list(items) == [it.name for it in ITEMS[cohort]]
    for item in ITEMS[cohort]:
        np.testing.assert_allclose(items[item.name]["thresholds"], thresholds(item, DEFAULT_PARAMS), atol=1e-11)
        assert items[item.name]["target_proportions"] == list(item.proportions)
    assert truth["response_process"] == json.loads(json.dumps(DEFAULT_RESPONSE.to_dict()))
    attrition = truth["attrition"]
    assert attrition["intercept"] == DEFAULT_ATTRITION.intercept
    assert attrition["slope"] == DEFAULT_ATTRITION.slope


def test_custom_params_reach_the_truth():
    params = ModelParams(beta=(0.0, 0.0, 0.0), gamma_p=0.0, gamma_d=0.0)
    panel = simulate_latent(n=50, waves=2, seed=1, params=params)
    assert panel.truth["model"]["parameters"]["beta"] == {s: 0.0 for s in LIFE_STAGES}
    assert np.all(panel.persons.beta == 0.0)


@pytest.mark.parametrize("key", KEYS)
def test_realised_attrition_matches_the_files(written, waves_read, key):
    truth = json.loads(written[key].truth.read_text(encoding="utf-8"))
    realised = truth["attrition"]["realised"]
    assert [r["wave"] for r in realised] == [1, 2, 3, 4]
    for r, (df, _) in zip(realised, waves_read[key]):
        assert r["responded"] == len(df)
        assert r["at_risk"] - r["dropped"] == r["responded"]
        if key[0] == "ukhls":
            proxy_col = [c for c in df.columns if c.endswith("_ivfio")][0]
            assert r["proxy_interviews"] == int((df[proxy_col] == 2).sum())
    for r, previous in zip(realised[1:], realised):
        assert r["at_risk"] == previous["responded"]
    cols = truth["variables"]["columns_by_wave"]
    assert [cols[str(w)] for w in range(1, 5)] == [list(df.columns) for df, _ in waves_read[key]]


def test_stationary_truth_is_exact():
    by_stage = stationary.stage_moments(DEFAULT_PARAMS)
    q = DEFAULT_PARAMS.innovation_cov()
    for g, stage in enumerate(LIFE_STAGES):
        typical = by_stage[stage]["typical_person"]
        a = DEFAULT_PARAMS.transition(g)
        s = np.asarray(typical["stationary_cov"])
        np.testing.assert_allclose(s - a @ s @ a.T, q, atol=1e-10)
        ratio = np.sqrt(s[0, 0] / s[1, 1])
        assert typical["standardized"]["beta"] == pytest.approx(DEFAULT_PARAMS.beta[g] * ratio)
        assert typical["standardized"]["delta"] == pytest.approx(DEFAULT_PARAMS.delta[g] / ratio)
        for share in typical["between_person_share"].values():
            assert 0.4 < share < 0.6  # about half the variance lies between persons
    standardized = [by_stage[s]["typical_person"]["standardized"]["beta"] for s in LIFE_STAGES]
    assert standardized[0] > standardized[1] > standardized[2]


def test_quadrature_has_converged(monkeypatch):
    base = stationary.stage_moments(DEFAULT_PARAMS)
    monkeypatch.setattr(stationary, "QUADRATURE_NODES", 161)
    finer = stationary.stage_moments(DEFAULT_PARAMS)
    for stage in LIFE_STAGES:
        a, b = base[stage]["pooled_over_stigma"], finer[stage]["pooled_over_stigma"]
        for k in a["coefficients"]:
            assert a["coefficients"][k] == pytest.approx(b["coefficients"][k], abs=1e-11)
            assert a["standardized"][k] == pytest.approx(b["standardized"][k], abs=1e-11)


def test_truth_is_plain_json():
    truth = simulate_latent(n=20, waves=2, seed=0, cohort="elsa").truth
    assert json.loads(json.dumps(truth, allow_nan=False)) == truth
