"""The Across studies page: built-in yearly and two-yearly cohorts pooled on one time scale, in words first."""

from __future__ import annotations

from app_support import joined


def test_asks_before_pooling(app):
    at = app("pool")
    assert not at.exception
    assert "Pool the studies" in joined(at, "info")


def test_pools_the_built_in_studies_in_words_plot_and_tables(app):
    at = app("pool").button[0].click().run()
    assert not at.exception and not at.error
    words = joined(at, "markdown")
    assert "Across two studies, with every effect put on a one-year interval" in words
    assert "the studies agree" in words or "the studies differ" in words
    assert at.get("imgs") or at.get("image"), "the forest plot"
    studies = at.dataframe[0].value
    assert set(studies["Study"]) == {"UKHLS-like (yearly)", "ELSA-like (two-yearly)"}
    assert list(studies["Years between waves"].unique()) == [1.0, 2.0] and (studies["People"] >= 10).all()
    pooled = at.dataframe[1].value
    assert list(pooled["Effect"]) == ["loneliness → distress", "distress → loneliness"]


def test_one_study_is_not_enough(app):
    at = app("pool")
    at.checkbox(key="pool_ELSA-like (two-yearly)").uncheck()
    at = at.button[0].click().run()
    assert not at.exception
    assert "at least two studies" in joined(at, "warning")
