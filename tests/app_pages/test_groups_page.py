"""The Compare groups page: life stages and each stigma measure, forest plots, tests in words."""

from __future__ import annotations

from app_support import joined, texts


def _compare(at, grouping: str):
    at.radio(key="gr_grouping").set_value(grouping)
    return at.button[0].click().run()


def test_asks_before_comparing_and_starts_with_life_stage(app):
    at = app("groups")
    assert not at.exception
    assert at.radio(key="gr_grouping").value == "life_stage"
    assert "press **Compare groups**" in joined(at, "info")


def test_life_stage_comparison_in_words_plot_and_tables(app):
    at = _compare(app("groups"), "life_stage")
    assert not at.exception and not at.error
    words = joined(at, "info")
    assert "life stage groups" in words and "life_stage" not in words
    assert at.get("imgs") or at.get("image"), "the forest plot"
    tests = at.dataframe[0].value
    assert list(tests["Equal across groups?"]) == ["loneliness → later GHQ-12 distress",
                                                   "GHQ-12 distress → later loneliness", "both directions together"]
    sentences = [m for m in texts(at, "markdown") if m.startswith("- **Is the")]
    assert len(sentences) == 3 and all("life stage?**" in m and ": " in m for m in sentences)
    assert "pair of links, taken together," in sentences[2]
    estimates = at.dataframe[1].value
    assert set(estimates["Group"]) == {"16-29", "30-64", "65+"}
    assert (estimates["People"].str.replace(",", "").astype(int) >= 10).all()  # shown for people: "1,083"
    headline = next(m for m in texts(at, "markdown") if m.startswith("#### "))
    assert "The link" in headline and "ghq_likert" not in headline
    assert "cross-lagged effect" in joined(at, "caption")


def test_each_stigma_measure_and_all_groupings(app):
    at = _compare(app("groups"), "discrimination_group")
    assert not at.exception and not at.error
    assert set(at.dataframe[1].value["Group"]) == {"none", "some", "frequent"}
    at = _compare(at, "__all__")
    assert not at.exception and not at.error
    tests = at.dataframe[0].value
    assert set(tests["Grouping"]) == {"life stage", "perceived stigma group", "experienced discrimination group",
                                      "diagnosed condition"}
    assert "p (Holm)" in tests.columns
    assert len(at.info) == 4, "one interpretation per grouping"
