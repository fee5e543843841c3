"""Crossed groupings: hypotheses and their df, small and missing cells, JSON, words, known truth."""

from __future__ import annotations

import dataclasses
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.errors import DataError, ModelSpecificationError, UsageError
from analysis.models.crossed import compare_crossed
from analysis.models.crossed_constraints import hypotheses, null_basis
from analysis.models.groups import SmallGroupWarning
from analysis.runs.disclosure import protect_results
from analysis.synth import DEFAULT_PARAMS, simulate_latent

REFERENCE = Path(__file__).resolve().parents[1] / "reference"
sys.path.insert(0, str(REFERENCE))
from make_crossed_data import WAVES, read_crossed_data  # noqa: E402

INTERACTION = dataclasses.replace(DEFAULT_PARAMS, gamma_p_by_stage=(0.15, 0.0, -0.05))


def latent_cells(n: int, seed: int, *, params=DEFAULT_PARAMS, waves: int = 5, halves: bool = False) -> pd.DataFrame:
    """A synthetic cohort's latent scores L_1.., M_1.. with life_stage and stigma_group (latent perceived
    stigma in thirds, or halves)."""
    panel = simulate_latent(n=n, waves=waves, seed=seed, params=params, design=False)
    long = panel.long.copy()
    long.loc[~long["responded"], ["L", "M"]] = np.nan
    wide = long.pivot(index="id", columns="wave", values=["L", "M"])
    wide.columns = [f"{v}_{w}" for v, w in wide.columns]
    persons = panel.persons.set_index("id")
    wide["life_stage"] = persons["life_stage"]
    cuts, labels = ([0.0], ["low", "high"]) if halves else ([-0.4307, 0.4307], ["low", "medium", "high"])
    wide["stigma_group"] = pd.cut(persons["perceived_stigma"], [-np.inf, *cuts, np.inf], labels=labels)
    return wide.reset_index(drop=True)


@pytest.fixture(scope="module")
def cells() -> pd.DataFrame:
    return read_crossed_data()


def crossed(data, **kw):
    kw.setdefault("waves", list(WAVES))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SmallGroupWarning)
        return compare_crossed(data, x="L", y="M", **kw)


# -- the hypotheses ---------------------------------------------------------------------------------
@pytest.mark.parametrize("counts", [(2, 2), (3, 3), (3, 4), (2, 5)])
def test_interaction_df_is_the_product_of_levels_minus_one(counts):
    hyp = {(h.kind, h.groupings): h for h in hypotheses(["a", "b"], counts)}
    G = counts[0] * counts[1]
    assert hyp[("interaction", ("a", "b"))].df == (counts[0] - 1) * (counts[1] - 1)
    assert hyp[("main", ("a",))].df == counts[0] - 1 and hyp[("main", ("b",))].df == counts[1] - 1
    assert hyp[("omnibus", ())].df == G - 1
    for h in hyp.values():
        K = null_basis(h.contrast)
        assert np.linalg.matrix_rank(h.contrast) == h.df
        assert K.shape == (G, G - h.df - 1)
        assert np.abs(h.contrast @ K).max(initial=0) < 1e-12 and np.abs(K.sum(axis=0)).max(initial=0) < 1e-12


def test_three_groupings_have_each_interaction_and_additivity():
    hyp = {(h.kind, h.groupings): h.df for h in hypotheses(["a", "b", "c"], (2, 3, 2))}
    assert hyp[("interaction", ("a", "b"))] == 2 and hyp[("interaction", ("b", "c"))] == 2
    assert hyp[("interaction", ("a", "b", "c"))] == 2
    assert hyp[("additive", ())] == 12 - 1 - (1 + 2 + 1)


def test_main_difference_is_on_the_marginal_means():
    (main_a,) = [h for h in hypotheses(["a", "b"], (2, 3)) if h.kind == "main" and h.groupings == ("a",)]
    # cells a1b1, a1b2, a1b3, a2b1, a2b2, a2b3: mean over b of a1 minus mean over b of a2
    assert main_a.contrast == pytest.approx(np.array([[1, 1, 1, -1, -1, -1]]) / 3)


# -- fits on the committed 9-cell cohort -------------------------------------------------------------
def test_interaction_test_has_4_df_for_3_by_3_and_the_json_blocks(cells):
    res = crossed(cells, model="clpm")
    assert res.interaction("x_to_y").df == 4 and res.interaction("y_to_x").df == 4
    d = res.to_dict()
    assert set(d["groups"]) == set(res.cells) and "16-29 × high" in d["groups"]
    block = d["groups"]["16-29 × high"]
    assert block["n"] == res.sizes["16-29 × high"] and set(block) == {"n", "x_to_y", "y_to_x"}
    assert {"est", "se", "ci_lower", "ci_upper", "pvalue", "std", "by_wave"} <= set(block["x_to_y"])
    tests = d["group_tests"]
    assert set(tests) == {"omnibus", "main", "interaction"}
    assert set(tests["main"]) == {"life_stage", "stigma_group"}
    for path in ("x_to_y", "y_to_x"):
        assert set(tests["interaction"][path]) == {"chisq", "df", "pvalue", "pvalue_holm"}
        assert tests["interaction"][path]["pvalue_holm"] >= tests["interaction"][path]["pvalue"]
    # Holm over the 4 tests of each direction: the smallest p times 4
    frame = res.tests_frame()
    xy = frame[frame["path"] == "x_to_y"]
    assert len(xy) == 4 and xy["pvalue_holm"].min() == pytest.approx(min(1.0, 4 * xy["pvalue"].min()))
    assert "Holm" in d["multiple_testing"] and "4 tests" in d["multiple_testing"]
    text = res.summary()
    assert len(text.splitlines()) <= 45 and "Holm" in text
    assert repr(res) == "CrossedComparison(life_stage × stigma_group: 9 cells, CLPM, L and M)"
    assert "does not by itself show why" in res.interpretation()
    assert len(res.to_frame()) == 18 and {"cell", "life_stage", "stigma_group", "n", "path", "est"} <= set(
        res.to_frame().columns)


def test_a_cell_under_20_is_refused_by_name(cells):
    small = cells.drop(cells.index[(cells["life_stage"] == "65+") & (cells["stigma_group"] == "high")][12:])
    with pytest.raises(ModelSpecificationError, match=r"'65\+ × high'.*fewer than 20"):
        crossed(small, model="clpm")


def test_an_excluded_cell_is_named_and_the_incomplete_table_is_said(cells):
    res = crossed(cells, model="clpm", exclude_groups=["65+ × high"])
    assert "65+ × high" not in res.cells and len(res.cells) == 8
    assert any("Left out on request: 65+ × high" in n for n in res.notes)
    assert any("incomplete" in n and "'65+ × high'" in n for n in res.notes)
    assert np.isfinite(res.test("omnibus", "x_to_y").chisq) and res.test("omnibus", "x_to_y").df == 7
    inter = res.interaction("x_to_y")
    assert not np.isfinite(inter.chisq) and "incomplete" in inter.description
    assert res.to_dict()["group_tests"]["interaction"]["x_to_y"]["chisq"] is None
    assert "could not be tested" in res.interpretation()


def test_leaving_out_a_whole_group_keeps_the_table_complete(cells):
    res = crossed(cells, model="clpm", exclude_groups=["65+"], tests=("interaction",))
    assert res.levels["life_stage"] == ("16-29", "30-64") and len(res.cells) == 6
    assert res.interaction("x_to_y").df == 2 and np.isfinite(res.interaction("x_to_y").chisq)
    assert any("65+ × high" in n for n in res.notes)


def test_persons_without_a_grouping_are_counted_and_small_counts_are_not_disclosed(cells):
    data = cells.copy()
    data.loc[data.index[:7], "stigma_group"] = np.nan
    res = crossed(data, model="clpm", tests=("omnibus",))
    assert res.not_grouped == 7
    assert any("7 persons miss at least one of life_stage, stigma_group" in n for n in res.notes)
    safe, nulled = protect_results(res.to_dict(), 10)
    assert safe["not_grouped"] is None and nulled >= 1
    assert not any("7 persons" in n for n in safe["notes"]) and any("fewer than 10 persons" in n for n in safe["notes"])
    assert all(v["n"] >= 10 for v in safe["groups"].values())


@pytest.mark.parametrize("groupings,error,needle", [
    (("life_stage",), UsageError, "two or three"),
    (("life_stage", "life_stage"), UsageError, "named twice"),
    (("life_stage", "stigma_group", "a", "b"), UsageError, "not 4"),
    (("life_stage", "star_sign"), DataError, "star_sign"),
])
def test_bad_groupings_are_one_sentence(cells, groupings, error, needle):
    with pytest.raises(error, match=needle):
        crossed(cells, groupings=groupings)


def test_an_unknown_cell_to_leave_out_lists_the_cells(cells):
    with pytest.raises(DataError, match="neither a cell nor a group.*16-29 × low"):
        crossed(cells, exclude_groups=["16-29 x low"])


# -- known truth ----------------------------------------------------------------------------------------
def test_detects_a_life_stage_by_stigma_interaction_at_the_default_size():
    res = crossed(latent_cells(5000, 3, params=INTERACTION), waves=["1", "2", "3", "4", "5"],
                  tests=("interaction",))
    assert res.interaction("x_to_y").df == 4
    assert res.interaction("x_to_y").pvalue_holm < 0.01
    # the stigma difference is largest in the youngest life stage (slope 0.05 + 0.15 per SD)
    diff = {lv: res.groups[f"{lv} × high"]["x_to_y"].est - res.groups[f"{lv} × low"]["x_to_y"].est
            for lv in res.levels["life_stage"]}
    assert diff["16-29"] > diff["30-64"] and diff["16-29"] > diff["65+"]
    assert "is not the same in every life stage group" in res.interpretation()


def _interaction_pvalues(seed: int, params, *, n: int, waves: int) -> tuple[float, float]:
    res = crossed(latent_cells(n, seed, params=params, waves=waves, halves=True), exclude_groups=["30-64"],
                  waves=[str(w) for w in range(1, waves + 1)], tests=("interaction",))
    return res.interaction("x_to_y").pvalue, res.interaction("y_to_x").pvalue


@pytest.mark.slow
def test_interaction_test_keeps_its_error_rate_and_has_power():
    """Young vs older x low vs high stigma (2 x 2 cells, 1 df), n = 5,000, 4 waves.  No interaction in either
    direction with the default generator (40 cohorts: 80 tests); kappa = (0.15, 0, -0.05) puts one in x -> y
    (8 cohorts).  (At n = 2,000, about 220 persons a cell, 8 of 80 were rejected: slightly liberal there.)"""
    null = np.array([_interaction_pvalues(seed, DEFAULT_PARAMS, n=5000, waves=4) for seed in range(300, 340)]).ravel()
    assert np.isfinite(null).all(), "a restricted model did not converge"
    rejected = int((null < 0.05).sum())
    print(f"\nno interaction: {rejected} of {null.size} tests rejected at 5%")
    # Binomial(80, 0.05): P(0) = 1.7%, P(> 9) = 1.5%
    assert 1 <= rejected <= 9, f"{rejected} of {null.size} rejected at 5% with no interaction"
    power = [_interaction_pvalues(seed, INTERACTION, n=5000, waves=4)[0] for seed in range(200, 208)]
    print(f"with the interaction: {sum(p < 0.05 for p in power)} of {len(power)} detected at 5%")
    assert sum(p < 0.05 for p in power) >= 7, power


def test_three_groupings_fit_every_interaction(cells):
    data = cells.copy()
    data["sex"] = pd.Categorical(np.where(np.arange(len(data)) % 2 == 0, "female", "male"))
    res = crossed(data, model="clpm", groupings=("life_stage", "stigma_group", "sex"), exclude_groups=["30-64"],
                  tests=("interaction",))
    assert len(res.cells) == 12 and res.cells[0] == "16-29 × low × female"
    d = res.to_dict()["group_tests"]
    assert d["interaction"]["x_to_y"]["df"] == 12 - 1 - (1 + 2 + 1)
    assert set(d["interactions"]) == {"life_stage × stigma_group", "life_stage × sex", "stigma_group × sex",
                                      "life_stage × stigma_group × sex"}
    assert d["interactions"]["life_stage × stigma_group"]["x_to_y"]["df"] == 2
    assert d["interactions"]["life_stage × stigma_group × sex"]["y_to_x"]["df"] == 2
    assert all(np.isfinite(t.chisq) for t in res.tests) and len(res.tests) == 10
    assert "Holm-adjusted p-values (pvalue_holm) over the 5 tests of each direction" in res.multiple_testing


def test_a_restricted_model_that_does_not_converge_is_a_missing_test_with_a_note():
    # Three waves, about 220 persons per cell: the free model puts a negative random-intercept variance in
    # '16-29 × low' and the model with the interaction removed does not converge (found by the simulation).
    res = crossed(latent_cells(2000, 111, waves=3, halves=True), exclude_groups=["30-64"], waves=["1", "2", "3"],
                  tests=("interaction",))
    inter = res.interaction("x_to_y")
    assert not np.isfinite(inter.chisq) and "did not converge" in inter.description
    assert any("interaction life_stage × stigma_group (x_to_y) did not converge" in n for n in res.notes)
    assert np.isfinite(res.interaction("y_to_x").chisq)
    assert res.to_dict()["group_tests"]["interaction"]["x_to_y"]["pvalue"] is None
    assert "could not be tested" in res.interpretation()


def test_all_cells_equal_is_compare_groups_test_over_the_cells_scaled_the_same_way(cells):
    from analysis.models.groups import compare_groups

    data = cells[(cells["life_stage"] != "30-64") & (cells["stigma_group"] != "medium")].copy()
    res = crossed(data, model="clpm", estimator="mlr", tests=("omnibus",))
    data["cell"] = data["life_stage"].astype(str) + " × " + data["stigma_group"].astype(str)
    single = compare_groups(data.drop(columns=["life_stage", "stigma_group"]), x="L", y="M", grouping="cell",
                            model="clpm", estimator="mlr", waves=list(WAVES))
    for path in ("x_to_y", "y_to_x"):
        mine, theirs = res.test("omnibus", path), single.group_tests[path]
        assert mine.df == theirs.df == 3 and "Satorra-Bentler" in mine.description
        assert mine.chisq == pytest.approx(theirs.chisq, rel=1e-6) and mine.pvalue == pytest.approx(theirs.pvalue, rel=1e-6)


def test_progress_is_reported_before_each_fit_up_to_the_total(cells):
    calls = []
    res = crossed(cells, model="clpm", exclude_groups=["65+"], tests=("omnibus", "interaction"),
                  progress=lambda done, total, step: calls.append((done, total, step)))
    done, totals, steps = zip(*calls)
    assert set(totals) == {1 + 4}, "the main fit and the restricted model of 2 tests in each direction"
    assert list(done) == [0, 1, 2, 3, 4, 5], "before each fit, and once more at the end"
    assert steps[0] == "Fitting the model in each of the 6 cells of life_stage × stigma_group"
    assert steps[1] == "Test 1 of 4: all cells equal, L → later M"
    assert steps[4] == "Test 4 of 4: no interaction life_stage × stigma_group, M → later L"
    assert len(res.tests) == 4
    # A test that cannot be formed (incomplete table) fits nothing and is not counted.
    calls.clear()
    crossed(cells, model="clpm", exclude_groups=["65+ × high"], tests=("omnibus", "interaction"),
            progress=lambda done, total, step: calls.append((done, total)))
    assert calls == [(0, 3), (1, 3), (2, 3), (3, 3)]
