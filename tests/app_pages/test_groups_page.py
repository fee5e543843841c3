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


# -- crossed groupings (issue 20) --------------------------------------------------------------------------------

RAW = ("life_stage", "stigma_group", "diagnosed_condition", "x_to_y", "y_to_x", "ghq_likert", "pvalue")


def _crossed(at, groupings=None, leave=None):
    at.radio(key="gr_view").set_value("crossed").run()
    if groupings is not None:
        at.multiselect(key="grc_groupings").set_value(groupings)
    if leave is not None:
        at.multiselect(key="grc_exclude").set_value(leave)
    return at.button[0].click().run()


def test_crossed_view_asks_first_and_names_a_refused_cell_in_plain_words(app):
    at = app("groups")
    at.radio(key="gr_view").set_value("crossed").run()
    assert not at.exception
    assert at.multiselect(key="grc_groupings").value == ["life_stage", "stigma_group"]
    assert "press **Compare crossed groups**" in joined(at, "info")
    at = _crossed(at, ["life_stage", "diagnosed_condition"])  # 600 people: too few with a condition
    assert not at.exception
    error = joined(at, "error")
    assert "'16-29 × common mental disorder'" in error and "fewer than 20 persons" in error
    assert "life stage × diagnosed condition" in error and "--exclude-groups" not in error
    assert "Leave out these groups" in joined(at, "info")
    assert not at.get("imgs") and not at.get("image"), "nothing half-drawn after a refusal"


def test_crossed_life_stage_by_stigma_answer_first_plot_tests_and_cells(app, monkeypatch):
    monkeypatch.setenv("WORKBENCH_DEMO_N", "1200")  # 600 people leave some cells unidentified
    from app_support import REPO

    monkeypatch.syspath_prepend(str(REPO))
    from app_pages import _results

    at = _crossed(app("groups", timeout=600))
    assert not at.exception and not at.error
    headline = next(m for m in texts(at, "markdown") if m.startswith("#### "))
    assert len(headline[5:].split()) <= 60
    assert "life stage" in headline and "stigma" in headline, "the crossed answer, in words"
    assert "between stigma groups depends on life stage" in joined(at, "info"), "the interpretation"
    assert at.get("imgs") or at.get("image"), "the small-multiples forest plot"
    labels = [getattr(b, "proto", b).label for b in at.get("download_button")]
    assert "Download PNG" in labels and "Download SVG" in labels
    tests = at.dataframe[0].value
    assert list(tests["Test (likelihood ratio)"]) == [
        "The effect is the same in every cell",
        "No difference between life stages (averaged over the stigma groups)",
        "No difference between stigma groups (averaged over the life stages)",
        "No interaction: the differences between stigma groups are the same in all life stages"]
    assert "loneliness → later GHQ-12 distress: p (Holm)" in tests.columns
    assert tests["df"].tolist() == ["8", "2", "2", "4"]
    assert "Holm-adjusted p-values" in joined(at, "caption")
    assert "cells have fewer than 200 persons" in joined(at, "warning"), "small cells named"
    cells = at.dataframe[1].value
    assert len(cells) == 18 and set(cells["perceived stigma group"]) == {"low", "medium", "high"}
    assert (cells["People"].str.replace(",", "").astype(int) >= 10).all()
    page = joined(at, "markdown", "info", "warning", "caption", "error")
    frames = " ".join(" ".join(map(str, [*f.value.columns, *f.value.to_numpy().ravel()])) for f in at.dataframe)
    for raw in RAW:
        assert raw not in page and raw not in frames, raw
    fitted = _results.computations().get("crossed")
    assert fitted, "the crossed model was fitted through the store"
    at.radio(key="grc_value").set_value("est").run()  # a display change fits nothing
    assert not at.exception and _results.computations().get("crossed") == fitted
    at.multiselect(key="grc_exclude").set_value(["life_stage\t65+"])  # a whole life stage left out, by name
    at.button[0].click().run()
    assert not at.exception and not at.error
    assert "Left out on request: 65+ × low, 65+ × medium, 65+ × high." in joined(at, "warning")
    assert set(at.dataframe[1].value["life stage"]) == {"16-29", "30-64"}
    assert _results.computations().get("crossed") == fitted + 1
    at.radio(key="gr_view").set_value("single").run()
    assert not at.exception and at.radio(key="gr_grouping").value == "life_stage"


def test_crossed_view_moves_a_progress_bar_with_the_fits(app, monkeypatch):
    # compare_crossed is replaced by one that only reports progress and then refuses a cell, so no model is fitted.
    from app_support import REPO

    monkeypatch.syspath_prepend(str(REPO))
    import analysis.models.crossed as crossed_module
    from analysis.errors import ModelSpecificationError
    from app_pages import _progress

    seen, shown = [], []

    def fake(panel, *, progress=None, **kw):
        assert progress is not None, "the page passes its progress bar"
        for done in (0, 1, 2, 3):
            seen.append(done)
            progress(done, 3, "step")
        raise ModelSpecificationError("The cell '16-29 × none' has fewer than 20 persons.")

    monkeypatch.setattr(crossed_module, "compare_crossed", fake)
    original = _progress.Bar.__call__
    monkeypatch.setattr(_progress.Bar, "__call__",
                        lambda self, done, total, step=None: (shown.append((done, total, step)),
                                                               original(self, done, total, step))[1])
    at = _crossed(app("groups"), ["discrimination_group", "diagnosed_condition"])
    assert not at.exception
    assert seen == [0, 1, 2, 3]
    assert shown[0] == (0, 3, "Fitting the model in every cell of experienced discrimination group × diagnosed "
                              "condition (then 2 tests)")
    assert shown[1:] == [(0, 2, "Fitting the 2 tests' models"), (1, 2, "Fitting the 2 tests' models"),
                         (2, 2, "Fitting the 2 tests' models")]
    assert "'16-29 × none'" in joined(at, "error")
