"""Who is drawn together: whole persons, whole clusters, within strata; labels checked."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.errors import DataError, UsageError
from analysis.resampling import resampling_design


def test_resamples_keep_every_person_whole():
    ids = np.array([5, 5, 9, 2, 2, 2, 9, 7])
    design = resampling_design(len(ids), ids=ids)
    assert design.n_units == 4 and design.describe() == "persons"
    rng = np.random.default_rng(0)
    for _ in range(50):
        rows = design.resample(rng)
        drawn = ids[rows]
        assert len(np.unique(drawn, return_counts=False)) <= 4
        for pid in np.unique(drawn):
            times = (drawn == pid).sum() / (ids == pid).sum()
            assert times == int(times)          # all of a person's rows, once per draw
            assert set(rows[drawn == pid]) == set(np.flatnonzero(ids == pid))
        assert sum((drawn == pid).sum() / (ids == pid).sum() for pid in np.unique(drawn)) == 4


def test_wide_data_draws_rows_as_persons():
    design = resampling_design(100)
    assert design.one_row_each and design.n_units == 100
    rows = design.resample(np.random.default_rng(0))
    assert rows.size == 100 and rows.max() < 100
    # The same draw as a plain row bootstrap with this generator.
    assert np.array_equal(rows, np.random.default_rng(0).integers(0, 100, 100))


def test_resampling_within_strata_keeps_group_sizes():
    strata = np.array(["a"] * 30 + ["b"] * 10 + ["c"] * 60)
    design = resampling_design(strata.size, strata=strata)
    idx = design.resample(np.random.default_rng(0))
    assert pd.Series(strata[idx]).value_counts().to_dict() == {"c": 60, "a": 30, "b": 10}
    assert design.describe() == "persons within strata"


def test_clusters_are_drawn_whole_within_strata():
    # 3 strata with 4, 3 and 5 PSUs; PSUs hold 1-3 persons with 2 rows each.
    rng = np.random.default_rng(1)
    psu_stratum = np.repeat(["north", "mid", "south"], [4, 3, 5])
    persons = rng.integers(1, 4, psu_stratum.size)
    psu = np.repeat(np.arange(psu_stratum.size), persons * 2)
    ids = np.repeat(np.arange(persons.sum()), 2)
    strata = psu_stratum[psu]
    design = resampling_design(len(ids), ids=ids, cluster=psu, strata=strata)
    assert design.unit == "cluster" and design.n_units == 12 and design.describe() == "clusters within strata"
    for _ in range(30):
        rows = design.resample(rng)
        drawn = psu[rows]
        per_stratum: dict[str, float] = {}
        for c in np.unique(drawn):
            times = (drawn == c).sum() / (psu == c).sum()
            assert times == int(times)          # every row of a drawn cluster, once per draw
            assert set(rows[drawn == c]) == set(np.flatnonzero(psu == c))
            per_stratum[psu_stratum[c]] = per_stratum.get(psu_stratum[c], 0) + times
        assert per_stratum == {"mid": 3, "north": 4, "south": 5}   # each stratum keeps its number of clusters


def test_without_leaves_out_whole_units():
    ids = np.array([1, 1, 2, 3, 3, 3])
    design = resampling_design(len(ids), ids=ids)
    assert design.without(np.array([2])).tolist() == [0, 1, 2]
    assert design.without(np.array([0, 1])).tolist() == [3, 4, 5]


@pytest.mark.parametrize("kw, words", [
    ({"ids": np.zeros(5)}, "two persons"),
    ({"ids": [1, 1, 2, 2, np.nan]}, "missing labels"),
    ({"ids": [1, 1, 2, 2]}, "one label per row"),
    ({"ids": [1, 1, 2, 2, 3], "cluster": [1, 2, 3, 3, 3]}, "more than one cluster"),
    ({"ids": [1, 1, 2, 2, 3], "strata": ["a", "b", "a", "a", "b"]}, "more than one stratum"),
    ({"strata": ["a", "b", "b", "b", "b"]}, "Stratum 'a' has only one person"),
])
def test_bad_labels_are_named(kw, words):
    with pytest.raises((DataError, UsageError), match=words):
        resampling_design(5, **kw)
