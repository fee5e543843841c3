"""score_distribution: the spread of one construct's scores by wave and group (the dashboard's Data page)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from data_support import SPEC_OF

from analysis.data import load_panel
from analysis.data.describe import DISTRIBUTION_COLUMNS, EVERYONE, score_distribution
from analysis.errors import DataError


@pytest.fixture(scope="module")
def panel(cohort_dirs):
    return load_panel(SPEC_OF["ukhls"], data=cohort_dirs[("ukhls", "dta")])


def _expected(long: pd.DataFrame, construct: str, keys: list[str]) -> pd.DataFrame:
    g = long.dropna(subset=[construct, *keys]).groupby(keys, observed=True, sort=True)[construct]
    out = pd.DataFrame({"n": g.size(), "mean": g.mean(), "sd": g.std(ddof=1),
                        **{name: g.quantile(q) for name, q in
                           (("p10", 0.1), ("p25", 0.25), ("median", 0.5), ("p75", 0.75), ("p90", 0.9))}})
    return out.reset_index()


def test_by_grouping_matches_pandas(panel):
    got = score_distribution(panel, "ghq_likert", by="life_stage")
    assert list(got.columns) == list(DISTRIBUTION_COLUMNS)
    want = _expected(panel.long, "ghq_likert", ["wave", "life_stage"])
    assert list(got["wave"]) == [str(w) for w in want["wave"]]
    assert list(got["group"]) == [str(g) for g in want["life_stage"]]
    assert list(got["n"]) == list(want["n"])
    for c in ("mean", "sd", "p10", "p25", "median", "p75", "p90"):
        np.testing.assert_allclose(got[c].to_numpy(float), want[c].to_numpy(float), rtol=1e-12, err_msg=c)
    # Ordered groups keep their order within each wave.
    first = got[got["wave"] == got["wave"].iloc[0]]["group"].tolist()
    assert first == [g for g in panel.long["life_stage"].cat.categories if g in first]


def test_everyone_together(panel):
    got = score_distribution(panel, "loneliness")
    want = _expected(panel.long, "loneliness", ["wave"])
    assert (got["group"] == EVERYONE).all()
    assert list(got["wave"]) == [str(w) for w in want["wave"]] and list(got["n"]) == list(want["n"])
    np.testing.assert_allclose(got["median"].to_numpy(float), want["median"].to_numpy(float), rtol=1e-12)


def test_unknown_names_are_refused_with_a_suggestion(panel):
    with pytest.raises(DataError, match=r"unknown construct 'lonliness'; did you mean 'loneliness'\?"):
        score_distribution(panel, "lonliness")
    with pytest.raises(DataError, match=r"unknown grouping 'age'"):
        score_distribution(panel, "loneliness", by="age")
