"""The crosslag results record the years between waves and the lag matrix with its covariance (issue 19)."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pytest

from analysis.data import load_panel
from analysis.models.crosslag import fit_crosslag
from analysis.synth import write_cohort

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def panels(tmp_path_factory):
    out = {}
    for cohort, spec in (("ukhls", "synthetic.yaml"), ("elsa", "synthetic_elsa.yaml")):
        folder = tmp_path_factory.mktemp(cohort)
        write_cohort(cohort=cohort, n=800, waves=4, seed=3, fmt="dta", out=folder)
        out[cohort] = load_panel(ROOT / "data_specs" / spec, data=folder)
    return out


def fit(panel, x, y, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fit_crosslag(panel, x=x, y=y, compare=False, survey="none", **kw)


@pytest.mark.parametrize("model", ["riclpm", "clpm"])
def test_lag_matrix_is_the_four_lag_estimates_and_their_vcov(panels, model):
    res = fit(panels["ukhls"], "loneliness", "ghq_likert", model=model)
    phi, vcov = res.lag_matrix()
    np.testing.assert_allclose(phi, [[res.ar_x.est, res.y_to_x.est], [res.x_to_y.est, res.ar_y.est]], rtol=1e-12)
    np.testing.assert_allclose(np.sqrt(np.diag(vcov)), [res.ar_x.se, res.y_to_x.se, res.x_to_y.se, res.ar_y.se],
                               rtol=1e-10)
    np.testing.assert_allclose(vcov, vcov.T)
    assert np.all(np.linalg.eigvalsh(vcov) > 0) and np.any(np.abs(vcov - np.diag(np.diag(vcov))) > 0)
    d = json.loads(json.dumps(res.to_dict()))
    block = d["crosslag"]["lag_matrix"]
    assert block["order"] == ["ar_x", "y_to_x", "x_to_y", "ar_y"] and block["rows"] == ["loneliness", "ghq_likert"]
    assert block["within_person"] is (model == "riclpm")
    np.testing.assert_allclose(block["est"], phi)
    np.testing.assert_allclose(block["vcov"], vcov)
    assert d["interval_years"] == 1.0 and d["wave_intervals_years"] == [1.0, 1.0, 1.0]


def test_elsa_waves_are_two_years_apart_and_free_lags_have_no_matrix(panels):
    res = fit(panels["elsa"], "loneliness", "cesd", model="clpm", lags="free")
    d = res.to_dict()
    assert d["interval_years"] == 2.0 and d["crosslag"]["lag_matrix"] is None and res.lag_matrix() is None


def test_a_skipped_wave_makes_the_interval_unequal(panels):
    res = fit(panels["ukhls"], "loneliness", "ghq_likert", model="clpm", waves=["a", "b", "d"],
              allow_unequal_intervals=True)
    assert res.wave_years == (1.0, 2.0) and res.interval_years is None
