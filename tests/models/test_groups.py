"""Comparing cross-lagged effects across groups: lavaan agreement, power, error rate, small groups."""

from __future__ import annotations

import re

import dataclasses
import warnings

import numpy as np
import pandas as pd
import pytest

from analysis.errors import DataError, ModelSpecificationError
from analysis.models.groups import SmallGroupWarning, compare_groups, holm
from analysis.synth import DEFAULT_PARAMS, simulate_latent
from tests_support_lavaan import RICLPM_SOURCES, SUFFIX, load_fixture, riclpm_data

WAVES = ["1", "2", "3", "4", "5"]


def latent_groups(n: int, seed: int, params=DEFAULT_PARAMS) -> pd.DataFrame:
    panel = simulate_latent(n=n, waves=5, seed=seed, params=params)
    long = panel.long.copy()
    long.loc[~long.responded, ["L", "M"]] = np.nan
    wide = long.pivot(index="id", columns="wave", values=["L", "M"])
    wide.columns = [f"{v}_{w}" for v, w in wide.columns]
    stage = panel.persons.set_index("id")["life_stage"].astype(str)
    return wide.join(stage).reset_index(drop=True)


def mg_wide(source: str) -> pd.DataFrame:
    """The two-group RI-CLPM data (committed stand-in, or the tutorial's in ../shared): x_1..y_5 and G."""
    return riclpm_data(source, "mg").rename(columns=lambda c: c if c == "G" else f"{c[0]}_{c[1:]}")


@pytest.fixture(scope="module")
def mg_data() -> pd.DataFrame:
    return mg_wide("standin")


# lavaan agreement: on the stand-in always, on the tutorial data as an extra when ../shared is there
@pytest.mark.parametrize("source", RICLPM_SOURCES)
def test_multigroup_estimates_and_tests_match_lavaan(source):
    res = compare_groups(mg_wide(source), x="x", y="y", grouping="G", waves=WAVES)
    free = load_fixture("builder_riclpm_mg_free" + SUFFIX[source])
    levels = free["data"]["group_levels"]
    for k, level in enumerate(levels, start=1):
        rows = [r for r in free["parameters"] if r["op"] == "~" and r["group"] == k]
        xy = next(r for r in rows if r["lhs"] == "wy2" and r["rhs"] == "wx1")
        yx = next(r for r in rows if r["lhs"] == "wx2" and r["rhs"] == "wy1")
        got = res.groups[str(level)]
        assert abs(got["x_to_y"].est - xy["est"]) <= 1e-4 and abs(got["x_to_y"].se / xy["se"] - 1) <= 0.005
        assert abs(got["y_to_x"].est - yx["est"]) <= 1e-4 and abs(got["y_to_x"].se / yx["se"] - 1) <= 0.005
    ref = load_fixture("builder_riclpm_mg_equal" + SUFFIX[source])["lrt"]
    omnibus = res.group_tests["omnibus"]
    assert omnibus.df == ref["df_diff"] and abs(omnibus.chisq - ref["chisq_diff"]) <= 1e-4
    assert abs(res.sem.fit["chisq"] - free["fit"]["chisq"]) <= 1e-4


def test_json_blocks(mg_data):
    d = compare_groups(mg_data, x="x", y="y", grouping="G", waves=WAVES).to_dict()
    assert set(d["groups"]) == {"1", "2"}
    assert set(d["groups"]["1"]) == {"x_to_y", "y_to_x"}
    for key in ("x_to_y", "y_to_x", "omnibus"):
        assert set(d["group_tests"][key]) == {"chisq", "df", "pvalue"}


def test_detects_life_stage_differences_at_default_synthetic_size():
    res = compare_groups(latent_groups(5000, 1), x="L", y="M", grouping="life_stage", waves=WAVES)
    assert res.group_tests["x_to_y"].pvalue < 0.01
    est = {lv: res.groups[lv]["x_to_y"].est for lv in res.levels}
    assert est["16-29"] > est["30-64"] > est["65+"]
    assert "differs between life stage groups" in res.interpretation()


@pytest.mark.slow
def test_equal_effects_are_rejected_at_the_nominal_rate():
    params = dataclasses.replace(DEFAULT_PARAMS, beta=(0.12, 0.12, 0.12), delta=(0.06, 0.06, 0.06),
                                 gamma_p=0.0, gamma_d=0.0)
    rejections = []
    for seed in range(80):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SmallGroupWarning)  # the 65+ group is small at n = 900, by design
            res = compare_groups(latent_groups(900, 500 + seed, params), x="L", y="M", grouping="life_stage",
                                 waves=WAVES)
        rejections.append(res.group_tests["omnibus"].pvalue < 0.05)
    rate = float(np.mean(rejections))
    # 80 replications: binomial SE 0.024 around 0.05; allow three.
    assert rate <= 0.05 + 3 * 0.024, rate


def test_small_groups_warn_and_tiny_groups_fail_clearly():
    wide = latent_groups(800, 4)
    with pytest.warns(SmallGroupWarning):
        res = compare_groups(wide, x="L", y="M", grouping="life_stage", waves=WAVES)
    assert any("imprecise" in w for w in res.warnings)
    tiny = wide.copy()
    tiny.loc[tiny.index[:5], "life_stage"] = "tiny"
    with pytest.raises(ModelSpecificationError, match="tiny"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compare_groups(tiny, x="L", y="M", grouping="life_stage", waves=WAVES)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = compare_groups(tiny, x="L", y="M", grouping="life_stage", waves=WAVES, exclude_groups=["tiny"])
    assert "tiny" not in res.levels and any("Left out on request" in w for w in res.warnings)


def test_persons_without_a_group_are_counted():
    wide = latent_groups(3000, 6)
    wide.loc[wide.index[:7], "life_stage"] = None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = compare_groups(wide, x="L", y="M", grouping="life_stage", waves=WAVES)
    assert res.not_grouped == 7
    assert sum(res.sizes.values()) == len(wide) - 7


def test_one_group_is_not_a_comparison():
    wide = latent_groups(600, 7)
    wide["life_stage"] = "all"
    with pytest.raises(DataError, match="fewer than two groups"):
        compare_groups(wide, x="L", y="M", grouping="life_stage", waves=WAVES)


def test_holm_adjustment():
    np.testing.assert_allclose(holm([0.01, 0.04, 0.03]), [0.03, 0.06, 0.06])
    np.testing.assert_allclose(holm([0.5]), [0.5])


def test_compare_all_groupings_reports_progress_and_failures(monkeypatch):
    from types import SimpleNamespace

    from analysis.models import groups

    def fake(panel, *, x, y, grouping, **kwargs):
        if grouping == "tiny":
            raise ModelSpecificationError("too few persons")
        return f"{grouping} {kwargs['model']}"

    monkeypatch.setattr(groups, "compare_groups", fake)
    calls = []
    res = groups.compare_all_groupings(SimpleNamespace(groupings=("life_stage", "tiny", "stigma")), x="L", y="M",
                                       model="clpm", progress=lambda *a: calls.append(a))
    assert calls == [(0, 3, "life_stage"), (1, 3, "tiny"), (2, 3, "stigma")]
    assert res.comparisons == {"life_stage": "life_stage clpm", "stigma": "stigma clpm"}
    assert res.failures == {"tiny": "too few persons"}


def test_all_groupings_summary_fits_on_a_screen_and_repr_is_one_line(mg_data):
    from analysis.models.groups import AllGroupComparisons

    one = compare_groups(mg_data, x="x", y="y", grouping="G", waves=WAVES)
    allg = AllGroupComparisons(x="x", y="y", comparisons={"G": one}, failures={"tiny": "too few persons"})
    text = allg.summary()
    assert len(text.splitlines()) <= 40 and max(map(len, text.splitlines())) <= 110
    assert "equal across groups" in text and "tiny: not compared (too few persons)" in text
    assert not re.search(r"\de-\d", text) and "-0.00" not in text
    assert repr(allg) == "AllGroupComparisons(x and y: G; failed: tiny)" and str(allg) == text
    assert len(repr(one)) < 120 and "\n" not in repr(one)


def test_summary_writes_numbers_for_people_and_tables_keep_full_precision(mg_data):
    from analysis.models.sem import TestResult

    one = compare_groups(mg_data, x="x", y="y", grouping="G", waves=WAVES)
    level = one.levels[0]
    tiny = dataclasses.replace(one.groups[level]["x_to_y"], est=3.72e-05, se=0.00012, ci_lower=-0.0002,
                               ci_upper=-0.00004, pvalue=2e-9, std=-0.00003)
    extreme = dataclasses.replace(
        one, groups={**one.groups, level: {**one.groups[level], "x_to_y": tiny}},
        group_tests={**one.group_tests, "x_to_y": TestResult(chisq=41.7, df=1, pvalue=3.72e-05)},
        pairwise=one.pairwise.assign(pvalue=0.0, pvalue_holm=1e-12, difference=-0.00001), not_grouped=3)
    text = extreme.summary()
    assert not re.search(r"\de[-+]?\d", text), text
    assert not re.search(r"(?<![\d.])-?0\.000(?!\d*[1-9])", text), text  # no "0.000" or "-0.000"
    assert "less than 0.001" in text and "p < 0.001" in text and "about 0" in text
    assert "x → later y" in text and "x_to_y" not in text and "ci_lower" not in text
    assert "Fewer than 10 persons" in text and "3 persons" not in text
    # analysts' tables keep every digit
    assert extreme.to_frame().loc[0, "est"] == 3.72e-05 and extreme.pairwise["pvalue_holm"].iloc[0] == 1e-12


def test_restricted_fits_in_a_second_process_give_the_same_tests():
    """jobs=2 fits two of the three restricted models in a forked process meanwhile: identical results.

    In a fresh interpreter (one thread, so it may fork); this test process may hold other tests' threads."""
    from fresh_python import run_forking_case

    res = run_forking_case("""
        from test_groups import WAVES, mg_wide
        from analysis import background
        from analysis.models.groups import compare_groups
        data = mg_wide("standin")
        one = compare_groups(data, x="x", y="y", grouping="G", waves=WAVES, jobs=1)
        assert background.can_fork()
        two = compare_groups(data, x="x", y="y", grouping="G", waves=WAVES, jobs=2)
        assert two.group_tests == one.group_tests
        assert list(two.group_tests) == ["x_to_y", "y_to_x", "omnibus"]
        assert two.to_dict() == one.to_dict()
        print("same")
    """)
    assert res.returncode == 0 and res.stdout.strip() == "same", res.stderr
