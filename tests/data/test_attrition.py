"""The attrition table: counts per wave and, with survey weights, weighted retention (issue 14).

Expected weighted figures are computed here by hand with pandas (ids and weights
looked up by label), never with the code under test.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import yaml
from data_support import SPECS, rewrite

from analysis.data import load_panel, parse_spec
from analysis.data.attrition import (ATTRITION_COLUMNS, ATTRITION_DEPENDENT, WEIGHTED_ATTRITION_COLUMNS,
                                     attrition_table)
from analysis.data.describe import describe_panel, render_text
from analysis.runs.disclosure import suppress_counts

WAVES = ("a", "b", "c")
#: Wave a: 30 people.  b: 20 of them and 3 new (31-33).  c: 12 of a's first 20, 3 who
#: missed b (25-27, returning) and one of the new (31).
IDS = {"a": list(range(1, 31)), "b": [*range(1, 21), 31, 32, 33], "c": [*range(1, 13), 25, 26, 27, 31]}
#: The table the code gave before weights were added, byte for byte.
UNWEIGHTED_CSV = "wave,respondents,retained,new,returning,lost\na,30,0,30,0,0\nb,23,20,3,0,10\nc,16,13,0,3,10\n"
MISSING_ID, ZERO_ID = 5, 6


def long_frame(*, weighted: bool = True) -> pd.DataFrame:
    """A long panel; each wave has its own weight (later waves' weights differ on purpose)."""
    rows = [(i, w) for w in WAVES for i in IDS[w]]
    long = pd.DataFrame(rows, columns=["id", "wave"])
    long["wave"] = pd.Categorical(long["wave"], categories=list(WAVES), ordered=True)
    if not weighted:
        return long.assign(weight=1.0)
    first = 0.5 + (long["id"] % 4) * 0.5
    later = 3.0 - (long["id"] % 5) * 0.4
    long["weight"] = np.where(long["wave"] == "a", first, later)
    at_a = long["wave"] == "a"
    long.loc[at_a & (long["id"] == MISSING_ID), "weight"] = np.nan
    long.loc[at_a & (long["id"] == ZERO_ID), "weight"] = 0.0
    return long


def by_hand(long: pd.DataFrame) -> pd.DataFrame:
    """Weighted retention of wave a's respondents, with pandas, person by person."""
    base = long[long["wave"] == "a"].set_index("id")["weight"]
    usable = base[base > 0]  # NaN > 0 is False: a missing weight is not usable
    rows = []
    for w in WAVES:
        here = set(long.loc[long["wave"] == w, "id"])
        kept = base[base.index.isin(here)]
        rows.append({"wave": w, "from_first_wave": len(kept), "retention_pct": 100 * len(kept) / len(base),
                     "weighted_retention_pct": 100 * usable[usable.index.isin(here)].sum() / usable.sum(),
                     "n_weighted": int(usable.index.isin(here).sum()),
                     "zero_weight": int((kept == 0).sum()), "missing_weight": int(kept.isna().sum())})
    return pd.DataFrame(rows)


def test_weighted_retention_matches_a_hand_calculation():
    long = long_frame()
    table = attrition_table(long, WAVES)
    assert list(table.columns) == [*ATTRITION_COLUMNS, *WEIGHTED_ATTRITION_COLUMNS]
    expected = by_hand(long)
    pd.testing.assert_frame_equal(table[list(expected.columns)], expected, check_dtype=False)
    # The unweighted counts are those of the unweighted table.
    assert table[list(ATTRITION_COLUMNS)].to_csv(index=False) == UNWEIGHTED_CSV
    # Wave c: 15 of wave a's 30 (1-12 and 25-27); person 5 (missing weight) and 6 (zero) among them.
    c = table.set_index("wave").loc["c"]
    assert c["from_first_wave"] == 15 and c["retention_pct"] == pytest.approx(50.0)
    assert (c["n_weighted"], c["zero_weight"], c["missing_weight"]) == (13, 1, 1)
    assert c["weighted_retention_pct"] != pytest.approx(c["retention_pct"])


def test_the_first_waves_weight_is_used_not_each_waves_own():
    long = long_frame()
    changed = long.copy()
    changed.loc[changed["wave"] != "a", "weight"] *= 7.3  # later waves' own weights do not matter
    pd.testing.assert_frame_equal(attrition_table(long, WAVES), attrition_table(changed, WAVES))
    first = long.assign(weight=np.where(long["wave"] == "a", 2.0, long["weight"]))
    equal = attrition_table(first, WAVES)  # equal first-wave weights: weighted = unweighted
    assert np.allclose(equal["weighted_retention_pct"], equal["retention_pct"])


def test_missing_and_zero_weights_are_counted_not_dropped():
    table = attrition_table(long_frame(), WAVES)
    assert (table["from_first_wave"] == table["n_weighted"] + table["zero_weight"]
            + table["missing_weight"]).all()
    assert table["missing_weight"].tolist() == [1, 1, 1] and table["zero_weight"].tolist() == [1, 1, 1]
    # A negative or infinite weight is no sampling weight: counted as missing.
    long = long_frame()
    long.loc[(long["wave"] == "a") & (long["id"] == 7), "weight"] = -1.0
    long.loc[(long["wave"] == "a") & (long["id"] == 8), "weight"] = np.inf
    assert attrition_table(long, WAVES)["missing_weight"].tolist() == [3, 3, 3]
    # No usable first-wave weight at all: the weighted figure is missing, not 0 or 100.
    none = attrition_table(long_frame().assign(weight=np.nan), WAVES)
    assert none["weighted_retention_pct"].isna().all() and (none["missing_weight"] == none["from_first_wave"]).all()


def test_without_weights_the_table_is_unchanged_byte_for_byte():
    long = long_frame(weighted=False)
    assert attrition_table(long, WAVES).to_csv(index=False) == UNWEIGHTED_CSV
    assert attrition_table(long.drop(columns="weight"), WAVES).to_csv(index=False) == UNWEIGHTED_CSV
    assert attrition_table(long_frame(), WAVES, weighted=False).to_csv(index=False) == UNWEIGHTED_CSV
    # Forced on with equal weights: the weighted columns equal the unweighted ones.
    forced = attrition_table(long, WAVES, weighted=True)
    assert np.allclose(forced["weighted_retention_pct"], forced["retention_pct"])


def test_small_cells_and_their_weighted_figures_are_suppressed():
    long = long_frame()
    # Wave c: 1-4, the returning 25-27 (7 of wave a's respondents) and 31: 8 respondents.
    keep = (long["wave"] != "c") | long["id"].isin([1, 2, 3, 4, 25, 26, 27, 31])
    table = attrition_table(long[keep], WAVES)
    # Wave b: 20 from wave a; 14 more missing first-wave weights (15 with person 5, and 6 has
    # a zero weight) leave n_weighted = 4.
    drop = long[keep].copy()
    drop.loc[(drop["wave"] == "a") & drop["id"].between(7, 20), "weight"] = np.nan
    table2 = attrition_table(drop, WAVES)
    counts = [c for c in table.columns if c != "wave" and not c.endswith("_pct")]
    safe, _ = suppress_counts(table, counts, threshold=10, dependent=ATTRITION_DEPENDENT)
    c = safe.set_index("wave").loc["c"]
    assert c["from_first_wave"] is None and c["retention_pct"] is None and c["weighted_retention_pct"] is None
    assert c["n_weighted"] is None and c["respondents"] is None and bool(c["suppressed"])
    assert safe.set_index("wave").loc["b", "weighted_retention_pct"] is not None
    safe2, _ = suppress_counts(table2, counts, threshold=10, dependent=ATTRITION_DEPENDENT)
    b = safe2.set_index("wave").loc["b"]
    assert b["n_weighted"] is None and b["weighted_retention_pct"] is None  # blanked on its own count
    assert b["from_first_wave"] == 20 and b["retention_pct"] == pytest.approx(100 * 20 / 30)
    assert (b["missing_weight"], b["zero_weight"]) == (15, None)  # 15 is not small; a count of 1 is


# -- through the loader and ``describe`` ------------------------------------------------

def _spec(*, weighted: bool = True):
    data = yaml.safe_load((SPECS / "synthetic.yaml").read_text())
    if not weighted:
        data.pop("weight")
    return parse_spec(data)


def test_loaded_panel_counts_missing_first_wave_weights(copy_cohort):
    folder = copy_cohort("ukhls", "dta")

    def unknown(frame):
        frame.loc[frame.index[:12], "a_indinus_xw"] = -9.0  # a missing-value code
        return frame
    rewrite(folder / "a_indresp.dta", unknown)
    panel = load_panel(_spec(), data=folder)
    table = panel.attrition
    assert list(table.columns) == [*ATTRITION_COLUMNS, *WEIGHTED_ATTRITION_COLUMNS]
    long = panel.long.assign(wave=lambda d: d["wave"].astype(str))
    expected = by_hand_waves(long, panel.waves)
    pd.testing.assert_frame_equal(table[list(expected.columns)], expected, check_dtype=False)
    assert table["missing_weight"].iloc[0] == 12
    description = describe_panel(panel)
    row = description["attrition"][1]
    assert isinstance(row["from_first_wave"], int) and isinstance(row["weighted_retention_pct"], float)
    assert "Weighted retention" in render_text(description)


def by_hand_waves(long: pd.DataFrame, waves) -> pd.DataFrame:
    base = long[long["wave"] == waves[0]].set_index("id")["weight"]
    usable = base[base > 0]
    return pd.DataFrame([{"wave": w, "weighted_retention_pct":
                          100 * usable[usable.index.isin(set(long.loc[long["wave"] == w, "id"]))].sum() / usable.sum()}
                         for w in waves])


def test_loaded_panel_without_weights_keeps_the_old_table(cohort_dirs):
    panel = load_panel(_spec(weighted=False), data=cohort_dirs[("ukhls", "dta")])
    assert list(panel.attrition.columns) == list(ATTRITION_COLUMNS)
    description = describe_panel(panel)
    assert set(description["attrition"][0]) == set(ATTRITION_COLUMNS)
    assert all(isinstance(v, int) for r in description["attrition"] for k, v in r.items() if k != "wave")
    assert "Weighted retention" not in render_text(description)
