"""``power`` and ``bootstrap`` as a user runs them: subprocess round trips into tmp_path."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

SPECS = Path(__file__).resolve().parents[2] / "data_specs"
SMALL = ["--model", "clpm", "--n", "60,120", "--waves", "3", "--icc", "0", "--seed", "3"]


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "analysis", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=600)


def one_sentence_error(out: subprocess.CompletedProcess) -> str:
    assert out.returncode == 2, out.stderr
    assert "Traceback" not in out.stderr
    lines = [line for line in out.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), out.stderr
    return lines[0]


def test_help():
    for command in ("power", "bootstrap"):
        out = run(command, "--help")
        assert out.returncode == 0 and "usage:" in out.stdout


def test_a_user_mistake_is_one_sentence_and_exit_2(tmp_path):
    assert "at least 20 persons" in one_sentence_error(run("power", "--n", "10", cwd=tmp_path))


@pytest.mark.parametrize("args, words", [
    (["power", "--n", "100,lots"], "comma-separated list"),
    (["power", "--icc", "0"], "icc above 0"),
    (["power", "--backend", "dask"], "--scheduler"),
    (["power", "--scheduler", "tcp://127.0.0.1:1"], "only used with --backend dask"),
    (["power", "--alpha", "5"], "between 0 and 1"),
    (["power", "--cross-lag", "0.9", "--autoregression", "0.9"], "explode"),
    (["bootstrap", "--data", "missing.csv", "--x", "x", "--y", "y"], "missing.csv"),
    (["bootstrap", "--data", "missing.csv", "--x", "x", "--y", "y", "--replicates", "0"], "at least 1"),
])
def test_more_mistakes_in_process(args, words, tmp_path, monkeypatch, capsys):
    from analysis.cli import main

    monkeypatch.chdir(tmp_path)
    try:
        code = main(args)
    except SystemExit as exc:  # argparse's own errors
        code = exc.code
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: ") and words in lines[0], err
    assert not (tmp_path / "runs").exists(), "nothing is written when the options are wrong"


def test_power_round_trip_writes_run_folder_and_json(tmp_path):
    folder, out_json = tmp_path / "run", tmp_path / "power.json"
    out = run("power", *SMALL, "--replicates", "4", "--backend", "serial", "--out", str(folder),
              "--json", str(out_json), "--quiet")
    assert out.returncode == 0, out.stderr
    assert "Power is the chance" in out.stdout and "Sample size for power 0.8" in out.stdout
    res = json.loads(out_json.read_text())
    assert {"design", "fit", "seed", "replicates", "alpha", "target_power", "table", "sample_size",
            "failures", "folder", "notes"} <= set(res)
    assert res["replicates"] == 4 and res["design"]["n"] == [60, 120] and len(res["table"]) == 8
    row = res["table"][0]
    for key in ("n", "waves", "parameter", "true", "pseudo_true", "power", "power_mcse", "coverage",
                "coverage_mcse", "bias", "bias_mcse", "mse", "mse_mcse", "mean_se", "emp_se", "converged", "failed"):
        assert key in row
    for name in ("results.json", "power.csv", "sample_size.csv", "power_curves.png", "settings.json", "design.json"):
        assert (folder / name).is_file(), name
    assert len(list((folder / "replicates").glob("*.jsonl"))) == 2


def interrupt_after_chunks(args: list[str], folder: Path, cwd: Path, *, chunks: int = 3) -> tuple[int, str, float]:
    """Start ``python -m analysis <args>``, press Ctrl-C once ``chunks`` chunk files are written; wait for it.

    Returns the exit code, stderr and the seconds from Ctrl-C to exit.  Output goes to files, not pipes: a
    worker process left behind would hold a pipe open and make the wait hang however fast the run stopped;
    workers still alive after the exit fail the test instead.
    """
    import psutil  # installed with distributed, a dependency
    err_path = cwd / "stderr.txt"
    with open(cwd / "stdout.txt", "w") as out, open(err_path, "w") as err:
        proc = subprocess.Popen([sys.executable, "-m", "analysis", *args], stdout=out, stderr=err, text=True, cwd=cwd)
    try:
        deadline = time.time() + 600  # the first chunks take long when the machine is busy
        while len(list((folder / "replicates").glob("*.jsonl"))) < chunks:
            if proc.poll() is not None:
                pytest.fail(f"the run ended before {chunks} chunks were written:\n{err_path.read_text()}")
            if time.time() > deadline:
                pytest.fail(f"the run wrote fewer than {chunks} chunks in 600 s:\n{err_path.read_text()}")
            time.sleep(0.05)
        workers = psutil.Process(proc.pid).children(recursive=True)
        pressed = time.time()
        proc.send_signal(signal.SIGINT)
        code = proc.wait(timeout=120)
        elapsed = time.time() - pressed
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    _, alive = psutil.wait_procs(workers, timeout=30)
    for p in alive:
        p.kill()
    assert not alive, f"worker processes still running after the run stopped: {[p.pid for p in alive]}"
    return code, err_path.read_text(), elapsed


def test_ctrl_c_keeps_finished_replicates_and_a_rerun_resumes(tmp_path):
    folder = tmp_path / "run"
    code, err, elapsed = interrupt_after_chunks(
        ["power", *SMALL, "--n", "60,120,240", "--replicates", "3000", "--out", str(folder), "--quiet", "--jobs", "2"],
        folder, tmp_path)
    assert code == 130, err
    assert "Traceback" not in err and f"--out {folder}" in err
    assert elapsed < 60, f"the run took {elapsed:.0f} s to stop after Ctrl-C"
    kept = list((folder / "replicates").glob("*.jsonl"))
    assert kept and not list((folder / "replicates").glob(".*.tmp"))
    done = sum(len(p.read_text().splitlines()) for p in kept)
    assert done < 9000
    # Rerun with fewer replicates so the test stays short: the finished ones are reused, and the results
    # are those of an uninterrupted run.
    out = run("power", *SMALL, "--n", "60,120,240", "--replicates", "20", "--out", str(folder), "--quiet",
              "--json", str(tmp_path / "resumed.json"), "--backend", "serial")
    assert out.returncode == 0, out.stderr
    from analysis.power import PowerDesign, run_power

    fresh = run_power(PowerDesign(model="clpm", n=[60, 120, 240], waves=3, icc=0.0), replicates=20, seed=3,
                      backend="serial").to_dict()
    resumed = json.loads((tmp_path / "resumed.json").read_text())
    for key in ("table", "sample_size"):
        assert resumed[key] == json.loads(json.dumps(fresh[key]))


def test_sigterm_stops_power_like_ctrl_c(tmp_path):
    folder = tmp_path / "run"
    err_path = tmp_path / "stderr.txt"
    with open(err_path, "w") as err:
        proc = subprocess.Popen([sys.executable, "-m", "analysis", "power", *SMALL, "--replicates", "3000",
                                 "--out", str(folder), "--quiet", "--jobs", "2"], stdout=subprocess.DEVNULL,
                                stderr=err, cwd=tmp_path)
    deadline = time.time() + 600
    while not list((folder / "replicates").glob("*.jsonl")) and time.time() < deadline and proc.poll() is None:
        time.sleep(0.05)
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=120) == 143, err_path.read_text()
    text = err_path.read_text()
    assert "Traceback" not in text and f"--out {folder}" in text
    assert list((folder / "replicates").glob("*.jsonl")) and not list((folder / "replicates").glob(".*.tmp"))


@pytest.fixture(scope="module")
def wide_csv(tmp_path_factory) -> Path:
    from analysis.power import LaggedEffects, PowerDesign, simulate_panel

    cell = PowerDesign(model="clpm", n=240, waves=3, icc=0.0, attrition=0.1,
                       effects=LaggedEffects(cl_xy=0.2, cl_yx=0.0)).cells()[0]
    df = simulate_panel(cell, 5)
    wide = pd.DataFrame({f"{c}_{t}": df[f"{c}{t}"] for c in ("x", "y") for t in (1, 2, 3)})
    wide["stage"] = np.where(np.arange(len(wide)) % 2 == 0, "young", "old")
    path = tmp_path_factory.mktemp("boot") / "wide.csv"
    wide.to_csv(path, index=False)
    return path


def test_bootstrap_round_trip_on_a_wide_file(wide_csv, tmp_path):
    out_json = tmp_path / "boot.json"
    out = run("bootstrap", "--data", str(wide_csv), "--waves", "1,2,3", "--x", "x", "--y", "y", "--model", "clpm",
              "--group", "stage", "--replicates", "10", "--jackknife", "5", "--backend", "serial",
              "--out", str(tmp_path / "run"), "--json", str(out_json), "--quiet")
    assert out.returncode == 0, out.stderr
    res = json.loads(out_json.read_text())
    stats = [r["statistic"] for r in res["table"]]
    assert stats == ["x_to_y[old]", "y_to_x[old]", "x_to_y[young]", "y_to_x[young]",
                     "x_to_y[old] - x_to_y[young]", "y_to_x[old] - y_to_x[young]"]
    row = res["table"][0]
    for key in ("estimate", "boot_se", "percentile_lower", "percentile_upper", "bca_lower", "bca_upper"):
        assert isinstance(row[key], float)
    assert res["replicates"] == 10 and res["group"] == "stage" and res["data"] == str(wide_csv)
    assert {"statistic", "method", "est", "se", "ci_lower", "ci_upper"} <= set(res["intervals"][0])
    assert res["resampled"] == "persons within strata"
    for name in ("results.json", "bootstrap.csv", "intervals.csv", "draws.csv", "settings.json"):
        assert (tmp_path / "run" / name).is_file()


def test_ctrl_c_stops_a_bootstrap_keeping_finished_resamples(wide_csv, tmp_path):
    folder = tmp_path / "run"
    common = ["bootstrap", "--data", str(wide_csv), "--waves", "1,2,3", "--x", "x", "--y", "y", "--model", "clpm",
              "--quiet"]
    code, err, elapsed = interrupt_after_chunks([*common, "--replicates", "20000", "--out", str(folder),
                                                 "--jobs", "2"], folder, tmp_path)
    assert code == 130, err
    assert "Traceback" not in err and f"--out {folder}" in err
    assert elapsed < 60, f"the bootstrap took {elapsed:.0f} s to stop after Ctrl-C"
    kept = list((folder / "replicates").glob("*.jsonl"))
    assert kept and not list((folder / "replicates").glob(".*.tmp"))
    assert sum(len(p.read_text().splitlines()) for p in kept) < 20000
    # A rerun reuses the finished resamples and gives what an uninterrupted run gives.
    resumed = run(*common, "--replicates", "30", "--backend", "serial", "--out", str(folder),
                  "--json", str(tmp_path / "resumed.json"))
    fresh = run(*common, "--replicates", "30", "--backend", "serial", "--out", str(tmp_path / "fresh"),
                "--json", str(tmp_path / "fresh.json"))
    assert resumed.returncode == 0 and fresh.returncode == 0, resumed.stderr + fresh.stderr
    a, b = (json.loads((tmp_path / f"{n}.json").read_text()) for n in ("resumed", "fresh"))
    assert a["table"] == b["table"] and a["replicates"] == 30


def test_bootstrap_of_a_wide_file_needs_waves(wide_csv, tmp_path):
    err = one_sentence_error(run("bootstrap", "--data", str(wide_csv), "--x", "x", "--y", "y", cwd=tmp_path))
    assert "--waves" in err


@pytest.mark.skipif(not (SPECS / "synthetic.yaml").exists(), reason="data_specs/synthetic.yaml is absent")
def test_bootstrap_through_a_data_spec(tmp_path):
    cohort = tmp_path / "ukhls"
    out = run("synth", "--cohort", "ukhls", "--n", "300", "--waves", "3", "--seed", "4", "--out", str(cohort))
    assert out.returncode == 0, out.stderr
    out = run("bootstrap", "--spec", str(SPECS / "synthetic.yaml"), "--data", str(cohort), "--x", "loneliness",
              "--y", "ghq_likert", "--model", "clpm", "--replicates", "8", "--jackknife", "4", "--backend", "serial",
              "--out", str(tmp_path / "run"), "--json", str(tmp_path / "b.json"), "--quiet")
    assert out.returncode == 0, out.stderr
    res = json.loads((tmp_path / "b.json").read_text())
    assert [r["statistic"] for r in res["table"]] == ["x_to_y", "y_to_x"]
    assert res["waves"] == ["a", "b", "c"] and res["nobs"] > 0
