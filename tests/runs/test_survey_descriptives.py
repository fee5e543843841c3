"""The report's descriptives: weighted and unweighted means and SDs side by side (issue 14)."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from analysis.reporting.html import _descriptives
from analysis.runs.sections import Context, describe, weighted_summary


def fake_panel(weights: np.ndarray, *, weighted: bool = True) -> SimpleNamespace:
    rng = np.random.default_rng(3)
    n = len(weights) // 2
    long = pd.DataFrame({"id": np.tile(np.arange(n), 2), "wave": np.repeat(["a", "b"], n),
                         "wave_index": np.repeat([0, 1], n), "lon": rng.normal(2, 1, 2 * n),
                         "ghq": rng.normal(10, 3, 2 * n), "weight": weights})
    attrition = pd.DataFrame({"wave": ["a", "b"], "responded": [n, n]})
    return SimpleNamespace(long=long, constructs=["lon", "ghq"], waves=["a", "b"], groupings=[],
                           attrition=attrition, design=SimpleNamespace(weighted=weighted))


def ctx_for(panel, tmp_path) -> Context:
    (tmp_path / "tables").mkdir(exist_ok=True)
    return Context(cfg=None, panel=panel, folder=tmp_path, threshold=10)


def test_weighted_summary_equal_weights_is_the_sample_mean_and_sd():
    v = np.array([1.0, 2.0, 4.0, 7.0])
    out = weighted_summary(v, np.full(4, 2.3))
    assert out["weighted_mean"] == pytest.approx(v.mean())
    assert out["weighted_sd"] == pytest.approx(v.std(ddof=1))
    out = weighted_summary(v, np.array([1.0, 0.0, np.nan, 3.0]))
    assert out["n_weighted"] == 2 and out["weighted_mean"] == pytest.approx((1 + 21) / 4)


def test_describe_shows_weighted_beside_unweighted(tmp_path):
    rng = np.random.default_rng(1)
    data = describe(ctx_for(fake_panel(np.full(400, 1.7)), tmp_path))
    assert data["weighted_descriptives"] is True
    for r in data["descriptives"]:
        assert r["weighted_mean"] == pytest.approx(r["mean"]) and r["weighted_sd"] == pytest.approx(r["sd"])
    unequal = describe(ctx_for(fake_panel(rng.uniform(0.2, 3, 400)), tmp_path))
    assert all(abs(r["weighted_mean"] - r["mean"]) > 1e-6 for r in unequal["descriptives"])
    csv = pd.read_csv(tmp_path / "tables" / "descriptives.csv")
    assert {"mean", "sd", "weighted_mean", "weighted_sd", "n_weighted"} <= set(csv.columns)
    html = _descriptives(unequal["descriptives"], ["lon", "ghq"])
    assert "lon (weighted)" in html and "ghq (weighted)" in html


def test_small_weighted_cells_are_suppressed(tmp_path):
    w = np.full(400, 1.0)
    w[200:395] = 0.0  # wave b: only 5 interviews with a positive weight
    data = describe(ctx_for(fake_panel(w), tmp_path))
    b = [r for r in data["descriptives"] if r["wave"] == "b"]
    assert all(r["weighted_mean"] is None and r["n_weighted"] is None for r in b)
    assert all(r["mean"] is not None for r in b)  # the unweighted figures rest on 200 persons


def test_no_weights_no_weighted_columns(tmp_path):
    data = describe(ctx_for(fake_panel(np.ones(400), weighted=False), tmp_path))
    assert data["weighted_descriptives"] is False
    assert "weighted_mean" not in data["descriptives"][0]
    assert "(weighted)" not in _descriptives(data["descriptives"], ["lon", "ghq"])
