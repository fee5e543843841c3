"""Person-clustered bootstrap: whole persons resampled; intervals cover the truth at the nominal rate."""

from __future__ import annotations

import numpy as np
import pytest

from analysis.causal.bootstrap import person_bootstrap, person_rows, resample_rows
from analysis.causal.numeric import ols_coefficient
from analysis.errors import DataError, UsageError

BETA = 0.5


def clustered(seed: int, persons: int = 200, rows: int = 4) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rows of one person share a part of x and of the error, so rows are not independent."""
    rng = np.random.default_rng(seed)
    ids = np.repeat(np.arange(persons) * 7 + 3, rows)
    x = np.repeat(rng.normal(size=persons), rows) * 2.0 + rng.normal(size=persons * rows)
    u = np.repeat(rng.normal(size=persons), rows) * 2.0
    y = BETA * x + u + 0.5 * rng.normal(size=persons * rows)
    return ids, x, y


def slope(x, y):
    return lambda rows: [ols_coefficient(y[rows], x[rows], None)]


def test_resamples_keep_every_person_whole():
    ids = np.array([5, 5, 9, 2, 2, 2, 9, 7])
    order, starts, counts = person_rows(ids)
    rng = np.random.default_rng(0)
    for _ in range(50):
        rows = resample_rows(rng, order, starts, counts)
        drawn = ids[rows]
        assert len(np.unique(drawn, return_counts=False)) <= 4
        for pid in np.unique(drawn):
            times = (drawn == pid).sum() / (ids == pid).sum()
            assert times == int(times)          # all of a person's rows, once per draw
            assert set(rows[drawn == pid]) == set(np.flatnonzero(ids == pid))
        assert sum((drawn == pid).sum() / (ids == pid).sum() for pid in np.unique(drawn)) == 4


def test_same_seed_same_replicates_and_other_seed_differs():
    ids, x, y = clustered(1)
    a = person_bootstrap(ids, slope(x, y), names=["b"], n_boot=20, seed=3)
    b = person_bootstrap(ids, slope(x, y), names=["b"], n_boot=20, seed=3)
    c = person_bootstrap(ids, slope(x, y), names=["b"], n_boot=20, seed=4)
    assert np.array_equal(a.replicates, b.replicates)
    assert not np.array_equal(a.replicates, c.replicates)
    # Replicate b does not depend on how many are drawn (its own child seed).
    d = person_bootstrap(ids, slope(x, y), names=["b"], n_boot=10, seed=3)
    assert np.array_equal(a.replicates[:10], d.replicates)


def test_person_resampling_is_wider_than_row_resampling_when_rows_cluster():
    ids, x, y = clustered(2)
    person = person_bootstrap(ids, slope(x, y), names=["b"], n_boot=300, seed=1).se()["b"]
    row = person_bootstrap(np.arange(len(ids)), slope(x, y), names=["b"], n_boot=300, seed=1).se()["b"]
    assert person > 1.3 * row, (person, row)


def test_person_intervals_cover_the_truth_at_the_nominal_rate_and_row_intervals_do_not():
    hits_person = hits_row = 0
    runs = 60
    for seed in range(runs):
        ids, x, y = clustered(100 + seed)
        lo, hi = person_bootstrap(ids, slope(x, y), names=["b"], n_boot=150, seed=seed).ci()["b"]
        hits_person += lo <= BETA <= hi
        lo, hi = person_bootstrap(np.arange(len(ids)), slope(x, y), names=["b"], n_boot=150, seed=seed).ci()["b"]
        hits_row += lo <= BETA <= hi
    # 60 intervals at 95%: binomial SE 0.028; allow about 2.5 of them.  Rows: design effect ~2.9.
    assert hits_person / runs >= 0.88, hits_person
    assert hits_row / runs <= 0.85, hits_row


def test_failed_replicates_are_counted_and_left_out():
    ids, x, y = clustered(3)
    calls = {"n": 0}

    def sometimes(rows):
        calls["n"] += 1
        if calls["n"] % 5 == 0:
            raise DataError("only one exposure group")
        return [float(np.mean(y[rows]))]

    res = person_bootstrap(ids, sometimes, names=["mean"], n_boot=20, seed=0)
    assert res.n_failed == 4 and res.n_ok == 16
    assert np.isfinite(res.se()["mean"])


@pytest.mark.parametrize("kw", [{"n_boot": 1}, {"n_boot": 2.5}, {"level": 1.0}, {"seed": -1}])
def test_bad_options(kw):
    ids, x, y = clustered(4, persons=10)
    with pytest.raises(UsageError):
        person_bootstrap(ids, slope(x, y), names=["b"], **{"n_boot": 5, **kw})


def test_one_person_is_not_enough():
    with pytest.raises(DataError, match="two persons"):
        person_bootstrap(np.zeros(5), lambda r: [0.0], names=["z"], n_boot=5)
