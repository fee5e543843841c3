"""The crossed headline's rules: clear interaction, clear main difference only, nothing clear, untested."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from analysis.reporting.crossed_headline import crossed_headline, crossed_sentences, interaction_state

HERE = str(Path(__file__).resolve().parent)
if HERE not in sys.path:
    sys.path.insert(0, HERE)

from crossed_records import STAGES, STD, STIGMA, block, lrt  # noqa: E402


def test_a_clear_interaction_names_the_life_stage_where_stigma_matters_most():
    h = crossed_headline(block())
    assert h.sentences[0] == ("The link from loneliness to later GHQ-12 distress differs between stigma groups more "
                              "in people aged 16–29 than in other life stages.")
    # the other direction: no interaction, no main difference
    assert h.sentences[1] == ("The link from GHQ-12 distress to later loneliness does not clearly differ between "
                              "life stages or stigma groups, alone or in combination.")
    assert h.words <= 60
    assert any("not proof of cause" in c for c in h.caveats)


def test_with_two_life_stages_the_other_one_is_named():
    std = {k: v for k, v in STD.items() if k[0] != "30-64"}
    b = block(std=std, levels={"life_stage": ["16-29", "65+"], "stigma_group": STIGMA})
    assert crossed_sentences(b)[0].endswith("more in people aged 16–29 than in people aged 65+.")


def test_the_largest_spread_decides_not_the_first_level():
    std = {**STD, ("16-29", "high"): 0.06, ("65+", "high"): 0.5}
    assert "more in people aged 65+ than in other life stages" in crossed_sentences(block(std=std))[0]


def test_a_hidden_cell_is_left_out_and_too_few_cells_name_no_group():
    std = dict(STD)
    b = block(std=std)
    b["groups"]["16-29 × high"] = {"n": None, "x_to_y": None, "y_to_x": None, "suppressed": True}
    # 16-29 now spans 0.05-0.15 (0.10), still the widest of the three
    assert "more in people aged 16–29" in crossed_sentences(b)[0]
    for cell in list(b["groups"]):
        if not cell.startswith("16-29"):
            b["groups"][cell]["x_to_y"] = None
    assert crossed_sentences(b)[0] == ("How the link from loneliness to later GHQ-12 distress differs between stigma "
                                       "groups is not the same in every life stage.")


def test_no_interaction_but_a_main_difference_says_it_does_not_depend_on_life_stage():
    std = {(a, b): {"low": 0.05, "medium": 0.1, "high": 0.2}[b] for a in STAGES for b in STIGMA}
    sentences = crossed_sentences(block(inter=(0.7, 0.6), main_stigma=(0.002, 0.4), std=std))
    assert sentences[0] == ("The link from loneliness to later GHQ-12 distress is stronger in people with high "
                            "perceived stigma, and the data do not show that this depends on life stage.")
    assert len(sentences) == 2 and "GHQ-12 distress to later loneliness does not clearly differ" in sentences[1]


def test_nothing_clear_is_one_sentence_for_both_directions():
    h = crossed_headline(block(inter=(0.3, 0.9)))
    assert h.sentences == ("The links do not clearly differ between life stages or stigma groups, alone or in "
                           "combination.",)


def test_holm_adjusted_p_decides():
    b = block(inter=(0.2, 0.9))
    b["group_tests"]["interaction"]["x_to_y"]["pvalue"] = 0.01  # clear before the adjustment only
    assert interaction_state(b, "x_to_y") == "unclear"
    assert "more in" not in crossed_headline(b).text


def test_an_untested_interaction_is_never_said_to_be_absent():
    b = block(inter=(None, None))
    assert interaction_state(b, "x_to_y") == "untested"
    h = crossed_headline(b)
    assert "alone or in combination" not in h.text and "depends on" not in h.text
    assert h.sentences == ("The links do not clearly differ between life stages or stigma groups.",)
    assert "could not be tested" in h.caveats[0]
    b = block(inter=(float("nan"), 0.5), main_stigma=(0.01, 0.5))
    text = crossed_headline(b).sentences[0]
    assert text.startswith("The link from loneliness to later GHQ-12 distress is stronger in people with ")
    assert text.endswith("perceived stigma.")


def test_three_groupings_use_the_test_of_every_interaction():
    levels = {"life_stage": STAGES, "stigma_group": ["low", "high"], "diagnosed_condition": ["none", "cmd"]}
    std = {(f"{a} × {b}", c): 0.1 for a in STAGES for b in ("low", "high") for c in ("none", "cmd")}
    b = block(std={}, levels=levels, groupings=("life_stage", "stigma_group", "diagnosed_condition"))
    b["groups"] = {f"{ab} × {c}": {"n": 100, "x_to_y": {"std": s}, "y_to_x": {"std": s}} for (ab, c), s in std.items()}
    text = crossed_headline(b).sentences[0]
    assert text == ("The link from loneliness to later GHQ-12 distress differs by life stage, stigma group and "
                    "diagnosed condition in combination: the differences by one are not the same in every group of "
                    "the others.")


@pytest.mark.parametrize("inter", [(0.01, 0.01), (0.5, 0.5), (None, 0.01)])
def test_plain_words_only(inter):
    text = crossed_headline(block(inter=inter)).summary()
    assert not re.search(r"\de[-+]?\d", text)
    assert "_" not in text and "x_to_y" not in text and "p =" not in text


def test_a_main_difference_that_could_not_be_computed_is_not_ruled_out():
    b = block(inter=(0.3, 0.9), main_stage=(None, 0.5))
    h = crossed_headline(b)
    assert h.sentences == ("The links do not clearly differ between life stages or stigma groups.",)
    assert h.caveats[0] == ("Some tests of the link from loneliness to later GHQ-12 distress could not be computed "
                            "(see the notes), so a difference there is not ruled out.")


def test_with_only_the_interaction_fitted_nothing_is_said_about_main_differences():
    b = block(inter=(0.3, 0.9))
    del b["group_tests"]["main"], b["group_tests"]["omnibus"]
    assert crossed_sentences(b) == ("How the links differ between stigma groups does not clearly change across "
                                    "life stages.",)
    b["group_tests"]["interaction"]["x_to_y"] = lrt(0.001)
    assert crossed_sentences(b)[1] == ("How the link from GHQ-12 distress to later loneliness differs between stigma "
                                       "groups does not clearly change across life stages.")
