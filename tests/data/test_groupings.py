"""Groupings: life-stage bands, cut-offs and quantiles as ordered categoricals."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.data.groupings import apply
from analysis.data.spec import Grouping
from analysis.errors import DataError


def grouping(**kw) -> Grouping:
    return Grouping.model_validate({"of": "x", **kw})


def test_bands_are_inclusive_and_values_outside_are_counted():
    g = grouping(bands={"16-29": [16, 29], "30-64": [30, 64], "65+": [65, None]})
    out = apply("life_stage", g, np.array([16, 29, 30, 64, 65, 99, 15, np.nan, 29.5]), source="s")
    assert out.values.ordered and list(out.values.categories) == ["16-29", "30-64", "65+"]
    assert list(out.values.astype(object)[:6]) == ["16-29", "16-29", "30-64", "30-64", "65+", "65+"]
    assert out.values.isna()[6:].all() and out.outside == 2 and out.cutoffs is None


def test_cutoffs_put_ties_in_the_lower_group():
    g = grouping(cutoffs=[0, 3], labels=["none", "some", "frequent"])
    out = apply("d", g, np.array([0, 0.5, 3, 3.01, 15, np.nan]), source="s")
    assert list(out.values.astype(object)) == ["none", "some", "some", "frequent", "frequent", np.nan]
    assert out.cutoffs == (0, 3)


def test_default_labels():
    out = apply("d", grouping(cutoffs=[0, 3]), np.array([0.0, 1, 5]), source="s")
    assert list(out.values.categories) == ["<=0", "(0, 3]", ">3"]
    out = apply("d", grouping(quantiles=[0.5]), np.arange(10.0), source="s")
    assert list(out.values.categories) == ["Q1", "Q2"]


def test_quantiles_come_from_all_values():
    rng = np.random.default_rng(0)
    x = rng.normal(size=3000)
    out = apply("q", grouping(quantiles=[1 / 3, 2 / 3], labels=["low", "medium", "high"]), x, source="s")
    shares = pd.Series(out.values).value_counts(normalize=True).to_numpy()
    assert np.allclose(shares, 1 / 3, atol=0.002)
    assert out.cutoffs == pytest.approx(tuple(np.quantile(x, [1 / 3, 2 / 3])))


def test_quantiles_that_leave_a_group_empty_are_an_error():
    x = np.array([0.0] * 80 + [1, 2, 3] * 5)
    with pytest.raises(DataError, match=r"s: groupings\.disc: the quantile cut-offs of x \(0, 0\) "
                                        r"leave group 'medium' empty .* give cutoffs instead\."):
        apply("disc", grouping(quantiles=[1 / 3, 2 / 3], labels=["low", "medium", "high"]), x, source="s")
    with pytest.raises(DataError, match="no scored values"):
        apply("disc", grouping(quantiles=[0.5]), np.full(4, np.nan), source="s")
