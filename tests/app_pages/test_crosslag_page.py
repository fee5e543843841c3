"""The Cross-lag page: choose measures, model and constraints; estimates, path diagram, fit in words."""

from __future__ import annotations

from app_support import REPO, joined


def _fit(at, **choices):
    for key, value in choices.items():
        widget = {"model": at.radio, "lags": at.radio, "innovations": at.radio, "x": at.selectbox,
                  "y": at.selectbox, "compare": at.checkbox, "weighted": at.checkbox}[key](key=f"cl_{key}")
        widget.set_value(value)
    return at.button[0].click().run()


def test_asks_before_fitting(app):
    at = app("crosslag")
    assert not at.exception
    assert "press **Fit model**" in joined(at, "info")
    assert not at.metric


def test_default_riclpm_shows_words_estimates_diagram_and_fit(app):
    at = _fit(app("crosslag"))
    assert not at.exception and not at.error
    words = joined(at, "info")
    assert "random-intercept cross-lagged panel model" in words and "not proof of cause" in words
    assert "ghq_likert" not in words, "plain names, not variable codes"
    labels = [m.label for m in at.metric]
    assert "loneliness → later GHQ-12 distress (standardized)" in labels
    assert {"People", "CFI", "RMSEA", "SRMR", "AIC", "BIC"} <= set(labels)
    estimates = at.dataframe[0].value
    assert list(estimates["Path"]) == ["loneliness → later GHQ-12 distress", "GHQ-12 distress → later loneliness",
                                       "loneliness → later loneliness", "GHQ-12 distress → later GHQ-12 distress"]
    assert estimates["Estimate"].notna().all()
    assert at.get("imgs") or at.get("image"), "the path diagram"
    assert "fits the data" in joined(at, "success", "warning")
    captions = joined(at, "caption")
    for explained in ("**Estimate**", "**95% CI**", "**Standardized**", "0.95 or more is good", "lower is better"):
        assert explained in captions
    assert "Is one direction stronger" in joined(at, "markdown")


def test_clpm_with_free_lags_and_model_comparison(app):
    at = _fit(app("crosslag"), model="clpm", lags="free", compare=True)
    assert not at.exception and not at.error
    assert "cross-lagged panel model (CLPM)" in joined(at, "info")
    frames = [d.value for d in at.dataframe]
    comparison = next(f for f in frames if "AIC" in f.columns)
    assert {"CLPM", "RI-CLPM", "DPM"} <= set(comparison["model"])
    assert set(comparison["fit usable?"]) <= {"usable"} or any("not identified" in v or "did not converge" in v
                                                                for v in comparison["fit usable?"])
    headline = next(m for m in joined(at, "markdown").splitlines() if m.startswith("#### "))
    assert "usual" not in headline and "within" not in headline  # the CLPM compares people with each other
    assert "Are the effects the same at every interval?" in joined(at, "markdown")


def test_settings_survive_a_visit_to_another_page(app):
    at = _fit(app("crosslag"), model="dpm")
    at.switch_page("app_pages/data.py").run()
    at.switch_page("app_pages/crosslag.py").run()
    assert not at.exception
    assert at.radio(key="cl_model").value == "dpm"
    assert "dynamic panel model" in joined(at, "info")


def test_the_same_measure_twice_is_one_friendly_sentence(app):
    at = _fit(app("crosslag"), y="loneliness")
    assert not at.exception
    assert [e.value for e in at.error] == ["x and y must be two different constructs."]


def test_an_unexpected_failure_is_a_friendly_message_with_details(app, monkeypatch):
    monkeypatch.syspath_prepend(str(REPO))
    from app_pages import _results

    def broken(*args, **kwargs):
        raise RuntimeError("engine exploded")

    monkeypatch.setattr(_results, "fit_crosslag", broken)
    at = _fit(app("crosslag"), innovations="invariant", lags="free", model="clpm")  # not cached by other tests
    assert not at.exception
    assert "Something went wrong while fitting the model" in at.error[0].value
    assert at.expander[-1].label == "Details"
    assert "engine exploded" in joined(at, "code")


def test_the_design_is_said_and_the_unweighted_check_is_one_click(app):
    at = _fit(app("crosslag"))
    assert not at.exception
    assert "Estimates are weighted to represent the population" in joined(at, "caption")
    at = _fit(at, weighted=False)
    assert not at.exception
    assert "Unweighted, with standard errors for a simple random sample" in joined(at, "caption")


RAW = ("ghq_likert", "x_to_y", "y_to_x", "ci_lower", "ci_upper", "npar", "power_mcse", "std_all", "pvalue", "None")


def test_the_answer_first_and_numbers_for_people(app):
    import re

    at = _fit(app("crosslag"), compare=True)
    assert not at.exception
    # The headline is the first thing after the form: before the metrics, tables and the path diagram.
    first = next(m.value for m in at.markdown if m.value.startswith("#### "))
    assert "loneliness" in first.lower() and "GHQ-12 distress" in first and len(first.split()) <= 61
    assert [m.value for m in at.markdown].index(first) < [m.value for m in at.markdown].index(
        next(m.value for m in at.markdown if m.value.startswith("**Is one direction stronger")))
    text = joined(at, "markdown", "caption", "info", "success", "warning")
    assert not re.search(r"\d(?:\.\d+)?e[-+]?\d", text), "no exponent notation on the page"
    for frame in at.dataframe[:-1]:  # the last one is the analysts' full parameter table
        cells = " ".join(str(v) for v in frame.value.to_numpy().ravel())
        assert not re.search(r"\d(?:\.\d+)?e[-+]?\d", cells)
        for raw in RAW:
            assert raw not in frame.value.columns and raw not in cells, raw
    assert any(getattr(b, "proto", b).label == "Download PNG" for b in at.get("download_button"))
