"""Bootstrap of the cross-lagged effects and their group differences: estimates, backends, resume."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from analysis.errors import ModelSpecificationError, UsageError
from analysis.models.crosslag import fit_crosslag
from analysis.models.crosslag_bootstrap import bootstrap_crosslag
from analysis.power import LaggedEffects, PowerDesign, simulate_panel


def _wide(n=300, seed=2, group=False):
    cell = PowerDesign(model="clpm", n=n, waves=3, icc=0.0, attrition=0.1,
                       effects=LaggedEffects(ar_x=0.4, ar_y=0.4, cl_xy=0.2, cl_yx=0.0)).cells()[0]
    df = simulate_panel(cell, seed)
    wide = pd.DataFrame({f"{c}_{t}": df[f"{c}{t}"] for c in ("x", "y") for t in (1, 2, 3)})
    if group:
        wide["stage"] = pd.Categorical(np.where(np.arange(n) % 3 == 0, "old", "young"), ["young", "old"])
        wide.loc[5, "stage"] = np.nan
    return wide


def test_crosslag_bootstrap_estimate_is_the_fitted_model_and_backends_agree(dask_cluster):
    wide = _wide()
    kw = dict(x="x", y="y", waves=["1", "2", "3"], model="clpm", replicates=24, seed=4, jackknife=12, chunk_size=6)
    one = bootstrap_crosslag(wide, backend="serial", **kw)
    two = bootstrap_crosslag(wide, backend="joblib", n_jobs=2, **kw)
    dask = bootstrap_crosslag(wide, backend="dask", scheduler=dask_cluster.scheduler_address, **kw)
    for other in (two, dask):
        pd.testing.assert_frame_equal(one.to_frame(), other.to_frame(), check_exact=True)
        pd.testing.assert_frame_equal(one.draws, other.draws, check_exact=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fitted = fit_crosslag(wide, x="x", y="y", waves=["1", "2", "3"], model="clpm", compare=False)
    table = one.by_statistic().set_index("statistic")
    assert table.loc["x_to_y", "estimate"] == pytest.approx(fitted.x_to_y.est, abs=1e-6)
    assert table.loc["y_to_x", "estimate"] == pytest.approx(fitted.y_to_x.est, abs=1e-6)
    # The bootstrap SE is of the size of the model-based SE.
    assert 0.6 < table.loc["x_to_y", "boot_se"] / fitted.x_to_y.se < 1.6
    assert one.jackknife_method == "grouped jackknife (12 blocks of persons)"
    assert "percentile" in one.summary() and one.to_dict()["replicates"] == 24


def test_group_differences_are_bootstrapped_within_groups(tmp_path):
    wide = _wide(n=240, group=True)
    kw = dict(x="x", y="y", waves=["1", "2", "3"], model="clpm", group="stage", replicates=12, seed=1,
              jackknife=6, backend="serial", chunk_size=4)
    res = bootstrap_crosslag(wide, out=tmp_path / "b", **kw)
    names = list(res.by_statistic()["statistic"])
    assert names == ["x_to_y[young]", "y_to_x[young]", "x_to_y[old]", "y_to_x[old]",
                     "x_to_y[young] - x_to_y[old]", "y_to_x[young] - y_to_x[old]"]
    assert res.resampled == "persons within strata"
    d = res.draws
    assert np.allclose(d["x_to_y[young] - x_to_y[old]"], d["x_to_y[young]"] - d["x_to_y[old]"])
    assert any("1 persons have no stage value" in n for n in res.notes)
    again = bootstrap_crosslag(wide, out=tmp_path / "b", **kw)  # everything is read back, nothing refitted
    pd.testing.assert_frame_equal(res.to_frame(), again.to_frame(), check_exact=True)
    with pytest.raises(UsageError, match="other settings"):
        bootstrap_crosslag(wide, out=tmp_path / "b", **{**kw, "seed": 2})


def test_tiny_groups_are_refused():
    wide = _wide(n=200, group=True)
    wide["stage"] = pd.Categorical(np.where(np.arange(200) < 10, "old", "young"))
    with pytest.raises(ModelSpecificationError, match="fewer than 20 persons"):
        bootstrap_crosslag(wide, x="x", y="y", waves=["1", "2", "3"], model="clpm", group="stage", replicates=4)


@pytest.mark.slow
def test_survey_bootstrap_resamples_psus_within_strata_and_matches_design_based_ses():
    from pathlib import Path

    from analysis.models.crosslag import fit_crosslag
    from analysis.models.survey_design import Design

    ref = Path(__file__).resolve().parents[1] / "reference" / "data" / "survey_panel.csv"
    data = pd.read_csv(ref).rename(columns={f"{c}{t}": f"{c}_{t}" for c in "xy" for t in range(1, 5)})
    design = Design(weights="w", cluster="psu", strata="stratum")
    fit = fit_crosslag(data, x="x", y="y", waves=["1", "2", "3", "4"], compare=False, survey=design)
    assert fit.sem.design["n_psu"] == 60 and fit.sem.design["n_strata"] == 20
    res = bootstrap_crosslag(data, x="x", y="y", waves=["1", "2", "3", "4"], replicates=200, seed=3,
                             backend="serial", survey=design)
    assert any("PSUs (psu) resampled within strata (stratum)" in n for n in res.notes)
    table = res.to_frame().set_index(["statistic", "method"])
    # The point estimate is the weighted fit; the PSU bootstrap SE agrees with the linearisation SE.
    assert table.loc[("x_to_y", "percentile"), "est"] == pytest.approx(fit.x_to_y.est, abs=1e-6)
    for path, summary in (("x_to_y", fit.x_to_y), ("y_to_x", fit.y_to_x)):
        assert table.loc[(path, "percentile"), "se"] == pytest.approx(summary.se, rel=0.25)
