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
