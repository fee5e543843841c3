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

from analysis.errors import DataError, SpecError
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
    same = verify_run(res.folder)
    assert same.identical and not same.differences and not same.files, same.summary()
    # Every output is compared: results, tables, the report and the figures.
    assert {"results.json", "report.html"} <= set(same.compared)
    assert {f"tables/{p.name}" for p in (res.folder / "tables").glob("*.csv")} <= set(same.compared)
    assert {f"figures/{p.name}" for p in (res.folder / "figures").iterdir()} <= set(same.compared)
    assert "identical" in same.summary()
    copy = tmp_path / "copy"
    import shutil

    shutil.copytree(res.folder, copy)
    data = json.loads((copy / "results.json").read_text())
    data["crosslag"][0]["crosslag"]["x_to_y"]["est"] += 1.0
    (copy / "results.json").write_text(json.dumps(data))
    manifest = json.loads((copy / "manifest.json").read_text())
    manifest["inputs"]["panel_sha256"] = "0" * 64
    (copy / "manifest.json").write_text(json.dumps(manifest))
    # An edited table, an edited report and a lost figure are each named.
    table = copy / "tables" / "descriptives.csv"
    lines = table.read_text().splitlines()
    cells = lines[1].split(",")
    cells[-2] = "999"
    lines[1] = ",".join(cells)
    table.write_text("\n".join(lines) + "\n")
    (copy / "report.html").write_text((copy / "report.html").read_text().replace("Disclosure control", "Edited"))
    figure = next((copy / "figures").glob("*.svg"))
    figure.unlink()
    out = verify_run(copy)
    assert not out.identical
    assert any("x_to_y.est" in d for d in out.differences)
    assert {"results.json", "tables/descriptives.csv", "report.html", f"figures/{figure.name}"} <= set(out.files)
    assert any(d.startswith("tables/descriptives.csv: row 1, column ") and "'999' in the original" in d
               for d in out.differences), out.differences
    assert any(d.startswith("report.html: differs from line") for d in out.differences)
    assert any(d.startswith(f"figures/{figure.name}: missing from the run folder") for d in out.differences)
    assert any("changed after the run" in n for n in out.notes)
    assert any("tables/descriptives.csv was changed after the run" in n for n in out.notes)
    assert any("panel checksum" in n for n in out.notes)
    assert "tables/descriptives.csv" in out.summary()


@pytest.mark.parametrize("damage, words", [
    (lambda m: "{ not json", "is not valid JSON"),
    (lambda m: "[1, 2]", "is not a run manifest"),
    (lambda m: json.dumps({k: v for k, v in m.items() if k != "config"}), "has no 'config'"),
    (lambda m: json.dumps({**m, "inputs": {k: v for k, v in m["inputs"].items() if k != "spec"}}),
     "has no 'inputs.spec'"),
    (lambda m: json.dumps({**m, "inputs": {**m["inputs"], "spec": {**m["inputs"]["spec"], "text": 3}}}),
     "'inputs.spec.text' should be a str"),
])
def test_verify_of_a_damaged_manifest_is_one_sentence_and_exit_2(first_run, tmp_path, damage, words):
    _, res = first_run
    folder = tmp_path / "run"
    folder.mkdir()
    shutil_copy = __import__("shutil").copy2
    for name in ("results.json", "manifest.json"):
        shutil_copy(res.folder / name, folder / name)
    manifest = json.loads((folder / "manifest.json").read_text())
    (folder / "manifest.json").write_text(damage(manifest))
    with pytest.raises(DataError, match="manifest.json"):
        verify_run(folder)
    out = subprocess.run([sys.executable, "-m", "analysis", "verify", str(folder), "--quiet"],
                         capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert out.returncode == 2 and "Traceback" not in out.stderr, out.stderr
    lines = [line for line in out.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: ") and words in lines[0], out.stderr


def test_verify_of_a_folder_that_is_not_a_run(tmp_path):
    with pytest.raises(DataError, match="no manifest.json"):
        verify_run(tmp_path)


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


@pytest.mark.parametrize("how", ["cli", "library"])
def test_sigterm_cleans_up_like_ctrl_c(tmp_path, how):
    cfg = small_config(tmp_path)
    out = tmp_path / "runs"
    command = ([sys.executable, "-m", "analysis", "run", str(cfg), "--out", str(out), "--quiet"] if how == "cli" else
               [sys.executable, "-c", "import sys; from analysis.runs import run_analysis; "
                                      "run_analysis(sys.argv[1], out=sys.argv[2], quiet=True)", str(cfg), str(out)])
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    deadline = time.time() + 300
    while time.time() < deadline:
        staging = list(out.glob(".*.partial")) if out.exists() else []
        if staging and list(staging[0].rglob("*.dta")):
            break
        time.sleep(0.05)
    else:
        proc.kill()
        pytest.fail("the run never started writing")
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode != 0
    if how == "cli":
        assert proc.returncode == 143 and "Traceback" not in err and "terminated" in err, err
    assert list(out.iterdir()) == []  # no hidden .partial folder either


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


def _run_in_processes(config: Path, out: Path, seeds: tuple[str, ...]) -> list[Path]:
    """Run ``config`` once per PYTHONHASHSEED, each in its own process (at the same time); the run folders."""
    procs = []
    for seed in seeds:
        env = {**os.environ, "PYTHONHASHSEED": seed}
        procs.append(subprocess.Popen([sys.executable, "-m", "analysis", "run", str(config), "--out",
                                       str(out / f"seed{seed}"), "--quiet"], stdout=subprocess.PIPE,
                                      stderr=subprocess.PIPE, text=True, cwd=ROOT, env=env))
    folders = []
    for proc in procs:
        stdout, stderr = proc.communicate(timeout=1800)
        assert proc.returncode == 0, stderr
        folders.append(Path(stdout.split("Run folder: ")[1].splitlines()[0]))
    return folders


def _outputs(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and p.name != "manifest.json" and "inputs" not in p.relative_to(folder).parts}


def test_results_are_byte_identical_across_processes_and_hash_seeds(tmp_path):
    """DoWhy's adjustment sets once followed Python's string hashing, so two processes wrote different files."""
    cfg = small_config(tmp_path)
    a, b = _run_in_processes(cfg, tmp_path, ("1", "2"))
    first, second = _outputs(a), _outputs(b)
    assert first.keys() == second.keys() and any(k.startswith("tables/") for k in first)
    different = [name for name in first if first[name] != second[name]]
    assert different == []
    results = json.loads(first["results.json"])
    adjustment = results["causal"][0]["effects"][0]["dowhy"]["adjustment_set"]
    assert adjustment == sorted(adjustment)
    # Each manifest records the checksum of every file, as verify reads them.
    manifest = json.loads((a / "manifest.json").read_text())
    assert set(manifest["file_sha256"]) == set(manifest["files"]) and "results.json" in manifest["files"]


def test_no_count_below_the_threshold_in_any_output(first_run):
    """Sentences and count fields of results.json and report text carry no count of 1-9 persons."""
    from analysis.runs.disclosure import COUNT_KEYS, scrub_text

    _, res = first_run
    folder = res.folder
    text = (folder / "results.json").read_text()
    # The sample report's reasons: a small count (perceived stigma missing for 1 person-wave in these data)
    # is suppressed with enough others that the total does not give it back.
    sample = res.results["causal"][0]["sample"]
    hidden = [r for r in sample["not_used"] if r["count"] is None]
    assert len(hidden) != 1
    assert all(r["count"] is None or r["count"] == 0 or r["count"] >= 10 for r in sample["not_used"])
    assert "(suppressed)" in sample["words"] or not hidden

    def walk(value, key=None):
        if isinstance(value, dict):
            for k, v in value.items():
                yield from walk(v, k)
        elif isinstance(value, list):
            for v in value:
                yield from walk(v, key)
        else:
            yield key, value

    for key, value in walk(json.loads(text)):
        if isinstance(value, str):
            assert scrub_text(value, 10) == value, value
        elif key in COUNT_KEYS and isinstance(value, int) and not isinstance(value, bool):
            assert value == 0 or value >= 10, (key, value)
    report = (folder / "report.html").read_text()
    assert scrub_text(report, 10) == report
    for table in (folder / "tables").glob("*.csv"):
        assert scrub_text(table.read_text(), 10) == table.read_text(), table.name


@pytest.mark.slow
def test_demo_config_twice_gives_identical_results(tmp_path):
    """Two `make demo` runs in separate processes (different string hashing) write the same results.json."""
    a, b = _run_in_processes(ROOT / "analyses" / "demo.yaml", tmp_path, ("3", "4"))
    assert (a / "results.json").read_bytes() == (b / "results.json").read_bytes()
    assert _outputs(a) == _outputs(b)
