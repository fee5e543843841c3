"""The power page as a user drives it (streamlit.testing AppTest), with a tiny design."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

PAGE = Path(__file__).resolve().parents[2] / "app_pages" / "power.py"


def _tiny(at: AppTest) -> AppTest:
    at.radio(key="model").set_value("clpm")
    at.text_input(key="n").set_value("40, 80")
    at.text_input(key="waves").set_value("3")
    at.slider(key="icc").set_value(0.0)
    at.slider(key="attrition").set_value(0.0)
    at.number_input(key="replicates").set_value(4)
    at.number_input(key="jobs").set_value(1)
    return at


def test_page_runs_a_tiny_design_and_shows_curve_and_table():
    at = AppTest.from_file(str(PAGE), default_timeout=60).run()
    assert not at.exception
    assert "chance that a study finds an effect" in at.markdown[0].value
    _tiny(at).button[0].click().run()
    assert not at.exception
    assert not at.error
    res = at.session_state["power_results"]
    assert res.n_replicates == 4 and list(res.design.n) == [40, 80]
    assert len(at.dataframe) == 1
    shown = at.dataframe[0].value
    assert set(shown["path"]) == {"x → y", "y → x"} and len(shown) == 4
    assert any("persons" in m.value or "not reached" in m.value for m in at.markdown)
    assert at.get("image"), "the power-curve figure is shown"


def test_page_reports_a_bad_design_in_one_sentence():
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
