"""Runs with several studies (issue 19): other cohorts in the config, pooled; the report's "Across studies"."""

from __future__ import annotations

import html
import json
from pathlib import Path

import pytest
import yaml

from analysis.errors import SpecError
from analysis.pooling.meta import random_effects
from analysis.runs import load_config, run_analysis, verify_run
from analysis.synth.continuous import DRIFT, lags

ROOT = Path(__file__).resolve().parents[2]
SPECS = ROOT / "data_specs"


def pooled_config(tmp_path: Path, *, n: int = 1500, **changes) -> Path:
    cfg = {
        "title": "Pooled test run",
        "data": {"spec": str(SPECS / "synthetic_ct_ukhls.yaml"),
                 "synthetic": {"cohort": "ukhls", "continuous": True, "n": n, "waves": 4, "seed": 5}},
        "cohorts": [{"name": "ELSA-like", "spec": str(SPECS / "synthetic_ct_elsa.yaml"),
                     "synthetic": {"cohort": "elsa", "continuous": True, "n": n, "waves": 4, "seed": 6}}],
        "pool": [{"x": "loneliness", "y": "distress", "interval": 1}],
        "seed": 1,
    }
    cfg.update(changes)
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(cfg))
    return path


@pytest.fixture(scope="module")
def pooled_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("pooled")
    return tmp, run_analysis(pooled_config(tmp), out=tmp / "runs", quiet=True)


def test_a_run_pools_its_cohort_with_the_others(pooled_run):
    _, run = pooled_run
    results = json.loads((run.folder / "results.json").read_text())
    (block,) = results["pooling"]
    assert [c["name"] for c in block["cohorts"]] == ["ukhls-like", "ELSA-like"]
    assert [c["interval_years"] for c in block["cohorts"]] == [1, 2] and block["interval_years"] == 1
    for path in ("x_to_y", "y_to_x"):
        pooled = block["pooled"][path]
        assert {"est", "se", "ci_lower", "ci_upper", "tau2", "i2", "q_pvalue", "pi_lower", "pi_upper"} <= set(pooled)
        again = random_effects([c["converted"][path]["est"] for c in block["cohorts"]],
                               [c["converted"][path]["se"] for c in block["cohorts"]])
        assert pooled["est"] == pytest.approx(again.estimate, rel=1e-8)
    truth = lags(DRIFT, 1.0)
    assert abs(block["pooled"]["x_to_y"]["est"] - truth[1, 0]) < 3 * block["pooled"]["x_to_y"]["se"]
    assert (run.folder / "tables" / "pooled_loneliness_distress.csv").is_file()
    assert (run.folder / "figures" / "pooled_loneliness_distress.png").is_file()
    manifest = json.loads((run.folder / "manifest.json").read_text())
    assert manifest["inputs"]["cohorts"][0]["name"] == "ELSA-like"
    assert manifest["inputs"]["cohorts"][0]["spec"]["sha256"]


def test_the_report_says_it_across_studies_with_the_references(pooled_run):
    _, run = pooled_run
    report = run.report.read_text()
    section = html.unescape(report[report.index("<section id='pooling'>"):])
    assert "<h2>Across studies</h2>" in section and "Across two studies" in section
    assert "id='fig-pooled_loneliness_distress'" in section
    for ref in ("Kuiper, R. M., & Ryan, O. (2018)", "Voelkle, M. C.", "Viechtbauer, W. (2010)"):
        assert ref in section
    assert report.index("id='pooling'") < report.index("id='methods'")


def test_the_same_config_gives_the_same_results_and_verifies(pooled_run):
    tmp, run = pooled_run
    again = run_analysis(pooled_config(tmp), out=tmp / "again", quiet=True)
    assert (again.folder / "results.json").read_bytes() == (run.folder / "results.json").read_bytes()
    assert (again.folder / "tables" / "pooled_loneliness_distress.csv").read_bytes() == \
        (run.folder / "tables" / "pooled_loneliness_distress.csv").read_bytes()
    check = verify_run(run.folder)
    assert check.identical, check.differences


@pytest.mark.parametrize("changes, words", [
    ({"cohorts": []}, "pool needs at least one other study under cohorts"),
    ({"pool": [{"x": "loneliness", "y": "distress", "interval": 0}]}, "pool[0].interval"),
    ({"cohorts": [{"name": "a", "spec": "s.yaml", "path": "p"}, {"name": "a", "spec": "s.yaml", "path": "q"}]},
     "the name 'a' is used twice"),
    ({"cohorts": [{"name": "a", "spec": "s.yaml"}]}, "give exactly one of 'path'"),
])
def test_bad_study_lists_are_one_sentence_naming_the_key(tmp_path, changes, words):
    with pytest.raises(SpecError) as info:
        load_config(pooled_config(tmp_path, **changes))
    assert words in str(info.value) and "\n" not in str(info.value)


def test_the_demo_config_loads_and_points_at_the_continuous_cohorts():
    cfg = load_config(ROOT / "analyses" / "demo_pooled.yaml")
    assert cfg.data.synthetic.continuous and cfg.cohorts[0].synthetic.continuous
    assert cfg.resolve(cfg.data.spec).name == "synthetic_ct_ukhls.yaml"
    assert cfg.resolve(cfg.cohorts[0].spec).name == "synthetic_ct_elsa.yaml"
    assert cfg.pool[0].interval == 1


@pytest.mark.slow
def test_the_pooled_demo_recovers_the_one_year_truth_and_naive_pooling_does_not(tmp_path):
    run = run_analysis(ROOT / "analyses" / "demo_pooled.yaml", out=tmp_path, quiet=True)
    (block,) = json.loads((run.folder / "results.json").read_text())["pooling"]
    truth = lags(DRIFT, 1.0)
    for path, cell in (("x_to_y", (1, 0)), ("y_to_x", (0, 1))):
        pooled, naive = block["pooled"][path], block["naive"][path]
        assert abs(pooled["est"] - truth[cell]) < 3 * pooled["se"], (path, pooled, truth[cell])
        assert abs(naive["est"] - truth[cell]) > 3 * pooled["se"] and naive["q_pvalue"] < 0.05 <= pooled["q_pvalue"]
    assert "the studies differ" not in block["sentence"]
