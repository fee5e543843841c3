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


def test_invariance_run_writes_results_table_and_report(tmp_path):
    # GHQ-12 items change within persons; the synthetic stigma items are trait-like, so their
    # within-person factor has no variance (see tests/cli/test_invariance_cli.py).
    res = run_analysis(config(tmp_path, [{"x": "loneliness", "y": "ghq_likert"}]), out=tmp_path / "runs",
                       quiet=True)
    results = json.loads((res.folder / "results.json").read_text())
    (block,) = results["invariance"]
    assert block["kind"] == "waves" and (block["x"], block["y"]) == ("loneliness", "ghq_likert")
    assert [r["level"] for r in block["table"]] == ["configural", "metric", "scalar"]
    assert block["interpretation"]
    assert (res.folder / "tables" / "invariance_loneliness_ghq_likert.csv").is_file()
    report = res.report.read_text()
    assert "id='invariance'" in report and block["interpretation"].split(",")[0] in report
