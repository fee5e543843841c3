"""The bootstrap runner: scipy agreement, person vs row resampling, seeds, failures, backends and resume."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from analysis.causal.numeric import ols_coefficient
from analysis.errors import ConvergenceError, DataError, UsageError
from analysis.resampling import BootstrapResults, bootstrap_statistic, jackknife_acceleration

BETA = 0.5


def clustered(seed: int, persons: int = 200, rows: int = 4) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rows of one person share a part of x and of the error, so rows are not independent."""
    rng = np.random.default_rng(seed)
    ids = np.repeat(np.arange(persons) * 7 + 3, rows)
    x = np.repeat(rng.normal(size=persons), rows) * 2.0 + rng.normal(size=persons * rows)
    u = np.repeat(rng.normal(size=persons), rows) * 2.0
    y = BETA * x + u + 0.5 * rng.normal(size=persons * rows)
    return ids, x, y


class Slope:
    """The OLS slope of y on x on the rows at the given positions (picklable, for every backend)."""

    def __init__(self, x: np.ndarray, y: np.ndarray):
        self.x, self.y = x, y

    def __call__(self, rows: np.ndarray) -> dict[str, float]:
        return {"b": ols_coefficient(self.y[rows], self.x[rows], None)}


def person_boot(ids, x, y, **kw) -> BootstrapResults:
    return bootstrap_statistic(np.arange(len(ids)), Slope(x, y), ids=ids, intervals=("percentile",), **kw)


def slope(x: np.ndarray, y: np.ndarray) -> float:
    xc = x - x.mean()
    return float(xc @ (y - y.mean()) / (xc @ xc))


def slope_statistic(data: tuple) -> dict[str, float]:
    return {"slope": slope(*data)}


def test_our_bootstrap_code_path_agrees_with_scipy_bca():
    rng = np.random.default_rng(4)
    x = rng.exponential(size=40)
    y = 0.5 * x + rng.exponential(size=40) * x
    ours = bootstrap_statistic((x, y), slope_statistic, replicates=4000, seed=3, backend="serial")
    ref = stats.bootstrap((x, y), slope, paired=True, vectorized=False, n_resamples=4000, method="BCa",
                          rng=np.random.default_rng(3)).confidence_interval
    row = ours.by_statistic().iloc[0]
    assert ours.jackknife_method == "leave-one-out jackknife" and ours.failed == 0
    se = row["boot_se"]
    # Independent resamples: the limits agree within Monte Carlo error (about 0.1 SE for B = 4000).
    assert abs(row["bca_lower"] - ref.low) < 0.35 * se
    assert abs(row["bca_upper"] - ref.high) < 0.35 * se
    assert row["acceleration"] == pytest.approx(
        jackknife_acceleration([slope(np.delete(x, i), np.delete(y, i)) for i in range(x.size)]), rel=1e-10)


def test_same_seed_same_replicates_and_other_seed_differs():
    ids, x, y = clustered(1)
    a = person_boot(ids, x, y, replicates=20, seed=3)
    b = person_boot(ids, x, y, replicates=20, seed=3)
    c = person_boot(ids, x, y, replicates=20, seed=4)
    assert np.array_equal(a.draws.to_numpy(), b.draws.to_numpy())
    assert not np.array_equal(a.draws.to_numpy(), c.draws.to_numpy())
    # Replicate b does not depend on how many are drawn (its own child seed).
    d = person_boot(ids, x, y, replicates=10, seed=3)
    assert np.array_equal(a.draws.to_numpy()[:10], d.draws.to_numpy())
    # A SeedSequence child seeds the run the same as its (entropy, spawn key).
    child = np.random.SeedSequence(7).spawn(2)[1]
    e = person_boot(ids, x, y, replicates=5, seed=child)
    f = person_boot(ids, x, y, replicates=5, seed=np.random.SeedSequence(7, spawn_key=(1,)))
    assert np.array_equal(e.draws.to_numpy(), f.draws.to_numpy()) and e.spawn_key == (1,)


def test_results_do_not_depend_on_backend_or_chunking():
    ids, x, y = clustered(5, persons=60)
    kw = dict(replicates=30, seed=2)
    one = person_boot(ids, x, y, chunk_size=30, backend="serial", **kw)
    for other in (person_boot(ids, x, y, chunk_size=4, backend="serial", **kw),
                  person_boot(ids, x, y, chunk_size=7, backend="joblib", n_jobs=2, **kw)):
        pd.testing.assert_frame_equal(one.draws, other.draws, check_exact=True)
        pd.testing.assert_frame_equal(one.to_frame(), other.to_frame(), check_exact=True)


def test_person_resampling_is_wider_than_row_resampling_when_rows_cluster():
    ids, x, y = clustered(2)
    person = person_boot(ids, x, y, replicates=300, seed=1).std_errors["b"]
    row = person_boot(np.arange(len(ids)), x, y, replicates=300, seed=1).std_errors["b"]
    assert person > 1.3 * row, (person, row)


def test_person_intervals_cover_the_truth_at_the_nominal_rate_and_row_intervals_do_not():
    hits_person = hits_row = 0
    runs = 60
    for seed in range(runs):
        ids, x, y = clustered(100 + seed)
        lo, hi = person_boot(ids, x, y, replicates=150, seed=seed).conf_int("percentile").loc["b"]
        hits_person += lo <= BETA <= hi
        lo, hi = person_boot(np.arange(len(ids)), x, y, replicates=150, seed=seed).conf_int("percentile").loc["b"]
        hits_row += lo <= BETA <= hi
    # 60 intervals at 95%: binomial SE 0.028; allow about 2.5 of them.  Rows: design effect ~2.9.
    assert hits_person / runs >= 0.88, hits_person
    assert hits_row / runs <= 0.85, hits_row


def test_failed_replicates_are_counted_and_left_out():
    ids, x, y = clustered(3)
    calls = {"n": 0}

    def sometimes(rows):
        calls["n"] += 1  # call 1 is the full data; the replicates are calls 2..21
        if calls["n"] % 5 == 0:
            raise DataError("only one exposure group")
        return {"mean": float(np.mean(y[rows]))}

    res = bootstrap_statistic(np.arange(len(ids)), sometimes, ids=ids, replicates=20, seed=0,
                              intervals=("percentile",))
    assert res.failed == 4 and res.n_ok == 16
    assert np.isfinite(res.std_errors["mean"])
    assert any("4 of 20 resamples failed" in n for n in res.notes)


def test_failed_resamples_are_counted_not_hidden():
    x = np.arange(30.0)

    def fragile(rows):
        if np.unique(rows).size < 20:
            raise ArithmeticError("too few distinct persons")
        return {"mean": float(rows.mean())}

    res = bootstrap_statistic(x, fragile, replicates=50, seed=1, backend="serial")
    assert res.failed == int(50 - res.by_statistic()["n_boot"].iloc[0]) and res.failed > 0
    assert any("failed to fit" in n for n in res.notes)


@pytest.mark.parametrize("kw", [{"replicates": 1}, {"replicates": 2.5}, {"level": 1.0}, {"seed": -1},
                                {"intervals": ("normal",)}, {"intervals": ("percentile",), "jackknife": 5},
                                {"chunk_size": 0}, {"backend": "spark"}])
def test_bad_options(kw):
    ids, x, y = clustered(4, persons=10)
    with pytest.raises(UsageError):
        bootstrap_statistic(np.arange(len(ids)), Slope(x, y), ids=ids, **{"replicates": 5, **kw})


def test_one_person_is_not_enough():
    with pytest.raises(DataError, match="two persons"):
        bootstrap_statistic(np.arange(5), lambda r: {"z": 0.0}, ids=np.zeros(5), replicates=5)


def test_a_statistic_that_fails_on_the_full_data_is_an_error():
    def broken(rows):
        raise np.linalg.LinAlgError("singular")

    with pytest.raises(ConvergenceError, match="full data: singular"):
        bootstrap_statistic(np.arange(10.0), broken, replicates=5)


def test_long_data_by_column_names_and_clusters_within_strata():
    rng = np.random.default_rng(6)
    n = 120
    people = pd.DataFrame({"id": np.arange(n), "psu": np.arange(n) // 4, "stratum": (np.arange(n) // 4) % 3})
    long = people.loc[people.index.repeat(3)].reset_index(drop=True)
    long["score"] = rng.normal(size=len(long)) + np.repeat(rng.normal(size=n), 3)

    def mean(d: pd.DataFrame) -> dict[str, float]:
        return {"mean": float(d["score"].mean()), "persons": float(d["id"].nunique())}

    res = bootstrap_statistic(long, mean, ids="id", cluster="psu", strata="stratum", replicates=40, seed=1,
                              intervals=("percentile",))
    assert res.resampled == "clusters within strata" and res.failed == 0
    assert res.params["persons"] == n
    # Whole clusters of four persons are drawn: a resample holds a multiple of 4 distinct persons.
    assert (res.draws["persons"] % 4 == 0).all()
    with pytest.raises(UsageError, match="not a column"):
        bootstrap_statistic(long, mean, ids="person", replicates=5)


def test_results_table_summary_repr_and_json():
    x = np.random.default_rng(0).exponential(size=50)
    res = bootstrap_statistic(x, lambda a: {"mean": a.mean(), "sd": a.std()}, replicates=60, seed=1,
                              description="Mean and SD")
    table = res.to_frame()
    assert list(table.columns) == ["statistic", "method", "est", "se", "bias", "ci_lower", "ci_upper", "n_boot"]
    assert table[["statistic", "method"]].values.tolist() == [["mean", "percentile"], ["mean", "bca"],
                                                              ["sd", "percentile"], ["sd", "bca"]]
    assert res.conf_int().loc["mean", "ci_lower"] == table.loc[1, "ci_lower"]   # BCa by default
    assert res.std_errors["sd"] == pytest.approx(res.draws["sd"].std())
    text = res.summary()
    assert text.startswith("Mean and SD") and "percentile" in text and "BCa" in text
    assert repr(res).count("\n") == 0 and "2 statistics, 60 resamples of persons" in repr(res)
    d = json.loads(json.dumps(res.to_dict(), allow_nan=False))
    assert {"description", "level", "seed", "replicates", "failed", "jackknife", "jackknife_failed", "table",
            "intervals", "notes", "folder", "resampled", "methods"} <= set(d)
    assert set(d["table"][0]) >= {"statistic", "estimate", "boot_se", "percentile_lower", "bca_upper", "n_boot"}
    with pytest.raises(UsageError, match="No bca"):
        bootstrap_statistic(x, lambda a: {"m": a.mean()}, replicates=5, intervals=("percentile",)).conf_int("bca")


def test_a_run_folder_resumes_and_refuses_other_settings(tmp_path):
    ids, x, y = clustered(7, persons=40)
    kw = dict(replicates=12, seed=5, chunk_size=5, out=tmp_path / "run", settings={"statistic": "slope"})
    first = person_boot(ids, x, y, **kw)
    assert len(list((tmp_path / "run" / "replicates").glob("*.jsonl"))) == 3

    calls = []

    def counted(rows):
        calls.append(rows.size)
        return Slope(x, y)(rows)

    again = bootstrap_statistic(np.arange(len(ids)), counted, ids=ids, intervals=("percentile",), **kw)
    assert len(calls) == 1   # the full-data estimate; every resample is read back
    pd.testing.assert_frame_equal(first.to_frame(), again.to_frame(), check_exact=True)
    more = person_boot(ids, x, y, **{**kw, "replicates": 15})
    pd.testing.assert_frame_equal(first.draws, more.draws.iloc[:12], check_exact=True)
    with pytest.raises(UsageError, match="other settings"):
        person_boot(ids, x, y, **{**kw, "seed": 6})
    with pytest.raises(UsageError, match="other settings"):
        person_boot(ids[::-1].copy(), x, y, **kw)   # another grouping of rows into persons
