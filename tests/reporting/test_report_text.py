"""The report as a reader sees it: the headline first, numbers for people, plain names, honest ticks."""

from __future__ import annotations

import html as htmllib
import re
from pathlib import Path

import pytest
import yaml

from analysis.runs import run_analysis

ROOT = Path(__file__).resolve().parents[2]
RAW_NAMES = ("ghq_likert", "x_to_y", "y_to_x", "ci_lower", "ci_upper", "npar", "power_mcse", "std_all", "pvalue",
             "None", "nan", "RICLPM")


def visible_text(page: str) -> str:
    """What a reader sees: no tags, attributes, styles or file names in <code>."""
    page = re.sub(r"<style>.*?</style>", " ", page, flags=re.S)
    page = re.sub(r"<svg.*?</svg>", " ", page, flags=re.S)
    page = re.sub(r"<code>.*?</code>", " ", page, flags=re.S)
    page = re.sub(r"<[^>]+>", " ", page)
    return htmllib.unescape(page)


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> str:
    tmp = tmp_path_factory.mktemp("report")
    cfg = {
        "title": "Test report",
        "data": {"spec": str(ROOT / "data_specs" / "synthetic.yaml"),
                 "synthetic": {"cohort": "ukhls", "n": 900, "waves": 4, "seed": 3}},
        "crosslag": [{"x": "loneliness", "y": "ghq_likert", "model": "riclpm"}],
        "groups": [{"x": "loneliness", "y": "ghq_likert", "groupings": ["life_stage"]}],
        "causal": [{"exposure": "loneliness", "outcome": "ghq_likert", "direction": "forward", "bootstrap": 20,
                    "simulations": 5}],
        "seed": 1,
    }
    path = tmp / "config.yaml"
    path.write_text(yaml.safe_dump(cfg))
    return run_analysis(path, out=tmp / "runs", quiet=True).report.read_text()


def test_the_headline_is_the_first_paragraph_after_the_title(report):
    after = report.split("</h1>", 1)[1].lstrip()
    assert after.startswith("<p id='headline'>")
    headline = visible_text(after.split("</p>", 1)[0])
    assert len(headline.split()) <= 60
    assert "loneliness" in headline.lower() and "GHQ-12 distress" in headline
    assert not re.search(r"\bp\s*[=<]", headline)  # no p-values in the headline


def test_no_exponent_notation_or_raw_names_in_the_text(report):
    text = visible_text(report)
    assert not re.findall(r"\d(?:\.\d+)?e[-+]?\d", text)
    assert not re.findall(r"(?<![\d.])-?0\.0+(?![\d])", text)  # a zero with decimals: "0.000", "-0.00"
    for name in RAW_NAMES:
        assert not re.search(rf"\b{name}\b", text), name


def test_every_one_point_has_its_scale_range(report):
    text = visible_text(report)
    for m in re.finditer(r"one point", text):
        around = text[max(0, m.start() - 250): m.start() + 400]
        assert re.search(r"scored \d+–\d+", around), around[:200]


def test_the_unobserved_confounder_check_is_not_a_pass_when_its_bound_overturns_the_estimate(report):
    text = visible_text(report)
    if "would reverse it" in text or "indistinguishable from zero; the estimate holds" in text:
        assert "passed every check" not in text
        assert "caution, not a pass" in text


def test_between_person_part_and_the_number_analysed(report):
    text = visible_text(report)
    assert "Lasting differences between people" in text and "correlation" in text
    assert re.search(r"Analysed: [\d,]+ of [\d,]+ people", text)
    assert "Estimated by maximum likelihood" in text and "full-information maximum likelihood" in text


def test_figures_have_alt_text_stating_their_message(report):
    alts = re.findall(r"<img alt='([^']*)'", report)
    assert alts and all(len(a.split()) >= 8 for a in alts)
    assert "name='viewport'" in report


def test_a_comparison_fit_with_negative_df_is_not_usable():
    from analysis.reporting.html import _comparison_rows, table_html

    rows = [{"model": "riclpm", "lags": "invariant", "converged": True, "df": 33, "chisq": 73.8},
            {"model": "dpm", "lags": "invariant", "converged": True, "df": -3, "chisq": 2e-11},
            {"model": "clpm", "lags": "invariant", "converged": False, "df": 36, "chisq": 1254.0}]
    status = [r["status"] for r in _comparison_rows(rows)]
    assert status == ["usable", "not identified (-3 degrees of freedom)", "did not converge"]
    text = visible_text(table_html(_comparison_rows(rows), ["model", "status", "df", "chisq"]))
    assert "DPM" in text and "about 0" in text and "e-11" not in text and "fit usable?" in text


def test_between_person_words_and_the_flag_for_a_negative_variance():
    from analysis.reporting.between import between, between_html, fit_flags_html

    params = [{"lhs": "RIx", "op": "~~", "rhs": "RIx", "est": 1.31}, {"lhs": "RIy", "op": "~~", "rhs": "RIy", "est": 24.6},
              {"lhs": "RIx", "op": "~~", "rhs": "RIy", "est": 2.23}]
    cl = {"x": "loneliness", "y": "ghq_likert", "parameters": params, "fit": {"df": 33}, "converged": True}
    b = between(cl)
    assert round(b.correlation, 2) == 0.39
    text = visible_text(between_html(cl))
    assert "People who are lonelier than others in general also tend to have more GHQ-12 distress in general" in text
    assert "(UCLA-3, scored 3–9)" in text and "(GHQ-12, scored 0–36)" in text
    assert fit_flags_html(cl) == ""
    bad = {**cl, "parameters": [{**params[0], "est": -0.2}, *params[1:]]}
    assert "inadmissible" in fit_flags_html(bad) and "could not be estimated" in between(bad).words()
    assert between({"x": "a", "y": "b", "parameters": []}) is None  # the CLPM has no random intercepts


@pytest.mark.skipif(not Path("/usr/bin/chromium").exists(), reason="Debian's chromium is not installed")
def test_the_report_fits_a_phone_and_a_desktop_without_sideways_scrolling(report, tmp_path):
    sync_api = pytest.importorskip("playwright.sync_api")
    page_file = tmp_path / "report.html"
    page_file.write_text(report)
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium",
                                     args=["--headless=new", "--no-sandbox", "--disable-gpu"])
        try:
            for width in (390, 1400):
                page = browser.new_page(viewport={"width": width, "height": 900})
                page.goto(page_file.as_uri())
                assert page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth") <= 1, width
                assert page.locator("#headline").is_visible()
        finally:
            browser.close()
