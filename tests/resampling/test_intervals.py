"""Percentile and BCa intervals equal scipy's on the same resamples; the grouped jackknife's acceleration."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from analysis.errors import UsageError
from analysis.resampling import bca_interval, jackknife_acceleration, jackknife_blocks, percentile_interval


def slope(x: np.ndarray, y: np.ndarray) -> float:
    xc = x - x.mean()
    return float(xc @ (y - y.mean()) / (xc @ xc))


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


def test_grouped_jackknife_estimates_the_same_acceleration():
    x = np.random.default_rng(8).exponential(size=2000)
    exact = jackknife_acceleration([(x.sum() - v) / (x.size - 1) for v in x])
    blocks = jackknife_blocks(x.size, 500, seed=1)
    assert sorted(np.concatenate(blocks).tolist()) == list(range(x.size))
    grouped = jackknife_acceleration([np.delete(x, b).mean() for b in blocks])
    assert exact == pytest.approx(2 / (6 * np.sqrt(x.size)), rel=0.3)  # skewness 2 / (6 sqrt n)
    assert grouped == pytest.approx(exact, rel=0.35)
    assert len(jackknife_blocks(150, None, seed=1)) == 150 and len(jackknife_blocks(5000, None, seed=1)) == 200


def test_jackknife_blocks_follow_the_seed_and_are_checked():
    a = jackknife_blocks(1000, 50, seed=3)
    assert all(np.array_equal(u, v) for u, v in zip(a, jackknife_blocks(1000, 50, seed=np.random.SeedSequence(3))))
    assert not np.array_equal(a[0], jackknife_blocks(1000, 50, seed=4)[0])
    for bad in (1, 1001, 2.5):
        with pytest.raises(UsageError, match="jackknife"):
            jackknife_blocks(1000, bad, seed=1)
