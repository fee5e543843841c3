"""Answers the dashboard keeps: across a browser refresh, without refitting on a display change, with progress.

The library runs for real: a refit is seen in the store's count of library calls and in a new results
object, never through a mock.
"""

from __future__ import annotations

import pytest
from app_support import APP, REPO, joined
from streamlit.testing.v1 import AppTest


@pytest.fixture
def results(monkeypatch):
    """The dashboard's kept library calls, the same module the pages run with."""
    monkeypatch.syspath_prepend(str(REPO))
    from app_pages import _results

    return _results


def current_dataset():
    from app_pages._shared import current_dataset

    return current_dataset()


def refreshed(at: AppTest, page: str) -> AppTest:
    """A new session opened at ``at``'s address, as a browser refresh (or a bookmark) does."""
    new = AppTest.from_file(str(APP), default_timeout=120)
    new.query_params = dict(at.query_params)
    new.switch_page(f"app_pages/{page}.py")
    return new.run()


def test_the_address_carries_a_short_key_and_a_refresh_shows_the_answer_without_refitting(app, results):
    at = app("crosslag")
    assert "s" not in at.query_params, "nothing remembered yet"
    at.radio(key="cl_model").set_value("clpm")
    at.button[0].click().run()
    assert not at.exception and not at.error
    key = at.query_params["s"]
    assert len(key) == 12
    fits = results.computations()

    at = refreshed(at, "crosslag")
    assert not at.exception and not at.error
    assert at.radio(key="cl_model").value == "clpm", "the form shows the remembered settings"
    assert "cross-lagged panel model (CLPM)" in joined(at, "info"), "the answer, without pressing Fit"
    assert "shown from the cache" in joined(at, "caption")
    assert results.computations() == fits, "nothing fitted again"

    at.switch_page("app_pages/data.py").run()  # navigating keeps the key in the address
    assert at.query_params["s"] == key


def test_an_unknown_key_in_the_address_is_ignored(app):
    at = AppTest.from_file(str(APP), default_timeout=120)
    at.query_params = {"s": "000000000000"}
    at.switch_page("app_pages/crosslag.py").run()
    assert not at.exception and not at.error
    assert "press **Fit model**" in joined(at, "info")


def test_a_display_option_redraws_but_never_refits(app, results):
    at = app("crosslag")
    at.button[0].click().run()
    settings = {k: v for k, v in at.session_state["remembered"]["crosslag"].items() if k != "data"}
    key = results.crosslag_key(current_dataset(), {**settings, "compare": False})
    result = results.cached("crosslag", key)
    assert result is not None
    before = results.computations()

    at.radio(key="cl_value").set_value("est").run()
    assert not at.exception
    after = results.computations()
    assert after["crosslag"] == before["crosslag"] and results.cached("crosslag", key) is result
    assert after["figure"] == before.get("figure", 0) + 1, "the other path diagram is drawn once"
    at.radio(key="cl_value").set_value("std").run()
    assert results.computations() == after, "and both are kept"


def test_groups_display_option_does_not_refit(app, results):
    at = app("groups")
    at.button[0].click().run()
    assert not at.exception and not at.error
    before = results.computations()
    kept = results._store.store().entries("groups")
    at.radio(key="gr_value").set_value("est").run()
    assert not at.exception
    assert results.computations()["groups"] == before["groups"]
    assert all(a is b for (_, a), (_, b) in zip(kept, results._store.store().entries("groups")))


def test_the_report_survives_a_refresh(app, results, monkeypatch):
    monkeypatch.setenv("WORKBENCH_DEMO_N", "60")
    at = app("report")
    at.button[0].click().run()
    assert not at.exception and not at.error
    assert "Report ready" in joined(at, "success")
    reports = results.computations()["report"]
    at = refreshed(at, "report")
    assert not at.exception and not at.error
    assert "Report ready" in joined(at, "success"), "shown after the refresh without pressing Build"
    assert results.computations()["report"] == reports


def test_causal_estimates_come_first_and_match_the_checked_ones(app, results):
    at = app("causal")
    at.number_input(key="ca_boot").set_value(20)
    at.number_input(key="ca_sims").set_value(5)
    at.number_input(key="ca_seed").set_value(7)
    at.button[0].click().run()
    assert not at.exception and not at.error
    s = {k: v for k, v in at.session_state["remembered"]["causal"].items() if k != "data"}
    ds = current_dataset()
    first = results.cached("causal-estimate", results.causal_key(ds, s, checks=False))
    full = results.cached("causal", results.causal_key(ds, s))
    assert first is not None and full is not None and not first.refutations and full.refutations
    assert first.effect == full.effect, "the estimate shown first is the one the checks are about"
    assert "passed every check" in joined(at, "info") or "Checks not passed" in joined(at, "info")
    before = results.computations()
    at.number_input(key="ca_sims").set_value(10)
    at.button[0].click().run()
    assert not at.exception and not at.error
    after = results.computations()
    assert after["causal"] == before["causal"] + 1
    assert after["causal-estimate"] == before["causal-estimate"], "more simulations leave the estimate as it was"


def test_progress_estimate_words(monkeypatch):
    """The bar's estimate: time per finished step times the steps left, none before the first step."""
    monkeypatch.syspath_prepend(str(REPO))
    from app_pages._progress import duration_words, estimate_words

    assert estimate_words(0, 4, 0.0) == "0 of 4 done"
    assert estimate_words(1, 4, 5.0) == "1 of 4 done, about 15 s left"
    assert estimate_words(3, 600, 30.0) == "3 of 600 done, about 99 min left"
    assert estimate_words(4, 4, 9.0) == "4 of 4 done"
    assert duration_words(125) == "2 min 5 s"


def test_progress_bar_keeps_its_clock_when_only_the_item_named_changes(monkeypatch):
    """'Comparing X (2 of 4 groupings)': the step text changes every call, the estimate must not restart."""
    from app_pages import _progress

    shown = []

    class FakeBar:
        def progress(self, fraction, text):
            shown.append(text)

        def empty(self):
            pass

    clock = iter([0.0, 0.0, 0.0, 10.0, 20.0, 20.0, 20.0, 25.0])  # __init__, then (restart,) elapsed per call
    monkeypatch.setattr(_progress.time, "perf_counter", lambda: next(clock))
    monkeypatch.setattr(_progress.st, "progress", lambda *a, **k: FakeBar())
    bar = _progress.Bar("Fitting")                   # clock 0
    bar(0, 4, "Comparing A (1 of 4 groupings)")      # 0: a new step from nothing done restarts at 0
    bar(1, 4, "Comparing B (2 of 4 groupings)")      # 10 s for 1 of 4: about 30 s left
    bar(2, 4, "Comparing C (3 of 4 groupings)")      # 20 s for 2: about 20 s left
    assert shown[1].endswith("about 30 s left") and shown[2].endswith("about 20 s left")
    bar(0, 2, "Running the checks")                  # a new step from nothing: clock restarts at 20
    bar(1, 2, "Running the checks")                  # 5 s for 1 of 2: about 5 s left
    assert shown[-1].endswith("about 5 s left")
