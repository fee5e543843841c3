"""The analysis frame: lagged columns, every unused person-wave counted by reason."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.causal.data import build_frame
from analysis.causal.design import CausalDesign
from analysis.errors import DataError, UsageError


def design(**kw) -> CausalDesign:
    base = {"exposure": "x", "outcome": "y", "confounders": ("age", "sex", "life_stage")}
    base.update(kw)
    return CausalDesign(**base)


def tiny() -> pd.DataFrame:
    """Three persons, waves a-c; person 2 skips wave b; person 3 misses x at wave a."""
    rows = [
        (1, "a", 0, 1.0, 10.0, 20.0, 1.0), (1, "b", 1, 2.0, 11.0, 21.0, 1.0), (1, "c", 2, 3.0, 12.0, 22.0, 1.0),
        (2, "a", 0, 4.0, 13.0, 40.0, 2.0), (2, "c", 2, 5.0, 14.0, 42.0, 2.0),
        (3, "a", 0, np.nan, 15.0, 70.0, 2.0), (3, "b", 1, 6.0, 16.0, 71.0, 2.0),
    ]
    long = pd.DataFrame(rows, columns=["id", "wave", "wave_index", "x", "y", "age", "sex"])
    long["life_stage"] = pd.Categorical(np.where(long.age < 30, "16-29", np.where(long.age < 65, "30-64", "65+")),
                                        categories=["16-29", "30-64", "65+"], ordered=True)
    return long


def test_rows_are_lagged_pairs_and_every_unused_person_wave_is_counted():
    f = build_frame(tiny(), design())
    assert f.n_candidates == 7
    assert dict(f.excluded) == {"first wave analysed (no earlier wave)": 3, "no interview at the previous wave": 1,
                                "x missing at the earlier wave": 1}
    assert f.n_rows + sum(n for _, n in f.excluded) == f.n_candidates
    d = f.data
    assert list(d["id"]) == [1, 1] and list(d["wave_from"]) == ["a", "b"] and list(d["wave_to"]) == ["b", "c"]
    assert list(d["x_lag"]) == [1.0, 2.0] and list(d["y"]) == [11.0, 12.0] and list(d["y_lag"]) == [10.0, 11.0]
    assert list(d["age"]) == [20.0, 21.0]          # confounders at the earlier wave
    assert f.wave_pairs == (("a", "b", 1), ("b", "c", 1))
    assert f.nodes[:3] == ("x_lag", "y", "y_lag")


def test_constant_and_single_level_confounders_are_left_out_with_a_note():
    f = build_frame(tiny(), design())
    assert "sex" not in f.confounders and "life_stage_30_64" not in f.confounders   # all rows: person 1, male, 16-29
    assert any("sex" in n for n in f.notes) and any("life stage" in n for n in f.notes)


def test_categorical_confounders_become_indicators_against_the_first_level(simulate):
    f = build_frame(simulate(n=400, seed=2), design())
    assert {"life_stage_30_64", "life_stage_65plus"} <= set(f.confounders)
    assert f.sources["life_stage_65plus"] == "life_stage"
    assert set(np.unique(f.data["life_stage_65plus"])) == {0.0, 1.0}
    assert "vs 16-29" in f.labels["life_stage_65plus"]


def test_baseline_timing_takes_the_first_wave_value(simulate):
    long = simulate(n=200, waves=4, seed=7)
    f = build_frame(long, design(confounder_timing="baseline"))
    first = long[long["wave_index"] == 0].set_index("id")["age"]
    assert np.array_equal(f.data["age"].to_numpy(), f.data["id"].map(first).to_numpy())
    g = build_frame(long, design())
    earlier = long.set_index(["id", "wave"])["age"]
    assert np.array_equal(g.data["age"].to_numpy(),
                          earlier.loc[list(zip(g.data["id"], g.data["wave_from"]))].to_numpy())


def test_binary_exposure_is_an_indicator_at_or_above_the_threshold(simulate):
    long = simulate(n=300, seed=3)
    f = build_frame(long, design(binary_threshold=0.5))
    assert f.exposure == "x_lag_high"
    assert set(np.unique(f.data["x_lag_high"])) == {0, 1}
    merged = long[["id", "wave", "x"]].rename(columns={"wave": "wave_from"})
    check = f.data.merge(merged, on=["id", "wave_from"])
    assert ((check["x"] >= 0.5).astype(int) == check["x_lag_high"]).all()
    with pytest.raises(DataError, match="at or above|below"):
        build_frame(long, design(binary_threshold=1e6))


def test_mediator_columns_and_missing_values_by_reason(simulate):
    long = simulate(n=500, seed=4, dropout=0.1, missing_y=0.05)
    f = build_frame(long, design(mediator="m"))
    assert f.mediator == "m" and f.mediator_lag == "m_lag"
    reasons = dict(f.excluded)
    assert reasons["no interview at the previous wave"] > 0 and reasons["y missing"] > 0
    assert f.n_rows + sum(reasons.values()) == f.n_candidates == len(long)
    g = build_frame(long, design(mediator="m", mediator_role="confounder"))
    assert g.mediator is None and g.mediator_lag == "m_lag"


def test_chosen_waves_pair_consecutively_among_themselves(simulate):
    long = simulate(n=200, waves=4, seed=5)
    f = build_frame(long, design(waves=("a", "c", "d")))
    assert [p[:2] for p in f.wave_pairs] == [("a", "c"), ("c", "d")]
    assert any("outside the chosen waves" in n for n in f.notes)


@pytest.mark.parametrize("kw, error, text", [
    ({"exposure": "lonelyness"}, DataError, "no column 'lonelyness'"),
    ({"waves": ("a", "q")}, DataError, "Wave 'q'"),
    ({"waves": ("a",)}, DataError, "two waves"),
    ({"confounders": ("age", "age")}, UsageError, "once"),
    ({"outcome": "x"}, UsageError, "different"),
    ({"mediator": "y"}, UsageError, "mediator"),
    ({"confounders": ("y",)}, UsageError, "confounder"),
    ({"binary_threshold": float("nan")}, UsageError, "finite"),
])
def test_user_mistakes_are_named(kw, error, text, simulate):
    with pytest.raises(error, match=text):
        build_frame(simulate(n=50, seed=6), design(**kw))


def test_duplicate_person_wave_is_an_error():
    long = pd.concat([tiny(), tiny().iloc[[0]]], ignore_index=True)
    with pytest.raises(DataError, match="more than one row in wave a"):
        build_frame(long, design())


def test_a_construct_not_asked_in_a_wave_is_reported_as_such(simulate):
    long = simulate(n=100, waves=3, seed=8)
    long.loc[long["wave"] == "a", "x"] = np.nan          # x was not asked at wave a
    f = build_frame(long, design(), measured={"x": ("b", "c"), "y": ("a", "b", "c")})
    assert dict(f.excluded)["x not measured at the earlier wave (not asked in that wave)"] == 100
    g = build_frame(long, design())
    assert dict(g.excluded)["x missing at the earlier wave"] == 100
