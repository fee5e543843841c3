"""Known truth: cohorts simulated from one drift matrix at intervals of 1 and 2 years pool to the one-year lags.

Each cohort is written to files (analysis.synth.continuous), read through its data spec, fitted by the
RI-CLPM and pooled (python -m analysis pool's library path).  Converted and pooled, the one-year effects
are within 3 SE of exp(A); pooling the raw lags as they are mixes one- and two-year effects: it misses
the one-year truth by more than 3 SE of the converted estimate and calls the studies different.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pytest

from analysis.data import load_panel
from analysis.models.crosslag import fit_crosslag
from analysis.pooling import pool_cohorts
from analysis.pooling.cohorts import from_result
from analysis.synth.continuous import DRIFT, lags, write_continuous_cohort

SPECS = Path(__file__).resolve().parents[2] / "data_specs"
#: Persons per cohort: the raw one- and two-year cross-lags (0.42, 0.64) then differ by ~10 SE.
N = 20000
CELLS = {"ar_x": (0, 0), "y_to_x": (0, 1), "x_to_y": (1, 0), "ar_y": (1, 1)}


def cohort_lags(folder: Path, cohort: str, *, n: int, seed: int, drift=DRIFT, interval=None):
    write_continuous_cohort(cohort=cohort, n=n, waves=6, seed=seed, fmt="dta", out=folder, drift=drift,
                            interval=interval)
    panel = load_panel(SPECS / f"synthetic_ct_{cohort}.yaml", data=folder)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = fit_crosslag(panel, x="loneliness", y="distress", compare=False)
    # Through the JSON, as the pool command reads it.
    return from_result(json.loads(json.dumps(res.to_dict())), source=f"{cohort}-{seed}")


@pytest.fixture(scope="module")
def studies(tmp_path_factory):
    base = tmp_path_factory.mktemp("ct")
    return [cohort_lags(base / "ukhls", "ukhls", n=N, seed=102), cohort_lags(base / "elsa", "elsa", n=N, seed=103)]


def test_the_files_carry_the_documented_truth(studies, tmp_path):
    out = write_continuous_cohort(cohort="elsa", n=50, waves=3, seed=1, fmt="dta", out=tmp_path / "e")
    truth = json.loads(out.truth.read_text())
    assert truth["interval_years"] == 2 and truth["drift"] == [list(r) for r in DRIFT]
    np.testing.assert_allclose(truth["lags_at_interval"], np.linalg.matrix_power(lags(DRIFT, 1.0), 2), atol=1e-12)
    assert truth["one_year"]["x_to_y"] == pytest.approx(lags(DRIFT, 1.0)[1, 0])
    assert [s.interval_years for s in studies] == [1.0, 2.0]


def test_pooled_one_year_lags_recover_the_truth_and_naive_pooling_does_not(studies):
    res = pool_cohorts(studies, interval=1.0)
    truth = lags(DRIFT, 1.0)
    for path, cell in CELLS.items():
        m = res.pooled[path]
        assert abs(m.estimate - truth[cell]) < 3 * m.se, (path, m.estimate, truth[cell], m.se)
    for path in ("x_to_y", "y_to_x"):
        m, naive = res.pooled[path], res.naive[path]
        assert abs(naive.estimate - truth[CELLS[path]]) > 3 * m.se, (naive.estimate, truth[CELLS[path]], m.se)
        assert naive.q_pvalue < 0.05 <= m.q_pvalue  # raw lags look different; converted ones agree
    assert res.sentence().count("the studies agree") == 2 and "the studies differ" not in res.sentence()


def test_heterogeneous_studies_give_between_study_variance_and_say_they_differ(studies, tmp_path):
    other = np.array(DRIFT) + np.array([[0.0, 0.0], [0.35, 0.0]])  # a stronger push of loneliness on distress
    third = cohort_lags(tmp_path / "u2", "ukhls", n=N, seed=104, drift=other)
    res = pool_cohorts([*studies, third], interval=1.0)
    assert res.pooled["x_to_y"].tau2 > 0 and res.pooled["x_to_y"].q_pvalue < 0.05
    assert "Across three studies" in res.sentence() and "the studies differ" in res.sentence()
