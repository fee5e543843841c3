"""Reproducible runs: identical reruns, no partial output, the report's contents, verify."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from analysis.errors import SpecError
from analysis.runs import load_config, run_analysis, verify_run

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "data_specs" / "synthetic.yaml"


def small_config(tmp_path: Path, **changes) -> Path:
    cfg = {
        "title": "Test run",
        "data": {"spec": str(SPEC), "synthetic": {"cohort": "ukhls", "n": 900, "waves": 4, "seed": 3}},
        "crosslag": [{"x": "loneliness", "y": "ghq_likert", "model": "riclpm", "sensitivity": True}],
        "groups": [{"x": "loneliness", "y": "ghq_likert", "groupings": ["life_stage"]}],
        "moderation": [{"x": "loneliness", "y": "ghq_likert", "moderator": "perceived_stigma"}],
        "causal": [{"exposure": "loneliness", "outcome": "ghq_likert", "mediator": "perceived_stigma",
                    "direction": "forward", "bootstrap": 30}],
        "seed": 1,
    }
    cfg.update(changes)
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(cfg))
    return path


@pytest.fixture(scope="module")
def first_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("run")
    cfg = small_config(tmp)
    return cfg, run_analysis(cfg, out=tmp / "runs", quiet=True)


def test_run_folder_contents(first_run):
    _, res = first_run
    folder = res.folder
    for name in ("manifest.json", "results.json", "report.html"):
        assert (folder / name).is_file()
    assert list((folder / "tables").glob("*.csv"))
    assert (folder / "figures" / "path_diagram_riclpm_loneliness_ghq_likert.png").is_file()
    assert (folder / "figures" / "forest_loneliness_ghq_likert.svg").is_file()
    manifest = json.loads((folder / "manifest.json").read_text())
    for key in ("config", "inputs", "environment", "command_line", "started", "finished", "seeds", "results_sha256"):
        assert key in manifest
    env = manifest["environment"]
    assert env["python"] and env["platform"] and env["packages"]["numpy"]
    assert "commit" in env["git"] and "dirty" in env["git"]
    assert manifest["inputs"]["spec"]["sha256"] and manifest["inputs"]["panel_sha256"]
    assert not list(folder.parent.glob(".*.partial"))


def test_rerun_gives_identical_results(first_run, tmp_path):
    cfg, res = first_run
    again = run_analysis(cfg, out=tmp_path / "runs", quiet=True)
    assert again.folder != res.folder
    assert (again.folder / "results.json").read_bytes() == (res.folder / "results.json").read_bytes()


def test_runs_never_overwrite_each_other(first_run):
    cfg, res = first_run
    other = run_analysis(cfg, out=res.folder.parent, quiet=True)
    assert other.folder != res.folder and res.folder.exists() and other.folder.exists()


def test_report_has_every_section_and_figure(first_run):
    _, res = first_run
    html = res.report.read_text()
    for section in ("summary", "data", "attrition", "crosslag", "comparison", "sensitivity", "groups",
                    "moderation", "causal", "methods", "disclosure", "reproducibility"):
        assert f"id='{section}'" in html, section
    assert html.count("data:image/png;base64,") >= 3  # path diagram, forest plot, causal graph
    assert "placebo" in html.lower() and "refutation" in html.lower()
    assert "not proof of cause" in html
    assert "synthetic" in html.lower()
    assert "Hamaker" in html and "Mulder" in html
    # The survey design is said where each model is reported (the synthetic spec declares one).
    assert "How the regressions used the survey design: weighted" in html
    assert "sampling areas (PSUs)" in html


def test_disclosure_control_suppresses_small_cells(tmp_path):
    cfg = small_config(tmp_path, crosslag=[], groups=[], moderation=[], causal=[],
                       output={"disclosure_threshold": 200})
    res = run_analysis(cfg, out=tmp_path / "runs", quiet=True)
    import pandas as pd

    table = pd.read_csv(res.folder / "tables" / "descriptives.csv")
    small = table[table["suppressed"]]
    assert len(small) > 0
    # A zero count discloses nobody and stays (e.g. hcond17, asked at the first interview only).
    assert small["mean"].isna().all() and (small["n"].isna() | (small["n"] == 0)).all()
    kept = table[~table["suppressed"]]
    assert (kept["n"].fillna(0).astype(int).isin([0]) | (kept["n"] >= 200)).all()
    assert res.results["disclosure"]["suppressed_cells"] > 0
    assert "suppressed" in res.report.read_text()


def test_verify_reports_identical_and_tampered(first_run, tmp_path):
    _, res = first_run
    assert verify_run(res.folder).identical
    copy = tmp_path / "copy"
    import shutil

    shutil.copytree(res.folder, copy)
    data = json.loads((copy / "results.json").read_text())
    data["crosslag"][0]["crosslag"]["x_to_y"]["est"] += 1.0
    (copy / "results.json").write_text(json.dumps(data))
    manifest = json.loads((copy / "manifest.json").read_text())
    manifest["inputs"]["panel_sha256"] = "0" * 64
    (copy / "manifest.json").write_text(json.dumps(manifest))
    out = verify_run(copy)
    assert not out.identical
    assert any("x_to_y.est" in d for d in out.differences)
    assert any("changed after the run" in n for n in out.notes)
    assert any("panel checksum" in n for n in out.notes)


def test_interrupted_run_leaves_no_partial_output(tmp_path):
    cfg = small_config(tmp_path)
    out = tmp_path / "runs"
    proc = subprocess.Popen([sys.executable, "-m", "analysis", "run", str(cfg), "--out", str(out), "--quiet"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT)
    deadline = time.time() + 120
    while time.time() < deadline:
        staging = list(out.glob(".*.partial")) if out.exists() else []
        if staging and list(staging[0].rglob("*.dta")):
            break
        time.sleep(0.05)
    else:
        proc.kill()
        pytest.fail("the run never started writing")
    proc.send_signal(signal.SIGINT)
    proc.wait(timeout=60)
    assert proc.returncode != 0
    assert list(out.iterdir()) == []


def test_config_errors_name_the_key(tmp_path):
    path = small_config(tmp_path)
    data = yaml.safe_load(path.read_text())
    data["crosslag"][0]["lagz"] = "free"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(SpecError) as err:
        load_config(path)
    assert "lagz" in str(err.value) and "lags" in str(err.value) and "config.yaml" in str(err.value)
    data = yaml.safe_load(small_config(tmp_path).read_text())
    data["data"].pop("synthetic")
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(SpecError, match="exactly one of"):
        load_config(path)


def test_cli_run_and_verify(tmp_path):
    cfg = small_config(tmp_path, groups=[], moderation=[], causal=[])
    out = subprocess.run([sys.executable, "-m", "analysis", "run", str(cfg), "--out", str(tmp_path / "r"), "--quiet"],
                         capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert out.returncode == 0, out.stderr
    folder = Path(out.stdout.split("Run folder: ")[1].splitlines()[0])
    assert "Report: " in out.stdout
    ver = subprocess.run([sys.executable, "-m", "analysis", "verify", str(folder), "--quiet"],
                         capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert ver.returncode == 0, ver.stdout + ver.stderr
    assert "identical" in ver.stdout
    bad = subprocess.run([sys.executable, "-m", "analysis", "run", str(tmp_path / "nope.yaml")],
                         capture_output=True, text=True, cwd=ROOT)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr


@pytest.mark.slow
def test_demo_config_twice_gives_identical_results(tmp_path):
    demo = ROOT / "analyses" / "demo.yaml"
    a = run_analysis(demo, out=tmp_path / "a", quiet=True)
    b = run_analysis(demo, out=tmp_path / "b", quiet=True)
    assert (a.folder / "results.json").read_bytes() == (b.folder / "results.json").read_bytes()
