"""score_distribution: the spread of one construct's scores by wave and group (the dashboard's Data page)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from data_support import SPEC_OF

from analysis.data import load_panel
from analysis.data.describe import DISTRIBUTION_COLUMNS, EVERYONE, score_distribution
from analysis.errors import DataError


@pytest.fixture(scope="module")
def panel(cohort_dirs):
    return load_panel(SPEC_OF["ukhls"], data=cohort_dirs[("ukhls", "dta")])


def _expected(long: pd.DataFrame, construct: str, keys: list[str]) -> pd.DataFrame:
    g = long.dropna(subset=[construct, *keys]).groupby(keys, observed=True, sort=True)[construct]
    out = pd.DataFrame({"n": g.size(), "mean": g.mean(), "sd": g.std(ddof=1),
                        **{name: g.quantile(q) for name, q in
                           (("p10", 0.1), ("p25", 0.25), ("median", 0.5), ("p75", 0.75), ("p90", 0.9))}})
    return out.reset_index()


def test_by_grouping_matches_pandas(panel):
    got = score_distribution(panel, "ghq_likert", by="life_stage")
    assert list(got.columns) == list(DISTRIBUTION_COLUMNS)
    want = _expected(panel.long, "ghq_likert", ["wave", "life_stage"])
    assert list(got["wave"]) == [str(w) for w in want["wave"]]
    assert list(got["group"]) == [str(g) for g in want["life_stage"]]
    assert list(got["n"]) == list(want["n"])
    for c in ("mean", "sd", "p10", "p25", "median", "p75", "p90"):
        np.testing.assert_allclose(got[c].to_numpy(float), want[c].to_numpy(float), rtol=1e-12, err_msg=c)
    # Ordered groups keep their order within each wave.
    first = got[got["wave"] == got["wave"].iloc[0]]["group"].tolist()
    assert first == [g for g in panel.long["life_stage"].cat.categories if g in first]


def test_everyone_together(panel):
    got = score_distribution(panel, "loneliness")
    want = _expected(panel.long, "loneliness", ["wave"])
    assert (got["group"] == EVERYONE).all()
    assert list(got["wave"]) == [str(w) for w in want["wave"]] and list(got["n"]) == list(want["n"])
    np.testing.assert_allclose(got["median"].to_numpy(float), want["median"].to_numpy(float), rtol=1e-12)


def test_unknown_names_are_refused_with_a_suggestion(panel):
    with pytest.raises(DataError, match=r"unknown construct 'lonliness'; did you mean 'loneliness'\?"):
        score_distribution(panel, "lonliness")
    with pytest.raises(DataError, match=r"unknown grouping 'age'"):
        score_distribution(panel, "loneliness", by="age")


# -- disclosure control of what the dashboard shows (issue 17) -----------------------

T = 10


def unrecoverable(views: dict, raw: dict, threshold: int = T) -> list[str]:
    """Ways a reader of every view could learn a group of fewer than ``threshold`` people.

    Independent of the library's bookkeeping: for each grouping and wave, the everyone
    view's count is the sum of the groups' counts and of the people without a group (never
    shown).  With the total shown, the unknown rest (total less the counts shown) must be 0
    or at least ``threshold``; with the total hidden, the groups shown must not give it back.
    Also: no count shown is small, and a hidden row shows none of its statistics.
    """
    problems = []
    everyone, raw_everyone = views[None], raw[None]
    for g, table in views.items():
        for col in ("mean", "sd", "p10", "median", "p90"):
            if table.loc[table["n"].isna(), col].notna().any():
                problems.append(f"{g}: a hidden row shows its {col}")
        shown = pd.to_numeric(table["n"], errors="coerce")
        if ((shown > 0) & (shown < threshold)).any():
            problems.append(f"{g}: a small count is shown")
        if g is None:
            continue
        for w in raw_everyone["wave"]:
            total_raw = int(raw_everyone.loc[raw_everyone["wave"] == w, "n"].iloc[0])
            total = everyone.loc[everyone["wave"] == w, "n"].iloc[0]
            rows, raw_rows = table[table["wave"] == w], raw[g][raw[g]["wave"] == w]
            without = total_raw - int(raw_rows["n"].sum())
            shown_sum = int(pd.to_numeric(rows["n"], errors="coerce").fillna(0).sum())
            n_hidden = int(rows["n"].isna().sum())
            if total is not None and not pd.isna(total):
                rest = int(total) - shown_sum
                if 0 < rest < threshold:
                    problems.append(f"{g} at {w}: the {rest} people not shown are a small group")
            elif n_hidden == 0 and without == 0 and total_raw > 0:
                problems.append(f"{g} at {w}: the groups shown add up to the hidden total")
    return problems


@pytest.fixture(scope="module")
def tiny_panel(tmp_path_factory):
    """60 people over 5 waves: small life stages and stigma groups at most waves."""
    from analysis.synth import write_cohort

    folder = tmp_path_factory.mktemp("tiny") / "cohort"
    write_cohort(cohort="ukhls", n=60, waves=5, seed=1, fmt="dta", out=folder)
    return load_panel(SPEC_OF["ukhls"], data=folder)


def test_no_small_group_can_be_read_or_worked_out_on_the_data_page(tiny_panel):
    from analysis.data.describe import protect_distributions, protected_counts

    for construct in ("loneliness", "ghq_likert", "perceived_stigma"):
        views = protect_distributions(tiny_panel, construct, threshold=T)
        raw = {g: score_distribution(tiny_panel, construct, by=g) for g in views}
        assert set(views) == {None, *tiny_panel.groupings}
        assert not unrecoverable(views, raw), unrecoverable(views, raw)
        # Something is hidden beyond the small counts themselves (secondary cells), and what is shown is exact.
        small = sum(int(((t["n"] > 0) & (t["n"] < T)).sum()) for t in raw.values())
        assert sum(int(t["suppressed"].sum()) for t in views.values()) > small > 0
        for g, table in views.items():
            kept = ~table["suppressed"].to_numpy()
            assert list(table.loc[kept, "n"]) == list(raw[g].loc[kept, "n"])
            np.testing.assert_array_equal(table.loc[kept, "median"].to_numpy(float),
                                          raw[g].loc[kept, "median"].to_numpy(float))
        # score_distribution(threshold=...) is the same view.
        pd.testing.assert_frame_equal(score_distribution(tiny_panel, construct, by="life_stage", threshold=T),
                                      views["life_stage"])
    # The wave's respondents, blanked in the attrition table, are not given back by the people with a score.
    counts = protected_counts(tiny_panel, threshold=T)
    everyone = protect_distributions(tiny_panel, "loneliness", threshold=T)[None]
    assert counts.hidden_respondents
    assert everyone.loc[everyone["wave"].isin(counts.hidden_respondents), "n"].isna().all()


def test_the_raw_tables_would_have_shown_a_small_group(tiny_panel):
    """The check above can fail: the unprotected views give small groups away."""
    raw = {g: score_distribution(tiny_panel, "loneliness", by=g) for g in (None, *tiny_panel.groupings)}
    assert unrecoverable(raw, raw)


def test_people_without_a_group_are_protected_though_never_shown():
    """100 people at a wave: 40 young, 55 old and 5 without a life stage; 100 - 40 - 55 would give the 5 away."""
    from types import SimpleNamespace

    from analysis.data.attrition import attrition_table
    from analysis.data.describe import protect_distributions

    stage = pd.Categorical(["young"] * 40 + ["old"] * 55 + [None] * 5, categories=["young", "old"], ordered=True)
    long = pd.DataFrame({"id": np.arange(100), "wave": "a", "score": np.linspace(0, 1, 100), "life_stage": stage})
    panel = SimpleNamespace(long=long, groupings=("life_stage",), constructs=("score",), waves=("a",),
                            attrition=attrition_table(long, ("a",), weighted=False))
    views = protect_distributions(panel, "score", threshold=T)
    assert views[None]["n"].tolist() == [100]
    assert views["life_stage"]["n"].tolist() == [None, 55]  # the smaller group goes with them: 45 unknown
    raw = {g: score_distribution(panel, "score", by=g) for g in views}
    assert not unrecoverable(views, raw)
    assert unrecoverable(raw, raw) == ["life_stage at a: the 5 people not shown are a small group"]


def test_headline_counts_and_attrition_as_a_run_publishes_them(tiny_panel):
    from analysis.data.attrition import ATTRITION_DEPENDENT
    from analysis.data.describe import protected_counts
    from analysis.runs.disclosure import panel_table_masks, suppress_counts

    counts = protected_counts(tiny_panel, threshold=T)
    assert counts.persons == 60 and counts.person_waves == len(tiny_panel.long)
    attrition = tiny_panel.attrition
    ints = [c for c in attrition.columns if pd.api.types.is_integer_dtype(attrition[c])]
    _, also = panel_table_masks(pd.DataFrame(), attrition, threshold=T, persons=60,
                                person_waves=len(tiny_panel.long))
    want, _ = suppress_counts(attrition, ints, threshold=T, dependent=ATTRITION_DEPENDENT, also=also)
    pd.testing.assert_frame_equal(counts.attrition, want)
    shown = counts.attrition[ints].apply(pd.to_numeric, errors="coerce")
    assert not ((shown > 0) & (shown < T)).any().any()
    # respondents = retained + new + returning: never exactly one blank in a row.
    parts = counts.attrition[["respondents", "retained", "new", "returning"]].isna().sum(axis=1)
    assert not (parts == 1).any()
    few = protected_counts(_one_wave_panel(7), threshold=T)
    assert few.persons is None and few.person_waves is None


def _one_wave_panel(n: int):
    from types import SimpleNamespace

    from analysis.data.attrition import attrition_table

    long = pd.DataFrame({"id": np.arange(n), "wave": "a"})
    return SimpleNamespace(long=long, attrition=attrition_table(long, ("a",), weighted=False))


def test_answers_treated_as_missing_are_blanked_when_few(tiny_panel):
    from analysis.data.describe import missing_reasons

    table = missing_reasons(tiny_panel, threshold=T)
    waves = [c for c in table.columns if c not in ("reason", "suppressed")]
    values = table[waves].apply(pd.to_numeric, errors="coerce")
    assert not ((values > 0) & (values < T)).any().any()
    assert table["suppressed"].any() and values.isna().any().any()
