"""Rules of thumb and their words: boundaries of each cut-off and the sentences people read."""

from __future__ import annotations

import math

import pytest

from analysis import interpret
from analysis.interpret import (effect_size_scale, effect_size_words, excludes_zero, fit_rule, fit_verdict,
                                fit_words, format_p, number, p_stars, p_words, significant, star_levels)

GOOD = {"cfi": 0.97, "tli": 0.96, "rmsea": 0.04, "srmr": 0.03}


def test_the_published_cut_offs():
    assert dict(interpret.FIT_GOOD) == {"cfi": 0.95, "tli": 0.95, "rmsea": 0.06, "srmr": 0.08}
    assert dict(interpret.FIT_ACCEPTABLE) == {"cfi": 0.90, "rmsea": 0.08}
    assert dict(interpret.EFFECT_SIZES) == {"small": 0.03, "medium": 0.07, "large": 0.12}
    assert interpret.ALPHA == 0.05 and interpret.STAR_LEVELS == (0.05, 0.01, 0.001)


@pytest.mark.parametrize("change, verdict", [
    ({}, "good"),
    ({"cfi": 0.95, "rmsea": 0.06, "srmr": 0.08}, "good"),  # the cut-offs themselves are good fit
    ({"srmr": None}, "good"),  # a missing SRMR does not count against the model
    ({"srmr": math.nan}, "good"),
    ({"cfi": 0.9499}, "acceptable"),
    ({"rmsea": 0.0601}, "acceptable"),
    ({"srmr": 0.0801}, "acceptable"),
    ({"cfi": 0.90, "rmsea": 0.08}, "acceptable"),
    ({"cfi": 0.8999}, "poor"),
    ({"rmsea": 0.0801}, "poor"),
    ({"cfi": None}, None),
    ({"rmsea": math.nan}, None),
])
def test_fit_verdict_at_the_boundaries(change, verdict):
    assert fit_verdict({**GOOD, **change}) == verdict


def test_fit_words_name_the_rules_and_the_verdict():
    rules = "By common rules of thumb (CFI ≥ .95, RMSEA ≤ .06, SRMR ≤ .08; Hu & Bentler 1999) the model "
    tail = " With thousands of people the chi-square test rejects even small misfit."
    assert fit_words(GOOD) == rules + "fits the data well." + tail
    assert fit_words({**GOOD, "rmsea": 0.07}) == rules + "fits the data acceptably." + tail
    assert fit_words({**GOOD, "cfi": 0.85}) == rules + "does not fit the data well." + tail
    assert fit_words({"chisq": 3.0}) == ""
    assert interpret.FIT_MISSING == "Fit indices could not be computed for this model."


def test_fit_rule_per_index():
    assert [fit_rule(k) for k in ("cfi", "tli", "rmsea", "srmr")] == [
        "0.95 or more", "0.95 or more", "0.06 or less", "0.08 or less"]
    with pytest.raises(ValueError, match="index must be one of cfi, tli, rmsea, srmr, not 'aic'"):
        fit_rule("aic")  # type: ignore[arg-type]


@pytest.mark.parametrize("std, words", [
    (0.0, "very small"), (0.0299, "very small"), (-0.0299, "very small"),
    (0.03, "small"), (-0.03, "small"), (0.0699, "small"),
    (0.07, "medium-sized"), (0.1199, "medium-sized"),
    (0.12, "large (for a cross-lagged effect)"), (-0.5, "large (for a cross-lagged effect)"),
])
def test_effect_size_words_at_the_boundaries(std, words):
    assert effect_size_words(std) == words


def test_effect_size_scale_in_both_styles():
    assert effect_size_scale() == "0.03 small, 0.07 medium, 0.12 large"
    assert effect_size_scale(leading_zero=False) == ".03 small, .07 medium, .12 large"
    assert effect_size_scale(verb=True) == "0.03 is small, 0.07 medium, 0.12 large"


def test_number_drops_the_leading_zero_only_below_one():
    assert number(0.95) == "0.95" and number(0.95, leading_zero=False) == ".95"
    assert number(-0.1, leading_zero=False) == "-.1"
    assert number(10.0, leading_zero=False) == "10" and number(1.0, leading_zero=False) == "1"


def test_excludes_zero():
    assert excludes_zero(0.01, 0.2) and excludes_zero(-0.3, -0.001)
    assert not excludes_zero(-0.1, 0.1) and not excludes_zero(0.0, 0.2) and not excludes_zero(-0.2, 0.0)


def test_significance_and_p_formatting():
    assert significant(0.0499) and not significant(0.05) and not significant(math.nan)
    assert significant(0.09, alpha=0.1) and not significant(0.01, alpha=0.01)
    assert format_p(0.0009) == "p < 0.001" and format_p(0.001) == "p = 0.0010" and format_p(0.5) == "p = 0.50"


@pytest.mark.parametrize("p, words", [
    (0.0001, "p < 0.001: a difference this large would be unusual if there were none"),
    (0.0499, "p = 0.050: a difference this large would be unusual if there were none"),
    (0.05, "p = 0.050: no clear evidence of a difference"),
    (0.34, "p = 0.34: no clear evidence of a difference"),
    (math.nan, "could not be computed"),
])
def test_p_words(p, words):
    assert p_words(p) == words


@pytest.mark.parametrize("p, stars", [
    (0.0009, "***"), (0.001, "**"), (0.0099, "**"), (0.01, "*"), (0.0499, "*"), (0.05, ""), (0.9, ""),
    (None, ""), (math.nan, ""),
])
def test_p_stars(p, stars):
    assert p_stars(p) == stars
    assert star_levels() == ".05, .01 and .001"


@pytest.mark.parametrize("value, shown", [
    (0.444, "0.44"), (0.0253, "0.025"), (13.548, "13.55"), (149299.6, "149,300"), (-0.0000698, "about 0"),
    (3.72e-05, "about 0"), (-0.000634, "-0.00063"), (0.996, "1.00"), (5000, "5,000"), (None, "—"),
    (math.nan, "—"), (0.10, "0.10"), (-0.0004, "-0.00040"), (0.0, "0"),
])
def test_readable_numbers_for_people(value, shown):
    from analysis.interpret import readable

    assert readable(value) == shown
    assert "e-" not in readable(value) and readable(value) not in ("0.000", "-0.000", "-0.00")


def test_p_text_and_numbers_in_sentences():
    from analysis.interpret import p_text, plain_numbers

    assert p_text(1.69e-10) == "less than 0.001" and p_text(0.0069) == "0.0069" and p_text(0.39) == "0.39"
    assert plain_numbers("chisq 1029.22, df 3, p 8.27e-223") == "chisq 1029.22, df 3, p less than 0.001"
    assert plain_numbers("moved to 3.72e-05") == "moved to about 0"


def test_effect_size_meaning_names_its_source():
    from analysis.interpret import effect_size_meaning

    text = effect_size_meaning(0.118, source="loneliness", target="GHQ-12 distress")
    assert text.startswith("A standardized effect of 0.118 is medium-sized for a cross-lagged effect (Orth et al. "
                           "2022: 0.03 small, 0.07 medium, 0.12 large)")


def test_a_fit_with_negative_df_or_a_negative_variance_is_never_fine():
    from analysis.interpret import fit_problems

    assert fit_problems({"df": 33}, converged=True) == ()
    assert fit_problems({"df": -3, "chisq": 2e-11}, converged=True) == ("not identified (-3 degrees of freedom)",)
    assert fit_problems({"df": 3}, converged=False) == ("did not converge",)
    bad = [{"lhs": "RIx", "op": "~~", "rhs": "RIx", "est": -0.2}, {"lhs": "a", "op": "~~", "rhs": "b", "est": -1}]
    assert fit_problems({"df": 3}, converged=True, parameters=bad) == ("inadmissible (a negative variance)",)


def test_std_text_agrees_with_the_size_word():
    from analysis.interpret import std_text

    assert std_text(0.118) == "0.118"  # medium; "0.12" would read as the large benchmark
    assert std_text(0.098) == "0.10" and std_text(0.13) == "0.13" and std_text(-0.05) == "-0.05"
    assert std_text(0.0296) == "0.030"  # very small, but "0.03" would read as small
