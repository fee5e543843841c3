"""The power page as a user drives it (streamlit.testing AppTest), with a tiny design."""

from __future__ import annotations

import pytest
from app_support import REPO, joined
from streamlit.testing.v1 import AppTest

PAGE = REPO / "app_pages" / "power.py"


@pytest.fixture
def results(monkeypatch):
    """The dashboard's kept library calls, as the page imports them."""
    monkeypatch.syspath_prepend(str(REPO))
    from app_pages import _results

    return _results


def _tiny(at: AppTest, n: str = "40, 80") -> AppTest:
    at.radio(key="model").set_value("clpm")
    at.text_input(key="n").set_value(n)
    at.text_input(key="waves").set_value("3")
    at.slider(key="icc").set_value(0.0)
    at.slider(key="attrition").set_value(0.0)
    at.number_input(key="replicates").set_value(4)
    at.number_input(key="jobs").set_value(1)
    return at


def test_page_runs_a_tiny_design_and_shows_curve_and_table(results):
    at = AppTest.from_file(str(PAGE), default_timeout=60).run()
    assert not at.exception
    assert "chance that a study finds an effect" in at.markdown[0].value
    assert "press **Run**" in joined(at, "info")
    _tiny(at).button[0].click().run()
    assert not at.exception
    assert not at.error
    assert len(at.dataframe) == 1
    shown = at.dataframe[0].value
    assert set(shown["direction"]) == {"x → y", "y → x"} and len(shown) == 4
    assert set(shown["people"]) == {"40", "80"}  # shown for people; the CSV download keeps the numbers
    assert "power_mcse" not in shown.columns and "power MCSE" in shown.columns
    assert any("persons" in m.value or "not reached" in m.value for m in at.markdown)
    assert at.get("imgs") or at.get("image"), "the power-curve figure is shown"


def test_alpha_and_processes_simulate_nothing_again(results):
    """A new alpha only summarises the studies again; the number of processes changes nothing at all."""
    at = AppTest.from_file(str(PAGE), default_timeout=60).run()
    _tiny(at, "50, 90").button[0].click().run()
    assert not at.exception and not at.error
    (folder,) = [f for (design, seed), f in results._store.store().entries("power-folder") if '"n": [50, 90]' in design]
    files = {p.name: p.stat().st_mtime_ns for p in (folder.path / "run" / "replicates").glob("*")}
    assert files
    before = results.computations()
    at.number_input(key="jobs").set_value(2)
    at.button[0].click().run()
    assert results.computations() == before, "the number of processes is not part of the answer"
    at.number_input(key="alpha").set_value(0.01)
    at.button[0].click().run()
    assert not at.exception and not at.error
    assert results.computations()["power"] == before["power"] + 1
    assert {p.name: p.stat().st_mtime_ns for p in (folder.path / "run" / "replicates").glob("*")} == files, \
        "no study simulated again"
    assert "(p < 0.01)" in joined(at, "markdown")


def test_page_reports_a_bad_design_in_one_sentence(results):
    at = AppTest.from_file(str(PAGE), default_timeout=60).run()
    _tiny(at)
    at.text_input(key="n").set_value("40, lots")
    at.button[0].click().run()
    assert not at.exception
    assert len(at.error) == 1 and "numbers separated by commas" in at.error[0].value
    at.text_input(key="n").set_value("40")
    at.radio(key="model").set_value("riclpm")
    at.button[0].click().run()
    assert len(at.error) == 1 and "icc above 0" in at.error[0].value


def _tree_texts(at) -> list[str]:
    """Every element's text in page order (subheaders, markdown, captions, errors)."""
    out = []

    def walk(node):
        value = getattr(node, "value", None) if getattr(node, "type", None) in (
            "markdown", "subheader", "caption", "error", "warning", "alert") else None
        if isinstance(value, str):
            out.append(value)
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at.main)
    return out


def test_the_large_sample_answer_comes_first_and_the_simulations_check_it(results):
    at = AppTest.from_file(str(PAGE), default_timeout=60).run()
    _tiny(at, "60, 3000").button[0].click().run()
    assert not at.exception and not at.error
    order = _tree_texts(at)
    first = next(i for i, t in enumerate(order) if "people** give an 80% chance of detecting **x → y = 0.1**" in t)
    check = next(i for i, t in enumerate(order) if t == "Do the simulated studies confirm it?")
    verdict = next(i for i, t in enumerate(order) if "Simulated power: 60 people" in t)
    assert first < check < verdict, "the approximation is shown before the simulations and their verdict"
    assert "large-sample approximation" in joined(at, "caption")
    assert "with 4 simulated studies per size they only show differences larger than" in order[verdict] \
        or "differ from the approximation" in order[verdict]
    before = results.computations()
    at.number_input(key="replicates").set_value(6)
    at.button[0].click().run()
    after = results.computations()
    assert after["power"] == before["power"] + 1
    assert after["power-approximation"] == before["power-approximation"], "more simulations, same approximation"


def test_the_approximation_is_shown_even_when_the_simulations_fail(results, monkeypatch):
    from analysis.errors import ConvergenceError

    def fail(design, s):
        raise ConvergenceError("the simulations could not run")

    monkeypatch.setattr(results, "power", fail)
    at = AppTest.from_file(str(PAGE), default_timeout=60).run()
    _tiny(at, "70, 140").button[0].click().run()
    assert not at.exception
    assert "people** give an 80% chance" in joined(at, "markdown")
    assert len(at.error) == 1 and "could not run" in at.error[0].value
