"""Scoring constructs: sum, mean, prorating, minimum items, reverse-scored items."""

from __future__ import annotations

import numpy as np
from data_support import nan_equal
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.data.scoring import score
from analysis.data.spec import Construct

NAN = np.nan


def construct(**kw) -> Construct:
    return Construct.model_validate({"items": ["a", "b", "c", "d"], "valid": [1, 4], **kw})


def test_sum_needs_all_items_by_default():
    x = np.array([[1, 2, 3, 4], [1, NAN, 3, 4], [NAN] * 4])
    out, counts = score(x, construct())
    assert nan_equal(out, [10, NAN, NAN])
    assert counts == {"fewer than 4 of 4 items answered": 1, "no items answered": 1}


def test_prorated_sum_and_minimum_items():
    x = np.array([[1, 2, 3, 4], [1, NAN, 3, 4], [1, NAN, NAN, 4]])
    out, counts = score(x, construct(min_items=3, prorate=True))
    assert nan_equal(out, [10, 8 * 4 / 3, NAN]) and counts == {"fewer than 3 of 4 items answered": 1}
    out, _ = score(x, construct(min_items=3))
    assert nan_equal(out, [10, 8, NAN])  # not prorated: the plain sum of answered items


def test_mean_and_reverse_scoring():
    x = np.array([[1, 2, 3, 4], [4, NAN, 1, 1]])
    out, _ = score(x, construct(score="mean", reverse=["b", "d"], min_items=3))
    # reversed: b -> 5 - b, d -> 5 - d
    assert nan_equal(out, [(1 + 3 + 3 + 1) / 4, (4 + 1 + 4) / 3])
    assert x[0, 1] == 2  # input untouched


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.one_of(st.none(), st.integers(1, 4)), min_size=4, max_size=4),
                min_size=1, max_size=30))
def test_prorated_sum_is_k_times_the_mean(rows):
    x = np.array([[NAN if v is None else v for v in r] for r in rows], dtype=float)
    total, _ = score(x, construct(min_items=1, prorate=True))
    mean, _ = score(x, construct(min_items=1, score="mean"))
    assert nan_equal(total, 4 * mean)
    answered = (~np.isnan(x)).sum(axis=1)
    assert np.array_equal(np.isnan(total), answered == 0)
