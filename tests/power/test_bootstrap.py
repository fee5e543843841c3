"""Bootstrap over persons: BCa against scipy, the cross-lag statistics, backends and resume."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from analysis.errors import ModelSpecificationError, UsageError
from analysis.models.crosslag import fit_crosslag
from analysis.power import (
    LaggedEffects,
    PowerDesign,
    bca_interval,
    bootstrap_crosslag,
    bootstrap_statistic,
    jackknife_acceleration,
    percentile_interval,
    simulate_panel,
)
from analysis.power.bootstrap import jackknife_blocks, resample_indices


def mean_statistic(x: np.ndarray) -> dict[str, float]:
    return {"mean": float(np.mean(x))}


def slope(x: np.ndarray, y: np.ndarray) -> float:
    xc = x - x.mean()
    return float(xc @ (y - y.mean()) / (xc @ xc))


def slope_statistic(data: tuple) -> dict[str, float]:
    return {"slope": slope(*data)}


@pytest.fixture(scope="module")
def skewed():
    rng = np.random.default_rng(4)
    x = rng.exponential(size=40)
    return x, 0.5 * x + rng.exponential(size=40) * x


def test_bca_and_percentile_equal_scipy_on_the_same_resamples(skewed):
    x, y = skewed
    B, n = 999, x.size
    for paired in (False, True):
        stat = (lambda a, axis=-1: np.mean(a, axis=axis)) if not paired else None
        data = (x,) if not paired else (x, y)
        ref = {}
        for method in ("BCa", "percentile"):
            kw = dict(n_resamples=B, method=method, rng=np.random.default_rng(9), confidence_level=0.9)
            if paired:
                ref[method] = stats.bootstrap(data, slope, paired=True, vectorized=False, **kw).confidence_interval
            else:
                ref[method] = stats.bootstrap(data, stat, **kw).confidence_interval
        # scipy draws all resample indices at once: rng.integers(0, n, (B, n)).
        idx = np.random.default_rng(9).integers(0, n, (B, n))
        f = (lambda rows: np.mean(x[rows])) if not paired else (lambda rows: slope(x[rows], y[rows]))
        boot = np.array([f(i) for i in idx])
        jack = np.array([f(np.delete(np.arange(n), i)) for i in range(n)])
        est = f(np.arange(n))
        assert bca_interval(boot, est, jack, level=0.9) == pytest.approx(tuple(ref["BCa"]), rel=1e-12, abs=1e-14)
        assert percentile_interval(boot, level=0.9) == pytest.approx(tuple(ref["percentile"]), rel=1e-12)


def test_our_bootstrap_code_path_agrees_with_scipy_bca(skewed):
    x, y = skewed
    ours = bootstrap_statistic((x, y), slope_statistic, replicates=4000, seed=3, backend="serial")
    ref = stats.bootstrap((x, y), slope, paired=True, vectorized=False, n_resamples=4000, method="BCa",
                          rng=np.random.default_rng(3)).confidence_interval
    row = ours.table.iloc[0]
    assert ours.jackknife_method == "leave-one-out jackknife" and ours.failed == 0
    se = row["boot_se"]
    # Independent resamples: the limits agree within Monte Carlo error (about 0.1 SE for B = 4000).
    assert abs(row["bca_lower"] - ref.low) < 0.35 * se
    assert abs(row["bca_upper"] - ref.high) < 0.35 * se
    assert row["acceleration"] == pytest.approx(
        jackknife_acceleration([slope(np.delete(x, i), np.delete(y, i)) for i in range(x.size)]), rel=1e-10)


def test_grouped_jackknife_estimates_the_same_acceleration():
    x = np.random.default_rng(8).exponential(size=2000)
    exact = jackknife_acceleration([(x.sum() - v) / (x.size - 1) for v in x])
    blocks = jackknife_blocks(x.size, 500, seed=1)
    assert sorted(np.concatenate(blocks).tolist()) == list(range(x.size))
    grouped = jackknife_acceleration([np.delete(x, b).mean() for b in blocks])
    assert exact == pytest.approx(2 / (6 * np.sqrt(x.size)), rel=0.3)  # skewness 2 / (6 sqrt n)
    assert grouped == pytest.approx(exact, rel=0.35)
    assert len(jackknife_blocks(150, None, seed=1)) == 150 and len(jackknife_blocks(5000, None, seed=1)) == 200


def test_resampling_within_strata_keeps_group_sizes():
    strata = np.array(["a"] * 30 + ["b"] * 10 + ["c"] * 60)
    idx = resample_indices(np.random.default_rng(0), strata.size, strata)
    assert pd.Series(strata[idx]).value_counts().to_dict() == {"c": 60, "a": 30, "b": 10}
    assert resample_indices(np.random.default_rng(0), 100).max() < 100


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
        pd.testing.assert_frame_equal(one.table, other.table, check_exact=True)
        pd.testing.assert_frame_equal(one.draws, other.draws, check_exact=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fitted = fit_crosslag(wide, x="x", y="y", waves=["1", "2", "3"], model="clpm", compare=False)
    table = one.table.set_index("statistic")
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
    names = list(res.table["statistic"])
    assert names == ["x_to_y[young]", "y_to_x[young]", "x_to_y[old]", "y_to_x[old]",
                     "x_to_y[young] - x_to_y[old]", "y_to_x[young] - y_to_x[old]"]
    d = res.draws
    assert np.allclose(d["x_to_y[young] - x_to_y[old]"], d["x_to_y[young]"] - d["x_to_y[old]"])
    assert any("1 persons have no stage value" in n for n in res.notes)
    again = bootstrap_crosslag(wide, out=tmp_path / "b", **kw)  # everything is read back, nothing refitted
    pd.testing.assert_frame_equal(res.table, again.table, check_exact=True)
    with pytest.raises(UsageError, match="other settings"):
        bootstrap_crosslag(wide, out=tmp_path / "b", **{**kw, "seed": 2})


def test_tiny_groups_are_refused():
    wide = _wide(n=200, group=True)
    wide["stage"] = pd.Categorical(np.where(np.arange(200) < 10, "old", "young"))
    with pytest.raises(ModelSpecificationError, match="fewer than 20 persons"):
        bootstrap_crosslag(wide, x="x", y="y", waves=["1", "2", "3"], model="clpm", group="stage", replicates=4)


def test_failed_resamples_are_counted_not_hidden():
    x = np.arange(30.0)

    def fragile(rows):
        if np.unique(rows).size < 20:
            raise ArithmeticError("too few distinct persons")
        return {"mean": float(rows.mean())}

    res = bootstrap_statistic(x, fragile, replicates=50, seed=1, backend="serial")
    assert res.failed == int(50 - res.table["n_boot"].iloc[0]) and res.failed > 0
    assert any("failed to fit" in n for n in res.notes)
