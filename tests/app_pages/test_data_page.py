"""The Data page: respondents, attrition and score distributions by group, with labels and disclosure control."""

from __future__ import annotations

import pandas as pd
from app_support import DEMO_N, joined


def _frames(at) -> list[pd.DataFrame]:
    return [d.value for d in at.dataframe]


def test_data_page_shows_respondents_attrition_and_groups(app):
    at = app("data")
    assert not at.exception and not at.error
    headers = [h.value for h in at.header]
    assert "Respondents by wave, and who left" in headers
    assert "Scores by life stage and stigma group" in headers
    people = next(m for m in at.metric if m.label == "People")
    assert people.value == f"{DEMO_N:,}"
    attrition = _frames(at)[0]
    assert list(attrition.columns[:3]) == ["Wave", "Respondents", "Stayed"]
    assert attrition["Respondents"].iloc[0] == DEMO_N
    # Groups by their labels, not codes; a distribution figure.
    stats = _frames(at)[1]
    assert set(stats["Group"]) == {"16-29", "30-64", "65+"}
    assert at.get("imgs") or at.get("image")
    assert "Each box spans the middle half" in joined(at, "caption")


def test_no_individual_rows_unless_asked(app):
    at = app("data")
    assert at.checkbox(key="show_rows").value is False
    assert all("id" not in f.columns for f in _frames(at))
    assert "not shown unless you ask" in joined(at, "caption")
    at.checkbox(key="show_rows").check().run()
    assert not at.exception
    assert "individual people's records" in joined(at, "warning")
    rows = _frames(at)[-1]
    assert len(rows) == 10 and "id" not in rows.columns


def test_stigma_groups_are_shown_by_label(app):
    at = app("data")
    at.selectbox(key="data_construct").set_value("loneliness")
    at.radio(key="data_grouping").set_value("stigma_group").run()
    assert not at.exception
    stats = _frames(at)[1]
    assert set(stats["Group"]) == {"low", "medium", "high"}
    assert set(stats["Wave"]) == {"a", "b", "c", "d", "e"}


def test_small_groups_are_suppressed(app, monkeypatch):
    monkeypatch.setenv("WORKBENCH_DEMO_N", "60")
    at = app("data")
    assert not at.exception
    stats = _frames(at)[1]
    assert "suppressed" in stats.columns
    hidden = stats[stats["suppressed"]]
    assert len(hidden) >= 1
    assert hidden["People"].isna().all() and hidden["Mean"].isna().all() and hidden["Median"].isna().all()
    assert (stats.loc[~stats["suppressed"], "People"] >= 10).all()


def test_no_blanked_group_can_be_worked_out_from_the_totals_shown(app, monkeypatch):
    """Secondary suppression on the page (issue 17): the everyone view's count at a wave less the groups shown
    is nobody, or at least 10 people; the attrition table never has one blank in respondents = stayed + new +
    came back; no count shown is below 10."""
    monkeypatch.setenv("WORKBENCH_DEMO_N", "60")
    at = app("data")
    at.selectbox(key="data_construct").set_value("loneliness")
    at.radio(key="data_grouping").set_value("").run()
    assert not at.exception
    attrition, everyone = _frames(at)[0], _frames(at)[1]
    parts = attrition[["Respondents", "Stayed", "New", "Came back"]].isna().sum(axis=1)
    assert (parts != 1).all() and parts.sum() > 0
    at.radio(key="data_grouping").set_value("life_stage").run()
    stages = _frames(at)[1]
    checked = 0
    for wave, total in zip(everyone["Wave"], everyone["People"]):
        if pd.isna(total):
            continue
        rest = total - pd.to_numeric(stages.loc[stages["Wave"] == wave, "People"]).fillna(0).sum()
        assert rest == 0 or rest >= 10, (wave, rest)
        checked += 1
    assert checked
    for table, columns in ((attrition, ["Respondents", "Stayed", "New", "Came back", "Left"]),
                           (everyone, ["People"]), (stages, ["People"])):
        counts = table[columns].apply(pd.to_numeric, errors="coerce")
        assert counts.notna().any().any()
        assert not ((counts > 0) & (counts < 10)).any().any()
