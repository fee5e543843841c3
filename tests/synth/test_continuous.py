"""Cohorts from one continuous-time model (analysis.synth.continuous): the process, the files, the CLI."""

from __future__ import annotations

import json

import numpy as np
import pytest
from scipy import linalg

from analysis.cli import main
from analysis.errors import UsageError
from analysis.synth.continuous import DRIFT, WITHIN_COV, lags, simulate


@pytest.mark.parametrize("interval", [1.0, 2.0])
def test_the_within_person_process_has_the_lags_and_covariance_of_the_drift(interval):
    scores, truth = simulate(n=60000, waves=3, interval=interval, seed=5)
    w = scores - scores.mean(axis=0)  # (no person means removed: the intercepts add a constant covariance)
    phi = lags(DRIFT, interval)
    np.testing.assert_allclose(truth["lags_at_interval"], phi)
    # Differences remove the random intercepts: cov(w_t - w_{t-1}) = 2 S - Phi S - S Phi'.
    d = w[:, 1, :] - w[:, 0, :]
    S = np.asarray(WITHIN_COV)
    np.testing.assert_allclose(np.cov(d.T), 2 * S - phi @ S - S @ phi.T, rtol=0.03, atol=0.02)
    A = np.asarray(DRIFT)
    np.testing.assert_allclose(A @ S + S @ A.T + np.asarray(truth["diffusion"]), 0, atol=1e-12)
    np.testing.assert_allclose(truth["lags_one_year"], linalg.expm(A))


def test_the_same_seed_gives_the_same_scores_and_an_unstable_drift_is_refused():
    a, _ = simulate(n=100, waves=3, interval=2.0, seed=1)
    b, _ = simulate(n=100, waves=3, interval=2.0, seed=1)
    np.testing.assert_array_equal(a, b)
    with pytest.raises(UsageError, match="stable process"):
        simulate(n=10, waves=3, interval=1.0, seed=1, drift=[[0.1, 0.0], [0.0, -0.2]])


def test_synth_continuous_writes_the_study_layouts(tmp_path, capsys):
    assert main(["synth", "--cohort", "ukhls", "--continuous", "--n", "50", "--waves", "3", "--out",
                 str(tmp_path / "u")]) == 0
    assert sorted(p.name for p in (tmp_path / "u").iterdir()) == ["a_indresp.dta", "b_indresp.dta", "c_indresp.dta",
                                                                   "truth.json"]
    truth = json.loads((tmp_path / "u" / "truth.json").read_text())
    assert truth["interval_years"] == 1 and truth["cohort"] == "ukhls-like"
    assert main(["synth", "--cohort", "ukhls", "--continuous", "--n", "50", "--waves", "3", "--out",
                 str(tmp_path / "u")]) == 2
    assert "refusing to overwrite" in capsys.readouterr().err
