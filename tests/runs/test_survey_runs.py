"""The ``survey`` key of an analysis config: weighted by the spec's design by default, unweighted on request."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from analysis.errors import SpecError
from analysis.runs import load_config, run_analysis

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "data_specs" / "synthetic.yaml"


def config(tmp_path: Path, survey: dict | None) -> Path:
    cfg = {"title": "Survey run",
           "data": {"spec": str(SPEC), "synthetic": {"cohort": "ukhls", "n": 1500, "waves": 3, "seed": 4}},
           "crosslag": [{"x": "loneliness", "y": "ghq_likert", "compare_models": False, "sensitivity": False}]}
    if survey is not None:
        cfg["survey"] = survey
    path = tmp_path / f"config-{len(list(tmp_path.iterdir()))}.yaml"
    path.write_text(yaml.safe_dump(cfg))
    return path


def test_survey_key_is_validated(tmp_path):
    cfg = load_config(config(tmp_path, None))
    assert cfg.survey.weighted is True and cfg.survey.weight_rule == "last"
    with pytest.raises(SpecError, match="weight_rule"):
        load_config(config(tmp_path, {"weight_rule": "middle"}))


def test_runs_use_the_design_by_default_and_say_when_they_do_not(tmp_path):
    weighted = run_analysis(config(tmp_path, None), out=tmp_path / "runs", quiet=True)
    plain = run_analysis(config(tmp_path, {"weighted": False}), out=tmp_path / "runs", quiet=True)
    w = json.loads((weighted.folder / "results.json").read_text())["crosslag"][0]["design"]
    u = json.loads((plain.folder / "results.json").read_text())["crosslag"][0]["design"]
    assert w["weight"] == "weight" and w["cluster"] == "psu" and w["strata"] == "strata" and w["n_psu"] > 10
    assert u["weight"] is None and u["cluster"] is None
    report_w, report_u = weighted.report.read_text(), plain.report.read_text()
    assert "sampling areas (PSUs)" in report_w and "Survey design: Estimates are weighted" in report_w
    assert "Unweighted, with standard errors for a simple random sample" in report_u
