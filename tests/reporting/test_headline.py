"""The headline's wording rules: each case of direction, groups, fit and model says what it should."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from analysis.reporting.headline import (GroupDifference, Headline, Link, crosslag_headline, direction_sentence,
                                         fit_caveats, group_differences, groups_headline, headline)

X, Y = "loneliness", "ghq_likert"


def link(source=X, target=Y, *, est=0.4, lo=0.3, hi=0.5, std=0.11) -> Link:
    return Link(source=source, target=target, est=est, ci_lower=lo, ci_upper=hi, std=std)


CLEAR_XY = link()
CLEAR_YX = link(Y, X, est=0.025, lo=0.016, hi=0.035, std=0.10)
UNCLEAR_XY = link(est=0.05, lo=-0.1, hi=0.2, std=0.01)
UNCLEAR_YX = link(Y, X, est=0.002, lo=-0.01, hi=0.014, std=0.01)
GOOD_FIT = {"cfi": 0.99, "tli": 0.99, "rmsea": 0.02, "srmr": 0.02, "df": 33}


def diff(grouping="life_stage", path="x_to_y", p=0.007, holm=0.03, std=None) -> GroupDifference:
    return GroupDifference(grouping=grouping, path=path, pvalue=p, pvalue_holm=holm,
                           std=std or {"16-29": 0.2, "30-64": 0.08, "65+": 0.07})


def test_both_directions_about_equal_names_both_and_one_number_each():
    text = direction_sentence(CLEAR_XY, CLEAR_YX, model="riclpm", direction_p=0.39)
    assert text.startswith("Loneliness and GHQ-12 distress go together over time, both ways and about equally:")
    assert "higher loneliness than usual was followed by higher GHQ-12 distress (0.11 SD, medium)" in text
    assert "higher GHQ-12 distress than usual by higher loneliness (0.10 SD, medium)" in text
    assert len(re.findall(r"\d+\.\d+", text)) == 2


def test_both_directions_but_one_stronger_names_the_stronger():
    text = direction_sentence(CLEAR_XY, CLEAR_YX, model="riclpm", direction_p=0.01)
    assert "both ways, more strongly from loneliness to GHQ-12 distress:" in text
    assert "about equally" not in text
    weaker_first = link(est=0.1, lo=0.05, hi=0.15, std=0.04)
    assert "more strongly from GHQ-12 distress to loneliness" in direction_sentence(
        weaker_first, CLEAR_YX, model="riclpm", direction_p=0.01)


def test_one_direction_clear():
    text = direction_sentence(CLEAR_XY, UNCLEAR_YX, model="riclpm", direction_p=0.02)
    assert text == ("Higher loneliness than usual was followed by higher GHQ-12 distress at the next interview "
                    "(0.11 SD, medium); the data do not show a clear link from GHQ-12 distress to later loneliness.")
    other = direction_sentence(UNCLEAR_XY, CLEAR_YX, model="riclpm", direction_p=0.02)
    assert other.startswith("Higher GHQ-12 distress than usual was followed by higher loneliness")
    assert other.endswith("no clear link from loneliness to later GHQ-12 distress.".replace("no clear", "no clear")) \
        or other.endswith("the data do not show a clear link from loneliness to later GHQ-12 distress.")


def test_neither_direction_clear():
    assert direction_sentence(UNCLEAR_XY, UNCLEAR_YX, model="riclpm", direction_p=0.9) == (
        "The data do not show a clear link between loneliness and later GHQ-12 distress within people, "
        "in either direction.")
    assert "within people" not in direction_sentence(UNCLEAR_XY, UNCLEAR_YX, model="clpm", direction_p=0.9)


def test_directions_that_point_different_ways():
    negative = link(Y, X, est=-0.02, lo=-0.03, hi=-0.01, std=-0.08)
    text = direction_sentence(CLEAR_XY, negative, model="riclpm", direction_p=0.001)
    assert text.startswith("The two directions differ:")
    assert "higher GHQ-12 distress than usual was followed by lower loneliness" in text
    assert "0.08 SD, medium" in text  # sizes are shown without sign; the words carry the direction


def test_clpm_is_never_described_in_within_person_words():
    for a, b in ((CLEAR_XY, CLEAR_YX), (CLEAR_XY, UNCLEAR_YX), (UNCLEAR_XY, UNCLEAR_YX)):
        h = headline(x_to_y=a, y_to_x=b, model="clpm", direction_p=0.4, fit=GOOD_FIT)
        assert "usual" not in h.text and "within" not in h.text and "themselves" not in " ".join(h.caveats)
        assert any("between people" in c for c in h.caveats)
    text = direction_sentence(CLEAR_XY, CLEAR_YX, model="clpm", direction_p=0.4)
    assert "people with higher loneliness than others had higher GHQ-12 distress later" in text


@pytest.mark.parametrize("model", ["riclpm", "dpm"])
def test_within_person_models_say_than_usual(model):
    h = headline(x_to_y=CLEAR_XY, y_to_x=CLEAR_YX, model=model, direction_p=0.4, fit=GOOD_FIT)
    assert "than usual" in h.text
    assert any("within the same people" in c for c in h.caveats)


def test_groups_that_differ_are_named_with_the_strongest_group():
    diffs = [diff(), diff("stigma_group", std={"low": 0.1, "medium": 0.05, "high": 0.16}, p=0.03, holm=0.09),
             diff("discrimination_group", p=0.057, holm=0.11, std={"none": 0.05, "some": 0.1, "frequent": 0.12}),
             diff("life_stage", path="y_to_x", p=0.5, holm=1.0)]
    h = headline(x_to_y=CLEAR_XY, y_to_x=CLEAR_YX, model="riclpm", direction_p=0.39, differences=diffs, fit=GOOD_FIT)
    assert h.sentences[1] == ("The link from loneliness to later GHQ-12 distress is stronger in people aged 16–29 "
                              "and in people with high perceived stigma.")
    assert "discrimination" not in h.text  # p = 0.057: not said to differ
    assert "GHQ-12 distress to later loneliness" not in h.sentences[1]
    # stigma survives the first test but not the Holm adjustment over groupings: said as a caveat
    assert any("stigma groups is less certain" in c for c in h.caveats)
    assert not any("life stages is less certain" in c for c in h.caveats)
    assert h.words <= 60


def test_groups_that_do_not_differ():
    diffs = [diff(p=0.4, holm=1.0), diff("stigma_group", p=0.2, holm=0.6, std={"low": 0.1, "high": 0.1})]
    h = headline(x_to_y=CLEAR_XY, y_to_x=CLEAR_YX, model="riclpm", direction_p=0.39, differences=diffs)
    assert h.sentences[1] == "The links do not clearly differ between life stages or stigma groups."


def test_both_directions_differing_between_groups_get_a_sentence_each():
    diffs = [diff(), diff(path="y_to_x", std={"16-29": 0.05, "30-64": 0.2, "65+": 0.1})]
    h = headline(x_to_y=CLEAR_XY, y_to_x=CLEAR_YX, model="riclpm", direction_p=0.39, differences=diffs)
    assert h.sentences[1].endswith("stronger in people aged 16–29.")
    assert h.sentences[2] == "The link from GHQ-12 distress to later loneliness is stronger in people aged 30–64."


@pytest.mark.parametrize("fit, converged, admissible, words", [
    ({**GOOD_FIT, "cfi": 0.85, "rmsea": 0.12}, True, True, "does not fit the data well"),
    ({**GOOD_FIT, "df": -3}, True, True, "-3 degrees of freedom"),
    (GOOD_FIT, False, True, "did not converge"),
    (GOOD_FIT, True, False, "inadmissible"),
])
def test_misfit_and_failed_fits_come_first_in_the_caveats(fit, converged, admissible, words):
    h = headline(x_to_y=CLEAR_XY, y_to_x=CLEAR_YX, model="riclpm", direction_p=0.4, fit=fit, converged=converged,
                 admissible=admissible)
    assert words in h.caveats[0]
    assert "not proof" in h.caveats[-1]


def test_good_fit_has_no_fit_caveat():
    assert fit_caveats(fit=GOOD_FIT) == ()
    assert fit_caveats(fit=None) == ()


def test_headline_object_summary_and_short_repr():
    h = headline(x_to_y=CLEAR_XY, y_to_x=CLEAR_YX, model="riclpm", direction_p=0.4)
    assert repr(h) == f"Headline({h.words} words, 1 caveats)"
    assert h.summary().startswith(h.text) and "Caveat: These are links" in str(h)
    assert h.to_dict()["text"] == h.text
    assert isinstance(h, Headline)


def test_from_run_records_and_suppressed_groups_left_out():
    table = [{"grouping": "life_stage", "group": g, "path": p, "std_all": s}
             for g, s in (("16-29", 0.2), ("30-64", 0.08), ("65+", None)) for p in ("x_to_y", "y_to_x")]
    tests = [{"grouping": "life_stage", "test": t, "pvalue": 0.01, "pvalue_holm": 0.02}
             for t in ("x_to_y", "y_to_x", "omnibus")]
    diffs = group_differences(table, tests)
    assert [d.path for d in diffs] == ["x_to_y", "y_to_x"] and set(diffs[0].std) == {"16-29", "30-64"}
    cl = {"x": X, "y": Y, "model": "riclpm", "fit": GOOD_FIT, "converged": True,
          "parameters": [{"lhs": "RI_x", "op": "~~", "rhs": "RI_x", "est": -0.2}],
          "crosslag": {"x_to_y": {"est": 0.4, "ci_lower": 0.3, "ci_upper": 0.5, "std": 0.12},
                       "y_to_x": {"est": 0.02, "ci_lower": 0.01, "ci_upper": 0.03, "std": 0.1},
                       "direction_test": {"pvalue": 0.4}}}
    h = crosslag_headline(cl, {"x": X, "y": Y, "table": table, "tests": tests})
    assert "inadmissible" in h.caveats[0]
    assert "stronger in people aged 16–29" in h.text
    g = groups_headline({"x": X, "y": Y, "table": table, "tests": tests})
    assert g.sentences[0].startswith("The link from loneliness to later GHQ-12 distress is stronger")


def test_no_exponent_or_raw_names_in_any_headline():
    tiny = link(est=3.72e-05, lo=1e-05, hi=6e-05, std=0.0004)
    for a, b in ((tiny, CLEAR_YX), (CLEAR_XY, UNCLEAR_YX), (UNCLEAR_XY, UNCLEAR_YX)):
        h = headline(x_to_y=a, y_to_x=b, model="riclpm", direction_p=0.4, differences=[diff()])
        text = h.summary()
        assert not re.search(r"\de[-+]?\d", text)
        assert "ghq_likert" not in text and "x_to_y" not in text and "_" not in text


def _causal(est=0.32, lo=0.23, hi=0.40, verdicts=("pass", "pass", "pass", "pass"), reverse=None):
    refs = [{"name": n, "title": n.replace("_", " "), "verdict": v,
             "result": {"benchmark_used": "ghq_likert_lag"} if n == "unobserved_common_cause" else {}}
            for n, v in zip(("placebo_treatment", "random_common_cause", "data_subset", "unobserved_common_cause"),
                            verdicts)]
    return {"exposure": X, "outcome": Y, "estimate": est, "ci_lower": lo, "ci_upper": hi, "refutations": refs,
            "design": {"binary_threshold": None}, "reverse": reverse}


def test_causal_headline_states_the_effect_with_both_scales_and_the_checks():
    from analysis.reporting.headline import causal_headline

    h = causal_headline(_causal())
    assert h.sentences[0] == ("If loneliness were one point lower (UCLA-3, scored 3–9), GHQ-12 distress at the next "
                              "interview would on average be about 0.32 points lower (GHQ-12, scored 0–36).")
    assert h.sentences[1] == "It passed every check run on it."
    assert "nothing unmeasured drives both" in h.caveats[0]


def test_causal_headline_never_says_passed_when_the_confounder_bound_overturns_it():
    from analysis.reporting.headline import causal_headline

    h = causal_headline(_causal(verdicts=("pass", "pass", "pass", "caution")))
    assert "passed" not in h.text
    assert h.sentences[1] == ("Treat it with caution: an unmeasured common cause as strong as earlier GHQ-12 "
                              "distress would remove or reverse it.")
    failed = causal_headline(_causal(verdicts=("fail", "pass", "pass", "pass")))
    assert "it failed the placebo treatment check" in failed.text


def test_causal_headline_when_the_effect_is_not_clear_and_for_the_other_direction():
    from analysis.reporting.headline import causal_headline

    other = {**_causal(est=0.01, lo=-0.01, hi=0.03), "exposure": Y, "outcome": X}
    h = causal_headline(_causal(reverse=other))
    assert "The data do not show a clear effect of GHQ-12 distress on loneliness at the next interview." in h.text


def test_the_rounded_effect_never_contradicts_its_size_word():
    text = direction_sentence(link(std=0.118), CLEAR_YX, model="riclpm", direction_p=0.4)
    assert "(0.118 SD, medium)" in text  # not "0.12 SD, medium": 0.12 is the large benchmark


def test_at_most_two_groups_are_named_so_the_headline_stays_short():
    diffs = [diff(p=0.01), diff("stigma_group", p=0.03, std={"low": 0.1, "high": 0.16}),
             diff("discrimination_group", p=0.002, std={"none": 0.05, "frequent": 0.12}),
             diff("diagnosed_condition", p=0.04, std={"none": 0.05, "common mental disorder": 0.12})]
    h = headline(x_to_y=CLEAR_XY, y_to_x=CLEAR_YX, model="riclpm", direction_p=0.39, differences=diffs)
    # Two named would make 63 words: one is named and the others counted.
    assert h.sentences[1] == ("The link from loneliness to later GHQ-12 distress is stronger in people with frequent "
                              "experience of discrimination and 3 more groupings.")
    assert h.words <= 60
    from analysis.reporting.headline import groups_sentences

    two = groups_sentences(diffs, x=X, y=Y)
    assert two[0].endswith("stronger in people aged 16–29, in people with frequent experience of discrimination "
                           "and 2 more groupings.")


# -- crossed groupings (issue 20) -------------------------------------------------------------------------------

def _crossed(inter=(0.01, 0.6)):
    here = str(Path(__file__).resolve().parent)
    if here not in sys.path:
        sys.path.insert(0, here)
    from crossed_records import block

    return block(inter=inter)


def _crosslag_record():
    return {"x": X, "y": Y, "model": "riclpm", "fit": GOOD_FIT, "converged": True, "parameters": [],
            "crosslag": {"x_to_y": {"est": 0.4, "ci_lower": 0.3, "ci_upper": 0.5, "std": 0.11},
                         "y_to_x": {"est": 0.025, "ci_lower": 0.016, "ci_upper": 0.035, "std": 0.10},
                         "direction_test": {"pvalue": 0.39}}}


def test_a_run_with_only_crossed_groupings_is_headed_by_the_crossed_answer():
    from analysis.reporting.headline import run_headline

    h = run_headline({"crossed_groups": [_crossed()]})
    assert h is not None
    assert h.sentences[0].endswith("differs between stigma groups more in people aged 16–29 than in other life "
                                   "stages.")
    assert h.words <= 60 and "not proof of cause" in h.caveats[-1]
    same = run_headline({"crossed_groups": [_crossed(inter=(0.4, 0.5))]})
    assert same.text == ("The links do not clearly differ between life stages or stigma groups, alone or in "
                         "combination.")
    assert run_headline({}) is None


def test_the_crosslag_headline_adds_the_crossed_answer_and_stays_short():
    from analysis.reporting.headline import run_headline

    results = {"crosslag": [_crosslag_record()], "crossed_groups": [_crossed(inter=(0.01, 0.02))]}
    h = run_headline(results)
    assert h.sentences[0].startswith("Loneliness and GHQ-12 distress go together over time")
    assert "more in people aged 16–29 than in other life stages" in h.sentences[1]
    assert h.words <= 60  # two crossed sentences would make 71 words: the first direction's is kept
    assert len(h.sentences) == 2
    assert "within the same people" in h.caveats[-1]
    # crossed groupings of other measures are not this model's
    other = {**_crossed(), "x": "mcs"}
    assert run_headline({"crosslag": [_crosslag_record()], "crossed_groups": [other]}).sentences == (h.sentences[0],)


def test_single_groupings_give_way_to_the_crossed_answer_when_too_long():
    from analysis.reporting.headline import crosslag_headline

    table = [{"grouping": g, "group": lv, "path": p, "std_all": s} for g, levels in
             (("life_stage", {"16-29": 0.2, "30-64": 0.08}), ("stigma_group", {"low": 0.05, "high": 0.2}),
              ("discrimination_group", {"none": 0.05, "frequent": 0.2}))
             for lv, s in levels.items() for p in ("x_to_y", "y_to_x")]
    tests = [{"grouping": g, "test": t, "pvalue": 0.01, "pvalue_holm": 0.03}
             for g in ("life_stage", "stigma_group", "discrimination_group") for t in ("x_to_y", "y_to_x")]
    groups = {"x": X, "y": Y, "table": table, "tests": tests}
    without = crosslag_headline(_crosslag_record(), groups)
    assert "stronger in" in without.text  # the single groupings' rule is unchanged
    h = crosslag_headline(_crosslag_record(), groups, crossed=_crossed())
    assert h.words <= 60
    assert "differs between stigma groups more in people aged 16–29" in h.text
    assert "is stronger in people aged 16–29 and" not in h.text


def test_a_group_comparison_run_with_crossed_groupings_of_the_same_measures():
    from analysis.reporting.headline import run_headline

    table = [{"grouping": "life_stage", "group": g, "path": p, "std_all": s}
             for g, s in (("16-29", 0.2), ("30-64", 0.08)) for p in ("x_to_y", "y_to_x")]
    tests = [{"grouping": "life_stage", "test": t, "pvalue": 0.4, "pvalue_holm": 0.4} for t in ("x_to_y", "y_to_x")]
    h = run_headline({"groups": [{"x": X, "y": Y, "table": table, "tests": tests}], "crossed_groups": [_crossed()]})
    assert h.sentences[0] == "The links do not clearly differ between life stages."
    assert "more in people aged 16–29" in h.sentences[1]
    assert h.words <= 60 and "why it arises" in h.caveats[-1]
