"""Cleaning one column: recode, missing codes, SPSS user-missing, Stata .a-.z, valid range."""

from __future__ import annotations

import numpy as np
import pytest
from data_support import nan_equal
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.data.missing import Rules, clean
from analysis.errors import DataError

CODES = {-9: "missing", -8: "inapplicable", -7: "proxy", -1: "don't know"}


def rules(**kw):
    base = dict(codes=CODES, recode=None, valid=(1, 3), out_of_range="error", key="constructs.x.items[0]")
    return Rules(**{**base, **kw})


def test_codes_become_missing_with_their_reason():
    values = np.array([1, 2, -9, -9, -7, np.nan, 3, -1])
    out, counts = clean(values, rules(), where="f (wave a), column 'x'")
    assert nan_equal(out, [1, 2, np.nan, np.nan, np.nan, np.nan, 3, np.nan])
    assert counts == {"-9 missing": 2, "-7 proxy": 1, "system missing": 1, "-1 don't know": 1}


def test_recode_applies_to_released_values_first():
    values = np.array([1, 2, 3, 4, -8, -9])
    out, counts = clean(values, rules(recode={1: 0, 2: 1, 3: 2, 4: 3, -8: 0}, valid=(0, 3)), where="w")
    assert nan_equal(out, [0, 1, 2, 3, 0, np.nan])  # -8 recoded, not missing
    assert counts == {"-9 missing": 1}
    out, counts = clean(np.array([1, 2, 5]), rules(recode={5: None}), where="w")
    assert nan_equal(out, [1, 2, np.nan]) and counts == {"recoded to missing": 1}


def test_spss_user_missing_and_stata_tags():
    values = np.array([1, -9, -5, 99, np.nan, np.nan, np.nan])
    tags = np.array([0, 0, 0, 0, 1, 26, 0], dtype=np.int8)
    out, counts = clean(values, rules(), tags=tags, user_missing=((-9, -1), (99, 99)), where="w")
    assert nan_equal(out, [1] + [np.nan] * 6)
    # A spec code keeps its own reason even when SPSS also declares it missing.
    assert counts == {"-9 missing": 1, "SPSS user-missing": 2, "Stata .a": 1, "Stata .z": 1,
                      "system missing": 1}


def test_out_of_range_is_an_error_with_count_and_examples():
    values = np.array([1, 4, 7, 2, 4])
    with pytest.raises(DataError) as info:
        clean(values, rules(), where="data/b_indresp.dta (wave b), column 'b_sclackcom'")
    msg = str(info.value)
    assert msg.startswith("data/b_indresp.dta (wave b), column 'b_sclackcom': 3 values outside the valid range 1 to 3")
    assert "constructs.x.items[0]" in msg and "(e.g. 4, 7)" in msg and "\n" not in msg


def test_out_of_range_can_be_counted_as_missing():
    out, counts = clean(np.array([1, 4, 7, 2]), rules(out_of_range="missing"), where="w")
    assert nan_equal(out, [1, np.nan, np.nan, 2]) and counts == {"out of valid range": 2}


def test_text_values_are_an_error_naming_the_column():
    values = np.array([1, "often", None, "2", "never"], dtype=object)
    with pytest.raises(DataError, match=r"f \(wave a\), column 'x': 2 values are text \('often', 'never'\)"):
        clean(values, rules(), where="f (wave a), column 'x'")
    out, counts = clean(np.array([1, None, "2"], dtype=object), rules(), where="w")
    assert nan_equal(out, [1, np.nan, 2]) and counts == {"system missing": 1}


def test_input_array_is_not_modified():
    values = np.array([1.0, -9.0, 2.0])
    clean(values, rules(recode={1: 3}), where="w")
    assert values.tolist() == [1.0, -9.0, 2.0]


# -- the vectorised cleaner agrees with a cell-by-cell statement of the rules --------------

def _reference(values, tags, codes, recode, valid, ranges, out_of_range):
    """The module docstring's rules, one cell at a time."""
    out, counts, bad = [], {}, False

    def add(reason):
        counts[reason] = counts.get(reason, 0) + 1
        out.append(np.nan)

    for i, v in enumerate(values):
        if np.isnan(v):
            t = 0 if tags is None else int(tags[i])
            add(f"Stata .{chr(96 + t)}" if t else "system missing")
            continue
        if recode is not None and v in recode:
            if recode[v] is None:
                add("recoded to missing")
                continue
            x = recode[v]
        elif v in codes:
            add(f"{int(v)} {codes[v]}")
            continue
        elif any(lo <= v <= hi for lo, hi in ranges):
            add("SPSS user-missing")
            continue
        else:
            x = v
        if valid is not None and not valid[0] <= x <= valid[1]:
            bad = True
            add("out of valid range")
            continue
        out.append(float(x))
    return np.array(out), counts, bad and out_of_range == "error"


@settings(max_examples=300, deadline=None)
@given(
    cells=st.lists(st.one_of(st.integers(-10, 7).map(float), st.just(np.nan)), min_size=1, max_size=40),
    use_tags=st.booleans(),
    codes=st.sets(st.sampled_from([-9, -8, -7, -1, 5, 7]), max_size=4),
    recode=st.one_of(st.none(), st.dictionaries(st.integers(-9, 7).map(float),
                                                st.one_of(st.none(), st.integers(0, 4).map(float)),
                                                max_size=4)),
    valid=st.sampled_from([None, (1.0, 4.0), (0.0, 6.0)]),
    ranges=st.sampled_from([(), ((-9.0, -5.0),), ((5.0, 5.0), (-2.0, -1.0))]),
    out_of_range=st.sampled_from(["error", "missing"]),
    seed=st.integers(0, 2**16),
)
def test_clean_matches_the_rules_cell_by_cell(cells, use_tags, codes, recode, valid, ranges,
                                              out_of_range, seed):
    values = np.array(cells, dtype=float)
    tags = None
    if use_tags:
        rng = np.random.default_rng(seed)
        tags = np.where(np.isnan(values), rng.integers(0, 27, values.size), 0).astype(np.int8)
    code_map = {float(c): f"code{c}" for c in codes}
    expected, counts, error = _reference(values, tags, code_map, recode, valid, ranges, out_of_range)
    rules = Rules(codes=code_map, recode=recode or None, valid=valid, out_of_range=out_of_range, key="k")
    if error:
        with pytest.raises(DataError, match="outside the valid range"):
            clean(values, rules, tags=tags, user_missing=ranges, where="w")
        return
    out, got = clean(values, rules, tags=tags, user_missing=ranges, where="w")
    assert nan_equal(out, expected)
    assert got == counts
