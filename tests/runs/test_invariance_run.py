"""The ``invariance`` key of an analysis config: validated, run into results.json, tables and the report."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from analysis.errors import SpecError
from analysis.runs import load_config, run_analysis

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "data_specs" / "synthetic.yaml"


def config(tmp_path: Path, invariance: list[dict]) -> Path:
    cfg = {"title": "Invariance run",
           "data": {"spec": str(SPEC), "synthetic": {"cohort": "ukhls", "n": 800, "waves": 3, "seed": 3}},
           "invariance": invariance}
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(cfg))
    return path


def test_invariance_key_is_validated(tmp_path):
    cfg = load_config(config(tmp_path, [{"x": "loneliness", "y": "discrimination", "group": "life_stage"}]))
    item = cfg.invariance[0]
    assert (item.x, item.y, item.group, item.over_waves, item.lags) == (
        "loneliness", "discrimination", "life_stage", "metric", "invariant")
    with pytest.raises(SpecError, match="did you mean 'group'"):
        load_config(config(tmp_path, [{"x": "loneliness", "y": "discrimination", "grup": "life_stage"}]))
    with pytest.raises(SpecError, match="over_waves"):
        load_config(config(tmp_path, [{"x": "loneliness", "y": "discrimination", "over_waves": "strict"}]))


@pytest.mark.skip(reason="Measured 2026-11-27 (issue 16): the synthetic cohort's stigma items are trait-like, so "
                  "the item-level RI-CLPM's within-person factor variances go to zero (wy1 2.6e-4, wy2 -5.6e-4 "
                  "after 100 iterations, random-intercept variances negative; the implied covariance stays positive "
                  "definite). There the parameters tied to a zero-variance factor are not identified (flat "
                  "directions, a singular Hessian), so even Newton steps with the analytic observed information "
                  "converge only linearly: -loglik/N falls about 6e-8 per iteration with gradient 0.05-0.16 per "
                  "case, and 500 iterations (187 s under load) end in ConvergenceError. Re-enable when the "
                  "optimiser steps in the identified subspace at such points, or the generator gives stigma "
                  "within-person change.")
def test_invariance_run_writes_results_table_and_report(tmp_path):
    res = run_analysis(config(tmp_path, [{"x": "loneliness", "y": "perceived_stigma"}]), out=tmp_path / "runs",
                       quiet=True)
    results = json.loads((res.folder / "results.json").read_text())
    (block,) = results["invariance"]
    assert block["kind"] == "waves" and (block["x"], block["y"]) == ("loneliness", "perceived_stigma")
    assert [r["level"] for r in block["table"]] == ["configural", "metric", "scalar"]
    assert block["interpretation"]
    assert (res.folder / "tables" / "invariance_loneliness_perceived_stigma.csv").is_file()
    report = res.report.read_text()
    assert "id='invariance'" in report and block["interpretation"].split(",")[0] in report
