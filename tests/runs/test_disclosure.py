"""Disclosure control: small counts blanked, not recoverable from totals, and not said in words or JSON."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.runs.causal_section import protect_sample
from analysis.runs.disclosure import (Sum, panel_table_masks, protect_results, scrub_text, secondary,
                                      suppress_counts, suppress_listed)

T = 10


def _recoverable(values: dict, sums: list[Sum], hidden: set) -> list:
    """Hidden cells whose value a reader gets by subtraction, or whose hidden group sums to a small count."""
    found = []
    for s in sums:
        h = [k for k in (*s.parts, s.total) if k is not None and k in hidden]
        total_shown = (s.total is None and s.shown_total) or (s.total is not None and s.total not in hidden)
        hidden_parts = [k for k in s.parts if k in hidden]
        if len(h) == 1 or (total_shown and 0 < sum(values[k] for k in hidden_parts) < T):
            found.append((s, h))
    return found


def test_a_small_part_of_a_shown_total_takes_another_part_with_it():
    values = {"a": 400, "b": 5, "c": 300, "total": 705}
    sums = [Sum(parts=("a", "b", "c"), total="total")]
    extra = secondary(values, sums, {"b"}, threshold=T)
    assert extra == {"c"}  # the smallest other part: 5 alone would be 705 - 400 - 300
    assert not _recoverable(values, sums, {"b"} | extra)


def test_two_small_parts_are_not_enough_when_their_sum_is_small():
    values = {"a": 400, "b": 5, "c": 3, "d": 50}
    sums = [Sum(parts=("a", "b", "c", "d"))]  # the total is published elsewhere
    extra = secondary(values, sums, {"b", "c"}, threshold=T)
    assert extra == {"d"}  # 5 + 3 = 8 persons would be known as a group
    assert not _recoverable(values, sums, {"b", "c"} | extra)


def test_zeros_are_kept_and_never_chosen():
    values = {"a": 0, "b": 4, "c": 90, "total": 94}
    assert secondary(values, [Sum(parts=("a", "b", "c"), total="total")], {"b"}, threshold=T) == {"c"}
    assert suppress_listed([0, 0, 500], threshold=T) == set()


def test_hiding_spreads_over_linked_sums_until_none_is_recoverable():
    # Two waves x (retained, new, returning), new summing to the persons published elsewhere.
    values = {("r", 1): 900, ("n", 1): 0, ("b", 1): 0, ("t", 1): 900,
              ("r", 2): 700, ("n", 2): 5, ("b", 2): 40, ("t", 2): 745,
              ("r", 3): 600, ("n", 3): 60, ("b", 3): 30, ("t", 3): 690}
    sums = [Sum(parts=(("r", w), ("n", w), ("b", w)), total=("t", w)) for w in (1, 2, 3)]
    sums.append(Sum(parts=(("n", 1), ("n", 2), ("n", 3))))
    hidden = {("n", 2)}
    extra = secondary(values, sums, hidden, threshold=T)
    assert not _recoverable(values, sums, hidden | extra)
    assert ("n", 3) in extra  # the persons minus the other waves' new would give wave 2's 5


def test_attrition_by_life_stage_cannot_be_recovered_by_subtraction():
    """The issue's case: a 5-person life stage in a wave, the wave's respondents shown in the attrition table."""
    desc = pd.DataFrame([{"wave": w, "life_stage": s, "construct": c, "respondents": n, "n": n, "mean": 1.0}
                         for w, sizes in (("a", {"16-29": 300, "30-64": 500, "65+": 200}),
                                          ("b", {"16-29": 5, "30-64": 480, "65+": 190}))
                         for s, n in sizes.items() for c in ("loneliness", "ghq")])
    attr = pd.DataFrame({"wave": ["a", "b"], "respondents": [1000, 675], "retained": [0, 670], "new": [1000, 5],
                         "returning": [0, 0], "lost": [0, 330]})
    also_desc, also_attr = panel_table_masks(desc, attr, threshold=T, persons=1005, person_waves=1675)
    safe, _ = suppress_counts(desc, ("n", "respondents"), threshold=T, dependent={"n": ("mean",)}, also=also_desc)
    wave_b = safe[safe["wave"] == "b"].drop_duplicates("life_stage")
    hidden = wave_b[wave_b["respondents"].isna()]
    # The 5-person stage and one more are blanked, so 675 minus the shown stages is no longer one group's size.
    assert set(hidden["life_stage"]) == {"16-29", "65+"}
    # The persons with a score would give the hidden respondents back: they go too, with their means.
    partner = safe[(safe["wave"] == "b") & (safe["life_stage"] == "65+")]
    assert partner["n"].isna().all() and partner["mean"].isna().all() and partner["suppressed"].all()
    safe_attr, _ = suppress_counts(attr, ("respondents", "retained", "new", "returning", "lost"), threshold=T,
                                   also=also_attr)
    row_b = safe_attr.iloc[1]
    # new = 5 is blanked, and with it enough that respondents - retained - returning does not give it back.
    assert row_b["new"] is None
    assert sum(row_b[c] is None for c in ("respondents", "retained", "new", "returning")) >= 2
    assert bool(row_b["suppressed"])


def test_secondary_cells_blank_their_statistics_and_are_flagged():
    table = pd.DataFrame({"n": [400, 5, 300], "mean": [1.0, 2.0, 3.0]})
    safe, cells = suppress_counts(table, ("n",), threshold=T, dependent={"n": ("mean",)},
                                  also={"n": np.array([False, False, True])})
    assert safe["n"].tolist() == [400, None, None] and safe["mean"].tolist() == [1.0, None, None]
    assert safe["suppressed"].tolist() == [False, True, True] and cells == 4


def test_counts_in_sentences_are_reworded():
    assert scrub_text("3 persons have no life_stage value and are not compared.", T) == \
        "fewer than 10 persons have no life_stage value and are not compared."
    assert scrub_text("The group '16-29' has only 7 persons; its estimates", T) == \
        "The group '16-29' has fewer than 10 persons; its estimates"
    assert scrub_text("not used: a (900); perceived_stigma missing (1); b (234).", T) == \
        "not used: a (900); perceived_stigma missing (fewer than 10); b (234)."
    assert scrub_text("1 row with a zero weight", T) == "fewer than 10 rows with a zero weight"
    assert scrub_text("not used (3 zero, 0 missing)", T) == "not used (fewer than 10 zero, 0 missing)"
    for kept in ("groups of fewer than 50 persons", "at least 2 persons", "Try: (1) checking the scale",
                 "Psychological Methods, 20(1), 102", "1,658 person-waves of 617 people", "wave 3 of 5 waves",
                 "0 persons"):
        assert scrub_text(kept, T) == kept


def test_results_json_count_fields_and_sentences_are_protected():
    results = {"data": {"persons": 900}, "crosslag": [{"nobs": {"all": 623, "16-29": 4}, "fit": {"df": 3},
                                                       "rows_dropped": {"all": 2}}],
               "groups": [{"failures": {"life_stage": "4 persons have no life_stage value."}, "n_boot": 5}]}
    safe, nulled = protect_results(results, T)
    assert safe["crosslag"][0]["nobs"] == {"all": 623, "16-29": None}
    assert safe["crosslag"][0]["rows_dropped"] == {"all": None}
    assert safe["crosslag"][0]["fit"]["df"] == 3 and safe["groups"][0]["n_boot"] == 5  # not counts of persons
    assert safe["groups"][0]["failures"]["life_stage"].startswith("fewer than 10 persons")
    assert nulled == 2 and results["crosslag"][0]["nobs"]["16-29"] == 4  # the input is not changed


def test_the_causal_sample_report_hides_a_small_reason_and_one_more():
    sample = {"person_waves_used": 1658, "persons": 617, "person_waves_considered": 3029,
              "not_used": [{"reason": "first wave", "count": 900}, {"reason": "x missing", "count": 64},
                           {"reason": "y missing", "count": 120}, {"reason": "y missing earlier", "count": 52},
                           {"reason": "stigma missing", "count": 1}, {"reason": "zero weight", "count": 234}],
              "wave_pairs": [{"from": "a", "to": "b", "rows": 1655}, {"from": "b", "to": "c", "rows": 3}],
              "words": "1,658 person-waves of 617 people were analysed, out of 3,029 person-waves in the waves "
                       "used; not used: first wave (900); x missing (64); y missing (120); y missing earlier (52); "
                       "stigma missing (1); zero weight (234)."}
    safe, cells = protect_sample(sample, threshold=T)
    assert cells == 4
    counts = [r["count"] for r in safe["not_used"]]
    assert counts == [900, 64, 120, None, None, 234]
    assert "stigma missing (suppressed)" in safe["words"] and "y missing earlier (suppressed)" in safe["words"]
    assert "(1)" not in safe["words"] and "(52)" not in safe["words"]
    assert [p["rows"] for p in safe["wave_pairs"]] == [None, None]
    assert sample["not_used"][4]["count"] == 1  # the input is not changed


def test_the_first_waves_respondents_stay_hidden_in_every_column_that_equals_them():
    # A 4-person study at the first wave: every figure about it is small, and its retention shares
    # (shares of those 4) are blanked with it.
    attr = pd.DataFrame({"wave": ["a", "b"], "respondents": [4, 300], "retained": [0, 3], "new": [4, 297],
                         "returning": [0, 0], "lost": [0, 1], "from_first_wave": [4, 3],
                         "retention_pct": [100.0, 75.0]})
    _, also = panel_table_masks(pd.DataFrame(), attr, threshold=T, persons=301, person_waves=304)
    safe, _ = suppress_counts(attr, ("respondents", "retained", "new", "returning", "lost", "from_first_wave"),
                              threshold=T, dependent={"from_first_wave": ("retention_pct",)}, also=also)
    assert safe.loc[0, "respondents"] is None and safe.loc[0, "from_first_wave"] is None
    assert safe["retention_pct"].isna().all()
    # 297 new at wave b would give back the 4 at wave a (301 persons in all): one more is hidden.
    assert safe.loc[1, "new"] is None


def test_persons_without_a_life_stage_cannot_be_had_from_the_waves_total():
    """Wave a: 300 + 500 + 195 in life stages and 5 without one; 1000 - 995 would say 5 have no life stage."""
    desc = pd.DataFrame([{"wave": "a", "life_stage": s, "respondents": n, "construct": "loneliness", "n": n}
                         for s, n in (("16-29", 300), ("30-64", 500), ("65+", 195))])
    attr = pd.DataFrame({"wave": ["a"], "respondents": [1000], "retained": [0], "new": [1000], "returning": [0],
                         "lost": [0]})
    also_desc, _ = panel_table_masks(desc, attr, threshold=T, persons=1000, person_waves=1000)
    safe, _ = suppress_counts(desc, ("n", "respondents"), threshold=T, also=also_desc)
    assert safe["respondents"].tolist() == [300, 500, None]  # 195 + 5 unknown: no small group
    # Without the 5 (everyone has a life stage), nothing needs hiding.
    also_desc, _ = panel_table_masks(desc, attr.assign(respondents=995, new=995), threshold=T, persons=995,
                                     person_waves=995)
    assert not any(m.any() for m in also_desc.values())


def test_group_sizes_do_not_give_back_the_persons_without_a_group():
    """Life stages 500 + 2,000 + 40 and 5 persons without one (their sum, 2,545, is the model's N shown elsewhere)."""
    import pandas as pd

    from analysis.runs.disclosure import hide_group_sizes

    rows = [("life_stage", g, n, p) for g, n in (("16-29", 500), ("30-64", 2000), ("65+", 40))
            for p in ("x_to_y", "y_to_x")]
    rows += [("stigma_group", g, n, p) for g, n in (("low", 1200), ("high", 1345)) for p in ("x_to_y", "y_to_x")]
    table = pd.DataFrame(rows, columns=["grouping", "group", "n", "path"]).assign(est=0.1)
    safe, cells = hide_group_sizes(table, {"life_stage": 5, "stigma_group": 0}, threshold=10)
    hidden = safe[safe["n"].isna()]
    assert set(hidden["group"]) == {"65+"} and cells == 2  # the smallest group, both its rows
    assert safe["est"].notna().all()  # the estimates stay
    shown = safe[(safe["grouping"] == "life_stage") & safe["n"].notna()].drop_duplicates("group")["n"].sum()
    assert 2545 - shown == 45  # the model's N less the sizes shown: 65+ and the 5 together, not the 5
    assert safe[safe["grouping"] == "stigma_group"]["n"].notna().all()
    untouched, none = hide_group_sizes(table, {"life_stage": 12}, threshold=10)
    assert none == 0 and untouched["n"].notna().all()
